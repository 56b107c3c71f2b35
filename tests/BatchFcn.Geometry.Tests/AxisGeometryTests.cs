using BatchFcn.Geometry;

namespace BatchFcn.Geometry.Tests;

public sealed class AxisGeometryTests
{
    [Fact]
    public void Then_Cs231nExample_GivesStride32()
    {
        // VGG-style: 5 × (conv3 pad1, conv3 pad1, pool2/2).
        var g = AxisGeometry.Identity;
        for (int block = 0; block < 5; block++)
        {
            g = g.Then(new LayerAxis(3, 1, 1, 1, 1, false)).Then(new LayerAxis(3, 1, 1, 1, 1, false)).Then(LayerAxis.Valid(2, 2));
        }

        Assert.Equal(32, g.Stride);
        Assert.Equal(156, g.ReceptiveField); // 1 + Σ (2·2 + 1)·S_b, S_b = 1, 2, 4, 8, 16
        Assert.Equal(62, g.Offset); // Σ 2 · S_b = 2·(1+2+4+8+16)
    }

    [Fact]
    public void Then_Dilation_GrowsReceptiveFieldByDilatedSpan()
    {
        var g = AxisGeometry.Identity.Then(LayerAxis.Valid(2, 2)).Then(new LayerAxis(3, 1, 4, 0, 0, false));
        Assert.Equal(new AxisGeometry(2, 2 + (4 * 2 * 2), 0), g);
    }

    [Fact]
    public void Union_TakesTheHullOfBothWindows()
    {
        var a = new AxisGeometry(4, 10, 3); // [-3, 7)
        var b = new AxisGeometry(4, 6, 0); // [0, 6)
        var c = new AxisGeometry(4, 20, 1); // [-1, 19)
        Assert.Equal(new AxisGeometry(4, 10, 3), a.Union(b));
        Assert.Equal(new AxisGeometry(4, 22, 3), a.Union(c));
    }

    [Fact]
    public void Union_DifferentStrides_Throws() =>
        Assert.Throws<InvalidOperationException>(() => new AxisGeometry(2, 3, 0).Union(new AxisGeometry(4, 3, 0)));

    [Theory]
    [InlineData(32, 212, 62, 64, 128)]
    [InlineData(32, 236, 0, 0, 224)]
    [InlineData(16, 16, 0, 0, 0)]
    [InlineData(8, 40, 8, 8, 24)]
    public void Halo_RoundsUpToWholeStrides(int s, int r, int p, int before, int after)
    {
        var g = new AxisGeometry(s, r, p);
        Assert.Equal(before, g.HaloBefore);
        Assert.Equal(after, g.HaloAfter);
        Assert.Equal(0, g.HaloBefore % s);
        Assert.Equal(0, g.HaloAfter % s);
    }
}
