using System.Text;
using BatchFcn.Testing;

namespace BatchFcn.Storage.Tests;

/// <summary>What every <see cref="IBlobStore"/> must do. Each concrete class creates a fresh, empty store per
/// test (xunit makes one instance per test).</summary>
public abstract class BlobStoreContract : IAsyncLifetime
{
    private IBlobStore? store;

    protected IBlobStore Store => store ?? throw new InvalidOperationException("store not created");

    /// <summary>A new, empty store (a fresh directory or container).</summary>
    protected abstract Task<IBlobStore> CreateStoreAsync();

    /// <summary>Removes what <see cref="CreateStoreAsync"/> made.</summary>
    protected abstract Task DeleteStoreAsync();

    public async Task InitializeAsync() => store = await CreateStoreAsync();

    public Task DisposeAsync() => store is null ? Task.CompletedTask : DeleteStoreAsync();

    [ServiceFact]
    public async Task Write_ThenRead_ReturnsContentAndInfo()
    {
        var etag = await Store.WriteAsync("a/b/c.bin", Bytes(3, 1000));
        Assert.False(string.IsNullOrEmpty(etag));
        Assert.Equal(Bytes(3, 1000), await Store.ReadAsync("a/b/c.bin"));
        var info = await Store.GetInfoAsync("a/b/c.bin");
        Assert.Equal(new BlobInfo(1000, etag), info);
        Assert.True(await Store.ExistsAsync("a/b/c.bin"));
    }

    [ServiceFact]
    public async Task Write_Replace_ChangesContentAndETag()
    {
        var first = await Store.WriteAsync("k", Bytes(1, 10));
        var second = await Store.WriteAsync("k", Bytes(2, 10));
        Assert.NotEqual(first, second);
        Assert.Equal(Bytes(2, 10), await Store.ReadAsync("k"));
        Assert.Equal(second, (await Store.GetInfoAsync("k"))!.ETag);
    }

    [ServiceFact]
    public async Task Write_Empty_ReadsEmpty()
    {
        await Store.WriteAsync("empty", ReadOnlyMemory<byte>.Empty);
        Assert.Empty(await Store.ReadAsync("empty"));
        Assert.Equal(0, (await Store.GetInfoAsync("empty"))!.Length);
        Assert.Equal(0, await Store.ReadRangeAsync("empty", 0, new byte[4]));
    }

    [ServiceFact]
    public async Task WriteStream_SeveralMegabytes_RoundTrips()
    {
        var content = Bytes(7, (12 << 20) + 123); // more than one 8 MiB block
        using var stream = new MemoryStream(content);
        var etag = await Store.WriteAsync("big/slide.bin", stream);
        Assert.Equal(new BlobInfo(content.Length, etag), await Store.GetInfoAsync("big/slide.bin"));
        Assert.Equal(content, await Store.ReadAsync("big/slide.bin"));
    }

    [ServiceFact]
    public async Task WriteStream_NotSeekable_RoundTrips()
    {
        var content = Bytes(8, 300_000);
        using var stream = new ForwardOnlyStream(new MemoryStream(content));
        await Store.WriteAsync("fwd", stream);
        Assert.Equal(content, await Store.ReadAsync("fwd"));
    }

    [ServiceFact]
    public async Task TryCreate_Twice_SecondFalseAndContentUnchanged()
    {
        Assert.True(await Store.TryCreateAsync("once", Bytes(1, 100)));
        Assert.False(await Store.TryCreateAsync("once", Bytes(2, 50)));
        Assert.Equal(Bytes(1, 100), await Store.ReadAsync("once"));
    }

    [ServiceFact]
    public async Task TryCreate_Concurrent_ExactlyOneWins()
    {
        var contents = Enumerable.Range(0, 8).Select(i => Bytes(i, 4096 + i)).ToArray();
        var results = await Task.WhenAll(contents.Select(c => Task.Run(() => Store.TryCreateAsync("race/chunk", c))));
        Assert.Single(results, r => r);
        Assert.Equal(contents[Array.IndexOf(results, true)], await Store.ReadAsync("race/chunk"));
    }

    [ServiceFact]
    public async Task TryUpdate_CurrentETag_ReplacesAndReturnsNewETag()
    {
        var etag = await Store.WriteAsync("doc", Bytes(1, 20));
        var updated = await Store.TryUpdateAsync("doc", Bytes(2, 20), etag);
        Assert.NotNull(updated);
        Assert.NotEqual(etag, updated);
        Assert.Equal(Bytes(2, 20), await Store.ReadAsync("doc"));
        Assert.Equal(updated, (await Store.GetInfoAsync("doc"))!.ETag);
    }

    [ServiceFact]
    public async Task TryUpdate_StaleETag_ReturnsNullAndKeepsContent()
    {
        var stale = await Store.WriteAsync("doc", Bytes(1, 20));
        await Store.WriteAsync("doc", Bytes(2, 20));
        Assert.Null(await Store.TryUpdateAsync("doc", Bytes(3, 20), stale));
        Assert.Equal(Bytes(2, 20), await Store.ReadAsync("doc"));
    }

    [ServiceFact]
    public async Task TryUpdate_Missing_ReturnsNull()
    {
        var etag = await Store.WriteAsync("gone", Bytes(1, 5));
        await Store.DeleteAsync("gone");
        Assert.Null(await Store.TryUpdateAsync("gone", Bytes(2, 5), etag));
        Assert.False(await Store.ExistsAsync("gone"));
    }

    [ServiceFact]
    public async Task ReadRange_WithinObject_FillsDestination()
    {
        var content = Bytes(5, 10_000);
        await Store.WriteAsync("r", content);
        foreach (var (offset, length) in new[] { (0, 100), (4321, 1000), (9000, 1000), (0, 10_000) })
        {
            var buffer = new byte[length];
            Assert.Equal(length, await Store.ReadRangeAsync("r", offset, buffer));
            Assert.Equal(content.AsSpan(offset, length).ToArray(), buffer);
        }
    }

    [ServiceFact]
    public async Task ReadRange_LongerThanRemaining_ReturnsRest()
    {
        var content = Bytes(5, 10_000);
        await Store.WriteAsync("r", content);
        var buffer = new byte[5000];
        Assert.Equal(1000, await Store.ReadRangeAsync("r", 9000, buffer));
        Assert.Equal(content[9000..], buffer[..1000]);
        Assert.All(buffer[1000..], b => Assert.Equal(0, b));
    }

    [ServiceFact]
    public async Task ReadRange_AtOrPastEnd_ReturnsZero()
    {
        await Store.WriteAsync("r", Bytes(5, 100));
        Assert.Equal(0, await Store.ReadRangeAsync("r", 100, new byte[10]));
        Assert.Equal(0, await Store.ReadRangeAsync("r", 5000, new byte[10]));
        Assert.Equal(0, await Store.ReadRangeAsync("r", 10, Memory<byte>.Empty));
    }

    [ServiceFact]
    public async Task ReadRange_Missing_ThrowsBlobNotFound()
    {
        var e = await Assert.ThrowsAsync<BlobNotFoundException>(() => Store.ReadRangeAsync("no/such", 0, new byte[10]));
        Assert.Equal(Store.Describe("no/such"), e.Key);
        await Assert.ThrowsAsync<BlobNotFoundException>(() => Store.ReadRangeAsync("no/such", 0, Memory<byte>.Empty));
    }

    [ServiceFact]
    public async Task ReadInto_ReusedBuffer_ReturnsLengthAndRefusesTooSmall()
    {
        await Store.WriteAsync("k", new byte[] { 9, 8, 7 });
        var buffer = new byte[] { 1, 1, 1, 1, 1 };
        Assert.Equal(3, await Store.ReadAsync("k", buffer));
        Assert.Equal(new byte[] { 9, 8, 7, 1, 1 }, buffer);
        await Assert.ThrowsAsync<ArgumentException>(() => Store.ReadAsync("k", new byte[2]));
        var e = await Assert.ThrowsAsync<BlobNotFoundException>(() => Store.ReadAsync("missing", buffer));
        Assert.Equal(Store.Describe("missing"), e.Key);
    }

    [ServiceFact]
    public async Task Read_Missing_ThrowsBlobNotFoundDescribingTheKey()
    {
        var e = await Assert.ThrowsAsync<BlobNotFoundException>(() => Store.ReadAsync("no/such"));
        Assert.Equal(Store.Describe("no/such"), e.Key);
        Assert.Contains("no/such", e.Message, StringComparison.Ordinal);
    }

    [ServiceFact]
    public async Task EmptyStore_NothingWritten_ReportsNothing()
    {
        Assert.Null(await Store.GetInfoAsync("x"));
        Assert.False(await Store.ExistsAsync("x"));
        Assert.False(await Store.DeleteAsync("x"));
        Assert.Empty(await Store.ListAsync(string.Empty).ToListAsync());
        Assert.Empty(await Store.ListAsync("a/").ToListAsync());
    }

    [ServiceFact]
    public async Task Delete_Existing_TrueThenGone()
    {
        await Store.WriteAsync("d/x", Bytes(1, 3));
        await Store.WriteAsync("d/y", Bytes(1, 3));
        Assert.True(await Store.DeleteAsync("d/x"));
        Assert.False(await Store.ExistsAsync("d/x"));
        Assert.Null(await Store.GetInfoAsync("d/x"));
        Assert.False(await Store.DeleteAsync("d/x"));
        Assert.Equal(["d/y"], await Store.ListAsync("d/").ToListAsync());
    }

    [ServiceFact]
    public async Task List_Prefix_OrdinalOrderWithoutSiblings()
    {
        foreach (var key in new[] { "a/b/2", "a/b/10", "a/b/Z", "a/bc", "a/b/sub/x", "a/b/1", "b/x", "a/b-x" })
        {
            await Store.WriteAsync(key, Encoding.UTF8.GetBytes(key));
        }

        Assert.Equal(["a/b/1", "a/b/10", "a/b/2", "a/b/Z", "a/b/sub/x"], await Store.ListAsync("a/b/").ToListAsync());
        Assert.Equal(["a/b-x", "a/b/1", "a/b/10", "a/b/2", "a/b/Z", "a/b/sub/x", "a/bc", "b/x"], await Store.ListAsync(string.Empty).ToListAsync());
        Assert.Empty(await Store.ListAsync("c/").ToListAsync());
    }

    [ServiceFact]
    public void Describe_Key_NamesIt()
    {
        Assert.EndsWith("x/y.zarr", Store.Describe("x/y.zarr").Replace('\\', '/'), StringComparison.Ordinal);
    }

    /// <summary>Deterministic bytes that differ with <paramref name="seed"/>.</summary>
    protected static byte[] Bytes(int seed, int length)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private sealed class ForwardOnlyStream(Stream inner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
