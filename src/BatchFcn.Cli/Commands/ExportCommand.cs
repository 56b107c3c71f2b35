using System.CommandLine;
using BatchFcn.Scanning;
using Microsoft.Extensions.DependencyInjection;

namespace BatchFcn.Cli.Commands;

/// <summary><c>batchfcn export &lt;scan folder&gt; --format geojson|csv</c>: a finished scan's cells and tissue mask for
/// viewers that do not read Zarr (QuPath, GIS, spreadsheets), written into the scan's folder.</summary>
internal static class ExportCommand
{
    public static Command Create(CliContext context)
    {
        var scan = new Argument<string>("scan") { Description = "The folder of a finished scan (what run's --out or submit's output named; local or az://)" };
        var format = new Option<string>("--format") { Description = "geojson (QuPath detections, default) or csv", DefaultValueFactory = _ => "geojson" };
        format.AcceptOnlyFromAmong([.. ScanExporter.Formats]);
        var storage = ResultsHost.StorageOption();
        var command = new Command("export", "Write a finished scan's cells (one square per computed cell, class probabilities as measurements) as GeoJSON or CSV, and its tissue mask as PNG and GeoJSON");
        command.Arguments.Add(scan);
        command.Options.Add(format);
        command.Options.Add(storage);
        command.SetAction((parse, token) => context.GuardAsync(async () =>
        {
            using var host = ResultsHost.Build(context, parse.GetValue(storage));
            var written = await host.Services.GetRequiredService<ScanExporter>().ExportAsync(parse.GetValue(scan)!, parse.GetValue(format)!, token).ConfigureAwait(false);
            foreach (var address in context.Quiet ? Array.Empty<string>() : written)
            {
                context.Out.WriteLine($"wrote {address}");
            }

            return 0;
        }));
        return command;
    }
}
