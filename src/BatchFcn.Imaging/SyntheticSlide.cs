using NetVips;

namespace BatchFcn.Imaging;

/// <summary>
/// Makes a realistic-looking synthetic slide for the demo and tests: a pyramidal tiled JPEG BigTIFF with
/// glass background, irregular tissue (pink stroma with sparse nuclei) and a few "lesions" (dense, dark
/// nuclei). The textures follow <see cref="TextureRecipe"/>, which the demo classifier's training script
/// (tests/models/train_demo_model.py) reproduces. Built from libvips operations, so memory stays flat
/// whatever the size.
/// </summary>
public static class SyntheticSlide
{
    private const int MaskScale = 64;
    private const int TextureSize = 2048;

    /// <summary>A lesion's bounding box in level-0 pixels.</summary>
    public sealed record Lesion(long X, long Y, long Width, long Height);

    /// <summary>The slide written and where its lesions are.</summary>
    public sealed record Result(string Path, int Width, int Height, IReadOnlyList<Lesion> Lesions);

    /// <summary>One texture class: base colour, nucleus colour, nucleus blur and threshold (z-score of
    /// blurred unit Gaussian noise; higher means sparser nuclei), luminance jitter.</summary>
    public sealed record TextureRecipe(double[] Base, double[] Nucleus, double NucleusBlur, double NucleusThreshold, double Jitter)
    {
        public static TextureRecipe Background { get; } = new([243, 242, 245], [243, 242, 245], 1.5, 99, 3);

        public static TextureRecipe Tissue { get; } = new([228, 165, 205], [120, 70, 165], 1.5, 1.5, 8);

        public static TextureRecipe Lesion { get; } = new([205, 135, 190], [85, 40, 135], 2.0, 0.35, 8);
    }

    /// <summary>Writes the slide; <paramref name="lesions"/> ellipses are placed inside tissue.</summary>
    public static Result Create(string path, int width, int height, int seed = 42, int lesions = 4)
    {
        VipsRuntime.EnsureAvailable();
        int mw = (width + MaskScale - 1) / MaskScale, mh = (height + MaskScale - 1) / MaskScale;
        using var background = Texture(TextureRecipe.Background, seed);
        using var tissue = Texture(TextureRecipe.Tissue, seed + 10);
        using var lesion = Texture(TextureRecipe.Lesion, seed + 20);

        // Tissue: smooth blobs of low-resolution noise, about half the slide, away from the border.
        using var blobs = Standardise(Image.Gaussnoise(mw, mh, mean: 0, sigma: 1, seed: seed + 30).Gaussblur(Math.Max(2, mw / 16.0)));
        using var xyz = Image.Xyz(mw, mh);
        using var dx = (xyz[0] - (mw / 2.0)) / (mw / 2.0);
        using var dy = (xyz[1] - (mh / 2.0)) / (mh / 2.0);
        using var vignette = ((dx * dx) + (dy * dy)) * 1.6;
        using var tissueField = blobs + 0.6 - vignette;
        var tissuePixels = tissueField.WriteToMemory<float>();

        var random = new Random(seed);
        var placed = new List<Lesion>();
        // Start far outside every ellipse, so the field stays smooth (its zero level set is the boundary).
        using var lesionField = Image.Black(mw, mh).Cast(Enums.BandFormat.Float) - 10.0;
        Image lesionAcc = lesionField.Copy();
        for (int attempt = 0; placed.Count < lesions && attempt < 1000; attempt++)
        {
            int cx = random.Next(mw / 8, mw * 7 / 8), cy = random.Next(mh / 8, mh * 7 / 8);
            if (tissuePixels[(cy * mw) + cx] < 0.8)
            {
                continue;
            }

            double rx = mw * (0.03 + (0.03 * random.NextDouble())), ry = rx * (0.6 + (0.6 * random.NextDouble()));
            if (placed.Any(l => Math.Abs((l.X / MaskScale) + (l.Width / MaskScale / 2) - cx) < 3 * rx && Math.Abs((l.Y / MaskScale) + (l.Height / MaskScale / 2) - cy) < 3 * ry))
            {
                continue;
            }

            using var ex = (xyz[0] - cx) / rx;
            using var ey = (xyz[1] - cy) / ry;
            using var inside = 1.0 - ((ex * ex) + (ey * ey));
            using var larger = lesionAcc > inside;
            var next = larger.Ifthenelse(lesionAcc, inside);
            lesionAcc.Dispose();
            lesionAcc = next;
            placed.Add(new Lesion((long)((cx - rx) * MaskScale), (long)((cy - ry) * MaskScale), (long)(2 * rx * MaskScale), (long)(2 * ry * MaskScale)));
        }

        // Upsample the fields smoothly, then threshold: irregular but not blocky boundaries.
        using var tissueMask = Upsample(tissueField, width, height) > 0.0;
        using var lesionMask = Upsample(lesionAcc, width, height) > 0.0;
        lesionAcc.Dispose();
        using var slide = lesionMask.Ifthenelse(Cover(lesion, width, height), tissueMask.Ifthenelse(Cover(tissue, width, height), Cover(background, width, height)));
        slide.Tiffsave(path, compression: Enums.ForeignTiffCompression.Jpeg, q: 85, tile: true, tileWidth: 256, tileHeight: 256,
            pyramid: true, bigtiff: true);
        return new Result(path, width, height, placed);
    }

    /// <summary>A texture tile of one class, held in memory so repeating it costs nothing.</summary>
    public static Image Texture(TextureRecipe recipe, int seed, int size = TextureSize)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        using var z = Standardise(Image.Gaussnoise(size, size, mean: 0, sigma: 1, seed: seed).Gaussblur(recipe.NucleusBlur));
        using var nuclei = z > recipe.NucleusThreshold;
        using var colour = nuclei.Ifthenelse(recipe.Nucleus, recipe.Base);
        using var jitter = Image.Gaussnoise(size, size, mean: 0, sigma: recipe.Jitter, seed: seed + 1);
        using var lum = jitter.Bandjoin(jitter, jitter);
        using var sum = colour + lum;
        using var cast = sum.Cast(Enums.BandFormat.Uchar);
        return cast.CopyMemory();
    }

    private static Image Standardise(Image image)
    {
        double mean = image.Avg(), deviation = image.Deviate();
        using (image)
        {
            return (image - mean) / Math.Max(deviation, 1e-9);
        }
    }

    private static Image Upsample(Image field, int width, int height)
    {
        using var big = field.Resize(MaskScale, kernel: Enums.Kernel.Linear);
        return big.Crop(0, 0, Math.Min(width, big.Width), Math.Min(height, big.Height)).Embed(0, 0, width, height, extend: Enums.Extend.Copy);
    }

    private static Image Cover(Image texture, int width, int height)
    {
        using var tiled = texture.Replicate((width / texture.Width) + 1, (height / texture.Height) + 1);
        return tiled.Crop(0, 0, width, height);
    }
}
