using BatchFcn.Conversion;
using BatchFcn.Imaging;
using BatchFcn.Inference;
using BatchFcn.Storage;
using BatchFcn.Testing;
using Google.Protobuf;

namespace BatchFcn.Scanning.Tests;

/// <summary>
/// Invariant C when the network is cut in two: trunk parts on image tiles fill the rest's input, the rest
/// runs on large tiles of it; the stitched map must still equal the whole network on the whole image.
/// </summary>
public sealed class SplitScanTests
{
    private static IReadOnlyList<FcnSplit> Splits(string model)
    {
        var (fcn, manifest) = ScanFixture.Fcn(model);
        return FcnSplitter.All(OnnxModelFile.Load(fcn), manifest.Patch.Height, manifest.Patch.Width, manifest.ToGeometry());
    }

    private static IInferenceBackend Cpu(byte[] model) => BackendSelector.Select(model, new BackendOptions { Backend = "cpu", Threads = 1 }).Backend;

    public static TheoryData<string, int, int, int, int> Cases => new()
    {
        // model, which cut (0 first, 1 middle, 2 last), image width, height, memory tile cap
        { "resnet_gap", 0, 611, 509, 160 },
        { "resnet_gap", 1, 611, 509, 160 },
        { "resnet_gap", 2, 455, 397, 128 },
        { "mobilenetv2", 1, 400, 330, 256 },
        { "mobilenetv2", 2, 300, 290, 200 },
        { "fully_conv", 0, 157, 131, 64 },
        { "resnet_gap", 1, 230, 260, 4096 },   // one tile of the rest, one trunk part
        { "scannet_vgg244", 1, 700, 650, 400 }, // padding-free; its rest ends in the opset-11 softmax sandwich
        { "scannet_vgg244", 2, 560, 530, 300 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void SplitMap_EqualsWholeImageRun(string model, int which, int width, int height, int maxTile)
    {
        var (fcn, manifest) = ScanFixture.Fcn(model);
        var splits = Splits(model);
        var split = splits[which switch { 0 => 0, 1 => splits.Count / 2, _ => splits.Count - 1 }];
        var image = ScanFixture.RandomImage(width, height, seed: width * 3 + which);
        using var source = new InMemoryImageSource("random", image);
        var plan = ScanPlanner.Plan("split", source, fcn, manifest,
            new ScanOptions { Tissue = TissueMode.Off, MaxAutoTileSize = maxTile, Split = split.Cut }, splits);
        Assert.NotNull(plan.Split);
        Assert.Equal(split.Cut, plan.Split.Cut);
        Assert.All(plan.Tiles, t => Assert.NotNull(t.Parts));
        if (maxTile < 1000)
        {
            Assert.Contains(plan.Tiles, t => t.Parts!.Count > 1);
        }

        using var trunk = Cpu(split.Trunk.Model.ToByteArray());
        using var rest = Cpu(split.Rest.Model.ToByteArray());
        var processor = new TileProcessor(plan, source, trunk, rest);
        var chunks = plan.Tiles.ToDictionary(t => (t.ChunkRow, t.ChunkCol), processor.Compute);
        var stitched = ScanFixture.Assemble(plan, chunks);

        var (whole, rows, cols) = ScanFixture.WholeImage(fcn, image);
        Assert.Equal((rows, cols), (plan.Rows, plan.Cols));
        double error = ScanFixture.MaxRelativeError(whole, stitched);
        Assert.True(error <= 1e-5, $"{model} cut at {split.Cut}: relative error {error:0.00e+0} over {plan.Tiles.Count} tiles");
    }

    [Fact]
    public async Task PipelinedRunner_WithBatchedParts_WritesTheSameChunksAsTileByTile()
    {
        var (fcn, manifest) = ScanFixture.Fcn("resnet_gap");
        var splits = Splits("resnet_gap");
        var split = splits[splits.Count / 2];
        var image = ScanFixture.RandomImage(700, 650, seed: 9);
        using var source = new InMemoryImageSource("random", image);
        var plan = ScanPlanner.Plan("split", source, fcn, manifest,
            new ScanOptions { Tissue = TissueMode.Off, MaxAutoTileSize = 200, Split = split.Cut }, splits);
        using var trunk = Cpu(split.Trunk.Model.ToByteArray());
        using var rest = Cpu(split.Rest.Model.ToByteArray());
        var processor = new TileProcessor(plan, source, trunk, rest);

        using var dir = TestPaths.TempDirectory();
        var store = new LocalDirectoryStore(dir.Path);
        var scores = await ZarrScoreArray.CreateAsync(store, "s.zarr", plan.Classes, plan.Rows, plan.Cols, plan.ChunkRows, plan.ChunkCols);
        await new TileExecutor(processor, scores, new LocalDirectoryStore(dir.Path), new NodeOptions { BatchSize = 3 }, "cpu").RunAsync(null, CancellationToken.None);
        foreach (var tile in plan.Tiles)
        {
            var written = await scores.ReadChunkAsync(tile.ChunkRow, tile.ChunkCol);
            Assert.Equal(processor.Compute(tile), written);
        }
    }

    [Fact]
    public void Plan_CutNetworkOnALargeSlide_BoundsEveryJob_AndSkipsBackground()
    {
        // 12000 x 9000 px, tissue in the left quarter only: a cut ResNet once ran this as one job covering the slide.
        const int width = 12000, height = 9000;
        var pixels = new byte[(long)width * height * 3];
        Array.Fill(pixels, (byte)255);
        for (long y = 0; y < height; y++)
        {
            for (long x = 0; x < width / 4; x++)
            {
                pixels[((y * width) + x) * 3 + 1] = 60; // saturated magenta, like stained tissue
            }
        }

        var (fcn, manifest) = ScanFixture.Fcn("resnet_gap");
        using var slide = new InMemoryImageSource("slide", new RgbImage(width, height, pixels));
        var splits = Splits("resnet_gap");
        var options = new ScanOptions { Split = splits[splits.Count / 2].Cut };
        var plan = ScanPlanner.Plan("big", slide, fcn, manifest, options, splits);

        Assert.NotNull(plan.Split);
        Assert.True(plan.TotalTiles > 1, $"{plan.TotalTiles} job(s)");
        Assert.True(plan.SkippedTiles > 0, "background skipping did nothing");
        int bound = (2 * options.MaxAutoTileSize) + manifest.GeometryX.ReceptiveField;
        foreach (var tile in plan.Tiles)
        {
            long spanX = tile.Parts!.Max(p => p.X + p.Width) - tile.Parts!.Min(p => p.X);
            long spanY = tile.Parts!.Max(p => p.Y + p.Height) - tile.Parts!.Min(p => p.Y);
            Assert.True(spanX <= bound && spanY <= bound, $"a job spans {spanX}x{spanY} px, more than {bound}");
        }
    }

    [Fact]
    public void Auto_CutsAWidePaddedNetwork_AndNotTheSmallPaddingFreeOne()
    {
        var (fcn, manifest) = ScanFixture.Fcn("resnet_gap");
        using var big = new InMemoryImageSource("big", new RgbImage(12000, 12000, new byte[12000 * 12000 * 3]));
        var plan = ScanPlanner.Plan("auto", big, fcn, manifest, new ScanOptions { Tissue = TissueMode.Off, Split = "auto" }, Splits("resnet_gap"));
        Assert.NotNull(plan.Split);
        Assert.InRange(plan.Split.WorkRatio, 0, 0.95);
        Assert.True(plan.Split.RestTile > plan.Split.TrunkTile, $"rest tile {plan.Split.RestTile}, trunk tile {plan.Split.TrunkTile}");

        var byDefault = ScanPlanner.Plan("default", big, fcn, manifest, new ScanOptions { Tissue = TissueMode.Off }, Splits("resnet_gap"));
        Assert.Equal(plan.Split.Cut, byDefault.Split?.Cut); // auto is the default
        Assert.Equal(plan.Split.WorkRatio, byDefault.Split!.WorkRatio);
        var off = ScanPlanner.Plan("off", big, fcn, manifest, new ScanOptions { Tissue = TissueMode.Off, Split = "off" }, Splits("resnet_gap"));
        Assert.Null(off.Split);

        var (demo, demoManifest) = ScanFixture.Fcn("demo");
        var demoPlan = ScanPlanner.Plan("auto", big, demo, demoManifest, new ScanOptions { Tissue = TissueMode.Off, Split = "auto" }, Splits("demo"));
        Assert.True(demoPlan.Split is null || demoPlan.Split.WorkRatio < 0.95);
    }

    [Fact]
    public void TrunkParts_UnderEachRestTile_AreEvenedOut()
    {
        // 12000 px of image under rest tiles of at most ~11600 px: with the trunk capped at 1024 px, the parts must
        // share each rest tile's cells evenly (no sliver part that computes its halo for a few cells).
        var (fcn, manifest) = ScanFixture.Fcn("resnet_gap");
        var splits = Splits("resnet_gap");
        using var big = new InMemoryImageSource("big", new RgbImage(12000, 9000, new byte[12000 * 9000 * 3]));
        var plan = ScanPlanner.Plan("even", big, fcn, manifest,
            new ScanOptions { Tissue = TissueMode.Off, MaxAutoTileSize = 1024, Split = splits[splits.Count / 2].Cut }, splits);
        Assert.NotNull(plan.Split);
        foreach (var tile in plan.Tiles)
        {
            var rows = tile.Parts!.Select(p => (p.DenseRow, p.CellRows)).Distinct().Select(p => p.CellRows).ToList();
            var cols = tile.Parts!.Select(p => (p.DenseCol, p.CellCols)).Distinct().Select(p => p.CellCols).ToList();
            Assert.True(rows.Count > 1 && cols.Count > 1, $"{rows.Count}x{cols.Count} parts");
            Assert.True(rows.Max() - rows.Min() < rows.Count, $"part heights in cells: {string.Join(", ", rows)}");
            Assert.True(cols.Max() - cols.Min() < cols.Count, $"part widths in cells: {string.Join(", ", cols)}");
            Assert.Equal(tile.Regions[0].Height, rows.Sum());
            Assert.Equal(tile.Regions[0].Width, cols.Sum());
        }
    }

    [Fact]
    public void NamedCut_ThatDoesNotExist_OrWithAFixedTile_IsRefusedClearly()
    {
        var (fcn, manifest) = ScanFixture.Fcn("resnet_gap");
        using var source = new InMemoryImageSource("random", ScanFixture.RandomImage(300, 300, 1));
        var e = Assert.Throws<ScanException>(() =>
            ScanPlanner.Plan("x", source, fcn, manifest, new ScanOptions { Split = "no_such_tensor" }, Splits("resnet_gap")));
        Assert.Contains("cut points:", e.Message);
        var cut = Splits("resnet_gap")[0].Cut;
        e = Assert.Throws<ScanException>(() =>
            ScanPlanner.Plan("x", source, fcn, manifest, new ScanOptions { Split = cut, TileSize = 256 }, Splits("resnet_gap")));
        Assert.Contains("--tile 0", e.Message);
    }

    [Fact]
    public async Task RunAsync_WithACut_WritesTheWholeImageMap_AndRecordsTheCut()
    {
        using var dir = TestPaths.TempDirectory();
        var slide = SyntheticSlide.Create(dir.File("slide.tif"), 700, 600, seed: 3, lesions: 1);
        var model = TestPaths.Model("resnet_gap");
        var fcn = ScanFixture.Fcn("resnet_gap");
        var cut = FcnSplitter.All(OnnxModelFile.Load(fcn.Path), fcn.Manifest.Patch.Height, fcn.Manifest.Patch.Width, fcn.Manifest.ToGeometry())[1].Cut;
        var log = new ListLogger();
        var summary = await Scans.RunAsync(Scans.Request(slide.Path, model, dir.File("out"),
            new ScanOptions { Tissue = TissueMode.Off, MaxAutoTileSize = 256, Split = cut }, new OutputOptions { WriteNpy = true }), log: log);

        Assert.Equal(cut, summary.Split?.Cut);
        Assert.Equal("cpu", summary.Backend.Name);
        // Both halves run on the CPU build here: CUDA's absence is said once, in the backend line, not as a warning.
        Assert.Single(log.Messages, m => m.Contains("CUDA unavailable", StringComparison.Ordinal));
        Assert.DoesNotContain(log.Messages, m => m.Contains("falling back", StringComparison.Ordinal));
        string summaryJson = File.ReadAllText(summary.Outputs.Summary);
        Assert.Contains("\"cut\"", summaryJson, StringComparison.Ordinal);
        Assert.DoesNotContain("\"layers\"", summaryJson, StringComparison.Ordinal); // the halves' layer lists stay in plan.json
        using var source = VipsImageSource.Open(slide.Path);
        var rgb = source.ReadRegion(0, 0, 0, 700, 600);
        var whole = ScanFixture.WholeImage(fcn.Path, new RgbImage(700, 600, rgb));
        var npy = File.ReadAllBytes(summary.Outputs.Npy!);
        int headerLength = BitConverter.ToUInt16(npy, 8);
        var values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(npy.AsSpan(10 + headerLength)).ToArray();
        Assert.True(ScanFixture.MaxRelativeError(whole.Values, values) <= 1e-5);
    }

    private sealed class ListLogger : Microsoft.Extensions.Logging.ILogger
    {
        private readonly List<string> messages = [];

        public IReadOnlyList<string> Messages
        {
            get
            {
                lock (messages)
                {
                    return [.. messages];
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state,
            Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (messages)
            {
                messages.Add(formatter(state, exception));
            }
        }
    }
}
