namespace BatchFcn.Imaging;

/// <summary>
/// A (possibly gigapixel) image from which regions are read on demand, as 8-bit RGB, never decoding more
/// than the tiles a region touches. Implementations are safe to read from several threads.
/// </summary>
public interface IImageSource : IDisposable
{
    /// <summary>What the image is, for summaries and errors (path or blob name).</summary>
    string Name { get; }

    /// <summary>Resolution levels, full resolution first.</summary>
    IReadOnlyList<PyramidLevel> Levels { get; }

    /// <summary>Reads a region of a level as interleaved RGB8 (3 bytes per pixel, row-major).</summary>
    /// <exception cref="ImageReadException">The region is outside the level or cannot be decoded.</exception>
    byte[] ReadRegion(int level, long x, long y, int width, int height);

    /// <summary>Reads a region into <paramref name="destination"/> (at least width·height·3 bytes), so a scan can
    /// reuse its buffers: a fresh array per tile costs a page fault per 4 KiB the first time it is written.</summary>
    /// <exception cref="ImageReadException">As <see cref="ReadRegion(int, long, long, int, int)"/>.</exception>
    void ReadRegion(int level, long x, long y, int width, int height, byte[] destination);

    /// <summary>A small RGB8 rendition of the whole image whose longer side is at most <paramref name="maxSide"/>,
    /// read from the smallest level that is large enough.</summary>
    RgbImage Thumbnail(int maxSide);
}

/// <summary>An in-memory interleaved RGB8 image.</summary>
public sealed record RgbImage(int Width, int Height, byte[] Pixels);
