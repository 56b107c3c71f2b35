using BatchFcn.Conversion;
using BatchFcn.Testing;
using Onnx;
using static BatchFcn.Testing.OnnxBuilder;

namespace BatchFcn.Conversion.Tests;

/// <summary>Every refusal names the node and op and says what is supported; none writes a wrong model.</summary>
public sealed class ConversionErrorTests
{
    private static ConversionException Refuse(ModelProto model, ConversionOptions? options = null) =>
        Assert.Throws<ConversionException>(() => FcnConverter.Convert(model, options));

    private static (OnnxBuilder B, string X) Trunk(bool staticBatch = false)
    {
        var b = new OnnxBuilder(13, staticBatch: staticBatch);
        return (b, b.MaxPool(b.Relu(b.Conv(b.Input, 3, 4, 5)), 2, 2)); // 14×14×4
    }

    [Fact]
    public void FlattenFromSpatialAxis_IsRefusedNamingTheNode()
    {
        var (b, x) = Trunk();
        var e = Refuse(b.Build(b.Gemm(b.Flatten(x, axis: 2), 196, 3)));
        Assert.Contains("(Flatten)", e.Message, StringComparison.Ordinal);
        Assert.Contains("flattens from axis 2", e.Message, StringComparison.Ordinal);
        Assert.Contains("Flatten(axis=1)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FlattenAxis0WithDynamicBatch_IsRefused()
    {
        var (b, x) = Trunk();
        var e = Refuse(b.Build(b.Gemm(b.Flatten(x, axis: 0), 784, 3)));
        Assert.Contains("batch axis", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SqueezeAndExcitation_IsRefusedAsNotTranslationEquivariant()
    {
        var (b, x) = Trunk();
        var gate = b.Node("Sigmoid", [b.Conv(b.Node("GlobalAveragePool", [x]), 4, 4, 1)]);
        var scaled = b.Node("Mul", [x, gate]);
        var e = Refuse(b.Build(b.Gemm(b.Flatten(b.Node("GlobalAveragePool", [scaled])), 4, 3)));
        Assert.Contains("(Mul)", e.Message, StringComparison.Ordinal);
        Assert.Contains("squeeze-and-excitation", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnsupportedOp_IsRefusedWithTheSupportedList()
    {
        var (b, x) = Trunk();
        var resized = b.Node("Resize", [x, string.Empty, b.Initializer([1, 1, 2, 2], 4)], String("mode", "nearest"));
        var e = Refuse(b.Build(b.Gemm(b.Flatten(resized), 4 * 28 * 28, 3)));
        Assert.Contains("op Resize is not supported", e.Message, StringComparison.Ordinal);
        Assert.Contains("Supported: Conv", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TransposeOfTheSpatialAxes_IsRefused()
    {
        var (b, x) = Trunk();
        var swapped = b.Node("Transpose", [x], Ints("perm", 0, 1, 3, 2));
        var e = Refuse(b.Build(b.Gemm(b.Flatten(swapped), 784, 3)));
        Assert.Contains("(Transpose)", e.Message, StringComparison.Ordinal);
        Assert.Contains("only moving the channels last ([0, 2, 3, 1]) and back ([0, 3, 1, 2])", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ChannelsLastMap_ConsumedByAnythingButASoftmaxOrTheTransposeBack_IsRefused()
    {
        var (b, x) = Trunk();
        var last = b.Node("Transpose", [x], Ints("perm", 0, 2, 3, 1));
        var e = Refuse(b.Build(b.Gemm(b.Flatten(last), 784, 3)));
        Assert.Contains("(Flatten)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ChannelsLastSoftmaxOverASpatialAxis_IsRefused()
    {
        var b = new OnnxBuilder(11);
        var x = b.Conv(b.Input, 3, 4, 5);
        var last = b.Node("Transpose", [x], Ints("perm", 0, 2, 3, 1));
        var normalised = b.Node("Softmax", [last], Int("axis", 2));
        var back = b.Node("Transpose", [normalised], Ints("perm", 0, 3, 1, 2));
        var e = Refuse(b.Build(back));
        Assert.Contains("(Softmax)", e.Message, StringComparison.Ordinal);
        Assert.Contains("only the last axis (the classes) keeps cells independent", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SoftmaxOverBatchAxis_IsRefused()
    {
        var (b, x) = Trunk();
        var e = Refuse(b.Build(b.Node("Softmax", [b.Gemm(b.Flatten(x), 784, 3)], Int("axis", 0))));
        Assert.Contains("(Softmax)", e.Message, StringComparison.Ordinal);
        Assert.Contains("axis 0", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FcWeightComputedAtRunTime_IsRefused()
    {
        var (b, x) = Trunk();
        var flat = b.Flatten(x);
        var e = Refuse(b.Build(b.Node("MatMul", [flat, b.Node("Transpose", [flat])])));
        Assert.Contains("Transpose", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WrongFeatureCount_SaysThePatchSizeMayBeWrong()
    {
        var b = new OnnxBuilder(13, height: null, width: null);
        var x = b.MaxPool(b.Relu(b.Conv(b.Input, 3, 4, 5)), 2, 2);
        var model = b.Build(b.Gemm(b.Flatten(x), 4 * 14 * 14, 3));
        var e = Refuse(model, new ConversionOptions { PatchHeight = 40, PatchWidth = 40 });
        Assert.Contains("expects 784 input features but receives 1296", e.Message, StringComparison.Ordinal);
        Assert.Contains("patch size", e.Message, StringComparison.Ordinal);
        Assert.Equal(3, FcnConverter.Convert(model, new ConversionOptions { PatchHeight = 32, PatchWidth = 32 }).Classes);
    }

    [Fact]
    public void OutputThatIsAFlattenedVolume_IsRefused()
    {
        var (b, x) = Trunk();
        var e = Refuse(b.Build(b.Flatten(x)));
        Assert.Contains("flattened 4×14×14 volume", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CustomDomainOp_IsRefused()
    {
        var (b, x) = Trunk();
        var model = b.Build(b.Gemm(b.Flatten(x), 784, 3));
        model.Graph.Node[0].Domain = "com.example";
        var e = Refuse(model);
        Assert.Contains("custom domain 'com.example'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingAndCorruptFiles_GetClearErrors()
    {
        using var dir = TestPaths.TempDirectory();
        var missing = Assert.Throws<ConversionException>(() => OnnxModelFile.Load(dir.File("nope.onnx")));
        Assert.Contains("does not exist", missing.Message, StringComparison.Ordinal);

        var corrupt = dir.File("corrupt.onnx");
        File.WriteAllBytes(corrupt, [0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3]);
        var e = Assert.Throws<ConversionException>(() => OnnxModelFile.Load(corrupt));
        Assert.Contains("corrupt.onnx", e.Message, StringComparison.Ordinal);

        var text = dir.File("text.onnx");
        File.WriteAllText(text, "not a model");
        Assert.Throws<ConversionException>(() => OnnxModelFile.Load(text));
    }

    [Fact]
    public void TwoImageInputs_AreRefused()
    {
        var (b, x) = Trunk();
        var model = b.Build(b.Gemm(b.Flatten(x), 784, 3));
        model.Graph.Input.Add(model.Graph.Input[0].Clone());
        model.Graph.Input[1].Name = "second";
        var e = Refuse(model);
        Assert.Contains("2 inputs", e.Message, StringComparison.Ordinal);
    }
}
