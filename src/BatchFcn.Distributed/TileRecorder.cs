using BatchFcn.Scanning;

namespace BatchFcn.Distributed;

/// <summary>
/// Records tiles done for the tile jobs running on this node, a group commit per scan: while one conditional update of a
/// scan's tile record is in flight, the tiles of jobs that finish meanwhile gather and go in the next, one update for
/// all of them. The jobs a node holds for one scan would otherwise race each other for the same record (ETag
/// conflicts, each a re-read and a retry).
/// </summary>
public sealed class TileRecorder(ScanStateStore states)
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, Batch> next = [];
    private readonly HashSet<string> writing = [];

    /// <summary>Marks <paramref name="tiles"/> of a scan done; returns the progress the update that included them saw.</summary>
    public Task<TileProgress> RecordAsync(string scanId, int total, IEnumerable<int> tiles, TileStageTimes times, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tiles);
        Task<TileProgress> done;
        bool start;
        lock (gate)
        {
            if (!next.TryGetValue(scanId, out var batch))
            {
                next[scanId] = batch = new Batch(total);
            }

            batch.Tiles.AddRange(tiles);
            batch.Times += times;
            done = batch.Done.Task;
            start = writing.Add(scanId);
        }

        if (start)
        {
            _ = Task.Run(() => WriteAsync(scanId), CancellationToken.None);
        }

        return done.WaitAsync(cancellationToken);
    }

    private async Task WriteAsync(string scanId)
    {
        while (true)
        {
            Batch? batch;
            lock (gate)
            {
                if (!next.Remove(scanId, out batch))
                {
                    writing.Remove(scanId);
                    return;
                }
            }

            try
            {
                batch.Done.SetResult(await states.RecordTilesAsync(scanId, batch.Total, batch.Tiles, batch.Times, CancellationToken.None).ConfigureAwait(false));
            }
            catch (Exception e)
            {
                batch.Done.SetException(e);
            }
        }
    }

    private sealed class Batch(int total)
    {
        public int Total { get; } = total;

        public List<int> Tiles { get; } = [];

        public TileStageTimes Times { get; set; }

        public TaskCompletionSource<TileProgress> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
