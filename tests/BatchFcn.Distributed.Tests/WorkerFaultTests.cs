using BatchFcn.Imaging;
using BatchFcn.Testing;

namespace BatchFcn.Distributed.Tests;

/// <summary>What goes wrong in a pool, on the real RabbitMQ and Azurite: tile jobs delivered twice and out of order, a
/// worker killed mid-tile, a scan cancelled before a worker took it. Each time the output is <c>run</c>'s, byte for byte,
/// and a scan completes at most once.</summary>
[RequiresAzurite]
[RequiresRabbitMq]
[Collection(BrokerCollection.Name)]
public sealed class WorkerFaultTests
{
    private static readonly TimeSpan Minutes = TimeSpan.FromMinutes(4);

    private static readonly Lazy<(TempDirectory Dir, string Slide)> Slide = new(() =>
    {
        var dir = TestPaths.TempDirectory();
        return (dir, SyntheticSlide.Create(dir.File("slide.tif"), 1500, 1200, seed: 31, lesions: 2).Path);
    });

    /// <summary>A slide of a few hundred tiles, for the tests that interrupt a scan part-way: on a fast machine the small
    /// one's few dozen tiles can all be done between two polls, and the interruption would come after the end.</summary>
    private static readonly Lazy<(TempDirectory Dir, string Slide)> LongSlide = new(() =>
    {
        var dir = TestPaths.TempDirectory();
        return (dir, SyntheticSlide.Create(dir.File("long.tif"), 4096, 3072, seed: 37, lesions: 3).Path);
    });

    private static string DemoClassifier => Path.Combine(TestPaths.RepositoryRoot, "models", "demo", "lesion_classifier.onnx");

    private static readonly string[] Options = ["--tile", "256", "--npy", "--tissue", "off"];

    [ServiceFact]
    public async Task Worker_EveryTileJobTwiceShuffled_RunsBytesAndOneCompletion()
    {
        await using var broker = await TestBroker.CreateAsync();
        string completed = await broker.CountPublishedAsync<ScanCompleted>();
        var env = DistributedScanTests.Environment(broker);
        await using var client = await TestClient.StartAsync(env);
        using var worker = await StartWorkerAsync(env, "--concurrent-tiles", "2");
        var running = await SubmitUntilPlannedAsync(env, client, worker, "dup");
        Assert.True(running.TotalTiles > 10, $"{running.TotalTiles} tiles");
        var jobs = Enumerable.Range(0, running.TotalTiles).SelectMany(t => new[] { t, t }).OrderBy(_ => Random.Shared.Next())
            .Select(t => new TileJob("dup", running.Plan!, t));
        await client.SendAsync(ScanQueues.Tiles, jobs);

        var final = await client.WaitForAsync("dup", s => s.IsFinal, Minutes, () => worker.Output);
        Assert.True(final.Status == ScanStatus.Completed, $"{final.Status}: {final.Reason}\n{worker.Output}");
        await AssertSameAsRunAsync(env, client, final);
        Assert.Equal(1, await broker.CountAsync(completed));
    }

    [ServiceFact]
    public async Task Worker_KilledMidTile_AnotherFinishesWithRunsBytes()
    {
        await using var broker = await TestBroker.CreateAsync();
        string completed = await broker.CountPublishedAsync<ScanCompleted>();
        var env = DistributedScanTests.Environment(broker);
        await using var client = await TestClient.StartAsync(env);
        using var doomed = await StartWorkerAsync(env, "--concurrent-tiles", "1");
        var running = await SubmitUntilPlannedAsync(env, client, doomed, "killed", LongSlide.Value.Slide);
        await SomeTilesDoneAsync(client, running);

        doomed.KillHard(); // SIGKILL: jobs it held unacknowledged go back to the queue
        var progress = await client.States.ProgressAsync("killed", running.TotalTiles, default);
        Assert.True(progress.Done < progress.Total, "the worker was killed before the scan ended");
        using var survivor = CliProcess.Start(env, "worker");
        var final = await client.WaitForAsync("killed", s => s.IsFinal, Minutes, () => survivor.Output);

        Assert.True(final.Status == ScanStatus.Completed, $"{final.Status}: {final.Reason}\n{survivor.Output}");
        await AssertSameAsRunAsync(env, client, final, LongSlide.Value.Slide);
        int completions = await broker.CountAsync(completed);
        Assert.True(completions == 1, $"{completions} completions\nkilled:\n{doomed.Output}\nsurvivor:\n{survivor.Output}");
    }

    [ServiceFact]
    public async Task Worker_RabbitMqRestartedMidScan_ScanCompletesWithRunsBytes()
    {
        await using var broker = await TestBroker.CreateAsync();
        var env = DistributedScanTests.Environment(broker);
        await using var client = await TestClient.StartAsync(env);
        using var worker = await StartWorkerAsync(env, "--concurrent-tiles", "1");
        var running = await SubmitUntilPlannedAsync(env, client, worker, "restart", LongSlide.Value.Slide);
        var before = await SomeTilesDoneAsync(client, running);
        await TestBroker.RestartAsync(TimeSpan.FromSeconds(3));
        Assert.True(before.Done < before.Total, "the broker went down before the scan ended");
        var final = await client.WaitForAsync("restart", s => s.IsFinal, Minutes, () => worker.Output);

        Assert.True(final.Status == ScanStatus.Completed, $"{final.Status}: {final.Reason}\n{worker.Output}");
        Assert.False(worker.HasExited, worker.Output);
        await AssertSameAsRunAsync(env, client, final, LongSlide.Value.Slide);
    }

    [ServiceFact]
    public async Task Reconciler_FinalizerDiedAfterClaiming_AnotherWorkerFinalizesOnceTheLeaseEnds()
    {
        await using var broker = await TestBroker.CreateAsync();
        string completed = await broker.CountPublishedAsync<ScanCompleted>();
        var env = DistributedScanTests.Environment(broker);
        env["BatchFcn__Distributed__FinalizeLease"] = "00:00:03";
        env["BatchFcn__Distributed__ReconcileInterval"] = "00:00:01";
        await using var client = await TestClient.StartAsync(env);
        using var worker = await StartWorkerAsync(env);
        var submit = await CliProcess.RunAsync(env, Minutes, ["submit", "--image", Slide.Value.Slide, "--model", DemoClassifier, "--scan-id", "orphan", "--wait", .. Options]);
        Assert.True(submit.Code == 0, submit.Output + worker.Output);
        var first = (await client.States.GetAsync("orphan", default))!;
        var output = client.Stores.ResolveFolder(first.Request.Output);

        // As if the finalizer had died right after its claim: the state says finalizing, and no summary was written.
        Assert.True(await output.DeleteAsync("summary.json"));
        await client.States.UpdateAsync("orphan", s => s with
        {
            Status = ScanStatus.Finalizing,
            FinalizingSinceUtc = DateTimeOffset.UtcNow,
            CompletionPublished = false,
            PublishClaimUtc = null,
        }, default);

        var final = await client.WaitForAsync("orphan", s => s.Status == ScanStatus.Completed, Minutes, () => worker.Output);
        Assert.True(final.CompletionPublished || await client.WaitForAsync("orphan", s => s.CompletionPublished, Minutes, () => worker.Output) is not null);
        Assert.True(await output.ExistsAsync("summary.json"), "the summary was written again");
        Assert.Equal(2, await broker.CountAsync(completed)); // the first completion, and the one after the takeover
    }

    [ServiceFact]
    public async Task Cancel_BeforeAWorkerTookIt_ScanStaysCancelledWithNoOutputs()
    {
        await using var broker = await TestBroker.CreateAsync();
        var env = DistributedScanTests.Environment(broker);
        await using var client = await TestClient.StartAsync(env);

        var submit = await CliProcess.RunAsync(env, Minutes, ["submit", "--image", Slide.Value.Slide, "--model", DemoClassifier, "--scan-id", "stopme", .. Options]);
        Assert.True(submit.Code == 0, submit.Output);
        var cancel = await CliProcess.RunAsync(env, Minutes, "cancel", "stopme", "nosuchscan");
        Assert.Equal(2, cancel.Code);
        Assert.Contains("stopme: cancelled", cancel.Output, StringComparison.Ordinal);
        Assert.Contains("nosuchscan: not cancelled", cancel.Output, StringComparison.Ordinal);

        using var worker = CliProcess.Start(env, "worker");
        await worker.WaitForAsync("request dropped: the scan is Cancelled", Minutes);
        var state = await client.States.GetAsync("stopme", default);
        Assert.Equal(ScanStatus.Cancelled, state!.Status);
        Assert.False(await client.Stores.ResolveFolder(state.Request.Output).ExistsAsync("plan.json"));
        var status = await CliProcess.RunAsync(env, Minutes, "status", "stopme");
        Assert.Contains("stopme\tcancelled", status.Output, StringComparison.Ordinal);
        var json = await CliProcess.RunAsync(env, Minutes, "status", "stopme", "--json");
        Assert.True(json.Code == 0, json.Output);
        using var states = System.Text.Json.JsonDocument.Parse(json.Output[json.Output.IndexOf('[', StringComparison.Ordinal)..]);
        var only = Assert.Single(states.RootElement.EnumerateArray());
        Assert.Equal("stopme", only.GetProperty("scanId").GetString());
        Assert.Equal("cancelled", only.GetProperty("status").GetString());
    }

    private static async Task<CliProcess> StartWorkerAsync(Dictionary<string, string> env, params string[] args)
    {
        var worker = CliProcess.Start(env, ["worker", .. args]);
        await worker.WaitForAsync("worker started", Minutes);
        return worker;
    }

    /// <summary>Submits the slide as <paramref name="scanId"/> and returns its state once planned.</summary>
    private static async Task<ScanState> SubmitUntilPlannedAsync(
        Dictionary<string, string> env, TestClient client, CliProcess worker, string scanId, string? slide = null)
    {
        var submit = await CliProcess.RunAsync(env, Minutes, ["submit", "--image", slide ?? Slide.Value.Slide, "--model", DemoClassifier, "--scan-id", scanId, .. Options]);
        Assert.True(submit.Code == 0, submit.Output);
        return await client.WaitForAsync(scanId, s => s.Plan is not null || s.IsFinal, Minutes, () => worker.Output);
    }

    /// <summary>Waits until a few tiles of the scan are done, and returns its progress then.</summary>
    private static async Task<TileProgress> SomeTilesDoneAsync(TestClient client, ScanState running)
    {
        for (int i = 0; i < 600 && (await client.States.ProgressAsync(running.ScanId, running.TotalTiles, default)).Done < 2; i++)
        {
            await Task.Delay(20);
        }

        return await client.States.ProgressAsync(running.ScanId, running.TotalTiles, default);
    }

    private static async Task AssertSameAsRunAsync(Dictionary<string, string> env, TestClient client, ScanState final, string? slide = null)
    {
        using var dir = TestPaths.TempDirectory();
        var run = await CliProcess.RunAsync(env, Minutes, ["run", "--image", slide ?? Slide.Value.Slide, "--model", DemoClassifier, "--out", dir.File("run"), .. Options]);
        Assert.True(run.Code == 0, run.Output);
        await client.DownloadAsync(final.Request.Output, dir.File("distributed"));
        DistributedScanTests.AssertSameScores(dir.File("run"), dir.File("distributed"));
    }
}
