using BatchFcn.Inference;
using BatchFcn.Scanning;

namespace BatchFcn.Distributed.Tests;

public sealed class DistributedOptionsTests
{
    [Fact]
    public void Validate_Defaults_Pass() => Assert.True(new DistributedOptionsValidator().Validate(null, new DistributedOptions()).Succeeded);

    [Fact]
    public void Validate_OutOfRangeAndEmpty_NamesEachSetting()
    {
        var result = new DistributedOptionsValidator().Validate(null, new DistributedOptions
        {
            StateFolder = " ",
            TilesPerJob = 0,
            ConcurrentTiles = -1,
            FinalizeLease = TimeSpan.Zero,
        });

        Assert.False(result.Succeeded);
        foreach (var key in new[] { "Distributed:StateFolder", "Distributed:TilesPerJob", "Distributed:ConcurrentTiles", "Distributed:FinalizeLease" })
        {
            Assert.Contains(result.Failures!, f => f.Contains(key, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void ConcurrentTiles_Automatic_ComesFromTheHardwareNotTheSubmitter()
    {
        var cpu = DistributedServiceCollectionExtensions.ConcurrentTiles(new DistributedOptions(), new NodeOptions { Readers = 3 }, new BackendOptions { Backend = "cpu" });
        var gpu = DistributedServiceCollectionExtensions.ConcurrentTiles(new DistributedOptions(), new NodeOptions { Readers = 3 }, new BackendOptions { Backend = "cuda" });
        var set = DistributedServiceCollectionExtensions.ConcurrentTiles(new DistributedOptions { ConcurrentTiles = 5 }, new NodeOptions(), new BackendOptions());

        Assert.Equal((6, 8, 5), (cpu, gpu, set));
    }
}
