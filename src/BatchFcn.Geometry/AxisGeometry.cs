namespace BatchFcn.Geometry;

/// <summary>
/// The geometry of a chain of layers along one axis: output element <c>j</c> sees the input elements
/// <c>[j·Stride − Offset, j·Stride − Offset + ReceptiveField)</c>.
/// </summary>
/// <param name="Stride">Total stride S, the product of the layers' strides.</param>
/// <param name="ReceptiveField">Receptive field R in input elements.</param>
/// <param name="Offset">Offset P: how far before <c>j·S</c> the window starts (the padding's reach).</param>
public readonly record struct AxisGeometry(int Stride, int ReceptiveField, int Offset)
{
    /// <summary>The identity: the input itself (S = 1, R = 1, P = 0).</summary>
    public static AxisGeometry Identity { get; } = new(1, 1, 0);

    /// <summary>The geometry after appending <paramref name="layer"/> to this chain.</summary>
    public AxisGeometry Then(LayerAxis layer) => new(
        checked(Stride * layer.Stride),
        checked(ReceptiveField + (layer.Dilation * (layer.Kernel - 1) * Stride)),
        checked(Offset + (layer.PadBegin * Stride)));

    /// <summary>The geometry of an element-wise merge (Add, Concat, Mul) of two branches: each output
    /// sees the union of the branches' windows. Both branches must share the stride.</summary>
    /// <exception cref="InvalidOperationException">The strides differ.</exception>
    public AxisGeometry Union(AxisGeometry other)
    {
        if (other.Stride != Stride)
        {
            throw new InvalidOperationException(
                $"branches with different strides ({Stride} and {other.Stride}) are merged");
        }

        int start = Math.Min(-Offset, -other.Offset);
        int end = Math.Max(-Offset + ReceptiveField, -other.Offset + other.ReceptiveField);
        return new AxisGeometry(Stride, end - start, -start);
    }

    /// <summary>First input element seen by output element <paramref name="cell"/> (may be negative).</summary>
    public long WindowStart(long cell) => (cell * Stride) - Offset;

    /// <summary>One past the last input element seen by output element <paramref name="cell"/>.</summary>
    public long WindowEnd(long cell) => WindowStart(cell) + ReceptiveField;

    /// <summary>Input elements of halo a tile needs before its first kept cell, rounded up to whole
    /// strides so the tile's grid stays aligned with the image's: ⌈P/S⌉·S.</summary>
    public int HaloBefore => CeilDiv(Offset, Stride) * Stride;

    /// <summary>Input elements a tile needs after the start of its last kept cell's stride step:
    /// R − P − S rounded up to whole strides (zero when the window ends within the step).</summary>
    public int HaloAfter => Math.Max(0, CeilDiv(ReceptiveField - Offset - Stride, Stride) * Stride);

    private static int CeilDiv(int a, int b) => a <= 0 ? 0 : (a + b - 1) / b;
}
