namespace BatchFcn.Storage;

/// <summary>
/// The storage a scan reads from and writes to, keyed by '/'-separated paths. Writes are whole-object and
/// atomic, so a reader never sees half an object. Chunks are written once (<see cref="TryCreateAsync"/>): the
/// first writer wins, so a re-delivered tile computed by another backend (whose floats differ in the last bits)
/// never replaces a chunk already there. The embedded hosting uses <see cref="LocalDirectoryStore"/>; the
/// distributed one <c>AzureBlobStore</c>. Both pass one contract test suite.
/// </summary>
public interface IBlobStore
{
    /// <summary>How a key is shown to a person (a path or an <c>az://</c> address); never holds a secret.</summary>
    string Describe(string key);

    /// <summary>Size and version of an object, or <see langword="null"/> when it does not exist.</summary>
    Task<BlobInfo?> GetInfoAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Writes (or replaces) an object atomically and returns its new ETag.</summary>
    Task<string> WriteAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default);

    /// <summary>Writes (or replaces) an object from a stream read to its end (large objects: slides, exports).</summary>
    Task<string> WriteAsync(string key, Stream content, CancellationToken cancellationToken = default);

    /// <summary>Creates an object only if none has that key (<c>If-None-Match: *</c>).</summary>
    /// <returns><see langword="true"/> when this call created it; <see langword="false"/> when it already existed
    /// (its content is left as it was).</returns>
    Task<bool> TryCreateAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default);

    /// <summary>Replaces an object only if its ETag is still <paramref name="etag"/> (<c>If-Match</c>).</summary>
    /// <returns>The new ETag, or <see langword="null"/> when the object changed (or vanished) since.</returns>
    Task<string?> TryUpdateAsync(string key, ReadOnlyMemory<byte> content, string etag, CancellationToken cancellationToken = default);

    /// <summary>Reads a whole object.</summary>
    /// <exception cref="BlobNotFoundException">No object has that key.</exception>
    Task<byte[]> ReadAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Reads a whole object into <paramref name="destination"/> and returns its length, so a reader of
    /// many same-size objects (a score map's chunks) can reuse one buffer.</summary>
    /// <exception cref="BlobNotFoundException">No object has that key.</exception>
    /// <exception cref="ArgumentException">The object is larger than <paramref name="destination"/>.</exception>
    Task<int> ReadAsync(string key, Memory<byte> destination, CancellationToken cancellationToken = default);

    /// <summary>Reads bytes [<paramref name="offset"/>, +destination.Length) of an object. Fills
    /// <paramref name="destination"/> whole unless the object ends first; returns the bytes read (0 at or past the end).</summary>
    /// <exception cref="BlobNotFoundException">No object has that key.</exception>
    Task<int> ReadRangeAsync(string key, long offset, Memory<byte> destination, CancellationToken cancellationToken = default);

    Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Deletes an object; <see langword="false"/> when there was none.</summary>
    Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Keys under a prefix, in ordinal order.</summary>
    IAsyncEnumerable<string> ListAsync(string prefix, CancellationToken cancellationToken = default);
}
