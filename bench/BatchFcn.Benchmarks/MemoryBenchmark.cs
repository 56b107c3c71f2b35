using System.Diagnostics;
using BatchFcn.Imaging;
using BatchFcn.Inference;
using BatchFcn.Scanning;

namespace BatchFcn.Benchmarks;

/// <summary>
/// Peak memory of whole scans as the slide grows: each size is made (synthetic slide, pyramidal tiled
/// JPEG BigTIFF) and scanned with the demo classifier in a fresh child process, whose peak working set is
/// reported. Flat peaks mean nothing scales with the image.
/// </summary>
internal static class MemoryBenchmark
{
    public static int Run(string model, int[] sizes)
    {
        Console.WriteLine($"{"slide",10}{"tiles",8}{"scan s",9}{"Mpx/s",9}{"peak MB",10}");
        foreach (int size in sizes)
        {
            using var work = new TempFolder();
            var slide = Path.Combine(work.Path, "slide.tif");
            SyntheticSlide.Create(slide, size, size);
            var start = new ProcessStartInfo("dotnet", [typeof(MemoryBenchmark).Assembly.Location, "scan-one", model, slide, Path.Combine(work.Path, "out")])
            {
                RedirectStandardOutput = true,
            };
            using var child = Process.Start(start)!;
            var line = child.StandardOutput.ReadToEnd().TrimEnd();
            child.WaitForExit();
            Console.WriteLine($"{size + "²",10}{line}");
        }

        return 0;
    }

    /// <summary>The child: one scan, then "tiles seconds Mpx/s peakMB".</summary>
    public static async Task<int> ScanOneAsync(string model, string slide, string output)
    {
        var summary = await EmbeddedRun.RunAsync(slide, model, output, new ScanOptions());
        Console.WriteLine($"{summary.Tiles.Computed,8}{summary.Timings.WallSeconds,9:0.0}{summary.Timings.InputMegapixelsPerSecond,9:0.0}{Process.GetCurrentProcess().PeakWorkingSet64 / 1e6,10:0}");
        return 0;
    }
}
