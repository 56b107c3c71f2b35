using System.Runtime.CompilerServices;
using BatchFcn.Storage;

namespace BatchFcn.Benchmarks;

/// <summary>A store decorator that counts range requests and the bytes they return, and can add a fixed latency to
/// every request (a remote account's round trip, which loopback Azurite lacks).</summary>
internal sealed class MeteredStore(IBlobStore inner, TimeSpan latency) : IBlobStore
{
    private long bytes;
    private int requests;

    public long Bytes => Interlocked.Read(ref bytes);

    public int Requests => Volatile.Read(ref requests);

    public string Describe(string key) => inner.Describe(key);

    public async Task<BlobInfo?> GetInfoAsync(string key, CancellationToken cancellationToken = default)
    {
        await DelayAsync(cancellationToken);
        return await inner.GetInfoAsync(key, cancellationToken);
    }

    public async Task<int> ReadRangeAsync(string key, long offset, Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        await DelayAsync(cancellationToken);
        int read = await inner.ReadRangeAsync(key, offset, destination, cancellationToken);
        Interlocked.Add(ref bytes, read);
        Interlocked.Increment(ref requests);
        return read;
    }

    public Task<string> WriteAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) => inner.WriteAsync(key, content, cancellationToken);

    public Task<string> WriteAsync(string key, Stream content, CancellationToken cancellationToken = default) => inner.WriteAsync(key, content, cancellationToken);

    public Task<bool> TryCreateAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) => inner.TryCreateAsync(key, content, cancellationToken);

    public Task<string?> TryUpdateAsync(string key, ReadOnlyMemory<byte> content, string etag, CancellationToken cancellationToken = default) =>
        inner.TryUpdateAsync(key, content, etag, cancellationToken);

    public Task<byte[]> ReadAsync(string key, CancellationToken cancellationToken = default) => inner.ReadAsync(key, cancellationToken);

    public Task<int> ReadAsync(string key, Memory<byte> destination, CancellationToken cancellationToken = default) => inner.ReadAsync(key, destination, cancellationToken);

    public Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default) => inner.ExistsAsync(key, cancellationToken);

    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

    public async IAsyncEnumerable<string> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var key in inner.ListAsync(prefix, cancellationToken))
        {
            yield return key;
        }
    }

    private Task DelayAsync(CancellationToken cancellationToken) => latency > TimeSpan.Zero ? Task.Delay(latency, cancellationToken) : Task.CompletedTask;
}
