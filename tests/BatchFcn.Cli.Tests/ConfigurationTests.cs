using BatchFcn.Cli;
using BatchFcn.Imaging;
using BatchFcn.Testing;

using static BatchFcn.Cli.Tests.CliRunner;

namespace BatchFcn.Cli.Tests;

/// <summary>Settings from the environment, layered under the command line. Environment variables are process-wide,
/// so these tests run alone.</summary>
[Collection(nameof(ConfigurationTests))]
[CollectionDefinition(nameof(ConfigurationTests), DisableParallelization = true)]
public sealed class ConfigurationTests
{
    private static string DemoClassifier => Path.Combine(TestPaths.RepositoryRoot, "models", "demo", "lesion_classifier.onnx");

    [Fact]
    public void Run_SettingsFromTheEnvironment_AreValidatedLikeOptions()
    {
        using var dir = TestPaths.TempDirectory();
        var slide = SyntheticSlide.Create(dir.File("slide.tif"), 300, 300, seed: 1, lesions: 0).Path;
        Environment.SetEnvironmentVariable("BatchFcn__Node__BatchSize", "0");
        try
        {
            var r = Run("run", "--model", DemoClassifier, "--image", slide, "--out", dir.Path);
            Assert.Equal(CliApp.UserError, r.Code);
            Assert.Contains("--batch must lie in [1, 256] (got 0; setting BatchFcn:Node:BatchSize)", r.Err, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("BatchFcn__Node__BatchSize", null);
        }
    }

    [Fact]
    public void Run_CommandLine_OverridesTheEnvironment()
    {
        using var dir = TestPaths.TempDirectory();
        var slide = SyntheticSlide.Create(dir.File("slide.tif"), 300, 300, seed: 1, lesions: 0).Path;
        Environment.SetEnvironmentVariable("BatchFcn__Node__BatchSize", "0");
        Environment.SetEnvironmentVariable("BatchFcn__Scan__TileSize", "128");
        try
        {
            var r = Run("run", "--model", DemoClassifier, "--image", slide, "--out", dir.File("out"), "--batch", "2", "--tissue", "off");
            Assert.True(r.Code == 0, r.Err);
            Assert.Contains("tiles computed", r.Out, StringComparison.Ordinal);
            Assert.True(Directory.GetDirectories(dir.File("out/scores.zarr/0")).Length > 1, "the environment's 128 px tiles were not used");
        }
        finally
        {
            Environment.SetEnvironmentVariable("BatchFcn__Node__BatchSize", null);
            Environment.SetEnvironmentVariable("BatchFcn__Scan__TileSize", null);
        }
    }

    [Fact]
    public void Run_UnknownSetting_IsRefused()
    {
        using var dir = TestPaths.TempDirectory();
        var slide = SyntheticSlide.Create(dir.File("slide.tif"), 300, 300, seed: 1, lesions: 0).Path;
        Environment.SetEnvironmentVariable("BatchFcn__Scan__TileSzie", "128");
        try
        {
            var r = Run("run", "--model", DemoClassifier, "--image", slide, "--out", dir.File("out"));
            Assert.Equal(CliApp.UserError, r.Code);
            Assert.Contains("unknown setting(s) BatchFcn:Scan:TileSzie", r.Err, StringComparison.Ordinal);
            Assert.DoesNotContain("BinderOptions", r.Err, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("BatchFcn__Scan__TileSzie", null);
        }
    }

    [Fact]
    public void Run_SettingOfTheWrongType_NamesItAndTheTypeWanted()
    {
        using var dir = TestPaths.TempDirectory();
        var slide = SyntheticSlide.Create(dir.File("slide.tif"), 300, 300, seed: 1, lesions: 0).Path;
        Environment.SetEnvironmentVariable("BatchFcn__Node__BatchSize", "many");
        try
        {
            var r = Run("run", "--model", DemoClassifier, "--image", slide, "--out", dir.File("out"));
            Assert.Equal(CliApp.UserError, r.Code);
            Assert.Contains("setting BatchFcn:Node:BatchSize must be a whole number", r.Err, StringComparison.Ordinal);
            Assert.False(Directory.Exists(dir.File("out")));
        }
        finally
        {
            Environment.SetEnvironmentVariable("BatchFcn__Node__BatchSize", null);
        }
    }
}
