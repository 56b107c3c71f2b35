using Microsoft.ML.OnnxRuntime;

namespace BatchFcn.Inference;

/// <summary>An ONNX Runtime session on the CPU or CUDA execution provider. One session per process;
/// <see cref="InferenceSession.Run(RunOptions, IReadOnlyCollection{string}, IReadOnlyCollection{OrtValue}, IReadOnlyCollection{string})"/>
/// is thread-safe.</summary>
internal sealed class OnnxRuntimeBackend : IInferenceBackend
{
    private readonly InferenceSession session;
    private readonly string inputName;
    private readonly string outputName;

    private OnnxRuntimeBackend(InferenceSession session, string name, string description)
    {
        this.session = session;
        Name = name;
        Description = description;
        inputName = session.InputNames[0];
        outputName = session.OutputNames[0];
    }

    public string Name { get; }

    public string Description { get; }

    public static OnnxRuntimeBackend CreateCpu(OnnxModelSource model, int threads, CpuFeatures cpu)
    {
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,

            // Tiles come in a few shapes (interior, edges, batch sizes); a memory plan per shape costs more
            // than it saves, while the arena still reuses buffers across runs.
            EnableMemoryPattern = false,
        };

        // Reading and pre-processing run beside inference; spinning worker threads would steal their cores.
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        return new OnnxRuntimeBackend(model.Open(options), "cpu", $"ONNX Runtime CPU, {threads} thread(s), {cpu}");
    }

    /// <summary>Whether this build carries ONNX Runtime's GPU package (built with <c>-p:BatchFcnGpu=true</c>); the CPU
    /// package has no CUDA provider at all, so there is nothing to probe.</summary>
#if BATCHFCN_GPU
    public const bool CudaInBuild = true;
#else
    public const bool CudaInBuild = false;
#endif

    /// <summary>Creates a CUDA session; throws when the provider, CUDA or cuDNN libraries or a GPU are missing.</summary>
    public static OnnxRuntimeBackend CreateCuda(OnnxModelSource model, int deviceId)
    {
        using var cuda = new OrtCUDAProviderOptions();
        cuda.UpdateOptions(new Dictionary<string, string>
        {
            ["device_id"] = deviceId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // Exhaustive search (the default) re-benchmarks every new input shape; tiles come in few shapes,
            // and the heuristic choice avoids a stall at each edge-tile shape.
            ["cudnn_conv_algo_search"] = "HEURISTIC",
            ["arena_extend_strategy"] = "kSameAsRequested",
        });
        using var options = SessionOptions.MakeSessionOptionWithCudaProvider(cuda);
        options.GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL;
        options.LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR;
        return new OnnxRuntimeBackend(model.Open(options), "cuda", $"ONNX Runtime CUDA, device {deviceId}");
    }

    public InferenceOutput Run(float[] input, int batch, int channels, int height, int width, Func<int, float[]>? allocate = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        long count = (long)batch * channels * height * width;
        if (input.LongLength < count)
        {
            throw new ArgumentException($"input holds {input.LongLength} values, fewer than the {batch}x{channels}x{height}x{width} batch", nameof(input));
        }

        using var value = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, input.AsMemory(0, checked((int)count)), [batch, channels, height, width]);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, [inputName], [value], [outputName]);
        var output = results[0];
        var data = output.GetTensorDataAsSpan<float>();
        var values = allocate?.Invoke(data.Length) ?? new float[data.Length];
        if (values.Length < data.Length)
        {
            throw new InvalidOperationException($"the output buffer holds {values.Length} values, fewer than the {data.Length} of the output");
        }

        data.CopyTo(values);
        return new InferenceOutput(values, output.GetTensorTypeAndShape().Shape);
    }

    public void Dispose() => session.Dispose();
}

/// <summary>A model file or a model held in memory.</summary>
internal sealed record OnnxModelSource(string? Path, byte[]? Bytes)
{
    public InferenceSession Open(SessionOptions options) => Bytes is null ? new InferenceSession(Path!, options) : new InferenceSession(Bytes, options);
}
