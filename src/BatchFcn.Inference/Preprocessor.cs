namespace BatchFcn.Inference;

/// <summary>Public entry to the SIMD pre-processing (RGB8 interleaved → normalised planar float).</summary>
public static class Preprocessor
{
    /// <summary>Converts interleaved RGB8 pixels into one planar buffer [3, pixels] of normalised floats.</summary>
    /// <exception cref="ArgumentException"><paramref name="planar"/> does not hold exactly three floats per pixel.</exception>
    public static void RgbToPlanar(ReadOnlySpan<byte> rgb, Span<float> planar, Normalization normalization)
    {
        ArgumentNullException.ThrowIfNull(normalization);
        int pixels = rgb.Length / 3;
        if (planar.Length != 3 * pixels)
        {
            throw new ArgumentException($"the planar buffer holds {planar.Length} floats for {pixels} pixels; 3 per pixel are needed", nameof(planar));
        }

        PixelConversion.RgbToPlanar(rgb, planar[..pixels], planar.Slice(pixels, pixels), planar.Slice(2 * pixels, pixels), normalization);
    }
}
