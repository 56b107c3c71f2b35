namespace BatchFcn.Distributed;

/// <summary>How many of a scan's tiles are recorded done.</summary>
/// <param name="Done">Tiles done.</param>
/// <param name="Total">Tiles planned.</param>
public sealed record TileProgress(int Done, int Total)
{
    public bool Complete => Total > 0 && Done >= Total;
}
