using BatchFcn.Geometry;

namespace BatchFcn.Geometry.Tests;

public sealed class AxisTilerTests
{
    public static TheoryData<string> Paths => new() { "padded", "padding-free", "ceil" };

    private static AxisPath Build(string kind)
    {
        var layers = kind switch
        {
            "padded" => new List<LayerAxis> { new(7, 2, 1, 3, 3, false), new(3, 2, 1, 1, 1, false), new(3, 1, 1, 1, 1, false), new(3, 2, 1, 1, 1, false), LayerAxis.Valid(7) },
            "ceil" => [LayerAxis.Valid(3), new LayerAxis(2, 2, 1, 0, 0, true), LayerAxis.Valid(3), new LayerAxis(2, 2, 1, 0, 0, true)],
            _ => [LayerAxis.Valid(3), LayerAxis.Valid(2, 2), LayerAxis.Valid(3), LayerAxis.Valid(2, 2), LayerAxis.Valid(5)],
        };
        var g = layers.Aggregate(AxisGeometry.Identity, (acc, l) => acc.Then(l));
        return new AxisPath(g, layers);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Plan_CoversEveryCellOnceWithAlignedTilesAndWholeWindows(string kind)
    {
        var path = Build(kind);
        var g = path.Geometry;
        foreach (long length in new long[] { path.MinimumInputLength(), 57, 100, 101, 333, 1000 })
        {
            foreach (int cells in new[] { 1, 2, 3, 7, 64 })
            {
                long total = path.OutputLength(length);
                var tiles = AxisTiler.Plan(path, length, cells);
                Assert.Equal(total, tiles.Sum(t => (long)t.CellCount));
                long next = 0;
                foreach (var t in tiles)
                {
                    Assert.Equal(next, t.CellStart);
                    next += t.CellCount;
                    Assert.Equal(0, t.InputStart % g.Stride);
                    Assert.True(t.InputStart + t.InputLength <= length);
                    long end = t.InputStart + t.InputLength;
                    for (long c = t.CellStart; c < t.CellStart + t.CellCount; c++)
                    {
                        Assert.True(g.WindowStart(c) >= t.InputStart || t.InputStart == 0, $"cell {c} starts before tile {t}");
                        Assert.True(g.WindowEnd(c) <= end || end == length, $"cell {c} ends after tile {t}");
                    }

                    // The tile's own output reaches its last kept cell.
                    Assert.True(path.OutputLength(t.InputLength) >= t.SkipCells(g.Stride) + t.CellCount, $"tile {t} too short");
                }
            }
        }
    }

    [Theory]
    [InlineData("padding-free", 1)]
    [InlineData("padded", 2)]
    [InlineData("ceil", 2)]
    public void Plan_ShiftsEdgeTilesBackToKeepFewShapes(string kind, int maxShapes)
    {
        var path = Build(kind);
        foreach (long length in new long[] { 333, 1000, 1001, 4099 })
        {
            var tiles = AxisTiler.Plan(path, length, 7);
            long interior = AxisTiler.InteriorInputLength(path.Geometry, 7);
            Assert.True(tiles.Select(t => t.InputLength).Distinct().Count() <= maxShapes + 1, $"{kind} {length}: {string.Join(",", tiles.Select(t => t.InputLength))}");
            Assert.All(tiles.Where(t => t.InputLength >= interior / 2), t => Assert.InRange(t.InputLength, interior - path.Geometry.Stride + 1, interior + path.Geometry.Stride - 1));
        }
    }

    [Fact]
    public void Plan_ImageSmallerThanNetworkNeeds_IsEmpty()
    {
        var path = Build("padding-free");
        Assert.Empty(AxisTiler.Plan(path, path.MinimumInputLength() - 1, 4));
        Assert.Single(AxisTiler.Plan(path, path.MinimumInputLength(), 4));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void CellsForInputLength_InvertsInteriorInputLength(string kind)
    {
        var g = Build(kind).Geometry;
        for (int n = 1; n < 40; n++)
        {
            long t = AxisTiler.InteriorInputLength(g, n);
            Assert.Equal(n, AxisTiler.CellsForInputLength(g, t));
            Assert.Equal(n, AxisTiler.CellsForInputLength(g, t + g.Stride - 1));
        }
    }

    [Fact]
    public void InteriorInputLength_PaddingFree_IsScanNetRule()
    {
        // ScanNet: tiles of F + (n−1)·S step n·S; here F = R.
        var g = Build("padding-free").Geometry;
        Assert.Equal(g.ReceptiveField + (9 * g.Stride), AxisTiler.InteriorInputLength(g, 10));
    }
}
