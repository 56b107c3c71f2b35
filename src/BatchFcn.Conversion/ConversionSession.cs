using System.Collections.Immutable;
using BatchFcn.Geometry;
using Onnx;

namespace BatchFcn.Conversion;

/// <summary>
/// One conversion: walks the source graph in its (topological) order, tracking each tensor's state at
/// the patch size, and emits the fully convolutional graph. Trunk nodes are copied (with padding made
/// explicit); head nodes are rewritten (see the partial files).
/// </summary>
internal sealed partial class ConversionSession
{
    private static readonly HashSet<string> UnaryOps =
    [
        "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Clip", "Elu", "Selu", "Celu", "HardSigmoid", "HardSwish",
        "Softplus", "Softsign", "Erf", "Neg", "Abs", "Exp", "Log", "Sqrt", "Reciprocal", "Gelu", "Mish",
        "ThresholdedRelu", "Floor", "Ceil", "Round", "Sign", "Sin", "Cos",
    ];

    private static readonly HashSet<string> BinaryOps = ["Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum", "Mean", "PRelu"];

    private const string SupportedOps =
        "Conv, MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool, ReduceMean/ReduceMax over H,W, Pad, " +
        "BatchNormalization, element-wise activations and arithmetic, Add/Concat of branches, Flatten, Reshape " +
        "(incl. Shape/Gather/Unsqueeze/Concat chains), Gemm, MatMul, Dropout, Identity, Softmax, LogSoftmax, " +
        "Transpose to channels-last and back around a per-cell Softmax/LogSoftmax";

    private readonly ModelProto source;
    private readonly ConversionOptions options;
    private readonly long opset;
    private readonly Dictionary<string, TensorState> states = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> consumers = new(StringComparer.Ordinal);
    private readonly HashSet<string> usedNames = new(StringComparer.Ordinal);
    private readonly List<NodeProto> nodes = [];
    private readonly List<TensorProto> initializers = [];
    private readonly HashSet<string> emittedInitializers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HeadConv> headConvs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> activations = new(StringComparer.Ordinal);
    private readonly List<string> headBefore = [];
    private readonly List<string> headAfter = [];
    private readonly HashSet<NodeProto> globalPools = [];
    private bool batchStatic;
    private bool sawVector;
    private int fcConverted;
    private readonly List<(double MacsPerOutput, long Outputs, int StrideY, int StrideX)> compute = [];

    public ConversionSession(ModelProto source, ConversionOptions options)
    {
        this.source = source;
        this.options = options;
        opset = OnnxModelFile.DefaultOpset(source);
    }

    /// <summary>A convolution emitted for an FC layer, kept so a following BatchNorm or bias Add can fold into it.</summary>
    private sealed record HeadConv(NodeProto Node, long OutChannels);

    public ConversionResult Run()
    {
        var graph = source.Graph;
        if (opset < 7)
        {
            throw new ConversionException($"the model imports opset {opset}; opset 7 or later is supported (PyTorch exports 9-17)");
        }

        foreach (var t in graph.Initializer)
        {
            states[t.Name] = new ConstState(t);
            usedNames.Add(t.Name);
        }

        foreach (var n in graph.Node)
        {
            foreach (var i in n.Input)
            {
                consumers[i] = consumers.GetValueOrDefault(i) + 1;
            }

            usedNames.UnionWith(n.Output);
        }

        foreach (var o in graph.Output)
        {
            consumers[o.Name] = consumers.GetValueOrDefault(o.Name) + 1;
        }

        var input = ReadInput(graph, out int patchH, out int patchW, out long channels);
        foreach (var node in graph.Node)
        {
            if (node.Domain is not ("" or "ai.onnx"))
            {
                throw ConversionException.AtNode(node, $"op from custom domain '{node.Domain}' is not supported");
            }

            int before = nodes.Count;
            Process(node);
            if (IsHeadNode(node))
            {
                headBefore.Add(node.OpType);
                headAfter.AddRange(nodes.Skip(before).Select(n => n.OpType));
            }
        }

        return Finish(graph, input, patchH, patchW, channels);
    }

    private ValueInfoProto ReadInput(GraphProto graph, out int patchH, out int patchW, out long channels)
    {
        var inputs = graph.Input.Where(i => !states.ContainsKey(i.Name)).ToList();
        if (inputs.Count != 1)
        {
            throw new ConversionException(
                $"the model has {inputs.Count} inputs ({string.Join(", ", inputs.Select(i => i.Name))}); one image input is supported");
        }

        var input = inputs[0];
        var tensorType = input.Type?.TensorType;
        if (tensorType is null || tensorType.ElemType != Tensors.Float)
        {
            throw new ConversionException($"input '{input.Name}' is not a float32 tensor; an NCHW float32 image input is supported");
        }

        var dims = tensorType.Shape?.Dim;
        if (dims is null || dims.Count != 4)
        {
            throw new ConversionException(
                $"input '{input.Name}' has rank {dims?.Count ?? 0}; an NCHW image input of rank 4 is supported");
        }

        channels = dims[1].DimValue;
        if (channels <= 0)
        {
            throw new ConversionException($"input '{input.Name}' has a dynamic channel axis; the channel count must be fixed");
        }

        batchStatic = dims[0].HasDimValue && dims[0].DimValue == 1;
        patchH = ResolvePatch(input.Name, "height", dims[2], options.PatchHeight);
        patchW = ResolvePatch(input.Name, "width", dims[3], options.PatchWidth);
        states[input.Name] = new MapState(input.Name, 4, channels, patchH, patchW, AxisGeometry.Identity, AxisGeometry.Identity, [], []);
        return input;
    }

    private static int ResolvePatch(string input, string axis, TensorShapeProto.Types.Dimension dim, int? requested)
    {
        if (dim.HasDimValue && dim.DimValue > 0)
        {
            if (requested is { } r && r != dim.DimValue)
            {
                throw new ConversionException(
                    $"input '{input}' has a fixed {axis} of {dim.DimValue} but --patch asks for {r}; drop --patch or make them agree");
            }

            return checked((int)dim.DimValue);
        }

        return requested ?? throw new ConversionException(
            $"input '{input}' has a dynamic {axis}; pass the patch size the classifier was trained on with --patch (e.g. --patch 224)");
    }

    private void Process(NodeProto node)
    {
        var op = node.OpType;
        if (op == "Constant")
        {
            states[node.Output[0]] = new ConstState(Tensors.FromConstantNode(node));
            return;
        }

        if (node.Input.Count > 0 && node.Input.Where(i => i.Length > 0).All(i => Get(node, i) is not (MapState or ChannelsLastState)))
        {
            EvaluateShapeOp(node);
            return;
        }

        switch (op)
        {
            case "Identity":
            case "Dropout":
                Alias(node);
                return;
            case "Cast":
                if (node.GetInt("to", Tensors.Float) != Tensors.Float)
                {
                    throw ConversionException.AtNode(node, "casts the feature map to a non-float type");
                }

                Alias(node);
                return;
            case "Shape":
                ShapeOf(node);
                return;
            case "Conv":
                Conv(node);
                return;
            case "MaxPool":
            case "AveragePool":
            case "LpPool":
                Pool(node);
                return;
            case "GlobalAveragePool":
            case "GlobalMaxPool":
            case "GlobalLpPool":
                GlobalPool(node, op.Replace("Global", string.Empty, StringComparison.Ordinal), keepDims: true);
                return;
            case "ReduceMean":
            case "ReduceMax":
                ReducePool(node);
                return;
            case "Pad":
                Pad(node);
                return;
            case "Concat":
                Concat(node);
                return;
            case "Flatten":
                Flatten(node);
                return;
            case "Reshape":
                Reshape(node);
                return;
            case "Squeeze":
                Squeeze(node);
                return;
            case "Gemm":
            case "MatMul":
                FullyConnected(node);
                return;
            case "BatchNormalization":
                BatchNorm(node);
                return;
            case "Softmax":
            case "LogSoftmax":
                Softmax(node);
                return;
            case "Transpose":
                Transpose(node);
                return;
        }

        if (UnaryOps.Contains(op))
        {
            var map = InputMap(node, 0);
            var emitted = Emit(node);
            emitted.Input[0] = map.Name;
            states[node.Output[0]] = map with { Name = node.Output[0] };
            return;
        }

        if (BinaryOps.Contains(op))
        {
            Elementwise(node);
            return;
        }

        throw ConversionException.AtNode(node, $"op {op} is not supported in a network to be made fully convolutional. Supported: {SupportedOps}");
    }

    private bool IsHeadNode(NodeProto node)
    {
        bool Vector(string name) => states.TryGetValue(name, out var s) && s is MapState { IsVector: true };
        return node.OpType is "GlobalAveragePool" or "GlobalMaxPool" or "GlobalLpPool" or "ReduceMean" or "ReduceMax"
            || globalPools.Contains(node)
            || node.Output.Any(Vector) || node.Input.Any(Vector)
            || (node.OpType != "Constant" && node.Output.Any(o => states.GetValueOrDefault(o) is ShapeState));
    }

    private TensorState Get(NodeProto node, string name) =>
        states.TryGetValue(name, out var s)
            ? s
            : throw ConversionException.AtNode(node, $"input '{name}' is not produced by any earlier node (graph not in topological order?)");

    private MapState InputMap(NodeProto node, int index) =>
        Get(node, node.Input[index]) as MapState
        ?? throw ConversionException.AtNode(node, $"input {index} ('{node.Input[index]}') was expected to be a feature map");

    private TensorProto InputConst(NodeProto node, int index, string what) =>
        node.Input.Count > index && node.Input[index].Length > 0 && Get(node, node.Input[index]) is ConstState c
            ? c.Tensor
            : throw ConversionException.AtNode(node, $"{what} must be a constant (an initializer or Constant node)");

    private TensorProto? OptionalConst(NodeProto node, int index, string what) =>
        node.Input.Count > index && node.Input[index].Length > 0 ? InputConst(node, index, what) : null;

    private void Alias(NodeProto node)
    {
        if (node.Output.Skip(1).Any(o => consumers.GetValueOrDefault(o) > 0))
        {
            throw ConversionException.AtNode(node, "its second output (e.g. a Dropout mask) is used; only inference graphs are supported");
        }

        states[node.Output[0]] = Get(node, node.Input[0]);
    }

    /// <summary>Copies <paramref name="node"/> into the new graph with its inputs renamed to the new graph's
    /// tensors (constants become initializers). The caller adjusts the copy.</summary>
    private NodeProto Emit(NodeProto node)
    {
        var copy = node.Clone();
        for (int i = 0; i < copy.Input.Count; i++)
        {
            copy.Input[i] = Use(node, copy.Input[i]);
        }

        nodes.Add(copy);
        return copy;
    }

    private string Use(NodeProto node, string name)
    {
        if (name.Length == 0)
        {
            return name;
        }

        switch (Get(node, name))
        {
            case MapState m:
                return m.Name;
            case ChannelsLastState last:
                return last.Map.Name;
            case ConstState c:
                AddInitializer(c.Tensor);
                return c.Tensor.Name;
            default:
                throw ConversionException.AtNode(node, $"uses the run-time shape '{name}' in a way that cannot be made fully convolutional");
        }
    }

    private void AddInitializer(TensorProto t)
    {
        if (emittedInitializers.Add(t.Name))
        {
            initializers.Add(t);
        }
    }

    private string UniqueName(string baseName)
    {
        var name = baseName;
        for (int i = 1; !usedNames.Add(name); i++)
        {
            name = $"{baseName}_{i}";
        }

        return name;
    }

    private NodeProto NewNode(string op, string name, IEnumerable<string> inputs, IEnumerable<string> outputs)
    {
        var n = new NodeProto { OpType = op, Name = UniqueName(name) };
        n.Input.Add(inputs);
        n.Output.Add(outputs);
        nodes.Add(n);
        return n;
    }
}
