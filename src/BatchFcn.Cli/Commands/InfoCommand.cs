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
        var json = new Option<bool>("--json") { Description = "The same as one JSON object" };
        var command = new Command("info", "Show the hardware found and the backend that 'auto' would choose, and why");
        command.Options.Add(json);
        command.SetAction(parse => context.Guard(() =>
        {
            var cpu = CpuFeatures.Detect();
            string version = typeof(InfoCommand).Assembly.GetName().Version?.ToString() ?? "?";
            string ort = OrtEnv.Instance().GetVersionString();
            string? vips = null, vipsProblem = null;
            try
            {
                vips = VipsRuntime.EnsureAvailable();
            }
            catch (ImageReadException e)
            {
                vipsProblem = e.Message;
            }

            bool openSlide = vips is not null && VipsRuntime.HasOperation("openslideload");
            int readers = Scanning.TileExecutor.ReaderCount(0, CpuQuota.Available());
            var selection = BackendSelector.Select(DemoCommand.ModelPath, new BackendOptions { Backend = "auto" }, logger: null);
            selection.Backend.Dispose();
            var w = context.Out;
            if (parse.GetValue(json))
            {
                w.WriteLine(System.Text.Json.JsonSerializer.Serialize(new
                {
                    version,
                    dotnet = Environment.Version.ToString(),
                    runtime = RuntimeInformation.RuntimeIdentifier,
                    cpu = new { description = cpu.ToString(), avx2 = cpu.Avx2, logicalCpus = Environment.ProcessorCount, usableCpus = CpuQuota.Available() },
                    onnxRuntime = new { version = ort, gpuPackage = IsGpuBuild },
                    libvips = new { version = vips, openSlide, problem = vipsProblem },
                    readers,
                    auto = new { backend = selection.Backend.Name, reasons = selection.Reasons },
                }, JsonOutput.Options));
                return 0;
            }

            w.WriteLine($"BatchFcn {version} on .NET {Environment.Version} ({RuntimeInformation.RuntimeIdentifier})");
            w.WriteLine($"CPU:          {cpu}; {Environment.ProcessorCount} logical CPUs, usable by this process: {CpuQuota.Available()}");
            w.WriteLine($"ONNX Runtime: {ort} ({(IsGpuBuild ? "GPU package: CUDA 13 + cuDNN 9 provider" : "CPU package; build with -p:BatchFcnGpu=true for CUDA")})");
            w.WriteLine(vips is not null ? $"libvips:      {vips}, OpenSlide formats {(openSlide ? "yes" : "no")}" : $"libvips:      missing: {vipsProblem}");
            w.WriteLine($"readers:      {readers} thread(s) reading and decoding tiles beside inference (one per 4 usable CPUs; --readers sets it)");
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
