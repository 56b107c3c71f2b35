using BatchFcn.Geometry;
using BatchFcn.Imaging;

namespace BatchFcn.Scanning.Tests;

public sealed class TileSizeChoiceTests
{
    /// <summary>A thumbnail of white glass with saturated pink squares of <paramref name="island"/> thumbnail pixels at the given centres.</summary>
    private static RgbImage Islands(int size, int island, params (int X, int Y)[] centres)
    {
        var pixels = new byte[size * size * 3];
        for (int y = 0; y < size; y++)
        {
            for (int x = 0; x < size; x++)
            {
                bool tissue = centres.Any(c => Math.Abs(x - c.X) < island / 2 && Math.Abs(y - c.Y) < island / 2);
                int i = ((y * size) + x) * 3;
                pixels[i] = (byte)(tissue ? 220 : 245);
                pixels[i + 1] = (byte)(tissue ? 140 : 245);
                pixels[i + 2] = (byte)(tissue ? 200 : 247);
            }
        }

        return new RgbImage(size, size, pixels);
    }

    /// <summary>The least work over every cells-per-tile from 1 to the cap (the planner only tries steps of 20 %).</summary>
    private static double ExhaustiveMinimum(NetworkGeometry geometry, long height, long width, int maxTile, TissueMask? mask)
    {
        int limit = AxisTiler.CellsForInputLength(geometry.X.Geometry, maxTile);
        int smallest = AxisTiler.CellsForInputLength(geometry.X.Geometry, 512);
        return Enumerable.Range(smallest, limit - smallest + 1).Min(n => ScanPlanner.PlannedWork(geometry, height, width, n, mask));
    }

    [Theory]
    [InlineData("resnet_gap", 30000)]
    [InlineData("scannet_vgg244", 30000)]
    [InlineData("demo", 30000)]
    [InlineData("resnet_gap", 5000)]
    public void WithoutMask_TheChoiceIsWithinFivePercentOfTheLeastWork_AndUsesLargeTiles(string model, long side)
    {
        var geometry = ScanFixture.Fcn(model).Manifest.ToGeometry();
        int cells = ScanPlanner.ChooseCells(geometry, side, side, 4096, mask: null);
        double chosen = ScanPlanner.PlannedWork(geometry, side, side, cells, null);
        Assert.InRange(chosen, 0, 1.05 * ExhaustiveMinimum(geometry, side, side, 4096, null));

        // With nothing to skip, overlap and per-tile cost both fall with size: the tile is near the cap.
        long tile = AxisTiler.InteriorInputLength(geometry.X.Geometry, cells);
        Assert.InRange(tile, side > 8192 ? 3000 : 2000, 4096);
    }

    [Fact]
    public void SparseTissue_PicksSmallerTiles_ThatDoLessWorkThanTheLargestOnThatImage()
    {
        var geometry = ScanFixture.Fcn("demo").Manifest.ToGeometry();
        const long side = 40000;
        var mask = TissueMask.Compute(Islands(1000, 12, (100, 100), (500, 700), (880, 300)), side, side, 0.08);
        int open = ScanPlanner.ChooseCells(geometry, side, side, 4096, null);
        int sparse = ScanPlanner.ChooseCells(geometry, side, side, 4096, mask);

        Assert.True(sparse < open, $"{sparse} cells per tile with three small islands, {open} with no mask");
        double sparseWork = ScanPlanner.PlannedWork(geometry, side, side, sparse, mask);
        Assert.True(sparseWork < 0.5 * ScanPlanner.PlannedWork(geometry, side, side, open, mask));
        Assert.InRange(sparseWork, 0, 1.05 * ExhaustiveMinimum(geometry, side, side, 4096, mask));
    }

    [Fact]
    public void ThePlanUsesTheChosenSize_AndAnExplicitTileOverridesIt()
    {
        var (fcn, manifest) = ScanFixture.Fcn("demo");
        using var source = new InMemoryImageSource("noise", ScanFixture.RandomImage(3000, 2000, 4));
        var auto = ScanPlanner.Plan("t", source, fcn, manifest, new ScanOptions { Tissue = TissueMode.Off });
        var geometry = manifest.ToGeometry();
        Assert.Equal(ScanPlanner.ChooseCells(geometry, 2000, 3000, 4096, null), auto.CellsPerTile);

        var fixedSize = ScanPlanner.Plan("t", source, fcn, manifest, new ScanOptions { Tissue = TissueMode.Off, TileSize = 600 });
        Assert.Equal(AxisTiler.CellsForInputLength(geometry.X.Geometry, 600), fixedSize.CellsPerTile);
    }
}
