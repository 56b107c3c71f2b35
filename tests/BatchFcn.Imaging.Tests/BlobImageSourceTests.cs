using BatchFcn.Testing;
using NetVips;

namespace BatchFcn.Imaging.Tests;

/// <summary>Images read in place from a blob store by range requests (libvips custom source over a block cache).</summary>
public sealed class BlobImageSourceTests
{
    /// <summary>A pyramid large enough that a region touches a small part of it: noise, so JPEG tiles differ in size.</summary>
    private static string NoisePyramid(string path, int side)
    {
        using var noise = Image.Gaussnoise(side, side, mean: 128, sigma: 40).Cast(Enums.BandFormat.Uchar);
        using var rgb = noise.Bandjoin(noise.Rot180(), noise.FlipHor());
        rgb.Tiffsave(path, compression: Enums.ForeignTiffCompression.Jpeg, q: 85, tile: true, tileWidth: 256, tileHeight: 256, pyramid: true, bigtiff: true);
        return path;
    }

    [Fact]
    public async Task OpenAsync_PyramidFromBlob_EveryLevelByteIdenticalToTheFile()
    {
        using var dir = TestPaths.TempDirectory();
        var path = NoisePyramid(dir.File("slide.tif"), 3000);
        var store = new RangeCountingStore(dir.Path);

        using var file = VipsImageSource.Open(path);
        using var blob = await VipsImageSource.OpenAsync(store, "slide.tif");

        Assert.Equal("test://slide.tif", blob.Name);
        Assert.Equal(file.Levels, blob.Levels);
        Assert.True(blob.Levels.Count >= 3);
        for (int level = 0; level < blob.Levels.Count; level++)
        {
            var l = blob.Levels[level];
            int w = (int)Math.Min(700, l.Width), h = (int)Math.Min(500, l.Height);
            long x = l.Width - w, y = (l.Height - h) / 2; // the right edge and a middle band
            Assert.Equal(file.ReadRegion(level, x, y, w, h), blob.ReadRegion(level, x, y, w, h));
        }

        Assert.Equal(file.Thumbnail(256), blob.Thumbnail(256), new RgbImageComparer());
    }

    [Fact]
    public async Task OpenAsync_ReadingOneRegion_FetchesLittleOfTheBlob()
    {
        using var dir = TestPaths.TempDirectory();
        var path = NoisePyramid(dir.File("slide.tif"), 4000);
        long size = new FileInfo(path).Length;
        var store = new RangeCountingStore(dir.Path);

        using var blob = await VipsImageSource.OpenAsync(store, "slide.tif");
        long afterOpen = store.BytesServed;
        blob.ReadRegion(0, 2000, 2000, 512, 512);

        Assert.True(afterOpen < size / 4, $"opening fetched {afterOpen} of {size} bytes");
        Assert.True(store.BytesServed < size / 2, $"one 512² region fetched {store.BytesServed} of {size} bytes");
    }

    [Fact]
    public async Task ReadRegion_SeveralThreads_AllRegionsMatchTheFile()
    {
        using var dir = TestPaths.TempDirectory();
        var path = NoisePyramid(dir.File("slide.tif"), 2048);
        using var file = VipsImageSource.Open(path);
        using var blob = await VipsImageSource.OpenAsync(new RangeCountingStore(dir.Path), "slide.tif");

        var regions = Enumerable.Range(0, 24).Select(i => (X: (i * 173) % 1700L, Y: (i * 311) % 1700L)).ToList();
        var read = new byte[regions.Count][];
        Parallel.For(0, regions.Count, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => read[i] = blob.ReadRegion(0, regions[i].X, regions[i].Y, 300, 300));

        for (int i = 0; i < regions.Count; i++)
        {
            Assert.Equal(file.ReadRegion(0, regions[i].X, regions[i].Y, 300, 300), read[i]);
        }
    }

    [Fact]
    public async Task ReadRegion_StoreFailsMidScan_ClearErrorThenLaterReadsRecover()
    {
        using var dir = TestPaths.TempDirectory();
        var path = NoisePyramid(dir.File("slide.tif"), 2048);
        using var file = VipsImageSource.Open(path);
        var store = new RangeCountingStore(dir.Path);
        using var blob = await VipsImageSource.OpenAsync(store, "slide.tif");

        store.FailFrom = 0;
        var e = Assert.Throws<ImageReadException>(() => blob.ReadRegion(0, 1024, 1024, 512, 512));
        Assert.Contains("test://slide.tif", e.Message, StringComparison.Ordinal);

        store.FailFrom = long.MaxValue;
        Assert.Equal(file.ReadRegion(0, 1024, 1024, 512, 512), blob.ReadRegion(0, 1024, 1024, 512, 512));
    }

    [Fact]
    public async Task OpenAsync_MissingOrCorruptBlob_SaysSo()
    {
        using var dir = TestPaths.TempDirectory();
        var store = new RangeCountingStore(dir.Path);
        var missing = await Assert.ThrowsAsync<ImageReadException>(() => VipsImageSource.OpenAsync(store, "none.tif"));
        Assert.Equal("image 'test://none.tif' does not exist", missing.Message);

        var path = NoisePyramid(dir.File("slide.tif"), 1024);
        var bytes = await File.ReadAllBytesAsync(path);
        await File.WriteAllBytesAsync(dir.File("cut.tif"), bytes.AsSpan(0, 300).ToArray());
        var cut = await Assert.ThrowsAsync<ImageReadException>(() => VipsImageSource.OpenAsync(store, "cut.tif"));
        Assert.Contains("truncated or corrupt", cut.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAsync_OpenSlideFormat_DownloadedOnceIntoTheCache()
    {
        using var dir = TestPaths.TempDirectory();
        TestImages.PyramidTiff(dir.File("slide.svs"), aperio: true);
        var store = new RangeCountingStore(dir.Path);
        using var cache = new BlobFileCache(dir.File("cache"), 1L << 30);

        using (var first = await VipsImageSource.OpenAsync(store, "slide.svs", cache))
        {
            Assert.StartsWith("openslide", first.Loader, StringComparison.Ordinal);
            Assert.Equal("test://slide.svs", first.Name);
        }

        long served = store.BytesServed;
        using var second = await VipsImageSource.OpenAsync(store, "slide.svs", cache);
        Assert.Equal(served, store.BytesServed);
        Assert.Single(Directory.GetFiles(dir.File("cache")));
        var noCache = await Assert.ThrowsAsync<ImageReadException>(() => VipsImageSource.OpenAsync(store, "slide.svs"));
        Assert.Contains("OpenSlide", noCache.Message, StringComparison.Ordinal);
    }

    private sealed class RgbImageComparer : IEqualityComparer<RgbImage>
    {
        public bool Equals(RgbImage? x, RgbImage? y) => x!.Width == y!.Width && x.Height == y.Height && x.Pixels.AsSpan().SequenceEqual(y.Pixels);

        public int GetHashCode(RgbImage obj) => obj.Width;
    }
}
