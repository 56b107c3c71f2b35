namespace BatchFcn.Contracts;

/// <summary>Work on a short run of a planned scan's tiles: which scan, where its plan is, which tiles. A few hundred
/// bytes, never the plan itself; computing it twice writes nothing new (chunks are write-once).</summary>
/// <param name="ScanId">The scan.</param>
/// <param name="Plan">Where the plan is: an address of <c>plan.json</c> in the scan's output folder.</param>
/// <param name="FirstTile">Index of the first tile in the plan's list of tiles to compute.</param>
/// <param name="TileCount">How many consecutive tiles.</param>
public sealed record TileJob(string ScanId, string Plan, int FirstTile, int TileCount = 1);
