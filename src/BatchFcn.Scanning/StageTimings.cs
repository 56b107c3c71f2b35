using System.Diagnostics;

namespace BatchFcn.Scanning;

/// <summary>Seconds spent per stage, summed over tiles (stages overlap when pipelined, so they may add
/// up to more than the wall time).</summary>
public sealed class StageTimings
{
    private long read;
    private long preprocess;
    private long infer;
    private long write;

    public double ReadSeconds => Seconds(read);

    public double PreprocessSeconds => Seconds(preprocess);

    public double InferSeconds => Seconds(infer);

    public double WriteSeconds => Seconds(write);

    /// <summary>Timings from seconds measured elsewhere (the tile record of a distributed scan).</summary>
    public static StageTimings FromSeconds(TileStageTimes seconds)
    {
        var timings = new StageTimings();
        timings.read = Ticks(seconds.Read);
        timings.preprocess = Ticks(seconds.Preprocess);
        timings.infer = Ticks(seconds.Infer);
        timings.write = Ticks(seconds.Write);
        return timings;
    }

    public void AddRead(long ticks) => Interlocked.Add(ref read, ticks);

    public void AddPreprocess(long ticks) => Interlocked.Add(ref preprocess, ticks);

    public void AddInfer(long ticks) => Interlocked.Add(ref infer, ticks);

    public void AddWrite(long ticks) => Interlocked.Add(ref write, ticks);

    private static double Seconds(long ticks) => ticks / (double)Stopwatch.Frequency;

    private static long Ticks(double seconds) => (long)Math.Round(seconds * Stopwatch.Frequency);
}
