using Onnx;

namespace BatchFcn.Conversion;

/// <summary>
/// Rewrites a patch classifier's fully-connected head as convolutions so the network runs on inputs of
/// any size and returns a dense score map: an FC over a C×h×w volume becomes an h×w
/// convolution without padding, later FCs 1×1 convolutions, global pooling a fixed stride-1 pooling.
/// </summary>
public static class FcnConverter
{
    /// <summary>Converter version, written into every manifest.</summary>
    public const string Version = "1.0.0";

    /// <summary>Converts <paramref name="source"/>; the source model is not modified.</summary>
    /// <exception cref="ConversionException">The model has a layer or pattern that cannot be converted
    /// exactly; the message names the node.</exception>
    public static ConversionResult Convert(ModelProto source, ConversionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new ConversionSession(source, options ?? new ConversionOptions()).Run();
    }
}
