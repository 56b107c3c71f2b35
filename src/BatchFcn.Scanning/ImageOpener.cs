using BatchFcn.Imaging;
using BatchFcn.Storage;
using Microsoft.Extensions.Options;

namespace BatchFcn.Scanning;

/// <summary>Opens images from any address: local files directly, blobs in place by range reads (OpenSlide-only formats
/// through the node's download cache, <see cref="NodeOptions.CacheDirectory"/>).</summary>
public sealed class ImageOpener(BlobStoreResolver stores, IOptions<NodeOptions> node) : IDisposable
{
    private readonly Lazy<BlobFileCache> downloads = new(() =>
        new BlobFileCache(Path.Combine(node.Value.ResolvedCacheDirectory, "slides"), node.Value.CacheMaxBytes));

    /// <exception cref="ImageReadException">Missing, unreadable or corrupt, or a malformed address.</exception>
    public async Task<IImageSource> OpenAsync(string address, CancellationToken cancellationToken = default)
    {
        IBlobStore store;
        string key;
        try
        {
            (store, key) = stores.ResolveFile(address);
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            throw new ImageReadException($"image: {e.Message}", e);
        }

        return await VipsImageSource.OpenAsync(store, key, store is LocalDirectoryStore ? null : downloads.Value, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        if (downloads.IsValueCreated)
        {
            downloads.Value.Dispose();
        }
    }
}
