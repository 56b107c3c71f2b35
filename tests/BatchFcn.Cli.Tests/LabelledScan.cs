using BatchFcn.Testing;

using static BatchFcn.Cli.Tests.CliRunner;

namespace BatchFcn.Cli.Tests;

/// <summary>One finished scan of a synthetic slide by the demo classifier converted with class names
/// (background, tissue, lesion), shared by the tests of the commands that read results.</summary>
internal static class LabelledScan
{
    public static readonly Lazy<(TempDirectory Dir, string Scan, string Labels)> Shared = new(() =>
    {
        var dir = TestPaths.TempDirectory();
        var slide = Imaging.SyntheticSlide.Create(dir.File("slide.tif"), 1200, 900, seed: 21, lesions: 1).Path;
        File.WriteAllText(dir.File("labels.txt"), "background\ntissue\nlesion\n");
        var model = Path.Combine(TestPaths.RepositoryRoot, "models", "demo", "lesion_classifier.onnx");
        var convert = Run("convert", model, "-o", dir.File("fcn.onnx"), "--labels", dir.File("labels.txt"));
        Assert.True(convert.Code == 0, convert.Err);
        var run = Run("run", "--model", dir.File("fcn.onnx"), "--image", slide, "--out", dir.File("scan"), "--tile", "300", "--npy");
        Assert.True(run.Code == 0, run.Err);
        return (dir, dir.File("scan"), dir.File("labels.txt"));
    });
}
