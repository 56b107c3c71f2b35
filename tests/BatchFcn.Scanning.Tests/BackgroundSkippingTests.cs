using BatchFcn.Imaging;

namespace BatchFcn.Scanning.Tests;

public sealed class BackgroundSkippingTests
{
    /// <summary>Left of <paramref name="boundary"/> white glass, right of it saturated pink.</summary>
    private static RgbImage HalfTissue(int width, int height, int boundary)
    {
        var pixels = new byte[width * height * 3];
        var random = new Random(2);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int i = ((y * width) + x) * 3;
                bool tissue = x >= boundary;
                pixels[i] = (byte)(tissue ? 220 + random.Next(10) : 245);
                pixels[i + 1] = (byte)(tissue ? 150 + random.Next(10) : 245);
                pixels[i + 2] = (byte)(tissue ? 200 + random.Next(10) : 247);
            }
        }

        return new RgbImage(width, height, pixels);
    }

    [Theory]
    [InlineData(TissueMode.Saturation)]
    [InlineData(TissueMode.Otsu)]
    public void TilesWithoutForeground_AreSkipped_AndOnlyThose(TissueMode mode)
    {
        var (fcn, manifest) = ScanFixture.Fcn("demo");
        const int width = 1200, height = 400, boundary = 700;
        using var source = new InMemoryImageSource("half", HalfTissue(width, height, boundary));
        var plan = ScanPlanner.Plan("t", source, fcn, manifest, new ScanOptions { TileSize = 200, Tissue = mode, ThumbnailSize = 1200 });
        var g = manifest.ToGeometry().X.Geometry;
        int columns = (int)Math.Ceiling(plan.Cols / (double)plan.ChunkCols);
        var computedColumns = plan.Tiles.Select(t => t.ChunkCol).Distinct().Order().ToList();
        for (int kx = 0; kx < columns; kx++)
        {
            long lastCell = Math.Min(plan.Cols, (long)(kx + 1) * plan.ChunkCols) - 1;
            bool touchesTissue = g.WindowEnd(lastCell) > boundary;
            Assert.Equal(touchesTissue, computedColumns.Contains(kx));
        }

        Assert.True(plan.SkippedTiles > 0);
        Assert.Equal(plan.TotalTiles, plan.Tiles.Count + plan.SkippedTiles);
        Assert.InRange(plan.TissueFraction!.Value, 0.35, 0.5);
    }

    [Fact]
    public void TissueOff_ComputesEveryTile()
    {
        var (fcn, manifest) = ScanFixture.Fcn("demo");
        using var source = new InMemoryImageSource("half", HalfTissue(600, 300, 500));
        var plan = ScanPlanner.Plan("t", source, fcn, manifest, new ScanOptions { TileSize = 200, Tissue = TissueMode.Off });
        Assert.Equal(0, plan.SkippedTiles);
        Assert.Null(plan.TissueThreshold);
    }

    [Fact]
    public void BlankImage_SkipsEverything()
    {
        var (fcn, manifest) = ScanFixture.Fcn("demo");
        using var source = new InMemoryImageSource("blank", HalfTissue(500, 300, 500));
        var plan = ScanPlanner.Plan("t", source, fcn, manifest, new ScanOptions { TileSize = 200, Tissue = TissueMode.Otsu });
        Assert.Empty(plan.Tiles);
        Assert.Equal(plan.TotalTiles, plan.SkippedTiles);
    }
}
