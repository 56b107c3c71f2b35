using BatchFcn.Scanning;

namespace BatchFcn.Cli.Commands;

/// <summary>Runs a local scan with a progress bar and prints its outcome.</summary>
internal static class ScanReport
{
    public static async Task<ScanSummary> RunAsync(CliContext context, ScanRequest request, CancellationToken token)
    {
        var bar = new ProgressBar(context.Error, context.Interactive);
        var logger = new StderrLogger(context.Error, bar);
        return await LocalScan.RunAsync(request, bar, logger, TimeProvider.System, token).ConfigureAwait(false);
    }

    public static void Print(TextWriter w, ScanSummary s)
    {
        w.WriteLine($"scanned {s.Image.Width}x{s.Image.Height} px (level {s.Image.Level}) in {s.Timings.WallSeconds:0.0} s: " +
                    $"{s.Timings.InputMegapixelsPerSecond:0.0} Mpx/s on {s.Backend.Name}; {s.Tiles.Computed} of {s.Tiles.Total} tiles computed ({s.Tiles.Skipped} background skipped)");
        w.WriteLine($"  score map {s.Map.Classes}x{s.Map.Rows}x{s.Map.Cols} at stride {s.Geometry.OutputStrideY}x{s.Geometry.OutputStrideX}; " +
                    $"stages (summed, overlapping): read {s.Timings.ReadSeconds:0.0} s, preprocess {s.Timings.PreprocessSeconds:0.0} s, infer {s.Timings.InferSeconds:0.0} s, write {s.Timings.WriteSeconds:0.0} s");
        if (s.Split is { } cut)
        {
            w.WriteLine($"  network cut at '{cut.Cut}': trunk on ~{cut.TrunkTile} px tiles, the rest on ~{cut.RestTile} px tiles ({cut.WorkRatio:0.00}x the work of running it whole)");
        }

        w.WriteLine($"  scores:  {s.Outputs.Scores}");
        w.WriteLine($"  heatmap: {s.Outputs.Heatmap} (class {s.HeatmapClass})");
        w.WriteLine($"  summary: {s.Outputs.Summary}");
        if (s.Outputs.Npy is not null)
        {
            w.WriteLine($"  numpy:   {s.Outputs.Npy}");
        }
    }
}
