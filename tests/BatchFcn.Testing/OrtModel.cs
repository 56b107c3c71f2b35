using Microsoft.ML.OnnxRuntime;

namespace BatchFcn.Testing;

/// <summary>Runs an ONNX model on CPU for assertions: one float input, first output.</summary>
public sealed class OrtModel : IDisposable
{
    private readonly InferenceSession session;

    public OrtModel(string path) => session = new InferenceSession(path);

    public (float[] Values, long[] Shape) Run(float[] input, params long[] shape)
    {
        using var value = OrtValue.CreateTensorValueFromMemory(input, shape);
        using var options = new RunOptions();
        using var results = session.Run(options, [session.InputNames[0]], [value], [session.OutputNames[0]]);
        return (results[0].GetTensorDataAsSpan<float>().ToArray(), results[0].GetTensorTypeAndShape().Shape);
    }

    public static float[] Random(int seed, long count)
    {
        var r = new Random(seed);
        var v = new float[count];
        for (long i = 0; i < count; i++)
        {
            v[i] = (float)((r.NextDouble() * 2) - 1);
        }

        return v;
    }

    public void Dispose() => session.Dispose();
}
