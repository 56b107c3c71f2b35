using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;

namespace BatchFcn.Storage.Azure;

/// <summary>A blob store over one Azure blob container: keys are blob names. Every operation runs through
/// the retry pipeline of <see cref="StorageResilience"/>, a range read as a whole (request and copy of the
/// body), so a connection cut mid-read re-issues the range. The container is created on the first write.</summary>
internal sealed class AzureBlobStore : IBlobStore
{
    private readonly BlobContainerClient container;
    private readonly AzureStorageOptions options;
    private readonly ResiliencePipeline pipeline;
    private Task? containerCreation;

    internal AzureBlobStore(BlobContainerClient container, AzureStorageOptions? options = null, ILogger? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(container);
        this.container = container;
        this.options = options ?? new AzureStorageOptions();
        pipeline = StorageResilience.Create(this.options, logger ?? NullLogger.Instance, timeProvider ?? TimeProvider.System);
    }

    /// <summary>The container's name.</summary>
    public string ContainerName => container.Name;

    /// <summary>A store for <paramref name="containerName"/> of the account a connection string names.</summary>
    internal static AzureBlobStore Create(string connectionString, string containerName, AzureStorageOptions? options = null, ILogger? logger = null)
    {
        options ??= new AzureStorageOptions();
        var service = new BlobServiceClient(connectionString, CreateClientOptions(options));
        return new AzureBlobStore(service.GetBlobContainerClient(containerName), options, logger);
    }

    /// <summary>The SDK client options every store's client must be built with.</summary>
    internal static BlobClientOptions CreateClientOptions(AzureStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var client = new BlobClientOptions();
        // One retry owner: StorageResilience retries whole operations. The SDK's retry policy would retry each
        // HTTP request again inside every Polly attempt (its default 3 retries × our 4 attempts), so it is off.
        // NetworkTimeout stays: it ends a request whose response or body stalls, and Polly retries that.
        // (The SDK still resumes a download body cut mid-way from the byte where it stopped, up to a fixed few
        // times, before an IOException reaches the pipeline; that cannot be configured.)
        client.Retry.MaxRetries = 0;
        client.Retry.NetworkTimeout = options.NetworkTimeout;
        options.ConfigureClient?.Invoke(client);
        return client;
    }

    public string Describe(string key) => $"az://{container.Name}/{key}";

    public Task<BlobInfo?> GetInfoAsync(string key, CancellationToken cancellationToken = default) =>
        RunAsync("get-info", key, async ct =>
        {
            try
            {
                var properties = await Blob(key).GetPropertiesAsync(cancellationToken: ct).ConfigureAwait(false);
                return new BlobInfo(properties.Value.ContentLength, properties.Value.ETag.ToString());
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                return null;
            }
        }, cancellationToken);

    public async Task<string> WriteAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        await EnsureContainerAsync(cancellationToken).ConfigureAwait(false);
        return await RunAsync("write", key, async ct =>
        {
            var result = await Blob(key).UploadAsync(new BinaryData(content), new BlobUploadOptions(), ct).ConfigureAwait(false);
            return result.Value.ETag.ToString();
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<string> WriteAsync(string key, Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        await EnsureContainerAsync(cancellationToken).ConfigureAwait(false);
        var upload = new BlobUploadOptions
        {
            TransferOptions = new StorageTransferOptions
            {
                InitialTransferSize = options.TransferChunkSize,
                MaximumTransferSize = options.TransferChunkSize,
                MaximumConcurrency = options.TransferConcurrency,
            },
        };

        // A seekable stream is rewound for each attempt; any other can be sent only once.
        long start = content.CanSeek ? content.Position : 0;
        return await RunAsync("write", key, async ct =>
        {
            if (content.CanSeek)
            {
                content.Position = start;
            }

            var result = await Blob(key).UploadAsync(content, upload, ct).ConfigureAwait(false);
            return result.Value.ETag.ToString();
        }, cancellationToken, retryable: content.CanSeek, attemptTimeout: false).ConfigureAwait(false);
    }

    public async Task<bool> TryCreateAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        await EnsureContainerAsync(cancellationToken).ConfigureAwait(false);
        var upload = new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } };
        // If an attempt created the blob but its answer was lost, the retry finds the blob and returns false:
        // the blob then holds this content, which is what write-once callers need.
        return await RunAsync("create", key, async ct =>
        {
            try
            {
                await Blob(key).UploadAsync(new BinaryData(content), upload, ct).ConfigureAwait(false);
                return true;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412)
            {
                return false; // BlobAlreadyExists (409) or ConditionNotMet (412)
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    public Task<string?> TryUpdateAsync(string key, ReadOnlyMemory<byte> content, string etag, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(etag);
        var upload = new BlobUploadOptions { Conditions = new BlobRequestConditions { IfMatch = new ETag(etag) } };
        return RunAsync<string?>("update", key, async ct =>
        {
            try
            {
                var result = await Blob(key).UploadAsync(new BinaryData(content), upload, ct).ConfigureAwait(false);
                return result.Value.ETag.ToString();
            }
            catch (RequestFailedException e) when (e.Status is 404 or 412)
            {
                return null; // vanished, or replaced since the caller read its ETag
            }
        }, cancellationToken);
    }

    public Task<byte[]> ReadAsync(string key, CancellationToken cancellationToken = default) =>
        RunAsync("read", key, async ct =>
        {
            using var download = await DownloadAsync(key, null, ct).ConfigureAwait(false);
            if (download is null)
            {
                return [];
            }

            long length = download.Details.ContentLength;
            if (length > Array.MaxLength)
            {
                throw new NotSupportedException($"'{Describe(key)}' holds {length} bytes, too many to read into memory");
            }

            var bytes = new byte[length];
            int read = await FillAsync(download.Content, bytes, ct).ConfigureAwait(false);
            return read == bytes.Length ? bytes : throw new IOException($"'{Describe(key)}' ended after {read} of {length} bytes");
        }, cancellationToken);

    public Task<int> ReadAsync(string key, Memory<byte> destination, CancellationToken cancellationToken = default) =>
        RunAsync("read", key, async ct =>
        {
            using var download = await DownloadAsync(key, null, ct).ConfigureAwait(false);
            if (download is null)
            {
                return 0;
            }

            long length = download.Details.ContentLength;
            if (length > destination.Length)
            {
                throw new ArgumentException($"object '{Describe(key)}' holds {length} bytes, more than the {destination.Length} given", nameof(destination));
            }

            int read = await FillAsync(download.Content, destination[..(int)length], ct).ConfigureAwait(false);
            return read == length ? read : throw new IOException($"'{Describe(key)}' ended after {read} of {length} bytes");
        }, cancellationToken);

    public Task<int> ReadRangeAsync(string key, long offset, Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (destination.IsEmpty)
        {
            return EmptyRangeAsync(key, cancellationToken);
        }

        return RunAsync("read-range", key, async ct =>
        {
            using var download = await DownloadAsync(key, new HttpRange(offset, destination.Length), ct).ConfigureAwait(false);
            return download is null ? 0 : await FillAsync(download.Content, destination, ct).ConfigureAwait(false);
        }, cancellationToken);
    }

    public async Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default) =>
        await GetInfoAsync(key, cancellationToken).ConfigureAwait(false) is not null;

    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) =>
        RunAsync("delete", key, async ct =>
        {
            try
            {
                var result = await Blob(key).DeleteIfExistsAsync(cancellationToken: ct).ConfigureAwait(false);
                return result.Value;
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                return false; // no container
            }
        }, cancellationToken);

    public async IAsyncEnumerable<string> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        // The listing is retried as a whole, so it is collected before the first key is returned; the service
        // lists in UTF-8 byte order, which differs from ordinal UTF-16 order for some characters, so it is sorted.
        var keys = await RunAsync("list", prefix, async ct =>
        {
            var names = new List<string>();
            try
            {
                await foreach (var item in container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, ct).ConfigureAwait(false))
                {
                    names.Add(item.Name);
                }
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                names.Clear(); // no container: nothing listed
            }

            names.Sort(StringComparer.Ordinal);
            return names;
        }, cancellationToken).ConfigureAwait(false);
        foreach (var key in keys)
        {
            yield return key;
        }
    }

    private BlobClient Blob(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        return container.GetBlobClient(key);
    }

    /// <summary>Starts a download; <see langword="null"/> when the range starts at or past the end (416).</summary>
    private async Task<BlobDownloadStreamingResult?> DownloadAsync(string key, HttpRange? range, CancellationToken cancellationToken)
    {
        try
        {
            var options = new BlobDownloadOptions();
            if (range is { } r)
            {
                options.Range = r;
            }

            var response = await Blob(key).DownloadStreamingAsync(options, cancellationToken).ConfigureAwait(false);
            return response.Value;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw new BlobNotFoundException(Describe(key));
        }
        catch (RequestFailedException e) when (e.Status == 416)
        {
            return null;
        }
    }

    private async Task<int> EmptyRangeAsync(string key, CancellationToken cancellationToken) =>
        await GetInfoAsync(key, cancellationToken).ConfigureAwait(false) is null ? throw new BlobNotFoundException(Describe(key)) : 0;

    /// <summary>Copies a body into <paramref name="destination"/> until it is full or the body ends.</summary>
    private static async Task<int> FillAsync(Stream body, Memory<byte> destination, CancellationToken cancellationToken)
    {
        int filled = 0;
        while (filled < destination.Length)
        {
            int read = await body.ReadAsync(destination[filled..], cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        return filled;
    }

    /// <summary>Creates the container once (on the first write); a failed creation is tried again next time.</summary>
    private Task EnsureContainerAsync(CancellationToken cancellationToken)
    {
        var current = Volatile.Read(ref containerCreation);
        if (current is null || current.IsFaulted || current.IsCanceled)
        {
            // Not tied to one caller's token: other writers may be waiting on the same creation.
            var fresh = RunAsync("create-container", string.Empty, async ct =>
            {
                await container.CreateIfNotExistsAsync(cancellationToken: ct).ConfigureAwait(false);
                return true;
            }, CancellationToken.None);
            current = Interlocked.CompareExchange(ref containerCreation, fresh, current) == current ? fresh : Volatile.Read(ref containerCreation)!;
        }

        return current.WaitAsync(cancellationToken);
    }

    private async Task<T> RunAsync<T>(string operation, string key, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken,
        bool retryable = true, bool attemptTimeout = true)
    {
        var context = ResilienceContextPool.Shared.Get($"{operation} {Describe(key)}", cancellationToken);
        context.Properties.Set(StorageResilience.NotRetryable, !retryable);
        context.Properties.Set(StorageResilience.NoAttemptTimeout, !attemptTimeout);
        try
        {
            return await pipeline.ExecuteAsync(
                static async (ctx, run) => await run(ctx.CancellationToken).ConfigureAwait(false), context, action).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status is 401 or 403)
        {
            // The SDK's message carries the whole response; a person needs to know which account setting to fix.
            throw new UnauthorizedAccessException(
                $"{Describe(key)}: the storage account refused access ({e.ErrorCode ?? e.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)}); " +
                "check the account name and key of the connection string in --storage or BATCHFCN_STORAGE", e);
        }
        catch (RequestFailedException e)
        {
            string why = e.Status == 0 ? e.InnerException?.Message ?? "no response" : $"HTTP {e.Status} {e.ErrorCode}";
            throw new StorageUnavailableException($"{Describe(key)}: {operation} failed after retries: {why}; is the storage account's endpoint right and reachable?", e);
        }
        catch (IOException e) when (e is not StorageUnavailableException)
        {
            throw new StorageUnavailableException($"{Describe(key)}: {operation} failed after retries: {e.Message}; is the storage account's endpoint right and reachable?", e);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }
}
