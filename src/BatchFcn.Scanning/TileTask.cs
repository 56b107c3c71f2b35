namespace BatchFcn.Scanning;

/// <summary>
/// One tile of a scan: the chunk (<see cref="ChunkRow"/>, <see cref="ChunkCol"/>) of the score array it
/// writes, and per shift of the shift-and-stitch grid the input region it reads. A pure function of
/// image, model, options and this record: processing it twice writes the same bytes.
/// </summary>
public sealed record TileTask(int ChunkRow, int ChunkCol, IReadOnlyList<TileRegion> Regions)
{
    /// <summary>Input pixels read, over all shifts.</summary>
    public long InputPixels => Regions.Sum(r => (long)r.Width * r.Height);
}

/// <summary>
/// What one network run of a tile reads and keeps: the input region, and the cells
/// [<see cref="SkipRows"/>, +<see cref="CellRows"/>) × [<see cref="SkipCols"/>, +<see cref="CellCols"/>) of its
/// output that go to the chunk at dense offset (<see cref="DenseRow"/>, <see cref="DenseCol"/>), every
/// <c>density</c>-th position (shift <see cref="ShiftY"/>, <see cref="ShiftX"/>).
/// </summary>
public sealed record TileRegion(
    int ShiftY, int ShiftX, long X, long Y, int Width, int Height,
    long SkipRows, long SkipCols, int CellRows, int CellCols, int DenseRow, int DenseCol);
