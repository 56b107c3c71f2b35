namespace BatchFcn.Scanning;

/// <summary>
/// A node's calibration of one model: how long network runs take on its backend by input size, for the whole network
/// and for the halves of the cuts that were measured. Cached per (model hash, backend, device, threads) in the node's
/// cache folder (<see cref="TileCalibrator"/>); a cached one whose key does not match is measured again.
/// </summary>
public sealed record TileCosts
{
    public required string ModelSha256 { get; init; }

    /// <summary>The backend the runs were timed on (<c>cpu</c>, <c>cuda</c>).</summary>
    public required string Backend { get; init; }

    /// <summary>The CPU model or GPU the runs were timed on.</summary>
    public required string Device { get; init; }

    /// <summary>Inference threads (CPU backend).</summary>
    public required int Threads { get; init; }

    public required TileCostCurve Whole { get; init; }

    /// <summary>Per cut point measured: the trunk's runs (on image tiles) and the rest's (on tiles of the trunk's map).</summary>
    public IReadOnlyDictionary<string, TileCutCosts> Cuts { get; init; } = new Dictionary<string, TileCutCosts>();

    /// <summary>Seconds the measuring took: in the cache file, all of it so far; as <see cref="TileCalibrator.Get"/> returns
    /// it, that call's (0 when everything was cached).</summary>
    public double MeasuredSeconds { get; init; }

    /// <summary>Whether this calibration was measured for this key.</summary>
    public bool Matches(string modelSha256, string backend, string device, int threads) =>
        ModelSha256 == modelSha256 && Backend == backend && Device == device && Threads == threads;
}
