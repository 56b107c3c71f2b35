using BatchFcn.Conversion;
using BatchFcn.Imaging;
using BatchFcn.Inference;
using BatchFcn.Storage;
using BatchFcn.Testing;
using Google.Protobuf;

namespace BatchFcn.Scanning.Tests;

/// <summary>Several threads reading and pre-processing beside inference; failures in any stage end the scan with
/// their own error instead of leaving a stage blocked on a channel nobody drains.</summary>
public sealed class ReaderTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Theory]
    [InlineData(0, 2, 1)]
    [InlineData(0, 7, 1)]
    [InlineData(0, 16, 4)]
    [InlineData(0, 128, 8)]
    [InlineData(3, 2, 3)]
    public void ReaderCount_FollowsTheCpuLimit_UnlessSet(int requested, int cpus, int expected) =>
        Assert.Equal(expected, TileExecutor.ReaderCount(requested, cpus));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SeveralReaders_WriteTheSameChunksAsTileByTile(bool split)
    {
        var (fcn, manifest) = ScanFixture.Fcn("resnet_gap");
        var splits = FcnSplitter.All(OnnxModelFile.Load(fcn), manifest.Patch.Height, manifest.Patch.Width, manifest.ToGeometry());
        var cut = splits[splits.Count / 2];
        using var source = new InMemoryImageSource("random", ScanFixture.RandomImage(700, 650, seed: 21));
        var plan = ScanPlanner.Plan("readers", source, fcn, manifest, new ScanOptions
        {
            Tissue = TissueMode.Off, MaxAutoTileSize = 200, Split = split ? cut.Cut : "off",
        }, splits);
        Assert.True((plan.Split is not null) == split);
        using var trunk = Cpu(split ? cut.Trunk.Model.ToByteArray() : File.ReadAllBytes(fcn));
        using var rest = split ? Cpu(cut.Rest.Model.ToByteArray()) : null;
        var processor = new TileProcessor(plan, source, trunk, rest);

        using var dir = TestPaths.TempDirectory();
        var scores = await ZarrScoreArray.CreateAsync(new LocalDirectoryStore(dir.Path), "s.zarr", plan.Classes, plan.Rows, plan.Cols, plan.ChunkRows, plan.ChunkCols);
        var runner = new TileExecutor(processor, scores, new LocalDirectoryStore(dir.Path), new NodeOptions { BatchSize = 2, Readers = 3 }, "cpu");
        Assert.Equal(3, runner.Readers);
        await runner.RunAsync(null, CancellationToken.None).WaitAsync(Patience);
        Assert.True(plan.Tiles.Count > 3, $"{plan.Tiles.Count} tiles");
        foreach (var tile in plan.Tiles)
        {
            Assert.Equal(processor.Compute(tile), await scores.ReadChunkAsync(tile.ChunkRow, tile.ChunkCol));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task AFailingRead_EndsTheScanWithItsError(int readers)
    {
        var (fcn, manifest) = ScanFixture.Fcn("fully_conv");
        using var source = new FailingSource(new InMemoryImageSource("random", ScanFixture.RandomImage(900, 700, seed: 5)), failAt: 4);
        var plan = ScanPlanner.Plan("fail", source, fcn, manifest,
            new ScanOptions { Tissue = TissueMode.Off, TileSize = 64, Split = "off" });
        Assert.True(plan.Tiles.Count > 20);
        using var backend = Cpu(File.ReadAllBytes(fcn));
        using var dir = TestPaths.TempDirectory();
        var scores = await ZarrScoreArray.CreateAsync(new LocalDirectoryStore(dir.Path), "s.zarr", plan.Classes, plan.Rows, plan.Cols, plan.ChunkRows, plan.ChunkCols);
        var runner = new TileExecutor(new TileProcessor(plan, source, backend), scores, new LocalDirectoryStore(dir.Path), new NodeOptions { BatchSize = 1, Readers = readers }, "cpu");

        var error = await Assert.ThrowsAsync<ImageReadException>(() => runner.RunAsync(null, CancellationToken.None).WaitAsync(Patience));
        Assert.Contains("corrupt tile", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFailingBackend_EndsTheScanWithItsError_WhileReadersWaitOnAFullQueue()
    {
        var (fcn, manifest) = ScanFixture.Fcn("fully_conv");
        using var source = new InMemoryImageSource("random", ScanFixture.RandomImage(900, 700, seed: 6));
        var plan = ScanPlanner.Plan("fail", source, fcn, manifest,
            new ScanOptions { Tissue = TissueMode.Off, TileSize = 64, Split = "off" });
        Assert.True(plan.Tiles.Count > 20);
        using var backend = new FailingBackend(Cpu(File.ReadAllBytes(fcn)), failAt: 3);
        using var dir = TestPaths.TempDirectory();
        var scores = await ZarrScoreArray.CreateAsync(new LocalDirectoryStore(dir.Path), "s.zarr", plan.Classes, plan.Rows, plan.Cols, plan.ChunkRows, plan.ChunkCols);
        var runner = new TileExecutor(new TileProcessor(plan, source, backend), scores, new LocalDirectoryStore(dir.Path), new NodeOptions { BatchSize = 1, Readers = 2 }, "cpu");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => runner.RunAsync(null, CancellationToken.None).WaitAsync(Patience));
        Assert.Contains("device lost", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Progress_MovesWithTheWork_EvenWithinOneJobOfManyParts(bool split)
    {
        var (fcn, manifest) = ScanFixture.Fcn("resnet_gap");
        var splits = FcnSplitter.All(OnnxModelFile.Load(fcn), manifest.Patch.Height, manifest.Patch.Width, manifest.ToGeometry());
        var cut = splits[splits.Count / 2];
        using var source = new InMemoryImageSource("random", ScanFixture.RandomImage(600, 560, seed: 8));
        // Split: trunk parts of ≤ 300 px under each rest tile (one job). Whole: ≤ 300 px tiles.
        var plan = ScanPlanner.Plan("progress", source, fcn, manifest, new ScanOptions
        {
            Tissue = TissueMode.Off, MaxAutoTileSize = 300, Split = split ? cut.Cut : "off",
        }, splits);
        if (split)
        {
            Assert.True(plan.Tiles[0].Parts!.Count > 2, $"{plan.Tiles[0].Parts!.Count} trunk parts");
            Assert.InRange(plan.Split!.TrunkShare, 0.01, 0.99);
        }

        using var trunk = Cpu(split ? cut.Trunk.Model.ToByteArray() : File.ReadAllBytes(fcn));
        using var rest = split ? Cpu(cut.Rest.Model.ToByteArray()) : null;
        using var dir = TestPaths.TempDirectory();
        var scores = await ZarrScoreArray.CreateAsync(new LocalDirectoryStore(dir.Path), "s.zarr", plan.Classes, plan.Rows, plan.Cols, plan.ChunkRows, plan.ChunkCols);
        var reports = new Recorder();
        await new TileExecutor(new TileProcessor(plan, source, trunk, rest), scores, new LocalDirectoryStore(dir.Path), new NodeOptions { BatchSize = 1 }, "cpu").RunAsync(reports, CancellationToken.None).WaitAsync(Patience);

        var seen = reports.Values;
        Assert.True(seen.Count > plan.Tiles.Count, $"{seen.Count} reports for {plan.Tiles.Count} tiles");
        Assert.All(seen.Zip(seen.Skip(1)), p =>
        {
            Assert.True(p.Second.Fraction >= p.First.Fraction, $"fraction went back from {p.First.Fraction} to {p.Second.Fraction}");
            Assert.True(p.Second.TilesDone >= p.First.TilesDone);
            Assert.True(p.Second.InputPixels >= p.First.InputPixels);
        });
        Assert.Equal(1.0, seen[^1].Fraction);
        Assert.Equal(plan.Tiles.Count, seen[^1].TilesDone);
        Assert.Equal(plan.Tiles.Sum(t => t.InputPixels), seen[^1].InputPixels);

        // Before the first chunk is written the bar has moved and an ETA is known.
        var early = seen.Where(p => p.TilesDone == 0 && p.Fraction > 0).ToList();
        Assert.NotEmpty(early);
        Assert.All(early, p => Assert.InRange(p.Fraction, 1e-6, 0.999));
        Assert.NotNull(early[0].Remaining);
    }

    /// <summary>Keeps every report, synchronously (Progress&lt;T&gt; would post them to the thread pool out of order).</summary>
    private sealed class Recorder : IProgress<ScanProgress>
    {
        private readonly List<ScanProgress> values = [];

        public List<ScanProgress> Values
        {
            get
            {
                lock (values)
                {
                    return [.. values];
                }
            }
        }

        public void Report(ScanProgress value)
        {
            lock (values)
            {
                values.Add(value);
            }
        }
    }

    private static IInferenceBackend Cpu(byte[] model) => BackendSelector.Select(model, new BackendOptions { Backend = "cpu", Threads = 1 }).Backend;

    /// <summary>An image whose n-th region read fails, as a corrupt JPEG tile does.</summary>
    private sealed class FailingSource(IImageSource inner, int failAt) : IImageSource
    {
        private int reads;

        public string Name => inner.Name;

        public IReadOnlyList<PyramidLevel> Levels => inner.Levels;

        public byte[] ReadRegion(int level, long x, long y, int width, int height)
        {
            var region = new byte[width * height * 3];
            ReadRegion(level, x, y, width, height, region);
            return region;
        }

        public void ReadRegion(int level, long x, long y, int width, int height, byte[] destination)
        {
            if (Interlocked.Increment(ref reads) == failAt)
            {
                throw new ImageReadException($"corrupt tile at {x},{y}");
            }

            inner.ReadRegion(level, x, y, width, height, destination);
        }

        public RgbImage Thumbnail(int maxSide) => inner.Thumbnail(maxSide);

        public void Dispose() => inner.Dispose();
    }

    /// <summary>A backend whose n-th run fails, as a GPU that falls off the bus does.</summary>
    private sealed class FailingBackend(IInferenceBackend inner, int failAt) : IInferenceBackend
    {
        private int runs;

        public string Name => inner.Name;

        public string Description => inner.Description;

        public InferenceOutput Run(float[] input, int batch, int channels, int height, int width, Func<int, float[]>? allocate = null) =>
            Interlocked.Increment(ref runs) == failAt
                ? throw new InvalidOperationException("device lost")
                : inner.Run(input, batch, channels, height, width, allocate);

        public void Dispose() => inner.Dispose();
    }
}
