using BatchFcn.Inference;
using BatchFcn.Scanning;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BatchFcn.Distributed;

/// <summary>A worker's own gauges: the backend it runs tiles on (<c>batchfcn.worker.backend</c>, 1 tagged with the
/// backend, so workers can be counted by backend) and the tile jobs it holds at once
/// (<c>batchfcn.worker.concurrent_tiles</c>). The backend probe runs once at start, in the background.</summary>
public sealed partial class WorkerGauges : IHostedLifecycleService
{
    private readonly BackendHealthCheck? probe;
    private readonly ILogger<WorkerGauges>? logger;
    private readonly int metricsPort;
    private readonly ScanTelemetry telemetry;

    public WorkerGauges(ScanTelemetry telemetry, IServiceProvider services, IOptions<DistributedOptions> options, IOptions<NodeOptions> node,
        IOptions<BackendOptions> backend)
    {
        ArgumentNullException.ThrowIfNull(telemetry);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(backend);
        probe = services.GetService<BackendHealthCheck>();
        logger = services.GetService<ILogger<WorkerGauges>>();
        metricsPort = services.GetService<IOptions<TelemetryOptions>>()?.Value.MetricsPort ?? 0;
        this.telemetry = telemetry;
        string configured = backend.Value.Backend;
        int concurrent = DistributedServiceCollectionExtensions.ConcurrentTiles(options.Value, node.Value, backend.Value);
        telemetry.Meter.CreateObservableGauge("batchfcn.worker.backend", () => new System.Diagnostics.Metrics.Measurement<int>(1,
            new KeyValuePair<string, object?>("backend", probe?.Backend ?? configured)), "{worker}", "1 per worker, tagged with the backend its tiles run on");
        telemetry.Meter.CreateObservableGauge("batchfcn.worker.concurrent_tiles", () => concurrent, "{job}", "Tile jobs this worker holds at once");
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (metricsPort != 0 && logger is not null)
        {
            LogMetrics(logger, metricsPort);
        }

        if (probe is not null)
        {
            _ = Task.Run(() => probe.CheckHealthAsync(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext(), CancellationToken.None), CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Once every hosted service has started (the metrics exporter among them: measurements made before it
    /// listens are lost), the rare events' counters get their series at 0.</summary>
    public Task StartedAsync(CancellationToken cancellationToken)
    {
        telemetry.Prime(FailureKinds.Names);
        return Task.CompletedTask;
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Metrics endpoint on port {Port}: /metrics")]
    private static partial void LogMetrics(ILogger logger, int port);
}
