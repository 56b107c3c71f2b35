namespace BatchFcn.Scanning;

/// <summary>
/// One tile of a scan: the chunk (<see cref="ChunkRow"/>, <see cref="ChunkCol"/>) of the score array it
/// writes, and per shift of the shift-and-stitch grid the input region it reads. A pure function of
/// image, model, options and this record: processing it twice writes the same bytes.
/// </summary>
/// <param name="ChunkRow">Chunk row of the score array.</param>
/// <param name="ChunkCol">Chunk column.</param>
/// <param name="Regions">Per shift, the region the network runs on; with a split plan (<see cref="ScanPlan.Split"/>)
/// one region of the trunk's output map (in its cells) that the rest of the network runs on.</param>
/// <param name="Parts">With a split plan, the image regions the trunk runs on to fill that map: each part's kept
/// trunk cells go to (<see cref="TileRegion.DenseRow"/>, <see cref="TileRegion.DenseCol"/>) of it. Otherwise
/// <see langword="null"/>.</param>
public sealed record TileTask(int ChunkRow, int ChunkCol, IReadOnlyList<TileRegion> Regions, IReadOnlyList<TileRegion>? Parts = null)
{
    /// <summary>Image pixels read, over all shifts or parts.</summary>
    public long InputPixels => (Parts ?? Regions).Sum(r => (long)r.Width * r.Height);
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
