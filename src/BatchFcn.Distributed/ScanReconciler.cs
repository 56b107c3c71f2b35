using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BatchFcn.Distributed;

/// <summary>
/// Keeps scans from getting stuck when a message is lost or a worker dies at the wrong moment: every
/// <see cref="DistributedOptions.ReconcileInterval"/> it looks at the scans that are not final, queues again the missing
/// tiles of a running scan whose tile count has not moved for <see cref="DistributedOptions.StaleAfter"/>, and finalizes
/// one whose tiles are all done (a finalizer that died: its claim runs out after the lease). Re-queued tiles that turn
/// out to be done cost an existence check each. Every worker runs one; what they do twice is harmless.
/// </summary>
public sealed partial class ScanReconciler(IServiceScopeFactory scopes, ScanStateStore states, IOptions<DistributedOptions> options, TimeProvider time,
    ILogger<ScanReconciler> logger) : BackgroundService
{
    private readonly Dictionary<string, (int Done, DateTimeOffset Since)> seen = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.ReconcileInterval;
        if (interval <= TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await ReconcileAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(logger, e);
            }
        }
    }

    /// <summary>One pass over the scans.</summary>
    public async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        using var scope = scopes.CreateScope();
        var bus = scope.ServiceProvider.GetRequiredService<IBus>();
        var completion = scope.ServiceProvider.GetRequiredService<ScanCompletion>();
        var now = time.GetUtcNow();
        await foreach (var scanId in states.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            var state = await states.GetAsync(scanId, cancellationToken).ConfigureAwait(false);
            if (state is { Status: ScanStatus.Completed, CompletionPublished: false })
            {
                await completion.PublishCompletedAsync(state, bus, cancellationToken).ConfigureAwait(false);
            }

            if (state is null || state.IsFinal || state.Plan is null)
            {
                seen.Remove(scanId);
                continue;
            }

            var progress = await states.ProgressAsync(scanId, state.TotalTiles, cancellationToken).ConfigureAwait(false);
            if (progress.Complete)
            {
                await completion.TryFinalizeAsync(scanId, bus, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (!seen.TryGetValue(scanId, out var last) || last.Done != progress.Done)
            {
                seen[scanId] = (progress.Done, now);
                continue;
            }

            if (now - last.Since < options.Value.StaleAfter)
            {
                continue;
            }

            var missing = await states.MissingTilesAsync(scanId, state.TotalTiles, cancellationToken).ConfigureAwait(false);
            LogRequeue(logger, scanId, missing.Count, (now - last.Since).TotalMinutes);
            var endpoint = await bus.GetSendEndpoint(ScanQueues.Address(ScanQueues.Tiles)).ConfigureAwait(false);
            await endpoint.SendBatch(TileJobs.Covering(scanId, state.Plan, missing, options.Value.TilesPerJob), cancellationToken).ConfigureAwait(false);
            seen[scanId] = (progress.Done, now);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scan {ScanId} has not moved for {Minutes:0} min: {Missing} tile(s) queued again")]
    private static partial void LogRequeue(ILogger logger, string scanId, int missing, double minutes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconciling scans failed; trying again at the next interval")]
    private static partial void LogFailed(ILogger logger, Exception e);
}
