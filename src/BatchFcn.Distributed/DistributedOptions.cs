namespace BatchFcn.Distributed;

/// <summary>
/// Where a distributed deployment keeps things and how a worker takes jobs. Configuration section
/// <c>BatchFcn:Distributed</c>; checked by <see cref="DistributedOptionsValidator"/> at start. The same on every host of
/// a deployment (workers and the submitting CLI), except <see cref="ConcurrentTiles"/>, which is each node's own.
/// </summary>
public sealed record DistributedOptions
{
    /// <summary>The folder holding each scan's state and tile record (a local path only for single-node tests).</summary>
    /// <value>The default is <c>az://batchfcn-scans</c>.</value>
    public string StateFolder { get; init; } = "az://batchfcn-scans";

    /// <summary>The folder under which a scan's outputs go when its request names none (<c>&lt;folder&gt;/&lt;scan id&gt;</c>).</summary>
    /// <value>The default is <c>az://batchfcn-results</c>.</value>
    public string ResultsFolder { get; init; } = "az://batchfcn-results";

    /// <summary>The folder <c>submit</c> uploads local images and models into, once each, keyed by content hash.</summary>
    /// <value>The default is <c>az://batchfcn-inputs</c>.</value>
    public string InputsFolder { get; init; } = "az://batchfcn-inputs";

    /// <summary>Consecutive tiles per tile job (1 to 16): more means fewer messages and completion updates, coarser
    /// re-delivery.</summary>
    /// <value>The default is 1.</value>
    public int TilesPerJob { get; init; } = 1;

    /// <summary>Tile jobs this node holds at once (its prefetch and concurrency; 0 to 256): enough to keep the tile
    /// executor batching and pipelining, not so many that jobs wait unacknowledged here while other nodes idle. 0 picks
    /// from the hardware: 8 with a GPU backend, else twice the reader threads, at least 2.</summary>
    /// <value>The default is 0 (automatic).</value>
    public int ConcurrentTiles { get; init; }

    /// <summary>How long a finalizer may take before another worker may take over the scan (a finalizer that died).</summary>
    /// <value>The default is 10 minutes.</value>
    public TimeSpan FinalizeLease { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How often a worker looks for scans that stopped moving (a lost job, a dead finalizer); 0 turns it off.</summary>
    /// <value>The default is 1 minute.</value>
    public TimeSpan ReconcileInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a running scan may go without a tile done before its missing tiles are queued again.</summary>
    /// <value>The default is 10 minutes.</value>
    public TimeSpan StaleAfter { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The port of a worker's health endpoint (<c>/healthz/live</c>, <c>/healthz/ready</c>); 0 turns it off.</summary>
    /// <value>The default is 0 (off); containers set 8080.</value>
    public int HealthPort { get; init; }
}
