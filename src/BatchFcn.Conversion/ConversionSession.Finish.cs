using BatchFcn.Geometry;
using Onnx;

namespace BatchFcn.Conversion;

/// <summary>Integer shape chains, and assembling the converted model.</summary>
internal sealed partial class ConversionSession
{
    private void ShapeOf(NodeProto node)
    {
        var map = InputMap(node, 0);
        var s1 = SourceShape(map, 1);
        var s2 = SourceShape(map, 2);
        long start = node.GetInt("start", 0);
        long end = node.GetInt("end", s1.Length);
        start = Math.Clamp(start < 0 ? start + s1.Length : start, 0, s1.Length);
        end = Math.Clamp(end < 0 ? end + s1.Length : end, 0, s1.Length);
        int count = (int)Math.Max(0, end - start);
        states[node.Output[0]] = new ShapeState(s1.AsSpan((int)start, count).ToArray(), s2.AsSpan((int)start, count).ToArray(), IsScalar: false);
    }

    /// <summary>Evaluates a node whose inputs are all constants or shape values, for batch 1 and 2.</summary>
    private void EvaluateShapeOp(NodeProto node)
    {
        var op = node.OpType;
        if (node.Input.Count == 0)
        {
            throw ConversionException.AtNode(node, $"op {op} without inputs is not supported");
        }

        if (op is "Identity" or "Cast" or "Dropout")
        {
            Alias(node);
            return;
        }

        bool dynamic = node.Input.Any(i => i.Length > 0 && states[i] is ShapeState);
        if (!dynamic && node.Input.Any(i => i.Length > 0 && states[i] is ConstState c && c.Tensor.DataType is not (Tensors.Int64 or Tensors.Int32)))
        {
            throw ConversionException.AtNode(node, $"computes {op} on float constants at run time; re-export with constant folding (torch.onnx.export(..., do_constant_folding=True))");
        }

        var args = node.Input.Select(i => i.Length == 0 ? null : states[i] switch
        {
            ShapeState s => new IntValue(s.Batch1, s.Batch2, s.IsScalar),
            ConstState c => new IntValue(Tensors.ReadInt64s(c.Tensor), Tensors.ReadInt64s(c.Tensor), c.Tensor.Dims.Count == 0),
            _ => null,
        }).ToList();
        IntValue result = op switch
        {
            "Gather" => Gather(node, args[0]!, args[1]!),
            "Unsqueeze" when args[0]!.IsScalar => args[0]! with { IsScalar = false },
            "Squeeze" when args[0]!.V1.Length == 1 => args[0]! with { IsScalar = true },
            "Concat" => new IntValue([.. args.SelectMany(a => a!.V1)], [.. args.SelectMany(a => a!.V2)], false),
            "Slice" => Slice(node, args),
            "Add" or "Sub" or "Mul" or "Div" => Arithmetic(node, args[0]!, args[1]!),
            _ => throw ConversionException.AtNode(node, $"op {op} on shape values is not supported. Supported: {SupportedOps}"),
        };
        states[node.Output[0]] = dynamic
            ? new ShapeState(result.V1, result.V2, result.IsScalar)
            : new ConstState(result.IsScalar
                ? Tensors.FromInt64s(node.Output[0], result.V1)
                : Tensors.FromInt64s(node.Output[0], result.V1, result.V1.Length));
    }

    private sealed record IntValue(long[] V1, long[] V2, bool IsScalar);

    private static IntValue Gather(NodeProto node, IntValue data, IntValue indices)
    {
        if (node.GetInt("axis", 0) != 0 || data.IsScalar)
        {
            throw ConversionException.AtNode(node, "gathers from something other than a 1-D shape");
        }

        long[] Pick(long[] d) => [.. indices.V1.Select(i => d[i < 0 ? i + d.Length : i])];
        return new IntValue(Pick(data.V1), Pick(data.V2), indices.IsScalar);
    }

    private IntValue Slice(NodeProto node, List<IntValue?> args)
    {
        long[] starts = node.GetInts("starts") ?? args[1]!.V1;
        long[] ends = node.GetInts("ends") ?? args[2]!.V1;
        long[] axes = node.GetInts("axes") ?? (args.Count > 3 && args[3] is { } a ? a.V1 : [0]);
        long step = args.Count > 4 && args[4] is { } s ? s.V1[0] : 1;
        if (axes.Length != 1 || axes[0] != 0 || step != 1 || opset < 1)
        {
            throw ConversionException.AtNode(node, "slices a shape other than along axis 0 with step 1");
        }

        long[] Cut(long[] d)
        {
            long b = Math.Clamp(starts[0] < 0 ? starts[0] + d.Length : starts[0], 0, d.Length);
            long e = Math.Clamp(ends[0] < 0 ? ends[0] + d.Length : ends[0], 0, d.Length);
            return e > b ? d[(int)b..(int)e] : [];
        }

        return new IntValue(Cut(args[0]!.V1), Cut(args[0]!.V2), false);
    }

    private static IntValue Arithmetic(NodeProto node, IntValue a, IntValue b)
    {
        long Apply(long x, long y) => node.OpType switch
        {
            "Add" => x + y,
            "Sub" => x - y,
            "Mul" => x * y,
            _ => y == 0 ? throw ConversionException.AtNode(node, "divides a shape by zero") : x / y,
        };
        long[] Run(long[] x, long[] y)
        {
            int n = Math.Max(x.Length, y.Length);
            return [.. Enumerable.Range(0, n).Select(i => Apply(x[x.Length == 1 ? 0 : i], y[y.Length == 1 ? 0 : i]))];
        }

        return new IntValue(Run(a.V1, b.V1), Run(a.V2, b.V2), a.IsScalar && b.IsScalar);
    }

    private ConversionResult Finish(GraphProto graph, ValueInfoProto input, int patchH, int patchW, long channels)
    {
        var outputs = new List<ValueInfoProto>();
        MapState? first = null;
        foreach (var o in graph.Output)
        {
            var state = states.GetValueOrDefault(o.Name) as MapState
                ?? throw new ConversionException($"output '{o.Name}' is not computed from the image input");
            if (state.IsVector && state.Height * state.Width != 1)
            {
                throw new ConversionException(
                    $"output '{o.Name}' is a flattened {state.Channels}×{state.Height}×{state.Width} volume rather than class scores; nothing to convert");
            }

            if (state.Name != o.Name)
            {
                NewNode("Identity", o.Name + "_identity", [state.Name], [o.Name]);
            }

            outputs.Add(ValueInfo(o.Name, o.Type?.TensorType?.ElemType ?? Tensors.Float, state.Channels, "out_height", "out_width"));
            first ??= state;
        }

        if (first is null)
        {
            throw new ConversionException("the model has no outputs");
        }

        var geometry = new NetworkGeometry(new AxisPath(first.GeoY, first.PathY), new AxisPath(first.GeoX, first.PathX));
        var kept = PruneToOutputs(outputs.Select(o => o.Name));
        var model = new ModelProto
        {
            IrVersion = Math.Max(source.IrVersion, 4),
            ProducerName = "batchfcn",
            ProducerVersion = FcnConverter.Version,
            Domain = source.Domain,
            ModelVersion = source.ModelVersion,
            DocString = $"Fully convolutional form of '{source.Graph.Name}' made by batchfcn {FcnConverter.Version}.",
            Graph = new GraphProto { Name = source.Graph.Name + "_fcn" },
        };
        model.OpsetImport.Add(source.OpsetImport);
        model.Graph.Node.Add(kept);
        var referenced = kept.SelectMany(n => n.Input).ToHashSet(StringComparer.Ordinal);
        model.Graph.Initializer.Add(initializers.Where(t => referenced.Contains(t.Name)));
        model.Graph.Input.Add(ValueInfo(input.Name, Tensors.Float, channels, "height", "width"));
        model.Graph.Output.Add(outputs);

        string activation = activations.GetValueOrDefault(first.Name, "none");
        return new ConversionResult
        {
            Model = model,
            Geometry = geometry,
            PatchHeight = patchH,
            PatchWidth = patchW,
            InputName = input.Name,
            InputChannels = channels,
            OutputName = graph.Output[0].Name,
            Classes = first.Channels,
            Softmaxed = activation != "none",
            OutputActivation = activation,
            AlreadyFullyConvolutional = headBefore.Count == 0 && !sawVector && fcConverted == 0,
            FullyConnectedLayersConverted = fcConverted,
            HeadBefore = headBefore,
            HeadAfter = headAfter,
            Opset = opset,
            MaxMapFloatsPerInputPixel = states.Values.OfType<MapState>().Max(m => m.Channels / (double)(m.GeoY.Stride * m.GeoX.Stride)),
            Parameters = source.Graph.Initializer.Where(t => t.DataType == Tensors.Float).Sum(Tensors.ElementCount),
            FlopsPerPatch = compute.Sum(c => 2 * c.MacsPerOutput * c.Outputs),
            FlopsPerCell = compute.Sum(c => 2 * c.MacsPerOutput * ((double)geometry.Y.Geometry.Stride / c.StrideY) * ((double)geometry.X.Geometry.Stride / c.StrideX)),
        };
    }

    /// <summary>Drops emitted nodes that no output depends on (e.g. left over from folded shape chains).</summary>
    private List<NodeProto> PruneToOutputs(IEnumerable<string> outputs)
    {
        var needed = new HashSet<string>(outputs, StringComparer.Ordinal);
        var kept = new List<NodeProto>();
        for (int i = nodes.Count - 1; i >= 0; i--)
        {
            var n = nodes[i];
            if (n.Output.Any(needed.Contains))
            {
                kept.Add(n);
                needed.UnionWith(n.Input.Where(s => s.Length > 0));
            }
        }

        kept.Reverse();
        return kept;
    }

    private static ValueInfoProto ValueInfo(string name, int elemType, long channels, string height, string width)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "batch" });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = channels });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = height });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = width });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = elemType, Shape = shape } },
        };
    }
}
