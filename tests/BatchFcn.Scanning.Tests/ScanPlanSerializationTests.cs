using System.Text.Json;
using BatchFcn.Imaging;
using BatchFcn.Inference;

namespace BatchFcn.Scanning.Tests;

/// <summary>The plan and its tiles travel as messages to other workers: they must survive JSON and
/// yield the same chunk bytes on the other side.</summary>
public sealed class ScanPlanSerializationTests
{
    [Fact]
    public void Plan_RoundTripsThroughJson_AndComputesTheSameChunks()
    {
        var (fcn, manifest) = ScanFixture.Fcn("resnet_gap");
        using var source = new InMemoryImageSource("img", ScanFixture.RandomImage(520, 470, 9));
        var plan = ScanPlanner.Plan("scan-1", source, fcn, manifest, new ScanOptions { TileSize = 300, Tissue = TissueMode.Off, Density = 2 });

        var json = JsonSerializer.Serialize(plan);
        var copy = JsonSerializer.Deserialize<ScanPlan>(json)!;
        Assert.Equal(plan.Tiles.Count, copy.Tiles.Count);
        Assert.Equal(plan.Manifest.ToGeometry().Y.Geometry, copy.Manifest.ToGeometry().Y.Geometry);
        Assert.Equal(plan.Manifest.GeometryX.Layers, copy.Manifest.GeometryX.Layers);
        Assert.Equal((plan.Rows, plan.Cols, plan.StepY), (copy.Rows, copy.Cols, copy.StepY));

        using var backend = BackendSelector.Select(fcn, new BackendOptions { Backend = "cpu" }).Backend;
        var here = new TileProcessor(plan, source, backend);
        var there = new TileProcessor(copy, source, backend);
        foreach (var i in new[] { 0, copy.Tiles.Count - 1 })
        {
            var tile = JsonSerializer.Deserialize<TileTask>(JsonSerializer.Serialize(plan.Tiles[i]))!;
            Assert.Equal(here.Compute(plan.Tiles[i]), there.Compute(tile));
        }
    }
}
