using Microsoft.Extensions.Options;
using System.Text.Json;
using System.Text.Json.Nodes;
using BatchFcn.Conversion;
using BatchFcn.Imaging;
using BatchFcn.Storage;
using Microsoft.Extensions.Logging;

namespace BatchFcn.Scanning;

/// <summary>
/// The plan step: from the image's header and thumbnail and the model's geometry, the tile grid (tissue mask,
/// tile size, cut), then everything a worker needs written into the output folder before any tile runs: a
/// classifier converted on the fly (<see cref="ScanOutputs.ModelFolder"/>), <see cref="ScanOutputs.Plan"/> and the score
/// array's metadata. Nothing is written until the plan is complete and valid.
/// </summary>
public sealed partial class ScanPlanningService(TileCalibrator calibrator, IOptions<NodeOptions> node, ScanTelemetry telemetry, ILogger<ScanPlanningService> logger)
{
    /// <summary>Plans a scan without writing anything.</summary>
    /// <exception cref="ScanException">The options do not fit this model or image (heatmap class, density, size).</exception>
    public ScanPlan Plan(ScanRequested request, IImageSource image, ScanModel model, IBlobStore output)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(output);
        var options = request.Scan;
        var manifest = model.Manifest;
        var splits = options.Split != "off" && options.TileSize == 0 && options.Density == 1
            ? FcnSplitter.All(model.Parse(), manifest.Patch.Height, manifest.Patch.Width, manifest.ToGeometry())
            : null;
        var modelAddress = model.ConvertedHere ? output.Describe(ScanOutputs.ModelFolder + model.Name) : model.Address;
        Func<FcnSplit?, TileCosts>? calibrate = options.TileSize == 0 && node.Value.Calibrate
            ? cut => calibrator.Get(model, cut, options.MaxAutoTileSize,
                cut is null ? 0 : ScanPlanner.MaxJobTiles * options.MaxAutoTileSize / cut.Trunk.Geometry.Y.Geometry.Stride)
            : null;
        var plan = ScanPlanner.Plan(request.ScanId, image, modelAddress, manifest, options with
        {
            Normalization = options.Normalization ?? manifest.Normalization?.ToNormalization(),
        }, splits, model.Sha256, calibrate) with
        {
            Output = request.Output,
            Outputs = request.Outputs,
        };
        int heatmap = ScanFinalizer.HeatmapClass(plan); // an impossible heatmap class fails now, not after the scan
        if (plan.Classes > 2 && plan.Outputs.HeatmapClass < 0 && plan.Outputs.HeatmapLabel is null && plan.Manifest.Positive is null)
        {
            LogDefaultHeatmapClass(logger, heatmap, plan.Manifest.LabelOf(heatmap) is { } label ? $" '{label}'" : "", plan.Classes);
        }
        LogPlanned(logger, plan.Tiles.Count, plan.TotalTiles, plan.SkippedTiles, plan.Rows, plan.Cols);
        if (plan.TissueMethod is { } method && method != "saturation")
        {
            LogGrayTissue(logger, method);
        }

        if (plan.Tiles.Count == 0 && plan.TotalTiles > 0)
        {
            LogNoTissue(logger, plan.TotalTiles, plan.TissueMethod ?? "?");
        }

        if (plan.Split is { } cut)
        {
            LogSplit(logger, cut.Cut, cut.TrunkTile, cut.RestTile, cut.WorkRatio);
        }

        if (plan.TileChoice is { } why)
        {
            LogChoice(logger, plan.Split is null ? $"whole network on {why.WholeTile} px tiles" : $"cut at {plan.Split.Cut}, trunk on {why.TrunkTile} px tiles",
                why.WholeSeconds, why.WholeTile, why.Cut is null ? "no cut to weigh" : $"cut at {why.Cut}: {why.CutSeconds:0.0} s",
                why.Backend, why.Threads, why.CalibrationSeconds > 0 ? $"measured now in {why.CalibrationSeconds:0.0} s" : "cached");
        }

        return plan;
    }

    /// <summary>Writes what the tiles need: the converted model (when converted here), the score array's metadata, then
    /// the plan, which marks the scan as started.</summary>
    public async Task<ZarrScoreArray> WriteAsync(ScanPlan plan, ScanModel model, IBlobStore output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(output);
        if (model.ConvertedHere)
        {
            var key = ScanOutputs.ModelFolder + model.Name;
            await output.WriteAsync(key, model.Bytes, cancellationToken).ConfigureAwait(false);
            await output.WriteAsync(Path.ChangeExtension(key, ".json"), model.Manifest.ToUtf8(), cancellationToken).ConfigureAwait(false);
        }

        var scores = await ZarrScoreArray.CreateAsync(output, ScanOutputs.Scores, plan.Classes, plan.Rows, plan.Cols, plan.ChunkRows, plan.ChunkCols,
            Attributes(plan), ZarrChunkCodec.Named(plan.Outputs.Compression), cancellationToken).ConfigureAwait(false);
        await output.WriteAsync(ScanOutputs.Plan, JsonSerializer.SerializeToUtf8Bytes(plan, ScanJson.Options), cancellationToken).ConfigureAwait(false);
        telemetry.Planned(plan.Manifest.SourceModel, plan.Tiles.Count, plan.SkippedTiles);
        return scores;
    }

    /// <summary>Reads a plan written by <see cref="WriteAsync"/> into an output folder, or <see langword="null"/> when
    /// there is none.</summary>
    public static async Task<ScanPlan?> ReadAsync(IBlobStore output, CancellationToken cancellationToken)
    {
        try
        {
            return await ReadAsync(output, ScanOutputs.Plan, cancellationToken).ConfigureAwait(false);
        }
        catch (BlobNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Reads the plan at <paramref name="key"/> of a store (a tile job's plan address, resolved).</summary>
    /// <exception cref="BlobNotFoundException">There is none.</exception>
    /// <exception cref="ScanException">It is not a readable plan.</exception>
    public static async Task<ScanPlan> ReadAsync(IBlobStore store, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        try
        {
            var bytes = await store.ReadAsync(key, cancellationToken).ConfigureAwait(false);
            return JsonSerializer.Deserialize<ScanPlan>(bytes, ScanJson.Options) ?? throw new JsonException("it is empty");
        }
        catch (JsonException e)
        {
            throw new ScanException($"'{store.Describe(key)}' is not a readable scan plan: {e.Message}", e);
        }
    }

    private static JsonObject Attributes(ScanPlan plan) => new()
    {
        ["batchfcn"] = new JsonObject
        {
            ["scan_id"] = plan.ScanId,
            ["image"] = plan.ImagePath,
            ["level"] = plan.Level,
            ["stride"] = new JsonArray(plan.StepY, plan.StepX),
            ["offset"] = new JsonArray(plan.Manifest.GeometryY.Offset, plan.Manifest.GeometryX.Offset),
            ["receptive_field"] = new JsonArray(plan.Manifest.GeometryY.ReceptiveField, plan.Manifest.GeometryX.ReceptiveField),
            ["cell_window"] = "cell (i, j) sees level pixels [i*stride_y - offset_y, +receptive_field_y) x [j*stride_x - offset_x, +receptive_field_x)",
            ["activation"] = plan.Manifest.Output.Activation,
            ["class_names"] = plan.Manifest.Labels is { } names ? new JsonArray([.. names.Select(n => JsonValue.Create(n))]) : null,
            ["values"] = plan.Outputs.Values == "probabilities" || plan.Manifest.Output.Activation == "softmax" ? "probabilities" : "network_output",
            ["values_description"] = plan.Outputs.Values == "probabilities" || plan.Manifest.Output.Activation == "softmax"
                ? "class probabilities: each computed cell's values over the class axis sum to 1 (a sigmoid for a one-logit model)"
                : $"what the network outputs (activation '{plan.Manifest.Output.Activation}'; logits for most exports); --output probabilities writes probabilities",
            ["model_sha256"] = plan.ModelSha256,
        },
        ["_ARRAY_DIMENSIONS"] = new JsonArray("class", "y", "x"),
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Planned {Tiles} tiles of {Total} ({Skipped} background skipped); score map {Rows}x{Cols}")]
    private static partial void LogPlanned(ILogger logger, int tiles, int total, int skipped, long rows, long cols);

    [LoggerMessage(Level = LogLevel.Information, Message = "The heatmap shows class {Index}{Label}, the last of {Classes}: choose one with --class (a name or an index), or record a positive class with 'convert --labels FILE --positive NAME'")]
    private static partial void LogDefaultHeatmapClass(ILogger logger, int index, string label, long classes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Gray image: tissue found by {Method}")]
    private static partial void LogGrayTissue(ILogger logger, string method);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The tissue mask ({Method}) found no tissue: all {Total} tiles are skipped and the score map will be empty (NaN). "
        + "If the image holds tissue, scan again with --tissue off, or --tissue-threshold lower than the one in the plan")]
    private static partial void LogNoTissue(ILogger logger, int total, string method);

    [LoggerMessage(Level = LogLevel.Information, Message = "Tiles: {Chosen}, by predicted seconds (whole network at {WholeTile} px: {WholeSeconds:0.0} s; {Cut}) from costs measured with backend setting {Backend} and {Threads} thread(s), {Calibration}")]
    private static partial void LogChoice(ILogger logger, string chosen, double wholeSeconds, long wholeTile, string cut, string backend, int threads, string calibration);

    [LoggerMessage(Level = LogLevel.Information, Message = "Network cut in two at '{Cut}': trunk on ~{TrunkTile} px image tiles, the rest on ~{RestTile} px tiles of its output ({Ratio:0.00}x the work of running it whole)")]
    private static partial void LogSplit(ILogger logger, string cut, int trunkTile, int restTile, double ratio);
}
