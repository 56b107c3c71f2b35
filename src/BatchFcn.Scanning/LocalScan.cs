using System.Diagnostics;
using Google.Protobuf;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using BatchFcn.Conversion;
using BatchFcn.Imaging;
using BatchFcn.Inference;
using BatchFcn.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BatchFcn.Scanning;

/// <summary>
/// The embedded hosting of a scan: plan, tiles (pipelined, in process) and finalize, with a local
/// directory as the store. Writes <c>scores.zarr</c>, <c>heatmap.png</c>, <c>summary.json</c> and, when
/// asked, <c>scores.npy</c> into the output folder.
/// </summary>
public static partial class LocalScan
{
    public const string ScoresName = "scores.zarr";
    public const string HeatmapName = "heatmap.png";
    public const string SummaryName = "summary.json";
    public const string NpyName = "scores.npy";

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <exception cref="ScanException">The request cannot run (bad options, image too small, output in use).</exception>
    /// <exception cref="ImageReadException">The image cannot be read.</exception>
    /// <exception cref="ConversionException">The model cannot be read or converted.</exception>
    public static async Task<ScanSummary> RunAsync(ScanRequest request, IProgress<ScanProgress>? progress = null,
        ILogger? logger = null, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        logger ??= NullLogger.Instance;
        time ??= TimeProvider.System;
        var wall = Stopwatch.StartNew();
        var output = Path.GetFullPath(request.OutputDirectory);
        PrepareOutput(output, request.Overwrite);

        var (fcnPath, manifest) = ResolveModel(request.ModelPath, output, logger);
        using var image = VipsImageSource.Open(request.ImagePath);
        var scanId = Guid.NewGuid().ToString("N");
        var options = request.Options;
        var splits = options.Split != "off" && options.TileSize == 0 && options.Density == 1
            ? FcnSplitter.All(OnnxModelFile.Load(fcnPath), manifest.Patch.Height, manifest.Patch.Width, manifest.ToGeometry())
            : null;
        var plan = ScanPlanner.Plan(scanId, image, fcnPath, manifest, options with
        {
            Normalization = options.Normalization ?? manifest.Normalization?.ToNormalization(),
        }, splits);
        double planSeconds = wall.Elapsed.TotalSeconds;
        LogPlanned(logger, plan.Tiles.Count, plan.TotalTiles, plan.SkippedTiles, plan.Rows, plan.Cols);

        BackendSelection selection;
        BackendSelection? restSelection = null;
        if (plan.Split is { } cut)
        {
            var split = splits!.First(s => s.Cut == cut.Cut);
            LogSplit(logger, cut.Cut, cut.TrunkTile, cut.RestTile, cut.WorkRatio);
            selection = BackendSelector.Select(split.Trunk.Model.ToByteArray(), request.Backend, logger);
            // The rest goes where the trunk went: no second CUDA probe (and no second warning) when it fell back.
            restSelection = BackendSelector.Select(split.Rest.Model.ToByteArray(), request.Backend with { Backend = selection.Backend.Name }, logger);
        }
        else
        {
            selection = BackendSelector.Select(fcnPath, request.Backend, logger);
        }

        splits = null;
        using var backend = selection.Backend;
        using var restBackend = restSelection?.Backend;
        LogBackend(logger, selection.Summary);
        var store = new LocalDirectoryStore(output);
        var scores = await ZarrScoreArray.CreateAsync(store, ScoresName, plan.Classes, plan.Rows, plan.Cols, plan.ChunkRows, plan.ChunkCols,
            Attributes(plan), cancellationToken).ConfigureAwait(false);
        var runner = new EmbeddedScanRunner(new TileProcessor(plan, image, backend, restBackend), scores);
        LogReaders(logger, runner.Readers);
        await runner.RunAsync(progress, cancellationToken).ConfigureAwait(false);

        var finalizeClock = Stopwatch.StartNew();
        string? npy = request.Options.WriteNpy ? Path.Combine(output, NpyName) : null;
        var outcome = await ScanFinalizer.FinalizeAsync(plan, scores, image, Path.Combine(output, HeatmapName), npy, cancellationToken).ConfigureAwait(false);
        double seconds = wall.Elapsed.TotalSeconds;
        var summary = new ScanSummary
        {
            ScanId = scanId,
            FinishedUtc = time.GetUtcNow(),
            Image = new(Path.GetFullPath(request.ImagePath), plan.Level, plan.LevelWidth, plan.LevelHeight, plan.Downsample),
            Model = new(fcnPath, plan.ModelSha256, manifest.SourceModel, manifest.SourceSha256, manifest.Patch.Height, manifest.Patch.Width,
                manifest.Classes, manifest.Output.Activation, plan.Normalization.ToString()),
            Geometry = new(manifest.GeometryY.Stride, manifest.GeometryX.Stride, manifest.GeometryY.ReceptiveField, manifest.GeometryX.ReceptiveField,
                manifest.GeometryY.Offset, manifest.GeometryX.Offset, manifest.PaddingFree, plan.Density, plan.StepY, plan.StepX),
            Map = new(plan.Classes, plan.Rows, plan.Cols, plan.ChunkRows, plan.ChunkCols, "[class, y, x] float32", "NaN (not computed: background)", outcome.ComputedCells),
            Tiles = new(plan.TotalTiles, plan.Tiles.Count, plan.SkippedTiles, plan.CellsPerTile, request.Options.Tissue.ToString().ToLowerInvariant(),
                plan.TissueThreshold, plan.TissueFraction),
            Backend = new(backend.Name, backend.Description, selection.Reasons),
            Timings = new(seconds, planSeconds, runner.Timings.ReadSeconds, runner.Timings.PreprocessSeconds, runner.Timings.InferSeconds,
                runner.Timings.WriteSeconds, finalizeClock.Elapsed.TotalSeconds, plan.LevelWidth * (double)plan.LevelHeight / 1e6 / seconds),
            Classes = outcome.Classes,
            HeatmapClass = outcome.HeatmapClass,
            Outputs = new(Path.Combine(output, ScoresName), Path.Combine(output, HeatmapName), Path.Combine(output, SummaryName), npy),
            Split = plan.Split,
        };
        await store.WriteAsync(SummaryName, JsonSerializer.SerializeToUtf8Bytes(summary, Json), cancellationToken).ConfigureAwait(false);
        return summary;
    }

    /// <summary>A converted model (it has a manifest) is used as is; a classifier is converted into the
    /// output folder first.</summary>
    public static (string Path, ModelManifest Manifest) ResolveModel(string modelPath, string outputDirectory, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        var manifestPath = ModelManifest.PathFor(modelPath);
        if (File.Exists(manifestPath) && File.Exists(modelPath) && TryLoadManifest(manifestPath) is { } existing)
        {
            return (Path.GetFullPath(modelPath), existing);
        }

        var result = FcnConverter.Convert(OnnxModelFile.Load(modelPath));
        var fcn = Path.Combine(outputDirectory, "model", Path.GetFileNameWithoutExtension(modelPath) + "_fcn.onnx");
        OnnxModelFile.Save(result.Model, fcn);
        var manifest = ModelManifest.From(result, modelPath, ModelManifest.Sha256Of(modelPath));
        manifest.Save(ModelManifest.PathFor(fcn));
        LogConverted(logger, modelPath, fcn);
        return (fcn, manifest);
    }

    /// <summary>A .json next to a classifier may be anything; only a BatchFcn manifest marks a converted model.</summary>
    private static ModelManifest? TryLoadManifest(string path)
    {
        try
        {
            return ModelManifest.Load(path);
        }
        catch (ConversionException)
        {
            return null;
        }
    }

    private static void PrepareOutput(string output, bool overwrite)
    {
        var scores = Path.Combine(output, ScoresName);
        if (Directory.Exists(scores))
        {
            if (!overwrite)
            {
                throw new ScanException($"'{output}' already holds a scan ({ScoresName}); choose another output folder or pass --overwrite");
            }

            Directory.Delete(scores, recursive: true);
            foreach (var name in new[] { HeatmapName, SummaryName, NpyName })
            {
                File.Delete(Path.Combine(output, name));
            }
        }

        Directory.CreateDirectory(output);
    }

    private static JsonObject Attributes(ScanPlan plan) => new()
    {
        ["batchfcn"] = new JsonObject
        {
            ["scan_id"] = plan.ScanId,
            ["image"] = plan.ImagePath,
            ["level"] = plan.Level,
            ["stride"] = new JsonArray(plan.StepY, plan.StepX),
            ["offset"] = new JsonArray(plan.Manifest.GeometryY.Offset, plan.Manifest.GeometryX.Offset),
            ["receptive_field"] = new JsonArray(plan.Manifest.GeometryY.ReceptiveField, plan.Manifest.GeometryX.ReceptiveField),
            ["cell_window"] = "cell (i, j) sees level pixels [i*stride_y - offset_y, +receptive_field_y) x [j*stride_x - offset_x, +receptive_field_x)",
            ["activation"] = plan.Manifest.Output.Activation,
            ["model_sha256"] = plan.ModelSha256,
        },
        ["_ARRAY_DIMENSIONS"] = new JsonArray("class", "y", "x"),
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Converted classifier {Model} on the fly into {Fcn}")]
    private static partial void LogConverted(ILogger logger, string model, string fcn);

    [LoggerMessage(Level = LogLevel.Information, Message = "Planned {Tiles} tiles of {Total} ({Skipped} background skipped); score map {Rows}x{Cols}")]
    private static partial void LogPlanned(ILogger logger, int tiles, int total, int skipped, long rows, long cols);

    [LoggerMessage(Level = LogLevel.Information, Message = "Network cut in two at '{Cut}': trunk on ~{TrunkTile} px image tiles, the rest on ~{RestTile} px tiles of its output ({Ratio:0.00}x the work of running it whole)")]
    private static partial void LogSplit(ILogger logger, string cut, int trunkTile, int restTile, double ratio);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Reading and pre-processing on {Readers} thread(s)")]
    private static partial void LogReaders(ILogger logger, int readers);

    [LoggerMessage(Level = LogLevel.Information, Message = "Backend {Selection}")]
    private static partial void LogBackend(ILogger logger, string selection);
}
