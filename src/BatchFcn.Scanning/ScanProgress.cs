namespace BatchFcn.Scanning;

/// <summary>Where a running scan stands.</summary>
public readonly record struct ScanProgress(int TilesDone, int TilesTotal, long InputPixels, TimeSpan Elapsed)
{
    public double TilesPerSecond => Elapsed.TotalSeconds > 0 ? TilesDone / Elapsed.TotalSeconds : 0;

    public TimeSpan? Remaining => TilesDone > 0 ? TimeSpan.FromSeconds((TilesTotal - TilesDone) / TilesPerSecond) : null;
}
