using BatchFcn.Testing;

namespace BatchFcn.Imaging.Tests;

public sealed class TissueMaskTests
{
    private static RgbImage Split(int width, int height, int boundary)
    {
        var p = new byte[width * height * 3];
        for (int i = 0; i < width * height; i++)
        {
            bool tissue = i % width >= boundary;
            p[3 * i] = (byte)(tissue ? 220 : 240);
            p[(3 * i) + 1] = (byte)(tissue ? 140 : 240);
            p[(3 * i) + 2] = (byte)(tissue ? 200 : 242);
        }

        return new RgbImage(width, height, p);
    }

    [Theory]
    [InlineData(0.08)]
    [InlineData(null)]
    public void Compute_SeparatesColouredTissueFromGlass(double? threshold)
    {
        var mask = TissueMask.Compute(Split(100, 50, 60), 10_000, 5_000, threshold);
        Assert.Equal(0.4, mask.ForegroundFraction, 3);
        Assert.Equal(100, mask.ScaleX);
        Assert.False(mask.AnyForeground(0, 0, 5_800, 5_000));
        Assert.True(mask.AnyForeground(6_100, 0, 6_200, 100));
        Assert.True(mask.AnyForeground(5_950, 0, 5_990, 100), "one mask pixel of margin");
    }

    [Fact]
    public void AnyForeground_MatchesAPixelByPixelSearch_OverRandomRegions()
    {
        // Scattered single pixels of tissue: the summed-area answer must agree with looking at every pixel.
        const int w = 64, h = 48;
        var random = new Random(11);
        var p = Enumerable.Repeat((byte)240, w * h * 3).ToArray();
        var tissue = new bool[w * h];
        for (int k = 0; k < 25; k++)
        {
            int i = random.Next(w * h);
            tissue[i] = true;
            p[3 * i + 1] = 100;
        }

        var mask = TissueMask.Compute(new RgbImage(w, h, p), w * 10, h * 10, 0.08);
        for (int trial = 0; trial < 2000; trial++)
        {
            int x0 = random.Next(w * 10), y0 = random.Next(h * 10);
            int x1 = x0 + random.Next(1, 150), y1 = y0 + random.Next(1, 150);
            int mx0 = Math.Max(0, (x0 / 10) - 1), my0 = Math.Max(0, (y0 / 10) - 1);
            int mx1 = Math.Min(w, (int)Math.Ceiling(x1 / 10.0) + 1), my1 = Math.Min(h, (int)Math.Ceiling(y1 / 10.0) + 1);
            bool expected = false;
            for (int y = my0; y < my1 && !expected; y++)
            {
                for (int x = mx0; x < mx1 && !expected; x++)
                {
                    expected = tissue[(y * w) + x];
                }
            }

            Assert.Equal(expected, mask.AnyForeground(x0, y0, x1, y1));
        }
    }

    /// <summary>A gray thumbnail: a <paramref name="background"/> field with noise, and a square of textured
    /// <paramref name="tissue"/> in [30, 70) × [10, 40).</summary>
    private static RgbImage Gray(int background, int tissue)
    {
        const int w = 100, h = 50;
        var random = new Random(5);
        var p = new byte[w * h * 3];
        for (int i = 0; i < w * h; i++)
        {
            int x = i % w, y = i / w;
            bool inside = x >= 30 && x < 70 && y >= 10 && y < 40;
            byte v = (byte)Math.Clamp(inside ? tissue + random.Next(-30, 31) : background + random.Next(-3, 4), 0, 255);
            p[3 * i] = p[(3 * i) + 1] = p[(3 * i) + 2] = v;
        }

        return new RgbImage(w, h, p);
    }

    [Theory]
    [InlineData(235, 110, "dark on a light background")] // brightfield, 8- or 16-bit gray
    [InlineData(12, 150, "bright on a dark background")] // a fluorescence channel
    public void Compute_GrayImage_FindsTissueByBrightness(int background, int tissue, string method)
    {
        var mask = TissueMask.Compute(Gray(background, tissue), 1000, 500, 0.08);
        Assert.Contains(method, mask.Method, StringComparison.Ordinal);
        Assert.Equal(0.24, mask.ForegroundFraction, 2); // the 40 × 30 square of 100 × 50
        Assert.True(mask.AnyForeground(400, 150, 500, 250));
        Assert.False(mask.AnyForeground(0, 0, 250, 500));
        Assert.False(mask.AnyForeground(750, 0, 1000, 500));
    }

    [Fact]
    public void Compute_GrayImageWithoutABackground_KeepsEverything()
    {
        // Tissue from edge to edge: no flat class to call background, so nothing may be skipped.
        var mask = TissueMask.Compute(Gray(110, 110), 1000, 500, 0.08);
        Assert.Equal(1.0, mask.ForegroundFraction);
        Assert.StartsWith("none", mask.Method, StringComparison.Ordinal);
    }

    [Fact]
    public void Compute_OtsuOnBlankGlass_KeepsItBackground()
    {
        var mask = TissueMask.Compute(Split(50, 50, 50), 500, 500, threshold: null);
        Assert.Equal(0, mask.ForegroundFraction);
        Assert.True(mask.Threshold >= 0.04);
    }
}

public sealed class HeatmapRendererTests
{
    [Fact]
    public void Colour_RunsFromBlueToRedAndClamps()
    {
        Assert.Equal(HeatmapRenderer.Colour(0, 2), HeatmapRenderer.Colour(-1, 2));
        Assert.Equal(HeatmapRenderer.Colour(1, 0), HeatmapRenderer.Colour(2, 0));
        Assert.True(HeatmapRenderer.Colour(0, 2) > HeatmapRenderer.Colour(0, 0), "0 is blue");
        Assert.True(HeatmapRenderer.Colour(1, 0) > HeatmapRenderer.Colour(1, 2), "1 is red");
    }

    [Fact]
    public void RenderPng_DrawsScaleBarAndLeavesNaNUntouched()
    {
        var thumb = new RgbImage(40, 30, Enumerable.Repeat((byte)200, 40 * 30 * 3).ToArray());
        var scores = Enumerable.Range(0, 40 * 30).Select(i => i % 40 < 20 ? float.NaN : 1f).ToArray();
        var png = HeatmapRenderer.RenderPng(thumb, scores);
        Assert.Equal((byte)0x89, png[0]);
        using var image = NetVips.Image.NewFromBuffer(png);
        Assert.Equal(40, image.Width);
        Assert.True(image.Height > 30, "colour bar below the image");
        Assert.Equal([200.0, 200.0, 200.0], image.Getpoint(5, 5));
        Assert.True(image.Getpoint(30, 5)[0] > image.Getpoint(30, 5)[2], "score 1 is drawn red");
    }
}

public sealed class SyntheticSlideTests
{
    [Fact]
    public void Create_WritesPyramidWithLesionsInsideTheSlide()
    {
        using var dir = TestPaths.TempDirectory();
        var result = SyntheticSlide.Create(dir.File("s.tif"), 2048, 1536, seed: 3, lesions: 3);
        Assert.Equal(3, result.Lesions.Count);
        Assert.All(result.Lesions, l => Assert.True(l.X >= 0 && l.Y >= 0 && l.X + l.Width <= 2048 && l.Y + l.Height <= 1536));
        using var source = VipsImageSource.Open(result.Path);
        Assert.True(source.Levels.Count >= 3);
        var mask = TissueMask.Compute(source.Thumbnail(256), 2048, 1536, 0.08);
        Assert.InRange(mask.ForegroundFraction, 0.1, 0.9);
        var l0 = result.Lesions[0];
        var centre = source.ReadRegion(0, l0.X + (l0.Width / 2) - 8, l0.Y + (l0.Height / 2) - 8, 16, 16);
        Assert.True(centre.Where((_, i) => i % 3 == 1).Average(v => v) < 150, "lesions are dark");
    }
}
