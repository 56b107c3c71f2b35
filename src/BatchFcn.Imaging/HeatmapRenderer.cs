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

    private const int BarHeight = 18;
    private const int Margin = 6;
    private const int TextHeight = 14;

    /// <summary>Draws the heatmap and returns it as PNG bytes.</summary>
    /// <param name="thumbnail">The image, small.</param>
    /// <param name="scores">One value per thumbnail pixel, row-major; NaN leaves the pixel as it is.</param>
    /// <param name="style">Caption, threshold and opacity (defaults: no caption, 0, 0.6).</param>
    public static byte[] RenderPng(RgbImage thumbnail, float[] scores, HeatmapStyle? style = null)
    {
        ArgumentNullException.ThrowIfNull(thumbnail);
        ArgumentNullException.ThrowIfNull(scores);
        style ??= new HeatmapStyle();
        int w = thumbnail.Width, h = thumbnail.Height;
        int barTop = h + Margin, labelsTop = barTop + BarHeight + 2;
        int total = labelsTop + TextHeight + Margin;
        var canvas = new byte[w * total * 3];
        Array.Fill(canvas, (byte)255);
        float opacity = style.Opacity;
        for (int i = 0; i < w * h; i++)
        {
            float s = scores[i];
            bool drawn = !float.IsNaN(s) && s >= style.Threshold;
            for (int c = 0; c < 3; c++)
            {
                byte under = thumbnail.Pixels[(3 * i) + c];
                canvas[(3 * i) + c] = drawn ? (byte)Math.Round(((1 - opacity) * under) + (opacity * Colour(s, c))) : under;
            }
        }

        int barLeft = Margin, barWidth = Math.Max(1, w - (2 * Margin));
        var ticks = Enumerable.Range(0, 5).Select(t => barLeft + (t * (barWidth - 1) / 4)).ToArray();
        for (int y = barTop; y < barTop + BarHeight; y++)
        {
            for (int x = barLeft; x < barLeft + barWidth; x++)
            {
                float s = (x - barLeft) / (float)Math.Max(1, barWidth - 1);
                bool tick = y >= barTop + BarHeight - 5 && ticks.Any(t => Math.Abs(x - t) < 1);
                bool below = s < style.Threshold && y < barTop + 4; // a grey strip over the range left uncoloured
                for (int c = 0; c < 3; c++)
                {
                    canvas[(((y * w) + x) * 3) + c] = tick ? (byte)0 : below ? (byte)160 : Colour(s, c);
                }
            }
        }

        VipsRuntime.EnsureAvailable();
        if (VipsRuntime.HasOperation("text"))
        {
            // The tick values under the bar, and the caption (what the colours mean) at the right end.
            string[] values = ["0", "0.25", "0.5", "0.75", "1"];
            for (int t = 0; t < ticks.Length; t++)
            {
                DrawText(canvas, w, total, values[t], ticks[t], labelsTop, t == 0 ? -1 : t == ticks.Length - 1 ? 1 : 0);
            }

            if (style.Caption is { Length: > 0 } caption)
            {
                // Over the image's bottom-right corner, on a dark box: clear of the bar and its values.
                DrawText(canvas, w, total, caption, w - Margin, h - 3, 1, white: true, boxed: true, above: true);
            }
        }

        using var image = Image.NewFromMemory(canvas, w, total, 3, Enums.BandFormat.Uchar);
        return image.PngsaveBuffer();
    }

    /// <summary>Writes <paramref name="text"/> (black, or white on a dark box) with its top (its bottom when
    /// <paramref name="above"/>) at <paramref name="top"/>;
    /// <paramref name="align"/> −1 puts its left edge at <paramref name="x"/>, 0 its centre, 1 its right edge; clipped
    /// to the canvas.</summary>
    private static void DrawText(byte[] canvas, int width, int height, string text, int x, int top, int align, bool white = false, bool boxed = false, bool above = false)
    {
        using var mask = Image.Text(System.Security.SecurityElement.Escape(text), font: "sans 9", dpi: 96);
        int tw = mask.Width, th = mask.Height;
        top = Math.Max(0, above ? top - th : top);
        var alpha = mask.WriteToMemory<byte>();
        int left = align < 0 ? x : align > 0 ? x - tw : x - (tw / 2);
        left = Math.Clamp(left, 0, Math.Max(0, width - tw));
        if (boxed)
        {
            for (int y = Math.Max(0, top - 1); y < Math.Min(height, top + th + 1); y++)
            {
                for (int px = Math.Max(0, left - 3); px < Math.Min(width, left + tw + 3); px++)
                {
                    for (int c = 0; c < 3; c++)
                    {
                        canvas[(((y * width) + px) * 3) + c] = (byte)(canvas[(((y * width) + px) * 3) + c] / 4);
                    }
                }
            }
        }

        byte ink = white ? (byte)255 : (byte)0;
        for (int y = 0; y < th && top + y < height; y++)
        {
            for (int px = 0; px < tw && left + px < width; px++)
            {
                float a = alpha[(y * tw) + px] / 255f;
                int at = ((((top + y) * width) + left + px) * 3);
                for (int c = 0; c < 3; c++)
                {
                    canvas[at + c] = (byte)Math.Round((canvas[at + c] * (1 - a)) + (ink * a));
                }
            }
        }
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
