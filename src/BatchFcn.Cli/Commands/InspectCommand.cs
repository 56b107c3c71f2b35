using System.CommandLine;
using System.Text.Json;
using BatchFcn.Conversion;
using BatchFcn.Scanning;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BatchFcn.Cli.Commands;

/// <summary><c>batchfcn inspect &lt;model.onnx&gt; [--patch H[xW]] [--json]</c>.</summary>
internal static class InspectCommand
{
    public static Command Create(CliContext context)
    {
        var model = new Argument<string>("model") { Description = "A classifier, or a network written by 'convert'" };
        var patch = PatchOption.Create();
        var json = new Option<bool>("--json") { Description = "Print the report as JSON" };
        var calibrate = new Option<bool>("--calibrate")
        {
            Description = "Also time the converted network on this node's backend at tile sizes from 512 px: the costs 'run' chooses tiles by (cached per model, backend, CPU and threads)",
        };
        var command = new Command("inspect", "Show a model's geometry, head, parameters, FLOPs and the tile sizes that stitch exactly");
        command.Arguments.Add(model);
        command.Options.Add(patch);
        command.Options.Add(json);
        command.Options.Add(calibrate);
        command.SetAction(parse => context.Guard(() =>
        {
            var report = ModelInspector.Inspect(parse.GetValue(model)!, PatchOption.Parse(parse.GetValue(patch)));
            if (parse.GetValue(json))
            {
                context.Out.WriteLine(JsonSerializer.Serialize(report, JsonOutput.Options));
                return 0;
            }

            Print(context.Out, report);
            if (parse.GetValue(calibrate))
            {
                PrintCalibration(context.Out, parse.GetValue(model)!);
            }

            return 0;
        }));
        return command;
    }

    /// <summary>This node's measured run costs of the converted network (measured now, or from the cache).</summary>
    private static void PrintCalibration(TextWriter w, string path)
    {
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        var services = new ServiceCollection().AddLogging();
        services.AddBatchFcnStorage(configuration).AddBatchFcnScanning(configuration);
        using var provider = services.BuildServiceProvider();
        var scanModel = provider.GetRequiredService<ModelRepository>().LoadAsync(path).GetAwaiter().GetResult();
        var costs = provider.GetRequiredService<TileCalibrator>().Get(scanModel, null, new Contracts.ScanOptions().MaxAutoTileSize, 0);
        w.WriteLine();
        w.WriteLine($"  measured on this node ({costs.Device}, backend {costs.Backend}, {costs.Threads} thread(s); " +
            $"{(costs.MeasuredSeconds > 0 ? $"measured now in {costs.MeasuredSeconds:0.0} s" : "cached")}), one run of the converted network:");
        w.WriteLine($"  {"input",12}{"seconds",10}{"Mpx/s",9}");
        foreach (var p in costs.Whole.Points)
        {
            int side = (int)Math.Sqrt(p.Pixels);
            w.WriteLine($"  {side + "x" + side,12}{p.Seconds,10:0.000}{p.Pixels / p.Seconds / 1e6,9:0.0}");
        }

        w.WriteLine($"  (larger runs are predicted over {TileCalibrator.MaxRunSeconds} s and not measured: 'run --tile 0' extrapolates them for padded networks and stays within them for padding-free ones)");
    }

    private static void Print(TextWriter w, InspectReport r)
    {
        var m = r.Manifest;
        w.WriteLine($"{r.Model}: {(r.IsConverted ? "fully convolutional network written by batchfcn" : m.AlreadyFullyConvolutional ? "already fully convolutional (no FC head)" : "classifier")} (opset {m.Opset})");
        Report.Geometry(w, m);
        w.WriteLine($"  head in the classifier: {string.Join(" → ", m.HeadBefore.DefaultIfEmpty("(none)"))}");
        w.WriteLine($"  head once converted:    {string.Join(" → ", m.HeadAfter.DefaultIfEmpty("(none)"))}");
        w.WriteLine($"  parameters: {Report.Si(m.Parameters)}");
        w.WriteLine($"  FLOPs per patch: {Report.Si(m.FlopsPerPatch)}   per output cell (dense): {Report.Si(m.FlopsPerCell)}   ratio {m.FlopsPerPatch / Math.Max(m.FlopsPerCell, 1):0.0}x");
        w.WriteLine();
        w.WriteLine("  tile sizes that stitch exactly (every kept cell's receptive field inside its tile):");
        w.WriteLine($"  {"cells/tile",12}{"tile input (px)",18}{"step (px)",12}{"overlap cost",14}");
        foreach (var t in r.TileOptions)
        {
            w.WriteLine($"  {t.CellsPerTile + "x" + t.CellsPerTile,12}{t.InputHeight + "x" + t.InputWidth,18}{(t.CellsPerTile * m.GeometryY.Stride) + "x" + (t.CellsPerTile * m.GeometryX.Stride),12}{t.OverlapCost,13:0.00}x");
        }

        w.WriteLine();
        if (r.CutPoints.Count == 0)
        {
            w.WriteLine("  cut points for 'run --split': none (the network runs whole on every tile)");
            return;
        }

        w.WriteLine("  cut points for 'run --split' (trunk on image tiles, the rest on large tiles of its output; 'auto' weighs the cut FLOPs favour by measured run times):");
        int width = Math.Max(8, r.CutPoints.Max(c => c.Tensor.Length) + 2);
        w.WriteLine($"  {"tensor".PadRight(width)}{"channels",9}{"stride",8}{"trunk RF",10}{"rest RF",9}{"trunk mem",11}{"rest mem",10}{"trunk FLOPs",13}");
        foreach (var c in r.CutPoints)
        {
            w.WriteLine($"  {c.Tensor.PadRight(width)}{c.Channels,9}{c.TrunkStride,8}{c.TrunkReceptiveField,10}{c.RestReceptiveField,9}{c.TrunkFloatsPerPixel,11:0.00}{c.RestFloatsPerPixel,10:0.00}{c.TrunkFlopsShare,12:0%}");
        }

        w.WriteLine("  (RF in image pixels; mem = floats of the largest map per image pixel)");
    }
}
