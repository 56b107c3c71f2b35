using System.Runtime.CompilerServices;

namespace BatchFcn.Storage;

/// <summary>A view of a store under a key prefix (a "folder"): a scan's outputs at <c>az://results/x</c> are the
/// keys under <c>x/</c> of the container's store.</summary>
public sealed class PrefixedBlobStore : IBlobStore
{
    private readonly IBlobStore inner;
    private readonly string prefix;

    public PrefixedBlobStore(IBlobStore inner, string prefix)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(prefix);
        this.inner = inner;
        var trimmed = prefix.Trim('/');
        this.prefix = trimmed.Length == 0 ? string.Empty : trimmed + "/";
    }

    /// <summary>The store whose keys this one prefixes.</summary>
    public IBlobStore Inner => inner;

    /// <summary>The prefix, empty or ending in '/'.</summary>
    public string Prefix => prefix;

    public string Describe(string key) => inner.Describe(Full(key));

    public Task<BlobInfo?> GetInfoAsync(string key, CancellationToken cancellationToken = default) => inner.GetInfoAsync(Full(key), cancellationToken);

    public Task<string> WriteAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) =>
        inner.WriteAsync(Full(key), content, cancellationToken);

    public Task<string> WriteAsync(string key, Stream content, CancellationToken cancellationToken = default) =>
        inner.WriteAsync(Full(key), content, cancellationToken);

    public Task<bool> TryCreateAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) =>
        inner.TryCreateAsync(Full(key), content, cancellationToken);

    public Task<string?> TryUpdateAsync(string key, ReadOnlyMemory<byte> content, string etag, CancellationToken cancellationToken = default) =>
        inner.TryUpdateAsync(Full(key), content, etag, cancellationToken);

    public Task<byte[]> ReadAsync(string key, CancellationToken cancellationToken = default) => inner.ReadAsync(Full(key), cancellationToken);

    public Task<int> ReadAsync(string key, Memory<byte> destination, CancellationToken cancellationToken = default) =>
        inner.ReadAsync(Full(key), destination, cancellationToken);

    public Task<int> ReadRangeAsync(string key, long offset, Memory<byte> destination, CancellationToken cancellationToken = default) =>
        inner.ReadRangeAsync(Full(key), offset, destination, cancellationToken);

    public Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default) => inner.ExistsAsync(Full(key), cancellationToken);

    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(Full(key), cancellationToken);

    public async IAsyncEnumerable<string> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var key in inner.ListAsync(Full(prefix), cancellationToken).ConfigureAwait(false))
        {
            yield return key[this.prefix.Length..];
        }
    }

    private string Full(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return prefix + key;
    }
}
