using NetVips;

namespace BatchFcn.Imaging;

/// <summary>
/// Renders a score (0…1 per pixel, NaN where nothing was computed) over a thumbnail of the image, with a
/// colour bar underneath (0 at the left, 1 at the right; ticks at 0, 0.25, 0.5, 0.75, 1).
/// </summary>
public static class HeatmapRenderer
{
    /// <summary>Colour scale stops: dark blue → blue → green → yellow → red.</summary>
    public static readonly (float At, byte R, byte G, byte B)[] Scale =
    [
        (0f, 20, 20, 140), (0.25f, 0, 120, 255), (0.5f, 20, 190, 110), (0.75f, 255, 200, 0), (1f, 215, 25, 25),
    ];

    private const float Opacity = 0.6f;
    private const int BarHeight = 18;
    private const int Margin = 6;

    /// <summary>Draws the heatmap and returns it as PNG bytes.</summary>
    /// <param name="thumbnail">The image, small.</param>
    /// <param name="scores">One value per thumbnail pixel, row-major; NaN leaves the pixel as it is.</param>
    public static byte[] RenderPng(RgbImage thumbnail, float[] scores)
    {
        ArgumentNullException.ThrowIfNull(thumbnail);
        ArgumentNullException.ThrowIfNull(scores);
        int w = thumbnail.Width, h = thumbnail.Height;
        int total = h + Margin + BarHeight + Margin;
        var canvas = new byte[w * total * 3];
        Array.Fill(canvas, (byte)255);
        for (int i = 0; i < w * h; i++)
        {
            float s = scores[i];
            for (int c = 0; c < 3; c++)
            {
                byte under = thumbnail.Pixels[(3 * i) + c];
                canvas[(3 * i) + c] = float.IsNaN(s) ? under : (byte)Math.Round(((1 - Opacity) * under) + (Opacity * Colour(s, c)));
            }
        }

        int barLeft = Margin, barWidth = Math.Max(1, w - (2 * Margin));
        for (int y = h + Margin; y < h + Margin + BarHeight; y++)
        {
            for (int x = barLeft; x < barLeft + barWidth; x++)
            {
                float s = (x - barLeft) / (float)Math.Max(1, barWidth - 1);
                bool tick = y >= h + Margin + BarHeight - 5 && Enumerable.Range(0, 5).Any(t => Math.Abs(x - (barLeft + (t * (barWidth - 1) / 4))) < 1);
                for (int c = 0; c < 3; c++)
                {
                    canvas[(((y * w) + x) * 3) + c] = tick ? (byte)0 : Colour(s, c);
                }
            }
        }

        VipsRuntime.EnsureAvailable();
        using var image = Image.NewFromMemory(canvas, w, total, 3, Enums.BandFormat.Uchar);
        return image.PngsaveBuffer();
    }

    /// <summary>Channel <paramref name="c"/> of the colour for score <paramref name="s"/> (clamped to [0, 1]).</summary>
    public static byte Colour(float s, int c)
    {
        s = Math.Clamp(s, 0f, 1f);
        int k = 1;
        while (k < Scale.Length - 1 && s > Scale[k].At)
        {
            k++;
        }

        var (a0, r0, g0, b0) = Scale[k - 1];
        var (a1, r1, g1, b1) = Scale[k];
        float t = (s - a0) / (a1 - a0);
        float v0 = c == 0 ? r0 : c == 1 ? g0 : b0, v1 = c == 0 ? r1 : c == 1 ? g1 : b1;
        return (byte)Math.Round(v0 + (t * (v1 - v0)));
    }
}
