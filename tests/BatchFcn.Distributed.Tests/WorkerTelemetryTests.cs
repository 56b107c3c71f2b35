using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using BatchFcn.Imaging;
using BatchFcn.Scanning;
using BatchFcn.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BatchFcn.Distributed.Tests;

/// <summary>A worker process observed as operations would: a real Prometheus (Debian's) scrapes its metrics endpoint
/// while it computes a scan and fails a corrupt one; the counts Prometheus holds match the scan, the summary and
/// <c>status</c> carry the same stage seconds, and every metric the Grafana dashboard queries is one the worker (or
/// RabbitMQ's Prometheus plugin) exports.</summary>
[RequiresAzurite]
[RequiresRabbitMq]
[Collection(BrokerCollection.Name)]
public sealed partial class WorkerTelemetryTests
{
    private static readonly TimeSpan Minutes = TimeSpan.FromMinutes(4);

    private static string DemoClassifier => Path.Combine(TestPaths.RepositoryRoot, "models", "demo", "lesion_classifier.onnx");

    private static string Dashboard => Path.Combine(TestPaths.RepositoryRoot, "deploy", "grafana", "dashboards", "batchfcn.json");

    [ServiceFact]
    public async Task Worker_ScrapedByPrometheus_CountsMatchTheScanAndTheDashboardQueriesOnlyExportedMetrics()
    {
        await using var broker = await TestBroker.CreateAsync();
        var env = DistributedScanTests.Environment(broker);
        using var dir = TestPaths.TempDirectory();
        string slide = SyntheticSlide.Create(dir.File("slide.tif"), 1200, 900, seed: 11, lesions: 1).Path;
        string corrupt = dir.File("corrupt.tif");
        File.WriteAllBytes(corrupt, File.ReadAllBytes(slide).AsSpan(0, 3000).ToArray());
        int metricsPort = DistributedScanTests.FreePort();
        using var worker = CliProcess.Start(env, "worker", "--metrics-port", metricsPort.ToString(CultureInfo.InvariantCulture));
        await worker.WaitForAsync("worker started", Minutes);
        await using var prometheus = await PrometheusServer.StartAsync(dir.File("prometheus"), $"127.0.0.1:{metricsPort}");

        var submit = await CliProcess.RunAsync(env, Minutes, "submit", "--image", slide, "--image", corrupt, "--model", DemoClassifier, "--scan-id", "zq-observed",
            "--tile", "300", "--wait", "--download", dir.File("results"));
        Assert.True(submit.Code == 4, submit.Output + worker.Output);
        using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dir.File("results"), "zq-observed-1", "summary.json")));
        int computed = summary.RootElement.GetProperty("tiles").GetProperty("computed").GetInt32();
        int skipped = summary.RootElement.GetProperty("tiles").GetProperty("skipped").GetInt32();
        Assert.True(computed > 1 && skipped > 0, "tissue and background tiles");

        // What Prometheus scraped from the worker agrees with the scan.
        Assert.Equal(computed, await prometheus.WaitForAsync("sum(batchfcn_tiles_total{outcome=\"computed\"})", computed, Minutes));
        Assert.Equal(computed, await prometheus.WaitForAsync("sum(batchfcn_stage_duration_seconds_count{stage=\"infer\"})", computed, Minutes));
        Assert.Equal(skipped, await prometheus.WaitForAsync("sum(batchfcn_tiles_background_total)", skipped, Minutes));
        Assert.Equal(1, await prometheus.WaitForAsync("sum(batchfcn_scans_total{outcome=\"completed\"})", 1, Minutes));
        Assert.Equal(1, await prometheus.WaitForAsync("sum(batchfcn_failures_total{kind=\"image\"})", 1, Minutes));
        Assert.Equal(1, await prometheus.WaitForAsync("count(batchfcn_worker_backend{backend=\"cpu\"})", 1, Minutes));
        Assert.True(await prometheus.WaitForAsync("sum(batchfcn_queue_wait_seconds_count{queue=\"tiles\"})", computed, Minutes) >= computed);

        // The summary and status carry the stage seconds the metrics carry (summed over tiles).
        double inferSeconds = summary.RootElement.GetProperty("timings").GetProperty("inferSeconds").GetDouble();
        double metricSeconds = await prometheus.QueryAsync("sum(batchfcn_stage_duration_seconds_sum{stage=\"infer\"})");
        Assert.True(inferSeconds > 0, "a distributed scan's summary has its stage seconds");
        Assert.Equal(metricSeconds, inferSeconds, 3);
        Assert.True(summary.RootElement.GetProperty("timings").GetProperty("planSeconds").GetDouble() > 0);
        var status = await CliProcess.RunAsync(env, Minutes, "status", "zq-observed-1");
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"infer {inferSeconds:0.00} s"), status.Output, StringComparison.Ordinal);

        // Every metric and label the dashboard queries is exported: by this worker, by RabbitMQ's plugin, or (for an
        // instrument nothing has measured yet, such as retries) named by the same rules the measured ones follow.
        string workerText = await Http.GetStringAsync(new Uri($"http://127.0.0.1:{metricsPort}/metrics"));
        string rabbitText = await Http.GetStringAsync(new Uri(TestServices.RabbitMqPrometheus(), "/metrics/per-object"));
        var scraped = Series(workerText).Concat(Series(rabbitText)).ToList();
        var names = scraped.Select(s => s.Name).ToHashSet();
        var labels = scraped.SelectMany(s => s.Labels).Append("job").Append("instance").ToHashSet();
        var (instruments, retryLabels) = PrometheusNames();
        labels.UnionWith(retryLabels);
        foreach (var (instrument, prometheusNames) in instruments)
        {
            if (prometheusNames.Any(names.Contains))
            {
                Assert.True(prometheusNames.All(names.Contains), $"{instrument}: the naming rule gives {string.Join(", ", prometheusNames)}, the worker exports others");
            }
            else
            {
                names.UnionWith(prometheusNames);
            }
        }

        var queries = Queries(JsonDocument.Parse(await File.ReadAllTextAsync(Dashboard)).RootElement).ToList();
        Assert.True(queries.Count >= 10, "the dashboard has panels");
        foreach (var query in queries)
        {
            foreach (Match metric in MetricName().Matches(query))
            {
                Assert.True(names.Contains(metric.Value), $"the dashboard queries {metric.Value}, which nothing exports ({query})");
            }

            foreach (Match label in LabelName().Matches(query))
            {
                foreach (var name in label.Groups["names"].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                {
                    Assert.True(labels.Contains(name), $"the dashboard uses label {name}, which no exported series has ({query})");
                }
            }
        }

        Assert.DoesNotContain("zq-observed", workerText, StringComparison.Ordinal); // no scan ids in metrics
        // Rare events' counters are there at 0 before the first, so increase() sees it (nothing was retried here).
        Assert.Matches(@"batchfcn_retries_total\{[^}]*owner=""job""[^}]*\} 0", workerText);
        Assert.Matches(@"batchfcn_failures_total\{[^}]*kind=""model""[^}]*\} 0", workerText);
        Assert.Equal(0, await worker.StopAsync(Minutes));
    }

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>The Prometheus names the OpenTelemetry exporter gives each BatchFcn instrument: dots become underscores,
    /// a unit of seconds adds <c>_seconds</c> (annotations like <c>{tile}</c> add nothing), counters end in <c>_total</c>,
    /// histograms have <c>_bucket</c>, <c>_sum</c> and <c>_count</c>.</summary>
    /// <remarks>Also the label names of a retry, which the scan above causes none of.</remarks>
    private static (List<(string Instrument, string[] Names)> Instruments, HashSet<string> RetryLabels) PrometheusNames()
    {
        var services = new ServiceCollection().AddMetrics();
        services.AddSingleton<ScanTelemetry>();
        using var provider = services.BuildServiceProvider();
        var found = new List<Instrument>();
        var retryLabels = new HashSet<string>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                found.Add(instrument);
                l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, _, tags, _) =>
        {
            if (instrument.Name == "batchfcn.retries")
            {
                foreach (var tag in tags)
                {
                    retryLabels.Add(tag.Key);
                }
            }
        });
        listener.Start();
        var telemetry = provider.GetRequiredService<ScanTelemetry>();
        telemetry.Retry("storage");
        _ = new WorkerGauges(telemetry, provider, Options.Create(new DistributedOptions()), Options.Create(new NodeOptions()),
            Options.Create(new Inference.BackendOptions()));
        var instruments = new List<(string Instrument, string[] Names)>();
        foreach (var instrument in found.Where(i => i.Meter.Name == ScanTelemetry.Name).DistinctBy(i => i.Name))
        {
            string name = instrument.Name.Replace('.', '_') + (instrument.Unit == "s" ? "_seconds" : string.Empty);
            string[] names = instrument.GetType().Name switch
            {
                var t when t.StartsWith("Counter", StringComparison.Ordinal) => [name + "_total"],
                var t when t.StartsWith("Histogram", StringComparison.Ordinal) => [name + "_bucket", name + "_sum", name + "_count"],
                _ => [name],
            };
            instruments.Add((instrument.Name, names));
        }

        Assert.Contains("owner", retryLabels);
        return (instruments, retryLabels);
    }

    private static IEnumerable<(string Name, string[] Labels)> Series(string exposition)
    {
        foreach (var line in exposition.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var match = SeriesLine().Match(line);
            if (match.Success)
            {
                yield return (match.Groups["name"].Value, LabelKey().Matches(match.Groups["labels"].Value).Select(m => m.Groups[1].Value).ToArray());
            }
        }
    }

    private static IEnumerable<string> Queries(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                if (property.Name == "expr" && property.Value.ValueKind == JsonValueKind.String)
                {
                    yield return property.Value.GetString()!;
                }
                else
                {
                    foreach (var q in Queries(property.Value))
                    {
                        yield return q;
                    }
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray())
            {
                foreach (var q in Queries(item))
                {
                    yield return q;
                }
            }
        }
    }

    [GeneratedRegex(@"\b(?:batchfcn|rabbitmq|dotnet)_[a-z0-9_]+")]
    private static partial Regex MetricName();

    /// <summary>Label names in <c>by (…)</c>, <c>without (…)</c> and in matchers <c>{name="…", …}</c>.</summary>
    [GeneratedRegex(@"(?:\bby|\bwithout)\s*\((?<names>[^)]*)\)|(?<names>\b[a-z_]+)\s*(?:=~|!~|!=|=)\s*""")]
    private static partial Regex LabelName();

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?<labels>.*)\})?\s")]
    private static partial Regex SeriesLine();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""")]
    private static partial Regex LabelKey();

    /// <summary>Debian's Prometheus on a free loopback port, scraping one target every second, its data in a folder of
    /// the test's.</summary>
    private sealed class PrometheusServer : IAsyncDisposable
    {
        private readonly Process process;
        private readonly Uri api;

        private PrometheusServer(Process process, Uri api)
        {
            this.process = process;
            this.api = api;
        }

        public static async Task<PrometheusServer> StartAsync(string folder, string target)
        {
            Directory.CreateDirectory(folder);
            string config = Path.Combine(folder, "prometheus.yml");
            await File.WriteAllTextAsync(config, $"""
                global:
                  scrape_interval: 1s
                scrape_configs:
                  - job_name: batchfcn-worker
                    static_configs:
                      - targets: ["{target}"]
                """);
            int port = DistributedScanTests.FreePort();
            var start = new ProcessStartInfo(TestServices.Prometheus())
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                ArgumentList =
                {
                    $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(folder, "data")}", $"--web.listen-address=127.0.0.1:{port}",
                },
            };
            var process = Process.Start(start)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var server = new PrometheusServer(process, new Uri($"http://127.0.0.1:{port}"));
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (true)
            {
                try
                {
                    if ((await Http.GetAsync(new Uri(server.api, "/-/ready"))).IsSuccessStatusCode)
                    {
                        return server;
                    }
                }
                catch (HttpRequestException) when (DateTime.UtcNow < deadline && !process.HasExited)
                {
                }

                Assert.True(DateTime.UtcNow < deadline && !process.HasExited, "Prometheus did not start");
                await Task.Delay(200);
            }
        }

        /// <summary>The query's single value (NaN when it has none yet).</summary>
        public async Task<double> QueryAsync(string query)
        {
            using var json = JsonDocument.Parse(await Http.GetStringAsync(new Uri(api, "/api/v1/query?query=" + Uri.EscapeDataString(query))));
            var result = json.RootElement.GetProperty("data").GetProperty("result");
            return result.GetArrayLength() == 0 ? double.NaN : double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
        }

        /// <summary>Polls the query until it reaches <paramref name="expected"/> (scrapes come every second) or time runs out; returns the last value.</summary>
        public async Task<double> WaitForAsync(string query, double expected, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            double value;
            while (!((value = await QueryAsync(query)) >= expected) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(500);
            }

            return value;
        }

        public async ValueTask DisposeAsync()
        {
            if (!process.HasExited)
            {
                process.Kill();
                await process.WaitForExitAsync();
            }

            process.Dispose();
        }
    }
}
