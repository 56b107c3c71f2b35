using BatchFcn.Scanning;

namespace BatchFcn.Cli;

/// <summary>
/// Work done (the bar), tiles done/total, rate and ETA on the error stream: redrawn in place on a terminal, a
/// plain line every few seconds otherwise (logs, CI).
/// </summary>
internal sealed class ProgressBar(TextWriter error, bool interactive) : IProgress<ScanProgress>
{
    private const int Width = 30;
    private DateTime lastLine = DateTime.MinValue;
    private int lastLength;

    public void Report(ScanProgress value)
    {
        lock (error)
        {
            var text = Format(value);
            if (interactive)
            {
                error.Write("\r" + text.PadRight(lastLength));
                lastLength = text.Length;
                if (value.TilesDone == value.TilesTotal)
                {
                    error.WriteLine();
                    lastLength = 0;
                }
            }
            else if (value.TilesDone == value.TilesTotal || DateTime.UtcNow - lastLine > TimeSpan.FromSeconds(5))
            {
                error.WriteLine(text);
                lastLine = DateTime.UtcNow;
            }
        }
    }

    /// <summary>Removes a partly drawn bar so a log line starts on a clean line.</summary>
    public void Clear()
    {
        if (interactive && lastLength > 0)
        {
            error.Write("\r" + new string(' ', lastLength) + "\r");
            lastLength = 0;
        }
    }

    public static string Format(ScanProgress p)
    {
        double fraction = p.TilesTotal == 0 ? 1 : Math.Clamp(p.Fraction, 0, 1);
        int filled = (int)Math.Round(fraction * Width);
        var eta = p.Remaining is { } r ? $"ETA {Duration(r)}" : "ETA --";
        return $"[{new string('#', filled)}{new string('.', Width - filled)}] {p.TilesDone}/{p.TilesTotal} tiles  " +
               $"{p.TilesPerSecond:0.0} tiles/s  {p.InputPixels / 1e6 / Math.Max(p.Elapsed.TotalSeconds, 1e-9):0.0} Mpx/s  {eta}";
    }

    public static string Duration(TimeSpan t) => t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:00}m" : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes}m{t.Seconds:00}s" : $"{t.TotalSeconds:0}s";
}
