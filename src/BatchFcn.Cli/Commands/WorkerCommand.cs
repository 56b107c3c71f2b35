using System.CommandLine;
using BatchFcn.Distributed;
using BatchFcn.Scanning;
using Microsoft.Extensions.Hosting;

namespace BatchFcn.Cli.Commands;

/// <summary><c>batchfcn worker</c>: consumes scan and tile jobs until stopped (Ctrl-C or SIGTERM: no new jobs are taken,
/// jobs in flight finish or go back to the queue).</summary>
internal static class WorkerCommand
{
    public static Command Create(CliContext context)
    {
        var rabbitmq = DistributedHost.RabbitMq();
        var storage = DistributedHost.Storage();
        var concurrent = new Option<int?>("--concurrent-tiles") { Description = "Tile jobs this node holds at once (default 0 = from the hardware: 8 on a GPU, else twice the readers)" };
        var backend = new Option<string>("--backend") { Description = "auto (default), cpu or cuda" };
        var threads = new Option<int?>("--threads") { Description = "CPU backend threads (default 0 = the container's CPU limit)" };
        var readers = new Option<int?>("--readers") { Description = "Threads reading and decoding tiles beside inference (default 0 = one per 4 CPUs)" };
        var json = new Option<bool>("--json-logs") { Description = "Log one JSON object per line (for log collectors) instead of text" };
        var health = new Option<int?>("--health-port") { Description = "Serve /healthz/live and /healthz/ready on this port (default 0 = off)" };
        var metrics = new Option<int?>("--metrics-port") { Description = "Serve Prometheus metrics at /metrics on this port (default 0 = off; traces and metrics also go by OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set)" };
        var command = new Command("worker", "Run a worker: plan scans, compute tiles and finalize scans from the RabbitMQ queues until stopped");
        foreach (var option in new Option[] { rabbitmq, storage, concurrent, backend, threads, readers, health, metrics, json })
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, token) => context.GuardAsync(async () =>
        {
            var settings = new Dictionary<string, string?>();
            DistributedHost.AddStorage(settings, parse, storage);
            string section = ScanningServiceCollectionExtensions.Section;
            Set(settings, $"{section}:Distributed:ConcurrentTiles", parse.GetValue(concurrent));
            Set(settings, $"{section}:Backend:Backend", parse.GetValue(backend));
            Set(settings, $"{section}:Backend:Threads", parse.GetValue(threads));
            Set(settings, $"{section}:Node:Readers", parse.GetValue(readers));
            Set(settings, $"{section}:Distributed:HealthPort", parse.GetValue(health));
            Set(settings, $"{section}:Telemetry:MetricsPort", parse.GetValue(metrics));
            using var host = await DistributedHost.StartAsync(context, parse.GetValue(rabbitmq), settings, worker: true, token, parse.GetValue(json)).ConfigureAwait(false);
            context.Error.WriteLine($"worker started on {RabbitMqAddress.FromOptionOrEnvironment(parse.GetValue(rabbitmq))}; Ctrl-C or SIGTERM stops it");
            try
            {
                await Task.Delay(Timeout.Infinite, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // stopping: the host stops the bus (no new jobs; jobs in flight finish or are re-delivered elsewhere)
            }

            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
            context.Error.WriteLine("worker stopped");
            return 0;
        }));
        return command;
    }

    private static void Set(Dictionary<string, string?> settings, string key, object? value)
    {
        if (value is not null)
        {
            settings[key] = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
