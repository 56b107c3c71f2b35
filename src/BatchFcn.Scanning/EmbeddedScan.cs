using System.Text.Json;
using BatchFcn.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BatchFcn.Scanning;

/// <summary>
/// The embedded hosting of a scan (<c>batchfcn run</c>): the plan, tile and finalize steps in one process, with the
/// plan's tiles fed straight to this node's <see cref="TileExecutor"/>. Everything is checked before anything is
/// written: the request's options, the image, the model, the plan against both, the backend. An unfinished scan of
/// the same map in the output folder is resumed (its chunks are kept); anything else there needs <c>overwrite</c>.
/// </summary>
public sealed partial class EmbeddedScan(
    BlobStoreResolver stores, ModelRepository models, ImageOpener images, InferenceSessions sessions, ScanPlanningService planning,
    ScanFinalizingService finalizing, ScanTelemetry telemetry, IOptions<NodeOptions> node, TimeProvider time, ILogger<EmbeddedScan> logger)
{
    /// <exception cref="ScanException">Bad options, an output folder holding another scan, a plan that does not fit.</exception>
    /// <exception cref="Imaging.ImageReadException">The image cannot be read.</exception>
    /// <exception cref="Conversion.ConversionException">The model cannot be read or converted.</exception>
    public async Task<ScanSummary> RunAsync(ScanRequested request, bool overwrite, IProgress<ScanProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        long started = time.GetTimestamp();
        using var scanSpan = ScanTelemetry.Source.StartActivity("scan");
        scanSpan?.SetTag("batchfcn.scan.id", request.ScanId);
        var planSpan = ScanTelemetry.Source.StartActivity(ScanStages.Plan);
        var problems = ScanOptionsValidator.Problems(request);
        if (problems.Count > 0)
        {
            throw new ScanException(string.Join("; ", problems));
        }

        var output = ResolveOutput(request.Output);
        await RefuseBlobAsOutputAsync(request.Output, cancellationToken).ConfigureAwait(false);
        using var image = await images.OpenAsync(request.Image, cancellationToken).ConfigureAwait(false);
        var model = await models.LoadAsync(request.Model, cancellationToken).ConfigureAwait(false);
        var plan = planning.Plan(request, image, model, output);
        plan = await PrepareOutputAsync(output, plan, overwrite, cancellationToken).ConfigureAwait(false);
        var backends = sessions.Get(model, plan);

        var scores = await planning.WriteAsync(plan, model, output, cancellationToken).ConfigureAwait(false);
        double planSeconds = time.GetElapsedTime(started).TotalSeconds;
        planSpan?.Dispose();
        string backend = backends.Network.Name;
        telemetry.Stage(ScanStages.Plan, planSeconds, backend, plan.Manifest.SourceModel);
        if (scanSpan is { IsAllDataRequested: true })
        {
            scanSpan.SetTag("batchfcn.scan.id", plan.ScanId);
            scanSpan.SetTag("batchfcn.image", Path.GetFileName(plan.ImagePath));
            scanSpan.SetTag("batchfcn.image.pixels", plan.LevelWidth * (long)plan.LevelHeight);
            scanSpan.SetTag("batchfcn.model", plan.Manifest.SourceModel);
            scanSpan.SetTag("batchfcn.backend", backend);
            scanSpan.SetTag("batchfcn.tiles", plan.Tiles.Count);
        }

        var executor = new TileExecutor(new TileProcessor(plan, image, backends.Network, backends.Rest), scores, output, node.Value, backend)
        {
            Telemetry = telemetry,
        };
        LogReaders(logger, executor.Readers);
        telemetry.ScanActive(+1);
        try
        {
            await executor.RunAsync(progress, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            telemetry.ScanActive(-1);
        }

        return await finalizing.FinalizeAsync(plan, image, output, new ScanRun(backends, started, planSeconds, executor.Timings), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>An <c>az://</c> output that names an existing blob (a slide, say) is refused, as a local file is.</summary>
    private async Task RefuseBlobAsOutputAsync(string address, CancellationToken cancellationToken)
    {
        var parsed = BlobAddress.Parse(address);
        if (!parsed.IsAzure || parsed.Path.Length == 0)
        {
            return;
        }

        var (store, key) = stores.ResolveFile(address);
        if (await store.ExistsAsync(key, cancellationToken).ConfigureAwait(false))
        {
            throw new ScanException($"output '{address}' is a blob (a file), not a folder; give a folder address");
        }
    }

    private IBlobStore ResolveOutput(string address)
    {
        try
        {
            return stores.ResolveFolder(address);
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            throw new ScanException($"output: {e.Message}", e);
        }
    }

    /// <summary>What the output folder holds decides: nothing → scan; an unfinished scan of the same map → resume it
    /// (same scan id, its chunks kept); anything else → refuse, or clear it when <paramref name="overwrite"/>.</summary>
    private async Task<ScanPlan> PrepareOutputAsync(IBlobStore output, ScanPlan plan, bool overwrite, CancellationToken cancellationToken)
    {
        bool finished = await output.ExistsAsync(ScanOutputs.Summary, cancellationToken).ConfigureAwait(false);
        bool hasArray = await output.ExistsAsync(ScanOutputs.Scores + "/.zarray", cancellationToken).ConfigureAwait(false);
        var previous = await ScanPlanningService.ReadAsync(output, cancellationToken).ConfigureAwait(false);
        if (!finished && !hasArray && previous is null)
        {
            return plan;
        }

        if (overwrite)
        {
            foreach (var name in ScanOutputs.All)
            {
                var keys = name.EndsWith('/') ? await output.ListAsync(name, cancellationToken).ToListAsync(cancellationToken).ConfigureAwait(false) : [name];
                foreach (var key in keys)
                {
                    await output.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
                }
            }

            return plan;
        }

        if (!finished && previous is not null && SameMap(previous, plan))
        {
            var scores = output.Describe(ScanOutputs.Scores);
            LogResuming(logger, scores, previous.ScanId);
            return plan with { ScanId = previous.ScanId };
        }

        throw new ScanException(
            $"'{output.Describe(ScanOutputs.Scores)}' already holds {(finished ? "a finished scan" : "an unfinished scan of another map")}; " +
            "choose another output folder or pass --overwrite to replace it");
    }

    /// <summary>Whether two plans compute the same chunks, stored the same way (only the scan id and the outputs made
    /// from the map at the end — the .npy, the heatmap's class — may differ).</summary>
    private static bool SameMap(ScanPlan a, ScanPlan b) => Chunks(a) == Chunks(b);

    private static string Chunks(ScanPlan plan) => JsonSerializer.Serialize(
        plan with { ScanId = string.Empty, Outputs = plan.Outputs with { WriteNpy = false, HeatmapClass = -1 }, TileChoice = null }, ScanJson.Options);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Reading and pre-processing on {Readers} thread(s)")]
    private static partial void LogReaders(ILogger logger, int readers);

    [LoggerMessage(Level = LogLevel.Information, Message = "Resuming the unfinished scan {ScanId} in {Scores}: chunks already written are kept")]
    private static partial void LogResuming(ILogger logger, string scores, string scanId);
}
