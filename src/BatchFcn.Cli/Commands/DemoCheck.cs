using BatchFcn.Imaging;
using BatchFcn.Scanning;
using BatchFcn.Storage;

namespace BatchFcn.Cli.Commands;

/// <summary>Scores the demo's heatmap against the planted lesions: a lesion is found when a cell centred
/// inside it is called lesion (probability above 0.5); cells called lesion whose centre lies outside every
/// lesion (grown by half a receptive field, where the boundary blurs) count as false positives.</summary>
internal static class DemoCheck
{
    public sealed record Result(int Lesions, int Found, double FalsePositiveFraction);

    public static async Task<Result> EvaluateAsync(ScanSummary summary, IReadOnlyList<SyntheticSlide.Lesion> lesions, CancellationToken token)
    {
        var store = new LocalDirectoryStore(Path.GetDirectoryName(summary.Outputs.Scores)!);
        var scores = await ZarrScoreArray.OpenAsync(store, Path.GetFileName(summary.Outputs.Scores), token).ConfigureAwait(false);
        var g = summary.Geometry;
        int lesionClass = summary.HeatmapClass;
        var found = new bool[lesions.Count];
        long positivesOutside = 0, computed = 0;
        double margin = g.ReceptiveFieldX / 2.0;
        var cell = new float[scores.Classes];
        for (int band = 0; band < scores.ChunkGridRows; band++)
        {
            var values = await scores.ReadChunkRowAsync(band, token).ConfigureAwait(false);
            long rows = values.Length / scores.Classes / scores.Cols, plane = rows * scores.Cols;
            for (long r = 0; r < rows; r++)
            {
                double y = (((band * (long)scores.ChunkRows) + r) * g.OutputStrideY) - g.OffsetY + (g.ReceptiveFieldY / 2.0);
                for (long c = 0; c < scores.Cols; c++)
                {
                    long at = (r * scores.Cols) + c;
                    if (float.IsNaN(values[at]))
                    {
                        continue;
                    }

                    computed++;
                    for (int k = 0; k < cell.Length; k++)
                    {
                        cell[k] = values[(k * plane) + at];
                    }

                    ScoreActivation.ToProbabilities(summary.Model.Activation, cell);
                    if (cell[lesionClass] <= 0.5f)
                    {
                        continue;
                    }

                    double x = (c * g.OutputStrideX) - g.OffsetX + (g.ReceptiveFieldX / 2.0);
                    bool inside = false;
                    for (int i = 0; i < lesions.Count; i++)
                    {
                        var l = lesions[i];
                        if (x >= l.X && x < l.X + l.Width && y >= l.Y && y < l.Y + l.Height)
                        {
                            found[i] = true;
                        }

                        inside |= x >= l.X - margin && x < l.X + l.Width + margin && y >= l.Y - margin && y < l.Y + l.Height + margin;
                    }

                    positivesOutside += inside ? 0 : 1;
                }
            }
        }

        return new Result(lesions.Count, found.Count(f => f), computed == 0 ? 0 : positivesOutside / (double)computed);
    }
}
