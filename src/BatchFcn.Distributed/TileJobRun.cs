using BatchFcn.Scanning;

namespace BatchFcn.Distributed;

/// <summary>What a tile job's tiles took on this node.</summary>
/// <param name="Times">Seconds their stages took (zero for tiles found done).</param>
/// <param name="Backend">The backend that ran them.</param>
/// <param name="Model">The model's file name.</param>
public sealed record TileJobRun(TileStageTimes Times, string Backend, string Model)
{
    /// <summary>Nothing ran (the scan was not running).</summary>
    public static readonly TileJobRun None = new(default, "none", "none");
}
