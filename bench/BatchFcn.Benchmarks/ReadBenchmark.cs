using System.Diagnostics;
using BatchFcn.Imaging;
using NetVips;

namespace BatchFcn.Benchmarks;

/// <summary>
/// How fast regions of a tiled JPEG TIFF decode through <see cref="VipsImageSource"/>, per core: the reader's
/// share of a scan's CPU time. Reads the whole image in REGION² pieces, alternating libvips' own thread count
/// (1 against the default) within each round.
/// </summary>
internal static class ReadBenchmark
{
    public static int Run(int size, int region, string content, int rounds)
    {
        using var work = new TempFolder();
        var tiff = Path.Combine(work.Path, "read.tif");
        WriteSlide(tiff, size, content);

        int defaultThreads = NetVips.NetVips.Concurrency;
        var buffer = new byte[(long)region * region * 3];
        var results = new Dictionary<int, List<(double Wall, double Cpu)>> { [1] = [], [defaultThreads] = [] };
        for (int r = 0; r < rounds; r++)
        {
            foreach (int threads in results.Keys)
            {
                NetVips.NetVips.Concurrency = threads;
                using var source = VipsImageSource.Open(tiff);
                var clock = Stopwatch.StartNew();
                double cpu = ScanBenchmark.Cpu();
                for (int y = 0; y + region <= size; y += region)
                {
                    for (int x = 0; x + region <= size; x += region)
                    {
                        source.ReadRegion(0, x, y, region, region, buffer);
                    }
                }

                results[threads].Add((clock.Elapsed.TotalSeconds, ScanBenchmark.Cpu() - cpu));
            }
        }

        NetVips.NetVips.Concurrency = defaultThreads;
        double mpx = (double)(size / region) * (size / region) * region * region / 1e6;
        Console.WriteLine($"reading {mpx:0} Mpx of a {size}² tiled (256²) JPEG q90 TIFF of {content} in {region}² regions; median of {rounds} alternating rounds");
        Console.WriteLine($"{"libvips threads",-18}{"wall s",9}{"Mpx/s",9}{"CPU s",9}{"Mpx per CPU-s",15}");
        foreach (var (threads, runs) in results)
        {
            var wall = runs.Select(v => v.Wall).Order().ElementAt(runs.Count / 2);
            var cpu = runs.Select(v => v.Cpu).Order().ElementAt(runs.Count / 2);
            Console.WriteLine($"{threads,-18}{wall,9:0.000}{mpx / wall,9:0.0}{cpu,9:0.000}{mpx / cpu,15:0.0}");
        }

        return 0;
    }

    /// <summary>Writes a size² tiled (256²) JPEG q90 pyramidal BigTIFF of tissue texture or noise.</summary>
    internal static void WriteSlide(string path, int size, string content)
    {
        using var texture = content == "noise" ? NoiseTexture() : SyntheticSlide.Texture(SyntheticSlide.TextureRecipe.Tissue, seed: 2);
        int copies = (size + texture.Width - 1) / texture.Width;
        using var tiled = texture.Replicate(copies, copies);
        using var image = tiled.Crop(0, 0, size, size);
        image.Tiffsave(path, compression: Enums.ForeignTiffCompression.Jpeg, q: 90, tile: true, tileWidth: 256, tileHeight: 256, pyramid: true, bigtiff: true);
    }

    private static Image NoiseTexture()
    {
        var pixels = new byte[2048 * 2048 * 3];
        new Random(2).NextBytes(pixels);
        return Image.NewFromMemory(pixels, 2048, 2048, 3, Enums.BandFormat.Uchar);
    }

}
