using System.Diagnostics;
using BatchFcn.Conversion;
using BatchFcn.Imaging;
using BatchFcn.Inference;
using BatchFcn.Scanning;
using NetVips;

namespace BatchFcn.Benchmarks;

/// <summary>
/// Three ways to get the same score map over one region, alternated within each round (A B C A B C …):
/// (1) the classifier on every crop at stride S (batched), (2) the converted network on the whole region
/// in one run, (3) the full <c>run</c> pipeline (read from a tiled JPEG TIFF, pre-process, tiles, write
/// Zarr, finalize; a fresh process-like start: new session, cold caches). Prints megapixels of image
/// covered by output cells per second (cells · S²), achieved GFLOP/s and the ratios.
/// </summary>
internal static class ScanBenchmark
{
    public static async Task<int> RunAsync(string classifier, int region, int cropRegion, int pipelineRegion, int rounds, int threads, string backend, string content)
    {
        if (content is not ("noise" or "tissue"))
        {
            Console.Error.WriteLine($"content '{content}' is not noise or tissue");
            return 2;
        }

        using var work = new TempFolder();
        var source = OnnxModelFile.Load(classifier);
        var batchDim = source.Graph.Input[0].Type.TensorType.Shape.Dim[0];
        int cropBatch = batchDim.HasDimValue && batchDim.DimValue == 1 ? 1 : 16;
        var result = FcnConverter.Convert(source);
        var fcn = Path.Combine(work.Path, "fcn.onnx");
        OnnxModelFile.Save(result.Model, fcn);
        var manifest = ModelManifest.From(result, classifier, ModelManifest.Sha256Of(classifier));
        manifest.Save(ModelManifest.PathFor(fcn));

        // One random RGB region; the pipeline reads a larger tiled JPEG TIFF of the same kind (its session's
        // warm-up and the per-scan work then weigh as they do on a real slide, not as on four tiles).
        var pixels = new byte[region * region * 3];
        new Random(1).NextBytes(pixels);
        // Noise is JPEG's worst case (every coefficient busy); the tissue texture decodes like a stained slide.
        var tiff = Path.Combine(work.Path, "region.tif");
        if (content == "noise")
        {
            var big = new byte[(long)pipelineRegion * pipelineRegion * 3];
            new Random(2).NextBytes(big);
            using var image = Image.NewFromMemory(big, pipelineRegion, pipelineRegion, 3, Enums.BandFormat.Uchar);
            image.Tiffsave(tiff, compression: Enums.ForeignTiffCompression.Jpeg, q: 90, tile: true, tileWidth: 256, tileHeight: 256, pyramid: true, bigtiff: true);
        }
        else
        {
            using var texture = SyntheticSlide.Texture(SyntheticSlide.TextureRecipe.Tissue, seed: 2);
            int copies = (pipelineRegion + texture.Width - 1) / texture.Width;
            using var tiled = texture.Replicate(copies, copies);
            using var image = tiled.Crop(0, 0, pipelineRegion, pipelineRegion);
            image.Tiffsave(tiff, compression: Enums.ForeignTiffCompression.Jpeg, q: 90, tile: true, tileWidth: 256, tileHeight: 256, pyramid: true, bigtiff: true);
        }


        int f = result.PatchHeight, s = result.Geometry.Y.Geometry.Stride;
        var backendOptions = new BackendOptions { Backend = backend, Threads = threads };
        using var classifierBackend = BackendSelector.Select(classifier, backendOptions).Backend;
        using var fcnBackend = BackendSelector.Select(fcn, backendOptions).Backend;
        var whole = Planar(pixels, region, region);
        var crops = CropBatch(pixels, region, cropRegion, f, s, cropBatch, out int cropCount);
        fcnBackend.Run(whole, 1, 3, region, region); // warm-up: arena, kernels
        classifierBackend.Run(crops[0].Input, crops[0].Count, 3, f, f);

        var times = new List<double[]>();
        ScanSummary.SplitInfo? split = null;
        int wholeTiles = 0;
        for (int r = 0; r < rounds; r++)
        {
            var clock = Stopwatch.StartNew();
            foreach (var batch in crops)
            {
                classifierBackend.Run(batch.Input, batch.Count, 3, f, f);
            }

            double sliding = clock.Elapsed.TotalSeconds;
            clock.Restart();
            double cpu = Cpu();
            fcnBackend.Run(whole, 1, 3, region, region);
            double dense = clock.Elapsed.TotalSeconds, denseCpu = Cpu() - cpu;
            clock.Restart();
            cpu = Cpu();
            var summary = await EmbeddedRun.RunAsync(tiff, fcn, Path.Combine(work.Path, "scan" + r), new ScanOptions { Tissue = TissueMode.Off }, backend, threads);
            double pipeline = clock.Elapsed.TotalSeconds, pipelineCpu = Cpu() - cpu;
            var t = summary.Timings;
            split ??= summary.Split;

            // Where (3) cut the network in two (--split auto, the default), the same with the network whole.
            double whole1 = double.NaN, whole1Infer = double.NaN;
            if (summary.Split is not null)
            {
                clock.Restart();
                var wholeRun = await EmbeddedRun.RunAsync(tiff, fcn, Path.Combine(work.Path, "whole" + r),
                    new ScanOptions { Tissue = TissueMode.Off, Split = "off" }, backend, threads);
                whole1 = clock.Elapsed.TotalSeconds;
                whole1Infer = wholeRun.Timings.InferSeconds;
                wholeTiles = wholeRun.Tiles.CellsPerTile;
            }

            times.Add([sliding, dense, pipeline, t.InferSeconds, whole1, whole1Infer, denseCpu, pipelineCpu, t.ReadSeconds, t.PreprocessSeconds, t.WriteSeconds, t.FinalizeSeconds]);
        }

        double Median(int i)
        {
            var measured = times.Select(t => t[i]).Where(v => !double.IsNaN(v)).Order().ToList();
            return measured.Count == 0 ? double.NaN : measured[measured.Count / 2];
        }

        // Throughput: image area covered by output cells (cells · S²) per second.
        var outSize = result.Geometry.OutputSize(region, region);
        double cellArea = (double)s * result.Geometry.X.Geometry.Stride / 1e6;
        var pipelineSize = result.Geometry.OutputSize(pipelineRegion, pipelineRegion);
        double cropMpx = cropCount * cellArea, regionMpx = outSize.Height * outSize.Width * cellArea;
        double slidingRate = cropMpx / Median(0), denseRate = regionMpx / Median(1);
        double pipelineRate = pipelineSize.Height * pipelineSize.Width * cellArea / Median(2);
        Console.WriteLine($"model {Path.GetFileName(classifier)}: patch {f}, stride {s}, {(result.Geometry.IsPaddingFree ? "padding-free" : "padded")}, " +
                          $"{result.FlopsPerPatch / 1e9:0.000} GFLOP/patch, {result.FlopsPerCell / 1e6:0.00} MFLOP/cell; backend {fcnBackend.Description}; (3) reads {content}; median of {rounds} alternating rounds");
        Console.WriteLine($"{"method",-44}{"region",12}{"cells",8}{"median s",10}{"Mpx/s",9}{"GFLOP/s",9}");
        Console.WriteLine($"{"(1) classifier on every crop at stride S",-44}{cropRegion + "²",12}{cropCount,8}{Median(0),10:0.000}{slidingRate,9:0.00}{cropCount * result.FlopsPerPatch / 1e9 / Median(0),9:0.0}");
        Console.WriteLine($"{"(2) converted network on the whole region",-44}{region + "²",12}{outSize.Height * outSize.Width,8}{Median(1),10:0.000}{denseRate,9:0.00}{outSize.Height * outSize.Width * result.FlopsPerCell / 1e9 / Median(1),9:0.0}");
        Console.WriteLine($"{"(3) run pipeline from tiled JPEG TIFF",-44}{pipelineRegion + "²",12}{pipelineSize.Height * pipelineSize.Width,8}{Median(2),10:0.000}{pipelineRate,9:0.00}{pipelineSize.Height * pipelineSize.Width * result.FlopsPerCell / 1e9 / Median(2),9:0.0}");
        if (split is not null)
        {
            double wholeRate = pipelineSize.Height * pipelineSize.Width * cellArea / Median(4);
            Console.WriteLine($"{"(3w) the same with --split off",-44}{pipelineRegion + "²",12}{pipelineSize.Height * pipelineSize.Width,8}{Median(4),10:0.000}{wholeRate,9:0.00}{pipelineSize.Height * pipelineSize.Width * result.FlopsPerCell / 1e9 / Median(4),9:0.0}");
            Console.WriteLine($"(3) cut the network at '{split.Cut}': trunk tiles ~{split.TrunkTile} px, rest tiles ~{split.RestTile} px, planned work {split.WorkRatio:0.00}x of (3w)'s " +
                              $"({wholeTiles} cells per tile); (3w)/(2) = {wholeRate / denseRate:0.00}, its inference {Median(5):0.000} s");
        }
        else
        {
            Console.WriteLine("(3) ran the network whole: --split auto found no cut planning at least 5 % less work");
        }

        Console.WriteLine($"ratios: (2)/(1) = {denseRate / slidingRate:0.0}x   (3)/(2) = {pipelineRate / denseRate:0.00}   (pipeline's own inference {Median(3):0.000} s of {Median(2):0.000} s)");
        // Where the cores go: on a machine whose cores are all busy, wall time cannot fall below CPU time / cores,
        // so (2)'s CPU time over the pipeline's (per Mpx) bounds (3)/(2) whatever the overlap.
        double denseCpuPerMpx = Median(6) / regionMpx, pipelineCpuPerMpx = Median(7) / (pipelineSize.Height * pipelineSize.Width * cellArea);
        Console.WriteLine($"CPU time: (2) {Median(6):0.000} s ({denseCpuPerMpx * 1000:0.0} ms/Mpx, {Median(6) / Median(1):0.00} cores busy), " +
                          $"(3) {Median(7):0.000} s ({pipelineCpuPerMpx * 1000:0.0} ms/Mpx, {Median(7) / Median(2):0.00} cores busy); " +
                          $"(3)/(2) bounded by CPU work at {denseCpuPerMpx / pipelineCpuPerMpx:0.00}");
        Console.WriteLine($"(3) stage wall times (overlapping): read {Median(8):0.000} s, pre-process {Median(9):0.000} s, infer {Median(3):0.000} s, write {Median(10):0.000} s, finalize {Median(11):0.000} s");
        Console.WriteLine($"peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:0} MB");
        return 0;
    }

    /// <summary>CPU seconds this process has used (user + system), for the CPU-time columns.</summary>
    internal static double Cpu() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

    private static float[] Planar(byte[] rgb, int width, int height)
    {
        var input = new float[3L * width * height];
        Preprocessor.RgbToPlanar(rgb, input, Normalization.ImageNet);
        return input;
    }

    private sealed record Crops(float[] Input, int Count);

    /// <summary>All crops at stride S inside the top-left <paramref name="area"/>² of the region, batched (16, or 1 for a fixed-batch classifier).</summary>
    private static List<Crops> CropBatch(byte[] rgb, int width, int area, int patch, int stride, int batchSize, out int count)
    {
        var batches = new List<Crops>();
        var current = new List<float[]>();
        count = 0;
        for (int y = 0; y + patch <= area; y += stride)
        {
            for (int x = 0; x + patch <= area; x += stride)
            {
                var crop = new byte[patch * patch * 3];
                for (int row = 0; row < patch; row++)
                {
                    Array.Copy(rgb, (((y + row) * width) + x) * 3, crop, row * patch * 3, patch * 3);
                }

                current.Add(Planar(crop, patch, patch));
                count++;
                if (current.Count == batchSize)
                {
                    batches.Add(new Crops([.. current.SelectMany(c => c)], current.Count));
                    current.Clear();
                }
            }
        }

        if (current.Count > 0)
        {
            batches.Add(new Crops([.. current.SelectMany(c => c)], current.Count));
        }

        return batches;
    }
}

internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("batchfcn-bench-").FullName;

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
