namespace BatchFcn.Geometry;

/// <summary>
/// The geometry of a network along one axis, with the chain of sliding-window layers on the path from
/// input to output, from which exact output lengths follow for any input length.
/// </summary>
public sealed class AxisPath
{
    /// <summary>Creates the path from its layers, in input-to-output order.</summary>
    /// <param name="geometry">The composed geometry (with branch unions applied).</param>
    /// <param name="layers">The sliding-window layers on the main path.</param>
    public AxisPath(AxisGeometry geometry, IReadOnlyList<LayerAxis> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        Geometry = geometry;
        Layers = layers;
    }

    /// <summary>Stride, receptive field and offset.</summary>
    public AxisGeometry Geometry { get; }

    /// <summary>The sliding-window layers on the path from input to output.</summary>
    public IReadOnlyList<LayerAxis> Layers { get; }

    /// <summary>Whether no layer on the path pads.</summary>
    public bool IsPaddingFree => Layers.All(l => !l.IsPadded) && Geometry.Offset == 0;

    /// <summary>Number of output cells for an input of <paramref name="inputLength"/> elements (0 when
    /// the input is smaller than the network needs).</summary>
    public long OutputLength(long inputLength)
    {
        long n = inputLength;
        foreach (var layer in Layers)
        {
            n = layer.OutputLength(n);
            if (n <= 0)
            {
                return 0;
            }
        }

        return n;
    }

    /// <summary>The smallest input length that yields at least one output cell.</summary>
    public long MinimumInputLength()
    {
        long lo = 1;
        long hi = Math.Max(1, Geometry.ReceptiveField);
        while (OutputLength(hi) < 1)
        {
            hi *= 2;
        }

        while (lo < hi)
        {
            long mid = (lo + hi) / 2;
            if (OutputLength(mid) >= 1)
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        return lo;
    }
}
