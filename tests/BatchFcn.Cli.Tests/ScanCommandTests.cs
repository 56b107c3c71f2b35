using System.Text.Json;
using BatchFcn.Cli;
using BatchFcn.Imaging;
using BatchFcn.Testing;

using static BatchFcn.Cli.Tests.CliRunner;

namespace BatchFcn.Cli.Tests;

/// <summary><c>run</c>, <c>demo</c> and <c>info</c> as a user runs them (in process, real libvips and ONNX Runtime).</summary>
public sealed class ScanCommandTests
{
    private static readonly Lazy<(TempDirectory Dir, string Slide)> Slide = new(() =>
    {
        var dir = TestPaths.TempDirectory();
        return (dir, SyntheticSlide.Create(dir.File("slide.tif"), 1200, 900, seed: 11, lesions: 1).Path);
    });

    private static string DemoClassifier => Path.Combine(TestPaths.RepositoryRoot, "models", "demo", "lesion_classifier.onnx");

    [Fact]
    public void Run_Classifier_ConvertsOnTheFlyAndWritesEveryOutput()
    {
        using var dir = TestPaths.TempDirectory();
        var r = Run("run", "--model", DemoClassifier, "--image", Slide.Value.Slide, "--out", dir.Path, "--npy", "--tile", "300");
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("Mpx/s on cpu", r.Out, StringComparison.Ordinal);
        Assert.Contains("heatmap: " + Path.Combine(dir.Path, "heatmap.png"), r.Out, StringComparison.Ordinal);
        Assert.Contains("Converted classifier", r.Err, StringComparison.Ordinal);
        // The CPU build says once, as information, that it has no CUDA; no fallback warning.
        Assert.Single(r.Err.Split('\n'), l => l.Contains("CUDA", StringComparison.Ordinal));
        Assert.DoesNotContain("warning", r.Err, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("tiles", r.Err, StringComparison.Ordinal); // progress lines
        foreach (var file in new[] { "heatmap.png", "summary.json", "scores.npy", "scores.zarr/.zarray", "model/lesion_classifier_fcn.onnx", "model/lesion_classifier_fcn.json" })
        {
            Assert.True(File.Exists(Path.Combine(dir.Path, file)), file);
        }

        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.Path, "summary.json")));
        Assert.Equal(8, summary.RootElement.GetProperty("geometry").GetProperty("outputStrideX").GetInt32());
        Assert.True(summary.RootElement.GetProperty("tiles").GetProperty("skipped").GetInt32() > 0);
    }

    [Fact]
    public void Convert_RecordsNormalization_AndRunUsesIt()
    {
        using var dir = TestPaths.TempDirectory();
        var fcn = dir.File("demo_fcn.onnx");
        var convert = Run("convert", DemoClassifier, "-o", fcn, "--mean", "0.5,0.5,0.5", "--std", "0.25,0.25,0.25");
        Assert.True(convert.Code == 0, convert.Err);
        using (var manifest = JsonDocument.Parse(File.ReadAllText(dir.File("demo_fcn.json"))))
        {
            var n = manifest.RootElement.GetProperty("normalization");
            Assert.Equal([0.5f, 0.5f, 0.5f], n.GetProperty("mean").EnumerateArray().Select(e => e.GetSingle()));
            Assert.Equal([0.25f, 0.25f, 0.25f], n.GetProperty("std").EnumerateArray().Select(e => e.GetSingle()));
        }

        var run = Run("run", "--model", fcn, "--image", Slide.Value.Slide, "--out", dir.File("out"), "--tile", "600");
        Assert.True(run.Code == 0, run.Err);
        using var summary = JsonDocument.Parse(File.ReadAllText(dir.File("out/summary.json")));
        Assert.Contains("mean (0.5, 0.5, 0.5), std (0.25, 0.25, 0.25)", summary.RootElement.GetProperty("model").GetProperty("normalization").GetString(), StringComparison.Ordinal);

        var overridden = Run("run", "--model", fcn, "--image", Slide.Value.Slide, "--out", dir.File("out2"), "--tile", "600", "--std", "0.5,0.5,0.5");
        Assert.True(overridden.Code == 0, overridden.Err);
        using var summary2 = JsonDocument.Parse(File.ReadAllText(dir.File("out2/summary.json")));
        Assert.Contains("mean (0.485, 0.456, 0.406), std (0.5, 0.5, 0.5)", summary2.RootElement.GetProperty("model").GetProperty("normalization").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Run_WithThreeReaders_WritesTheSameChunksAsWithOne()
    {
        using var dir = TestPaths.TempDirectory();
        var one = Run("run", "--model", DemoClassifier, "--image", Slide.Value.Slide, "--out", dir.File("one"), "--tile", "300", "--readers", "1");
        var three = Run("run", "--model", DemoClassifier, "--image", Slide.Value.Slide, "--out", dir.File("three"), "--tile", "300", "--readers", "3");
        Assert.True(one.Code == 0, one.Err);
        Assert.True(three.Code == 0, three.Err);
        var chunks = Directory.GetFiles(dir.File("one/scores.zarr/0"), "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(dir.File("one/scores.zarr"), f)).Order().ToList();
        Assert.True(chunks.Count > 3, $"{chunks.Count} chunks");
        Assert.Equal(chunks, Directory.GetFiles(dir.File("three/scores.zarr/0"), "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(dir.File("three/scores.zarr"), f)).Order());
        foreach (var chunk in chunks)
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(dir.File("one/scores.zarr"), chunk)), File.ReadAllBytes(Path.Combine(dir.File("three/scores.zarr"), chunk)));
        }
    }

    [Fact]
    public void Run_MaxTile_BoundsTheAutomaticTileSize()
    {
        using var dir = TestPaths.TempDirectory();
        var small = Run("run", "--model", DemoClassifier, "--image", Slide.Value.Slide, "--out", dir.File("small"), "--tissue", "off", "--max-tile", "512");
        var large = Run("run", "--model", DemoClassifier, "--image", Slide.Value.Slide, "--out", dir.File("large"), "--tissue", "off");
        Assert.True(small.Code == 0, small.Err);
        Assert.True(large.Code == 0, large.Err);
        int Cells(string name)
        {
            using var summary = JsonDocument.Parse(File.ReadAllText(dir.File(name + "/summary.json")));
            return summary.RootElement.GetProperty("tiles").GetProperty("cellsPerTile").GetInt32();
        }

        // The demo net sees 64 px at stride 8: a 512 px tile holds at most 1 + (512 - 64) / 8 = 57 cells.
        Assert.InRange(Cells("small"), 1, 57);
        Assert.True(Cells("large") > 57, $"default tiles hold {Cells("large")} cells");
    }

    [Fact]
    public void Run_Density2_HalvesTheOutputStride()
    {
        using var dir = TestPaths.TempDirectory();
        var r = Run("run", "--model", DemoClassifier, "--image", Slide.Value.Slide, "--out", dir.Path, "--density", "2", "--tissue", "off");
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("at stride 4x4", r.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--density", "3", "does not divide the network's stride")]
    [InlineData("--backend", "tpu", "--backend 'tpu'")]
    [InlineData("--mean", "1,2", "--mean '1,2'")]
    [InlineData("--level", "9", "--level 9 does not exist")]
    [InlineData("--mpp", "0.5", "does not record its pixel size")]
    [InlineData("--class", "7", "--class 7 does not exist")]
    [InlineData("--split", "no_such_tensor", "--split: 'no_such_tensor' is not a tensor this network can be cut at; cut points:")]
    [InlineData("--readers", "-1", "--readers must lie in [0, 64] (got -1; setting BatchFcn:Node:Readers)")]
    [InlineData("--max-tile", "32", "--max-tile must lie in [64, 16384] (got 32; setting BatchFcn:Scan:MaxAutoTileSize)")]
    [InlineData("--class", "-2", "--class -2 does not exist")]
    [InlineData("--class", "1000", "--class 1000 does not exist: the model has 3 classes (0-2)")]
    public void Run_BadOption_ExplainsAndExits2_BeforeWritingAnything(string option, string value, string message)
    {
        using var dir = TestPaths.TempDirectory();
        var output = dir.File("out");
        var r = Run("run", "--model", DemoClassifier, "--image", Slide.Value.Slide, "--out", output, option, value);
        Assert.Equal(CliApp.UserError, r.Code);
        Assert.Contains(message, r.Err, StringComparison.Ordinal);
        Assert.True(!Directory.Exists(output) || Directory.GetFileSystemEntries(output).Length == 0, "a refused run wrote " +
            string.Join(", ", Directory.Exists(output) ? Directory.GetFileSystemEntries(output, "*", SearchOption.AllDirectories) : []));
    }

    [Theory]
    [InlineData("--tile", "abc", "--tile takes a whole number (got 'abc')")]
    [InlineData("--tissue-threshold", "high", "--tissue-threshold takes a number (got 'high')")]
    [InlineData("--tissue", "sometimes", "sometimes")]
    public void Run_MalformedValue_SaysWhatTheOptionTakes(string option, string value, string message)
    {
        using var dir = TestPaths.TempDirectory();
        var r = Run("run", "--model", DemoClassifier, "--image", Slide.Value.Slide, "--out", dir.Path, option, value);
        Assert.Equal(1, r.Code);
        Assert.Contains(message, r.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("System.Int32", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_BadImage_NamesTheProblemAndLeavesNoOutput()
    {
        using var dir = TestPaths.TempDirectory();
        var truncated = dir.File("cut.tif");
        File.WriteAllBytes(truncated, File.ReadAllBytes(Slide.Value.Slide).AsSpan(0, 4096).ToArray());
        var folder = Run("run", "--model", DemoClassifier, "--image", dir.Path, "--out", dir.File("a"));
        var cut = Run("run", "--model", DemoClassifier, "--image", truncated, "--out", dir.File("b"));

        Assert.Equal(CliApp.UserError, folder.Code);
        Assert.Contains("is a folder", folder.Err, StringComparison.Ordinal);
        Assert.Equal(CliApp.UserError, cut.Code);
        Assert.Contains("truncated or corrupt", cut.Err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.File("a")) || Directory.Exists(dir.File("b")), "a failed run left an output folder");
    }

    [Fact]
    public void Run_OutputIsAFile_SaysSo()
    {
        using var dir = TestPaths.TempDirectory();
        File.WriteAllText(dir.File("taken"), "x");
        var r = Run("run", "--model", DemoClassifier, "--image", Slide.Value.Slide, "--out", dir.File("taken"));
        Assert.Equal(CliApp.UserError, r.Code);
        Assert.Contains("is a file; give a folder", r.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("already exists", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_ConvertedModelWithoutItsManifest_SaysHowToRegenerateIt()
    {
        using var dir = TestPaths.TempDirectory();
        var fcn = dir.File("demo_fcn.onnx");
        Assert.Equal(0, Run("convert", DemoClassifier, "-o", fcn, "--patch", "64").Code);
        File.Delete(dir.File("demo_fcn.json"));
        var r = Run("run", "--model", fcn, "--image", Slide.Value.Slide, "--out", dir.File("out"));
        Assert.Equal(CliApp.UserError, r.Code);
        Assert.Contains("manifest", r.Err, StringComparison.Ordinal);
        Assert.Contains("batchfcn convert", r.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("--patch", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_UnfinishedScanOfTheSameMap_IsResumed_AndAFinishedOneNeedsOverwrite()
    {
        using var dir = TestPaths.TempDirectory();
        var first = Run("run", "--model", DemoClassifier, "--image", Slide.Value.Slide, "--out", dir.Path, "--tile", "300", "--tissue", "off");
        Assert.True(first.Code == 0, first.Err);
        var chunks = Directory.GetFiles(dir.File("scores.zarr/0"), "*", SearchOption.AllDirectories).Order().ToList();
        var bytes = chunks.Select(File.ReadAllBytes).ToList();

        // An interrupted scan: no summary, half its chunks gone.
        File.Delete(dir.File("summary.json"));
        foreach (var chunk in chunks.Where((_, i) => i % 2 == 0))
        {
            File.Delete(chunk);
        }

        var resumed = Run("run", "--model", DemoClassifier, "--image", Slide.Value.Slide, "--out", dir.Path, "--tile", "300", "--tissue", "off");
        Assert.True(resumed.Code == 0, resumed.Err);
        Assert.Contains("Resuming", resumed.Err, StringComparison.Ordinal);
        Assert.Equal(bytes, chunks.Select(File.ReadAllBytes).ToList());

        var again = Run("run", "--model", DemoClassifier, "--image", Slide.Value.Slide, "--out", dir.Path, "--tile", "300", "--tissue", "off");
        Assert.Equal(CliApp.UserError, again.Code);
        Assert.Contains("already holds a finished scan", again.Err, StringComparison.Ordinal);
        var otherMap = Run("run", "--model", DemoClassifier, "--image", Slide.Value.Slide, "--out", dir.Path, "--tile", "400", "--tissue", "off", "--overwrite");
        Assert.True(otherMap.Code == 0, otherMap.Err);
    }

    [Fact]
    public void ConvertWithLabels_RunNamesTheClasses_AndTheHeatmapClassByName()
    {
        using var dir = TestPaths.TempDirectory();
        File.WriteAllText(dir.File("labels.txt"), "background\ntissue\nlesion\n");
        var fcn = dir.File("demo_fcn.onnx");
        var convert = Run("convert", DemoClassifier, "-o", fcn, "--labels", dir.File("labels.txt"), "--positive", "tissue");
        Assert.True(convert.Code == 0, convert.Err);
        using (var manifest = JsonDocument.Parse(File.ReadAllText(dir.File("demo_fcn.json"))))
        {
            Assert.Equal(["background", "tissue", "lesion"], manifest.RootElement.GetProperty("labels").EnumerateArray().Select(e => e.GetString()));
            Assert.Equal("tissue", manifest.RootElement.GetProperty("positive").GetString());
        }

        // By default the positive class; by name; a name the model lacks is refused before any work.
        var byDefault = Run("run", "--model", fcn, "--image", Slide.Value.Slide, "--out", dir.File("a"), "--tile", "300");
        Assert.True(byDefault.Code == 0, byDefault.Err);
        Assert.Contains("(class 1 'tissue')", byDefault.Out, StringComparison.Ordinal);
        var byName = Run("run", "--model", fcn, "--image", Slide.Value.Slide, "--out", dir.File("b"), "--tile", "300", "--class", "lesion");
        Assert.True(byName.Code == 0, byName.Err);
        Assert.Contains("(class 2 'lesion')", byName.Out, StringComparison.Ordinal);
        using (var summary = JsonDocument.Parse(File.ReadAllText(dir.File("b/summary.json"))))
        {
            Assert.Equal(2, summary.RootElement.GetProperty("heatmapClass").GetInt32());
            Assert.Equal(["background", "tissue", "lesion"], summary.RootElement.GetProperty("classes").EnumerateArray().Select(c => c.GetProperty("label").GetString()));
        }

        using (var attributes = JsonDocument.Parse(File.ReadAllText(dir.File("b/scores.zarr/.zattrs"))))
        {
            Assert.Equal("lesion", attributes.RootElement.GetProperty("batchfcn").GetProperty("class_names")[2].GetString());
        }

        var unknown = Run("run", "--model", fcn, "--image", Slide.Value.Slide, "--out", dir.File("c"), "--tile", "300", "--class", "necrosis");
        Assert.Equal(CliApp.UserError, unknown.Code);
        Assert.Contains("'necrosis' is not one of the model's classes: background, tissue, lesion", unknown.Err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.File("c/scores.zarr")), "nothing written for a refused run");
    }

    [Fact]
    public void Convert_LabelsOfTheWrongCount_WritesNothing()
    {
        using var dir = TestPaths.TempDirectory();
        File.WriteAllText(dir.File("labels.txt"), "a\nb\n");
        var convert = Run("convert", DemoClassifier, "-o", dir.File("m.onnx"), "--labels", dir.File("labels.txt"));
        Assert.Equal(CliApp.UserError, convert.Code);
        Assert.Contains("names 2 classes; the model has 3", convert.Err, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("m.onnx")));
    }

    [Fact]
    public void Run_JsonQuietVerbose_ShapeWhatIsPrinted()
    {
        using var dir = TestPaths.TempDirectory();
        var json = Run("run", "--model", DemoClassifier, "--image", Slide.Value.Slide, "--out", dir.File("a"), "--tile", "300", "--json");
        Assert.True(json.Code == 0, json.Err);
        using (var summary = JsonDocument.Parse(json.Out))
        {
            Assert.Equal(JsonDocument.Parse(File.ReadAllText(dir.File("a/summary.json"))).RootElement.GetProperty("scanId").GetString(),
                summary.RootElement.GetProperty("scanId").GetString());
            Assert.True(summary.RootElement.GetProperty("tiles").GetProperty("computed").GetInt32() > 0);
        }

        var quiet = Run("run", "--model", DemoClassifier, "--image", Slide.Value.Slide, "--out", dir.File("b"), "--tile", "300", "--quiet");
        Assert.True(quiet.Code == 0, quiet.Err);
        Assert.Equal("", quiet.Out);
        Assert.Equal("", quiet.Err); // no progress, no information lines
        Assert.True(File.Exists(dir.File("b/summary.json")));

        var verbose = Run("run", "--model", DemoClassifier, "--image", Slide.Value.Slide, "--out", dir.File("c"), "--tile", "300", "-v");
        Assert.True(verbose.Code == 0, verbose.Err);
        Assert.Contains("Reading and pre-processing on", verbose.Err, StringComparison.Ordinal); // a debug line
        Assert.DoesNotContain("Reading and pre-processing on", json.Err, StringComparison.Ordinal);

        var both = Run("run", "--model", DemoClassifier, "--image", Slide.Value.Slide, "--out", dir.File("d"), "-q", "-v");
        Assert.Equal(1, both.Code);
        Assert.Contains("--quiet and --verbose", both.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Info_Json_SaysTheSameAsTheLines()
    {
        var r = Run("info", "--json");
        Assert.Equal(0, r.Code);
        using var json = JsonDocument.Parse(r.Out);
        Assert.Equal("cpu", json.RootElement.GetProperty("auto").GetProperty("backend").GetString());
        Assert.True(json.RootElement.GetProperty("libvips").GetProperty("openSlide").GetBoolean());
        Assert.True(json.RootElement.GetProperty("cpu").GetProperty("usableCpus").GetInt32() >= 1);
    }

    [Theory]
    [InlineData("--compression", "none")]
    [InlineData("--output", "probabilities")]
    public void Run_UnfinishedScanStoredAnotherWay_IsNotResumed(string option, string value)
    {
        // Chunks compressed otherwise, or holding other values, must not be mixed into one map.
        using var dir = TestPaths.TempDirectory();
        var first = Run("run", "--model", DemoClassifier, "--image", Slide.Value.Slide, "--out", dir.Path, "--tile", "300", "--tissue", "off");
        Assert.True(first.Code == 0, first.Err);
        File.Delete(dir.File("summary.json"));

        var other = Run("run", "--model", DemoClassifier, "--image", Slide.Value.Slide, "--out", dir.Path, "--tile", "300", "--tissue", "off", option, value);
        Assert.Equal(CliApp.UserError, other.Code);
        Assert.Contains("an unfinished scan of another map", other.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_WithANamedCut_SaysWhereItCutAndWritesTheSameMapAsWhole()
    {
        using var dir = TestPaths.TempDirectory();
        var inspect = Run("inspect", TestPaths.Model("resnet_gap"), "--json");
        using var json = JsonDocument.Parse(inspect.Out);
        var cuts = json.RootElement.GetProperty("cutPoints");
        var cut = cuts[cuts.GetArrayLength() / 2].GetProperty("tensor").GetString()!;

        var split = Run("run", "--model", TestPaths.Model("resnet_gap"), "--image", Slide.Value.Slide, "--out", dir.File("split"), "--split", cut, "--npy", "--tissue", "off");
        Assert.True(split.Code == 0, split.Err);
        Assert.Contains($"network cut at '{cut}'", split.Out, StringComparison.Ordinal);
        var whole = Run("run", "--model", TestPaths.Model("resnet_gap"), "--image", Slide.Value.Slide, "--out", dir.File("whole"), "--split", "off", "--npy", "--tissue", "off");
        Assert.True(whole.Code == 0, whole.Err);
        Assert.DoesNotContain("network cut at", whole.Out, StringComparison.Ordinal);

        var a = File.ReadAllBytes(dir.File("split/scores.npy"));
        var b = File.ReadAllBytes(dir.File("whole/scores.npy"));
        Assert.Equal(b.Length, a.Length);
        var va = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(a.AsSpan(10 + BitConverter.ToUInt16(a, 8)));
        var vb = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(b.AsSpan(10 + BitConverter.ToUInt16(b, 8)));
        for (int i = 0; i < va.Length; i++)
        {
            Assert.True(Math.Abs(va[i] - vb[i]) <= 1e-5 * Math.Max(1, Math.Abs(vb[i])), $"value {i}: {va[i]} split, {vb[i]} whole");
        }
    }

    [Fact]
    public void Run_CorruptImage_NamesItAndExits2()
    {
        using var dir = TestPaths.TempDirectory();
        var bad = dir.File("bad.tif");
        File.WriteAllBytes(bad, [0x49, 0x49, 0x2a, 0x00, 0xff, 0xff, 0xff, 0x7f, 1, 2, 3]);
        var r = Run("run", "--model", DemoClassifier, "--image", bad, "--out", dir.File("out"));
        Assert.Equal(CliApp.UserError, r.Code);
        Assert.Contains("bad.tif", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Demo_FindsEveryPlantedLesion()
    {
        using var dir = TestPaths.TempDirectory();
        var r = Run("demo", "--out", dir.Path, "--size", "4096");
        Assert.True(r.Code == 0, r.Out + r.Err);
        Assert.Matches(@"lesions found: (\d) of \1 planted", r.Out);
        Assert.True(File.Exists(Path.Combine(dir.Path, "scan", "heatmap.png")));
        var again = Run("demo", "--out", dir.Path, "--size", "4096");
        Assert.Contains("using the synthetic slide made earlier", again.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Info_ShowsHardwareAndTheAutoChoice()
    {
        var r = Run("info");
        Assert.Equal(0, r.Code);
        Assert.Contains("AVX2", r.Out, StringComparison.Ordinal);
        Assert.Contains("OpenSlide formats yes", r.Out, StringComparison.Ordinal);
        Assert.Contains("auto chooses: cpu (CUDA unavailable", r.Out, StringComparison.Ordinal);
        Assert.Contains($"readers:      {Math.Clamp(BatchFcn.Inference.CpuQuota.Available() / 4, 1, 8)} thread(s)", r.Out, StringComparison.Ordinal);
    }
}
