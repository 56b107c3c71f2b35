using MassTransit;
using Microsoft.Extensions.Logging;

namespace BatchFcn.Distributed;

/// <summary>The one place a scan becomes failed: the state moves to <see cref="ScanStatus.Failed"/> with the first reason
/// (later failures of the same scan change nothing) and <see cref="ScanFailed"/> is published once.</summary>
public sealed partial class ScanFailures(ScanStateStore states, TimeProvider time, ILogger<ScanFailures> logger)
{
    public async Task FailAsync(string scanId, string reason, IPublishEndpoint publisher, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(publisher);
        var failed = await states.UpdateAsync(scanId, s => s.IsFinal ? null : s with { Status = ScanStatus.Failed, Reason = reason }, cancellationToken)
            .ConfigureAwait(false);
        if (failed is null)
        {
            return;
        }

        LogFailed(logger, scanId, reason);
        await publisher.Publish(new ScanFailed(scanId, reason, time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scan {ScanId} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string scanId, string reason);
}
