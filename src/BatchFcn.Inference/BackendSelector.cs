using Microsoft.Extensions.Logging;

namespace BatchFcn.Inference;

/// <summary>
/// Picks the backend per node by probing: CUDA is tried by actually creating a session (ONNX Runtime
/// lists the CUDA provider even where it cannot load), and any failure falls back to the CPU with the
/// reason logged. The CPU backend refuses a processor without AVX2 unless told otherwise.
/// </summary>
public static partial class BackendSelector
{
    /// <exception cref="BackendUnavailableException">The CPU lacks AVX2 and <see cref="BackendOptions.AllowNoAvx2"/> is off,
    /// or the options name an unknown backend.</exception>
    public static BackendSelection Select(string modelPath, BackendOptions options, ILogger? logger = null,
        Func<string, int, IInferenceBackend>? cudaFactory = null, CpuFeatures? cpuFeatures = null) =>
        Select(new OnnxModelSource(modelPath, null), options, logger, cudaFactory, cpuFeatures);

    /// <summary>Selects a backend for a model held in memory (say, one half of a network cut in two).</summary>
    /// <exception cref="BackendUnavailableException">As for the file overload.</exception>
    public static BackendSelection Select(byte[] model, BackendOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Select(new OnnxModelSource(null, model), options, logger, null, null);
    }

    private static BackendSelection Select(OnnxModelSource model, BackendOptions options, ILogger? logger,
        Func<string, int, IInferenceBackend>? cudaFactory, CpuFeatures? cpuFeatures)
    {
        ArgumentNullException.ThrowIfNull(options);
        var reasons = new List<string>();
        if (options.Backend is not ("auto" or "cpu" or "cuda"))
        {
            throw new BackendUnavailableException($"unknown backend '{options.Backend}'; use auto, cpu or cuda");
        }

        if (options.Backend is "auto" or "cuda" && cudaFactory is null && !OnnxRuntimeBackend.CudaInBuild)
        {
            // Nothing to fall back from: said once, in the backend line, unless CUDA was asked for by name.
            reasons.Add($"CUDA unavailable ({NoCudaInBuild})");
            if (options.Backend == "cuda" && logger is not null)
            {
                LogCudaFallback(logger, options.Backend, NoCudaInBuild);
            }
        }
        else if (options.Backend is "auto" or "cuda")
        {
            try
            {
                var cuda = cudaFactory is not null
                    ? cudaFactory(model.Path ?? "(model in memory)", options.DeviceId)
                    : OnnxRuntimeBackend.CreateCuda(model, options.DeviceId);
                reasons.Add($"CUDA session created on device {options.DeviceId}");
                return new BackendSelection(cuda, reasons);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                var reason = $"CUDA unavailable ({FirstLine(e.Message)})";
                reasons.Add(reason);
                if (logger is not null)
                {
                    LogCudaFallback(logger, options.Backend, FirstLine(e.Message));
                }
            }
        }

        var cpu = cpuFeatures ?? CpuFeatures.Detect();
        if (!cpu.Avx2 && !options.AllowNoAvx2)
        {
            throw new BackendUnavailableException(
                $"this processor has no AVX2 ({cpu}); the CPU backend would be several times slower. " +
                "Run on an AVX2 machine, use a GPU node, or pass --allow-no-avx2 to run anyway.");
        }

        int threads = options.Threads > 0 ? options.Threads : CpuQuota.Available();
        reasons.Add(options.Backend == "cpu" ? "CPU requested" : "using the CPU");
        return new BackendSelection(OnnxRuntimeBackend.CreateCpu(model, threads, cpu), reasons);
    }

    private const string NoCudaInBuild = "this is the CPU build; build with -p:BatchFcnGpu=true for CUDA";

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backend '{Requested}': CUDA unavailable, falling back to CPU: {Reason}")]
    private static partial void LogCudaFallback(ILogger logger, string requested, string reason);
}
