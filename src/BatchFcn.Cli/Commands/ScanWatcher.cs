using BatchFcn.Distributed;

namespace BatchFcn.Cli.Commands;

/// <summary>Follows scans until each is final, printing progress (tiles done/total, rate, ETA) when it changes and at
/// least every 5 s, and each outcome with its reason.</summary>
internal static class ScanWatcher
{
    public static async Task<List<ScanState>> WaitAsync(CliContext context, ScanStateStore states, IReadOnlyList<string> ids, TimeProvider time,
        CancellationToken token)
    {
        var finals = new Dictionary<string, ScanState>();
        var first = new Dictionary<string, (int Done, DateTimeOffset At)>();
        var printed = new Dictionary<string, (int Done, DateTimeOffset At)>();
        while (finals.Count < ids.Count)
        {
            foreach (var id in ids.Where(i => !finals.ContainsKey(i)))
            {
                var state = await states.GetAsync(id, token).ConfigureAwait(false)
                    ?? throw new Scanning.ScanException($"scan '{id}' is not known in {states.Describe(id)}");
                var progress = await states.ProgressAsync(id, state.TotalTiles, token).ConfigureAwait(false);
                var now = time.GetUtcNow();
                if (state.IsFinal)
                {
                    finals[id] = state;
                    context.Error.WriteLine(state.Status switch
                    {
                        ScanStatus.Completed => $"{id}: completed, {progress.Total} tiles; summary {state.Summary}",
                        _ => $"{id}: {state.Status.ToString().ToLowerInvariant()}: {state.Reason}",
                    });
                    continue;
                }

                if (!first.TryGetValue(id, out var start) && state.Status == ScanStatus.Running)
                {
                    first[id] = start = (progress.Done, now);
                }

                if (printed.TryGetValue(id, out var last) && last.Done == progress.Done && now - last.At < TimeSpan.FromSeconds(5))
                {
                    continue;
                }

                printed[id] = (progress.Done, now);
                double seconds = (now - start.At).TotalSeconds;
                double rate = seconds > 0 ? (progress.Done - start.Done) / seconds : 0;
                string eta = rate > 0 ? $", ETA {TimeSpan.FromSeconds(Math.Ceiling((progress.Total - progress.Done) / rate)):g}" : string.Empty;
                context.Error.WriteLine(state.Status == ScanStatus.Running
                    ? $"{id}: running, {progress.Done}/{progress.Total} tiles, {rate:0.0} tiles/s{eta}"
                    : $"{id}: {state.Status.ToString().ToLowerInvariant()}");
            }

            if (finals.Count < ids.Count)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), time, token).ConfigureAwait(false);
            }
        }

        return [.. ids.Select(i => finals[i])];
    }
}
