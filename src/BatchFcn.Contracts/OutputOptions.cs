namespace BatchFcn.Contracts;

/// <summary>What a scan writes besides the score map. Travels with the request (section <c>BatchFcn:Output</c>).</summary>
public sealed record OutputOptions
{
    /// <summary>Also write <c>scores.npy</c>: the whole map as one NumPy array (only sensible when it fits in the memory
    /// of whoever reads it).</summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool WriteNpy { get; init; }

    /// <summary>Class shown by the heatmap, 0 to classes − 1; −1 means the last class.</summary>
    /// <value>The default is −1.</value>
    public int HeatmapClass { get; init; } = -1;

    /// <summary>Class shown by the heatmap, by name (one of the manifest's labels); instead of <see cref="HeatmapClass"/>.</summary>
    public string? HeatmapLabel { get; init; }

    /// <summary>How <c>scores.zarr</c>'s chunks are stored: <c>zlib</c> (byte shuffle + zlib, both in numcodecs, so
    /// zarr-python reads them without extras) or <c>none</c> (raw little-endian floats).</summary>
    /// <value>The default is <c>zlib</c>.</value>
    public string Compression { get; init; } = "zlib";

    /// <summary>What <c>scores.zarr</c> holds: <c>network</c> (what the network outputs, logits for most exports) or
    /// <c>probabilities</c> (softmax over the classes, a sigmoid for a one-logit model; as the network gives them when
    /// its output already is a softmax).</summary>
    /// <value>The default is <c>network</c>.</value>
    public string Values { get; init; } = "network";
}
