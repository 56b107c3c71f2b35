using System.Collections.Immutable;
using BatchFcn.Geometry;
using Onnx;

namespace BatchFcn.Conversion;

/// <summary>What the converter knows about one tensor of the source graph.</summary>
internal abstract record TensorState;

/// <summary>
/// A feature map. In the source graph it has rank 4 ([N, C, H, W]) or rank 2 ([N, C·H·W], a flattened
/// or fully-connected vector); in the converted graph it is always a rank-4 map named <see cref="Name"/>.
/// Sizes are those at the patch size.
/// </summary>
internal sealed record MapState(
    string Name,
    int Rank,
    long Channels,
    long Height,
    long Width,
    AxisGeometry GeoY,
    AxisGeometry GeoX,
    ImmutableList<LayerAxis> PathY,
    ImmutableList<LayerAxis> PathX) : TensorState
{
    /// <summary>Length of the source vector for rank 2.</summary>
    public long Features => Channels * Height * Width;

    public bool IsVector => Rank == 2;

    public MapState Then(string name, long channels, LayerAxis y, LayerAxis x) => this with
    {
        Name = name,
        Channels = channels,
        Height = y.OutputLength(Height),
        Width = x.OutputLength(Width),
        GeoY = GeoY.Then(y),
        GeoX = GeoX.Then(x),
        PathY = PathY.Add(y),
        PathX = PathX.Add(x),
    };
}

/// <summary>
/// A feature map moved to channels-last ([N, H, W, C]) in both graphs — the middle of the Transpose → Softmax →
/// Transpose the converter writes for a softmax over the classes before opset 13. Only a per-cell softmax over its
/// last axis and the transpose back to <see cref="Map"/>'s layout may consume it.
/// </summary>
internal sealed record ChannelsLastState(MapState Map) : TensorState;

/// <summary>A constant (initializer or Constant node output).</summary>
internal sealed record ConstState(TensorProto Tensor) : TensorState;

/// <summary>An integer shape computation (Shape → Gather → Concat …), evaluated for batch 1 and 2 so a
/// Reshape can tell "keep the batch, flatten the rest" from anything else.</summary>
internal sealed record ShapeState(long[] Batch1, long[] Batch2, bool IsScalar) : TensorState;
