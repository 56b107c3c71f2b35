using BatchFcn.Imaging;
using BatchFcn.Storage;

namespace BatchFcn.Scanning;

/// <summary>
/// Finishes a scan from its chunks alone (so any process can do it): per-class statistics and the
/// heatmap in one streaming pass over chunk rows, then the optional .npy export. Memory: one chunk row.
/// </summary>
public static class ScanFinalizer
{
    public sealed record Outcome(IReadOnlyList<ScanSummary.ClassStatistics> Classes, long ComputedCells, int HeatmapClass);

    public static async Task<Outcome> FinalizeAsync(ScanPlan plan, ZarrScoreArray scores, IImageSource image, string heatmapPath, string? npyPath, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(image);
        int k = (int)plan.Classes;
        int heatClass = plan.Options.HeatmapClass < 0 ? k - 1 : plan.Options.HeatmapClass;
        if (heatClass >= k)
        {
            throw new ScanException($"--class {heatClass} does not exist: the model has {k} classes (0-{k - 1})");
        }

        var thumb = image.Thumbnail(plan.Options.ThumbnailSize);
        var heat = new float[thumb.Width * thumb.Height];
        Array.Fill(heat, float.NaN);
        var rowOf = CellIndex(thumb.Height, plan.LevelHeight, plan.StepY, plan.Manifest.GeometryY.ReceptiveField, plan.Manifest.GeometryY.Offset, plan.Rows);
        var colOf = CellIndex(thumb.Width, plan.LevelWidth, plan.StepX, plan.Manifest.GeometryX.ReceptiveField, plan.Manifest.GeometryX.Offset, plan.Cols);

        var min = Enumerable.Repeat(double.PositiveInfinity, k).ToArray();
        var max = Enumerable.Repeat(double.NegativeInfinity, k).ToArray();
        var sum = new double[k];
        var top = new long[k];
        long computed = 0;
        var cell = new float[k];
        string activation = plan.Manifest.Output.Activation;
        for (int band = 0; band < scores.ChunkGridRows; band++)
        {
            var values = await scores.ReadChunkRowAsync(band, cancellationToken).ConfigureAwait(false);
            long bandStart = (long)band * scores.ChunkRows;
            long bandRows = values.Length / k / scores.Cols;
            var probabilities = new float[values.Length];
            Array.Fill(probabilities, float.NaN);
            for (long r = 0; r < bandRows; r++)
            {
                for (long c = 0; c < scores.Cols; c++)
                {
                    long at = (r * scores.Cols) + c, plane = bandRows * scores.Cols;
                    if (float.IsNaN(values[at]))
                    {
                        continue;
                    }

                    for (int j = 0; j < k; j++)
                    {
                        cell[j] = values[(j * plane) + at];
                    }

                    ScoreActivation.ToProbabilities(activation, cell);
                    int best = 0;
                    for (int j = 0; j < k; j++)
                    {
                        probabilities[(j * plane) + at] = cell[j];
                        min[j] = Math.Min(min[j], cell[j]);
                        max[j] = Math.Max(max[j], cell[j]);
                        sum[j] += cell[j];
                        best = cell[j] > cell[best] ? j : best;
                    }

                    top[best]++;
                    computed++;
                }
            }

            for (int v = 0; v < thumb.Height; v++)
            {
                long r = rowOf[v] - bandStart;
                if (rowOf[v] < 0 || r < 0 || r >= bandRows)
                {
                    continue;
                }

                for (int u = 0; u < thumb.Width; u++)
                {
                    if (colOf[u] >= 0)
                    {
                        heat[(v * thumb.Width) + u] = probabilities[(((heatClass * bandRows) + r) * scores.Cols) + colOf[u]];
                    }
                }
            }
        }

        HeatmapRenderer.Render(thumb, heat, heatmapPath);
        if (npyPath is not null)
        {
            await NpyWriter.WriteAsync(scores, npyPath, cancellationToken).ConfigureAwait(false);
        }

        var stats = Enumerable.Range(0, k).Select(j => computed == 0
            ? new ScanSummary.ClassStatistics(j, double.NaN, double.NaN, double.NaN, 0)
            : new ScanSummary.ClassStatistics(j, min[j], sum[j] / computed, max[j], top[j] / (double)computed)).ToList();
        return new Outcome(stats, computed, heatClass);
    }

    /// <summary>For each thumbnail pixel along an axis, the dense cell whose window (cell j sees
    /// [j·step − P, j·step − P + R)) is centred nearest to it, or −1 when no cell's window holds it.</summary>
    private static long[] CellIndex(int thumbLength, long levelLength, int step, int receptiveField, int offset, long cells)
    {
        var index = new long[thumbLength];
        for (int t = 0; t < thumbLength; t++)
        {
            double x = (t + 0.5) * levelLength / thumbLength;
            long j = Math.Clamp((long)Math.Round((x - (receptiveField / 2.0) + offset) / step), 0, cells - 1);
            double start = (j * (double)step) - offset;
            index[t] = x >= start && x < start + receptiveField ? j : -1;
        }

        return index;
    }
}
