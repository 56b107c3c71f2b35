namespace BatchFcn.Scanning;

/// <summary>Where a running scan stands.</summary>
/// <param name="TilesDone">Chunks written.</param>
/// <param name="TilesTotal">Chunks to write.</param>
/// <param name="InputPixels">Image pixels read and run through the network so far (halo overlap included).</param>
/// <param name="Elapsed">Since the tiles started.</param>
/// <param name="Fraction">The planned work done, 0 to 1: finer than whole tiles where a tile is large (a cut
/// network's rest tile may cover the whole image), so the bar and the ETA move while it is computed.</param>
public readonly record struct ScanProgress(int TilesDone, int TilesTotal, long InputPixels, TimeSpan Elapsed, double Fraction)
{
    public double TilesPerSecond => Elapsed.TotalSeconds > 0 ? TilesDone / Elapsed.TotalSeconds : 0;

    /// <summary>Time left at the rate so far; unknown until some work is done.</summary>
    public TimeSpan? Remaining => Fraction > 0 ? TimeSpan.FromSeconds(Elapsed.TotalSeconds * (1 - Math.Min(1, Fraction)) / Fraction) : null;
}
