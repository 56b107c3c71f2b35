using System.Diagnostics;
using BatchFcn.Imaging;
using BatchFcn.Storage;

namespace BatchFcn.Benchmarks;

/// <summary>
/// Reading a slide from a blob container (range requests through the block cache) against the same slide as a
/// local file, in one process, configurations alternated within each round: one reader and four parallel readers,
/// and the blob once more with a fixed latency added to every request. Then the per-tile storage overhead of a
/// scan (a chunk's write-once create and the existence check a re-delivered tile makes) on the account against a
/// local directory. Needs an Azure Storage connection string in BATCHFCN_TEST_AZURE_STORAGE (scripts/with-azurite.sh
/// starts Azurite and sets it).
/// </summary>
internal static class BlobReadBenchmark
{
    private const string Variable = "BATCHFCN_TEST_AZURE_STORAGE";

    public static async Task<int> RunAsync(int size, int region, string content, int rounds, int latencyMs = 10)
    {
        string? connection = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(connection))
        {
            Console.Error.WriteLine($"{Variable} is not set: run under scripts/with-azurite.sh (or give an account's connection string)");
            return 2;
        }

        using var work = new TempFolder();
        var tiff = Path.Combine(work.Path, "slide.tif");
        ReadBenchmark.WriteSlide(tiff, size, content);
        var resolver = new BlobStoreResolver(connection);
        string container = "bench-" + Guid.NewGuid().ToString("N")[..8];
        var (blob, key) = resolver.ResolveFile($"az://{container}/slide.tif");
        await using (var file = File.OpenRead(tiff))
        {
            await blob.WriteAsync(key, file);
        }

        long fileBytes = new FileInfo(tiff).Length;
        var latency = TimeSpan.FromMilliseconds(latencyMs);
        var configurations = new (string Name, int Readers, Func<MeteredStore?> Store)[]
        {
            ("local file", 1, () => null),
            ("blob", 1, () => new MeteredStore(blob, TimeSpan.Zero)),
            ($"blob +{latencyMs} ms/request", 1, () => new MeteredStore(blob, latency)),
            ("local file, 4 readers", 4, () => null),
            ("blob, 4 readers", 4, () => new MeteredStore(blob, TimeSpan.Zero)),
            ($"blob +{latencyMs} ms, 4 readers", 4, () => new MeteredStore(blob, latency)),
        };
        var results = configurations.ToDictionary(c => c.Name, _ => new List<(double Wall, double Cpu, double Server, int Requests, long Bytes)>());
        var fetchOnly = new List<(double One, double Four)>();
        for (int r = 0; r < rounds; r++)
        {
            foreach (var (name, readers, makeStore) in configurations)
            {
                var store = makeStore();
                var clock = Stopwatch.StartNew();
                double cpu = ScanBenchmark.Cpu(), server = ServerCpu();
                using (var source = store is null ? VipsImageSource.Open(tiff) : await VipsImageSource.OpenAsync(store, key))
                {
                    ReadAll(source, size, region, readers);
                }

                results[name].Add((clock.Elapsed.TotalSeconds, ScanBenchmark.Cpu() - cpu, ServerCpu() - server, store?.Requests ?? 0, store?.Bytes ?? 0));
            }

            fetchOnly.Add((await FetchAllAsync(blob, key, fileBytes, 1), await FetchAllAsync(blob, key, fileBytes, 4)));
        }

        double mpx = (double)(size / region) * (size / region) * region * region / 1e6;
        Console.WriteLine($"reading {mpx:0} Mpx of a {size}² tiled (256²) JPEG q90 BigTIFF of {content} ({fileBytes / 1e6:0.0} MB) in {region}² regions;");
        Console.WriteLine($"median of {rounds} rounds, configurations alternated; blob = the account in {Variable} (never printed), read through the block cache");
        Console.WriteLine($"{"configuration",-28}{"wall s",8}{"Mpx/s",8}{"CPU s",8}{"server CPU s",14}{"vs local",10}{"requests",10}{"MB fetched",12}");
        foreach (var (name, readers, _) in configurations)
        {
            var runs = results[name];
            double wall = Median(runs.Select(v => v.Wall)), cpu = Median(runs.Select(v => v.Cpu)), server = Median(runs.Select(v => v.Server));
            double local = Median(results[readers == 1 ? "local file" : "local file, 4 readers"].Select(v => v.Wall));
            var last = runs[^1];
            Console.WriteLine($"{name,-28}{wall,8:0.000}{mpx / wall,8:0.0}{cpu,8:0.000}{server,14:0.000}{local / wall,9:0.00}×{(last.Requests == 0 ? "-" : last.Requests.ToString()),10}{(last.Bytes == 0 ? "-" : (last.Bytes / 1e6).ToString("0.0")),12}");
        }

        Console.WriteLine($"fetching the whole blob in 1 MiB ranges, no decoding: {Median(fetchOnly.Select(f => f.One)):0.000} s one at a time, " +
            $"{Median(fetchOnly.Select(f => f.Four)):0.000} s four at a time ({fileBytes / 1e6 / Median(fetchOnly.Select(f => f.Four)):0} MB/s)");
        await ChunkOverheadAsync(blob, work.Path, rounds);
        await foreach (var k in blob.ListAsync(string.Empty))
        {
            await blob.DeleteAsync(k);
        }

        return 0;
    }

    /// <summary>Seconds to read a whole blob in 1 MiB ranges, <paramref name="parallel"/> requests at a time.</summary>
    private static async Task<double> FetchAllAsync(IBlobStore store, string key, long length, int parallel)
    {
        const int Block = 1 << 20;
        long blocks = (length + Block - 1) / Block;
        var clock = Stopwatch.StartNew();
        await Parallel.ForAsync(0L, blocks, new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (i, ct) =>
        {
            var buffer = new byte[Block];
            await store.ReadRangeAsync(key, i * Block, buffer, ct);
        });
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>CPU seconds used so far by the storage server when it runs on this machine (Azurite: a node process
    /// whose command line names it), else 0; it shares the cores with the reader.</summary>
    private static double ServerCpu()
    {
        double total = 0;
        foreach (var process in Process.GetProcessesByName("node"))
        {
            try
            {
                if (File.ReadAllText($"/proc/{process.Id}/cmdline").Contains("azurite", StringComparison.Ordinal))
                {
                    total += process.TotalProcessorTime.TotalSeconds;
                }
            }
            catch (IOException)
            {
                // gone meanwhile
            }
            finally
            {
                process.Dispose();
            }
        }

        return total;
    }

    /// <summary>Reads every region of level 0, split row-wise among <paramref name="readers"/> threads sharing the source.</summary>
    private static void ReadAll(VipsImageSource source, int size, int region, int readers)
    {
        int perSide = size / region;
        Parallel.For(0, readers, new ParallelOptions { MaxDegreeOfParallelism = readers }, reader =>
        {
            var buffer = new byte[(long)region * region * 3];
            for (int i = reader; i < perSide * perSide; i += readers)
            {
                source.ReadRegion(0, (long)(i % perSide) * region, (long)(i / perSide) * region, region, region, buffer);
            }
        });
    }

    /// <summary>Milliseconds per write-once chunk create, per existence check of a present chunk, and per lost
    /// create race (a re-delivered tile), for a 2-class 64×64 float32 chunk (32 KB).</summary>
    private static async Task ChunkOverheadAsync(IBlobStore blob, string folder, int rounds)
    {
        var local = new LocalDirectoryStore(Path.Combine(folder, "chunks"));
        var chunk = new byte[2 * 64 * 64 * 4];
        new Random(1).NextBytes(chunk);
        const int Count = 200;
        var stores = new (string Name, IBlobStore Store)[] { ("local directory", local), ("blob", blob) };
        var times = stores.ToDictionary(s => s.Name, _ => (Create: new List<double>(), Exists: new List<double>(), Lost: new List<double>()));
        for (int r = 0; r < rounds; r++)
        {
            foreach (var (name, store) in stores)
            {
                string prefix = $"scan{r}/scores.zarr/";
                var clock = Stopwatch.StartNew();
                for (int i = 0; i < Count; i++)
                {
                    await store.TryCreateAsync($"{prefix}0.{i}", chunk);
                }

                times[name].Create.Add(clock.Elapsed.TotalMilliseconds / Count);
                clock.Restart();
                for (int i = 0; i < Count; i++)
                {
                    await store.ExistsAsync($"{prefix}0.{i}");
                }

                times[name].Exists.Add(clock.Elapsed.TotalMilliseconds / Count);
                clock.Restart();
                for (int i = 0; i < Count; i++)
                {
                    await store.TryCreateAsync($"{prefix}0.{i}", chunk);
                }

                times[name].Lost.Add(clock.Elapsed.TotalMilliseconds / Count);
            }
        }

        Console.WriteLine();
        Console.WriteLine($"per-tile storage overhead, {chunk.Length / 1024} KB chunk, {Count} chunks, median of {rounds} rounds (ms per chunk)");
        Console.WriteLine($"{"store",-20}{"create",10}{"exists",10}{"lost create",13}");
        foreach (var (name, _) in stores)
        {
            var t = times[name];
            Console.WriteLine($"{name,-20}{Median(t.Create),10:0.00}{Median(t.Exists),10:0.00}{Median(t.Lost),13:0.00}");
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
