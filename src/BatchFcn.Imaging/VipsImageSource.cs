using System.Globalization;
using System.Runtime.InteropServices;
using NetVips;

namespace BatchFcn.Imaging;

/// <summary>
/// Reads images through libvips: tiled/pyramidal TIFF and BigTIFF (pyramid levels are the pages that
/// halve in size), OpenSlide formats (SVS, NDPI, MRXS, … through the system libvips's openslideload),
/// and plain JPEG/PNG/TIFF. Gray, RGBA and 16-bit sources are converted to RGB8 on the fly, per region.
/// </summary>
public sealed class VipsImageSource : IImageSource
{
    private readonly Image[] levels;

    private VipsImageSource(string name, Image[] levels, IReadOnlyList<PyramidLevel> info)
    {
        Name = name;
        this.levels = levels;
        Levels = info;
    }

    public string Name { get; }

    public IReadOnlyList<PyramidLevel> Levels { get; }

    /// <summary>The libvips loader that opened the file (tiffload, openslideload, jpegload, …).</summary>
    public string Loader { get; private init; } = string.Empty;

    /// <summary>Opens an image file, reading only its header.</summary>
    /// <exception cref="ImageReadException">Missing, unreadable, corrupt or of an unsupported pixel format.</exception>
    public static VipsImageSource Open(string path)
    {
        if (!File.Exists(path))
        {
            throw new ImageReadException($"image '{path}' does not exist");
        }

        VipsRuntime.EnsureAvailable();
        try
        {
            var first = Image.NewFromFile(path, access: Enums.Access.Random, failOn: Enums.FailOn.Error);
            string loader = first.Contains("vips-loader") ? (string)first.Get("vips-loader") : "unknown";
            var images = new List<Image>();
            var info = new List<PyramidLevel>();
            if (loader.StartsWith("openslide", StringComparison.Ordinal))
            {
                int count = int.Parse((string)first.Get("openslide.level-count"), CultureInfo.InvariantCulture);
                double? mpp = Field(first, "openslide.mpp-x");
                for (int i = 0; i < count; i++)
                {
                    var level = i == 0 ? first : Image.NewFromFile(path, access: Enums.Access.Random, kwargs: new VOption { { "level", i } });
                    double downsample = Field(first, $"openslide.level[{i}].downsample") ?? (double)first.Width / level.Width;
                    images.Add(ToRgb8(level, path));
                    info.Add(new PyramidLevel(i, level.Width, level.Height, downsample, mpp * downsample));
                }
            }
            else
            {
                double? mpp = loader.StartsWith("tiff", StringComparison.Ordinal) && first.Xres > 1.5 ? 1000.0 / first.Xres : null;
                images.Add(ToRgb8(first, path));
                info.Add(new PyramidLevel(0, first.Width, first.Height, 1, mpp));
                int pages = loader.StartsWith("tiff", StringComparison.Ordinal) && first.Contains("n-pages") ? (int)first.Get("n-pages") : 1;
                for (int p = 1; p < pages; p++)
                {
                    var page = Image.NewFromFile(path, access: Enums.Access.Random, kwargs: new VOption { { "page", p } });
                    if (page.Width >= info[^1].Width || page.Bands != first.Bands)
                    {
                        break; // not a pyramid page (e.g. a label or macro image)
                    }

                    double downsample = (double)first.Width / page.Width;
                    images.Add(ToRgb8(page, path));
                    info.Add(new PyramidLevel(images.Count - 1, page.Width, page.Height, downsample, mpp * downsample));
                }
            }

            return new VipsImageSource(path, [.. images], info) { Loader = loader };
        }
        catch (VipsException e)
        {
            throw new ImageReadException($"cannot read image '{path}': {FirstLine(e.Message)}", e);
        }
    }

    public byte[] ReadRegion(int level, long x, long y, int width, int height)
    {
        var region = new byte[(long)width * height * 3];
        ReadRegion(level, x, y, width, height, region);
        return region;
    }

    public void ReadRegion(int level, long x, long y, int width, int height, byte[] destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.LongLength, (long)width * height * 3, nameof(destination));
        var l = Levels[level];
        if (x < 0 || y < 0 || width <= 0 || height <= 0 || x + width > l.Width || y + height > l.Height)
        {
            throw new ImageReadException($"region {width}x{height}+{x}+{y} lies outside level {level} ({l.Width}x{l.Height}) of '{Name}'");
        }

        try
        {
            using var crop = levels[level].Crop((int)x, (int)y, width, height);
            if (crop.Bands != 3 || crop.Format != Enums.BandFormat.Uchar || crop.Width != width || crop.Height != height)
            {
                throw new ImageReadException($"region {width}x{height}+{x}+{y} of '{Name}' is {crop.Width}x{crop.Height} with {crop.Bands} bands of {crop.Format}, not RGB8");
            }

            // libvips decodes straight into the caller's (pooled, already touched) buffer: no fresh allocation per
            // region, whose first touch costs as much as the decoding on some VMs, and no second copy.
            var pinned = GCHandle.Alloc(destination, GCHandleType.Pinned);
            try
            {
                using var target = Image.NewFromMemory(pinned.AddrOfPinnedObject(), (ulong)width * (ulong)height * 3, width, height, 3, Enums.BandFormat.Uchar);
                crop.Write(target);
            }
            finally
            {
                pinned.Free();
            }
        }
        catch (VipsException e)
        {
            throw new ImageReadException($"cannot decode region {width}x{height}+{x}+{y} of '{Name}': {FirstLine(e.Message)}", e);
        }
    }

    public RgbImage Thumbnail(int maxSide)
    {
        int index = Levels.Count - 1;
        while (index > 0 && Math.Max(Levels[index].Width, Levels[index].Height) < maxSide)
        {
            index--;
        }

        try
        {
            var source = levels[index];
            double scale = Math.Min(1.0, maxSide / (double)Math.Max(source.Width, source.Height));
            using var small = scale < 1.0 ? source.Resize(scale, kernel: Enums.Kernel.Linear) : source.Copy();
            return new RgbImage(small.Width, small.Height, small.WriteToMemory<byte>());
        }
        catch (VipsException e)
        {
            throw new ImageReadException($"cannot make a thumbnail of '{Name}': {FirstLine(e.Message)}", e);
        }
    }

    public void Dispose()
    {
        foreach (var image in levels)
        {
            image.Dispose();
        }
    }

    /// <summary>Any supported source → 3-band 8-bit sRGB, lazily (applied per region as it is read).</summary>
    private static Image ToRgb8(Image image, string path)
    {
        var format = image.Format;
        if (format is not (Enums.BandFormat.Uchar or Enums.BandFormat.Ushort))
        {
            throw new ImageReadException($"'{path}' has {format} pixels; 8-bit and 16-bit images are supported");
        }

        bool sixteen = format == Enums.BandFormat.Ushort;
        if (image.HasAlpha())
        {
            double white = sixteen ? 65535 : 255;
            image = image.Flatten(background: [white, white, white], maxAlpha: white);
        }

        if (sixteen)
        {
            image = (image / 257.0).Cast(Enums.BandFormat.Uchar);
        }
        else if (image.Format != Enums.BandFormat.Uchar)
        {
            image = image.Cast(Enums.BandFormat.Uchar);
        }

        if (image.Bands == 1)
        {
            image = image.Bandjoin(image, image);
        }

        if (image.Bands != 3)
        {
            throw new ImageReadException($"'{path}' has {image.Bands} bands; gray, gray+alpha, RGB and RGBA images are supported");
        }

        return image;
    }

    private static double? Field(Image image, string name) =>
        image.Contains(name) && double.TryParse(image.Get(name)?.ToString(), NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : null;

    private static string FirstLine(string message) => message.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim() ?? message;
}
