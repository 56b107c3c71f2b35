namespace BatchFcn.Imaging;

/// <summary>
/// Foreground (tissue) found on a low-resolution rendition of the image, so tiles of bare glass or empty
/// raster are never computed. On a colour image a pixel is foreground when its HSV saturation, (max − min) / max,
/// exceeds the threshold: glass and paper are grey or white, stained tissue is coloured. A gray image (8- or 16-bit
/// brightfield, a fluorescence channel: every thumbnail pixel's channels within one level of each other) has no
/// saturation at all, so there the split is by brightness: Otsu's
/// threshold separates two classes, the flatter one (smaller spread) is the background, white glass or a dark
/// fluorescence field, and the other is foreground. Without a clear background (the two classes less than
/// <see cref="MinimumGrayContrast"/> levels apart, or no flatter class) every pixel is foreground: skipping tissue would lose data,
/// computing glass only costs time.
/// </summary>
public sealed class TissueMask
{
    private readonly bool[] foreground;

    /// <summary>Summed-area table: foreground pixels in [0, y) × [0, x) at [y·(Width+1) + x], so a tile's
    /// test costs four reads whatever its size (the planner tries many tile sizes).</summary>
    private readonly int[] integral;

    /// <summary>Gray levels (of 255) between the two brightness classes below which a gray image is taken to have no
    /// background.</summary>
    public const double MinimumGrayContrast = 24;

    private TissueMask(int width, int height, bool[] foreground, double scaleX, double scaleY, double threshold, string method)
    {
        Method = method;
        Width = width;
        Height = height;
        this.foreground = foreground;
        ScaleX = scaleX;
        ScaleY = scaleY;
        Threshold = threshold;
        ForegroundFraction = foreground.Length == 0 ? 0 : foreground.Count(f => f) / (double)foreground.Length;
        integral = new int[(width + 1) * (height + 1)];
        for (int y = 0; y < height; y++)
        {
            int row = 0;
            for (int x = 0; x < width; x++)
            {
                row += foreground[(y * width) + x] ? 1 : 0;
                integral[((y + 1) * (width + 1)) + x + 1] = integral[(y * (width + 1)) + x + 1] + row;
            }
        }
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Scan-level pixels per mask pixel, horizontally.</summary>
    public double ScaleX { get; }

    /// <summary>Scan-level pixels per mask pixel, vertically.</summary>
    public double ScaleY { get; }

    /// <summary>The threshold used: saturation in [0, 1] on colour images, brightness in [0, 255] on gray ones.</summary>
    public double Threshold { get; }

    /// <summary>How foreground was told from background, in words: "saturation", "brightness (dark on a light
    /// background)", "brightness (bright on a dark background)", or "none (gray image without a clear background: all foreground)".</summary>
    public string Method { get; }

    public double ForegroundFraction { get; }

    /// <summary>Builds the mask from a thumbnail of a level of <paramref name="levelWidth"/>×<paramref name="levelHeight"/> pixels.</summary>
    /// <param name="thumbnail">The low-resolution RGB rendition.</param>
    /// <param name="levelWidth">Width of the level the scan reads.</param>
    /// <param name="levelHeight">Height of the level the scan reads.</param>
    /// <param name="threshold">Saturation threshold in [0, 1]; <see langword="null"/> picks it by Otsu's
    /// method (never below 0.04, so an image of glass alone stays background).</param>
    public static TissueMask Compute(RgbImage thumbnail, long levelWidth, long levelHeight, double? threshold)
    {
        ArgumentNullException.ThrowIfNull(thumbnail);
        int n = thumbnail.Width * thumbnail.Height;
        var saturation = new float[n];
        var histogram = new long[256];
        var p = thumbnail.Pixels;
        long coloured = 0;
        for (int i = 0; i < n; i++)
        {
            int r = p[3 * i], g = p[(3 * i) + 1], b = p[(3 * i) + 2];
            int max = Math.Max(r, Math.Max(g, b)), min = Math.Min(r, Math.Min(g, b));
            float s = max == 0 ? 0 : (max - min) / (float)max;
            saturation[i] = s;
            histogram[(int)(s * 255)]++;
            coloured += max - min > 1 ? 1 : 0;
        }

        double scaleX = levelWidth / (double)thumbnail.Width, scaleY = levelHeight / (double)thumbnail.Height;
        if (coloured == 0 && n > 0)
        {
            return Gray(thumbnail, scaleX, scaleY);
        }

        double t = threshold ?? Math.Max(0.04, Otsu(histogram, n) / 255.0);
        var fg = new bool[n];
        for (int i = 0; i < n; i++)
        {
            fg[i] = saturation[i] > t;
        }

        return new TissueMask(thumbnail.Width, thumbnail.Height, fg, scaleX, scaleY, t, "saturation");
    }

    /// <summary>The mask of a gray image, by brightness (see the class remarks).</summary>
    private static TissueMask Gray(RgbImage thumbnail, double scaleX, double scaleY)
    {
        int n = thumbnail.Width * thumbnail.Height;
        var p = thumbnail.Pixels;
        var level = new byte[n];
        var histogram = new long[256];
        for (int i = 0; i < n; i++)
        {
            level[i] = (byte)((p[3 * i] + p[(3 * i) + 1] + p[(3 * i) + 2] + 1) / 3);
            histogram[level[i]]++;
        }

        int t = Otsu(histogram, n);
        var (darkMean, darkSpread) = Moments(histogram, 0, t);
        var (brightMean, brightSpread) = Moments(histogram, t + 1, 255);
        var fg = new bool[n];
        if (double.IsNaN(darkMean) || double.IsNaN(brightMean) || brightMean - darkMean < MinimumGrayContrast || darkSpread == brightSpread)
        {
            Array.Fill(fg, true);
            return new TissueMask(thumbnail.Width, thumbnail.Height, fg, scaleX, scaleY, t, "none (gray image without a clear background: all foreground)");
        }

        bool lightBackground = brightSpread < darkSpread;
        for (int i = 0; i < n; i++)
        {
            fg[i] = lightBackground ? level[i] <= t : level[i] > t;
        }

        return new TissueMask(thumbnail.Width, thumbnail.Height, fg, scaleX, scaleY, t,
            lightBackground ? "brightness (dark on a light background)" : "brightness (bright on a dark background)");
    }

    /// <summary>Mean and standard deviation of the histogram's levels in [from, to]; NaN for an empty range.</summary>
    private static (double Mean, double Spread) Moments(long[] histogram, int from, int to)
    {
        double count = 0, sum = 0, squares = 0;
        for (int i = from; i <= to; i++)
        {
            count += histogram[i];
            sum += i * (double)histogram[i];
            squares += i * (double)i * histogram[i];
        }

        if (count == 0)
        {
            return (double.NaN, double.NaN);
        }

        double mean = sum / count;
        return (mean, Math.Sqrt(Math.Max(0, (squares / count) - (mean * mean))));
    }

    /// <summary>Whether mask pixel (<paramref name="x"/>, <paramref name="y"/>) is foreground.</summary>
    public bool IsForeground(int x, int y) => foreground[(y * Width) + x];

    /// <summary>The mask as an 8-bit gray PNG, one pixel per mask pixel: 255 foreground, 0 background.</summary>
    public byte[] ToPng()
    {
        var pixels = foreground.Select(f => f ? (byte)255 : (byte)0).ToArray();
        using var image = NetVips.Image.NewFromMemory(pixels, Width, Height, 1, NetVips.Enums.BandFormat.Uchar);
        return image.PngsaveBuffer();
    }

    /// <summary>Foreground as runs of mask pixels along each row: (row, first column, columns), every foreground pixel
    /// in exactly one run.</summary>
    public IEnumerable<(int Row, int Column, int Length)> Runs()
    {
        for (int y = 0; y < Height; y++)
        {
            for (int x = 0; x < Width;)
            {
                if (!foreground[(y * Width) + x])
                {
                    x++;
                    continue;
                }

                int start = x;
                while (x < Width && foreground[(y * Width) + x])
                {
                    x++;
                }

                yield return (y, start, x - start);
            }
        }
    }

    /// <summary>Whether any foreground lies in the level region [x0, x1) × [y0, y1), looking one mask
    /// pixel beyond it so thin tissue at a tile edge is not lost to rounding.</summary>
    public bool AnyForeground(long x0, long y0, long x1, long y1)
    {
        int mx0 = Math.Max(0, (int)Math.Floor(x0 / ScaleX) - 1), my0 = Math.Max(0, (int)Math.Floor(y0 / ScaleY) - 1);
        int mx1 = Math.Min(Width, (int)Math.Ceiling(x1 / ScaleX) + 1), my1 = Math.Min(Height, (int)Math.Ceiling(y1 / ScaleY) + 1);
        if (mx0 >= mx1 || my0 >= my1)
        {
            return false;
        }

        int w = Width + 1;
        return integral[(my1 * w) + mx1] - integral[(my0 * w) + mx1] - integral[(my1 * w) + mx0] + integral[(my0 * w) + mx0] > 0;
    }

    /// <summary>Otsu's threshold: the bin that maximises the between-class variance.</summary>
    private static int Otsu(long[] histogram, long total)
    {
        double sum = 0;
        for (int i = 0; i < histogram.Length; i++)
        {
            sum += i * (double)histogram[i];
        }

        double sumBackground = 0, best = -1;
        long weightBackground = 0;
        int threshold = 0;
        for (int i = 0; i < histogram.Length; i++)
        {
            weightBackground += histogram[i];
            long weightForeground = total - weightBackground;
            if (weightBackground == 0 || weightForeground == 0)
            {
                continue;
            }

            sumBackground += i * (double)histogram[i];
            double meanB = sumBackground / weightBackground, meanF = (sum - sumBackground) / weightForeground;
            double between = weightBackground * (double)weightForeground * (meanB - meanF) * (meanB - meanF);
            if (between > best)
            {
                best = between;
                threshold = i;
            }
        }

        return threshold;
    }
}
