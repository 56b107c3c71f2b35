using BatchFcn.Scanning;
using Microsoft.Extensions.Time.Testing;

namespace BatchFcn.Cli.Tests;

/// <summary>The progress line a user watches: the bar follows the work done, not whole tiles.</summary>
public sealed class ProgressBarTests
{
    [Fact]
    public void Bar_FollowsTheWorkDone_AndTheEtaComesFromIt()
    {
        // A cut scan whose only tile is not written yet, 40 % of its work done in 20 s: 30 s left.
        var line = ProgressBar.Format(new ScanProgress(0, 1, 50_000_000, TimeSpan.FromSeconds(20), 0.4, AreaPixels: 100_000_000));
        Assert.StartsWith("[" + new string('#', 12) + new string('.', 18) + "] 40%", line, StringComparison.Ordinal);
        Assert.Contains("0/1 tiles", line, StringComparison.Ordinal);
        Assert.DoesNotContain("tiles/s", line, StringComparison.Ordinal); // not "0.0 tiles/s" while the one tile runs
        Assert.Contains(" 2.0 Mpx/s", line, StringComparison.Ordinal); // 40 % of 100 Mpx in 20 s
        Assert.EndsWith("ETA 30s", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)] // --density 2 reads every pixel four times: the rate must not say the scan is four times faster
    public void Rate_IsTheAreaCoveredPerSecond_AsInTheSummary(int passes)
    {
        var end = new ScanProgress(10, 10, passes * 150_000_000L, TimeSpan.FromSeconds(50), 1, AreaPixels: 100_000_000);
        Assert.Equal(2.0, end.MegapixelsPerSecond, 6);
        Assert.Contains(" 2.0 Mpx/s", ProgressBar.Format(end), StringComparison.Ordinal);
    }

    [Fact]
    public void NonInteractive_NoTileFinishesForLong_StillPrintsALineEveryInterval()
    {
        var clock = new FakeTimeProvider();
        var text = new StringWriter();
        using var bar = new ProgressBar(text, interactive: false, clock);
        bar.Report(new ScanProgress(0, 1, 0, TimeSpan.Zero, 0, AreaPixels: 100_000_000));
        bar.Report(new ScanProgress(0, 1, 0, TimeSpan.FromSeconds(1), 0.05, AreaPixels: 100_000_000));
        for (int i = 0; i < 5; i++)
        {
            clock.Advance(ProgressBar.Interval);
        }

        var lines = text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(6, lines.Length); // the first report, then one per interval with nothing new
        // Brought up to now (26 s in, 5 % done): the rate falls and the ETA grows instead of freezing.
        Assert.Contains(" 0.2 Mpx/s", lines[^1], StringComparison.Ordinal);
        Assert.Contains("ETA 8m1", lines[^1], StringComparison.Ordinal); // 26 s × 0.95 / 0.05 ≈ 494 s
    }

    [Fact]
    public void NonInteractive_Finished_StopsTheHeartbeat()
    {
        var clock = new FakeTimeProvider();
        var text = new StringWriter();
        using var bar = new ProgressBar(text, interactive: false, clock);
        bar.Report(new ScanProgress(0, 2, 0, TimeSpan.Zero, 0));
        bar.Report(new ScanProgress(2, 2, 0, TimeSpan.FromSeconds(3), 1));
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(2, text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void Bar_BeforeAnyWork_HasNoEta_AndAtTheEndIsFull()
    {
        Assert.EndsWith("ETA --", ProgressBar.Format(new ScanProgress(0, 8, 0, TimeSpan.FromSeconds(1), 0)), StringComparison.Ordinal);
        var done = ProgressBar.Format(new ScanProgress(8, 8, 1_000_000, TimeSpan.FromSeconds(90), 1));
        Assert.StartsWith("[" + new string('#', 30) + "] 100%  8/8 tiles", done, StringComparison.Ordinal);
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
