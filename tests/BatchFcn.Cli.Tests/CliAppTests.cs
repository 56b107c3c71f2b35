using System.Text.Json;
using BatchFcn.Cli;
using BatchFcn.Testing;

using static BatchFcn.Cli.Tests.CliRunner;

namespace BatchFcn.Cli.Tests;

/// <summary>The commands as a user runs them (in process): output, files written, exit status.</summary>
public sealed class CliAppTests
{
    [Fact]
    public void Convert_WritesModelAndManifest_ThenVerifyPasses()
    {
        using var dir = TestPaths.TempDirectory();
        var fcn = dir.File("lenet_fcn.onnx");
        var convert = Run("convert", TestPaths.Model("lenet_view"), "-o", fcn);
        Assert.Equal(0, convert.Code);
        Assert.Contains("converted 3 fully-connected layer(s)", convert.Out, StringComparison.Ordinal);
        Assert.Contains("Shape → Gather → Unsqueeze → Concat → Reshape → Gemm", convert.Out, StringComparison.Ordinal);
        Assert.True(File.Exists(fcn));

        using var manifest = JsonDocument.Parse(File.ReadAllText(dir.File("lenet_fcn.json")));
        var root = manifest.RootElement;
        Assert.Equal("batchfcn.manifest/1", root.GetProperty("format").GetString());
        Assert.Equal(32, root.GetProperty("patch").GetProperty("height").GetInt32());
        Assert.Equal(4, root.GetProperty("geometryX").GetProperty("stride").GetInt32());
        Assert.Equal(32, root.GetProperty("geometryX").GetProperty("receptiveField").GetInt32());
        Assert.True(root.GetProperty("paddingFree").GetBoolean());
        Assert.Equal(10, root.GetProperty("classes").GetInt64());
        Assert.Equal(64, root.GetProperty("sourceSha256").GetString()!.Length);
        Assert.Equal("NCHW", root.GetProperty("input").GetProperty("layout").GetString());
        Assert.False(string.IsNullOrEmpty(root.GetProperty("converterVersion").GetString()));

        var verify = Run("verify", TestPaths.Model("lenet_view"), fcn, "--samples", "4");
        Assert.Equal(0, verify.Code);
        Assert.Contains("PASS", verify.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("FAIL", verify.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_Json_ReportsDeviationForPaddedNetwork()
    {
        using var dir = TestPaths.TempDirectory();
        var fcn = dir.File("resnet_fcn.onnx");
        Assert.Equal(0, Run("convert", TestPaths.Model("resnet_gap"), "-o", fcn).Code);
        var verify = Run("verify", TestPaths.Model("resnet_gap"), fcn, "--json", "--samples", "2");
        Assert.Equal(0, verify.Code);
        using var json = JsonDocument.Parse(verify.Out);
        Assert.True(json.RootElement.GetProperty("patchEquivalent").GetBoolean());
        Assert.False(json.RootElement.GetProperty("paddingFree").GetBoolean());
        Assert.True(json.RootElement.GetProperty("denseVsSliding").GetProperty("maxAbsError").GetDouble() > 0);
        Assert.Contains("expected", json.RootElement.GetProperty("denseVerdict").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_WrongModelPair_FailsInvariantAWithExitStatus3()
    {
        using var dir = TestPaths.TempDirectory();
        var fcn = dir.File("lenet_fcn.onnx");
        Assert.Equal(0, Run("convert", TestPaths.Model("lenet_view"), "-o", fcn).Code);
        // A different classifier of the same shape: weights differ, so A must fail.
        var other = dir.File("other.onnx");
        var b = new OnnxBuilder(13);
        var x = b.MaxPool(b.Relu(b.Conv(b.MaxPool(b.Relu(b.Conv(b.Input, 3, 6, 5)), 2, 2), 6, 16, 5)), 2, 2);
        b.Save(b.Gemm(b.Flatten(x), 400, 10), other);
        var verify = Run("verify", other, fcn);
        Assert.Equal(CliApp.VerificationFailed, verify.Code);
        Assert.Contains("FAIL", verify.Out, StringComparison.Ordinal);
        Assert.Contains("invariant A fails", verify.Err, StringComparison.Ordinal);
        Assert.Contains("does not compute what", verify.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("DEVIATES", verify.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("PASS", verify.Out, StringComparison.Ordinal); // nor a B that passes by chance
        Assert.Contains("NOT A PAIR", verify.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_PairOfDifferentPatchSizes_SaysNotAPair_WithoutAStackTrace()
    {
        using var dir = TestPaths.TempDirectory();
        var fcn = dir.File("lenet_fcn.onnx");
        Assert.Equal(0, Run("convert", TestPaths.Model("lenet_view"), "-o", fcn, "-q").Code);
        var demo = Path.Combine(TestPaths.RepositoryRoot, "models", "demo", "lesion_classifier.onnx");
        var verify = Run("verify", demo, fcn);
        Assert.Equal(CliApp.UserError, verify.Code);
        Assert.Contains("not a pair", verify.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", verify.Err, StringComparison.Ordinal);

        var swapped = Run("verify", fcn, TestPaths.Model("lenet_view"));
        Assert.Equal(CliApp.UserError, swapped.Code);
        Assert.Contains("is a converted network", swapped.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Convert_Quiet_PrintsNothing_AndStillWrites()
    {
        using var dir = TestPaths.TempDirectory();
        var convert = Run("convert", TestPaths.Model("lenet_view"), "-o", dir.File("m.onnx"), "--quiet");
        Assert.Equal(0, convert.Code);
        Assert.Equal("", convert.Out + convert.Err);
        Assert.True(File.Exists(dir.File("m.json")));
    }

    [Fact]
    public void Run_UnknownOption_PrintsTheErrorAndAHintNotTheWholeHelp()
    {
        var run = Run("run", "--imgae", "x.tif", "--model", "m.onnx", "--out", "o");
        Assert.Equal(1, run.Code);
        Assert.Contains("error: Unrecognized command or argument '--imgae'", run.Err, StringComparison.Ordinal);
        Assert.Contains("did you mean --image?", run.Err, StringComparison.Ordinal);
        Assert.Contains("Run 'batchfcn run --help' to see its options.", run.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("Options:", run.Err + run.Out, StringComparison.Ordinal);
        Assert.True(run.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length <= 5, run.Err);
    }

    [Fact]
    public void Run_HelpAsked_PrintsTheWholeHelp()
    {
        var help = Run("run", "--help");
        Assert.Equal(0, help.Code);
        Assert.Contains("Options:", help.Out, StringComparison.Ordinal);
        Assert.Contains("--image", help.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_ShowsGeometryHeadCostAndExactTiles()
    {
        var inspect = Run("inspect", TestPaths.Model("resnet_gap"));
        Assert.Equal(0, inspect.Code);
        Assert.Contains("GlobalAveragePool → Flatten → Gemm", inspect.Out, StringComparison.Ordinal);
        Assert.Contains("AveragePool → Conv", inspect.Out, StringComparison.Ordinal);
        Assert.Contains("FLOPs per patch", inspect.Out, StringComparison.Ordinal);
        Assert.Contains("ratio 49.0x", inspect.Out, StringComparison.Ordinal); // (224/32)² for a GAP network
        Assert.Contains("overlap cost", inspect.Out, StringComparison.Ordinal);
        Assert.Matches(@"y\s+32\s+627\s+217", inspect.Out);
        Assert.Contains("cut points for 'run --split'", inspect.Out, StringComparison.Ordinal);
        Assert.Matches(@"Add_output_0\s+\d+\s+\d+", inspect.Out);
    }

    [Fact]
    public void Inspect_Calibrate_PrintsThisNodesMeasuredRunsAndCachesThem()
    {
        var first = Run("inspect", TestPaths.Model("alexnet_adaptive"), "--calibrate");
        Assert.True(first.Code == 0, first.Err);
        Assert.Contains("measured on this node", first.Out, StringComparison.Ordinal);
        Assert.Matches(@"512x512\s+\d+\.\d{3}\s+\d+\.\d", first.Out);

        var second = Run("inspect", TestPaths.Model("alexnet_adaptive"), "--calibrate");
        Assert.Contains("; cached)", second.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_ConvertedModel_ReadsItsManifest()
    {
        using var dir = TestPaths.TempDirectory();
        var fcn = dir.File("scannet_fcn.onnx");
        Assert.Equal(0, Run("convert", TestPaths.Model("scannet_vgg244"), "-o", fcn).Code);
        var inspect = Run("inspect", fcn, "--json");
        Assert.Equal(0, inspect.Code);
        using var json = JsonDocument.Parse(inspect.Out);
        Assert.True(json.RootElement.GetProperty("isConverted").GetBoolean());
        Assert.Equal(236, json.RootElement.GetProperty("manifest").GetProperty("geometryY").GetProperty("receptiveField").GetInt32());
        Assert.True(json.RootElement.GetProperty("tileOptions").GetArrayLength() >= 3);

        // Its opset-11 softmax became Transpose–Softmax–Transpose: the rest carries it (cuts are offered), but no cut
        // falls inside it (a channels-last trunk output).
        var cuts = json.RootElement.GetProperty("cutPoints").EnumerateArray().Select(c => c.GetProperty("tensor").GetString()!).ToList();
        Assert.True(cuts.Count >= 10, $"{cuts.Count} cut points");
        Assert.DoesNotContain(cuts, c => c.Contains("_nhwc", StringComparison.Ordinal));
    }

    [Fact]
    public void UnknownOption_IsAnErrorNotIgnored()
    {
        var r = Run("convert", TestPaths.Model("lenet_view"), "-o", "x.onnx", "--bogus");
        Assert.NotEqual(0, r.Code);
        Assert.Contains("--bogus", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingModel_PrintsOneLineAndExits2()
    {
        using var dir = TestPaths.TempDirectory();
        var r = Run("convert", dir.File("missing.onnx"), "-o", dir.File("out.onnx"));
        Assert.Equal(CliApp.UserError, r.Code);
        Assert.StartsWith("error: model file", r.Err, StringComparison.Ordinal);
        Assert.Single(r.Err.Trim().Split('\n'));
        Assert.False(File.Exists(dir.File("out.onnx")));
    }

    [Fact]
    public void UnconvertibleModel_LeavesNoOutputBehind()
    {
        using var dir = TestPaths.TempDirectory();
        var bad = dir.File("bad.onnx");
        var b = new OnnxBuilder(13);
        b.Save(b.Gemm(b.Flatten(b.Conv(b.Input, 3, 2, 3), axis: 2), 900, 3), bad);
        var r = Run("convert", bad, "-o", dir.File("out.onnx"));
        Assert.Equal(CliApp.UserError, r.Code);
        Assert.Contains("flattens from axis 2", r.Err, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("out.onnx")));
        Assert.False(File.Exists(dir.File("out.json")));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("0")]
    [InlineData("224x")]
    public void BadPatch_IsExplained(string patch)
    {
        var r = Run("convert", TestPaths.Model("resnet_gap_dynamic_hw"), "-o", "unused.onnx", "--patch", patch);
        Assert.Equal(CliApp.UserError, r.Code);
        Assert.Contains("--patch", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Convert_RefusesToOverwriteTheClassifier()
    {
        using var dir = TestPaths.TempDirectory();
        var model = dir.File("m.onnx");
        File.Copy(TestPaths.Model("lenet_view"), model);
        var r = Run("convert", model, "-o", model);
        Assert.Equal(CliApp.UserError, r.Code);
        Assert.Equal(File.ReadAllBytes(TestPaths.Model("lenet_view")), File.ReadAllBytes(model));
    }
}
