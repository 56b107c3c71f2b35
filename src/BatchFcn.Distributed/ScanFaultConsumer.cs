using BatchFcn.Storage;
using MassTransit;

namespace BatchFcn.Distributed;

/// <summary>Turns a scan request or tile job that failed for good (a permanent failure at once, a transient one after
/// the tile retries) into a failed scan with that failure's message. The message itself went to the error queue.</summary>
public sealed class ScanFaultConsumer(ScanFailures failures) : IConsumer<Fault<ScanRequested>>, IConsumer<Fault<TileJob>>
{
    public Task Consume(ConsumeContext<Fault<ScanRequested>> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return FailAsync(context, context.Message.Message.ScanId, context.Message.Exceptions);
    }

    public Task Consume(ConsumeContext<Fault<TileJob>> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return FailAsync(context, context.Message.Message.ScanId, context.Message.Exceptions);
    }

    private Task FailAsync(ConsumeContext context, string scanId, ExceptionInfo[] exceptions)
    {
        if (Contracts.ScanIds.Problem(scanId) is not null)
        {
            return Task.CompletedTask; // refused before it had a state: nothing to mark
        }

        var first = exceptions.FirstOrDefault();
        string reason = first is null ? "failed for an unknown reason" : Reason(first);
        return failures.FailAsync(scanId, reason, FailureKinds.Name(first?.ExceptionType), context, context.CancellationToken);
    }

    /// <summary>The message of a failure the user can act on; for others, what kind of failure it was too.</summary>
    private static string Reason(ExceptionInfo e) =>
        FailureKinds.Permanent.Any(t => t.FullName == e.ExceptionType) || e.ExceptionType == typeof(StorageUnavailableException).FullName
            ? e.Message
            : $"{e.Message} ({e.ExceptionType?.Split('.').Last()}, still failing after the retries)";
}
