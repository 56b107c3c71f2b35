using BatchFcn.Conversion;
using BatchFcn.Inference;

namespace BatchFcn.Scanning;

/// <summary>
/// Everything a worker needs to compute any tile of a scan, and the finalizer to finish it. Serialisable
/// (plain records), so the embedded runner and distributed workers share it.
/// </summary>
public sealed record ScanPlan
{
    public required string ScanId { get; init; }

    /// <summary>The image's address (a local path or <c>az://…</c>).</summary>
    public required string ImagePath { get; init; }

    /// <summary>The converted (fully convolutional) model's address; its manifest lies beside it.</summary>
    public required string ModelPath { get; init; }

    /// <summary>The output folder's address: <c>plan.json</c>, <c>scores.zarr</c> and the rest go there.</summary>
    public string Output { get; init; } = string.Empty;

    /// <summary>What is written besides the score map.</summary>
    public OutputOptions Outputs { get; init; } = new();

    public required string ModelSha256 { get; init; }

    public required ModelManifest Manifest { get; init; }

    public required int Level { get; init; }

    public required long LevelWidth { get; init; }

    public required long LevelHeight { get; init; }

    public required double Downsample { get; init; }

    public required int Density { get; init; }

    /// <summary>Network cells per chunk along each axis (before density).</summary>
    public required int CellsPerTile { get; init; }

    /// <summary>Dense cells per chunk along y (CellsPerTile · Density).</summary>
    public required int ChunkRows { get; init; }

    public required int ChunkCols { get; init; }

    /// <summary>Score map rows (at stride S/Density).</summary>
    public required long Rows { get; init; }

    public required long Cols { get; init; }

    public required long Classes { get; init; }

    public required Normalization Normalization { get; init; }

    /// <summary>Tiles to compute (foreground), in raster order.</summary>
    public required IReadOnlyList<TileTask> Tiles { get; init; }

    /// <summary>All chunks of the grid, computed or skipped.</summary>
    public required int TotalTiles { get; init; }

    public required int SkippedTiles { get; init; }

    /// <summary>Threshold used for the tissue mask (saturation in [0, 1], or brightness in [0, 255] on a gray image, see
    /// <see cref="TissueMethod"/>); <see langword="null"/> when off.</summary>
    public required double? TissueThreshold { get; init; }

    /// <summary>Fraction of the thumbnail found to be foreground; <see langword="null"/> when off.</summary>
    public required double? TissueFraction { get; init; }

    /// <summary>How the mask told tissue from background, in words (saturation, or brightness on a gray image);
    /// <see langword="null"/> when off.</summary>
    public string? TissueMethod { get; init; }

    public required ScanOptions Options { get; init; }

    /// <summary>Where the network is cut in two for this scan (trunk on image tiles, the rest on large tiles of
    /// the trunk's output); <see langword="null"/> when it runs whole.</summary>
    public SplitPlan? Split { get; init; }

    /// <summary>Why the automatic tile size and cut were chosen (measured costs); <see langword="null"/> when the tile
    /// size was given or no calibration was used.</summary>
    public TileChoice? TileChoice { get; init; }

    /// <summary>Output stride along y in scan-level pixels (S / Density).</summary>
    public int StepY => Manifest.GeometryY.Stride / Density;

    public int StepX => Manifest.GeometryX.Stride / Density;
}

/// <summary>
/// A scan that runs the network in two halves (see <c>FcnSplitter</c>): the trunk, image → <see cref="Cut"/>, on
/// image tiles of about <see cref="TrunkTile"/> pixels with the trunk's own small halo; the rest, <see cref="Cut"/> →
/// scores, on tiles of the trunk's output covering about <see cref="RestTile"/> image pixels, with the rest's halo.
/// The wide halo of the whole network is paid once per large tile instead of once per small one.
/// </summary>
/// <param name="Cut">The tensor the network is cut at.</param>
/// <param name="CutChannels">Its channels.</param>
/// <param name="TrunkY">The trunk's geometry along y (image pixels → trunk cells).</param>
/// <param name="TrunkX">Along x.</param>
/// <param name="RestY">The rest's geometry along y (trunk cells → score cells).</param>
/// <param name="RestX">Along x.</param>
/// <param name="TrunkCells">Trunk cells per trunk tile (per axis).</param>
/// <param name="TrunkTile">Image pixels of an interior trunk tile (per axis).</param>
/// <param name="RestTile">Image pixels an interior tile of the rest spans (per axis).</param>
/// <param name="WorkRatio">Planned work (FLOPs, overlap included) relative to running the network whole.</param>
/// <param name="TrunkShare">The trunk's part of the planned FLOPs (the rest does the remainder): progress weighs trunk
/// parts and rest tiles by it.</param>
public sealed record SplitPlan(
    string Cut, long CutChannels, ModelManifest.AxisManifest TrunkY, ModelManifest.AxisManifest TrunkX,
    ModelManifest.AxisManifest RestY, ModelManifest.AxisManifest RestX, int TrunkCells, int TrunkTile, int RestTile, double WorkRatio,
    double TrunkShare = 0.5)
{
    public Geometry.NetworkGeometry TrunkGeometry => new(TrunkY.ToPath(), TrunkX.ToPath());

    public Geometry.NetworkGeometry RestGeometry => new(RestY.ToPath(), RestX.ToPath());
}
