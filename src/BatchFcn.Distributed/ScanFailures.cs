using BatchFcn.Scanning;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace BatchFcn.Distributed;

/// <summary>The one place a scan becomes failed: the state moves to <see cref="ScanStatus.Failed"/> with the first reason
/// (later failures of the same scan change nothing) and <see cref="ScanFailed"/> is published once.</summary>
public sealed partial class ScanFailures(ScanStateStore states, ScanTelemetry telemetry, TimeProvider time, ILogger<ScanFailures> logger)
{
    /// <param name="scanId">The scan.</param>
    /// <param name="reason">Why, in the user's words.</param>
    /// <param name="kind">What failed, in a word (<see cref="FailureKinds.Name"/>), for the failure metrics.</param>
    /// <param name="publisher">Where <see cref="ScanFailed"/> goes.</param>
    /// <param name="cancellationToken">Cancels waiting on the store.</param>
    public async Task FailAsync(string scanId, string reason, string kind, IPublishEndpoint publisher, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(publisher);
        var failed = await states.UpdateAsync(scanId, s => s.IsFinal ? null : s with { Status = ScanStatus.Failed, Reason = reason }, cancellationToken)
            .ConfigureAwait(false);
        if (failed is null)
        {
            return;
        }

        LogFailed(logger, scanId, reason);
        telemetry.Failure(kind);
        telemetry.ScanFinished("failed");
        await publisher.Publish(new ScanFailed(scanId, reason, time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scan {ScanId} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string scanId, string reason);
}
