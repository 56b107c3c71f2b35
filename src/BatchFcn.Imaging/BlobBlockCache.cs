using BatchFcn.Storage;

namespace BatchFcn.Imaging;

/// <summary>
/// The bytes of one blob, fetched by explicit range reads in aligned blocks and kept in a small LRU shared by every
/// reader of the image. libtiff seeks constantly (directories, tile offsets, then the tiles themselves), so a
/// buffered sequential stream would re-download on every jump; whole aligned blocks fetch little more than the
/// tiles read, and neighbouring tiles share them. A read that runs on from the two blocks before keeps the next few
/// blocks fetching in the background (a window that slides with the reads, hits included), so the download of what a
/// scan reads next overlaps the decoding of what it has: a tiled TIFF stores each row of tiles contiguously, and a
/// scan reads regions left to right, row band after row band. Thread-safe; two readers missing the same block fetch
/// it once.
/// </summary>
internal sealed class BlobBlockCache
{
    private readonly IBlobStore store;
    private readonly string key;
    private readonly int blockSize;
    private readonly int capacity;
    private readonly int readAhead;
    private readonly Lock gate = new();
    private readonly Dictionary<long, LinkedListNode<(long Index, Task<byte[]> Block)>> blocks = [];
    private readonly LinkedList<(long Index, Task<byte[]> Block)> recent = new();
    private long fetched;
    private long requests;

    /// <summary>A cache over <paramref name="length"/> bytes of <paramref name="key"/> in <paramref name="store"/>, in
    /// blocks of <paramref name="blockSize"/> bytes, holding up to <paramref name="capacityBytes"/>; a read that runs on
    /// keeps the next <paramref name="readAhead"/> blocks fetched or fetching (0: none). The default, 4 MiB ahead, is
    /// about one band of 1024² regions of a 256²-tiled slide 8000–16000 px wide, read while the band before decodes.</summary>
    public BlobBlockCache(IBlobStore store, string key, long length, int blockSize = 1 << 20, long capacityBytes = 32L << 20, int readAhead = 4)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 4096);
        ArgumentOutOfRangeException.ThrowIfNegative(readAhead);
        this.store = store;
        this.key = key;
        Length = length;
        this.blockSize = blockSize;
        capacity = (int)Math.Max(2 + 2 * readAhead, capacityBytes / blockSize);
        this.readAhead = readAhead;
    }

    /// <summary>The blob's size in bytes.</summary>
    public long Length { get; }

    /// <summary>Bytes fetched from the store so far.</summary>
    public long FetchedBytes => Interlocked.Read(ref fetched);

    /// <summary>Range requests sent so far.</summary>
    public long Requests => Interlocked.Read(ref requests);

    /// <summary>Copies bytes at <paramref name="position"/> into <paramref name="destination"/>, whole unless the blob
    /// ends first; returns how many.</summary>
    public int Read(long position, Span<byte> destination)
    {
        int total = 0;
        while (total < destination.Length && position + total < Length)
        {
            long at = position + total;
            var block = Block(at / blockSize);
            int offset = (int)(at % blockSize);
            int count = Math.Min(destination.Length - total, block.Length - offset);
            if (count <= 0)
            {
                break;
            }

            block.AsSpan(offset, count).CopyTo(destination[total..]);
            total += count;
        }

        return total;
    }

    private byte[] Block(long index)
    {
        Task<byte[]> entry;
        lock (gate)
        {
            // Read ahead only when reading runs on from the blocks before (tile data), not on the scattered
            // small reads of opening (directories, tile offsets), where it would fetch megabytes never used.
            bool runsOn = index > 1 && blocks.ContainsKey(index - 1) && blocks.ContainsKey(index - 2);
            entry = Entry(index, out _);
            if (runsOn)
            {
                long last = Math.Min(index + readAhead, (Length - 1) / blockSize);
                for (long next = index + 1; next <= last; next++)
                {
                    Entry(next, out _);
                }
            }
        }

        try
        {
            // libvips calls back synchronously on its own thread; the store is async.
            return entry.GetAwaiter().GetResult();
        }
        catch
        {
            // A failed fetch (after the store's own retries) must not stay cached: the next read tries again.
            lock (gate)
            {
                if (blocks.TryGetValue(index, out var node) && ReferenceEquals(node.Value.Block, entry))
                {
                    blocks.Remove(index);
                    recent.Remove(node);
                }
            }

            throw;
        }
    }

    /// <summary>The cached or started fetch of a block, made most recent; called under the lock.</summary>
    private Task<byte[]> Entry(long index, out bool missed)
    {
        if (blocks.TryGetValue(index, out var node) && node.Value.Block.IsFaulted)
        {
            // A read-ahead that failed (after the store's own retries) is tried again on demand.
            blocks.Remove(index);
            recent.Remove(node);
        }
        else if (node is not null)
        {
            recent.Remove(node);
            recent.AddFirst(node);
            missed = false;
            return node.Value.Block;
        }

        var fetch = FetchAsync(index);
        // A read-ahead that fails and is evicted unread must not surface as an unobserved exception.
        _ = fetch.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        blocks[index] = recent.AddFirst((index, fetch));
        while (recent.Count > capacity)
        {
            blocks.Remove(recent.Last!.Value.Index);
            recent.RemoveLast();
        }

        missed = true;
        return fetch;
    }

    private async Task<byte[]> FetchAsync(long index)
    {
        // Off the caller's thread at once: the caller holds the lock and the SDK does work before its first await.
        await Task.Yield();
        long start = index * blockSize;
        var block = new byte[(int)Math.Min(blockSize, Length - start)];
        int read = await store.ReadRangeAsync(key, start, block).ConfigureAwait(false);
        if (read != block.Length)
        {
            throw new IOException($"{store.Describe(key)} ended at {start + read} bytes; it held {Length} when opened (changed while being read?)");
        }

        Interlocked.Add(ref fetched, read);
        Interlocked.Increment(ref requests);
        return block;
    }
}
