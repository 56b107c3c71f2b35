using System.Diagnostics;
using BatchFcn.Conversion;

namespace BatchFcn.Benchmarks;

/// <summary>
/// Times each stage of converting large classifiers (load, convert, save, hash) and reports peak memory
/// against the model's size. Models alternate within each round (A B C A B C …) so a noisy machine
/// affects all alike; medians are reported.
/// </summary>
internal static class ConversionBenchmark
{
    public static int Run(string[] models, int rounds)
    {
        var times = models.ToDictionary(m => m, _ => new List<double[]>());
        for (int r = 0; r < rounds; r++)
        {
            foreach (var path in models)
            {
                var clock = Stopwatch.StartNew();
                var model = OnnxModelFile.Load(path);
                double load = clock.Elapsed.TotalSeconds;
                var result = FcnConverter.Convert(model);
                double convert = clock.Elapsed.TotalSeconds - load;
                var output = Path.Combine(Path.GetTempPath(), "batchfcn-bench-" + Path.GetFileName(path));
                OnnxModelFile.Save(result.Model, output);
                double save = clock.Elapsed.TotalSeconds - load - convert;
                _ = ModelManifest.Sha256Of(path);
                double hash = clock.Elapsed.TotalSeconds - load - convert - save;
                times[path].Add([load, convert, save, hash, clock.Elapsed.TotalSeconds]);
                File.Delete(output);
                model = null;
                result = null;
                GC.Collect();
            }
        }

        Console.WriteLine($"conversion of large classifiers, median of {rounds} alternating rounds; peak working set of the whole run");
        Console.WriteLine($"{"model",-16}{"size MB",9}{"load s",9}{"convert s",11}{"save s",9}{"hash s",9}{"total s",9}");
        foreach (var path in models)
        {
            double Median(int i) => times[path].Select(t => t[i]).Order().ElementAt(rounds / 2);
            Console.WriteLine($"{Path.GetFileNameWithoutExtension(path),-16}{new FileInfo(path).Length / 1e6,9:0.0}{Median(0),9:0.00}{Median(1),11:0.00}{Median(2),9:0.00}{Median(3),9:0.00}{Median(4),9:0.00}");
        }

        long largest = models.Max(m => new FileInfo(m).Length);
        long peak = Process.GetCurrentProcess().PeakWorkingSet64;
        Console.WriteLine($"peak working set {peak / 1e6:0} MB = {peak / (double)largest:0.00} x the largest model ({largest / 1e6:0} MB)");
        return 0;
    }
}
