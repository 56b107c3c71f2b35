using BatchFcn.Inference;
using BatchFcn.Scanning;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace BatchFcn.Distributed;

/// <summary>A worker's own gauges: the backend it runs tiles on (<c>batchfcn.worker.backend</c>, 1 tagged with the
/// backend, so workers can be counted by backend) and the tile jobs it holds at once
/// (<c>batchfcn.worker.concurrent_tiles</c>). The backend probe runs once at start, in the background.</summary>
public sealed class WorkerGauges : IHostedService
{
    private readonly BackendHealthCheck? probe;

    public WorkerGauges(ScanTelemetry telemetry, IServiceProvider services, IOptions<DistributedOptions> options, IOptions<NodeOptions> node,
        IOptions<BackendOptions> backend)
    {
        ArgumentNullException.ThrowIfNull(telemetry);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(backend);
        probe = services.GetService<BackendHealthCheck>();
        string configured = backend.Value.Backend;
        int concurrent = DistributedServiceCollectionExtensions.ConcurrentTiles(options.Value, node.Value, backend.Value);
        telemetry.Meter.CreateObservableGauge("batchfcn.worker.backend", () => new System.Diagnostics.Metrics.Measurement<int>(1,
            new KeyValuePair<string, object?>("backend", probe?.Backend ?? configured)), "{worker}", "1 per worker, tagged with the backend its tiles run on");
        telemetry.Meter.CreateObservableGauge("batchfcn.worker.concurrent_tiles", () => concurrent, "{job}", "Tile jobs this worker holds at once");
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (probe is not null)
        {
            _ = Task.Run(() => probe.CheckHealthAsync(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext(), CancellationToken.None), CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
