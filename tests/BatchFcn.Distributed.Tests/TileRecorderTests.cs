using BatchFcn.Storage;
using BatchFcn.Testing;

namespace BatchFcn.Distributed.Tests;

public sealed class TileRecorderTests
{
    [Fact]
    public async Task RecordAsync_ManyJobsAtOnce_AllRecordedInFewerUpdatesAndOneSeesItComplete()
    {
        using var dir = TestPaths.TempDirectory();
        // A remote store's round trip: jobs that finish while an update is in flight join the next one.
        var store = new UpdateCountingStore(new LocalDirectoryStore(dir.Path)) { Latency = TimeSpan.FromMilliseconds(20) };
        var states = new ScanStateStore(store, TimeProvider.System);
        var recorder = new TileRecorder(states);
        const int Tiles = 200;
        await states.StartTilesAsync("a", Tiles, default);

        var results = await Task.WhenAll(Enumerable.Range(0, Tiles).Select(t => Task.Run(() => recorder.RecordAsync("a", Tiles, [t], default, default))));

        Assert.Equal(Tiles, (await states.ProgressAsync("a", Tiles, default)).Done);
        Assert.Contains(results, r => r.Complete);
        Assert.True(store.Updates < Tiles / 2, $"{store.Updates} conditional updates for {Tiles} tiles");
    }

    [Fact]
    public async Task RecordAsync_StoreFails_ThatBatchFailsAndTheNextSucceeds()
    {
        using var dir = TestPaths.TempDirectory();
        var store = new UpdateCountingStore(new LocalDirectoryStore(dir.Path)) { Fail = true };
        var states = new ScanStateStore(store, TimeProvider.System);
        var recorder = new TileRecorder(states);
        await states.StartTilesAsync("a", 4, default);

        await Assert.ThrowsAsync<IOException>(() => recorder.RecordAsync("a", 4, [0], default, default));
        store.Fail = false;
        Assert.Equal(new TileProgress(1, 4), await recorder.RecordAsync("a", 4, [1], default, default));
    }

    /// <summary>Counts conditional updates; can fail them.</summary>
    private sealed class UpdateCountingStore(IBlobStore inner) : DelegatingBlobStore(inner)
    {
        private int updates;

        public int Updates => Volatile.Read(ref updates);

        public bool Fail { get; set; }

        public TimeSpan Latency { get; init; }

        public override async Task<string?> TryUpdateAsync(string key, ReadOnlyMemory<byte> content, string etag, CancellationToken cancellationToken = default)
        {
            if (Fail)
            {
                throw new IOException("injected");
            }

            Interlocked.Increment(ref updates);
            await Task.Delay(Latency, cancellationToken);
            return await Inner.TryUpdateAsync(key, content, etag, cancellationToken);
        }
    }
}
