using BatchFcn.Testing;
using Onnx;

namespace BatchFcn.Conversion.Tests;

public sealed class FcnSplitterTests
{
    private static ModelProto Fcn(string name, out ConversionResult whole)
    {
        whole = FcnConverter.Convert(OnnxModelFile.Load(TestPaths.Model(name)));
        return whole.Model;
    }

    [Theory]
    [InlineData("resnet_gap", 4)]
    [InlineData("fully_conv", 2)]
    [InlineData("mobilenetv2", 4)]
    public void EveryCut_GivesHalvesThatComposeToTheWholeNetwork_NumericallyAndInGeometry(string name, int minimumCuts)
    {
        var fcn = Fcn(name, out var whole);
        var splits = FcnSplitter.All(fcn, whole.PatchHeight, whole.PatchWidth, whole.Geometry);
        Assert.True(splits.Count >= minimumCuts, $"{splits.Count} cuts: {string.Join(", ", splits.Select(s => s.Cut))}");

        using var dir = TestPaths.TempDirectory();
        var wholePath = dir.File("whole.onnx");
        OnnxModelFile.Save(fcn, wholePath);
        using var reference = new OrtModel(wholePath);
        int h = whole.PatchHeight + 37, w = whole.PatchWidth + 70;
        var image = OrtModel.Random(5, 3L * h * w);
        var expected = reference.Run(image, 1, 3, h, w);

        // Every third cut keeps the test quick; the geometry of all of them was checked by All().
        foreach (var split in splits.Where((_, i) => i % 3 == 0))
        {
            var trunkPath = dir.File("trunk.onnx");
            var restPath = dir.File("rest.onnx");
            OnnxModelFile.Save(split.Trunk.Model, trunkPath);
            OnnxModelFile.Save(split.Rest.Model, restPath);
            using var trunk = new OrtModel(trunkPath);
            using var rest = new OrtModel(restPath);
            var features = trunk.Run(image, 1, 3, h, w);
            Assert.Equal(split.CutChannels, features.Shape[1]);
            Assert.Equal(split.Trunk.Geometry.Y.OutputLength(h), features.Shape[2]);
            var scores = rest.Run(features.Values, features.Shape);
            Assert.Equal(expected.Shape, scores.Shape);
            for (int i = 0; i < expected.Values.Length; i++)
            {
                Assert.True(Math.Abs(expected.Values[i] - scores.Values[i]) <= 1e-5 * Math.Max(1, Math.Abs(expected.Values[i])),
                    $"cut {split.Cut}: value {i} is {scores.Values[i]}, whole network {expected.Values[i]}");
            }

            var t = split.Trunk.Geometry.X.Geometry;
            var r = split.Rest.Geometry.X.Geometry;
            Assert.Equal(whole.Geometry.X.Geometry.Stride, t.Stride * r.Stride);
            Assert.Equal(whole.Geometry.X.Geometry.ReceptiveField, t.ReceptiveField + ((r.ReceptiveField - 1) * t.Stride));
        }
    }

    [Fact]
    public void ResidualNetwork_IsCutOnlyBetweenBlocks_NeverInsideOne()
    {
        var fcn = Fcn("resnet_gap", out _);
        var cuts = FcnSplitter.Cuts(fcn);
        var byOutput = fcn.Graph.Node.ToDictionary(n => n.Output[0]);

        // Inside a residual block the skip branch is still needed, so no Conv output of a block's first
        // convolution may be a cut; block outputs (after the Add) may.
        Assert.Contains(cuts, c => byOutput[c].OpType is "Relu" or "Add" or "MaxPool");
        foreach (var cut in cuts)
        {
            int at = fcn.Graph.Node.IndexOf(byOutput[cut]);
            var later = fcn.Graph.Node.Skip(at + 1).SelectMany(n => n.Input).ToHashSet();
            var earlierActivations = fcn.Graph.Node.Take(at).SelectMany(n => n.Output).Where(later.Contains);
            Assert.Empty(earlierActivations);
        }
    }

    [Fact]
    public void OpsetBelow13Softmax_RestIsWalkedAgain_AndOnlyCutsOutsideTheSandwichAreOffered()
    {
        // ScanNet's export (opset 11) ends in a softmax over channels that the converter wrote as
        // Transpose–Softmax–Transpose; the rest holding it converts again (softmax kept per cell), while cuts
        // inside the sandwich (a channels-last trunk output) are not offered.
        var fcn = Fcn("scannet_vgg244", out var whole);
        var splits = FcnSplitter.All(fcn, whole.PatchHeight, whole.PatchWidth, whole.Geometry);
        Assert.True(splits.Count >= 10, $"{splits.Count} cuts offered");
        var sandwich = fcn.Graph.Node.Where(n => n.OpType is "Transpose" or "Softmax").SelectMany(n => n.Output).ToHashSet();
        Assert.Equal(3, fcn.Graph.Node.Count(n => n.OpType is "Transpose" or "Softmax"));
        Assert.DoesNotContain(splits, s => sandwich.Contains(s.Cut));
        Assert.All(splits, s => Assert.Equal("softmax", s.Rest.OutputActivation));
        Assert.All(splits, s => Assert.Contains(s.Rest.Model.Graph.Node, n => n.OpType == "Transpose"));
    }

    [Fact]
    public void NotACutPoint_IsRefusedWithTheCutsThatExist()
    {
        var fcn = Fcn("resnet_gap", out var whole);
        var insideBlock = fcn.Graph.Node.First(n => n.OpType == "Conv" && !FcnSplitter.Cuts(fcn).Contains(n.Output[0])).Output[0];
        var e = Assert.Throws<ConversionException>(() => FcnSplitter.Split(fcn, insideBlock, whole.PatchHeight, whole.PatchWidth, whole.Geometry));
        Assert.Contains("cut points:", e.Message);
        Assert.Contains(insideBlock, e.Message);
    }

    [Fact]
    public void MemoryFigure_IsTheLargestMapPerInputPixel()
    {
        var fcn = Fcn("resnet_gap", out var whole);
        var split = FcnSplitter.All(fcn, whole.PatchHeight, whole.PatchWidth, whole.Geometry)[^1];

        // Every map is in one half or the other, so the whole network's figure is the larger of the two
        // (the rest's counted per pixel of its own input, i.e. divided by the trunk's stride²).
        var t = split.Trunk.Geometry;
        double restPerImagePixel = split.Rest.MaxMapFloatsPerInputPixel / (t.Y.Geometry.Stride * t.X.Geometry.Stride);
        Assert.Equal(whole.MaxMapFloatsPerInputPixel, Math.Max(split.Trunk.MaxMapFloatsPerInputPixel, restPerImagePixel), 6);
        Assert.True(whole.MaxMapFloatsPerInputPixel >= 3);
    }
}
