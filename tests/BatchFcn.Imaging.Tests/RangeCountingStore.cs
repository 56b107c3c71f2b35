using BatchFcn.Storage;

namespace BatchFcn.Imaging.Tests;

/// <summary>A store that behaves like a remote one (it is not a <see cref="LocalDirectoryStore"/>, so images are read by
/// range requests), counts what it serves, and can fail reads on demand.</summary>
internal sealed class RangeCountingStore(string root) : DelegatingBlobStore(new LocalDirectoryStore(root))
{
    private long bytesServed;
    private int rangeRequests;

    public long BytesServed => Interlocked.Read(ref bytesServed);

    public int RangeRequests => Volatile.Read(ref rangeRequests);

    /// <summary>Range reads from this offset on fail with an IOException.</summary>
    public long FailFrom { get; set; } = long.MaxValue;

    public override string Describe(string key) => "test://" + key;

    public override async Task<int> ReadRangeAsync(string key, long offset, Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        if (offset + destination.Length > FailFrom)
        {
            throw new IOException("connection reset (injected)");
        }

        int read = await Inner.ReadRangeAsync(key, offset, destination, cancellationToken);
        Interlocked.Add(ref bytesServed, read);
        Interlocked.Increment(ref rangeRequests);
        return read;
    }
}
