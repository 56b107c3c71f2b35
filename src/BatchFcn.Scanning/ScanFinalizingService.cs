using System.Text.Json;
using BatchFcn.Imaging;
using BatchFcn.Storage;

namespace BatchFcn.Scanning;

/// <summary>
/// The finalize step: reads the chunks through the store (any process can do it), writes the heatmap, the optional
/// NumPy export and, last, <see cref="ScanOutputs.Summary"/>, whose presence marks the scan finished.
/// </summary>
public sealed class ScanFinalizingService(ScanTelemetry telemetry, TimeProvider time)
{
    public async Task<ScanSummary> FinalizeAsync(ScanPlan plan, IImageSource image, IBlobStore output, ScanRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(run);
        long finalizeStart = time.GetTimestamp();
        using var span = ScanTelemetry.Source.StartActivity(ScanStages.Finalize);
        span?.SetTag("batchfcn.scan.id", plan.ScanId);
        var scores = await ZarrScoreArray.OpenAsync(output, ScanOutputs.Scores, cancellationToken).ConfigureAwait(false);
        var outcome = await ScanFinalizer.FinalizeAsync(plan, scores, image, output, cancellationToken).ConfigureAwait(false);
        var writers = new List<string>();
        await foreach (var key in output.ListAsync(TileExecutor.WritersPrefix, cancellationToken).ConfigureAwait(false))
        {
            writers.Add(key[TileExecutor.WritersPrefix.Length..]);
        }

        double seconds = time.GetElapsedTime(run.Started).TotalSeconds;
        var manifest = plan.Manifest;
        var backend = run.Backends.Network;
        var summary = new ScanSummary
        {
            ScanId = plan.ScanId,
            FinishedUtc = time.GetUtcNow(),
            Image = new(plan.ImagePath, plan.Level, plan.LevelWidth, plan.LevelHeight, plan.Downsample),
            Model = new(plan.ModelPath, plan.ModelSha256, manifest.SourceModel, manifest.SourceSha256, manifest.Patch.Height, manifest.Patch.Width,
                manifest.Classes, manifest.Output.Activation, plan.Normalization.ToString()),
            Geometry = new(manifest.GeometryY.Stride, manifest.GeometryX.Stride, manifest.GeometryY.ReceptiveField, manifest.GeometryX.ReceptiveField,
                manifest.GeometryY.Offset, manifest.GeometryX.Offset, manifest.PaddingFree, plan.Density, plan.StepY, plan.StepX),
            Map = new(plan.Classes, plan.Rows, plan.Cols, plan.ChunkRows, plan.ChunkCols, "[class, y, x] float32", "NaN (not computed: background)", outcome.ComputedCells),
            Tiles = new(plan.TotalTiles, plan.Tiles.Count, plan.SkippedTiles, plan.CellsPerTile, plan.Options.Tissue.ToString().ToLowerInvariant(),
                plan.TissueThreshold, plan.TissueFraction),
            Backend = new(backend.Name, backend.Description, run.Backends.Reasons),
            WrittenBy = writers,
            Timings = new(seconds, run.PlanSeconds, run.Stages.ReadSeconds, run.Stages.PreprocessSeconds, run.Stages.InferSeconds,
                run.Stages.WriteSeconds, time.GetElapsedTime(finalizeStart).TotalSeconds, plan.LevelWidth * (double)plan.LevelHeight / 1e6 / seconds),
            Classes = outcome.Classes,
            HeatmapClass = outcome.HeatmapClass,
            Outputs = new(output.Describe(ScanOutputs.Scores), output.Describe(ScanOutputs.Heatmap), output.Describe(ScanOutputs.Summary),
                plan.Outputs.WriteNpy ? output.Describe(ScanOutputs.Npy) : null, plan.Outputs.Values, plan.Outputs.Compression),
            Split = plan.Split is { } split ? ScanSummary.SplitInfo.From(split) : null,
            TileChoice = plan.TileChoice,
        };
        await output.WriteAsync(ScanOutputs.Summary, JsonSerializer.SerializeToUtf8Bytes(summary, ScanJson.Options), cancellationToken).ConfigureAwait(false);
        telemetry.Stage(ScanStages.Finalize, time.GetElapsedTime(finalizeStart).TotalSeconds, backend.Name, manifest.SourceModel);
        return summary;
    }
}
