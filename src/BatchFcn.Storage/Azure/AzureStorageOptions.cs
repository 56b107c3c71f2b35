using Azure.Storage.Blobs;

namespace BatchFcn.Storage.Azure;

/// <summary>How the Azure blob store retries and transfers. Retries are owned by one Polly pipeline
/// (<c>StorageResilience</c>); the Azure SDK's own retry is turned off so that attempts do not multiply.</summary>
public sealed record AzureStorageOptions
{
    /// <summary>Attempts per operation, the first included (default 4; 1 turns retrying off).</summary>
    public int MaxAttempts { get; init; } = 4;

    /// <summary>Delay before the first retry; later ones grow exponentially, with jitter (default 200 ms).</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest delay between two attempts (default 10 s).</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Time limit of one attempt of an operation on bytes in memory: reads, small writes, listings
    /// (default 2 minutes). Stream writes (slides, exports of any size) have no per-attempt limit; the SDK's
    /// <see cref="NetworkTimeout"/> still ends a request that stalls.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Longest wait for the service to answer, or for the next bytes of a body, in one HTTP request
    /// (the SDK's <c>Retry.NetworkTimeout</c>; default 60 s).</summary>
    public TimeSpan NetworkTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Block size of stream writes: objects up to this size go up in one request, larger ones in
    /// blocks of it (default 8 MiB).</summary>
    public int TransferChunkSize { get; init; } = 8 << 20;

    /// <summary>Blocks of one stream write sent at once (default 4).</summary>
    public int TransferConcurrency { get; init; } = 4;

    /// <summary>Called on every retry of a storage call (the hosting counts them in its metrics).</summary>
    public Action? OnRetry { get; init; }

    /// <summary>Test hook: changes the SDK client options (e.g. adds a fault-injecting HTTP policy).</summary>
    internal Action<BlobClientOptions>? ConfigureClient { get; init; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxAttempts, 1, nameof(MaxAttempts));
        ArgumentOutOfRangeException.ThrowIfLessThan(BaseDelay, TimeSpan.Zero, nameof(BaseDelay));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxDelay, BaseDelay, nameof(MaxDelay));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(AttemptTimeout, TimeSpan.Zero, nameof(AttemptTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(NetworkTimeout, TimeSpan.Zero, nameof(NetworkTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(TransferChunkSize, 1 << 16, nameof(TransferChunkSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(TransferConcurrency, 1, nameof(TransferConcurrency));
    }
}
