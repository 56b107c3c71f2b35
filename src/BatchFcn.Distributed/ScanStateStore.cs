using System.Buffers.Binary;
using System.Numerics;
using System.Text.Json;
using BatchFcn.Scanning;
using BatchFcn.Storage;

namespace BatchFcn.Distributed;

/// <summary>
/// The state of distributed scans in one folder of the blob store: per scan, <c>state.json</c> (a
/// <see cref="ScanState"/>) and <c>done.bits</c> (one bit per planned tile). Every change is an ETag-conditional
/// update retried on conflict, so concurrent workers serialise on the store without a lock service: a tile
/// recorded twice (a re-delivered job) sets a bit already set and counts once, and only one update can move the
/// state from running to finalizing.
/// </summary>
public sealed class ScanStateStore(IBlobStore folder, TimeProvider time)
{
    private const string StateName = "state.json";
    private const string BitsName = "done.bits";

    /// <summary>How the state folder is shown to a person.</summary>
    public string Describe(string scanId) => folder.Describe($"{scanId}/{StateName}");

    /// <summary>Records a new scan; <see langword="false"/> when one with that id exists already.</summary>
    public Task<bool> TryCreateAsync(ScanState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        return folder.TryCreateAsync(Key(state.ScanId, StateName), Serialize(state with { UpdatedUtc = time.GetUtcNow() }), cancellationToken);
    }

    /// <summary>The state of a scan, or <see langword="null"/> when there is none.</summary>
    public async Task<ScanState?> GetAsync(string scanId, CancellationToken cancellationToken) =>
        (await ReadAsync(scanId, cancellationToken).ConfigureAwait(false))?.State;

    /// <summary>Every scan id in the folder, in order.</summary>
    public async IAsyncEnumerable<string> ListAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var key in folder.ListAsync(string.Empty, cancellationToken).ConfigureAwait(false))
        {
            if (key.EndsWith("/" + StateName, StringComparison.Ordinal))
            {
                yield return key[..^(StateName.Length + 1)];
            }
        }
    }

    /// <summary>Applies <paramref name="change"/> to the current state until the conditional write succeeds; the
    /// change returns <see langword="null"/> to leave the state as it is.</summary>
    /// <returns>The state written, or <see langword="null"/> when the change declined (or there is no such scan).</returns>
    public async Task<ScanState?> UpdateAsync(string scanId, Func<ScanState, ScanState?> change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        while (true)
        {
            var current = await ReadAsync(scanId, cancellationToken).ConfigureAwait(false);
            if (current is null || change(current.Value.State) is not { } next)
            {
                return null;
            }

            next = next with { UpdatedUtc = time.GetUtcNow() };
            if (await folder.TryUpdateAsync(Key(scanId, StateName), Serialize(next), current.Value.ETag, cancellationToken).ConfigureAwait(false) is not null)
            {
                return next;
            }
        }
    }

    /// <summary>Starts the tile record of a planned scan (all tiles not done); a second call leaves it as it is.</summary>
    public Task StartTilesAsync(string scanId, int total, CancellationToken cancellationToken) =>
        folder.TryCreateAsync(Key(scanId, BitsName), new byte[(total + 7) / 8], cancellationToken);

    /// <summary>Marks tiles done and adds the seconds their stages took to the scan's; marking a tile again changes
    /// nothing (its seconds are not added twice).</summary>
    public async Task<TileProgress> RecordTilesAsync(string scanId, int total, IEnumerable<int> tiles, TileStageTimes times, CancellationToken cancellationToken)
    {
        var indices = tiles.ToArray();
        string key = Key(scanId, BitsName);
        while (true)
        {
            var info = await folder.GetInfoAsync(key, cancellationToken).ConfigureAwait(false)
                ?? throw new ScanException($"scan '{scanId}' has no tile record; it was never planned");
            var bits = await folder.ReadAsync(key, cancellationToken).ConfigureAwait(false);
            int length = (total + 7) / 8;
            bool changed = false;
            foreach (int tile in indices)
            {
                ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(tile, total);
                byte mask = (byte)(1 << (tile & 7));
                changed |= (bits[tile >> 3] & mask) == 0;
                bits[tile >> 3] |= mask;
            }

            if (!changed)
            {
                return new TileProgress(Count(bits, total), total);
            }

            var record = new byte[length + StageBytes];
            bits.AsSpan(0, length).CopyTo(record);
            WriteStages(record.AsSpan(length), ReadStages(bits, total) + times);
            if (await folder.TryUpdateAsync(key, record, info.ETag, cancellationToken).ConfigureAwait(false) is not null)
            {
                return new TileProgress(Count(record, total), total);
            }
        }
    }

    /// <summary>Tiles done so far (0 of 0 before planning).</summary>
    public async Task<TileProgress> ProgressAsync(string scanId, int total, CancellationToken cancellationToken)
    {
        try
        {
            return new TileProgress(Count(await folder.ReadAsync(Key(scanId, BitsName), cancellationToken).ConfigureAwait(false), total), total);
        }
        catch (BlobNotFoundException)
        {
            return new TileProgress(0, total);
        }
    }

    /// <summary>The indices of tiles not yet done.</summary>
    public async Task<IReadOnlyList<int>> MissingTilesAsync(string scanId, int total, CancellationToken cancellationToken)
    {
        var bits = await folder.ReadAsync(Key(scanId, BitsName), cancellationToken).ConfigureAwait(false);
        return [.. Enumerable.Range(0, total).Where(t => (bits[t >> 3] & (1 << (t & 7))) == 0)];
    }

    private async Task<(ScanState State, string ETag)?> ReadAsync(string scanId, CancellationToken cancellationToken)
    {
        string key = Key(scanId, StateName);
        var info = await folder.GetInfoAsync(key, cancellationToken).ConfigureAwait(false);
        if (info is null)
        {
            return null;
        }

        try
        {
            // Read after the ETag: if the state changed in between, the conditional write that follows fails and is retried.
            var bytes = await folder.ReadAsync(key, cancellationToken).ConfigureAwait(false);
            return (JsonSerializer.Deserialize<ScanState>(bytes, ScanJson.Options)!, info.ETag);
        }
        catch (BlobNotFoundException)
        {
            return null;
        }
    }

    private static string Key(string scanId, string name) =>
        ScanIds.Problem(scanId) is { } problem ? throw new ArgumentException(problem, nameof(scanId)) : $"{scanId}/{name}";

    private static byte[] Serialize(ScanState state) => JsonSerializer.SerializeToUtf8Bytes(state, ScanJson.Options);

    /// <summary>The seconds the recorded tiles' stages took, summed over every worker (zero before any tile).</summary>
    public async Task<TileStageTimes> StageTimesAsync(string scanId, int total, CancellationToken cancellationToken)
    {
        try
        {
            return ReadStages(await folder.ReadAsync(Key(scanId, BitsName), cancellationToken).ConfigureAwait(false), total);
        }
        catch (BlobNotFoundException)
        {
            return default;
        }
    }

    /// <summary>The tile record is one bit per tile, then the recorded tiles' stage seconds (read, preprocess, infer,
    /// write) as little-endian doubles: one conditional update records both, so they never disagree.</summary>
    private const int StageBytes = 4 * sizeof(double);

    private static TileStageTimes ReadStages(byte[] record, int total)
    {
        int at = (total + 7) / 8;
        if (record.Length < at + StageBytes)
        {
            return default;
        }

        var s = record.AsSpan(at);
        return new TileStageTimes(BinaryPrimitives.ReadDoubleLittleEndian(s), BinaryPrimitives.ReadDoubleLittleEndian(s[8..]),
            BinaryPrimitives.ReadDoubleLittleEndian(s[16..]), BinaryPrimitives.ReadDoubleLittleEndian(s[24..]));
    }

    private static void WriteStages(Span<byte> s, TileStageTimes times)
    {
        BinaryPrimitives.WriteDoubleLittleEndian(s, times.Read);
        BinaryPrimitives.WriteDoubleLittleEndian(s[8..], times.Preprocess);
        BinaryPrimitives.WriteDoubleLittleEndian(s[16..], times.Infer);
        BinaryPrimitives.WriteDoubleLittleEndian(s[24..], times.Write);
    }

    private static int Count(byte[] record, int total)
    {
        int count = 0;
        foreach (byte b in record.AsSpan(0, Math.Min(record.Length, (total + 7) / 8)))
        {
            count += BitOperations.PopCount(b);
        }

        return count;
    }
}
