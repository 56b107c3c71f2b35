using BatchFcn.Imaging;
using BatchFcn.Storage;
using BatchFcn.Testing;

namespace BatchFcn.Distributed.Tests;

/// <summary>Workers as separate processes on the real RabbitMQ and Azurite that ./build.sh test starts: a cohort submitted
/// with <c>submit --wait --download</c> gives the bytes <c>run</c> writes, a bad slide fails alone with its reason, each scan
/// completes exactly once, and a scan id cannot be submitted twice.</summary>
[RequiresAzurite]
[RequiresRabbitMq]
[Collection(BrokerCollection.Name)]
public sealed class DistributedScanTests
{
    private static readonly TimeSpan Minutes = TimeSpan.FromMinutes(4);

    private static readonly Lazy<(TempDirectory Dir, string A, string B, string Corrupt)> Slides = new(() =>
    {
        var dir = TestPaths.TempDirectory();
        string a = SyntheticSlide.Create(dir.File("a.tif"), 1100, 900, seed: 23, lesions: 1).Path;
        string b = SyntheticSlide.Create(dir.File("b.tif"), 900, 700, seed: 5, lesions: 2).Path;
        string corrupt = dir.File("corrupt.tif");
        File.WriteAllBytes(corrupt, File.ReadAllBytes(a).AsSpan(0, 4000).ToArray());
        return (dir, a, b, corrupt);
    });

    private static string DemoClassifier => Path.Combine(TestPaths.RepositoryRoot, "models", "demo", "lesion_classifier.onnx");

    [ServiceFact]
    public async Task Submit_CohortOnTwoWorkers_MatchesRunAndBadSlideFailsAlone()
    {
        await using var broker = await TestBroker.CreateAsync();
        string completedQueue = await broker.CountPublishedAsync<ScanCompleted>();
        var env = Environment(broker);
        using var dir = TestPaths.TempDirectory();
        int healthPort = FreePort();
        using var worker1 = CliProcess.Start(env, "worker", "--health-port", healthPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var worker2 = CliProcess.Start(env, "worker");
        await worker1.WaitForAsync("worker started", Minutes);
        await worker2.WaitForAsync("worker started", Minutes);
        using (var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{healthPort}") })
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync("/healthz/live")).StatusCode);
            var ready = await http.GetAsync("/healthz/ready");
            string body = await ready.Content.ReadAsStringAsync();
            Assert.True(ready.IsSuccessStatusCode, body);
            Assert.Contains("scan-state-folder: Healthy", body, StringComparison.Ordinal);
            Assert.Contains("backend: Healthy (cpu loaded)", body, StringComparison.Ordinal);
            Assert.DoesNotContain("guest:guest", body, StringComparison.Ordinal);
        }

        string[] options = ["--tile", "300", "--npy"];
        var submit = await CliProcess.RunAsync(env, Minutes, ["submit", "--image", Slides.Value.A, "--image", Slides.Value.Corrupt, "--image", Slides.Value.B,
            "--model", DemoClassifier, "--scan-id", "cohort", "--wait", "--download", dir.File("results"), .. options]);

        Assert.True(submit.Code == 4, $"one scan failed, so exit 4; got {submit.Code}:\n{submit.Output}\nworker 1:\n{worker1.Output}\nworker 2:\n{worker2.Output}");
        Assert.Contains("cohort-1: completed", submit.Output, StringComparison.Ordinal);
        Assert.Contains("cohort-3: completed", submit.Output, StringComparison.Ordinal);
        Assert.Contains("cohort-2: failed: ", submit.Output, StringComparison.Ordinal);
        Assert.Contains("truncated or corrupt", submit.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("AccountKey", submit.Output + worker1.Output + worker2.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("guest:guest", submit.Output + worker1.Output + worker2.Output, StringComparison.Ordinal);

        foreach (var (slide, scan) in new[] { (Slides.Value.A, "cohort-1"), (Slides.Value.B, "cohort-3") })
        {
            string local = dir.File("local-" + scan);
            var run = await CliProcess.RunAsync(env, Minutes, ["run", "--image", slide, "--model", DemoClassifier, "--out", local, .. options]);
            Assert.True(run.Code == 0, run.Output);
            AssertSameScores(local, Path.Combine(dir.File("results"), scan));
        }

        Assert.Equal(2, await broker.CountAsync(completedQueue));

        var again = await CliProcess.RunAsync(env, Minutes, "submit", "--image", Slides.Value.A, "--model", DemoClassifier, "--scan-id", "cohort-1");
        Assert.Equal(2, again.Code);
        Assert.Contains("exists already (completed)", again.Output, StringComparison.Ordinal);

        var status = await CliProcess.RunAsync(env, Minutes, "status");
        Assert.Equal(0, status.Code);
        Assert.Matches(@"cohort-1\tcompleted\t\d+/\d+ tiles", status.Output);
        Assert.Contains("cohort-2\tfailed\tno tiles", status.Output, StringComparison.Ordinal);

        Assert.Equal(0, await worker1.StopAsync(Minutes));
        Assert.Contains("worker stopped", worker1.Output, StringComparison.Ordinal);
    }

    [ServiceFact]
    public async Task Submit_BadModelMissingBlobOrBadId_FailsWithReasonAndTheWorkerGoesOn()
    {
        await using var broker = await TestBroker.CreateAsync();
        var env = Environment(broker);
        using var dir = TestPaths.TempDirectory();
        string notAModel = dir.File("model.onnx");
        await File.WriteAllTextAsync(notAModel, "this is not an ONNX model");
        await File.WriteAllLinesAsync(dir.File("cohort.txt"), [Slides.Value.B, "az://no-such-container/slide.tif"]);
        var none = await CliProcess.RunAsync(env, Minutes, "status");
        Assert.Equal(0, none.Code);
        Assert.Contains("no scans submitted yet", none.Output, StringComparison.Ordinal);

        var wrongKey = new Dictionary<string, string>(env)
        {
            ["BATCHFCN_STORAGE"] = System.Text.RegularExpressions.Regex.Replace(env["BATCHFCN_STORAGE"], "AccountKey=[^;]+", "AccountKey=" + Convert.ToBase64String(new byte[64])),
        };
        var refused = await CliProcess.RunAsync(wrongKey, Minutes, "worker");
        Assert.True(refused.Code == 2, refused.Output);
        Assert.Contains("this worker does not start", refused.Output, StringComparison.Ordinal);
        Assert.Contains("refused access", refused.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("AccountKey", refused.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", refused.Output, StringComparison.Ordinal);

        var nodeOption = await CliProcess.RunAsync(env, Minutes, "submit", "--image", Slides.Value.B, "--model", DemoClassifier, "--readers", "2");
        Assert.NotEqual(0, nodeOption.Code); // node tuning is each worker's own, never the submitter's

        using var worker = CliProcess.Start(env, "worker");
        await worker.WaitForAsync("worker started", Minutes);

        var badId = await CliProcess.RunAsync(env, Minutes, "submit", "--image", Slides.Value.B, "--model", DemoClassifier, "--scan-id", "../escape");
        Assert.Equal(2, badId.Code);
        Assert.Contains("may hold only letters, digits", badId.Output, StringComparison.Ordinal);

        var badModel = await CliProcess.RunAsync(env, Minutes, "submit", "--image", Slides.Value.B, "--model", notAModel, "--scan-id", "badmodel", "--wait");
        Assert.True(badModel.Code == 4, badModel.Output + worker.Output);
        Assert.Contains("badmodel: failed: ", badModel.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", badModel.Output + worker.Output, StringComparison.Ordinal);

        var listed = await CliProcess.RunAsync(env, Minutes, "submit", "--image", dir.File("cohort.txt"), "--model", DemoClassifier, "--scan-id", "listed", "--tile", "300",
            "--wait");
        Assert.True(listed.Code == 4, listed.Output + worker.Output);
        Assert.Contains("listed-1: completed", listed.Output, StringComparison.Ordinal);
        Assert.Contains("listed-2: failed: image 'az://no-such-container/slide.tif' does not exist", listed.Output, StringComparison.Ordinal);
        Assert.False(worker.HasExited, worker.Output);
    }

    internal static int FreePort()
    {
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        return ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>What every process of one test deployment shares: the broker's virtual host, the storage account and
    /// containers of its own.</summary>
    internal static Dictionary<string, string> Environment(TestBroker broker)
    {
        string suffix = broker.VirtualHost[5..];
        return new()
        {
            ["BATCHFCN_RABBITMQ"] = broker.Address,
            ["BATCHFCN_STORAGE"] = TestServices.AzureConnectionString(),
            ["BatchFcn__Distributed__StateFolder"] = $"az://scans-{suffix}",
            ["BatchFcn__Distributed__ResultsFolder"] = $"az://results-{suffix}",
            ["BatchFcn__Distributed__InputsFolder"] = $"az://inputs-{suffix}",
            ["BatchFcn__Node__Readers"] = "1",
            ["BatchFcn__Backend__Threads"] = "1",
        };
    }

    /// <summary>The score array's chunks and metadata, and the NumPy export, are byte-identical.</summary>
    internal static void AssertSameScores(string expectedFolder, string actualFolder)
    {
        var files = Directory.EnumerateFiles(Path.Combine(expectedFolder, "scores.zarr"), "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".zattrs", StringComparison.Ordinal))
            .Append(Path.Combine(expectedFolder, "scores.npy"))
            .ToList();
        Assert.True(files.Count > 3, "several chunks");
        foreach (var file in files)
        {
            string relative = Path.GetRelativePath(expectedFolder, file);
            string other = Path.Combine(actualFolder, relative);
            Assert.True(File.Exists(other), $"{relative} is missing from {actualFolder}");
            Assert.True(File.ReadAllBytes(file).AsSpan().SequenceEqual(File.ReadAllBytes(other)), $"{relative} differs from run's");
        }

        Assert.True(File.Exists(Path.Combine(actualFolder, "heatmap.png")));
        Assert.True(File.Exists(Path.Combine(actualFolder, "summary.json")));
    }
}
