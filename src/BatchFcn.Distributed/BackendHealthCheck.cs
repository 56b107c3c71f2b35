using BatchFcn.Inference;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace BatchFcn.Distributed;

/// <summary>Ready only once the node's backend loads: the first check creates a session of a small probe model on the
/// configured backend (CUDA falls back to the CPU with its reason, as for tiles) and remembers the outcome.</summary>
public sealed class BackendHealthCheck : IHealthCheck
{
    private readonly Lazy<HealthCheckResult> probe;
    private string? backend;

    /// <summary>The backend the probe chose (<c>cpu</c>, <c>cuda</c>), once it ran and the backend loaded.</summary>
    public string? Backend => Volatile.Read(ref backend);

    public BackendHealthCheck(BackendProbeModel model, IOptions<BackendOptions> options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        probe = new Lazy<HealthCheckResult>(() =>
        {
            try
            {
                var selection = BackendSelector.Select(model.Path, options.Value, logger: null);
                selection.Backend.Dispose();
                Volatile.Write(ref backend, selection.Backend.Name);
                return HealthCheckResult.Healthy($"{selection.Backend.Name} loaded");
            }
            catch (Exception e) when (e is BackendUnavailableException or IOException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
            {
                return HealthCheckResult.Unhealthy($"the backend does not load: {e.Message}");
            }
        });
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.Run(() => probe.Value, cancellationToken);
}
