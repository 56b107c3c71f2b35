namespace BatchFcn.Storage;

/// <summary>
/// The storage a scan reads from and writes to, keyed by '/'-separated paths. Writes are whole-object
/// and atomic, so a reader never sees half an object and a repeated write of the same bytes is harmless
/// (tiles are idempotent). The embedded hosting uses <see cref="LocalDirectoryStore"/>; the distributed
/// one a blob service.
/// </summary>
public interface IBlobStore
{
    /// <summary>Writes (or replaces) an object atomically.</summary>
    Task WriteAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default);

    /// <summary>Reads a whole object.</summary>
    /// <exception cref="BlobNotFoundException">No object has that key.</exception>
    Task<byte[]> ReadAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Reads a whole object into <paramref name="destination"/> and returns its length, so a reader of
    /// many same-size objects (a score map's chunks) can reuse one buffer.</summary>
    /// <exception cref="BlobNotFoundException">No object has that key.</exception>
    /// <exception cref="ArgumentException">The object is larger than <paramref name="destination"/>.</exception>
    Task<int> ReadAsync(string key, Memory<byte> destination, CancellationToken cancellationToken = default);

    Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Keys under a prefix, in ordinal order.</summary>
    IAsyncEnumerable<string> ListAsync(string prefix, CancellationToken cancellationToken = default);
}
