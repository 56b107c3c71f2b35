namespace BatchFcn.Scanning;

/// <summary>The measured runs of a cut network's two halves.</summary>
/// <param name="Trunk">The trunk on image tiles (input pixels).</param>
/// <param name="Rest">The rest on tiles of the trunk's map (input cells of that map).</param>
public sealed record TileCutCosts(TileCostCurve Trunk, TileCostCurve Rest);
