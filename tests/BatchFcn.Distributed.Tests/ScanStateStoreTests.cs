using BatchFcn.Storage;
using BatchFcn.Testing;

namespace BatchFcn.Distributed.Tests;

public sealed class ScanStateStoreTests
{
    private static ScanState NewState(string id) => new()
    {
        ScanId = id,
        Status = ScanStatus.Submitted,
        Request = new ScanRequested(id, "slide.tif", "model.onnx", "out", new ScanOptions(), new OutputOptions()),
        SubmittedUtc = DateTimeOffset.UnixEpoch,
    };

    [Fact]
    public async Task TryCreateAsync_SameIdTwice_SecondIsRefused()
    {
        using var dir = TestPaths.TempDirectory();
        var states = new ScanStateStore(new LocalDirectoryStore(dir.Path), TimeProvider.System);

        Assert.True(await states.TryCreateAsync(NewState("a"), default));
        Assert.False(await states.TryCreateAsync(NewState("a") with { Status = ScanStatus.Running }, default));
        Assert.Equal(ScanStatus.Submitted, (await states.GetAsync("a", default))!.Status);
    }

    [Fact]
    public async Task RecordTilesAsync_TileRecordedTwice_CountsOnce()
    {
        using var dir = TestPaths.TempDirectory();
        var states = new ScanStateStore(new LocalDirectoryStore(dir.Path), TimeProvider.System);
        await states.StartTilesAsync("a", 10, default);

        Assert.Equal(new TileProgress(2, 10), await states.RecordTilesAsync("a", 10, [3, 4], default, default));
        Assert.Equal(new TileProgress(2, 10), await states.RecordTilesAsync("a", 10, [4, 3], default, default));
        Assert.Equal(new TileProgress(3, 10), await states.RecordTilesAsync("a", 10, [9], default, default));
        Assert.Equal([0, 1, 2, 5, 6, 7, 8], await states.MissingTilesAsync("a", 10, default));
    }

    [Fact]
    public async Task RecordTilesAsync_ManyWritersEachTileTwiceShuffled_AllCountedAndCompleteSeenOnceAtTheEnd()
    {
        using var dir = TestPaths.TempDirectory();
        var states = new ScanStateStore(new LocalDirectoryStore(dir.Path), TimeProvider.System);
        const int Tiles = 60;
        await states.StartTilesAsync("a", Tiles, default);
        var deliveries = Enumerable.Range(0, Tiles).Concat(Enumerable.Range(0, Tiles)).OrderBy(_ => Random.Shared.Next()).ToArray();

        var results = await Task.WhenAll(deliveries.Select(tile => Task.Run(() => states.RecordTilesAsync("a", Tiles, [tile], default, default))));

        Assert.Equal(Tiles, (await states.ProgressAsync("a", Tiles, default)).Done);
        // Counts seen by successive writers only grow, and only updates made after the last tile see the scan complete.
        Assert.Contains(results, r => r.Complete);
        Assert.All(results, r => Assert.InRange(r.Done, 1, Tiles));
    }

    [Fact]
    public async Task UpdateAsync_ConcurrentClaims_ExactlyOneWins()
    {
        using var dir = TestPaths.TempDirectory();
        var states = new ScanStateStore(new LocalDirectoryStore(dir.Path), TimeProvider.System);
        await states.TryCreateAsync(NewState("a") with { Status = ScanStatus.Running }, default);

        var claims = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() => states.UpdateAsync("a",
            s => s.Status == ScanStatus.Running ? s with { Status = ScanStatus.Finalizing, Reason = $"claimed by {i}" } : null, default))));

        Assert.Single(claims, c => c is not null);
        Assert.Equal(ScanStatus.Finalizing, (await states.GetAsync("a", default))!.Status);
    }

    [Fact]
    public async Task ListAsync_SeveralScans_ListsTheirIds()
    {
        using var dir = TestPaths.TempDirectory();
        var states = new ScanStateStore(new LocalDirectoryStore(dir.Path), TimeProvider.System);
        await states.TryCreateAsync(NewState("b"), default);
        await states.TryCreateAsync(NewState("a"), default);
        await states.StartTilesAsync("a", 3, default);

        Assert.Equal(["a", "b"], await states.ListAsync().ToListAsync());
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("a/b")]
    [InlineData("")]
    public async Task GetAsync_InvalidScanId_IsRefused(string id)
    {
        using var dir = TestPaths.TempDirectory();
        var states = new ScanStateStore(new LocalDirectoryStore(dir.Path), TimeProvider.System);
        await Assert.ThrowsAsync<ArgumentException>(() => states.GetAsync(id, default));
    }
}
