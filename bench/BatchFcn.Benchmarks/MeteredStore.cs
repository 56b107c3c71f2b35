using BatchFcn.Storage;

namespace BatchFcn.Benchmarks;

/// <summary>A store decorator that counts range requests and the bytes they return, and can add a fixed latency to
/// every request (a remote account's round trip, which loopback Azurite lacks).</summary>
internal sealed class MeteredStore(IBlobStore inner, TimeSpan latency) : DelegatingBlobStore(inner)
{
    private long bytes;
    private int requests;

    public long Bytes => Interlocked.Read(ref bytes);

    public int Requests => Volatile.Read(ref requests);

    public override async Task<BlobInfo?> GetInfoAsync(string key, CancellationToken cancellationToken = default)
    {
        await DelayAsync(cancellationToken);
        return await Inner.GetInfoAsync(key, cancellationToken);
    }

    public override async Task<int> ReadRangeAsync(string key, long offset, Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        await DelayAsync(cancellationToken);
        int read = await Inner.ReadRangeAsync(key, offset, destination, cancellationToken);
        Interlocked.Add(ref bytes, read);
        Interlocked.Increment(ref requests);
        return read;
    }

    private Task DelayAsync(CancellationToken cancellationToken) => latency > TimeSpan.Zero ? Task.Delay(latency, cancellationToken) : Task.CompletedTask;
}
