namespace BatchFcn.Geometry;

/// <summary>
/// One tile along one axis: the input range the network runs on and the cells of the whole-image map
/// that it contributes exactly.
/// </summary>
/// <param name="Index">Chunk index along the axis.</param>
/// <param name="InputStart">First input element read (a multiple of the stride).</param>
/// <param name="InputLength">Input elements read.</param>
/// <param name="CellStart">First cell of the whole-image map this tile writes.</param>
/// <param name="CellCount">Cells written.</param>
public readonly record struct AxisTile(int Index, long InputStart, long InputLength, long CellStart, int CellCount)
{
    /// <summary>Index, in the tile's own output map, of its first kept cell.</summary>
    public long SkipCells(int stride) => CellStart - (InputStart / stride);
}
