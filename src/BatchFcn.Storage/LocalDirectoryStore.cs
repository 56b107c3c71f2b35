using System.Runtime.CompilerServices;

namespace BatchFcn.Storage;

/// <summary>A blob store over a local directory: keys are relative paths; writes go to a temporary
/// file that is renamed into place, so they are atomic and a crash leaves no partial object. Write-once
/// creation is atomic across processes (a rename that refuses to replace); conditional updates take an
/// exclusive lock file, so several processes of one node may share a directory.</summary>
public sealed class LocalDirectoryStore : IBlobStore
{
    private const string TempMarker = ".tmp-";
    private const string LockSuffix = ".lock-batchfcn";

    public LocalDirectoryStore(string root)
    {
        // The folder is created by the first write, not here: resolving where an input might be must not create it.
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    public string Describe(string key) => PathOf(key);

    /// <summary>The file path of a key, refusing keys that would escape the root.</summary>
    public string PathOf(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var full = Path.GetFullPath(Path.Combine(Root, key));
        if (!full.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ArgumentException($"key '{key}' points outside the store", nameof(key));
        }

        return full;
    }

    public Task<BlobInfo?> GetInfoAsync(string key, CancellationToken cancellationToken = default)
    {
        var file = new FileInfo(PathOf(key));
        return Task.FromResult(file.Exists ? new BlobInfo(file.Length, ETagOf(file)) : null);
    }

    public Task<string> WriteAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) =>
        WriteAsync(key, (stream, token) => stream.WriteAsync(content, token).AsTask(), cancellationToken);

    public Task<string> WriteAsync(string key, Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        return WriteAsync(key, (stream, token) => content.CopyToAsync(stream, 1 << 20, token), cancellationToken);
    }

    public async Task<bool> TryCreateAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        if (File.Exists(path))
        {
            return false;
        }

        var temp = await WriteTempAsync(path, (stream, token) => stream.WriteAsync(content, token).AsTask(), cancellationToken).ConfigureAwait(false);
        try
        {
            File.Move(temp, path, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            return false; // another writer won the race
        }
        finally
        {
            File.Delete(temp);
        }
    }

    public async Task<string?> TryUpdateAsync(string key, ReadOnlyMemory<byte> content, string etag, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var held = await LockAsync(path + LockSuffix, cancellationToken).ConfigureAwait(false);
        var before = new FileInfo(path);
        if (!before.Exists || ETagOf(before) != etag)
        {
            return null;
        }

        var written = await WriteAsync(key, content, cancellationToken).ConfigureAwait(false);
        if (written == etag)
        {
            // Same size within one clock tick: move the time on so the version visibly changes.
            File.SetLastWriteTimeUtc(path, before.LastWriteTimeUtc.AddTicks(1));
            written = ETagOf(new FileInfo(path));
        }

        return written;
    }

    public async Task<byte[]> ReadAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        try
        {
            return await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new BlobNotFoundException(Describe(key));
        }
    }

    public async Task<int> ReadAsync(string key, Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        var stream = OpenRead(key);
        await using (stream.ConfigureAwait(false))
        {
            if (stream.Length > destination.Length)
            {
                throw new ArgumentException($"object '{key}' holds {stream.Length} bytes, more than the {destination.Length} given", nameof(destination));
            }

            int length = (int)stream.Length;
            await stream.ReadExactlyAsync(destination[..length], cancellationToken).ConfigureAwait(false);
            return length;
        }
    }

    public async Task<int> ReadRangeAsync(string key, long offset, Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        var stream = OpenRead(key);
        await using (stream.ConfigureAwait(false))
        {
            if (offset >= stream.Length)
            {
                return 0;
            }

            stream.Position = offset;
            int length = (int)Math.Min(destination.Length, stream.Length - offset);
            await stream.ReadExactlyAsync(destination[..length], cancellationToken).ConfigureAwait(false);
            return length;
        }
    }

    public Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default) => Task.FromResult(File.Exists(PathOf(key)));

    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        bool existed = File.Exists(path);
        File.Delete(path);
        File.Delete(path + LockSuffix);
        return Task.FromResult(existed);
    }

    public async IAsyncEnumerable<string> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var dir = prefix.Length == 0 ? Root : Path.GetDirectoryName(PathOf(prefix.TrimEnd('/') + "/x"))!;
        if (!Directory.Exists(dir))
        {
            yield break;
        }

        var keys = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains(TempMarker, StringComparison.Ordinal) && !f.EndsWith(LockSuffix, StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(Root, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(k => k.StartsWith(prefix, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return key;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    private FileStream OpenRead(string key)
    {
        try
        {
            return new FileStream(PathOf(key), FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, useAsync: true);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new BlobNotFoundException(Describe(key));
        }
    }

    private async Task<string> WriteAsync(string key, Func<Stream, CancellationToken, Task> fill, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        var temp = await WriteTempAsync(path, fill, cancellationToken).ConfigureAwait(false);
        try
        {
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }

        return ETagOf(new FileInfo(path));
    }

    /// <summary>Writes a temporary file beside <paramref name="path"/>; cancelled or failed, it leaves nothing behind.</summary>
    private static async Task<string> WriteTempAsync(string path, Func<Stream, CancellationToken, Task> fill, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = $"{path}{TempMarker}{Environment.ProcessId}-{Guid.NewGuid():N}";
        try
        {
            var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            await using (stream.ConfigureAwait(false))
            {
                await fill(stream, cancellationToken).ConfigureAwait(false);
            }

            return temp;
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>An exclusive lock on a file, across processes (FileShare.None is an flock on Unix).</summary>
    private static async Task<FileStream> LockAsync(string path, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                await Task.Delay(2, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static string ETagOf(FileInfo file) => $"\"{file.LastWriteTimeUtc.Ticks:x}-{file.Length:x}\"";
}
