using Microsoft.ML.OnnxRuntime;

namespace BatchFcn.Conversion;

/// <summary>A minimal ONNX Runtime (CPU) session for proving conversions: one float input, first output.</summary>
internal sealed class OnnxRunner : IDisposable
{
    private readonly InferenceSession session;
    private readonly string inputName;
    private readonly string outputName;

    public OnnxRunner(string modelPath)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        try
        {
            session = new InferenceSession(modelPath, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ConversionException($"ONNX Runtime cannot load '{modelPath}': {e.Message}", e);
        }

        inputName = session.InputNames[0];
        outputName = session.OutputNames[0];
        var dims = session.InputMetadata[inputName].Dimensions;
        FixedBatchOfOne = dims.Length > 0 && dims[0] == 1;
    }

    /// <summary>Whether the model only accepts a batch of one.</summary>
    public bool FixedBatchOfOne { get; }

    public (float[] Values, long[] Shape) Run(float[] input, long[] shape)
    {
        using var value = OrtValue.CreateTensorValueFromMemory(input, shape);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, [inputName], [value], [outputName]);
        var output = results[0];
        return (output.GetTensorDataAsSpan<float>().ToArray(), output.GetTensorTypeAndShape().Shape);
    }

    public void Dispose() => session.Dispose();
}
