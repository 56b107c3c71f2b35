using System.Runtime.CompilerServices;
using BatchFcn.Storage;

namespace BatchFcn.Imaging.Tests;

/// <summary>A store that behaves like a remote one (it is not a <see cref="LocalDirectoryStore"/>, so images are read by
/// range requests), counts what it serves, and can fail reads on demand.</summary>
internal sealed class RangeCountingStore(string root) : IBlobStore
{
    private readonly LocalDirectoryStore inner = new(root);
    private long bytesServed;
    private int rangeRequests;

    public long BytesServed => Interlocked.Read(ref bytesServed);

    public int RangeRequests => Volatile.Read(ref rangeRequests);

    /// <summary>Range reads from this offset on fail with an IOException.</summary>
    public long FailFrom { get; set; } = long.MaxValue;

    public string Describe(string key) => "test://" + key;

    public Task<BlobInfo?> GetInfoAsync(string key, CancellationToken cancellationToken = default) => inner.GetInfoAsync(key, cancellationToken);

    public Task<string> WriteAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) => inner.WriteAsync(key, content, cancellationToken);

    public Task<string> WriteAsync(string key, Stream content, CancellationToken cancellationToken = default) => inner.WriteAsync(key, content, cancellationToken);

    public Task<bool> TryCreateAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) => inner.TryCreateAsync(key, content, cancellationToken);

    public Task<string?> TryUpdateAsync(string key, ReadOnlyMemory<byte> content, string etag, CancellationToken cancellationToken = default) =>
        inner.TryUpdateAsync(key, content, etag, cancellationToken);

    public Task<byte[]> ReadAsync(string key, CancellationToken cancellationToken = default) => inner.ReadAsync(key, cancellationToken);

    public Task<int> ReadAsync(string key, Memory<byte> destination, CancellationToken cancellationToken = default) => inner.ReadAsync(key, destination, cancellationToken);

    public async Task<int> ReadRangeAsync(string key, long offset, Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        if (offset + destination.Length > FailFrom)
        {
            throw new IOException("connection reset (injected)");
        }

        int read = await inner.ReadRangeAsync(key, offset, destination, cancellationToken);
        Interlocked.Add(ref bytesServed, read);
        Interlocked.Increment(ref rangeRequests);
        return read;
    }

    public Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default) => inner.ExistsAsync(key, cancellationToken);

    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

    public async IAsyncEnumerable<string> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var key in inner.ListAsync(prefix, cancellationToken))
        {
            yield return key;
        }
    }
}
