using System.Runtime.CompilerServices;

namespace BatchFcn.Storage;

/// <summary>A store that passes every call to another; derive from it to observe or change a few calls (count requests,
/// add latency, inject faults) without restating the rest.</summary>
public abstract class DelegatingBlobStore(IBlobStore inner) : IBlobStore
{
    /// <summary>The store calls go to.</summary>
    protected IBlobStore Inner { get; } = inner ?? throw new ArgumentNullException(nameof(inner));

    public virtual string Describe(string key) => Inner.Describe(key);

    public virtual Task<BlobInfo?> GetInfoAsync(string key, CancellationToken cancellationToken = default) => Inner.GetInfoAsync(key, cancellationToken);

    public virtual Task<string> WriteAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) =>
        Inner.WriteAsync(key, content, cancellationToken);

    public virtual Task<string> WriteAsync(string key, Stream content, CancellationToken cancellationToken = default) => Inner.WriteAsync(key, content, cancellationToken);

    public virtual Task<bool> TryCreateAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) =>
        Inner.TryCreateAsync(key, content, cancellationToken);

    public virtual Task<string?> TryUpdateAsync(string key, ReadOnlyMemory<byte> content, string etag, CancellationToken cancellationToken = default) =>
        Inner.TryUpdateAsync(key, content, etag, cancellationToken);

    public virtual Task<byte[]> ReadAsync(string key, CancellationToken cancellationToken = default) => Inner.ReadAsync(key, cancellationToken);

    public virtual Task<int> ReadAsync(string key, Memory<byte> destination, CancellationToken cancellationToken = default) =>
        Inner.ReadAsync(key, destination, cancellationToken);

    public virtual Task<int> ReadRangeAsync(string key, long offset, Memory<byte> destination, CancellationToken cancellationToken = default) =>
        Inner.ReadRangeAsync(key, offset, destination, cancellationToken);

    public virtual Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default) => Inner.ExistsAsync(key, cancellationToken);

    public virtual Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => Inner.DeleteAsync(key, cancellationToken);

    public virtual async IAsyncEnumerable<string> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var key in Inner.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            yield return key;
        }
    }
}
