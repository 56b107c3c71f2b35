using BatchFcn.Benchmarks;

return args switch
{
    ["convert", .. var models] when models.Length > 0 => ConversionBenchmark.Run(models, rounds: 3),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: dotnet run -c Release --project bench/BatchFcn.Benchmarks -- convert MODEL.onnx [MODEL.onnx ...]");
    return 2;
}
