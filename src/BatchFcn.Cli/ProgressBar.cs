using BatchFcn.Scanning;

namespace BatchFcn.Cli;

/// <summary>
/// Work done (the bar and a percentage), tiles done/total, rate and ETA on the error stream: redrawn in place on a
/// terminal; off a terminal (logs, CI) a plain line at most every <see cref="Interval"/>, and at least as often while
/// the scan runs, even when no tile finishes in that time (a large tile of a cut network can take minutes).
/// </summary>
/// <remarks>Every write holds the error stream's monitor, as the CLI's logger does, so a log line never lands between
/// a bar being cleared and redrawn.</remarks>
internal sealed class ProgressBar : IProgress<ScanProgress>, IDisposable
{
    /// <summary>How often a line is printed off a terminal.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private const int Width = 30;
    private readonly TextWriter error;
    private readonly bool interactive;
    private readonly TimeProvider time;
    private ITimer? heartbeat;
    private ScanProgress? last;
    private long lastReported;
    private long lastLine;
    private int lastLength;

    public ProgressBar(TextWriter error, bool interactive, TimeProvider? time = null)
    {
        this.error = error;
        this.interactive = interactive;
        this.time = time ?? TimeProvider.System;
    }

    public void Report(ScanProgress value)
    {
        lock (error)
        {
            last = value;
            lastReported = time.GetTimestamp();
            bool finished = value.TilesDone == value.TilesTotal;
            if (interactive)
            {
                Draw(Format(value));
                if (finished)
                {
                    error.WriteLine();
                    lastLength = 0;
                }
            }
            else
            {
                if (finished || heartbeat is null || time.GetElapsedTime(lastLine) >= Interval)
                {
                    Line(value);
                }

                heartbeat ??= time.CreateTimer(_ => Beat(), null, Interval, Interval);
            }

            if (finished)
            {
                heartbeat?.Dispose();
                heartbeat = null;
            }
        }
    }

    /// <summary>Removes a partly drawn bar so a log line starts on a clean line.</summary>
    public void Clear()
    {
        lock (error)
        {
            if (interactive && lastLength > 0)
            {
                error.Write("\r" + new string(' ', lastLength) + "\r");
                lastLength = 0;
            }
        }
    }

    public void Dispose()
    {
        lock (error)
        {
            heartbeat?.Dispose();
            heartbeat = null;
        }
    }

    public static string Format(ScanProgress p)
    {
        double fraction = p.TilesTotal == 0 ? 1 : Math.Clamp(p.Fraction, 0, 1);
        int filled = (int)Math.Round(fraction * Width);
        var eta = p.Remaining is { } r ? $"ETA {Duration(r)}" : "ETA --";
        // Tiles per second only once one is done: a cut network's few large tiles would show 0.0 for minutes.
        var tiles = p.TilesDone > 0 ? $"{p.TilesPerSecond:0.0} tiles/s  " : "";
        return $"[{new string('#', filled)}{new string('.', Width - filled)}] {Math.Floor(fraction * 100):0}%  {p.TilesDone}/{p.TilesTotal} tiles  " +
               $"{tiles}{p.MegapixelsPerSecond:0.0} Mpx/s  {eta}";
    }

    public static string Duration(TimeSpan t) => t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:00}m" : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes}m{t.Seconds:00}s" : $"{t.TotalSeconds:0}s";

    /// <summary>Off a terminal: when no line went out for an interval, the last progress again, its elapsed time
    /// brought up to now (so the rate and ETA say the scan is slower than the last report, not frozen).</summary>
    private void Beat()
    {
        lock (error)
        {
            if (last is { } p && heartbeat is not null && time.GetElapsedTime(lastLine) >= Interval - TimeSpan.FromMilliseconds(50))
            {
                Line(p with { Elapsed = p.Elapsed + time.GetElapsedTime(lastReported) });
            }
        }
    }

    private void Line(ScanProgress value)
    {
        error.WriteLine(Format(value));
        lastLine = time.GetTimestamp();
    }

    private void Draw(string text)
    {
        error.Write("\r" + text.PadRight(lastLength));
        lastLength = text.Length;
    }
}
