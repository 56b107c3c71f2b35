namespace BatchFcn.Geometry;

/// <summary>
/// Splits one axis of an image into tiles whose valid cores abut exactly: every kept cell's receptive
/// field lies inside its tile, or runs past the image edge exactly where the tile does, so the tile's
/// cell equals the whole-image cell bit for bit in exact arithmetic (invariant C in docs/ARCHITECTURE.md).
/// Tiles at the image's edges are shifted back inside the image (by whole strides, so the grid stays
/// aligned) to the interior tiles' length where the image allows and the tile is at least half that long:
/// fewer distinct shapes to batch and to warm up, and never a pixel of padding.
/// </summary>
public static class AxisTiler
{
    /// <summary>Plans the tiles along one axis.</summary>
    /// <param name="path">The network's geometry along the axis.</param>
    /// <param name="imageLength">Image length in pixels.</param>
    /// <param name="cellsPerTile">Cells each tile contributes (the chunk size); the last may be fewer.</param>
    /// <returns>The tiles, in order; empty when the image yields no cell.</returns>
    public static IReadOnlyList<AxisTile> Plan(AxisPath path, long imageLength, int cellsPerTile)
    {
        ArgumentNullException.ThrowIfNull(path);
        return PlanRange(path, imageLength, 0, path.OutputLength(imageLength), cellsPerTile);
    }

    /// <summary>Plans the tiles that compute only the cells [<paramref name="cellStart"/>, <paramref name="cellEnd"/>)
    /// of the whole-image map (the same rules as <see cref="Plan"/>; chunk indices count from the range's start).
    /// A scan that cuts the network in two uses it for the trunk's tiles under one tile of the rest.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is not within the image's map.</exception>
    public static IReadOnlyList<AxisTile> PlanRange(AxisPath path, long imageLength, long cellStart, long cellEnd, int cellsPerTile)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(cellsPerTile, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(cellStart);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(cellEnd, path.OutputLength(imageLength));
        var g = path.Geometry;
        long interior = InteriorInputLength(g, cellsPerTile);
        var tiles = new List<AxisTile>((int)Math.Max(0, (cellEnd - cellStart + cellsPerTile - 1) / cellsPerTile));
        for (long c0 = cellStart; c0 < cellEnd; c0 += cellsPerTile)
        {
            long c1 = Math.Min(c0 + cellsPerTile, cellEnd);
            long x0 = Math.Max(0, (c0 * g.Stride) - g.HaloBefore);
            long x1 = Math.Min(imageLength, g.WindowEnd(c1 - 1));
            if (x1 - x0 < interior && 2 * (x1 - x0) >= interior)
            {
                // Extend backwards by whole strides (kept windows stay inside), then forwards (more context
                // after the last kept cell changes nothing it reads). A tile shorter than half an interior
                // one stays short: computing twice its pixels costs more than another shape.
                long back = Math.Min(x0 / g.Stride, (interior - (x1 - x0)) / g.Stride);
                x0 -= back * g.Stride;
                x1 = Math.Min(imageLength, Math.Max(x1, x0 + interior));
            }

            tiles.Add(new AxisTile(tiles.Count, x0, x1 - x0, c0, (int)(c1 - c0)));
        }

        return tiles;
    }

    /// <summary>Input length of an interior tile that contributes <paramref name="cellsPerTile"/> cells:
    /// the halo before, the cells' stride steps, and the last window's reach.</summary>
    public static long InteriorInputLength(AxisGeometry geometry, int cellsPerTile) =>
        geometry.HaloBefore + ((long)(cellsPerTile - 1) * geometry.Stride) + geometry.ReceptiveField - geometry.Offset;

    /// <summary>The most cells an interior tile of at most <paramref name="inputLength"/> pixels can
    /// contribute (at least 1).</summary>
    public static int CellsForInputLength(AxisGeometry geometry, long inputLength)
    {
        long spare = inputLength - InteriorInputLength(geometry, 1);
        return (int)Math.Max(1, 1 + (spare / geometry.Stride));
    }
}
