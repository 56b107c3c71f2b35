using BatchFcn.Inference;
using Microsoft.ML.OnnxRuntime;

namespace BatchFcn.Conversion;

/// <summary>
/// Proves a conversion numerically with ONNX Runtime on fresh random inputs: invariant A (patch outputs
/// equal) and invariant B (the dense map equals the classifier on every crop at multiples of the stride;
/// exact only for padding-free networks, measured and explained otherwise).
/// </summary>
public static class EquivalenceVerifier
{
    /// <summary>Runs both models and compares them.</summary>
    /// <param name="classifierPath">The original classifier.</param>
    /// <param name="fcnPath">The converted network; its manifest is read when present.</param>
    /// <param name="options">Sample counts, seed and tolerance.</param>
    /// <exception cref="ConversionException">A model cannot be read or the two disagree in shape.</exception>
    public static VerifyReport Verify(string classifierPath, string fcnPath, VerifyOptions? options = null)
    {
        options ??= new VerifyOptions();
        if (File.Exists(ModelManifest.PathFor(classifierPath)) && !File.Exists(ModelManifest.PathFor(fcnPath)))
        {
            throw new ConversionException($"'{classifierPath}' is a converted network (its manifest is next to it): give the classifier first, then the converted network");
        }

        var geometry = ReadGeometry(classifierPath, fcnPath, out int patchH, out int patchW, out long channels);
        using var classifier = Open(classifierPath);
        using var fcn = Open(fcnPath);
        var random = new Random(options.Seed);

        var a = new Accumulator();
        for (int s = 0; s < options.Samples; s++)
        {
            var patch = Normal(random, channels * patchH * patchW);
            float[] expected;
            try
            {
                expected = classifier.Run(patch, 1, (int)channels, patchH, patchW).Values;
            }
            catch (OnnxRuntimeException e) when (s == 0)
            {
                throw new ConversionException($"'{classifierPath}' does not take the {channels}x{patchH}x{patchW} patch '{fcnPath}' was converted for, "
                    + $"so the two are not a pair (convert the classifier again, or give the classifier it was converted from): {e.Message.Split('\n')[0]}", e);
            }

            var (actual, shape) = fcn.Run(patch, 1, (int)channels, patchH, patchW);
            if (actual.Length != expected.Length)
            {
                throw new ConversionException(
                    $"the converted model returns [{string.Join(", ", shape)}] for one patch, the classifier {expected.Length} values");
            }

            a.Add(expected, actual);
        }

        int sy = geometry.Y.Geometry.Stride, sx = geometry.X.Geometry.Stride;
        int denseH = patchH + ((options.DenseCells - 1) * sy);
        int denseW = patchW + ((options.DenseCells - 1) * sx);
        var image = Normal(random, channels * denseH * denseW);
        var (map, mapShape) = fcn.Run(image, 1, (int)channels, denseH, denseW);
        long classes = mapShape[1], rows = mapShape[2], cols = mapShape[3];
        var b = new Accumulator();
        var crop = new float[channels * patchH * patchW];
        for (int i = 0; i < rows && (i * sy) + patchH <= denseH; i++)
        {
            for (int j = 0; j < cols && (j * sx) + patchW <= denseW; j++)
            {
                Crop(image, channels, denseH, denseW, i * sy, j * sx, patchH, patchW, crop);
                var (expected, cropShape) = classifier.Run(crop, 1, (int)channels, patchH, patchW);

                // A classifier returns [1, K] (one cell); an already fully convolutional model returns
                // [1, K, h, w], which must equal the h×w block of the dense map at the crop's cell.
                long h = cropShape.Length == 4 ? cropShape[2] : 1, w = cropShape.Length == 4 ? cropShape[3] : 1;
                if (i + h > rows || j + w > cols)
                {
                    continue;
                }

                var block = new float[expected.Length];
                for (long k = 0, n = 0; k < classes; k++)
                {
                    for (long y = 0; y < h; y++)
                    {
                        for (long x = 0; x < w; x++)
                        {
                            block[n++] = map[(((k * rows) + i + y) * cols) + j + x];
                        }
                    }
                }

                b.Add(expected, block);
            }
        }

        return new VerifyReport
        {
            Classifier = classifierPath,
            Fcn = fcnPath,
            PatchHeight = patchH,
            PatchWidth = patchW,
            PaddingFree = geometry.IsPaddingFree,
            Tolerance = options.Tolerance,
            PatchEquivalence = a.Result(),
            DenseVsSliding = b.Result(),
            DenseInputHeight = denseH,
            DenseInputWidth = denseW,
        };
    }

    /// <summary>The same CPU backend scans use, with load failures reported as the model's fault.</summary>
    private static IInferenceBackend Open(string path)
    {
        try
        {
            return BackendSelector.Select(path, new BackendOptions { Backend = "cpu", AllowNoAvx2 = true }).Backend;
        }
        catch (OnnxRuntimeException e)
        {
            throw new ConversionException($"ONNX Runtime cannot load '{path}': {e.Message}", e);
        }
    }

    private static Geometry.NetworkGeometry ReadGeometry(string classifierPath, string fcnPath, out int patchH, out int patchW, out long channels)
    {
        var manifestPath = ModelManifest.PathFor(fcnPath);
        if (File.Exists(manifestPath))
        {
            var m = ModelManifest.Load(manifestPath);
            (patchH, patchW, channels) = (m.Patch.Height, m.Patch.Width, m.Input.Channels);
            return m.ToGeometry();
        }

        // No manifest: derive the geometry from the classifier itself.
        var result = FcnConverter.Convert(OnnxModelFile.Load(classifierPath));
        (patchH, patchW, channels) = (result.PatchHeight, result.PatchWidth, result.InputChannels);
        return result.Geometry;
    }

    private static float[] Normal(Random random, long count)
    {
        var values = new float[count];
        for (long i = 0; i < count; i++)
        {
            // Box-Muller: standard normal, the scale of normalised image input.
            double u = 1.0 - random.NextDouble(), v = random.NextDouble();
            values[i] = (float)(Math.Sqrt(-2.0 * Math.Log(u)) * Math.Cos(2 * Math.PI * v));
        }

        return values;
    }

    private static void Crop(float[] image, long channels, int height, int width, int y0, int x0, int h, int w, float[] crop)
    {
        for (long c = 0; c < channels; c++)
        {
            for (int y = 0; y < h; y++)
            {
                Array.Copy(image, (((c * height) + y0 + y) * width) + x0, crop, ((c * h) + y) * w, w);
            }
        }
    }

    private sealed class Accumulator
    {
        private int cases;
        private int agreements;
        private double maxAbs;
        private double maxRel;

        public void Add(float[] expected, float[] actual)
        {
            double diff = 0, scale = 0;
            int argE = 0, argA = 0;
            for (int k = 0; k < expected.Length; k++)
            {
                diff = Math.Max(diff, Math.Abs((double)expected[k] - actual[k]));
                scale = Math.Max(scale, Math.Abs((double)expected[k]));
                argE = expected[k] > expected[argE] ? k : argE;
                argA = actual[k] > actual[argA] ? k : argA;
            }

            cases++;
            agreements += argE == argA ? 1 : 0;
            maxAbs = Math.Max(maxAbs, diff);
            maxRel = Math.Max(maxRel, diff / Math.Max(scale, 1e-30));
        }

        public VerifyReport.Comparison Result() => new(cases, maxAbs, maxRel, agreements);
    }
}
