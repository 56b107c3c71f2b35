using BatchFcn.Conversion;

namespace BatchFcn.Scanning;

/// <summary>What <c>summary.json</c> records about a finished scan.</summary>
public sealed record ScanSummary
{
    public required string ScanId { get; init; }

    public required DateTimeOffset FinishedUtc { get; init; }

    public required ImageInfo Image { get; init; }

    public required ModelInfo Model { get; init; }

    public required GeometryInfo Geometry { get; init; }

    public required MapInfo Map { get; init; }

    public required TileInfo Tiles { get; init; }

    public required BackendInfo Backend { get; init; }

    /// <summary>Every backend that wrote chunks of this scan (several when nodes of different kinds shared it, or a
    /// re-run finished what another began).</summary>
    public required IReadOnlyList<string> WrittenBy { get; init; }

    public required TimingInfo Timings { get; init; }

    public required IReadOnlyList<ClassStatistics> Classes { get; init; }

    public required int HeatmapClass { get; init; }

    public required OutputInfo Outputs { get; init; }

    /// <summary>Where the network was cut in two for this scan; <see langword="null"/> when it ran whole. The halves'
    /// layer lists stay in <c>plan.json</c>: here only what a reader of the results needs.</summary>
    public SplitInfo? Split { get; init; }

    /// <summary>Why the automatic tile size and cut were chosen (measured costs); absent when the tile size was given.</summary>
    public TileChoice? TileChoice { get; init; }

    /// <summary>A cut network in brief: the tensor, its channels, each half's geometry along y and x as
    /// [stride, receptive field, offset], the tiles and the planned work against running it whole.</summary>
    public sealed record SplitInfo(string Cut, long CutChannels, int[] TrunkY, int[] TrunkX, int[] RestY, int[] RestX, int TrunkTile, int RestTile, double WorkRatio)
    {
        public static SplitInfo From(SplitPlan plan)
        {
            ArgumentNullException.ThrowIfNull(plan);
            return new(plan.Cut, plan.CutChannels, Axis(plan.TrunkY), Axis(plan.TrunkX), Axis(plan.RestY), Axis(plan.RestX), plan.TrunkTile, plan.RestTile, plan.WorkRatio);
        }

        private static int[] Axis(ModelManifest.AxisManifest axis) => [axis.Stride, axis.ReceptiveField, axis.Offset];
    }

    public sealed record ImageInfo(string Path, int Level, long Width, long Height, double Downsample);

    public sealed record ModelInfo(string Path, string Sha256, string SourceModel, string SourceSha256, int PatchHeight, int PatchWidth, long Classes, string Activation, string Normalization);

    public sealed record GeometryInfo(int StrideY, int StrideX, int ReceptiveFieldY, int ReceptiveFieldX, int OffsetY, int OffsetX, bool PaddingFree, int Density, int OutputStrideY, int OutputStrideX);

    public sealed record MapInfo(long Classes, long Rows, long Cols, int ChunkRows, int ChunkCols, string Layout, string FillValue, long ComputedCells);

    public sealed record TileInfo(int Total, int Computed, int Skipped, int CellsPerTile, string Tissue, double? TissueThreshold, double? TissueFraction);

    public sealed record BackendInfo(string Name, string Description, IReadOnlyList<string> Reasons);

    /// <summary>Stage seconds are summed over tiles and overlap in the pipeline; <see cref="InputMegapixelsPerSecond"/>
    /// is the image area (at the scanned level) covered per wall-clock second.</summary>
    public sealed record TimingInfo(double WallSeconds, double PlanSeconds, double ReadSeconds, double PreprocessSeconds, double InferSeconds, double WriteSeconds, double FinalizeSeconds, double InputMegapixelsPerSecond);

    /// <summary>Per class over computed cells: probability (after the model's activation, or a softmax
    /// over classes when it has none) min/mean/max, and the fraction of cells where it is the top class.</summary>
    public sealed record ClassStatistics(int Index, double MinProbability, double MeanProbability, double MaxProbability, double TopClassFraction, string? Label = null);

    /// <summary>Where the outputs are, and what <c>scores.zarr</c> holds (<c>network</c> output or <c>probabilities</c>)
    /// and how its chunks are stored (<c>zlib</c> or <c>none</c>).</summary>
    public sealed record OutputInfo(string Scores, string Heatmap, string Summary, string? Npy, string Values = "network", string Compression = "zlib");
}
