using BatchFcn.Geometry;
using Onnx;

namespace BatchFcn.Conversion;

/// <summary>The trunk: sliding-window layers, padding and merges, copied with their geometry.</summary>
internal sealed partial class ConversionSession
{
    private void Conv(NodeProto node)
    {
        var map = InputMap(node, 0);
        RequireSpatial(node, map);
        var weight = InputConst(node, 1, "the convolution weight");
        if (weight.Dims.Count != 4)
        {
            throw ConversionException.AtNode(node, $"weight has rank {weight.Dims.Count}; 2-D convolutions are supported");
        }

        var (y, x, pads) = Window(node, map, [weight.Dims[2], weight.Dims[3]], defaultStride: 1, ceil: false);
        var emitted = Emit(node);
        emitted.Input[0] = map.Name;
        emitted.RemoveAttribute("auto_pad");
        emitted.SetInts("pads", pads);
        var next = map.Then(node.Output[0], weight.Dims[0], y, x);
        compute.Add((weight.Dims[0] * (double)weight.Dims[1] * weight.Dims[2] * weight.Dims[3], next.Height * next.Width, next.GeoY.Stride, next.GeoX.Stride));
        states[node.Output[0]] = next;
    }

    private void Pool(NodeProto node)
    {
        var map = InputMap(node, 0);
        RequireSpatial(node, map);
        if (node.Output.Skip(1).Any(o => consumers.GetValueOrDefault(o) > 0))
        {
            throw ConversionException.AtNode(node, "its indices output is used; only the pooled values are supported");
        }

        var kernel = node.GetInts("kernel_shape") ?? throw ConversionException.AtNode(node, "has no kernel_shape");
        bool ceil = node.GetInt("ceil_mode", 0) != 0;
        var (y, x, pads) = Window(node, map, kernel, defaultStride: 1, ceil);
        var emitted = Emit(node);
        emitted.Input[0] = map.Name;
        emitted.RemoveAttribute("auto_pad");
        emitted.SetInts("pads", pads);
        if (kernel[0] == map.Height && kernel[1] == map.Width && pads.All(p => p == 0))
        {
            // A window covering the whole feature map at the patch size (what adaptive and global pools
            // export as): slide it with stride 1 so every position of a larger input gets its own cell.
            y = LayerAxis.Valid((int)kernel[0]);
            x = LayerAxis.Valid((int)kernel[1]);
            emitted.SetInts("strides", [1, 1]);
            emitted.RemoveAttribute("ceil_mode");
            globalPools.Add(node);
        }

        states[node.Output[0]] = map.Then(node.Output[0], map.Channels, y, x);
    }

    private void GlobalPool(NodeProto node, string pool, bool keepDims)
    {
        var map = InputMap(node, 0);
        RequireSpatial(node, map);
        var emitted = NewNode(pool, node.Name.Length > 0 ? node.Name : node.Output[0], [map.Name], [node.Output[0]]);
        emitted.SetInts("kernel_shape", [map.Height, map.Width]);
        emitted.SetInts("strides", [1, 1]);
        if (node.OpType == "GlobalLpPool")
        {
            emitted.SetInt("p", node.GetInt("p", 2));
        }

        var next = map.Then(node.Output[0], map.Channels, LayerAxis.Valid((int)map.Height), LayerAxis.Valid((int)map.Width));
        states[node.Output[0]] = keepDims ? next : next with { Rank = 2 };
    }

    private void ReducePool(NodeProto node)
    {
        var map = InputMap(node, 0);
        var axes = node.GetInts("axes")
            ?? (node.Input.Count > 1 && node.Input[1].Length > 0 ? Tensors.ReadInt64s(InputConst(node, 1, "the axes")) : null);
        var normalised = axes?.Select(a => a < 0 ? a + map.Rank : a).Order().ToArray();
        if (map.IsVector || normalised is null || !normalised.SequenceEqual([2L, 3L]))
        {
            throw ConversionException.AtNode(node, "reduces over axes other than the spatial ones (2, 3); only spatial (global) pooling is supported");
        }

        GlobalPool(node, node.OpType == "ReduceMean" ? "AveragePool" : "MaxPool", keepDims: node.GetInt("keepdims", 1) != 0);
    }

    private void Pad(NodeProto node)
    {
        var map = InputMap(node, 0);
        RequireSpatial(node, map);
        var pads = node.GetInts("pads") ?? Tensors.ReadInt64s(InputConst(node, 1, "the pads"));
        if (pads.Length != 8 || pads[0] != 0 || pads[1] != 0 || pads[4] != 0 || pads[5] != 0 || pads.Any(p => p < 0))
        {
            throw ConversionException.AtNode(node, "pads other than non-negative padding of height and width are not supported");
        }

        var emitted = Emit(node);
        emitted.Input[0] = map.Name;
        var y = new LayerAxis(1, 1, 1, (int)pads[2], (int)pads[6], false);
        var x = new LayerAxis(1, 1, 1, (int)pads[3], (int)pads[7], false);
        states[node.Output[0]] = map.Then(node.Output[0], map.Channels, y, x);
    }

    /// <summary>Reads a Conv/pool window and makes its padding explicit at the patch size (auto_pad SAME
    /// depends on the input size, so it must be frozen for the network to be translation-consistent).</summary>
    private static (LayerAxis Y, LayerAxis X, long[] Pads) Window(NodeProto node, MapState map, long[] kernel, int defaultStride, bool ceil)
    {
        if (kernel.Length != 2)
        {
            throw ConversionException.AtNode(node, $"has a {kernel.Length}-D window; 2-D windows are supported");
        }

        var strides = node.GetInts("strides") ?? [defaultStride, defaultStride];
        var dilations = node.GetInts("dilations") ?? [1, 1];
        var pads = node.GetInts("pads") ?? [0, 0, 0, 0];
        var autoPad = node.GetString("auto_pad", "NOTSET");
        long[] sizes = [map.Height, map.Width];
        if (autoPad is "SAME_UPPER" or "SAME_LOWER")
        {
            for (int a = 0; a < 2; a++)
            {
                long effective = (dilations[a] * (kernel[a] - 1)) + 1;
                long outLen = (sizes[a] + strides[a] - 1) / strides[a];
                long total = Math.Max(0, ((outLen - 1) * strides[a]) + effective - sizes[a]);
                long small = total / 2;
                pads[a] = autoPad == "SAME_UPPER" ? small : total - small;
                pads[a + 2] = total - pads[a];
            }
        }
        else if (autoPad == "VALID")
        {
            pads = [0, 0, 0, 0];
        }

        var y = new LayerAxis((int)kernel[0], (int)strides[0], (int)dilations[0], (int)pads[0], (int)pads[2], ceil);
        var x = new LayerAxis((int)kernel[1], (int)strides[1], (int)dilations[1], (int)pads[1], (int)pads[3], ceil);
        if (y.OutputLength(map.Height) < 1 || x.OutputLength(map.Width) < 1)
        {
            throw ConversionException.AtNode(node, $"its window does not fit the {map.Height}x{map.Width} feature map at the patch size (is the patch size right?)");
        }

        return (y, x, pads);
    }

    private static void RequireSpatial(NodeProto node, MapState map)
    {
        if (map.IsVector)
        {
            throw ConversionException.AtNode(node, "is applied to a flattened vector; spatial ops must come before the flatten");
        }
    }

    private void Concat(NodeProto node)
    {
        var maps = node.Input.Select(i => Get(node, i) as MapState
            ?? throw ConversionException.AtNode(node, "concatenates a feature map with a constant")).ToList();
        var first = maps[0];
        long axis = node.GetInt("axis", 1);
        axis = axis < 0 ? axis + first.Rank : axis;
        if (axis != 1)
        {
            throw ConversionException.AtNode(node, $"concatenates along axis {axis}; only channel concatenation (axis 1) keeps the network fully convolutional");
        }

        var merged = Merge(node, maps);
        var emitted = Emit(node);
        emitted.SetInt("axis", 1);
        states[node.Output[0]] = merged with { Name = node.Output[0], Channels = maps.Sum(m => m.Channels) };
    }

    private void Elementwise(NodeProto node)
    {
        var maps = new List<MapState>();
        foreach (var name in node.Input)
        {
            if (Get(node, name) is MapState m)
            {
                maps.Add(m);
            }
        }

        var first = maps[0];
        if (node.OpType == "Add" && TryFoldBias(node, first))
        {
            return;
        }

        var merged = Merge(node, maps);
        var emitted = Emit(node);
        for (int i = 0; i < node.Input.Count; i++)
        {
            if (Get(node, node.Input[i]) is ConstState c)
            {
                emitted.Input[i] = BroadcastConstant(node, c.Tensor, first);
            }
        }

        states[node.Output[0]] = merged with { Name = node.Output[0], Channels = maps.Max(m => m.Channels) };
    }

    /// <summary>Geometry of merging branches: equal sizes at the patch size, union of receptive fields.</summary>
    private static MapState Merge(NodeProto node, List<MapState> maps)
    {
        var first = maps[0];
        var gy = first.GeoY;
        var gx = first.GeoX;
        foreach (var m in maps.Skip(1))
        {
            if (m.Rank != first.Rank || m.Height != first.Height || m.Width != first.Width)
            {
                throw ConversionException.AtNode(node,
                    $"combines a {m.Height}x{m.Width} map with a {first.Height}x{first.Width} one (e.g. squeeze-and-excitation " +
                    "re-weighting by a globally pooled vector); such a network is not translation-equivariant and cannot be made fully convolutional");
            }

            try
            {
                gy = gy.Union(m.GeoY);
                gx = gx.Union(m.GeoX);
            }
            catch (InvalidOperationException e)
            {
                throw ConversionException.AtNode(node, e.Message);
            }
        }

        return first with { GeoY = gy, GeoX = gx };
    }

    /// <summary>Makes a constant operand broadcast over the converted rank-4 map as it did over the source
    /// tensor: per-feature constants of a vector become [1, K, 1, 1].</summary>
    private string BroadcastConstant(NodeProto node, TensorProto constant, MapState map)
    {
        long count = Tensors.ElementCount(constant);
        if (!map.IsVector)
        {
            var dims = constant.Dims.ToArray();
            if (dims.Length >= 2 && (dims[^1] != 1 || dims[^2] != 1) && count > 1)
            {
                throw ConversionException.AtNode(node, "uses a constant that varies over height and width; only per-channel or scalar constants keep the network fully convolutional");
            }

            AddInitializer(constant);
            return constant.Name;
        }

        if (count == 1)
        {
            AddInitializer(constant);
            return constant.Name;
        }

        if (count != map.Features || map.Height * map.Width != 1 || (constant.Dims.Count == 2 && constant.Dims[0] != 1) || constant.Dims.Count > 2)
        {
            throw ConversionException.AtNode(node, "uses a per-feature constant on a flattened C×h×w volume; only scalars or per-feature constants after an FC layer are supported");
        }

        var reshaped = Tensors.Reshaped(constant, UniqueName(constant.Name + "_nchw"), 1, count, 1, 1);
        AddInitializer(reshaped);
        return reshaped.Name;
    }
}
