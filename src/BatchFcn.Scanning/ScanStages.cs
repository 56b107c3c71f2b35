namespace BatchFcn.Scanning;

/// <summary>The names of a scan's stages, as metrics tag them (<c>stage</c>) and traces name their spans.</summary>
public static class ScanStages
{
    /// <summary>Opening the image and model, planning the tiles, writing <c>plan.json</c> and the array metadata.</summary>
    public const string Plan = "plan";

    /// <summary>Decoding a tile's pixels from the image.</summary>
    public const string Read = "read";

    /// <summary>Converting a tile's pixels to the network's normalised input.</summary>
    public const string Preprocess = "preprocess";

    /// <summary>Running the network (for a batch, each tile's share of it).</summary>
    public const string Infer = "infer";

    /// <summary>Scattering the scores into the tile's chunk and writing it to the store.</summary>
    public const string Write = "write";

    /// <summary>Recording a tile job done in the scan's tile record (distributed only).</summary>
    public const string Complete = "complete";

    /// <summary>Reading the chunks back and writing the heatmap, the NumPy export and the summary.</summary>
    public const string Finalize = "finalize";
}
