using System.Diagnostics;
using System.Text.Json;
using BatchFcn.Conversion;
using BatchFcn.Inference;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BatchFcn.Scanning;

/// <summary>
/// Measures what network runs cost on this node, so the planner picks tile sizes and cuts by time rather than FLOPs:
/// the whole network, and a cut's two halves, each timed on a few square inputs (a warm-up run first, which also grows
/// ONNX Runtime's arena, then the fastest of up to three runs), stopping before a size whose run would take longer than
/// <see cref="MaxRunSeconds"/>. A few seconds per model on a CPU node; the result is cached per (model hash, backend,
/// device, threads) in <c>calibration/</c> under the node's cache folder, so a cached model costs nothing, and a cached
/// file whose key does not match (another model, backend, CPU or thread count) is measured again. Cuts are measured when
/// first asked for and added to the cached file.
/// </summary>
public sealed partial class TileCalibrator(IOptions<BackendOptions> backendOptions, IOptions<NodeOptions> nodeOptions, ILogger<TileCalibrator> logger)
{
    /// <summary>A size is measured only when its run is predicted (from the last size's cost per pixel) to take at most
    /// this long. The planner then never picks a tile larger than the largest measured: beyond it the cost per pixel is
    /// unknown and, on a CPU, can jump several times once activations leave the caches (5× from 2048² to 4096² for a
    /// small padding-free network here); a size that slow is not one a node should run anyway.</summary>
    public const double MaxRunSeconds = 0.6;

    /// <summary>The square input sides tried for image tiles (up to the scan's largest automatic tile).</summary>
    private static readonly int[] ImageSides = [512, 1024, 2048, 4096, 8192];

    private readonly Lock gate = new();

    /// <summary>The model's costs on this node with <paramref name="cut"/>'s halves among them (measured now unless cached).</summary>
    /// <param name="model">The converted model.</param>
    /// <param name="cut">A cut whose halves the planner wants to weigh, or <see langword="null"/>.</param>
    /// <param name="maxTile">The largest image tile the planner may choose.</param>
    /// <param name="maxRestSide">The largest tile of the trunk's map the rest may get (in map cells).</param>
    public TileCosts Get(ScanModel model, FcnSplit? cut, int maxTile, int maxRestSide)
    {
        ArgumentNullException.ThrowIfNull(model);
        var options = backendOptions.Value;
        int threads = options.Threads > 0 ? options.Threads : CpuQuota.Available();
        string device = Device();
        string file = Path.Combine(nodeOptions.Value.ResolvedCacheDirectory, "calibration",
            $"{model.Sha256[..16]}-{options.Backend}-{threads}t-{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(device)))[..8]}.json");
        lock (gate)
        {
            var cached = Read(file);
            if (cached is not null && !cached.Matches(model.Sha256, options.Backend, device, threads))
            {
                LogStale(logger, file);
                cached = null;
            }

            var costs = cached;
            var clock = Stopwatch.StartNew();
            if (costs is null)
            {
                using var whole = BackendSelector.Select(model.Bytes, options, logger: null).Backend; // the scan's own session reports any fallback
                costs = new TileCosts
                {
                    ModelSha256 = model.Sha256,
                    Backend = options.Backend,
                    Device = device,
                    Threads = threads,
                    Whole = Measure(whole, (int)model.Manifest.Input.Channels, Sides(ImageSides.Where(s => s <= Math.Max(512, maxTile)), model.Manifest.ToGeometry())),
                };
            }

            if (cut is not null && !costs.Cuts.ContainsKey(cut.Cut))
            {
                using var trunk = BackendSelector.Select(cut.Trunk.Model.ToByteArray(), options, logger: null).Backend;
                using var rest = BackendSelector.Select(cut.Rest.Model.ToByteArray(), options with { Backend = trunk.Name }, logger: null).Backend;
                var trunkCurve = Measure(trunk, (int)model.Manifest.Input.Channels, Sides(ImageSides.Where(s => s <= 4 * Math.Max(512, maxTile)), cut.Trunk.Geometry));
                int top = Math.Max(16, maxRestSide);
                var restCurve = Measure(rest, (int)cut.CutChannels, Sides([top / 16, top / 8, top / 4, top / 2, top], cut.Rest.Geometry));
                costs = costs with { Cuts = new Dictionary<string, TileCutCosts>(costs.Cuts) { [cut.Cut] = new(trunkCurve, restCurve) } };
            }

            if (ReferenceEquals(costs, cached))
            {
                return costs with { MeasuredSeconds = 0 };
            }

            double now = clock.Elapsed.TotalSeconds;
            LogMeasured(logger, now, costs.Backend, threads);
            Write(file, costs with { MeasuredSeconds = (cached?.MeasuredSeconds ?? 0) + now });
            return costs with { MeasuredSeconds = now };
        }
    }

    /// <summary>Times runs of <paramref name="backend"/> on square inputs of the given sides: the smallest first, whose
    /// cost per pixel predicts the others (a lower bound: it only grows with size); the sides predicted to run within
    /// <see cref="MaxRunSeconds"/> are then timed largest first, after one warm-up run at the largest, so the arena grows
    /// once (first-touching fresh memory costs more than the runs on a small VM) and every smaller run reuses it.</summary>
    internal static TileCostCurve Measure(IInferenceBackend backend, int channels, IEnumerable<int> sides)
    {
        var ordered = sides.Order().ToList();
        if (ordered.Count == 0)
        {
            return new TileCostCurve([]);
        }

        float[] input = [];
        float[] Input(int side)
        {
            long length = channels * (long)side * side;
            if (input.Length < length)
            {
                input = new float[length];
                Array.Fill(input, 0.5f);
            }

            return input;
        }

        int smallest = ordered[0];
        backend.Run(Input(smallest), 1, channels, smallest, smallest);
        double perPixel = Time(backend, Input(smallest), channels, smallest) / ((double)smallest * smallest);
        var planned = ordered.Where(side => side == smallest || perPixel * side * side <= MaxRunSeconds).ToList();
        int largest = planned[^1];
        if (largest != smallest)
        {
            backend.Run(Input(largest), 1, channels, largest, largest); // warm-up: the arena grows to its largest here
        }

        var points = planned.OrderDescending().Select(side => new TileCostPoint((long)side * side, Time(backend, Input(side), channels, side))).ToList();
        points.Reverse();
        return new TileCostCurve(points);
    }

    /// <summary>The fastest of up to three runs, fewer when they are slow (half a second in all).</summary>
    private static double Time(IInferenceBackend backend, float[] input, int channels, int side)
    {
        double best = double.PositiveInfinity;
        var total = Stopwatch.StartNew();
        for (int run = 0; run < 3 && (run == 0 || total.Elapsed.TotalSeconds < 0.5); run++)
        {
            long start = Stopwatch.GetTimestamp();
            backend.Run(input, 1, channels, side, side);
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
        }

        return best;
    }

    /// <summary>The sides a network can run on (at least its smallest input, else the smallest it takes).</summary>
    private static List<int> Sides(IEnumerable<int> wanted, Geometry.NetworkGeometry geometry)
    {
        int least = (int)Math.Max(geometry.Y.MinimumInputLength(), geometry.X.MinimumInputLength());
        var sides = wanted.Where(s => s >= least).Distinct().ToList();
        return sides.Count > 0 ? sides : [least];
    }

    /// <summary>What the runs were timed on: the CPU model (from /proc/cpuinfo) and, in the CUDA build, that it is one.</summary>
    private static string Device()
    {
        string cpu = "unknown CPU";
        try
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

#if BATCHFCN_GPU
        return cpu + " (CUDA build)";
#else
        return cpu;
#endif
    }

    private TileCosts? Read(string file)
    {
        try
        {
            return File.Exists(file) ? JsonSerializer.Deserialize<TileCosts>(File.ReadAllBytes(file), ScanJson.Options) : null;
        }
        catch (Exception e) when (e is JsonException or IOException or NotSupportedException)
        {
            LogUnreadable(logger, file, e.Message);
            return null;
        }
    }

    private void Write(string file, TileCosts costs)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            string temporary = file + "." + Environment.ProcessId + ".tmp";
            File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(costs, ScanJson.Options));
            File.Move(temporary, file, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogUnwritable(logger, file, e.Message); // the scan goes on; the next one measures again
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Calibrated tile costs in {Seconds:0.0} s (backend setting {Backend}, {Threads} thread(s))")]
    private static partial void LogMeasured(ILogger logger, double seconds, string backend, int threads);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cached calibration {File} is for another model, backend, device or thread count: measuring again")]
    private static partial void LogStale(ILogger logger, string file);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cached calibration {File} cannot be read ({Reason}): measuring again")]
    private static partial void LogUnreadable(ILogger logger, string file, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Calibration cannot be cached in {File} ({Reason}); the next scan measures again")]
    private static partial void LogUnwritable(ILogger logger, string file, string reason);
}
