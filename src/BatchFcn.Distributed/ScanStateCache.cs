namespace BatchFcn.Distributed;

/// <summary>The state of scans as this node's tile jobs see it, read from the store at most once per
/// <see cref="MaxAge"/> per scan: a job only needs to know whether its scan still runs, and thousands of jobs of one
/// scan would otherwise each read it. A cancel is therefore seen within <see cref="MaxAge"/>.</summary>
public sealed class ScanStateCache(ScanStateStore states, TimeProvider time)
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, (ScanState State, long At)> cached = [];

    /// <summary>How old a cached state may be.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(2);

    public async Task<ScanState?> GetAsync(string scanId, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            if (cached.TryGetValue(scanId, out var entry) && time.GetElapsedTime(entry.At) < MaxAge)
            {
                return entry.State;
            }
        }

        var state = await states.GetAsync(scanId, cancellationToken).ConfigureAwait(false);
        lock (gate)
        {
            if (state is null || state.IsFinal)
            {
                cached.Remove(scanId); // final states are read fresh: they are rare and decide what a job does
            }
            else
            {
                if (cached.Count > 1000)
                {
                    cached.Clear();
                }

                cached[scanId] = (state, time.GetTimestamp());
            }
        }

        return state;
    }
}
