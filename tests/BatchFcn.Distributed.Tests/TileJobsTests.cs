namespace BatchFcn.Distributed.Tests;

public sealed class TileJobsTests
{
    [Fact]
    public void Covering_GapsAndJobSize_RunsOfConsecutiveTilesUpToTheSize()
    {
        var jobs = TileJobs.Covering("s", "p", [0, 1, 2, 3, 4, 7, 9, 10], tilesPerJob: 3);
        Assert.Equal([(0, 3), (3, 2), (7, 1), (9, 2)], jobs.Select(j => (j.FirstTile, j.TileCount)));
    }
}
