using BatchFcn.Conversion;
using BatchFcn.Testing;
using Onnx;
using static BatchFcn.Testing.OnnxBuilder;

namespace BatchFcn.Conversion.Tests;

/// <summary>Each head pattern the converter supports, built directly in ONNX (independent of any
/// exporter), converted and proven with ONNX Runtime.</summary>
public sealed class BuiltPatternTests
{
    /// <summary>A padding-free trunk: 32×32×3 → conv5 → pool2 → conv3 → 6×6×8 (stride 2).</summary>
    private static (OnnxBuilder B, string X) Trunk(int opset = 13, bool staticBatch = false)
    {
        var b = new OnnxBuilder(opset, staticBatch: staticBatch);
        var x = b.Relu(b.Conv(b.Input, 3, 6, 5));
        x = b.MaxPool(x, 2, 2);
        x = b.Relu(b.Conv(x, 6, 8, 3));
        x = b.MaxPool(x, 2, 2); // 6×6×8... (32−4)/2 = 14 → 12 → 6
        return (b, x);
    }

    public static TheoryData<string> Heads => new()
    {
        "gemm-transB1-bias", "gemm-transB0-nobias-alpha-beta", "matmul-add", "weights-via-constant",
        "reshape-constant", "flatten-axis0-static-batch", "bn-dropout-relu", "softmax-opset11", "softmax-opset13",
        "logsoftmax", "gelu-arith", "scalar-constants",
    };

    private static ModelProto BuildHead(string head)
    {
        int opset = head == "softmax-opset11" ? 11 : 13;
        var (b, x) = Trunk(opset, staticBatch: head == "flatten-axis0-static-batch");
        const int features = 8 * 6 * 6;
        string y;
        switch (head)
        {
            case "gemm-transB1-bias":
                y = b.Gemm(b.Relu(b.Gemm(b.Flatten(x), features, 16)), 16, 5);
                break;
            case "gemm-transB0-nobias-alpha-beta":
                y = b.Gemm(b.Relu(b.Gemm(b.Flatten(x), features, 16, transB: false, bias: false, alpha: 0.5f)), 16, 5, transB: false, beta: 2f);
                break;
            case "matmul-add":
                y = b.MatMulAdd(b.Relu(b.MatMulAdd(b.Flatten(x), features, 16)), 16, 5);
                break;
            case "weights-via-constant":
                y = b.Gemm(b.Relu(b.Gemm(b.Flatten(x), features, 16, viaConstant: true)), 16, 5, viaConstant: true);
                break;
            case "reshape-constant":
                y = b.Gemm(b.Node("Reshape", [x, b.IntInitializer([0, -1], 2)]), features, 5);
                break;
            case "flatten-axis0-static-batch":
                y = b.Gemm(b.Flatten(x, axis: 0), features, 5);
                break;
            case "bn-dropout-relu":
                y = b.Gemm(b.Node("Dropout", [b.Relu(b.BatchNorm(b.Gemm(b.Flatten(x), features, 16), 16))]), 16, 5);
                break;
            case "softmax-opset11":
            case "softmax-opset13":
                y = b.Node("Softmax", [b.Gemm(b.Flatten(x), features, 5)], Int("axis", opset == 11 ? 1 : -1));
                break;
            case "logsoftmax":
                y = b.Node("LogSoftmax", [b.Gemm(b.Flatten(x), features, 5)], Int("axis", 1));
                break;
            case "gelu-arith":
                var h = b.Gemm(b.Flatten(x), features, 16);
                var erf = b.Node("Erf", [b.Node("Div", [h, b.ConstantNode([1.4142135f], [])])]);
                var gelu = b.Node("Mul", [b.Node("Mul", [h, b.Node("Add", [erf, b.ConstantNode([1f], [])])]), b.ConstantNode([0.5f], [])]);
                y = b.Gemm(b.Node("Sub", [b.Initializer(b.RandomValues(16, 1), 1, 16), gelu]), 16, 5);
                break;
            case "scalar-constants":
                y = b.Node("Mul", [b.Node("Clip", [b.Gemm(b.Flatten(x), features, 5), b.ConstantNode([-0.5f], []), b.ConstantNode([0.5f], [])]), b.ConstantNode([3f], [])]);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(head));
        }

        return b.Build(y);
    }

    [Theory]
    [MemberData(nameof(Heads))]
    public void Convert_Head_IsExactOnPatchAndDenseMap(string head)
    {
        using var dir = TestPaths.TempDirectory();
        var (result, report) = ConversionHarness.ConvertAndVerify(BuildHead(head), dir);
        Assert.True(report.PatchEquivalence.MaxRelativeError <= 1e-5, $"{head} A: {report.PatchEquivalence}");
        Assert.True(report.DenseVsSliding.MaxRelativeError <= 1e-5, $"{head} B: {report.DenseVsSliding}");
        Assert.True(result.Geometry.IsPaddingFree);
        Assert.Equal(4, result.Geometry.X.Geometry.Stride);
        Assert.Equal(5, result.Classes);
        Assert.DoesNotContain(result.Model.Graph.Node, n => n.OpType is "Gemm" or "MatMul" or "Flatten" or "Reshape" or "Dropout" or "BatchNormalization");
    }

    [Fact]
    public void Convert_BatchNormAfterFc_IsFoldedIntoTheConvolution()
    {
        var (result, _) = Convert("bn-dropout-relu");
        Assert.Equal(["Conv", "Relu", "Conv"], result.HeadAfter);
    }

    [Fact]
    public void Convert_SoftmaxBeforeOpset13_NormalisesChannelsOnly()
    {
        var (result, report) = Convert("softmax-opset11");
        Assert.Equal("softmax", result.OutputActivation);
        Assert.Contains("Transpose", result.HeadAfter);
        Assert.True(report.DenseEquivalent, report.DenseVsSliding.ToString());
    }

    private static (ConversionResult, VerifyReport) Convert(string head)
    {
        using var dir = TestPaths.TempDirectory();
        return ConversionHarness.ConvertAndVerify(BuildHead(head), dir);
    }

    public static TheoryData<string> Pools => new() { "gap", "globalmax", "reducemean-attr", "reducemean-input-opset18", "whole-map-avgpool", "squeeze" };

    [Theory]
    [MemberData(nameof(Pools))]
    public void Convert_GlobalPooling_BecomesStrideOnePooling(string pool)
    {
        var b = new OnnxBuilder(pool == "reducemean-input-opset18" ? 18 : 13);
        var x = b.Relu(b.Conv(b.Input, 3, 8, 3, stride: 2, pad: 1)); // 16×16, padded
        x = b.Relu(b.Conv(x, 8, 8, 3, stride: 2, pad: 1)); // 8×8
        string v = pool switch
        {
            "gap" => b.Flatten(b.Node("GlobalAveragePool", [x])),
            "globalmax" => b.Flatten(b.Node("GlobalMaxPool", [x])),
            "reducemean-attr" => b.Flatten(b.Node("ReduceMean", [x], Ints("axes", 2, 3), Int("keepdims", 1))),
            "reducemean-input-opset18" => b.Node("ReduceMean", [x, b.IntInitializer([-1, -2], 2)], Int("keepdims", 0)),
            "whole-map-avgpool" => b.Flatten(b.Node("AveragePool", [x], Ints("kernel_shape", 8, 8), Ints("strides", 8, 8))),
            _ => b.Node("Squeeze", [b.Node("GlobalAveragePool", [x]), b.IntInitializer([2, 3], 2)]),
        };
        using var dir = TestPaths.TempDirectory();
        var (result, report) = ConversionHarness.ConvertAndVerify(b.Build(b.Gemm(v, 8, 4)), dir);
        Assert.True(report.PatchEquivalent, $"{pool}: {report.PatchEquivalence}");
        Assert.Equal(4, result.Geometry.X.Geometry.Stride);
        Assert.False(result.Geometry.IsPaddingFree);
        Assert.Contains(result.HeadAfter, op => op is "AveragePool" or "MaxPool");
        Assert.All(result.Model.Graph.Node.Where(n => n.OpType is "AveragePool" or "MaxPool"), n =>
            Assert.Equal([1L, 1L], n.Attribute.Single(a => a.Name == "strides").Ints));
    }

    [Fact]
    public void Convert_TrunkWithSamePaddingCeilModeBranchesAndResidual_IsExactOnPatch()
    {
        var b = new OnnxBuilder(13, height: 37, width: 37);
        var x = b.Relu(b.Conv(b.Input, 3, 8, 3, stride: 2, autoPad: "SAME_UPPER")); // 19
        x = b.MaxPool(x, 2, 2, ceil: true); // 10
        var branch1 = b.Conv(x, 8, 4, 1);
        var branch3 = b.Conv(x, 8, 4, 3, pad: 1);
        var branch5 = b.Conv(x, 8, 4, 5, pad: 2, dilation: 1);
        x = b.Node("Concat", [branch1, branch3, branch5], Int("axis", 1));
        x = b.Relu(b.Node("Add", [x, b.Conv(x, 12, 12, 3, pad: 1)]));
        var y = b.Gemm(b.Flatten(b.Node("GlobalAveragePool", [x])), 12, 3);
        using var dir = TestPaths.TempDirectory();
        var (result, report) = ConversionHarness.ConvertAndVerify(b.Build(y), dir);
        Assert.True(report.PatchEquivalent, report.PatchEquivalence.ToString());
        Assert.Equal(4, result.Geometry.Y.Geometry.Stride);
        Assert.DoesNotContain(result.Model.Graph.Node, n => n.Attribute.Any(a => a.Name == "auto_pad"));
    }
}
