namespace BatchFcn.Scanning;

/// <summary>Where a running scan stands.</summary>
/// <param name="TilesDone">Chunks written.</param>
/// <param name="TilesTotal">Chunks to write.</param>
/// <param name="InputPixels">Image pixels read and run through the network so far (halo overlap included).</param>
/// <param name="Elapsed">Since the tiles started.</param>
/// <param name="Fraction">The planned work done, 0 to 1: finer than whole tiles where a tile is large (a cut
/// network's rest tile may cover the whole image), so the bar and the ETA move while it is computed.</param>
/// <param name="AreaPixels">The scanned level's area in pixels (0 when unknown).</param>
public readonly record struct ScanProgress(int TilesDone, int TilesTotal, long InputPixels, TimeSpan Elapsed, double Fraction, long AreaPixels = 0)
{
    public double TilesPerSecond => Elapsed.TotalSeconds > 0 ? TilesDone / Elapsed.TotalSeconds : 0;

    /// <summary>Image area covered per second: the level's area times the work done, over the time taken, the same
    /// measure as the summary's <c>inputMegapixelsPerSecond</c> (so halo overlap, a cut network's two passes and
    /// <c>--density</c> do not inflate it). Input pixels per second where the area is unknown.</summary>
    public double MegapixelsPerSecond => Elapsed.TotalSeconds <= 0 ? 0
        : (AreaPixels > 0 ? Math.Clamp(Fraction, 0, 1) * AreaPixels : InputPixels) / 1e6 / Elapsed.TotalSeconds;

    /// <summary>Time left at the rate so far; unknown until some work is done.</summary>
    public TimeSpan? Remaining => Fraction > 0 ? TimeSpan.FromSeconds(Elapsed.TotalSeconds * (1 - Math.Min(1, Fraction)) / Fraction) : null;
}
