using System.Runtime.InteropServices;
using System.Text.Json;
using BatchFcn.Imaging;
using BatchFcn.Inference;
using BatchFcn.Testing;

namespace BatchFcn.Scanning.Tests;

/// <summary>The whole embedded scan (plan, tiles, finalize on one host) on a real pyramidal TIFF written by libvips.</summary>
public sealed class EmbeddedScanTests
{
    private static readonly Lazy<(TempDirectory Dir, SyntheticSlide.Result Slide)> Slide = new(() =>
    {
        var dir = TestPaths.TempDirectory();
        return (dir, SyntheticSlide.Create(dir.File("slide.tif"), 1500, 1300, seed: 7, lesions: 2));
    });

    private static readonly OutputOptions Npy = new() { WriteNpy = true };

    private static ScanRequested Request(string output, ScanOptions? options = null, OutputOptions? outputs = null) =>
        Scans.Request(Slide.Value.Slide.Path, Path.Combine(TestPaths.RepositoryRoot, "models", "demo", "lesion_classifier.onnx"), output,
            options ?? new ScanOptions { TileSize = 400 }, outputs ?? Npy);

    [Fact]
    public async Task Run_WritesZarrHeatmapSummaryAndNpyEqualToWholeImageRun()
    {
        using var dir = TestPaths.TempDirectory();
        var summary = await Scans.RunAsync(Request(dir.File("out"), new ScanOptions { TileSize = 400, Tissue = TissueMode.Off }));

        Assert.Equal("cpu", summary.Backend.Name);
        Assert.Contains(summary.Backend.Reasons, r => r.Contains("CUDA unavailable", StringComparison.Ordinal));
        Assert.True(File.Exists(summary.Outputs.Heatmap));
        Assert.True(File.Exists(Path.Combine(summary.Outputs.Scores, ".zarray")));
        using var json = JsonDocument.Parse(File.ReadAllText(summary.Outputs.Summary));
        Assert.Equal(summary.Tiles.Computed, json.RootElement.GetProperty("tiles").GetProperty("computed").GetInt32());
        Assert.Equal(3, json.RootElement.GetProperty("classes").GetArrayLength());

        // scores.npy: exactly the converted network on the whole image at once.
        var npy = File.ReadAllBytes(summary.Outputs.Npy!);
        Assert.Equal(0x93, npy[0]);
        int headerLength = BitConverter.ToUInt16(npy, 8);
        var header = System.Text.Encoding.ASCII.GetString(npy, 10, headerLength);
        Assert.Contains($"'shape': (3, {summary.Map.Rows}, {summary.Map.Cols})", header, StringComparison.Ordinal);
        Assert.Equal(0, (10 + headerLength) % 64);
        var values = MemoryMarshal.Cast<byte, float>(npy.AsSpan(10 + headerLength)).ToArray();

        using var source = VipsImageSource.Open(Slide.Value.Slide.Path);
        var rgb = source.ReadRegion(0, 0, 0, (int)source.Levels[0].Width, (int)source.Levels[0].Height);
        var whole = ScanFixture.WholeImage(summary.Model.Path, new RgbImage((int)source.Levels[0].Width, (int)source.Levels[0].Height, rgb));
        Assert.Equal((whole.Rows, whole.Cols), (summary.Map.Rows, summary.Map.Cols));
        Assert.True(ScanFixture.MaxRelativeError(whole.Values, values) <= 1e-5);
    }

    [Fact]
    public async Task Scores_ReadWithThePythonZarrLibrary_EqualTheNpy_WithNaNWhereBackgroundWasSkipped()
    {
        using var dir = TestPaths.TempDirectory();
        var summary = await Scans.RunAsync(Request(dir.File("out"), new ScanOptions { TileSize = 300 }));
        Assert.True(summary.Tiles.Skipped > 0, "the synthetic slide has bare glass");

        using var report = JsonDocument.Parse(Python.Run(Path.Combine(TestPaths.RepositoryRoot, "tests", "interop", "read_scores.py"),
            summary.Outputs.Scores, summary.Outputs.Npy!));
        var root = report.RootElement;
        Assert.Equal([summary.Map.Classes, summary.Map.Rows, summary.Map.Cols], root.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal("float32", root.GetProperty("dtype").GetString());
        Assert.Equal([summary.Map.Classes, summary.Map.ChunkRows, summary.Map.ChunkCols], root.GetProperty("chunks").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal("nan", root.GetProperty("fill").GetString());
        Assert.Equal("zlib", root.GetProperty("compressor").GetString()); // compressed by default, read by zarr-python as is
        Assert.Equal(["shuffle"], root.GetProperty("filters").EnumerateArray().Select(e => e.GetString()));
        Assert.True(root.GetProperty("equal").GetBoolean(), "zarr and numpy read different maps");
        Assert.Equal(summary.Map.Classes * ((summary.Map.Rows * summary.Map.Cols) - summary.Map.ComputedCells), root.GetProperty("nan").GetInt64());

        Assert.Equal(summary.Map.ComputedCells, root.GetProperty("computed").GetInt64());
        Assert.Equal(["class", "y", "x"], root.GetProperty("attrs").GetProperty("_ARRAY_DIMENSIONS").EnumerateArray().Select(e => e.GetString()));

        // The summary's per-class statistics, recomputed by numpy from what zarr read.
        var top = root.GetProperty("top_fraction").EnumerateArray().Select(e => e.GetDouble()).ToList();
        Assert.Equal(summary.Classes.Count, top.Count);
        for (int k = 0; k < top.Count; k++)
        {
            Assert.Equal(top[k], summary.Classes[k].TopClassFraction, 1e-9);
        }
    }

    [Fact]
    public async Task Run_Twice_WritesByteIdenticalChunks()
    {
        using var dir = TestPaths.TempDirectory();
        var a = await Scans.RunAsync(Request(dir.File("a")));
        var b = await Scans.RunAsync(Request(dir.File("b")), settings: new Dictionary<string, string?> { ["Node:BatchSize"] = "1" });
        var chunksA = Directory.GetFiles(Path.Combine(a.Outputs.Scores, "0"), "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(a.Outputs.Scores, f)).Order().ToList();
        var chunksB = Directory.GetFiles(Path.Combine(b.Outputs.Scores, "0"), "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(b.Outputs.Scores, f)).Order().ToList();
        Assert.Equal(chunksA, chunksB);
        Assert.Equal(a.Tiles.Computed, chunksA.Count);
        foreach (var chunk in chunksA)
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(a.Outputs.Scores, chunk)), File.ReadAllBytes(Path.Combine(b.Outputs.Scores, chunk)));
        }

        Assert.Equal(File.ReadAllBytes(a.Outputs.Npy!), File.ReadAllBytes(b.Outputs.Npy!));
    }

    [Fact]
    public async Task Run_SkipsBackgroundAndFindsTheLesions()
    {
        using var dir = TestPaths.TempDirectory();
        var summary = await Scans.RunAsync(Request(dir.File("out"), new ScanOptions { TileSize = 300 }));
        Assert.True(summary.Tiles.Skipped > 0, "the synthetic slide has bare glass");
        Assert.True(summary.Map.ComputedCells < summary.Map.Rows * summary.Map.Cols);
        Assert.True(summary.Classes[2].MaxProbability > 0.9, "lesion class never called");
        Assert.True(summary.Classes[1].TopClassFraction > summary.Classes[2].TopClassFraction, "more lesion than tissue");
    }

    [Fact]
    public async Task Run_IntoAnEarlierScan_RefusesWithoutOverwrite()
    {
        using var dir = TestPaths.TempDirectory();
        await Scans.RunAsync(Request(dir.File("out"), new ScanOptions { TileSize = 600 }));
        var e = await Assert.ThrowsAsync<ScanException>(() => Scans.RunAsync(Request(dir.File("out"), new ScanOptions { TileSize = 600 })));
        Assert.Contains("--overwrite", e.Message, StringComparison.Ordinal);
        var again = await Scans.RunAsync(Request(dir.File("out"), new ScanOptions { TileSize = 600 }), overwrite: true);
        Assert.True(File.Exists(again.Outputs.Summary));
    }

    [Fact]
    public async Task Run_Cancelled_StopsAndLeavesOnlyWholeChunks()
    {
        using var dir = TestPaths.TempDirectory();
        using var cancel = new CancellationTokenSource();
        // Synchronous (Progress<T> would post to the thread pool and might cancel too late).
        var progress = new CancelAfterFirstTile(cancel);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Scans.RunAsync(Request(dir.File("out"), new ScanOptions { TileSize = 128, Tissue = TissueMode.Off }), progress: progress, cancellationToken: cancel.Token));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp-*", SearchOption.AllDirectories));
        Assert.False(File.Exists(dir.File("out/summary.json")), "a cancelled scan must not look finished");
        var chunkSize = new FileInfo(Directory.GetFiles(dir.File("out/scores.zarr/0"), "*", SearchOption.AllDirectories)[0]).Length;
        Assert.All(Directory.GetFiles(dir.File("out/scores.zarr/0"), "*", SearchOption.AllDirectories), f => Assert.Equal(chunkSize, new FileInfo(f).Length));
    }

    private sealed class CancelAfterFirstTile(CancellationTokenSource cancel) : IProgress<ScanProgress>
    {
        public void Report(ScanProgress value)
        {
            if (value.TilesDone >= 1)
            {
                cancel.Cancel();
            }
        }
    }

    [Fact]
    public async Task Run_MissingImage_NamesIt()
    {
        using var dir = TestPaths.TempDirectory();
        var request = Request(dir.File("out")) with { Image = dir.File("missing.svs") };
        var e = await Assert.ThrowsAsync<ImageReadException>(() => Scans.RunAsync(request));
        Assert.Contains("missing.svs", e.Message, StringComparison.Ordinal);
    }
}
