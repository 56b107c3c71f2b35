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
    /// <summary>Extensions only OpenSlide reads: a blob of these is downloaded once into the node's cache (OpenSlide
    /// needs a file), everything else is read in place by range requests.</summary>
    private static readonly HashSet<string> OpenSlideOnly = new(StringComparer.OrdinalIgnoreCase)
    {
        ".svs", ".ndpi", ".mrxs", ".vms", ".vmu", ".scn", ".bif", ".svslide", ".tf8", ".tf2",
    };

    private readonly Func<Image[]>? reopen;
    private readonly System.Collections.Concurrent.ConcurrentBag<Image[]> idle = [];
    private readonly Image[]? shared;

    private VipsImageSource(string name, Image[] levels, IReadOnlyList<PyramidLevel> info, Func<Image[]>? reopen)
    {
        Name = name;
        Levels = info;
        this.reopen = reopen;
        if (reopen is null)
        {
            shared = levels; // a file: libvips reads it from any number of threads
        }
        else
        {
            idle.Add(levels); // a custom source: one set of levels per reading thread
        }
    }

    public string Name { get; }

    public IReadOnlyList<PyramidLevel> Levels { get; }

    /// <summary>The libvips loader that opened the file (tiffload, openslideload, jpegload, …).</summary>
    public string Loader { get; private init; } = string.Empty;

    /// <summary>Opens an image file, reading only its header.</summary>
    /// <exception cref="ImageReadException">Missing, unreadable, corrupt or of an unsupported pixel format.</exception>
    public static VipsImageSource Open(string path)
    {
        if (Directory.Exists(path))
        {
            throw new ImageReadException($"image '{path}' is a folder; give the path of one image file");
        }

        if (!File.Exists(path))
        {
            throw new ImageReadException($"image '{path}' does not exist");
        }

        VipsRuntime.EnsureAvailable();
        try
        {
            var (levels, info, loader) = Load(path, options => Image.NewFromFile(path, access: Enums.Access.Random, failOn: Enums.FailOn.Error, kwargs: options));
            return new VipsImageSource(path, levels, info, null) { Loader = loader };
        }
        catch (VipsException e)
        {
            throw new ImageReadException($"cannot read image '{path}': {Explain(e.Message)}", e);
        }
    }

    /// <summary>Opens an image held in a blob store without downloading it: TIFF, BigTIFF, JPEG and PNG are read by
    /// range requests through a shared block cache; formats only OpenSlide reads are copied once into
    /// <paramref name="downloads"/> (required for them) and opened from there.</summary>
    /// <exception cref="ImageReadException">Missing, unreadable, corrupt or of an unsupported pixel format.</exception>
    public static async Task<VipsImageSource> OpenAsync(Storage.IBlobStore store, string key, BlobFileCache? downloads = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (store is Storage.LocalDirectoryStore local)
        {
            return Open(local.PathOf(key));
        }

        string name = store.Describe(key);
        var blob = await store.GetInfoAsync(key, cancellationToken).ConfigureAwait(false)
            ?? throw new ImageReadException($"image '{name}' does not exist");
        if (OpenSlideOnly.Contains(Path.GetExtension(key)))
        {
            if (downloads is null)
            {
                throw new ImageReadException($"'{name}' is a format only OpenSlide reads, which needs a local file; no download cache is configured");
            }

            var file = await downloads.GetAsync(store, key, blob, cancellationToken).ConfigureAwait(false);
            var opened = Open(file);
            return new VipsImageSource(name, [.. opened.shared!], opened.Levels, null) { Loader = opened.Loader };
        }

        VipsRuntime.EnsureAvailable();
        var blocks = new BlobBlockCache(store, key, blob.Length);
        Image[] OpenLevels(out IReadOnlyList<PyramidLevel> info, out string loader)
        {
            var sources = new List<BlobSource>();
            try
            {
                var (levels, levelInfo, found) = Load(name, options =>
                {
                    var source = new BlobSource(blocks);
                    sources.Add(source);
                    try
                    {
                        return Image.NewFromSource(source.Source, string.Empty, access: Enums.Access.Random, failOn: Enums.FailOn.Error, kwargs: options);
                    }
                    catch (VipsException) when (source.Failure is { } failure)
                    {
                        throw new ImageReadException($"cannot read image '{name}': {failure.Message}", failure);
                    }
                });
                info = levelInfo;
                loader = found;
                return levels;
            }
            catch
            {
                sources.ForEach(s => s.Dispose());
                throw;
            }
        }

        try
        {
            var first = OpenLevels(out var info, out var loader);
            return new VipsImageSource(name, first, info, () => OpenLevels(out _, out _)) { Loader = loader };
        }
        catch (VipsException e)
        {
            throw new ImageReadException($"cannot read image '{name}': {Explain(e.Message)}", e);
        }
    }

    /// <summary>Opens every pyramid level: OpenSlide's levels, or a TIFF's pages that halve in size.</summary>
    private static (Image[] Levels, IReadOnlyList<PyramidLevel> Info, string Loader) Load(string name, Func<VOption?, Image> load)
    {
        var first = load(null);
        string loader = first.Contains("vips-loader") ? (string)first.Get("vips-loader") : "unknown";
        var images = new List<Image>();
        var info = new List<PyramidLevel>();
        if (loader.StartsWith("openslide", StringComparison.Ordinal))
        {
            int count = int.Parse((string)first.Get("openslide.level-count"), CultureInfo.InvariantCulture);
            double? mpp = Field(first, "openslide.mpp-x");
            for (int i = 0; i < count; i++)
            {
                var level = i == 0 ? first : load(new VOption { { "level", i } });
                double downsample = Field(first, $"openslide.level[{i}].downsample") ?? (double)first.Width / level.Width;
                images.Add(ToRgb8(level, name));
                info.Add(new PyramidLevel(i, level.Width, level.Height, downsample, mpp * downsample));
            }
        }
        else
        {
            double? mpp = loader.StartsWith("tiff", StringComparison.Ordinal) && first.Xres > 1.5 ? 1000.0 / first.Xres : null;
            images.Add(ToRgb8(first, name));
            info.Add(new PyramidLevel(0, first.Width, first.Height, 1, mpp));
            int pages = loader.StartsWith("tiff", StringComparison.Ordinal) && first.Contains("n-pages") ? (int)first.Get("n-pages") : 1;
            for (int p = 1; p < pages; p++)
            {
                var page = load(new VOption { { "page", p } });
                if (page.Width >= info[^1].Width || page.Bands != first.Bands)
                {
                    page.Dispose();
                    break; // not a pyramid page (e.g. a label or macro image)
                }

                double downsample = (double)first.Width / page.Width;
                images.Add(ToRgb8(page, name));
                info.Add(new PyramidLevel(images.Count - 1, page.Width, page.Height, downsample, mpp * downsample));
            }
        }

        return ([.. images], info, loader);
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
            WithLevels(levels => ReadInto(levels[level], x, y, width, height, destination));
        }
        catch (VipsException e)
        {
            throw new ImageReadException($"cannot decode region {width}x{height}+{x}+{y} of '{Name}': {Explain(e.Message)}", e);
        }
    }

    private bool ReadInto(Image image, long x, long y, int width, int height, byte[] destination)
    {
        {
            using var crop = image.Crop((int)x, (int)y, width, height);
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

        return true;
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
            return WithLevels(levels =>
            {
                var source = levels[index];
                double scale = Math.Min(1.0, maxSide / (double)Math.Max(source.Width, source.Height));
                using var small = scale < 1.0 ? source.Resize(scale, kernel: Enums.Kernel.Linear) : source.Copy();
                return new RgbImage(small.Width, small.Height, small.WriteToMemory<byte>());
            });
        }
        catch (VipsException e)
        {
            throw new ImageReadException($"cannot make a thumbnail of '{Name}': {Explain(e.Message)}", e);
        }
    }

    public void Dispose()
    {
        if (shared is not null)
        {
            Dispose(shared);
        }

        while (idle.TryTake(out var levels))
        {
            Dispose(levels);
        }
    }

    private static void Dispose(Image[] levels)
    {
        foreach (var image in levels)
        {
            image.Dispose();
        }
    }

    /// <summary>Runs <paramref name="body"/> on a set of the levels: the shared one of a file, or one of a blob's that no
    /// other thread is reading. A blob's set that failed is dropped (libvips poisons an image after a read error).</summary>
    private T WithLevels<T>(Func<Image[], T> body)
    {
        if (shared is not null)
        {
            return body(shared);
        }

        if (!idle.TryTake(out var levels))
        {
            levels = reopen!();
        }

        try
        {
            var result = body(levels);
            idle.Add(levels);
            return result;
        }
        catch
        {
            Dispose(levels);
            throw;
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
            // To the nearest 8-bit level (65535 → 255); casting alone would truncate, moving about half the pixels one level down.
            image = (image / 257.0).Round(Enums.OperationRound.Rint).Cast(Enums.BandFormat.Uchar);
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

    /// <summary>libvips' message in the user's words where it is cryptic: a file no loader accepts is corrupt,
    /// truncated or not an image.</summary>
    internal static string Explain(string message)
    {
        var first = FirstLine(message);
        if (first.Contains("is not a known file format", StringComparison.Ordinal))
        {
            return "not an image format BatchFcn reads (TIFF/BigTIFF, SVS/NDPI/MRXS and other OpenSlide formats, JPEG, PNG)";
        }

        if (first.Contains("unable to call VipsForeignLoad", StringComparison.Ordinal) || message.Contains("Read error", StringComparison.Ordinal)
            || message.Contains("premature end", StringComparison.OrdinalIgnoreCase) || message.Contains("truncated", StringComparison.OrdinalIgnoreCase))
        {
            return $"the file is truncated or corrupt ({first})";
        }

        return first;
    }

    private static string FirstLine(string message) => message.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim() ?? message;
}
