using BatchFcn.Scanning;
using BatchFcn.Storage;
using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BatchFcn.Distributed;

/// <summary>
/// The plan step on a worker: validates the request, plans the scan with the same <see cref="ScanPlanningService"/>
/// <c>run</c> uses (tissue mask, tiles, cut, <c>plan.json</c>, array metadata), starts its tile record, moves it to
/// running and queues one <see cref="TileJob"/> per <see cref="DistributedOptions.TilesPerJob"/> tissue tiles. A request
/// delivered again finds the scan running and queues the jobs of its missing tiles again (computing a tile twice writes
/// nothing new); one for a scan that is final is dropped.
/// </summary>
public sealed partial class ScanRequestedConsumer(ScanStateStore states, ScanPlanningService planning, ImageOpener images, ModelRepository models,
    BlobStoreResolver stores, ScanCompletion completion, ScanTelemetry telemetry, IOptions<DistributedOptions> options, TimeProvider time,
    ILogger<ScanRequestedConsumer> logger)
    : IConsumer<ScanRequested>
{
    public async Task Consume(ConsumeContext<ScanRequested> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Message;
        var token = context.CancellationToken;
        JobTelemetry.Received(telemetry, context, "scans", time);
        if (ScanIds.Problem(request.ScanId) is { } badId)
        {
            throw new ScanException(badId);
        }

        var state = await states.GetAsync(request.ScanId, token).ConfigureAwait(false);
        if (state is null)
        {
            // Sent straight to the queue rather than through submit: record it now.
            await states.TryCreateAsync(new ScanState { ScanId = request.ScanId, Status = ScanStatus.Submitted, Request = request, SubmittedUtc = time.GetUtcNow() }, token)
                .ConfigureAwait(false);
            state = await states.GetAsync(request.ScanId, token).ConfigureAwait(false) ?? throw new ScanException($"scan '{request.ScanId}' vanished while being recorded");
        }

        if (state.IsFinal || state.Status == ScanStatus.Finalizing)
        {
            LogDropped(logger, request.ScanId, state.Status);
            return;
        }

        if (state.Status == ScanStatus.Running && state.Plan is not null)
        {
            var missing = await states.MissingTilesAsync(request.ScanId, state.TotalTiles, token).ConfigureAwait(false);
            LogRequeued(logger, request.ScanId, missing.Count);
            await SendJobsAsync(context, request.ScanId, state.Plan, missing).ConfigureAwait(false);
            return;
        }

        var problems = ScanOptionsValidator.Problems(request);
        if (problems.Count > 0)
        {
            throw new ScanException(string.Join("; ", problems));
        }

        long planStart = time.GetTimestamp();
        using var span = ScanTelemetry.Source.StartActivity(ScanStages.Plan);
        span?.SetTag("batchfcn.scan.id", request.ScanId);
        var output = stores.ResolveFolder(request.Output);
        using var image = await images.OpenAsync(request.Image, token).ConfigureAwait(false);
        var model = await models.LoadAsync(request.Model, token).ConfigureAwait(false);
        var plan = planning.Plan(request, image, model, output);
        await planning.WriteAsync(plan, model, output, token).ConfigureAwait(false);
        await states.StartTilesAsync(request.ScanId, plan.Tiles.Count, token).ConfigureAwait(false);
        double planSeconds = time.GetElapsedTime(planStart).TotalSeconds;
        span?.SetTag("batchfcn.tiles", plan.Tiles.Count);
        span?.Dispose();
        telemetry.Stage(ScanStages.Plan, planSeconds, "none", plan.Manifest.SourceModel);
        string planAddress = output.Describe(ScanOutputs.Plan);
        var running = await states.UpdateAsync(request.ScanId, s => s.Status == ScanStatus.Submitted
            ? s with { Status = ScanStatus.Running, TotalTiles = plan.Tiles.Count, Plan = planAddress, PlanSeconds = planSeconds }
            : null, token).ConfigureAwait(false);
        if (running is null)
        {
            LogDropped(logger, request.ScanId, (await states.GetAsync(request.ScanId, token).ConfigureAwait(false))?.Status ?? ScanStatus.Cancelled);
            return; // cancelled while planning, or planned by another delivery meanwhile (which queued the jobs)
        }

        LogPlanned(logger, request.ScanId, plan.Tiles.Count, plan.SkippedTiles);
        if (plan.Tiles.Count == 0)
        {
            await completion.TryFinalizeAsync(request.ScanId, context, token).ConfigureAwait(false);
            return;
        }

        await SendJobsAsync(context, request.ScanId, planAddress, [.. Enumerable.Range(0, plan.Tiles.Count)]).ConfigureAwait(false);
    }

    private async Task SendJobsAsync(ConsumeContext context, string scanId, string planAddress, IReadOnlyList<int> tiles)
    {
        var endpoint = await context.GetSendEndpoint(ScanQueues.Address(ScanQueues.Tiles)).ConfigureAwait(false);
        await endpoint.SendBatch(TileJobs.Covering(scanId, planAddress, tiles, options.Value.TilesPerJob), context.CancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Scan {ScanId} planned: {Tiles} tile(s) queued, {Skipped} background skipped")]
    private static partial void LogPlanned(ILogger logger, string scanId, int tiles, int skipped);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scan {ScanId} requested again while running: {Missing} tile(s) not done queued again")]
    private static partial void LogRequeued(ILogger logger, string scanId, int missing);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scan {ScanId} request dropped: the scan is {Status}")]
    private static partial void LogDropped(ILogger logger, string scanId, ScanStatus status);
}
