using BatchFcn.Testing;
using Microsoft.Extensions.Logging;

namespace BatchFcn.Inference.Tests;

public sealed class BackendSelectorTests
{
    private static string Model => TestPaths.Model("fully_conv");

    private sealed class CapturingLogger : ILogger
    {
        public List<(LogLevel Level, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((logLevel, formatter(state, exception)));
    }

    [Fact]
    public void Select_CudaAskedInTheCpuBuild_FallsBackToCpuAndWarnsWhy()
    {
        Assert.False(OnnxRuntimeBackend.CudaInBuild); // the tests run on the CPU build
        var logger = new CapturingLogger();
        var selection = BackendSelector.Select(Model, new BackendOptions { Backend = "cuda" }, logger);
        using var backend = selection.Backend;
        Assert.Equal("cpu", backend.Name);
        Assert.StartsWith("CUDA unavailable (this is the CPU build", selection.Reasons[0], StringComparison.Ordinal);
        var warning = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("falling back to CPU", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Select_AutoInTheCpuBuild_ChoosesCpuWithoutAWarning()
    {
        // A CPU-only build has no CUDA to fall back from: the reason is kept (for the backend line and the summary),
        // but nothing is logged here, so a run says it once, as information.
        var logger = new CapturingLogger();
        var selection = BackendSelector.Select(Model, new BackendOptions { Backend = "auto" }, logger);
        using var backend = selection.Backend;
        Assert.Equal("cpu", backend.Name);
        Assert.StartsWith("CUDA unavailable (this is the CPU build", selection.Reasons[0], StringComparison.Ordinal);
        Assert.Empty(logger.Entries);
    }

    [Fact]
    public void Select_WhenCudaProbeSucceeds_UsesIt()
    {
        using var fake = new FakeBackend();
        var selection = BackendSelector.Select(Model, new BackendOptions(), cudaFactory: (_, _) => fake);
        Assert.Same(fake, selection.Backend);
    }

    [Fact]
    public void Select_Cpu_DoesNotProbeCuda()
    {
        var selection = BackendSelector.Select(Model, new BackendOptions { Backend = "cpu", Threads = 1 },
            cudaFactory: (_, _) => throw new InvalidOperationException("must not be called"));
        using var backend = selection.Backend;
        Assert.Equal("cpu", backend.Name);
        Assert.Contains("1 thread", backend.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Select_CpuWithoutAvx2_RefusesUnlessAllowed()
    {
        var old = new CpuFeatures(false, false, false, "X64");
        var e = Assert.Throws<BackendUnavailableException>(() => BackendSelector.Select(Model, new BackendOptions { Backend = "cpu" }, cpuFeatures: old));
        Assert.Contains("no AVX2", e.Message, StringComparison.Ordinal);
        Assert.Contains("--allow-no-avx2", e.Message, StringComparison.Ordinal);
        using var allowed = BackendSelector.Select(Model, new BackendOptions { Backend = "cpu", AllowNoAvx2 = true }, cpuFeatures: old).Backend;
        Assert.Equal("cpu", allowed.Name);
    }

    [Fact]
    public void Select_UnknownBackend_IsRefused() =>
        Assert.Throws<BackendUnavailableException>(() => BackendSelector.Select(Model, new BackendOptions { Backend = "tpu" }));

    [Fact]
    public void CpuBackend_RunsBatches()
    {
        using var backend = BackendSelector.Select(Model, new BackendOptions { Backend = "cpu" }).Backend;
        var output = backend.Run(new float[2 * 3 * 32 * 32], 2, 3, 32, 32);
        Assert.Equal([2L, 3, 6, 6], output.Shape);
    }

    [Fact]
    public void CpuBackend_ReadsTheStartOfALongerInput_AndFillsTheStartOfALongerOutput()
    {
        using var backend = BackendSelector.Select(Model, new BackendOptions { Backend = "cpu" }).Backend;
        var exact = new float[3 * 32 * 32];
        var random = new Random(3);
        for (int i = 0; i < exact.Length; i++)
        {
            exact[i] = random.NextSingle();
        }

        var expected = backend.Run(exact, 1, 3, 32, 32);

        // A reused buffer: the batch at its start, stale values after it that must not be read.
        var longer = new float[exact.Length + 777];
        Array.Fill(longer, 1e6f);
        exact.CopyTo(longer, 0);
        var reused = new float[expected.Values.Length + 5];
        Array.Fill(reused, -7f);
        var actual = backend.Run(longer, 1, 3, 32, 32, n => n <= reused.Length ? reused : throw new InvalidOperationException("too short"));

        Assert.Same(reused, actual.Values);
        Assert.Equal(expected.Shape, actual.Shape);
        Assert.Equal(expected.Values, actual.Values.AsSpan(0, expected.Values.Length).ToArray());
        Assert.All(actual.Values.AsSpan(expected.Values.Length).ToArray(), v => Assert.Equal(-7f, v));
        Assert.Throws<ArgumentException>(() => backend.Run(new float[10], 1, 3, 32, 32));
        Assert.Throws<InvalidOperationException>(() => backend.Run(exact, 1, 3, 32, 32, _ => new float[1]));
    }

    [Fact]
    public void Detect_ReportsCpuFeaturesAndQuota()
    {
        var cpu = CpuFeatures.Detect();
        Assert.Contains("AVX2", cpu.ToString(), StringComparison.Ordinal);
        Assert.InRange(CpuQuota.Available(), 1, Environment.ProcessorCount);
    }

    private sealed class FakeBackend : IInferenceBackend
    {
        public string Name => "cuda";

        public string Description => "fake";

        public InferenceOutput Run(float[] input, int batch, int channels, int height, int width, Func<int, float[]>? allocate = null) => throw new NotSupportedException();

        public void Dispose()
        {
        }
    }
}
