using System.ComponentModel.DataAnnotations;
using BatchFcn.Inference;

namespace BatchFcn.Scanning;

/// <summary>How the background is told apart from the foreground.</summary>
public enum TissueMode
{
    /// <summary>Saturation above <see cref="ScanOptions.TissueThreshold"/>.</summary>
    Saturation,

    /// <summary>Saturation above a threshold chosen by Otsu's method.</summary>
    Otsu,

    /// <summary>Compute every tile.</summary>
    Off,
}

/// <summary>Options of one scan.</summary>
public sealed record ScanOptions
{
    /// <summary>Pyramid level to read (0 = full resolution).</summary>
    /// <value>The default is 0.</value>
    [Range(0, 64)]
    public int Level { get; init; }

    /// <summary>Target microns per pixel; when set, the level closest to it is used instead of <see cref="Level"/>.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public double? MicronsPerPixel { get; init; }

    /// <summary>Tile input size in pixels, rounded down to what the geometry allows (a whole number of
    /// cells); 0 picks the size with the least planned work for this image (tiles to compute, halo
    /// overlap included, plus a fixed cost per tile), between 512 px and <see cref="MaxAutoTileSize"/>.</summary>
    /// <value>The default is 0 (automatic).</value>
    [Range(0, 16384)]
    public int TileSize { get; init; }

    /// <summary>Largest tile the automatic choice may pick (memory grows with its square).</summary>
    /// <value>The default is 4096.</value>
    [Range(64, 16384)]
    public int MaxAutoTileSize { get; init; } = 4096;

    /// <summary>Upper bound on pixels per inference batch; the batch shrinks for large tiles (batching
    /// large tiles only grows the activations: measured 18.1 s vs 14.7 s and 4.2 vs 2.2 GB for 2380² tiles).</summary>
    /// <value>The default is 4 megapixels.</value>
    [Range(1 << 16, 1 << 30)]
    public long MaxBatchPixels { get; init; } = 4L << 20;

    /// <summary>Background detection.</summary>
    /// <value>The default is <see cref="TissueMode.Saturation"/>.</value>
    public TissueMode Tissue { get; init; } = TissueMode.Saturation;

    /// <summary>Saturation threshold for <see cref="TissueMode.Saturation"/>.</summary>
    /// <value>The default is 0.08.</value>
    [Range(0.0, 1.0)]
    public double TissueThreshold { get; init; } = 0.08;

    /// <summary>Output density α: a map at stride S/α by shift-and-stitch (S must be divisible by α).</summary>
    /// <value>The default is 1.</value>
    [Range(1, 16)]
    public int Density { get; init; } = 1;

    /// <summary>Input normalisation; <see langword="null"/> uses the model manifest's, else ImageNet's.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public Normalization? Normalization { get; init; }

    /// <summary>Same-shape tiles per inference call.</summary>
    /// <value>The default is 4.</value>
    [Range(1, 256)]
    public int BatchSize { get; init; } = 4;

    /// <summary>Threads reading and pre-processing tiles while the backend infers. Decoding a tiled JPEG runs at
    /// ~65 Mpx per CPU-second (slide-like content), slower than a GPU or a many-core CPU infers small networks, so
    /// larger nodes need several readers to keep the backend fed; tiles are independent, so they read in any order.
    /// 0 picks one per four CPUs of the container's limit, at least 1 and at most 8.</summary>
    /// <value>The default is 0 (automatic).</value>
    [Range(0, 64)]
    public int Readers { get; init; }

    /// <summary>Class shown by the heatmap; −1 means the last class.</summary>
    /// <value>The default is −1.</value>
    public int HeatmapClass { get; init; } = -1;

    /// <summary>Longer side of the heatmap and tissue-mask thumbnail, in pixels.</summary>
    /// <value>The default is 1024.</value>
    [Range(64, 8192)]
    public int ThumbnailSize { get; init; } = 1024;

    /// <summary>Whether to cut the network in two (trunk on image tiles, the rest on large tiles of the trunk's
    /// output): "auto" when the planned work (FLOPs of every tile to compute, overlap and background skipping
    /// included) falls by at least 5 % (wide padded networks such as ResNets), "off" never, and a tensor name cuts
    /// there. Only with automatic tile size and density 1.</summary>
    /// <value>The default is "auto".</value>
    public string Split { get; init; } = "auto";

    /// <summary>Also write <c>scores.npy</c> (only sensible when the map fits in memory of the reader).</summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool WriteNpy { get; init; }
}
