using System.CommandLine;
using BatchFcn.Scanning;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BatchFcn.Cli.Commands;

/// <summary>Runs a scan in this process on the generic host — configuration from <c>appsettings.json</c> (current
/// folder), <c>BatchFcn__…</c> environment variables and the command line, options validated once at start, the same
/// services a worker composes — with a progress bar, and prints its outcome.</summary>
internal static class ScanReport
{
    public static async Task<ScanSummary> RunAsync(CliContext context, ScanArguments arguments, ParseResult parse, string image, string model, string output,
        bool overwrite, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        using var bar = new ProgressBar(context.Error, context.Interactive);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration
            .AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"), optional: true)
            .AddEnvironmentVariables()
            .AddInMemoryCollection(arguments.Configuration(parse));
        builder.Logging.AddProvider(new StderrLoggerProvider(context.Error, bar, context.LogLevel));
        builder.Logging.SetMinimumLevel(LogLevel.Debug).AddFilter("Microsoft", LogLevel.None); // host start/stop chatter; its failures reach the user as errors
        builder.Services.AddBatchFcnStorage(builder.Configuration).AddBatchFcnScanning(builder.Configuration);
        using var host = builder.Build();
        try
        {
            await host.StartAsync(token).ConfigureAwait(false);
        }
        catch (InvalidOperationException e)
        {
            // The binder refuses keys no option has, and values of the wrong type.
            throw new ScanException($"configuration: {ConfigurationErrors.Explain(e)}", e);
        }

        try
        {
            var services = host.Services;
            var request = new ScanRequested(ScanIds.New(services.GetRequiredService<TimeProvider>().GetUtcNow()), image, model, output,
                services.GetRequiredService<IOptions<ScanOptions>>().Value, services.GetRequiredService<IOptions<OutputOptions>>().Value);
            return await services.GetRequiredService<EmbeddedScan>().RunAsync(request, overwrite, context.Quiet ? null : bar, token).ConfigureAwait(false);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    public static void Print(TextWriter w, ScanSummary s)
    {
        w.WriteLine($"scanned {s.Image.Width}x{s.Image.Height} px (level {s.Image.Level}) in {s.Timings.WallSeconds:0.0} s: " +
                    $"{s.Timings.InputMegapixelsPerSecond:0.0} Mpx/s on {s.Backend.Name}; {s.Tiles.Computed} of {s.Tiles.Total} tiles computed ({s.Tiles.Skipped} background skipped)");
        w.WriteLine($"  score map {s.Map.Classes}x{s.Map.Rows}x{s.Map.Cols} at stride {s.Geometry.OutputStrideY}x{s.Geometry.OutputStrideX}; " +
                    $"stages (summed, overlapping): read {s.Timings.ReadSeconds:0.0} s, preprocess {s.Timings.PreprocessSeconds:0.0} s, infer {s.Timings.InferSeconds:0.0} s, write {s.Timings.WriteSeconds:0.0} s");
        if (s.Split is { } cut)
        {
            w.WriteLine($"  network cut at '{cut.Cut}': trunk on ~{cut.TrunkTile} px tiles, the rest on ~{cut.RestTile} px tiles ({cut.WorkRatio:0.00}x the work of running it whole)");
        }

        w.WriteLine($"  scores:  {s.Outputs.Scores}");
        string? label = s.Classes.FirstOrDefault(c => c.Index == s.HeatmapClass)?.Label;
        w.WriteLine($"  heatmap: {s.Outputs.Heatmap} (class {s.HeatmapClass}{(label is null ? "" : $" '{label}'")})");
        w.WriteLine($"  summary: {s.Outputs.Summary}");
        if (s.Outputs.Npy is not null)
        {
            w.WriteLine($"  numpy:   {s.Outputs.Npy}");
        }
    }
}
