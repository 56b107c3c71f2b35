using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace BatchFcn.Testing;

/// <summary>
/// Builds small ONNX classifiers in C# with random weights, to cover each pattern the converter must
/// handle (and each it must refuse) independently of any exporter.
/// </summary>
public sealed class OnnxBuilder
{
    private readonly GraphProto graph = new() { Name = "built" };
    private readonly Random random;
    private int counter;

    public OnnxBuilder(int opset = 13, int channels = 3, int? height = 32, int? width = 32, bool staticBatch = false, int seed = 7)
    {
        Opset = opset;
        random = new Random(seed);
        var shape = new TensorShapeProto();
        shape.Dim.Add(staticBatch ? new TensorShapeProto.Types.Dimension { DimValue = 1 } : new TensorShapeProto.Types.Dimension { DimParam = "N" });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = channels });
        shape.Dim.Add(height is { } h ? new TensorShapeProto.Types.Dimension { DimValue = h } : new TensorShapeProto.Types.Dimension { DimParam = "H" });
        shape.Dim.Add(width is { } w ? new TensorShapeProto.Types.Dimension { DimValue = w } : new TensorShapeProto.Types.Dimension { DimParam = "W" });
        graph.Input.Add(new ValueInfoProto { Name = Input, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1, Shape = shape } } });
    }

    public int Opset { get; }

    public string Input { get; } = "input";

    public string Name(string prefix) => $"{prefix}_{counter++}";

    public float[] RandomValues(long count, double scale)
    {
        var v = new float[count];
        for (long i = 0; i < count; i++)
        {
            v[i] = (float)(((random.NextDouble() * 2) - 1) * scale);
        }

        return v;
    }

    public string Initializer(float[] values, params long[] dims)
    {
        var name = Name("w");
        graph.Initializer.Add(Tensor(name, values, dims));
        return name;
    }

    public string IntInitializer(long[] values, params long[] dims)
    {
        var name = Name("i");
        var t = new TensorProto { Name = name, DataType = 7, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())) };
        t.Dims.Add(dims);
        graph.Initializer.Add(t);
        return name;
    }

    /// <summary>A float constant produced by a Constant node (as exporters that share tensors emit).</summary>
    public string ConstantNode(float[] values, params long[] dims)
    {
        var output = Name("const");
        var node = new NodeProto { OpType = "Constant", Name = output, Output = { output } };
        node.Attribute.Add(new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = Tensor(output, values, dims) });
        graph.Node.Add(node);
        return output;
    }

    public string Node(string op, IEnumerable<string> inputs, params AttributeProto[] attributes) => Nodes(op, inputs, 1, attributes)[0];

    public string[] Nodes(string op, IEnumerable<string> inputs, int outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = Name(op.ToLowerInvariant()) };
        node.Input.Add(inputs);
        for (int i = 0; i < outputs; i++)
        {
            node.Output.Add(Name(op.ToLowerInvariant() + "_out"));
        }

        node.Attribute.Add(attributes);
        graph.Node.Add(node);
        return [.. node.Output];
    }

    public static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.Add(values);
        return a;
    }

    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto String(string name, string value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    public string Conv(string x, int cin, int cout, int k, int stride = 1, int pad = 0, int dilation = 1, string? autoPad = null, bool bias = true)
    {
        var w = Initializer(RandomValues((long)cout * cin * k * k, 1.0 / Math.Sqrt(cin * k * k)), cout, cin, k, k);
        var inputs = new List<string> { x, w };
        if (bias)
        {
            inputs.Add(Initializer(RandomValues(cout, 0.1), cout));
        }

        var attrs = new List<AttributeProto> { Ints("kernel_shape", k, k), Ints("strides", stride, stride), Ints("dilations", dilation, dilation) };
        attrs.Add(autoPad is null ? Ints("pads", pad, pad, pad, pad) : String("auto_pad", autoPad));
        return Node("Conv", inputs, [.. attrs]);
    }

    public string Relu(string x) => Node("Relu", [x]);

    public string MaxPool(string x, int k, int stride, int pad = 0, bool ceil = false) =>
        Node("MaxPool", [x], Ints("kernel_shape", k, k), Ints("strides", stride, stride), Ints("pads", pad, pad, pad, pad), Int("ceil_mode", ceil ? 1 : 0));

    public string Flatten(string x, int axis = 1) => Node("Flatten", [x], Int("axis", axis));

    /// <summary>A Gemm FC layer; <paramref name="viaConstant"/> feeds the weight through a Constant node and an Identity.</summary>
    public string Gemm(string x, int inFeatures, int outFeatures, bool transB = true, bool bias = true, float alpha = 1f, float beta = 1f, bool viaConstant = false)
    {
        var values = RandomValues((long)inFeatures * outFeatures, 1.0 / Math.Sqrt(inFeatures));
        long[] dims = transB ? [outFeatures, inFeatures] : [inFeatures, outFeatures];
        var w = viaConstant ? Node("Identity", [ConstantNode(values, dims)]) : Initializer(values, dims);
        var inputs = new List<string> { x, w };
        if (bias)
        {
            inputs.Add(Initializer(RandomValues(outFeatures, 0.1), outFeatures));
        }

        return Node("Gemm", inputs, Int("transB", transB ? 1 : 0), Float("alpha", alpha), Float("beta", beta));
    }

    public string MatMulAdd(string x, int inFeatures, int outFeatures)
    {
        var w = Initializer(RandomValues((long)inFeatures * outFeatures, 1.0 / Math.Sqrt(inFeatures)), inFeatures, outFeatures);
        var y = Node("MatMul", [x, w]);
        return Node("Add", [y, Initializer(RandomValues(outFeatures, 0.1), outFeatures)]);
    }

    public string BatchNorm(string x, int channels)
    {
        var scale = Initializer(RandomValues(channels, 0.5).Select(v => v + 1).ToArray(), channels);
        var shift = Initializer(RandomValues(channels, 0.2), channels);
        var mean = Initializer(RandomValues(channels, 0.2), channels);
        var variance = Initializer(RandomValues(channels, 0.3).Select(v => v + 1).ToArray(), channels);
        return Node("BatchNormalization", [x, scale, shift, mean, variance], Float("epsilon", 1e-5f));
    }

    public ModelProto Build(string output)
    {
        graph.Output.Add(new ValueInfoProto { Name = output, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1 } } });
        var model = new ModelProto { IrVersion = 8, ProducerName = "batchfcn-tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = Opset });
        return model;
    }

    public string Save(string output, string path)
    {
        using var stream = File.Create(path);
        Build(output).WriteTo(stream);
        return path;
    }

    private static TensorProto Tensor(string name, float[] values, long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = 1, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())) };
        t.Dims.Add(dims);
        return t;
    }
}
