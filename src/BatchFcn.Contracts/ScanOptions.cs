namespace BatchFcn.Contracts;

/// <summary>
/// What defines a scan's result: which pixels are read, how they are tiled and normalised, what is skipped. These
/// travel in the request and the plan, so every node computes the same map; how a node runs it (readers, batch,
/// threads, backend) is that node's own (<c>NodeOptions</c>, <c>BackendOptions</c>). Bound from the configuration
/// section <c>BatchFcn:Scan</c> and checked by <c>ScanOptionsValidator</c>, the one place of these rules.
/// </summary>
public sealed record ScanOptions
{
    /// <summary>Pyramid level to read (0 = full resolution), 0 to 64.</summary>
    /// <value>The default is 0.</value>
    public int Level { get; init; }

    /// <summary>Target microns per pixel; when set, the level closest to it is used instead of <see cref="Level"/>.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public double? MicronsPerPixel { get; init; }

    /// <summary>Tile input size in pixels (16 to 16384), rounded down to what the geometry allows (a whole number of
    /// cells); 0 picks the size with the least planned work for this image (tiles to compute, halo overlap included,
    /// plus a fixed cost per tile), between 512 px and <see cref="MaxAutoTileSize"/>.</summary>
    /// <value>The default is 0 (automatic).</value>
    public int TileSize { get; init; }

    /// <summary>Largest tile the automatic choice may pick (64 to 16384; memory grows with its square). It also bounds
    /// every job of a cut network (a tile of the rest with its trunk parts) to twice this many pixels a side, so no job
    /// is a whole slide and background skipping still applies.</summary>
    /// <value>The default is 4096.</value>
    public int MaxAutoTileSize { get; init; } = 4096;

    /// <summary>Background detection.</summary>
    /// <value>The default is <see cref="TissueMode.Saturation"/>.</value>
    public TissueMode Tissue { get; init; } = TissueMode.Saturation;

    /// <summary>Saturation threshold for <see cref="TissueMode.Saturation"/>, in [0, 1].</summary>
    /// <value>The default is 0.08.</value>
    public double TissueThreshold { get; init; } = 0.08;

    /// <summary>Output density α (1 to 16): a map at stride S/α by shift-and-stitch (S must be divisible by α).</summary>
    /// <value>The default is 1.</value>
    public int Density { get; init; } = 1;

    /// <summary>Input normalisation; <see langword="null"/> uses the model manifest's, else ImageNet's.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public Normalization? Normalization { get; init; }

    /// <summary>Longer side of the tissue-mask and heatmap thumbnail, in pixels (64 to 8192).</summary>
    /// <value>The default is 1024.</value>
    public int ThumbnailSize { get; init; } = 1024;

    /// <summary>Whether to cut the network in two (trunk on image tiles, the rest on large tiles of the trunk's
    /// output): "auto" when the planned work (FLOPs of every tile to compute, overlap and background skipping
    /// included) falls by at least 5 % (wide padded networks such as ResNets), "off" never, and a tensor name cuts
    /// there. Only with automatic tile size and density 1.</summary>
    /// <value>The default is "auto".</value>
    public string Split { get; init; } = "auto";
}
