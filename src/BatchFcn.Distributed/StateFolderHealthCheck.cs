using BatchFcn.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace BatchFcn.Distributed;

/// <summary>Ready only when the scan state folder answers (the storage account is reachable and the key accepted).</summary>
public sealed class StateFolderHealthCheck(ScanStateStore states) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await states.ListAsync(cancellationToken).AnyAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or BlobNotFoundException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy(e.Message);
        }
    }
}
