using System.Threading.Channels;
using BatchFcn.Imaging;
using BatchFcn.Inference;
using BatchFcn.Storage;
using BatchFcn.Testing;

namespace BatchFcn.Scanning.Tests;

/// <summary>Write-once chunks and channel-fed tiles: what makes re-delivered, duplicated or out-of-order tiles harmless.</summary>
public sealed class TileExecutorTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private static (ScanPlan Plan, InMemoryImageSource Source, IInferenceBackend Backend) Setup()
    {
        var (fcn, manifest) = ScanFixture.Fcn("fully_conv");
        var source = new InMemoryImageSource("random", ScanFixture.RandomImage(500, 420, seed: 31));
        var plan = ScanPlanner.Plan("exec", source, fcn, manifest, new ScanOptions { Tissue = TissueMode.Off, TileSize = 128, Split = "off" });
        var backend = BackendSelector.Select(fcn, new BackendOptions { Backend = "cpu", Threads = 1 }).Backend;
        return (plan, source, backend);
    }

    [Fact]
    public async Task RunAsync_ChunkAlreadyWrittenByAnotherWriter_IsKeptAndNotComputed()
    {
        var (plan, source, backend) = Setup();
        using var _ = source;
        using var __ = backend;
        using var dir = TestPaths.TempDirectory();
        var store = new LocalDirectoryStore(dir.Path);
        var scores = await ZarrScoreArray.CreateAsync(store, "s.zarr", plan.Classes, plan.Rows, plan.Cols, plan.ChunkRows, plan.ChunkCols);
        var theirs = Enumerable.Repeat(42f, (int)scores.ChunkLength).ToArray(); // another backend's floats
        var first = plan.Tiles[0];
        Assert.True(await scores.TryCreateChunkAsync(first.ChunkRow, first.ChunkCol, theirs));

        var executor = new TileExecutor(new TileProcessor(plan, source, backend), scores, store, new NodeOptions(), "cpu");
        await executor.RunAsync(null, CancellationToken.None).WaitAsync(Patience);

        Assert.Equal(theirs, await scores.ReadChunkAsync(first.ChunkRow, first.ChunkCol));
        Assert.Equal(1, executor.ChunksFound);
        Assert.Equal(plan.Tiles.Count - 1, executor.ChunksWritten);
        Assert.True(await store.ExistsAsync(TileExecutor.WritersPrefix + "cpu"));
    }

    [Fact]
    public async Task RunAsync_TilesDuplicatedAndShuffledOnAChannel_WritesTheSameBytesAsInOrder()
    {
        var (plan, source, backend) = Setup();
        using var _ = source;
        using var __ = backend;
        using var dir = TestPaths.TempDirectory();
        var inOrder = new LocalDirectoryStore(dir.File("a"));
        var shuffled = new LocalDirectoryStore(dir.File("b"));
        var a = await ZarrScoreArray.CreateAsync(inOrder, "s.zarr", plan.Classes, plan.Rows, plan.Cols, plan.ChunkRows, plan.ChunkCols);
        var b = await ZarrScoreArray.CreateAsync(shuffled, "s.zarr", plan.Classes, plan.Rows, plan.Cols, plan.ChunkRows, plan.ChunkCols);
        await new TileExecutor(new TileProcessor(plan, source, backend), a, inOrder, new NodeOptions(), "cpu").RunAsync(null, CancellationToken.None).WaitAsync(Patience);

        // Every tile twice, in a random order, arriving a few at a time while the executor runs.
        var tiles = Channel.CreateBounded<TileTask>(3);
        var executor = new TileExecutor(new TileProcessor(plan, source, backend), b, shuffled, new NodeOptions { BatchSize = 3 }, "cpu");
        var running = executor.RunAsync(tiles.Reader, null, CancellationToken.None);
        foreach (var tile in plan.Tiles.Concat(plan.Tiles).OrderBy(_ => Random.Shared.Next()))
        {
            await tiles.Writer.WriteAsync(tile);
        }

        tiles.Writer.Complete();
        await running.WaitAsync(Patience);

        Assert.Equal(plan.Tiles.Count, executor.ChunksWritten);
        Assert.Equal(plan.Tiles.Count, executor.ChunksFound);
        foreach (var tile in plan.Tiles)
        {
            Assert.Equal(await a.ReadChunkAsync(tile.ChunkRow, tile.ChunkCol), await b.ReadChunkAsync(tile.ChunkRow, tile.ChunkCol));
        }
    }
}
