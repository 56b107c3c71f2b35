namespace BatchFcn.Scanning;

/// <summary>
/// How this node runs tiles: its own tuning, never part of a plan (a GPU node and a small CPU node compute the same
/// chunks with different settings). Configuration section <c>BatchFcn:Node</c>; checked by
/// <see cref="NodeOptionsValidator"/> at start.
/// </summary>
public sealed record NodeOptions
{
    /// <summary>Threads reading and pre-processing tiles while the backend infers (0 to 64). Decoding a tiled JPEG runs at
    /// ~65 Mpx per CPU-second (slide-like content), slower than a GPU or a many-core CPU infers small networks, so
    /// larger nodes need several readers to keep the backend fed. 0 picks one per four CPUs of the container's limit,
    /// at least 1 and at most 8.</summary>
    /// <value>The default is 0 (automatic).</value>
    public int Readers { get; init; }

    /// <summary>Same-shape tiles per inference call (1 to 256).</summary>
    /// <value>The default is 4.</value>
    public int BatchSize { get; init; } = 4;

    /// <summary>Upper bound on pixels per inference batch (64 Ki to 1 Gi); the batch shrinks for large tiles (batching
    /// large tiles only grows the activations: measured 18.1 s vs 14.7 s and 4.2 vs 2.2 GB for 2380² tiles).</summary>
    /// <value>The default is 4 megapixels.</value>
    public long MaxBatchPixels { get; init; } = 4L << 20;

    /// <summary>Folder for this node's caches: slides that must be files (OpenSlide formats) downloaded from blob
    /// storage. Empty means <c>$XDG_CACHE_HOME/batchfcn</c> (or <c>~/.cache/batchfcn</c>).</summary>
    /// <value>The default is empty (the user's cache folder).</value>
    public string CacheDirectory { get; init; } = string.Empty;

    /// <summary>Size of the download cache above which the least recently used slides are deleted, in bytes (at least 1 MiB).</summary>
    /// <value>The default is 50 GiB.</value>
    public long CacheMaxBytes { get; init; } = 50L << 30;

    /// <summary>Whether an automatic tile size and cut are chosen by this node's measured run costs (a few seconds of
    /// calibration per model, cached in <see cref="CacheDirectory"/>), rather than by planned FLOPs alone.</summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool Calibrate { get; init; } = true;

    /// <summary>The cache folder this node uses.</summary>
    public string ResolvedCacheDirectory => CacheDirectory.Length > 0 ? CacheDirectory
        : Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "batchfcn");
}
