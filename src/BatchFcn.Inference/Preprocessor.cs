namespace BatchFcn.Inference;

/// <summary>Public entry to the SIMD pre-processing (RGB8 interleaved → normalised planar float).</summary>
public static class Preprocessor
{
    /// <summary>Converts interleaved RGB8 pixels into three normalised float planes.</summary>
    public static void RgbToPlanar(ReadOnlySpan<byte> rgb, Span<float> r, Span<float> g, Span<float> b, Normalization normalization)
    {
        ArgumentNullException.ThrowIfNull(normalization);
        PixelConversion.RgbToPlanar(rgb, r, g, b, normalization);
    }
}
