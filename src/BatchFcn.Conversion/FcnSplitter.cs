using BatchFcn.Geometry;
using Onnx;

namespace BatchFcn.Conversion;

/// <summary>
/// A fully convolutional network cut in two at a tensor through which everything flows: the trunk (image →
/// cut) and the rest (cut → scores). Each half is a model of its own with its own geometry, so a scan can run
/// the trunk on pixel tiles with the trunk's small halo and the rest on much larger tiles of the trunk's
/// (strided, smaller) output, instead of recomputing the whole network's wide halo around every tile.
/// </summary>
/// <param name="Cut">The tensor the network is cut at.</param>
/// <param name="Trunk">Image → cut, converted (pass-through) with its geometry, FLOPs and memory figures.</param>
/// <param name="Rest">Cut → scores, likewise; its input is the trunk's output map.</param>
public sealed record FcnSplit(string Cut, ConversionResult Trunk, ConversionResult Rest)
{
    /// <summary>Channels of the cut tensor (the trunk's output, the rest's input).</summary>
    public long CutChannels => Trunk.Classes;
}

/// <summary>Finds the places a converted network can be cut and makes the two halves.</summary>
public static class FcnSplitter
{
    /// <summary>
    /// The tensors, in graph order, after which exactly one tensor computed from the image is still needed:
    /// every cut point of a chain or of a residual network between its blocks. The output is not one.
    /// </summary>
    public static IReadOnlyList<string> Cuts(ModelProto fcn)
    {
        ArgumentNullException.ThrowIfNull(fcn);
        var graph = fcn.Graph;
        var constants = Constants(graph);
        var lastUse = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < graph.Node.Count; i++)
        {
            foreach (var input in graph.Node[i].Input.Where(n => n.Length > 0 && !constants.Contains(n)))
            {
                lastUse[input] = i;
            }
        }

        var outputs = graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var live = new HashSet<string>(graph.Input.Select(i => i.Name).Where(n => !constants.Contains(n)), StringComparer.Ordinal);
        var cuts = new List<string>();
        for (int i = 0; i < graph.Node.Count; i++)
        {
            var node = graph.Node[i];
            foreach (var output in node.Output.Where(o => o.Length > 0 && !constants.Contains(o)))
            {
                live.Add(output);
            }

            live.RemoveWhere(t => !outputs.Contains(t) && lastUse.GetValueOrDefault(t, -1) <= i);
            if (live.Count == 1 && live.First() is var only && !outputs.Contains(only) && node.Output.Contains(only))
            {
                cuts.Add(only);
            }
        }

        return cuts;
    }

    /// <summary>Cuts <paramref name="fcn"/> at <paramref name="cut"/> and converts both halves (pass-through) to
    /// learn their geometry, checking that they compose back to the whole network's.</summary>
    /// <param name="fcn">A converted (fully convolutional) model.</param>
    /// <param name="cut">One of <see cref="Cuts"/>.</param>
    /// <param name="patchHeight">The classifier's patch height (the trunk's geometry is learned at it).</param>
    /// <param name="patchWidth">The classifier's patch width.</param>
    /// <param name="whole">The whole network's geometry (from its manifest).</param>
    /// <exception cref="ConversionException">The tensor is not a cut point, a half cannot be described, or the
    /// halves do not compose.</exception>
    public static FcnSplit Split(ModelProto fcn, string cut, int patchHeight, int patchWidth, NetworkGeometry whole)
    {
        ArgumentNullException.ThrowIfNull(whole);
        ArgumentNullException.ThrowIfNull(fcn);
        var cuts = Cuts(fcn);
        if (!cuts.Contains(cut))
        {
            throw new ConversionException(
                $"'{cut}' is not a tensor the network can be cut at (everything after it must depend on it alone); cut points: {string.Join(", ", cuts)}");
        }

        return SplitAt(fcn, cut, patchHeight, patchWidth, whole);
    }

    /// <summary>Every cut of <paramref name="fcn"/> whose halves convert and compose (see <see cref="Split"/>); cuts
    /// that do not are left out.</summary>
    public static IReadOnlyList<FcnSplit> All(ModelProto fcn, int patchHeight, int patchWidth, NetworkGeometry whole)
    {
        ArgumentNullException.ThrowIfNull(fcn);
        ArgumentNullException.ThrowIfNull(whole);
        var splits = new List<FcnSplit>();
        foreach (var cut in Cuts(fcn))
        {
            try
            {
                splits.Add(SplitAt(fcn, cut, patchHeight, patchWidth, whole));
            }
            catch (ConversionException)
            {
                // A half the converter cannot walk again (say, a rest holding the Transpose–Softmax–Transpose
                // it wrote for an opset < 13 softmax) is simply not offered.
            }
        }

        return splits;
    }

    /// <summary>Cuts at a tensor known to be a cut point.</summary>
    private static FcnSplit SplitAt(ModelProto fcn, string cut, int patchHeight, int patchWidth, NetworkGeometry whole)
    {
        var graph = fcn.Graph;
        int at = graph.Node.Select((n, i) => (n, i)).First(p => p.n.Output.Contains(cut)).i;
        var constants = Constants(graph);
        var constantNodes = graph.Node.Where(n => n.OpType == "Constant").ToList();
        var input = graph.Input.First(i => !constants.Contains(i.Name));

        var trunkModel = Part(fcn, graph.Node.Take(at + 1), constantNodes, input, Output(cut));
        var trunk = FcnConverter.Convert(trunkModel, new ConversionOptions { PatchHeight = patchHeight, PatchWidth = patchWidth });
        int cutHeight = (int)trunk.Geometry.Y.OutputLength(patchHeight);
        int cutWidth = (int)trunk.Geometry.X.OutputLength(patchWidth);
        var restInput = new ValueInfoProto
        {
            Name = cut,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = Tensors.Float, Shape = Shape(trunk.Classes) } },
        };
        var restModel = Part(fcn, graph.Node.Skip(at + 1), constantNodes, restInput, [.. graph.Output]);
        var rest = FcnConverter.Convert(restModel, new ConversionOptions { PatchHeight = cutHeight, PatchWidth = cutWidth });

        CheckComposition("y", trunk.Geometry.Y, rest.Geometry.Y, whole.Y, cut);
        CheckComposition("x", trunk.Geometry.X, rest.Geometry.X, whole.X, cut);
        return new FcnSplit(cut, trunk, rest);
    }

    private static void CheckComposition(string axis, AxisPath trunk, AxisPath rest, AxisPath whole, string cut)
    {
        var t = trunk.Geometry;
        var r = rest.Geometry;
        var composed = new AxisGeometry(t.Stride * r.Stride, t.ReceptiveField + ((r.ReceptiveField - 1) * t.Stride), t.Offset + (r.Offset * t.Stride));
        bool lengthsAgree = Enumerable.Range(1, 4 * whole.Geometry.Stride).Select(k => whole.MinimumInputLength() + k - 1)
            .All(n => rest.OutputLength(trunk.OutputLength(n)) == whole.OutputLength(n));
        if (composed != whole.Geometry || !lengthsAgree)
        {
            throw new ConversionException(
                $"cutting at '{cut}' gives halves whose {axis} geometry ({t} then {r}) does not compose to the network's ({whole.Geometry})");
        }
    }

    private static ModelProto Part(ModelProto fcn, IEnumerable<NodeProto> nodes, List<NodeProto> constantNodes, ValueInfoProto input, IEnumerable<ValueInfoProto> outputs)
    {
        var kept = nodes.Where(n => n.OpType != "Constant").ToList();
        var referenced = kept.SelectMany(n => n.Input).ToHashSet(StringComparer.Ordinal);
        var model = new ModelProto
        {
            IrVersion = fcn.IrVersion,
            ProducerName = fcn.ProducerName,
            ProducerVersion = fcn.ProducerVersion,
            Graph = new GraphProto { Name = fcn.Graph.Name },
        };
        model.OpsetImport.Add(fcn.OpsetImport);
        model.Graph.Node.Add(constantNodes.Where(c => c.Output.Any(referenced.Contains)));
        model.Graph.Node.Add(kept);
        model.Graph.Initializer.Add(fcn.Graph.Initializer.Where(t => referenced.Contains(t.Name)));
        model.Graph.Input.Add(input);
        model.Graph.Output.Add(outputs);
        return model;
    }

    private static ValueInfoProto[] Output(string name) =>
    [
        new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = Tensors.Float } } },
    ];

    private static TensorShapeProto Shape(long channels)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "batch" });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = channels });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "height" });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "width" });
        return shape;
    }

    /// <summary>Initializers and Constant-node outputs: weights, not activations.</summary>
    private static HashSet<string> Constants(GraphProto graph)
    {
        var names = graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        names.UnionWith(graph.Node.Where(n => n.OpType == "Constant").SelectMany(n => n.Output));
        return names;
    }
}
