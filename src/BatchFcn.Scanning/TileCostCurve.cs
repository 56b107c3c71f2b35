namespace BatchFcn.Scanning;

/// <summary>
/// What one network run costs on this node by its input size, measured: seconds per run at a few square inputs. The
/// cost per pixel is not constant — once a run's activations no longer fit the caches it grows (about 3× on a 2-core
/// CPU from 512² to 8192²) — so the planner asks this curve rather than counting FLOPs. Between two measured sizes the
/// cost per pixel is interpolated in log pixels; below the smallest it is the smallest's; above the largest it keeps
/// growing as it grew between the last two measured sizes, and at least by <see cref="MinimumGrowth"/> (cost per pixel
/// ∝ pixels^growth): a run that large was too slow to measure, and on a CPU larger runs only get dearer per pixel.
/// </summary>
/// <param name="Points">(input pixels, seconds per run) at each measured size, smallest first.</param>
public sealed record TileCostCurve(IReadOnlyList<TileCostPoint> Points)
{
    /// <summary>The side of the largest square input measured: larger runs are not predicted.</summary>
    public int MaxSide => Points.Count == 0 ? 0 : (int)Math.Sqrt(Points[^1].Pixels);

    /// <summary>The least growth of the cost per pixel assumed beyond the largest measured size: ×1.15 per 4× pixels.
    /// (ResNet-18 on 2 vCPUs: ×2.2 from 1024² to 4096² in the pipeline, where its halo still makes 4096 px the best
    /// whole-network tile; a network whose cost jumps more shows it in its measured sizes.)</summary>
    public const double MinimumGrowth = 0.1;

    /// <summary>Seconds one run of <paramref name="pixels"/> input pixels takes.</summary>
    public double Seconds(double pixels)
    {
        if (Points.Count == 0 || pixels <= 0)
        {
            return 0;
        }

        if (pixels <= Points[0].Pixels)
        {
            return pixels * Points[0].SecondsPerPixel;
        }

        for (int i = 1; i < Points.Count; i++)
        {
            if (pixels <= Points[i].Pixels)
            {
                var (a, b) = (Points[i - 1], Points[i]);
                double t = Math.Log(pixels / a.Pixels) / Math.Log((double)b.Pixels / a.Pixels);
                return pixels * (a.SecondsPerPixel + (t * (b.SecondsPerPixel - a.SecondsPerPixel)));
            }
        }

        var last = Points[^1];
        double growth = MinimumGrowth;
        if (Points.Count > 1)
        {
            var before = Points[^2];
            growth = Math.Max(growth, Math.Log(last.SecondsPerPixel / before.SecondsPerPixel) / Math.Log((double)last.Pixels / before.Pixels));
        }

        return pixels * last.SecondsPerPixel * Math.Pow(pixels / last.Pixels, growth);
    }
}
