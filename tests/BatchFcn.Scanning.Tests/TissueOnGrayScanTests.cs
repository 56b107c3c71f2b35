using BatchFcn.Imaging;
using BatchFcn.Testing;
using Microsoft.Extensions.Logging;
using NetVips;

namespace BatchFcn.Scanning.Tests;

/// <summary>Background skipping on images without colour (8- and 16-bit gray), and what a scan says when the mask
/// rejects everything.</summary>
public sealed class TissueOnGrayScanTests
{
    private static string Model => Path.Combine(TestPaths.RepositoryRoot, "models", "demo", "lesion_classifier.onnx");

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Run_GraySlide_ComputesTheTissueAndSkipsTheGlass(bool sixteenBit)
    {
        using var dir = TestPaths.TempDirectory();
        var colour = SyntheticSlide.Create(dir.File("colour.tif"), 1600, 1200, seed: 5, lesions: 1);
        string gray = dir.File(sixteenBit ? "gray16.tif" : "gray8.tif");
        using (var image = Image.NewFromFile(colour.Path, access: Enums.Access.Sequential))
        using (var bw = image.Colourspace(Enums.Interpretation.Bw))
        using (var written = sixteenBit ? (bw * 257).Cast(Enums.BandFormat.Ushort) : bw.Copy())
        {
            written.Tiffsave(gray, tile: true, tileWidth: 256, tileHeight: 256);
        }

        var log = new Lines();
        var summary = await Scans.RunAsync(Scans.Request(gray, Model, dir.File("out"), new ScanOptions { TileSize = 256 }), log: log);

        Assert.True(summary.Tiles.Computed > 0, "tissue found on the gray image");
        Assert.True(summary.Tiles.Skipped > 0, "glass skipped on the gray image");
        Assert.Contains(log.Messages, m => m.Contains("tissue found by brightness (dark on a light background)", StringComparison.Ordinal));
        Assert.DoesNotContain(log.Messages, m => m.Contains("found no tissue", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_MaskRejectsEverything_WarnsLoudly()
    {
        using var dir = TestPaths.TempDirectory();
        var slide = SyntheticSlide.Create(dir.File("slide.tif"), 800, 600, seed: 9, lesions: 1);
        var log = new Lines();
        var summary = await Scans.RunAsync(Scans.Request(slide.Path, Model, dir.File("out"), new ScanOptions { TileSize = 256, TissueThreshold = 0.99 }), log: log);

        Assert.Equal(0, summary.Tiles.Computed);
        var warning = Assert.Single(log.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains("found no tissue", warning.Message, StringComparison.Ordinal);
        Assert.Contains("--tissue off", warning.Message, StringComparison.Ordinal);
    }

    private sealed class Lines : ILogger
    {
        private readonly List<(LogLevel Level, string Message)> entries = [];

        public IReadOnlyList<(LogLevel Level, string Message)> Entries
        {
            get
            {
                lock (entries)
                {
                    return [.. entries];
                }
            }
        }

        public IEnumerable<string> Messages => Entries.Select(e => e.Message);

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (entries)
            {
                entries.Add((logLevel, formatter(state, exception)));
            }
        }
    }
}
