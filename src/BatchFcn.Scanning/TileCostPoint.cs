namespace BatchFcn.Scanning;

/// <summary>One measured network run: its input pixels (per image, batch 1) and the seconds it took.</summary>
public sealed record TileCostPoint(long Pixels, double Seconds)
{
    public double SecondsPerPixel => Seconds / Pixels;
}
