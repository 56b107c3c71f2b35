using System.CommandLine;
using BatchFcn.Scanning;

namespace BatchFcn.Cli.Commands;

/// <summary><c>batchfcn run --model M --image I --out DIR [options]</c>: a whole scan in this process.</summary>
internal static class RunCommand
{
    public static Command Create(CliContext context)
    {
        var model = new Option<string>("--model") { Description = "Converted network (with its manifest) or a classifier (converted on the fly): a path or az://container/path", Required = true };
        var image = new Option<string>("--image") { Description = "The image: tiled/pyramidal TIFF, BigTIFF, SVS/NDPI/MRXS (OpenSlide), JPEG, PNG: a path or az://container/path", Required = true };
        var output = new Option<string>("--out") { Description = "Output folder: scores.zarr, heatmap.png, summary.json (and scores.npy): a path or az://container/path", Required = true };
        var scan = new ScanArguments();
        var json = new Option<bool>("--json") { Description = "Print the summary (summary.json's content) on stdout instead of the result lines" };
        var command = new Command("run", "Scan an image with the fully convolutional network: exact tiles, stitched score map, heatmap, summary");
        command.Options.Add(model);
        command.Options.Add(image);
        command.Options.Add(output);
        scan.AddTo(command);
        command.Options.Add(json);
        command.SetAction((parse, token) => context.GuardAsync(async () =>
        {
            var summary = await ScanReport.RunAsync(context, scan, parse, parse.GetValue(image)!, parse.GetValue(model)!, parse.GetValue(output)!,
                parse.GetValue(scan.Overwrite), token).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                context.Out.WriteLine(System.Text.Json.JsonSerializer.Serialize(summary, ScanJson.Options));
            }
            else if (!context.Quiet)
            {
                ScanReport.Print(context.Out, summary);
            }

            return 0;
        }));
        return command;
    }
}
