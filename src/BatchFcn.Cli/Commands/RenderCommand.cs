using System.CommandLine;
using BatchFcn.Imaging;
using BatchFcn.Scanning;
using Microsoft.Extensions.DependencyInjection;

namespace BatchFcn.Cli.Commands;

/// <summary><c>batchfcn render &lt;scan folder&gt; [--class NAME|N …] [--threshold X] [--alpha A]</c>: heatmaps redrawn
/// from an existing <c>scores.zarr</c>, one PNG per class.</summary>
internal static class RenderCommand
{
    public static Command Create(CliContext context)
    {
        var scan = new Argument<string>("scan") { Description = "The folder of a scan (what run's --out or submit's output named; local or az://)" };
        var classes = new Option<string[]>("--class") { Description = "A class to draw, by name or index; repeat for several (default: the scan's heatmap class)", AllowMultipleArgumentsPerToken = true };
        var threshold = new Option<float>("--threshold") { Description = "Leave cells below this probability uncoloured (default 0: colour every computed cell)" };
        var alpha = new Option<float>("--alpha") { Description = "Opacity of the colours over the image, 0 to 1 (default 0.6)", DefaultValueFactory = _ => 0.6f };
        var storage = ResultsHost.StorageOption();
        var command = new Command("render", "Redraw heatmaps from a scan's scores.zarr without scanning again: heatmap-<class>.png per class, with threshold and opacity");
        command.Arguments.Add(scan);
        command.Options.Add(classes);
        command.Options.Add(threshold);
        command.Options.Add(alpha);
        command.Options.Add(storage);
        command.SetAction((parse, token) => context.GuardAsync(async () =>
        {
            using var host = ResultsHost.Build(context, parse.GetValue(storage));
            var style = new HeatmapStyle(null, parse.GetValue(threshold), parse.GetValue(alpha));
            var written = await host.Services.GetRequiredService<ScanRenderer>()
                .RenderAsync(parse.GetValue(scan)!, parse.GetValue(classes) ?? [], style, token).ConfigureAwait(false);
            foreach (var address in context.Quiet ? Array.Empty<string>() : written)
            {
                context.Out.WriteLine($"wrote {address}");
            }

            return 0;
        }));
        return command;
    }
}
