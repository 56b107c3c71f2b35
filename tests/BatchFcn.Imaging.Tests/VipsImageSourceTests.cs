using BatchFcn.Testing;
using NetVips;

namespace BatchFcn.Imaging.Tests;

/// <summary>Every supported input format through the system libvips, and the errors for the rest.</summary>
public sealed class VipsImageSourceTests
{
    private static void AssertRegionMatchesPattern(IImageSource source, long x, long y, int w, int h, Func<(byte, byte, byte), (byte, byte, byte)>? expect = null)
    {
        var region = source.ReadRegion(0, x, y, w, h);
        Assert.Equal(w * h * 3, region.Length);
        for (int j = 0; j < h; j++)
        {
            for (int i = 0; i < w; i++)
            {
                var e = TestImages.Expected(x + i, y + j);
                var (r, g, b) = expect is null ? e : expect(e);
                int at = ((j * w) + i) * 3;
                Assert.True(region[at] == r && region[at + 1] == g && region[at + 2] == b,
                    $"pixel ({x + i},{y + j}): got {region[at]},{region[at + 1]},{region[at + 2]} expected {r},{g},{b}");
            }
        }
    }

    [Theory]
    [InlineData("png")]
    [InlineData("tif")]
    [InlineData("v")]
    public void LosslessFormats_ReadExactRegions(string extension)
    {
        using var dir = TestPaths.TempDirectory();
        var path = dir.File("pattern." + extension);
        using (var image = TestImages.Rgb())
        {
            image.WriteToFile(path);
        }

        using var source = VipsImageSource.Open(path);
        Assert.Single(source.Levels);
        Assert.Equal((TestImages.Width, TestImages.Height), ((int)source.Levels[0].Width, (int)source.Levels[0].Height));
        AssertRegionMatchesPattern(source, 0, 0, 17, 9);
        AssertRegionMatchesPattern(source, 683, 521, 17, 9); // touches the right and bottom edges
        AssertRegionMatchesPattern(source, 301, 7, 1, 200);
    }

    [Fact]
    public void Jpeg_ReadsWhatLibvipsDecodes()
    {
        using var dir = TestPaths.TempDirectory();
        var path = dir.File("pattern.jpg");
        using (var image = TestImages.Rgb())
        {
            image.Jpegsave(path, q: 90);
        }

        using var source = VipsImageSource.Open(path);
        using var reference = Image.NewFromFile(path);
        using var crop = reference.Crop(40, 30, 64, 48);
        Assert.Equal(crop.WriteToMemory<byte>(), source.ReadRegion(0, 40, 30, 64, 48));

        // Into a reused, larger, dirty buffer: the region's bytes land at its start, the rest is left alone.
        var buffer = Enumerable.Repeat((byte)7, (64 * 48 * 3) + 5).ToArray();
        source.ReadRegion(0, 40, 30, 64, 48, buffer);
        Assert.Equal(crop.WriteToMemory<byte>(), buffer[..(64 * 48 * 3)]);
        Assert.All(buffer[(64 * 48 * 3)..], b => Assert.Equal(7, b));
        Assert.Throws<ArgumentOutOfRangeException>(() => source.ReadRegion(0, 40, 30, 64, 48, new byte[100]));
    }

    [Fact]
    public void PyramidalBigTiff_ExposesLevelsAndReadsEachLevel()
    {
        using var dir = TestPaths.TempDirectory();
        using var source = VipsImageSource.Open(TestImages.PyramidTiff(dir.File("pyramid.tif")));
        Assert.Equal("tiffload", source.Loader);
        Assert.True(source.Levels.Count >= 3, $"levels: {source.Levels.Count}");
        Assert.Equal(2.0, source.Levels[1].Downsample, 2);
        Assert.Equal(TestImages.Width / 2, source.Levels[1].Width);
        AssertRegionMatchesPattern(source, 130, 250, 300, 40);
        var level2 = source.ReadRegion(2, 10, 10, 20, 20);
        Assert.Equal(20 * 20 * 3, level2.Length);
        var thumb = source.Thumbnail(200);
        Assert.True(Math.Max(thumb.Width, thumb.Height) <= 200);
    }

    [Fact]
    public void OpenSlideSvs_IsReadThroughOpenSlideWithItsPixelSize()
    {
        Assert.True(VipsRuntime.HasOperation("openslideload"), "the system libvips must have OpenSlide (Debian libvips42)");
        using var dir = TestPaths.TempDirectory();
        using var source = VipsImageSource.Open(TestImages.PyramidTiff(dir.File("slide.svs"), aperio: true, mpp: 0.25));
        Assert.Equal("openslideload", source.Loader);
        Assert.True(source.Levels.Count >= 2);
        Assert.Equal(0.25, source.Levels[0].MicronsPerPixel!.Value, 3);
        Assert.Equal(0.5, source.Levels[1].MicronsPerPixel!.Value, 3);
        // JPEG tiles: compare with a direct OpenSlide read, RGBA flattened on white.
        var region = source.ReadRegion(0, 100, 50, 32, 32);
        using var reference = Image.Openslideload(dir.File("slide.svs"), level: 0);
        using var flat = reference.Flatten(background: [255, 255, 255]);
        using var crop = flat.Crop(100, 50, 32, 32).Cast(Enums.BandFormat.Uchar);
        Assert.Equal(crop.WriteToMemory<byte>(), region);
    }

    [Fact]
    public void GrayImage_BecomesRgbWithEqualChannels()
    {
        using var dir = TestPaths.TempDirectory();
        var path = dir.File("gray.png");
        using (var gray = Image.NewFromMemory(TestImages.Pattern(bands: 1), TestImages.Width, TestImages.Height, 1, Enums.BandFormat.Uchar))
        {
            gray.WriteToFile(path);
        }

        using var source = VipsImageSource.Open(path);
        AssertRegionMatchesPattern(source, 5, 5, 30, 30, e => (e.Item1, e.Item1, e.Item1));
    }

    [Fact]
    public void RgbaImage_IsFlattenedOnWhite()
    {
        using var dir = TestPaths.TempDirectory();
        var path = dir.File("rgba.png");
        var pixels = TestImages.Pattern(bands: 4);
        for (int i = 3; i < TestImages.Width * 4 * 10; i += 4)
        {
            pixels[i] = 0; // first ten rows transparent
        }

        using (var rgba = Image.NewFromMemory(pixels, TestImages.Width, TestImages.Height, 4, Enums.BandFormat.Uchar))
        {
            rgba.WriteToFile(path);
        }

        using var source = VipsImageSource.Open(path);
        AssertRegionMatchesPattern(source, 20, 20, 16, 16);
        Assert.All(source.ReadRegion(0, 0, 0, 16, 10), v => Assert.Equal(255, v));
    }

    [Fact]
    public void SixteenBitImage_IsScaledToEightBits()
    {
        using var dir = TestPaths.TempDirectory();
        var path = dir.File("rgb16.tif");
        using (var rgb = TestImages.Rgb())
        using (var wide = (rgb * 257).Cast(Enums.BandFormat.Ushort))
        {
            wide.Tiffsave(path);
        }

        using var source = VipsImageSource.Open(path);
        AssertRegionMatchesPattern(source, 100, 100, 20, 20);
    }

    [Fact]
    public void SixteenBitImage_RoundsToTheNearestEightBitLevel()
    {
        // 200/257 ≈ 0.78 of a level above each 8-bit value: rounding gives the next level, truncating would not.
        using var dir = TestPaths.TempDirectory();
        var path = dir.File("rgb16-offset.tif");
        using (var rgb = TestImages.Rgb())
        using (var wide = ((rgb * 257) + 200).Cast(Enums.BandFormat.Ushort))
        {
            wide.Tiffsave(path);
        }

        using var source = VipsImageSource.Open(path);
        var region = source.ReadRegion(0, 100, 100, 20, 20);
        for (int y = 0; y < 20; y++)
        {
            for (int x = 0; x < 20; x++)
            {
                var (r, g, b) = TestImages.Expected(100 + x, 100 + y);
                int i = 3 * ((y * 20) + x);
                Assert.Equal(Math.Min(r + 1, 255), region[i]);
                Assert.Equal(Math.Min(g + 1, 255), region[i + 1]);
                Assert.Equal(Math.Min(b + 1, 255), region[i + 2]);
            }
        }
    }

    [Fact]
    public void FloatImage_IsRefusedClearly()
    {
        using var dir = TestPaths.TempDirectory();
        var path = dir.File("float.tif");
        using (var rgb = TestImages.Rgb())
        using (var f = rgb.Cast(Enums.BandFormat.Float))
        {
            f.Tiffsave(path);
        }

        var e = Assert.Throws<ImageReadException>(() => VipsImageSource.Open(path));
        Assert.Contains("Float pixels", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingAndCorruptFiles_AreNamed()
    {
        using var dir = TestPaths.TempDirectory();
        var missing = Assert.Throws<ImageReadException>(() => VipsImageSource.Open(dir.File("nope.svs")));
        Assert.Contains("nope.svs", missing.Message, StringComparison.Ordinal);

        var garbage = dir.File("garbage.tif");
        File.WriteAllBytes(garbage, [.. Enumerable.Range(0, 5000).Select(i => (byte)(i * 31))]);
        var e = Assert.Throws<ImageReadException>(() => VipsImageSource.Open(garbage));
        Assert.Contains("garbage.tif", e.Message, StringComparison.Ordinal);

        // A truncated pyramid: the header survives, tiles do not; reading must fail with the name, not crash.
        var good = TestImages.PyramidTiff(dir.File("full.tif"));
        var truncated = dir.File("truncated.tif");
        var bytes = File.ReadAllBytes(good);
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 3)]);
        var t = Assert.Throws<ImageReadException>(() =>
        {
            using var s = VipsImageSource.Open(truncated);
            s.ReadRegion(0, 0, TestImages.Height - 64, TestImages.Width, 64);
        });
        Assert.Contains("truncated.tif", t.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RegionOutsideTheImage_IsRefused()
    {
        using var dir = TestPaths.TempDirectory();
        var path = dir.File("p.png");
        using (var image = TestImages.Rgb())
        {
            image.WriteToFile(path);
        }

        using var source = VipsImageSource.Open(path);
        Assert.Throws<ImageReadException>(() => source.ReadRegion(0, TestImages.Width - 10, 0, 11, 5));
    }
}
