using NetVips;

namespace BatchFcn.Imaging.Tests;

/// <summary>Deterministic test images written through the real libvips, in each supported format.</summary>
internal static class TestImages
{
    public const int Width = 700;
    public const int Height = 530;

    /// <summary>Expected RGB of pixel (x, y): distinct in each channel and position.</summary>
    public static (byte R, byte G, byte B) Expected(long x, long y) =>
        ((byte)(((x * 7) + (y * 3)) % 256), (byte)(((x * 5) + (y * 11)) % 256), (byte)(((x * 13) + y) % 256));

    public static byte[] Pattern(int bands = 3)
    {
        var pixels = new byte[Width * Height * bands];
        for (int y = 0; y < Height; y++)
        {
            for (int x = 0; x < Width; x++)
            {
                var (r, g, b) = Expected(x, y);
                int i = ((y * Width) + x) * bands;
                pixels[i] = r;
                if (bands >= 3)
                {
                    pixels[i + 1] = g;
                    pixels[i + 2] = b;
                }

                if (bands == 4)
                {
                    pixels[i + 3] = 255;
                }
            }
        }

        return pixels;
    }

    public static Image Rgb() => Image.NewFromMemory(Pattern(), Width, Height, 3, Enums.BandFormat.Uchar);

    /// <summary>A tiled pyramidal BigTIFF, lossless, with Aperio's ImageDescription when <paramref name="aperio"/>
    /// (OpenSlide then reads it as an SVS slide, with its microns per pixel).</summary>
    public static string PyramidTiff(string path, bool aperio = false, double mpp = 0.25)
    {
        using var rgb = Rgb();
        using var tagged = aperio
            ? rgb.Mutate(m => m.Set(GValue.GStrType, "image-description",
                $"Aperio Image Library v10.0.51\r\n{Width}x{Height} [0,0 {Width}x{Height}] (256x256) JPEG/RGB Q=95|AppMag = 40|MPP = {mpp}"))
            : rgb.Copy();
        tagged.Tiffsave(path, compression: aperio ? Enums.ForeignTiffCompression.Jpeg : Enums.ForeignTiffCompression.Deflate, q: 95,
            tile: true, tileWidth: 128, tileHeight: 128, pyramid: true, bigtiff: !aperio);
        return path;
    }
}
