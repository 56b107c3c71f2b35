namespace BatchFcn.Distributed;

/// <summary>How tiles become tile jobs: runs of consecutive tiles, at most <see cref="DistributedOptions.TilesPerJob"/> each.</summary>
public static class TileJobs
{
    /// <summary>Jobs covering <paramref name="tiles"/> (ascending indices into the plan's tiles).</summary>
    public static List<TileJob> Covering(string scanId, string planAddress, IReadOnlyList<int> tiles, int tilesPerJob)
    {
        ArgumentNullException.ThrowIfNull(tiles);
        var jobs = new List<TileJob>();
        for (int i = 0; i < tiles.Count;)
        {
            int first = tiles[i], count = 1;
            while (i + count < tiles.Count && count < tilesPerJob && tiles[i + count] == first + count)
            {
                count++;
            }

            jobs.Add(new TileJob(scanId, planAddress, first, count));
            i += count;
        }

        return jobs;
    }
}
