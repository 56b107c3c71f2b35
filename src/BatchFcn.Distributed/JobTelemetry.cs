using BatchFcn.Scanning;
using MassTransit;

namespace BatchFcn.Distributed;

/// <summary>What every consumer measures of the job it receives: how long it waited in its queue, and whether it is a
/// retry of the job retry owner (<see cref="DistributedServiceCollectionExtensions"/>).</summary>
internal static class JobTelemetry
{
    public static void Received(ScanTelemetry telemetry, ConsumeContext context, string queue, TimeProvider time)
    {
        if (context.GetRetryAttempt() > 0)
        {
            telemetry.Retry("job");
        }
        else if (context.SentTime is { } sent)
        {
            telemetry.QueueWait(queue, (time.GetUtcNow().UtcDateTime - sent).TotalSeconds);
        }
    }
}
