using BatchFcn.Testing;

namespace BatchFcn.Imaging.Tests;

public sealed class BlobBlockCacheTests
{
    private const int Block = 4096;

    [Fact]
    public async Task Read_RunOfBlocks_FetchesTheNextOnesAhead()
    {
        using var dir = TestPaths.TempDirectory();
        var content = Content(16 * Block);
        await File.WriteAllBytesAsync(dir.File("blob"), content);
        var store = new RangeCountingStore(dir.Path);
        var cache = new BlobBlockCache(store, "blob", content.Length, Block, capacityBytes: 16 * Block, readAhead: 2);

        var read = new byte[3 * Block];
        cache.Read(0, read); // blocks 0, 1 and 2: the miss on 2 runs on from 0 and 1, so 3 and 4 are fetched too
        Assert.Equal(content.AsSpan(0, read.Length).ToArray(), read);
        await WaitForAsync(() => store.RangeRequests == 5);

        var next = new byte[2 * Block];
        cache.Read(3 * Block, next);
        Assert.Equal(content.AsSpan(3 * Block, next.Length).ToArray(), next);
        await WaitForAsync(() => store.RangeRequests == 7); // the window slid on to blocks 5 and 6 …
        Assert.Equal(7L * Block, store.BytesServed); // … and 3 and 4 came from the read-ahead, not fetched twice
    }

    [Fact]
    public async Task Read_RunGoesOnThroughBlocksReadAhead_WindowSlidesWithIt()
    {
        using var dir = TestPaths.TempDirectory();
        var content = Content(16 * Block);
        await File.WriteAllBytesAsync(dir.File("blob"), content);
        var store = new RangeCountingStore(dir.Path);
        var cache = new BlobBlockCache(store, "blob", content.Length, Block, capacityBytes: 16 * Block, readAhead: 2);

        cache.Read(0, new byte[3 * Block]); // blocks 0–2 on demand, 3 and 4 ahead
        await WaitForAsync(() => store.RangeRequests == 5);
        var one = new byte[10];
        cache.Read(3 * Block, one); // a hit on a block read ahead: the window moves on to 5
        await WaitForAsync(() => store.RangeRequests == 6);
        cache.Read(4 * Block, one); // and to 6
        await WaitForAsync(() => store.RangeRequests == 7);
        Assert.Equal(content.AsSpan(4 * Block, one.Length).ToArray(), one);
    }

    [Fact]
    public async Task Read_ScatteredBlocks_FetchesOnlyThose()
    {
        using var dir = TestPaths.TempDirectory();
        var content = Content(16 * Block);
        await File.WriteAllBytesAsync(dir.File("blob"), content);
        var store = new RangeCountingStore(dir.Path);
        var cache = new BlobBlockCache(store, "blob", content.Length, Block, capacityBytes: 16 * Block, readAhead: 2);

        var one = new byte[100];
        foreach (int block in new[] { 0, 5, 6, 11 })
        {
            cache.Read((long)block * Block + 10, one);
            Assert.Equal(content.AsSpan(block * Block + 10, one.Length).ToArray(), one);
        }

        await Task.Delay(200);
        Assert.Equal(4, store.RangeRequests);
    }

    [Fact]
    public async Task Read_ReadAheadFailed_DemandReadRetriesAndSucceeds()
    {
        using var dir = TestPaths.TempDirectory();
        var content = Content(8 * Block);
        await File.WriteAllBytesAsync(dir.File("blob"), content);
        var store = new RangeCountingStore(dir.Path) { FailFrom = 3 * Block };
        var cache = new BlobBlockCache(store, "blob", content.Length, Block, capacityBytes: 8 * Block, readAhead: 2);

        cache.Read(0, new byte[3 * Block]); // starts read-ahead of blocks 3 and 4, which fail
        await Task.Delay(200);
        store.FailFrom = long.MaxValue;
        var rest = new byte[2 * Block];
        cache.Read(3 * Block, rest);
        Assert.Equal(content.AsSpan(3 * Block, rest.Length).ToArray(), rest);
    }

    private static byte[] Content(int length)
    {
        var bytes = new byte[length];
        new Random(7).NextBytes(bytes);
        return bytes;
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (int i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
    }
}
