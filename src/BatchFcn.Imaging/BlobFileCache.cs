using BatchFcn.Storage;

namespace BatchFcn.Imaging;

/// <summary>
/// A node-local folder of blobs downloaded whole, for formats that must be files (OpenSlide's): keyed by the
/// blob's address and ETag, so a changed blob is fetched again, and bounded in size: the least recently used
/// files go first. Downloads land under a temporary name and are renamed into place, so a crash leaves no
/// half file that looks complete.
/// </summary>
public sealed class BlobFileCache : IDisposable
{
    private readonly string root;
    private readonly long maxBytes;
    private readonly SemaphoreSlim gate = new(1, 1);

    /// <param name="root">The cache folder (created when missing).</param>
    /// <param name="maxBytes">Size above which the least recently used files are deleted.</param>
    public BlobFileCache(string root, long maxBytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        this.root = Path.GetFullPath(root);
        this.maxBytes = maxBytes;
        Directory.CreateDirectory(this.root);
    }

    /// <summary>The local file holding the blob, downloading it first when the cache has no copy of this version.</summary>
    public async Task<string> GetAsync(IBlobStore store, string key, BlobInfo blob, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(blob);
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(store.Describe(key) + "\n" + blob.ETag)))[..32];
        var path = Path.Combine(root, hash + Path.GetExtension(key).ToLowerInvariant());
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (File.Exists(path))
            {
                File.SetLastAccessTimeUtc(path, DateTime.UtcNow);
                return path;
            }

            Evict(blob.Length);
            var temp = path + ".part";
            try
            {
                var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20, useAsync: true);
                await using (file.ConfigureAwait(false))
                {
                    var buffer = new byte[4 << 20];
                    for (long offset = 0; offset < blob.Length; offset += buffer.Length)
                    {
                        int read = await store.ReadRangeAsync(key, offset, buffer, cancellationToken).ConfigureAwait(false);
                        await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                        if (read < buffer.Length)
                        {
                            break;
                        }
                    }
                }

                File.Move(temp, path, overwrite: true);
            }
            finally
            {
                File.Delete(temp);
            }

            return path;
        }
        finally
        {
            gate.Release();
        }
    }

    public void Dispose() => gate.Dispose();

    /// <summary>Deletes least recently used files until <paramref name="incoming"/> more bytes fit.</summary>
    private void Evict(long incoming)
    {
        var files = new DirectoryInfo(root).GetFiles().Where(f => f.Extension != ".part").OrderBy(f => f.LastAccessTimeUtc).ToList();
        long used = files.Sum(f => f.Length);
        foreach (var file in files)
        {
            if (used + incoming <= maxBytes)
            {
                break;
            }

            used -= file.Length;
            file.Delete();
        }
    }
}
