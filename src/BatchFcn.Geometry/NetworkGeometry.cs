namespace BatchFcn.Geometry;

/// <summary>
/// The geometry of a fully convolutional network in both spatial axes.
/// </summary>
/// <param name="Y">The vertical axis.</param>
/// <param name="X">The horizontal axis.</param>
public sealed record NetworkGeometry(AxisPath Y, AxisPath X)
{
    /// <summary>Whether the network reads only real pixels: then dense output equals sliding the
    /// classifier exactly, and tiles need no halo.</summary>
    public bool IsPaddingFree => Y.IsPaddingFree && X.IsPaddingFree;

    /// <summary>Output map size (height, width) for an input of the given size.</summary>
    public (long Height, long Width) OutputSize(long height, long width) => (Y.OutputLength(height), X.OutputLength(width));
}
