using BatchFcn.Geometry;

namespace BatchFcn.Conversion;

/// <summary>What <c>batchfcn inspect</c> shows about a model.</summary>
public sealed record InspectReport
{
    public required string Model { get; init; }

    /// <summary>Whether the model is a converted network (described by its manifest) rather than a classifier.</summary>
    public required bool IsConverted { get; init; }

    /// <summary>Geometry, head, cost and provenance (what <c>convert</c> writes or would write).</summary>
    public required ModelManifest Manifest { get; init; }

    /// <summary>Tile sizes whose stitched output is exact, with their overlap cost.</summary>
    public required IReadOnlyList<TileOption> TileOptions { get; init; }

    /// <summary>Where <c>run --split</c> can cut the network in two, in graph order.</summary>
    public required IReadOnlyList<CutPoint> CutPoints { get; init; }

    /// <summary>One cut: the trunk (image → <see cref="Tensor"/>) and the rest (→ scores), with what decides whether
    /// cutting there pays: the trunk's halo (its receptive field), the rest's (in image pixels), the memory each
    /// half's largest map takes per image pixel, and the trunk's share of the FLOPs.</summary>
    public sealed record CutPoint(string Tensor, long Channels, int TrunkStride, int TrunkReceptiveField, int RestReceptiveField,
        double TrunkFloatsPerPixel, double RestFloatsPerPixel, double TrunkFlopsShare)
    {
        public static CutPoint Of(FcnSplit split, ModelManifest whole)
        {
            ArgumentNullException.ThrowIfNull(split);
            ArgumentNullException.ThrowIfNull(whole);
            var t = split.Trunk.Geometry.Y.Geometry;
            var r = split.Rest.Geometry.Y.Geometry;
            int tx = split.Trunk.Geometry.X.Geometry.Stride;
            double trunkFlopsPerPixel = split.Trunk.FlopsPerCell / ((double)t.Stride * tx);
            double wholeFlopsPerPixel = whole.FlopsPerCell / ((double)whole.GeometryY.Stride * whole.GeometryX.Stride);
            return new CutPoint(split.Cut, split.CutChannels, t.Stride, t.ReceptiveField, (r.ReceptiveField - 1) * t.Stride + 1,
                split.Trunk.MaxMapFloatsPerInputPixel, split.Rest.MaxMapFloatsPerInputPixel / ((double)t.Stride * tx),
                wholeFlopsPerPixel > 0 ? trunkFlopsPerPixel / wholeFlopsPerPixel : 0);
        }
    }

    /// <summary>One exact tiling: a tile of <see cref="InputHeight"/>×<see cref="InputWidth"/> pixels
    /// contributes <see cref="CellsPerTile"/>² cells; <see cref="OverlapCost"/> is the pixels the network
    /// reads per pixel of image it advances over ((T_y·T_x)/(n·S_y·n·S_x)).</summary>
    public sealed record TileOption(int CellsPerTile, long InputHeight, long InputWidth, double OverlapCost);

    /// <summary>Builds the tile table for tiles of about 256 to 4096 pixels.</summary>
    public static IReadOnlyList<TileOption> TileTable(NetworkGeometry geometry)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        var options = new List<TileOption>();
        var gy = geometry.Y.Geometry;
        var gx = geometry.X.Geometry;
        foreach (long target in new long[] { 256, 512, 1024, 2048, 4096 })
        {
            int n = Math.Min(AxisTiler.CellsForInputLength(gy, target), AxisTiler.CellsForInputLength(gx, target));
            if (options.Any(o => o.CellsPerTile == n))
            {
                continue;
            }

            long th = AxisTiler.InteriorInputLength(gy, n), tw = AxisTiler.InteriorInputLength(gx, n);
            options.Add(new TileOption(n, th, tw, th * (double)tw / ((double)n * gy.Stride * n * gx.Stride)));
        }

        return options;
    }
}
