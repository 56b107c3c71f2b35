using System.Diagnostics;
using BatchFcn.Imaging;
using BatchFcn.Testing;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace BatchFcn.Scanning.Tests;

/// <summary>A real embedded scan, observed through the OpenTelemetry SDK's in-memory exporters: the spans of the scan,
/// its stages and every tile, and metrics that agree with the summary (the same measurements feed both). The exporters
/// see every scan in the process, so these tests run alone.</summary>
[Collection(Name)]
public sealed class ScanTelemetryTests
{
    public const string Name = "Telemetry (alone)";

    [CollectionDefinition(Name, DisableParallelization = true)]
    public sealed class Alone
    {
    }

    private static string DemoClassifier => Path.Combine(TestPaths.RepositoryRoot, "models", "demo", "lesion_classifier.onnx");

    [Fact]
    public async Task RunAsync_RealScan_SpansPerStageAndTileAndMetricsAgreeWithTheSummary()
    {
        using var dir = TestPaths.TempDirectory();
        string slide = SyntheticSlide.Create(dir.File("slide.tif"), 1200, 900, seed: 11, lesions: 1).Path;
        var spans = new List<Activity>();
        var metrics = new List<Metric>();
        using var host = Scans.Build();
        using var tracer = Sdk.CreateTracerProviderBuilder().AddSource(ScanTelemetry.Name).AddInMemoryExporter(spans).Build();
        using var meters = Sdk.CreateMeterProviderBuilder().AddMeter(ScanTelemetry.Name).AddInMemoryExporter(metrics).Build();
        await host.StartAsync();
        var summary = await host.Services.GetRequiredService<EmbeddedScan>().RunAsync(
            Scans.Request(slide, DemoClassifier, dir.File("out"), new ScanOptions { TileSize = 300 }), false, null, default);
        await host.StopAsync();
        tracer!.ForceFlush();
        meters!.ForceFlush();

        Assert.True(summary.Tiles.Computed > 3 && summary.Tiles.Skipped > 0, "tissue and background tiles");
        var scan = Assert.Single(spans, s => s.OperationName == "scan");
        Assert.Equal(summary.ScanId, scan.GetTagItem("batchfcn.scan.id"));
        Assert.Single(spans, s => s.OperationName == ScanStages.Plan && s.ParentSpanId == scan.SpanId);
        Assert.Single(spans, s => s.OperationName == ScanStages.Finalize && s.ParentSpanId == scan.SpanId);
        var tiles = spans.Where(s => s.OperationName == "tile").ToList();
        Assert.Equal(summary.Tiles.Computed, tiles.Count);
        foreach (var tile in tiles)
        {
            Assert.Equal(scan.SpanId, tile.ParentSpanId);
            Assert.Equal("cpu", tile.GetTagItem("batchfcn.backend"));
            var stages = spans.Where(s => s.ParentSpanId == tile.SpanId).Select(s => s.OperationName).ToHashSet();
            Assert.Equal(new HashSet<string> { ScanStages.Read, ScanStages.Preprocess, ScanStages.Infer, ScanStages.Write }, stages);
            foreach (var stage in spans.Where(s => s.ParentSpanId == tile.SpanId))
            {
                Assert.True(stage.StartTimeUtc >= tile.StartTimeUtc.AddMilliseconds(-1) && stage.StartTimeUtc + stage.Duration <= tile.StartTimeUtc + tile.Duration + TimeSpan.FromMilliseconds(1),
                    $"{stage.OperationName} lies within its tile");
            }
        }

        Assert.Equal(summary.Tiles.Computed, Sum(metrics, "batchfcn.tiles", ("outcome", "computed")));
        Assert.Equal(summary.Tiles.Computed, Sum(metrics, "batchfcn.tiles.planned"));
        Assert.Equal(summary.Tiles.Skipped, Sum(metrics, "batchfcn.tiles.background"));
        Assert.Equal(tiles.Sum(t => (long)t.GetTagItem("batchfcn.tile.pixels")!), Sum(metrics, "batchfcn.pixels"));
        Assert.Equal(summary.Tiles.Computed, HistogramCount(metrics, ScanStages.Infer));
        Assert.Equal(1, HistogramCount(metrics, ScanStages.Plan));
        Assert.Equal(1, HistogramCount(metrics, ScanStages.Finalize));
        // The summary's stage seconds are the same measurements, summed: read, infer and write agree to rounding.
        Assert.Equal(summary.Timings.ReadSeconds, HistogramSum(metrics, ScanStages.Read), 3);
        Assert.Equal(summary.Timings.InferSeconds, HistogramSum(metrics, ScanStages.Infer), 3);
        Assert.Equal(summary.Timings.WriteSeconds, HistogramSum(metrics, ScanStages.Write), 3);
        var unit = Assert.Single(metrics, m => m.Name == "batchfcn.stage.duration").Unit;
        Assert.Equal("s", unit);
    }

    [Fact]
    public async Task RunAsync_ResumedScan_CountsFoundChunksAsReused()
    {
        using var dir = TestPaths.TempDirectory();
        string slide = SyntheticSlide.Create(dir.File("slide.tif"), 700, 600, seed: 3, lesions: 1).Path;
        var request = Scans.Request(slide, DemoClassifier, dir.File("out"), new ScanOptions { TileSize = 300, Tissue = TissueMode.Off });
        var first = await Scans.RunAsync(request);
        File.Delete(first.Outputs.Summary); // as if the run had stopped before finalizing: the next run resumes it

        var metrics = new List<Metric>();
        using (var meters = Sdk.CreateMeterProviderBuilder().AddMeter(ScanTelemetry.Name).AddInMemoryExporter(metrics).Build())
        {
            await Scans.RunAsync(request);
            meters!.ForceFlush();
        }

        Assert.Equal(first.Tiles.Computed, Sum(metrics, "batchfcn.tiles", ("outcome", "reused")));
        Assert.Equal(0, Sum(metrics, "batchfcn.tiles", ("outcome", "computed")));
    }

    private static long Sum(List<Metric> metrics, string name, (string Key, string Value)? tag = null)
    {
        long total = 0;
        foreach (var metric in metrics.Where(m => m.Name == name))
        {
            foreach (ref readonly var point in metric.GetMetricPoints())
            {
                if (tag is { } t && !HasTag(point, t.Key, t.Value))
                {
                    continue;
                }

                total += point.GetSumLong();
            }
        }

        return total;
    }

    private static long HistogramCount(List<Metric> metrics, string stage) => Histogram(metrics, stage).Count;

    private static double HistogramSum(List<Metric> metrics, string stage) => Histogram(metrics, stage).Sum;

    private static (long Count, double Sum) Histogram(List<Metric> metrics, string stage)
    {
        long count = 0;
        double sum = 0;
        foreach (var metric in metrics.Where(m => m.Name == "batchfcn.stage.duration"))
        {
            foreach (ref readonly var point in metric.GetMetricPoints())
            {
                if (HasTag(point, "stage", stage))
                {
                    count += point.GetHistogramCount();
                    sum += point.GetHistogramSum();
                }
            }
        }

        return (count, sum);
    }

    private static bool HasTag(in MetricPoint point, string key, string value)
    {
        foreach (var tag in point.Tags)
        {
            if (tag.Key == key && Equals(tag.Value, value))
            {
                return true;
            }
        }

        return false;
    }
}
