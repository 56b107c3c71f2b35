using System.Globalization;
using BatchFcn.Benchmarks;

return args switch
{
    ["convert", .. var models] when models.Length > 0 => ConversionBenchmark.Run(models, rounds: 3),
    ["scan", var model, var region, var cropRegion, var pipelineRegion, .. var rest] => await ScanBenchmark.RunAsync(model, Int(region), Int(cropRegion),
        Int(pipelineRegion), rounds: 3, threads: rest.Length > 0 ? Int(rest[0]) : 0, backend: rest.Length > 1 ? rest[1] : "cpu",
        content: rest.Length > 2 ? rest[2] : "noise"),
    ["memory", var model, .. var sizes] when sizes.Length > 0 => MemoryBenchmark.Run(model, [.. sizes.Select(Int)]),
    ["read", var size, var region, .. var rest] => ReadBenchmark.Run(Int(size), Int(region), rest.Length > 0 ? rest[0] : "tissue", rounds: 3),
    ["blob-read", var size, var region, .. var rest] => await BlobReadBenchmark.RunAsync(Int(size), Int(region), rest.Length > 0 ? rest[0] : "tissue", rounds: 3),
    ["scan-one", var model, var slide, var output] => await MemoryBenchmark.ScanOneAsync(model, slide, output),
    _ => Usage(),
};

static int Int(string s) => int.Parse(s, CultureInfo.InvariantCulture);

static int Usage()
{
    Console.Error.WriteLine("""
        usage: dotnet run -c Release --project bench/BatchFcn.Benchmarks -- COMMAND
          convert MODEL.onnx [...]                  conversion time and memory of large classifiers
          scan CLASSIFIER.onnx REGION CROPREGION PIPELINEREGION [THREADS [BACKEND [CONTENT]]]   (THREADS 0 = CPU limit; BACKEND cpu|cuda|auto;
                                                    CONTENT noise (JPEG's worst case) or tissue (the demo's stained-tissue texture))
                                                    (1) crops vs (2) whole-region FCN vs (3) run pipeline
          memory CLASSIFIER.onnx SIZE [SIZE ...]    peak memory of whole scans as the slide grows
          read SIZE REGION [CONTENT]                decoding rate of a tiled JPEG TIFF, libvips on 1 thread vs its default
          blob-read SIZE REGION [CONTENT]           the same TIFF from a blob container vs the local file (1 and 4 readers, +10 ms/request),
                                                    and per-chunk storage overhead; run under scripts/with-azurite.sh
        """);
    return 2;
}
