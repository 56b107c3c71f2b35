using BatchFcn.Conversion;
using BatchFcn.Testing;

namespace BatchFcn.Conversion.Tests;

/// <summary>Invariants A and B on classifiers exported by PyTorch (tests/models/export_test_models.py).</summary>
public sealed class ExportedModelTests
{
    public static TheoryData<string, bool, int, long, string> Models => new()
    {
        // name, padding-free, stride, classes, activation
        { "alexnet_adaptive", false, 32, 5, "none" },
        { "scannet_vgg244", true, 32, 2, "softmax" },
        { "resnet_gap", false, 32, 4, "none" },
        { "mobilenetv2", false, 32, 3, "none" },
        { "lenet_view", true, 4, 10, "none" },
        { "lenet_view_static", true, 4, 10, "none" },
        { "bn_dropout_head", true, 8, 3, "log_softmax" },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void Convert_ExportedClassifier_ProvesInvariantsAAndB(string name, bool paddingFree, int stride, long classes, string activation)
    {
        using var dir = TestPaths.TempDirectory();
        var (result, report) = ConversionHarness.ConvertAndVerify(TestPaths.Model(name), dir);

        Assert.False(result.AlreadyFullyConvolutional);
        Assert.True(result.FullyConnectedLayersConverted >= 1);
        Assert.Equal(paddingFree, result.Geometry.IsPaddingFree);
        Assert.Equal(stride, result.Geometry.Y.Geometry.Stride);
        Assert.Equal(stride, result.Geometry.X.Geometry.Stride);
        Assert.Equal(classes, result.Classes);
        Assert.Equal(activation, result.OutputActivation);
        Assert.DoesNotContain("Gemm", result.HeadAfter);
        Assert.DoesNotContain("MatMul", result.HeadAfter);
        Assert.DoesNotContain("Flatten", result.HeadAfter);

        Assert.True(report.PatchEquivalence.MaxRelativeError <= 1e-5, $"invariant A: {report.PatchEquivalence}");
        Assert.Equal(report.PatchEquivalence.Cases, report.PatchEquivalence.ArgmaxAgreements);
        Assert.Equal(9, report.DenseVsSliding.Cases);
        if (paddingFree)
        {
            Assert.True(report.DenseVsSliding.MaxRelativeError <= 1e-5, $"invariant B: {report.DenseVsSliding}");
        }
        else
        {
            // Zero padding: crops see zeros where the large image has pixels. Measured, not hidden.
            Assert.True(report.DenseVsSliding.MaxAbsError > 1e-5, $"a padded network matched exactly: {report.DenseVsSliding}");
            Assert.Contains("expected", report.DenseVerdict, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Convert_PassesThroughFullyConvolutionalModel()
    {
        using var dir = TestPaths.TempDirectory();
        var (result, report) = ConversionHarness.ConvertAndVerify(TestPaths.Model("fully_conv"), dir);
        Assert.True(result.AlreadyFullyConvolutional);
        Assert.Equal(0, result.FullyConnectedLayersConverted);
        Assert.Empty(result.HeadBefore);
        Assert.Equal(4, result.Geometry.X.Geometry.Stride);
        Assert.Equal(0.0, report.PatchEquivalence.MaxAbsError);
        Assert.True(report.DenseEquivalent);
    }

    [Fact]
    public void Convert_DynamicInputWithoutPatch_AsksForPatch()
    {
        var e = Assert.Throws<ConversionException>(() => FcnConverter.Convert(OnnxModelFile.Load(TestPaths.Model("resnet_gap_dynamic_hw"))));
        Assert.Contains("dynamic height", e.Message, StringComparison.Ordinal);
        Assert.Contains("--patch", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Convert_DynamicInputWithPatch_MatchesStaticExport()
    {
        using var dir = TestPaths.TempDirectory();
        var (result, report) = ConversionHarness.ConvertAndVerify(TestPaths.Model("resnet_gap_dynamic_hw"), dir, new ConversionOptions { PatchHeight = 224, PatchWidth = 224 });
        var reference = FcnConverter.Convert(OnnxModelFile.Load(TestPaths.Model("resnet_gap")));
        Assert.Equal(reference.Geometry.Y.Geometry, result.Geometry.Y.Geometry);
        Assert.True(report.PatchEquivalent, report.PatchEquivalence.ToString());
    }

    [Fact]
    public void Convert_PatchDisagreeingWithStaticInput_Refuses()
    {
        var e = Assert.Throws<ConversionException>(() =>
            FcnConverter.Convert(OnnxModelFile.Load(TestPaths.Model("resnet_gap")), new ConversionOptions { PatchHeight = 256, PatchWidth = 256 }));
        Assert.Contains("fixed height of 224", e.Message, StringComparison.Ordinal);
    }
}
