using System.CommandLine;
using System.Runtime.InteropServices;
using BatchFcn.Imaging;
using BatchFcn.Inference;
using Microsoft.ML.OnnxRuntime;

namespace BatchFcn.Cli.Commands;

/// <summary><c>batchfcn info</c>: the hardware and libraries found, and the backend <c>auto</c> would choose.</summary>
internal static class InfoCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("info", "Show the hardware found and the backend that 'auto' would choose, and why");
        command.SetAction(parse => context.Guard(() =>
        {
            var w = context.Out;
            w.WriteLine($"BatchFcn {typeof(InfoCommand).Assembly.GetName().Version} on .NET {Environment.Version} ({RuntimeInformation.RuntimeIdentifier})");
            var cpu = CpuFeatures.Detect();
            w.WriteLine($"CPU:          {cpu}; {Environment.ProcessorCount} logical CPUs, usable by this process: {CpuQuota.Available()}");
            w.WriteLine($"ONNX Runtime: {OrtEnv.Instance().GetVersionString()} ({(IsGpuBuild ? "GPU package: CUDA 13 + cuDNN 9 provider" : "CPU package; build with -p:BatchFcnGpu=true for CUDA")})");
            try
            {
                w.WriteLine($"libvips:      {VipsRuntime.EnsureAvailable()}, OpenSlide formats {(VipsRuntime.HasOperation("openslideload") ? "yes" : "no")}");
            }
            catch (ImageReadException e)
            {
                w.WriteLine($"libvips:      missing: {e.Message}");
            }

            w.WriteLine($"readers:      {Scanning.TileExecutor.ReaderCount(0, CpuQuota.Available())} thread(s) reading and decoding tiles beside inference (one per 4 usable CPUs; --readers sets it)");
            var selection = BackendSelector.Select(DemoCommand.ModelPath, new BackendOptions { Backend = "auto" }, logger: null);
            selection.Backend.Dispose();
            w.WriteLine($"auto chooses: {selection.Backend.Name} ({string.Join("; ", selection.Reasons)})");
            return 0;
        }));
        return command;
    }

#if BATCHFCN_GPU
    private const bool IsGpuBuild = true;
#else
    private const bool IsGpuBuild = false;
#endif
}
