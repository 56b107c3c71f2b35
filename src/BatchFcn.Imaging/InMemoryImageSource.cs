namespace BatchFcn.Imaging;

/// <summary>An RGB8 image held in memory (tests, and small images handed over by a caller).</summary>
public sealed class InMemoryImageSource(string name, RgbImage image) : IImageSource
{
    public string Name { get; } = name;

    public IReadOnlyList<PyramidLevel> Levels { get; } = [new PyramidLevel(0, image.Width, image.Height, 1, null)];

    public byte[] ReadRegion(int level, long x, long y, int width, int height)
    {
        var region = new byte[width * height * 3];
        ReadRegion(level, x, y, width, height, region);
        return region;
    }

    public void ReadRegion(int level, long x, long y, int width, int height, byte[] destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.LongLength, (long)width * height * 3, nameof(destination));
        if (level != 0 || x < 0 || y < 0 || x + width > image.Width || y + height > image.Height)
        {
            throw new ImageReadException($"region {width}x{height}+{x}+{y} lies outside '{Name}' ({image.Width}x{image.Height})");
        }

        for (int row = 0; row < height; row++)
        {
            Array.Copy(image.Pixels, (((y + row) * image.Width) + x) * 3, destination, row * width * 3, width * 3);
        }
    }

    public RgbImage Thumbnail(int maxSide)
    {
        int step = Math.Max(1, (Math.Max(image.Width, image.Height) + maxSide - 1) / maxSide);
        int w = (image.Width + step - 1) / step, h = (image.Height + step - 1) / step;
        var pixels = new byte[w * h * 3];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                Array.Copy(image.Pixels, (((y * step * image.Width) + (x * step)) * 3), pixels, ((y * w) + x) * 3, 3);
            }
        }

        return new RgbImage(w, h, pixels);
    }

    public void Dispose()
    {
    }
}
