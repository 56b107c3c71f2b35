using BatchFcn.Conversion;
using BatchFcn.Imaging;
using BatchFcn.Inference;
using BatchFcn.Testing;

namespace BatchFcn.Scanning.Tests;

/// <summary>Helpers: converted models, random images, and the reference (the FCN on the whole image at once).</summary>
internal static class ScanFixture
{
    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, (string Path, ModelManifest Manifest)> Converted = [];
    private static readonly TempDirectory Models = TestPaths.TempDirectory();

    /// <summary>A test model converted once per test run.</summary>
    public static (string Path, ModelManifest Manifest) Fcn(string name)
    {
        lock (Gate)
        {
            if (!Converted.TryGetValue(name, out var entry))
            {
                var source = name == "demo" ? Path.Combine(TestPaths.RepositoryRoot, "models", "demo", "lesion_classifier.onnx") : TestPaths.Model(name);
                var result = FcnConverter.Convert(OnnxModelFile.Load(source));
                var path = Models.File(name + "_fcn.onnx");
                OnnxModelFile.Save(result.Model, path);
                var manifest = ModelManifest.From(result, source, ModelManifest.Sha256Of(source));
                manifest.Save(ModelManifest.PathFor(path));
                entry = (path, manifest);
                Converted[name] = entry;
            }

            return entry;
        }
    }

    public static RgbImage RandomImage(int width, int height, int seed)
    {
        var pixels = new byte[width * height * 3];
        new Random(seed).NextBytes(pixels);
        return new RgbImage(width, height, pixels);
    }

    /// <summary>The converted network run on the whole (shifted) image at once: [K, rows, cols].</summary>
    public static (float[] Values, long Rows, long Cols) WholeImage(string fcn, RgbImage image, int shiftY = 0, int shiftX = 0)
    {
        int w = image.Width - shiftX, h = image.Height - shiftY;
        var source = new InMemoryImageSource("whole", image);
        var rgb = source.ReadRegion(0, shiftX, shiftY, w, h);
        var input = new float[3L * w * h];
        Preprocessor.RgbToPlanar(rgb, input, Normalization.ImageNet);
        using var model = new OrtModel(fcn);
        var (values, shape) = model.Run(input, 1, 3, h, w);
        return (values, shape[2], shape[3]);
    }

    /// <summary>Assembles the computed chunks into the whole map (NaN where a chunk was skipped).</summary>
    public static float[] Assemble(ScanPlan plan, IReadOnlyDictionary<(int, int), float[]> chunks)
    {
        var map = new float[plan.Classes * plan.Rows * plan.Cols];
        Array.Fill(map, float.NaN);
        foreach (var ((cy, cx), chunk) in chunks)
        {
            for (long k = 0; k < plan.Classes; k++)
            {
                for (long r = 0; r < plan.ChunkRows; r++)
                {
                    long y = ((long)cy * plan.ChunkRows) + r;
                    for (long c = 0; c < plan.ChunkCols; c++)
                    {
                        long x = ((long)cx * plan.ChunkCols) + c;
                        if (y < plan.Rows && x < plan.Cols)
                        {
                            map[(((k * plan.Rows) + y) * plan.Cols) + x] = chunk[(((k * plan.ChunkRows) + r) * plan.ChunkCols) + c];
                        }
                    }
                }
            }
        }

        return map;
    }

    public static double MaxRelativeError(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double diff = 0, scale = 1e-30;
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.False(float.IsNaN(actual[i]), $"cell {i} was never written");
            diff = Math.Max(diff, Math.Abs((double)expected[i] - actual[i]));
            scale = Math.Max(scale, Math.Abs((double)expected[i]));
        }

        return diff / scale;
    }
}
