using System.Numerics.Tensors;
using BatchFcn.Imaging;
using BatchFcn.Storage;

namespace BatchFcn.Scanning;

/// <summary>
/// Finishes a scan from its chunks alone (so any process can do it): per-class statistics and the
/// heatmap in one streaming pass over chunk rows, then the optional .npy export, all written through the
/// output store. Memory: one chunk row.
/// </summary>
public static class ScanFinalizer
{
    public sealed record Outcome(IReadOnlyList<ScanSummary.ClassStatistics> Classes, long ComputedCells, int HeatmapClass);

    /// <summary>The heatmap class a plan asks for: by name (the manifest's labels) or index, else the manifest's positive
    /// class, else the last.</summary>
    /// <exception cref="ScanException">The class does not exist in the model.</exception>
    public static int HeatmapClass(ScanPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        int k = (int)plan.Classes, asked = plan.Outputs.HeatmapClass;
        var labels = plan.Manifest.Labels;
        if (plan.Outputs.HeatmapLabel is { } name)
        {
            if (labels is null)
            {
                throw new ScanException($"--class '{name}': the model's classes have no names (give an index 0-{k - 1}, or convert it with --labels)");
            }

            int byName = IndexOf(labels, name);
            return byName >= 0 ? byName
                : throw new ScanException($"--class '{name}' is not one of the model's classes: {string.Join(", ", labels.Take(20))}{(labels.Count > 20 ? ", …" : "")}");
        }

        if (asked < 0 && plan.Manifest.Positive is { } positive && labels is not null && IndexOf(labels, positive) is >= 0 and var p)
        {
            return p;
        }

        return asked < 0 ? k - 1 : asked < k ? asked
            : throw new ScanException($"--class {asked} does not exist: the model has {k} classes (0-{k - 1}); choose one of those for the heatmap");
    }

    /// <summary>A name's index: exact first, else ignoring case when that is unambiguous; −1 when none.</summary>
    private static int IndexOf(IReadOnlyList<string> labels, string name)
    {
        for (int i = 0; i < labels.Count; i++)
        {
            if (string.Equals(labels[i], name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        var folded = labels.Select((l, i) => (l, i)).Where(e => string.Equals(e.l, name, StringComparison.OrdinalIgnoreCase)).ToList();
        return folded.Count == 1 ? folded[0].i : -1;
    }

    public static async Task<Outcome> FinalizeAsync(ScanPlan plan, ZarrScoreArray scores, IImageSource image, IBlobStore output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(output);
        int k = (int)plan.Classes;
        int heatClass = HeatmapClass(plan);

        var thumb = image.Thumbnail(plan.Options.ThumbnailSize);
        var painter = new HeatmapPainter(plan, thumb, [heatClass]);

        var min = Enumerable.Repeat(double.PositiveInfinity, k).ToArray();
        var max = Enumerable.Repeat(double.NegativeInfinity, k).ToArray();
        var sum = new double[k];
        var top = new long[k];
        long computed = 0;
        string activation = StoredActivation(plan);
        var scratch = new Scratch();
        float[]? probabilities = null;
        for (int band = 0; band < scores.ChunkGridRows; band++)
        {
            // [class, bandRows, Cols]: turned into probabilities in place, a whole class plane at a time
            // (a cell's classes lie a plane apart; walking them cell by cell misses the cache on every class).
            // One array serves every band of full height: garbage per band would grow the heap with the image.
            long length = scores.BandLength(band);
            if (probabilities is null || probabilities.LongLength != length)
            {
                probabilities = new float[length];
            }

            await scores.ReadChunkRowAsync(band, probabilities, cancellationToken).ConfigureAwait(false);
            long bandStart = (long)band * scores.ChunkRows;
            long bandRows = probabilities.Length / k / scores.Cols;
            int plane = checked((int)(bandRows * scores.Cols));
            ToProbabilities(activation, probabilities, k, plane, scratch);
            computed += Accumulate(probabilities, k, plane, min, max, sum, top, scratch);

            painter.Paint(probabilities, bandStart, bandRows);
        }

        await output.WriteAsync(ScanOutputs.Heatmap, painter.RenderPng(0, new HeatmapStyle(painter.Caption(0))), cancellationToken).ConfigureAwait(false);
        if (plan.Outputs.WriteNpy)
        {
            // Built in a temporary file (it needs seeking and may be large), then stored in one upload.
            var temp = Path.Combine(Path.GetTempPath(), $"batchfcn-{plan.ScanId}-{Guid.NewGuid():N}.npy");
            var file = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 20, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
            await using (file.ConfigureAwait(false))
            {
                await NpyWriter.WriteAsync(scores, file, cancellationToken).ConfigureAwait(false);
                file.Position = 0;
                await output.WriteAsync(ScanOutputs.Npy, file, cancellationToken).ConfigureAwait(false);
            }
        }

        var stats = Enumerable.Range(0, k).Select(j => computed == 0
            ? new ScanSummary.ClassStatistics(j, double.NaN, double.NaN, double.NaN, 0, plan.Manifest.LabelOf(j))
            : new ScanSummary.ClassStatistics(j, min[j], sum[j] / computed, max[j], top[j] / (double)computed, plan.Manifest.LabelOf(j))).ToList();
        return new Outcome(stats, computed, heatClass);
    }

    /// <summary>The activation that turns the stored map into probabilities: the model's, or none (taken as a softmax)
    /// for chunks of <c>--output probabilities</c>, which hold them already.</summary>
    public static string StoredActivation(ScanPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return plan.Outputs.Values == "probabilities" ? "softmax" : plan.Manifest.Output.Activation;
    }

    /// <summary>Applies the model's output activation to every cell of a band ([k, plane]) in place, plane-wise
    /// (<see cref="ScoreActivation.ToProbabilities"/> per cell gives the same values). Skipped cells stay NaN.</summary>
    internal static void ToProbabilities(string activation, float[] values, int k, int plane, Scratch? scratch = null)
    {
        scratch ??= new Scratch();
        var all = values.AsSpan(0, k * plane);
        switch (activation)
        {
            case "softmax":
                return;
            case "log_softmax":
                TensorPrimitives.Exp(all, all);
                return;
            default:
                if (k == 1)
                {
                    TensorPrimitives.Sigmoid(all, all);
                    return;
                }

                var peak = scratch.Floats(0, plane);
                values.AsSpan(0, plane).CopyTo(peak);
                for (int j = 1; j < k; j++)
                {
                    TensorPrimitives.Max(peak, values.AsSpan(j * plane, plane), peak);
                }

                var total = scratch.Floats(1, plane);
                total.Clear();
                for (int j = 0; j < k; j++)
                {
                    var p = values.AsSpan(j * plane, plane);
                    TensorPrimitives.Subtract(p, peak, p);
                    TensorPrimitives.Exp(p, p);
                    TensorPrimitives.Add(total, p, total);
                }

                for (int j = 0; j < k; j++)
                {
                    var p = values.AsSpan(j * plane, plane);
                    TensorPrimitives.Divide(p, total, p);
                }

                return;
        }
    }

    /// <summary>Adds a band's computed cells to the per-class minimum, maximum, sum and top-class counts;
    /// returns how many cells were computed (not NaN).</summary>
    private static long Accumulate(float[] probabilities, int k, int plane, double[] min, double[] max, double[] sum, long[] top, Scratch scratch)
    {
        var best = scratch.Floats(0, plane);
        var bestClass = scratch.Ints(plane);
        best.Fill(float.NegativeInfinity);
        bestClass.Clear();
        for (int j = 0; j < k; j++)
        {
            var p = probabilities.AsSpan(j * plane, plane);
            float lo = float.PositiveInfinity, hi = float.NegativeInfinity;
            double total = 0;
            for (int i = 0; i < p.Length; i++)
            {
                float v = p[i];
                if (float.IsNaN(v))
                {
                    continue;
                }

                lo = MathF.Min(lo, v);
                hi = MathF.Max(hi, v);
                total += v;
                if (v > best[i])
                {
                    best[i] = v;
                    bestClass[i] = j;
                }
            }

            min[j] = Math.Min(min[j], lo);
            max[j] = Math.Max(max[j], hi);
            sum[j] += total;
        }

        long computed = 0;
        var first = probabilities.AsSpan(0, plane);
        for (int i = 0; i < plane; i++)
        {
            if (!float.IsNaN(first[i]))
            {
                top[bestClass[i]]++;
                computed++;
            }
        }

        return computed;
    }

    /// <summary>Per-plane working arrays, kept from band to band.</summary>
    internal sealed class Scratch
    {
        private readonly float[][] floats = [[], []];
        private int[] ints = [];

        public Span<float> Floats(int which, int length)
        {
            if (floats[which].Length < length)
            {
                floats[which] = new float[length];
            }

            return floats[which].AsSpan(0, length);
        }

        public Span<int> Ints(int length)
        {
            if (ints.Length < length)
            {
                ints = new int[length];
            }

            return ints.AsSpan(0, length);
        }
    }

    /// <summary>For each thumbnail pixel along an axis, the dense cell whose window (cell j sees
    /// [j·step − P, j·step − P + R)) is centred nearest to it, or −1 when no cell's window holds it.</summary>
    internal static long[] CellIndex(int thumbLength, long levelLength, int step, int receptiveField, int offset, long cells)
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
