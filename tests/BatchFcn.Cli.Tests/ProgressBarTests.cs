using BatchFcn.Scanning;

namespace BatchFcn.Cli.Tests;

/// <summary>The progress line a user watches: the bar follows the work done, not whole tiles.</summary>
public sealed class ProgressBarTests
{
    [Fact]
    public void Bar_FollowsTheWorkDone_AndTheEtaComesFromIt()
    {
        // A cut scan whose only tile is not written yet, 40 % of its work done in 20 s: 30 s left.
        var line = ProgressBar.Format(new ScanProgress(0, 1, 50_000_000, TimeSpan.FromSeconds(20), 0.4));
        Assert.StartsWith("[" + new string('#', 12) + new string('.', 18) + "]", line, StringComparison.Ordinal);
        Assert.Contains("0/1 tiles", line, StringComparison.Ordinal);
        Assert.Contains("2.5 Mpx/s", line, StringComparison.Ordinal);
        Assert.EndsWith("ETA 30s", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Bar_BeforeAnyWork_HasNoEta_AndAtTheEndIsFull()
    {
        Assert.EndsWith("ETA --", ProgressBar.Format(new ScanProgress(0, 8, 0, TimeSpan.FromSeconds(1), 0)), StringComparison.Ordinal);
        var done = ProgressBar.Format(new ScanProgress(8, 8, 1_000_000, TimeSpan.FromSeconds(90), 1));
        Assert.StartsWith("[" + new string('#', 30) + "] 8/8 tiles", done, StringComparison.Ordinal);
        Assert.EndsWith("ETA 0s", done, StringComparison.Ordinal);
    }

    [Fact]
    public void NonInteractive_PrintsTheLastLine_AndOtherwiseAtMostEveryFewSeconds()
    {
        var text = new StringWriter();
        var bar = new ProgressBar(text, interactive: false);
        bar.Report(new ScanProgress(0, 3, 0, TimeSpan.FromSeconds(1), 0.1));
        bar.Report(new ScanProgress(1, 3, 0, TimeSpan.FromSeconds(2), 0.4)); // within 5 s of the first: not printed
        bar.Report(new ScanProgress(3, 3, 0, TimeSpan.FromSeconds(3), 1));
        var lines = text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Contains("3/3 tiles", lines[1], StringComparison.Ordinal);
    }
}
