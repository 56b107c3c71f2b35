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

    public required string ImagePath { get; init; }

    /// <summary>The converted (fully convolutional) model.</summary>
    public required string ModelPath { get; init; }

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

    /// <summary>Saturation threshold used for the tissue mask; <see langword="null"/> when off.</summary>
    public required double? TissueThreshold { get; init; }

    /// <summary>Fraction of the thumbnail found to be foreground; <see langword="null"/> when off.</summary>
    public required double? TissueFraction { get; init; }

    public required ScanOptions Options { get; init; }

    /// <summary>Output stride along y in scan-level pixels (S / Density).</summary>
    public int StepY => Manifest.GeometryY.Stride / Density;

    public int StepX => Manifest.GeometryX.Stride / Density;
}
