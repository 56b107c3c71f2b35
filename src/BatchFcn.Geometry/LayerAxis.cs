namespace BatchFcn.Geometry;

/// <summary>
/// One sliding-window layer (convolution or pooling) along one spatial axis.
/// </summary>
/// <param name="Kernel">Kernel size k.</param>
/// <param name="Stride">Stride s.</param>
/// <param name="Dilation">Dilation d.</param>
/// <param name="PadBegin">Padding before the first element.</param>
/// <param name="PadEnd">Padding after the last element.</param>
/// <param name="CeilMode">Whether the output length rounds up (pooling's <c>ceil_mode</c>).</param>
public readonly record struct LayerAxis(int Kernel, int Stride, int Dilation, int PadBegin, int PadEnd, bool CeilMode)
{
    /// <summary>The span of input elements one output element sees: d·(k−1)+1.</summary>
    public int EffectiveKernel => (Dilation * (Kernel - 1)) + 1;

    /// <summary>Whether the layer reads anything but real input values (zero or −∞ padding, or a
    /// partial window produced by <see cref="CeilMode"/>).</summary>
    public bool IsPadded => PadBegin != 0 || PadEnd != 0 || (CeilMode && Stride > 1);

    /// <summary>A stride-1, unpadded window of size <paramref name="kernel"/>.</summary>
    public static LayerAxis Valid(int kernel, int stride = 1) => new(kernel, stride, 1, 0, 0, false);

    /// <summary>Output length for an input of <paramref name="inputLength"/> elements, as ONNX defines it
    /// for Conv and the pooling ops (ceil mode drops a last window that would start in the end padding).</summary>
    /// <returns>The output length; zero or less when the input is too small for one window.</returns>
    public long OutputLength(long inputLength)
    {
        long span = inputLength + PadBegin + PadEnd - EffectiveKernel;
        if (!CeilMode)
        {
            return span < 0 ? 0 : (span / Stride) + 1;
        }

        // ceil(span / s) + 1, also for a slightly negative span (a partial window over a short input).
        long n = (span >= 0 ? (span + Stride - 1) / Stride : -(-span / Stride)) + 1;
        // ONNX/PyTorch: the last pooling window must start inside the input or the begin padding.
        if (n > 0 && (n - 1) * Stride >= inputLength + PadBegin)
        {
            n--;
        }

        return Math.Max(0, n);
    }
}
