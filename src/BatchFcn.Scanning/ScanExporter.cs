using System.Globalization;
using System.Text;
using System.Text.Json;
using BatchFcn.Imaging;
using BatchFcn.Storage;
using Microsoft.Extensions.Logging;

namespace BatchFcn.Scanning;

/// <summary>
/// Writes a finished scan's map for viewers that do not read Zarr (<c>batchfcn export</c>): one GeoJSON feature or
/// CSV row per computed cell — the cell's square (its output stride, centred on its receptive field) in level-0 pixel
/// coordinates, with every class's probability as a measurement — which QuPath imports as detections; and the tissue
/// mask the scan used, as a PNG (one pixel per thumbnail pixel) and as GeoJSON polygons in level-0 coordinates.
/// Everything streams band by band, so a large map is never held in memory; files go into the scan's folder.
/// </summary>
public sealed partial class ScanExporter(BlobStoreResolver stores, ImageOpener images, ILogger<ScanExporter> logger)
{
    /// <summary>The export formats: <c>geojson</c> and <c>csv</c>.</summary>
    public static readonly IReadOnlyList<string> Formats = ["geojson", "csv"];

    /// <summary>Exports the scan in <paramref name="scanFolder"/> (local or <c>az://</c>) and returns the addresses written.</summary>
    /// <exception cref="ScanException">The folder holds no finished scan, or the format is unknown.</exception>
    public async Task<IReadOnlyList<string>> ExportAsync(string scanFolder, string format, CancellationToken cancellationToken = default)
    {
        if (!Formats.Contains(format))
        {
            throw new ScanException($"unknown export format '{format}'; use geojson or csv");
        }

        var folder = stores.ResolveFolder(scanFolder);
        if (!await folder.ExistsAsync(ScanOutputs.Summary, cancellationToken).ConfigureAwait(false)
            || !await folder.ExistsAsync(ScanOutputs.Plan, cancellationToken).ConfigureAwait(false))
        {
            throw new ScanException($"'{scanFolder}' holds no finished scan (no summary.json and plan.json); export reads a scan 'run' or a worker finished");
        }

        var plan = await ScanPlanningService.ReadAsync(folder, ScanOutputs.Plan, cancellationToken).ConfigureAwait(false);
        var scores = await ZarrScoreArray.OpenAsync(folder, ScanOutputs.Scores, cancellationToken).ConfigureAwait(false);
        var written = new List<string>();
        string cells = format == "csv" ? "cells.csv" : "cells.geojson";
        await WriteFileAsync(folder, cells, stream => CellsAsync(plan, scores, format, stream, cancellationToken), cancellationToken).ConfigureAwait(false);
        written.Add(folder.Describe(cells));
        if (plan.Options.Tissue != TissueMode.Off)
        {
            using var image = await images.OpenAsync(plan.ImagePath, cancellationToken).ConfigureAwait(false);
            var info = image.Levels[plan.Level];
            var mask = TissueMask.Compute(image.Thumbnail(plan.Options.ThumbnailSize), info.Width, info.Height,
                plan.Options.Tissue == TissueMode.Otsu ? null : plan.Options.TissueThreshold);
            await folder.WriteAsync("tissue.png", mask.ToPng(), cancellationToken).ConfigureAwait(false);
            written.Add(folder.Describe("tissue.png"));
            await WriteFileAsync(folder, "tissue.geojson", stream => TissueAsync(plan, mask, stream, cancellationToken), cancellationToken).ConfigureAwait(false);
            written.Add(folder.Describe("tissue.geojson"));
        }
        else
        {
            LogNoMask(logger);
        }

        return written;
    }

    /// <summary>Names of the classes as measurement names: the labels, else "class 0", "class 1", ….</summary>
    private static string[] ClassNames(ScanPlan plan) =>
        [.. Enumerable.Range(0, (int)plan.Classes).Select(k => plan.Manifest.LabelOf(k) ?? $"class {k}")];

    private static async Task CellsAsync(ScanPlan plan, ZarrScoreArray scores, string format, Stream stream, CancellationToken cancellationToken)
    {
        var names = ClassNames(plan);
        int k = names.Length;
        string activation = plan.Outputs.Values == "probabilities" ? "softmax" : plan.Manifest.Output.Activation;
        double d = plan.Downsample;
        var json = format == "geojson" ? new Utf8JsonWriter(stream) : null;
        var csv = format == "csv" ? new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true) : null;
        if (json is not null)
        {
            json.WriteStartObject();
            json.WriteString("type", "FeatureCollection");
            json.WriteStartArray("features");
        }
        else
        {
            await csv!.WriteLineAsync("row,col,x,y,width,height,top_class," + string.Join(',', names.Select(Csv))).ConfigureAwait(false);
        }

        var cell = new float[k];
        for (int band = 0; band < scores.ChunkGridRows; band++)
        {
            var values = await scores.ReadChunkRowAsync(band, cancellationToken).ConfigureAwait(false);
            long bandRows = values.LongLength / k / scores.Cols, firstRow = (long)band * scores.ChunkRows;
            long plane = bandRows * scores.Cols;
            for (long r = 0; r < bandRows; r++)
            {
                for (long c = 0; c < scores.Cols; c++)
                {
                    long at = (r * scores.Cols) + c;
                    if (float.IsNaN(values[at]))
                    {
                        continue;
                    }

                    for (int j = 0; j < k; j++)
                    {
                        cell[j] = values[(j * plane) + at];
                    }

                    ScoreActivation.ToProbabilities(activation, cell);
                    int top = 0;
                    for (int j = 1; j < k; j++)
                    {
                        top = cell[j] > cell[top] ? j : top;
                    }

                    long row = firstRow + r;
                    var (x0, y0, x1, y1) = Square(plan, row, c);
                    double x = x0 * d, y = y0 * d, w = (x1 - x0) * d, h = (y1 - y0) * d;
                    if (json is not null)
                    {
                        Feature(json, x, y, w, h, names[top], names, cell, row, c);
                    }
                    else
                    {
                        var line = new StringBuilder(64 + (12 * k));
                        line.Append(CultureInfo.InvariantCulture, $"{row},{c},{x:0.##},{y:0.##},{w:0.##},{h:0.##},{Csv(names[top])}");
                        foreach (var p in cell)
                        {
                            line.Append(',').Append(p.ToString("R", CultureInfo.InvariantCulture));
                        }

                        await csv!.WriteLineAsync(line, cancellationToken).ConfigureAwait(false);
                    }
                }
            }

            if (json is not null)
            {
                await json.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        if (json is not null)
        {
            json.WriteEndArray();
            json.WriteEndObject();
            await json.DisposeAsync().ConfigureAwait(false);
        }
        else
        {
            await csv!.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Cell (row, col)'s square at the scanned level: one output stride a side, centred on its receptive field
    /// (whose window starts at index·stride − offset), clipped to the level.</summary>
    private static (double X0, double Y0, double X1, double Y1) Square(ScanPlan plan, long row, long col)
    {
        var gy = plan.Manifest.GeometryY;
        var gx = plan.Manifest.GeometryX;
        double cy = (row * plan.StepY) - gy.Offset + (gy.ReceptiveField / 2.0), cx = (col * plan.StepX) - gx.Offset + (gx.ReceptiveField / 2.0);
        return (Math.Max(0, cx - (plan.StepX / 2.0)), Math.Max(0, cy - (plan.StepY / 2.0)),
            Math.Min(plan.LevelWidth, cx + (plan.StepX / 2.0)), Math.Min(plan.LevelHeight, cy + (plan.StepY / 2.0)));
    }

    private static void Feature(Utf8JsonWriter json, double x, double y, double w, double h, string top, string[] names, float[] cell, long row, long col)
    {
        json.WriteStartObject();
        json.WriteString("type", "Feature");
        json.WriteStartObject("geometry");
        json.WriteString("type", "Polygon");
        json.WriteStartArray("coordinates");
        Ring(json, x, y, w, h);
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteStartObject("properties");
        json.WriteString("objectType", "detection");
        json.WriteStartObject("classification");
        json.WriteString("name", top);
        json.WriteEndObject();
        json.WriteStartObject("measurements");
        for (int j = 0; j < names.Length; j++)
        {
            json.WriteNumber(names[j], Math.Round(cell[j], 6));
        }

        json.WriteEndObject();
        json.WriteNumber("row", row);
        json.WriteNumber("col", col);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>A closed rectangle ring, counter-clockwise in GeoJSON's y-up sense as x right, y down.</summary>
    private static void Ring(Utf8JsonWriter json, double x, double y, double w, double h)
    {
        json.WriteStartArray();
        foreach (var (px, py) in new[] { (x, y), (x + w, y), (x + w, y + h), (x, y + h), (x, y) })
        {
            json.WriteStartArray();
            json.WriteNumberValue(Math.Round(px, 2));
            json.WriteNumberValue(Math.Round(py, 2));
            json.WriteEndArray();
        }

        json.WriteEndArray();
    }

    private static async Task TissueAsync(ScanPlan plan, TissueMask mask, Stream stream, CancellationToken cancellationToken)
    {
        // One rectangle per run of adjacent mask pixels along a row, scaled to level-0 pixels: exact, never overlapping,
        // each a valid polygon (rectangles sharing edges would not make a valid MultiPolygon). QuPath imports them as
        // "Tissue" annotations, which it can merge.
        await using var json = new Utf8JsonWriter(stream);
        json.WriteStartObject();
        json.WriteString("type", "FeatureCollection");
        json.WriteStartArray("features");
        double sx = mask.ScaleX * plan.Downsample, sy = mask.ScaleY * plan.Downsample;
        foreach (var (row, column, length) in mask.Runs())
        {
            json.WriteStartObject();
            json.WriteString("type", "Feature");
            json.WriteStartObject("geometry");
            json.WriteString("type", "Polygon");
            json.WriteStartArray("coordinates");
            Ring(json, column * sx, row * sy, length * sx, sy);
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteStartObject("properties");
            json.WriteString("objectType", "annotation");
            json.WriteStartObject("classification");
            json.WriteString("name", "Tissue");
            json.WriteEndObject();
            json.WriteString("method", mask.Method);
            json.WriteEndObject();
            json.WriteEndObject();
            if (json.BytesPending > 1 << 16)
            {
                await json.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        json.WriteEndArray();
        json.WriteEndObject();
        await json.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Built in a temporary file (it may be large), then stored in one upload.</summary>
    private static async Task WriteFileAsync(IBlobStore folder, string key, Func<Stream, Task> write, CancellationToken cancellationToken)
    {
        var temp = Path.Combine(Path.GetTempPath(), $"batchfcn-export-{Guid.NewGuid():N}");
        var file = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 20, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        await using (file.ConfigureAwait(false))
        {
            await write(file).ConfigureAwait(false);
            file.Position = 0;
            await folder.WriteAsync(key, file, cancellationToken).ConfigureAwait(false);
        }
    }

    private static string Csv(string text) => text.Contains(',', StringComparison.Ordinal) || text.Contains('"', StringComparison.Ordinal)
        ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;

    [LoggerMessage(Level = LogLevel.Information, Message = "The scan ran with --tissue off: no tissue mask to export")]
    private static partial void LogNoMask(ILogger logger);
}
