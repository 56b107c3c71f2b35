using BatchFcn.Scanning;
using BatchFcn.Storage;
using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BatchFcn.Distributed;

/// <summary>
/// Finalizes a scan whose tiles are all done, exactly once: a worker claims the scan by moving its state from running
/// to finalizing (an ETag-conditional update only one can win), writes the heatmap, <c>.npy</c> and summary through the
/// same <see cref="ScanFinalizingService"/> <c>run</c> uses, then moves it to completed and publishes
/// <see cref="ScanCompleted"/>. A claim older than <see cref="DistributedOptions.FinalizeLease"/> may be taken over,
/// so a finalizer that died never leaves a scan stuck (its tile job is re-delivered, or the reconciler finds it).
/// </summary>
public sealed partial class ScanCompletion(ScanStateStore states, BlobStoreResolver stores, ImageOpener images, ModelRepository models,
    InferenceSessions sessions, ScanFinalizingService finalizing, ScanTelemetry telemetry, IOptions<DistributedOptions> options, TimeProvider time,
    ILogger<ScanCompletion> logger)
{
    /// <summary>How long a claim to publish <see cref="ScanCompleted"/> holds before another worker may publish instead.</summary>
    public static readonly TimeSpan PublishClaimLease = TimeSpan.FromSeconds(30);

    /// <summary>Finalizes the scan if it is ready and no live finalizer has it; otherwise does nothing.</summary>
    public async Task TryFinalizeAsync(string scanId, IPublishEndpoint publisher, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(publisher);
        var now = time.GetUtcNow();
        var claimed = await states.UpdateAsync(scanId, s =>
            s.Status == ScanStatus.Running || (s.Status == ScanStatus.Finalizing && now - s.FinalizingSinceUtc > options.Value.FinalizeLease)
                ? s with { Status = ScanStatus.Finalizing, FinalizingSinceUtc = now }
                : null, cancellationToken).ConfigureAwait(false);
        if (claimed?.Plan is null)
        {
            return;
        }

        var (planStore, planKey) = stores.ResolveFile(claimed.Plan);
        var plan = await ScanPlanningService.ReadAsync(planStore, planKey, cancellationToken).ConfigureAwait(false);
        var output = stores.ResolveFolder(plan.Output);
        using var image = await images.OpenAsync(plan.ImagePath, cancellationToken).ConfigureAwait(false);
        var model = await models.LoadAsync(plan.ModelPath, cancellationToken).ConfigureAwait(false);
        var backends = sessions.Get(model, plan);
        long started = time.GetTimestamp() - (long)((time.GetUtcNow() - claimed.SubmittedUtc).TotalSeconds * time.TimestampFrequency);
        var stages = await states.StageTimesAsync(scanId, claimed.TotalTiles, cancellationToken).ConfigureAwait(false);
        var run = new ScanRun(backends, started, claimed.PlanSeconds, StageTimings.FromSeconds(stages));
        var summary = await finalizing.FinalizeAsync(plan, image, output, run, cancellationToken).ConfigureAwait(false);
        string summaryAddress = output.Describe(ScanOutputs.Summary);
        var completed = await states.UpdateAsync(scanId, s => s.Status == ScanStatus.Finalizing
            ? s with { Status = ScanStatus.Completed, Summary = summaryAddress }
            : null, cancellationToken).ConfigureAwait(false);
        if (completed is null)
        {
            return; // cancelled meanwhile, or another finalizer took over after our lease ran out and finished first
        }

        LogCompleted(logger, scanId, summary.Tiles.Computed, summaryAddress);
        telemetry.ScanFinished("completed");
        await PublishCompletedAsync(completed, publisher, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Publishes <see cref="ScanCompleted"/> for a completed scan whose event has not gone out yet (its finalizer
    /// lost the broker, or died, between completing the state and publishing), then records that it went out.</summary>
    public async Task PublishCompletedAsync(ScanState state, IPublishEndpoint publisher, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(publisher);
        if (state.Status != ScanStatus.Completed || state.CompletionPublished)
        {
            return;
        }

        var now = time.GetUtcNow();
        var claimed = await states.UpdateAsync(state.ScanId, s =>
            s.Status == ScanStatus.Completed && !s.CompletionPublished && (s.PublishClaimUtc is null || now - s.PublishClaimUtc > PublishClaimLease)
                ? s with { PublishClaimUtc = now }
                : null, cancellationToken).ConfigureAwait(false);
        if (claimed is null)
        {
            return; // published, or another worker is publishing it now
        }

        await publisher.Publish(new ScanCompleted(state.ScanId, state.Request.Output, state.Summary ?? string.Empty, state.UpdatedUtc), cancellationToken)
            .ConfigureAwait(false);
        await states.UpdateAsync(state.ScanId, s => s.CompletionPublished ? null : s with { CompletionPublished = true }, cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Scan {ScanId} completed: {Tiles} tiles; summary {Summary}")]
    private static partial void LogCompleted(ILogger logger, string scanId, int tiles, string summary);
}
