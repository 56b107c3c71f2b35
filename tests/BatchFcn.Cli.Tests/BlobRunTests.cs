using BatchFcn.Imaging;
using BatchFcn.Storage;
using BatchFcn.Testing;

using static BatchFcn.Cli.Tests.CliRunner;

namespace BatchFcn.Cli.Tests;

/// <summary><c>run</c> with <c>az://</c> image, model and output in Azurite (started by ./build.sh test): the same
/// bytes as the local run of the same inputs, in every mix of local and blob.</summary>
[RequiresAzurite]
public sealed class BlobRunTests
{
    private static readonly Lazy<(TempDirectory Dir, string Slide)> Slide = new(() =>
    {
        var dir = TestPaths.TempDirectory();
        return (dir, SyntheticSlide.Create(dir.File("slide.tif"), 1100, 900, seed: 23, lesions: 1).Path);
    });

    private static string DemoClassifier => Path.Combine(TestPaths.RepositoryRoot, "models", "demo", "lesion_classifier.onnx");

    [ServiceFact]
    public async Task Run_BlobImageModelAndOutput_WritesTheLocalRunsBytesIntoTheContainer()
    {
        string storage = TestServices.AzureConnectionString();
        var stores = new BlobStoreResolver(storage);
        string suffix = Guid.NewGuid().ToString("N")[..12];
        string slides = $"az://slides-{suffix}", models = $"az://models-{suffix}", results = $"az://results-{suffix}";
        await UploadAsync(stores, Slide.Value.Slide, $"{slides}/case/slide.tif");
        await UploadAsync(stores, DemoClassifier, $"{models}/lesion.onnx");
        using var dir = TestPaths.TempDirectory();
        string[] options = ["--tile", "300", "--npy", "--storage", storage];

        var local = Run(["run", "--image", Slide.Value.Slide, "--model", DemoClassifier, "--out", dir.File("local"), .. options]);
        var blob = Run(["run", "--image", $"{slides}/case/slide.tif", "--model", $"{models}/lesion.onnx", "--out", $"{results}/case", .. options]);
        var toBlob = Run(["run", "--image", Slide.Value.Slide, "--model", DemoClassifier, "--out", $"{results}/mixed", .. options]);
        var fromBlob = Run(["run", "--image", $"{slides}/case/slide.tif", "--model", DemoClassifier, "--out", dir.File("mixed"), .. options]);

        foreach (var r in new[] { local, blob, toBlob, fromBlob })
        {
            Assert.True(r.Code == 0, r.Err);
            Assert.DoesNotContain("AccountKey", r.Out + r.Err, StringComparison.Ordinal);
        }

        Assert.Contains($"heatmap: {results}/case/heatmap.png", blob.Out, StringComparison.Ordinal);
        var expected = await ReadAllAsync(new LocalDirectoryStore(dir.File("local")));
        Assert.Contains("scores.npy", expected.Keys);
        Assert.True(expected.Keys.Count(k => k.StartsWith("scores.zarr/0/", StringComparison.Ordinal)) > 1, "several chunks");
        foreach (var output in new[] { stores.ResolveFolder($"{results}/case"), stores.ResolveFolder($"{results}/mixed"), new LocalDirectoryStore(dir.File("mixed")) })
        {
            var actual = await ReadAllAsync(output);
            foreach (var (key, bytes) in expected.Where(e => e.Key.StartsWith("scores.", StringComparison.Ordinal) && !e.Key.EndsWith(".zattrs", StringComparison.Ordinal)))
            {
                Assert.True(actual.TryGetValue(key, out var got), $"{output.Describe(key)} is missing");
                Assert.True(bytes.AsSpan().SequenceEqual(got), $"{output.Describe(key)} differs from the local run's");
            }

            foreach (var name in new[] { "heatmap.png", "summary.json", "plan.json", "scores.zarr/.zattrs" })
            {
                Assert.True(actual.ContainsKey(name), $"{output.Describe(name)} is missing");
            }
        }

        // The summary names blobs by their addresses, and the plan points workers at the converted model in the container.
        var summary = System.Text.Encoding.UTF8.GetString((await ReadAllAsync(stores.ResolveFolder($"{results}/case")))["summary.json"]);
        Assert.Contains($"{slides}/case/slide.tif", summary, StringComparison.Ordinal);
        Assert.Contains($"{results}/case/model/lesion_fcn.onnx", summary, StringComparison.Ordinal);

        // export reads a scan in a container and writes its files beside it, as it does on a local folder.
        Assert.Equal(0, Run("export", dir.File("local"), "--format", "csv").Code);
        var exported = Run("export", $"{results}/case", "--format", "csv", "--storage", storage);
        Assert.True(exported.Code == 0, exported.Err);
        var blobFiles = await ReadAllAsync(stores.ResolveFolder($"{results}/case"));
        Assert.Equal(File.ReadAllBytes(dir.File("local/cells.csv")), blobFiles["cells.csv"]);
        Assert.Equal(File.ReadAllBytes(dir.File("local/tissue.geojson")), blobFiles["tissue.geojson"]);
    }

    [ServiceFact]
    public void Run_MissingBlobOrNoAccount_SaysWhichAndWritesNothing()
    {
        string storage = TestServices.AzureConnectionString();
        string suffix = Guid.NewGuid().ToString("N")[..12];
        using var dir = TestPaths.TempDirectory();

        var missing = Run("run", "--image", $"az://slides-{suffix}/none.tif", "--model", DemoClassifier, "--out", dir.File("out"), "--storage", storage);
        Assert.Equal(CliApp.UserError, missing.Code);
        Assert.Contains($"az://slides-{suffix}/none.tif", missing.Err, StringComparison.Ordinal);
        Assert.Contains("does not exist", missing.Err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.File("out")));

        Environment.SetEnvironmentVariable(BlobStoreResolver.ConnectionStringVariable, null);
        var noAccount = Run("run", "--image", $"az://slides-{suffix}/none.tif", "--model", DemoClassifier, "--out", dir.File("out"));
        Assert.Equal(CliApp.UserError, noAccount.Code);
        Assert.Contains("BATCHFCN_STORAGE", noAccount.Err, StringComparison.Ordinal);
    }

    [ServiceFact]
    public async Task Run_WrongKeyUnreachableAccountOrBlobAsOutput_PlainErrorNoSecret()
    {
        string storage = TestServices.AzureConnectionString();
        string suffix = Guid.NewGuid().ToString("N")[..12];
        using var dir = TestPaths.TempDirectory();
        await UploadAsync(new BlobStoreResolver(storage), Slide.Value.Slide, $"az://slides-{suffix}/slide.tif");
        string wrongKey = System.Text.RegularExpressions.Regex.Replace(storage, "AccountKey=[^;]+", "AccountKey=" + Convert.ToBase64String(new byte[64]));
        string unreachable = System.Text.RegularExpressions.Regex.Replace(storage, @"BlobEndpoint=http://127\.0\.0\.1:\d+", "BlobEndpoint=http://127.0.0.1:9");

        var denied = Run("run", "--image", $"az://slides-{suffix}/slide.tif", "--model", DemoClassifier, "--out", dir.File("out"), "--storage", wrongKey);
        Assert.Equal(CliApp.UserError, denied.Code);
        Assert.Contains("refused access", denied.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("AccountKey", denied.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", denied.Err, StringComparison.Ordinal);

        var down = Run("run", "--image", $"az://slides-{suffix}/slide.tif", "--model", DemoClassifier, "--out", dir.File("out"), "--storage", unreachable);
        Assert.Equal(CliApp.UserError, down.Code);
        Assert.Contains("reachable", down.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", down.Err, StringComparison.Ordinal);

        var onSlide = Run("run", "--image", Slide.Value.Slide, "--model", DemoClassifier, "--out", $"az://slides-{suffix}/slide.tif", "--storage", storage);
        Assert.Equal(CliApp.UserError, onSlide.Code);
        Assert.Contains("is a blob (a file), not a folder", onSlide.Err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.File("out")));
    }

    private static async Task UploadAsync(BlobStoreResolver stores, string file, string address)
    {
        var (store, key) = stores.ResolveFile(address);
        await using var stream = File.OpenRead(file);
        await store.WriteAsync(key, stream);
    }

    private static async Task<Dictionary<string, byte[]>> ReadAllAsync(IBlobStore store)
    {
        var all = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        await foreach (var key in store.ListAsync(string.Empty))
        {
            all[key] = await store.ReadAsync(key);
        }

        return all;
    }
}
