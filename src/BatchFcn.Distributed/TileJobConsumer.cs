using BatchFcn.Scanning;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace BatchFcn.Distributed;

/// <summary>
/// The tile step on a worker: hands the job's tiles to this node's executor for the scan (<see cref="NodeTileRunner"/>),
/// and once their chunks are in the store records them done; the job is acknowledged only after that. The update that
/// completes the tile record leads to finalizing (<see cref="ScanCompletion"/>). Jobs of a cancelled, failed or
/// completed scan are dropped without work.
/// </summary>
public sealed partial class TileJobConsumer(ScanStateCache states, NodeTileRunner runner, TileRecorder recorder, ScanCompletion completion,
    ScanTelemetry telemetry, TimeProvider time, ILogger<TileJobConsumer> logger)
    : IConsumer<TileJob>
{
    public async Task Consume(ConsumeContext<TileJob> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var job = context.Message;
        var token = context.CancellationToken;
        JobTelemetry.Received(telemetry, context, "tiles", time);
        var state = await states.GetAsync(job.ScanId, token).ConfigureAwait(false)
            ?? throw new ScanException($"tile job for unknown scan '{job.ScanId}'");
        if (state.IsFinal)
        {
            LogDropped(logger, job.ScanId, job.FirstTile, state.Status);
            await completion.PublishCompletedAsync(state, context, token).ConfigureAwait(false);
            return;
        }

        var run = TileJobRun.None;
        if (state.Status == ScanStatus.Running)
        {
            run = await runner.RunAsync(job, token).ConfigureAwait(false);
        }

        long recording = time.GetTimestamp();
        TileProgress progress;
        using (var span = ScanTelemetry.Source.StartActivity(ScanStages.Complete))
        {
            span?.SetTag("batchfcn.scan.id", job.ScanId);
            progress = await recorder.RecordAsync(job.ScanId, state.TotalTiles, Enumerable.Range(job.FirstTile, job.TileCount), run.Times, token).ConfigureAwait(false);
        }

        telemetry.Stage(ScanStages.Complete, time.GetElapsedTime(recording).TotalSeconds, run.Backend, run.Model);
        if (progress.Complete)
        {
            await completion.TryFinalizeAsync(job.ScanId, context, token).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Tile job {ScanId}/{FirstTile} dropped: the scan is {Status}")]
    private static partial void LogDropped(ILogger logger, string scanId, int firstTile, ScanStatus status);
}
