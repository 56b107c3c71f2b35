using BatchFcn.Storage;

namespace BatchFcn.Imaging;

/// <summary>
/// The bytes of one blob, fetched by explicit range reads in aligned blocks and kept in a small LRU shared by every
/// reader of the image. libtiff seeks constantly (directories, tile offsets, then the tiles themselves), so a
/// buffered sequential stream would re-download on every jump; whole aligned blocks fetch little more than the
/// tiles read, and neighbouring tiles share them. Thread-safe; two readers missing the same block fetch it once.
/// </summary>
internal sealed class BlobBlockCache
{
    private readonly IBlobStore store;
    private readonly string key;
    private readonly int blockSize;
    private readonly int capacity;
    private readonly Lock gate = new();
    private readonly Dictionary<long, LinkedListNode<(long Index, Lazy<byte[]> Block)>> blocks = [];
    private readonly LinkedList<(long Index, Lazy<byte[]> Block)> recent = new();
    private long fetched;
    private long requests;

    public BlobBlockCache(IBlobStore store, string key, long length, int blockSize = 1 << 20, long capacityBytes = 32L << 20)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 4096);
        this.store = store;
        this.key = key;
        Length = length;
        this.blockSize = blockSize;
        capacity = (int)Math.Max(2, capacityBytes / blockSize);
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
        Lazy<byte[]> entry;
        lock (gate)
        {
            if (blocks.TryGetValue(index, out var node))
            {
                recent.Remove(node);
                recent.AddFirst(node);
                entry = node.Value.Block;
            }
            else
            {
                entry = new Lazy<byte[]>(() => Fetch(index), LazyThreadSafetyMode.ExecutionAndPublication);
                blocks[index] = recent.AddFirst((index, entry));
                while (recent.Count > capacity)
                {
                    blocks.Remove(recent.Last!.Value.Index);
                    recent.RemoveLast();
                }
            }
        }

        try
        {
            return entry.Value;
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

    private byte[] Fetch(long index)
    {
        long start = index * blockSize;
        var block = new byte[(int)Math.Min(blockSize, Length - start)];
        // libvips calls back synchronously on its own thread; the store is async.
        int read = store.ReadRangeAsync(key, start, block).GetAwaiter().GetResult();
        if (read != block.Length)
        {
            throw new IOException($"{store.Describe(key)} ended at {start + read} bytes; it held {Length} when opened (changed while being read?)");
        }

        Interlocked.Add(ref fetched, read);
        Interlocked.Increment(ref requests);
        return block;
    }
}
