using BatchFcn.Geometry;
using Onnx;

namespace BatchFcn.Conversion;

/// <summary>The head: flattening, fully-connected layers as convolutions, folding, softmax on channels.</summary>
internal sealed partial class ConversionSession
{
    private void Flatten(NodeProto node)
    {
        var map = InputMap(node, 0);
        long axis = node.GetInt("axis", 1);
        axis = axis < 0 ? axis + map.Rank : axis;
        if (axis == 1 || (axis == 0 && batchStatic))
        {
            sawVector = true;
            states[node.Output[0]] = map with { Rank = 2 };
            return;
        }

        throw ConversionException.AtNode(node,
            axis == 0
                ? "flattens the batch axis too (axis 0) on a model with a dynamic batch; export with torch.flatten(x, 1)"
                : $"flattens from axis {axis}, which folds spatial positions into the batch; only Flatten(axis=1) (keep the batch, flatten the rest) is supported");
    }

    private void Reshape(NodeProto node)
    {
        var map = InputMap(node, 0);
        var (t1, t2) = Get(node, node.Input[1]) switch
        {
            ConstState c => (Tensors.ReadInt64s(c.Tensor), Tensors.ReadInt64s(c.Tensor)),
            ShapeState s => (s.Batch1, s.Batch2),
            _ => throw ConversionException.AtNode(node, "takes its target shape from a feature map"),
        };
        bool allowZero = node.GetInt("allowzero", 0) != 0;
        var r1 = ResolveReshape(SourceShape(map, 1), t1, allowZero);
        var r2 = ResolveReshape(SourceShape(map, 2), t2, allowZero);
        if (r1 is [1, var d1] && d1 == map.Features && (batchStatic || r2 is [2, _] || t1.SequenceEqual(t2)))
        {
            sawVector = true;
            states[node.Output[0]] = map with { Rank = 2 };
            return;
        }

        if (r1 is not null && r1.SequenceEqual(SourceShape(map, 1)))
        {
            states[node.Output[0]] = map;
            return;
        }

        throw ConversionException.AtNode(node,
            $"reshapes [{string.Join(", ", SourceShape(map, 1))}] to [{string.Join(", ", r1 ?? t1)}]; only a flatten that keeps the batch axis ([N, C·h·w]) is supported");
    }

    private static long[] SourceShape(MapState map, long batch) =>
        map.IsVector ? [batch, map.Features] : [batch, map.Channels, map.Height, map.Width];

    private static long[]? ResolveReshape(long[] input, long[] target, bool allowZero)
    {
        var result = new long[target.Length];
        int infer = -1;
        long known = 1;
        for (int i = 0; i < target.Length; i++)
        {
            long d = target[i];
            if (d == 0 && !allowZero)
            {
                if (i >= input.Length)
                {
                    return null;
                }

                d = input[i];
            }

            if (d == -1)
            {
                infer = i;
                continue;
            }

            result[i] = d;
            known *= d;
        }

        long total = input.Aggregate(1L, (a, b) => a * b);
        if (infer >= 0)
        {
            if (known == 0 || total % known != 0)
            {
                return null;
            }

            result[infer] = total / known;
        }

        return result.Aggregate(1L, (a, b) => a * b) == total ? result : null;
    }

    private void Squeeze(NodeProto node)
    {
        var map = InputMap(node, 0);
        var axes = node.GetInts("axes")
            ?? (node.Input.Count > 1 && node.Input[1].Length > 0 ? Tensors.ReadInt64s(InputConst(node, 1, "the axes")) : null);
        var normalised = axes?.Select(a => a < 0 ? a + map.Rank : a).Order().ToArray();
        if (!map.IsVector && map.Height == 1 && map.Width == 1 && (normalised is null || normalised.SequenceEqual([2L, 3L])))
        {
            sawVector = true;
            states[node.Output[0]] = map with { Rank = 2 };
            return;
        }

        throw ConversionException.AtNode(node, "squeezes axes other than a 1×1 spatial extent");
    }

    /// <summary>Gemm or MatMul over a vector → convolution whose kernel covers the flattened volume.</summary>
    private void FullyConnected(NodeProto node)
    {
        var map = InputMap(node, 0);
        if (!map.IsVector)
        {
            throw ConversionException.AtNode(node, "multiplies a rank-4 feature map; an FC layer must follow a Flatten/Reshape or global pooling");
        }

        bool gemm = node.OpType == "Gemm";
        if (gemm && node.GetInt("transA", 0) != 0)
        {
            throw ConversionException.AtNode(node, "has transA=1; only activations as the first operand are supported");
        }

        var b = InputConst(node, 1, "the FC weight");
        if (b.Dims.Count != 2)
        {
            throw ConversionException.AtNode(node, $"weight has rank {b.Dims.Count}; a 2-D weight matrix is expected");
        }

        bool transB = gemm && node.GetInt("transB", 0) != 0;
        float alpha = gemm ? node.GetFloat("alpha", 1f) : 1f;
        float beta = gemm ? node.GetFloat("beta", 1f) : 1f;
        long inFeatures = transB ? b.Dims[1] : b.Dims[0];
        long outFeatures = transB ? b.Dims[0] : b.Dims[1];
        if (inFeatures != map.Features)
        {
            throw ConversionException.AtNode(node,
                $"expects {inFeatures} input features but receives {map.Features} (= {map.Channels}×{map.Height}×{map.Width} at the patch size); is the patch size right?");
        }

        string weightName = UniqueName(b.Name + "_conv");
        TensorProto weight;
        if (transB && alpha == 1f)
        {
            // [K, C·h·w] is already [K, C, h, w] in memory (ONNX flattens C-major): share the bytes.
            weight = Tensors.Reshaped(b, weightName, outFeatures, map.Channels, map.Height, map.Width);
        }
        else
        {
            var w = Tensors.ReadFloats(b);
            var k = new float[w.Length];
            for (long o = 0; o < outFeatures; o++)
            {
                for (long i = 0; i < inFeatures; i++)
                {
                    k[(o * inFeatures) + i] = alpha * (transB ? w[(o * inFeatures) + i] : w[(i * outFeatures) + o]);
                }
            }

            weight = Tensors.FromFloats(weightName, k, outFeatures, map.Channels, map.Height, map.Width);
        }

        AddInitializer(weight);
        var inputs = new List<string> { map.Name, weight.Name };
        if (gemm && OptionalConst(node, 2, "the FC bias") is { } c)
        {
            var bias = Tensors.ReadFloats(c);
            if (bias.Length != 1 && bias.Length != outFeatures)
            {
                throw ConversionException.AtNode(node, $"has a bias of {bias.Length} values for {outFeatures} outputs; per-output or scalar bias is supported");
            }

            var full = Enumerable.Range(0, (int)outFeatures).Select(i => beta * bias[bias.Length == 1 ? 0 : i]).ToArray();
            var biasTensor = Tensors.FromFloats(UniqueName(c.Name + "_conv"), full, outFeatures);
            AddInitializer(biasTensor);
            inputs.Add(biasTensor.Name);
        }

        var conv = NewNode("Conv", (node.Name.Length > 0 ? node.Name : node.Output[0]) + "_as_conv", inputs, [node.Output[0]]);
        conv.SetInts("kernel_shape", [map.Height, map.Width]);
        conv.SetInts("strides", [1, 1]);
        conv.SetInts("pads", [0, 0, 0, 0]);
        headConvs[node.Output[0]] = new HeadConv(conv, outFeatures);
        compute.Add((outFeatures * (double)inFeatures, 1, map.GeoY.Stride, map.GeoX.Stride));
        fcConverted++;
        states[node.Output[0]] = map.Then(node.Output[0], outFeatures, LayerAxis.Valid((int)map.Height), LayerAxis.Valid((int)map.Width))
            with { Rank = 2 };
    }

    /// <summary>True when the tensor is a head convolution's output read by exactly one node, so a
    /// following affine op can be folded into the convolution.</summary>
    private bool CanFold(NodeProto node, MapState map, out HeadConv conv) =>
        headConvs.TryGetValue(map.Name, out conv!) && consumers.GetValueOrDefault(map.Name) == 1
        && consumers.GetValueOrDefault(node.Input[0]) == 1;

    private void BatchNorm(NodeProto node)
    {
        var map = InputMap(node, 0);
        if (node.Output.Skip(1).Any(o => consumers.GetValueOrDefault(o) > 0))
        {
            throw ConversionException.AtNode(node, "is in training mode (its running statistics are used); export the model in eval mode");
        }

        if (map.IsVector && CanFold(node, map, out var conv))
        {
            var scale = Tensors.ReadFloats(InputConst(node, 1, "BatchNorm scale"));
            var shift = Tensors.ReadFloats(InputConst(node, 2, "BatchNorm bias"));
            var mean = Tensors.ReadFloats(InputConst(node, 3, "BatchNorm mean"));
            var variance = Tensors.ReadFloats(InputConst(node, 4, "BatchNorm variance"));
            float epsilon = node.GetFloat("epsilon", 1e-5f);
            var factor = new float[conv.OutChannels];
            var offset = new float[conv.OutChannels];
            for (int k = 0; k < factor.Length; k++)
            {
                factor[k] = (float)(scale[k] / Math.Sqrt(variance[k] + (double)epsilon));
                offset[k] = shift[k] - (mean[k] * factor[k]);
            }

            FoldAffine(conv, factor, offset);
            states[node.Output[0]] = map;
            return;
        }

        if (map.IsVector && map.Height * map.Width != 1)
        {
            throw ConversionException.AtNode(node, "normalises a flattened C×h×w volume per feature; this cannot be expressed per channel");
        }

        var emitted = Emit(node);
        emitted.Input[0] = map.Name;
        states[node.Output[0]] = map with { Name = node.Output[0] };
    }

    private bool TryFoldBias(NodeProto node, MapState map)
    {
        if (node.Input.Count != 2 || !map.IsVector || !CanFold(node, map, out var conv))
        {
            return false;
        }

        var other = node.Input[0] == map.Name || Get(node, node.Input[0]) is MapState ? node.Input[1] : node.Input[0];
        if (Get(node, other) is not ConstState c)
        {
            return false;
        }

        var add = Tensors.ReadFloats(c.Tensor);
        if (add.Length != 1 && add.Length != conv.OutChannels)
        {
            return false;
        }

        var offset = Enumerable.Range(0, (int)conv.OutChannels).Select(i => add[add.Length == 1 ? 0 : i]).ToArray();
        FoldAffine(conv, null, offset);
        states[node.Output[0]] = map;
        return true;
    }

    /// <summary>y = factor·conv(x) + offset, folded into the convolution's weight and bias.</summary>
    private void FoldAffine(HeadConv conv, float[]? factor, float[] offset)
    {
        var node = conv.Node;
        var bias = new float[conv.OutChannels];
        if (node.Input.Count > 2)
        {
            var old = initializers.First(t => t.Name == node.Input[2]);
            Tensors.ReadFloats(old).CopyTo(bias, 0);
        }

        if (factor is not null)
        {
            var oldWeight = initializers.First(t => t.Name == node.Input[1]);
            var w = Tensors.ReadFloats(oldWeight);
            long per = w.Length / conv.OutChannels;
            for (long k = 0; k < conv.OutChannels; k++)
            {
                for (long i = 0; i < per; i++)
                {
                    w[(k * per) + i] *= factor[k];
                }

                bias[k] *= factor[k];
            }

            var folded = Tensors.FromFloats(UniqueName(oldWeight.Name + "_folded"), w, [.. oldWeight.Dims]);
            AddInitializer(folded);
            node.Input[1] = folded.Name;
        }

        for (int k = 0; k < bias.Length; k++)
        {
            bias[k] += offset[k];
        }

        var biasTensor = Tensors.FromFloats(UniqueName(node.Name + "_bias"), bias, conv.OutChannels);
        AddInitializer(biasTensor);
        if (node.Input.Count > 2)
        {
            node.Input[2] = biasTensor.Name;
        }
        else
        {
            node.Input.Add(biasTensor.Name);
        }
    }

    private void Softmax(NodeProto node)
    {
        if (Get(node, node.Input[0]) is ChannelsLastState last)
        {
            // The middle of a softmax sandwich (this converter's own output for opset < 13, walked again when a
            // converted network is cut in two): over the last axis it normalises each cell's classes alone.
            long lastAxis = node.GetInt("axis", opset < 13 ? 1 : -1);
            if (lastAxis is not (3 or -1))
            {
                throw ConversionException.AtNode(node, $"normalises over axis {lastAxis} of a channels-last map; only the last axis (the classes) keeps cells independent");
            }

            Emit(node);
            states[node.Output[0]] = new ChannelsLastState(last.Map with { Name = node.Output[0] });
            activations[node.Output[0]] = ActivationOf(node);
            return;
        }

        var map = InputMap(node, 0);
        long axis = node.GetInt("axis", opset < 13 ? 1 : -1);
        axis = axis < 0 ? axis + map.Rank : axis;
        bool channelsOnly = map.IsVector
            ? axis == 1 && map.Height * map.Width == 1
            : (opset >= 13 ? axis == 1 : axis == 1 && map.Height * map.Width == 1);
        if (!channelsOnly)
        {
            throw ConversionException.AtNode(node, $"normalises over axis {axis} of a {(map.IsVector ? "flattened" : "spatial")} tensor; only a softmax over the classes can move to the channel axis");
        }

        var output = node.Output[0];
        if (opset >= 13)
        {
            var emitted = Emit(node);
            emitted.Input[0] = map.Name;
            emitted.SetInt("axis", 1);
        }
        else
        {
            // Before opset 13, Softmax(axis=1) of a rank-4 tensor normalises over C·H·W together; move the
            // classes last, normalise the last axis alone, and move them back.
            var nhwc = UniqueName(output + "_nhwc");
            var normalised = UniqueName(output + "_nhwc_softmax");
            NewNode("Transpose", output + "_to_nhwc", [map.Name], [nhwc]).SetInts("perm", [0, 2, 3, 1]);
            NewNode(node.OpType, node.Name.Length > 0 ? node.Name : output, [nhwc], [normalised]).SetInt("axis", 3);
            NewNode("Transpose", output + "_to_nchw", [normalised], [output]).SetInts("perm", [0, 3, 1, 2]);
        }

        activations[output] = ActivationOf(node);
        states[output] = map with { Name = output };
    }

    /// <summary>The manifest's name for what a Softmax or LogSoftmax node applies.</summary>
    private static string ActivationOf(NodeProto node) => node.OpType == "Softmax" ? "softmax" : "log_softmax";

    /// <summary>Only the two transposes of a softmax sandwich: a map to channels-last, and such a map back.</summary>
    private void Transpose(NodeProto node)
    {
        var perm = node.GetInts("perm");
        var output = node.Output[0];
        switch (Get(node, node.Input[0]))
        {
            case MapState { IsVector: false } map when perm is [0, 2, 3, 1]:
                Emit(node);
                states[output] = new ChannelsLastState(map with { Name = output });
                return;
            case ChannelsLastState last when perm is [0, 3, 1, 2]:
                Emit(node);
                states[output] = last.Map with { Name = output };
                if (activations.TryGetValue(node.Input[0], out var activation))
                {
                    activations[output] = activation;
                }

                return;
            default:
                throw ConversionException.AtNode(node,
                    $"transposes a feature map with perm [{string.Join(", ", perm ?? [])}]; only moving the channels last ([0, 2, 3, 1]) and back " +
                    "([0, 3, 1, 2]) around a per-cell softmax keeps the spatial axes where the tiles expect them");
        }
    }
}
