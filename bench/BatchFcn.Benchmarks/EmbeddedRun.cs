using System.Globalization;
using BatchFcn.Scanning;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace BatchFcn.Benchmarks;

/// <summary>One scan as <c>batchfcn run</c> does it: the services on a generic host, node and backend settings from
/// configuration.</summary>
internal static class EmbeddedRun
{
    public static async Task<ScanSummary> RunAsync(string image, string model, string output, ScanOptions scan, string backend = "cpu", int threads = 0)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["BatchFcn:Backend:Backend"] = backend,
            ["BatchFcn:Backend:Threads"] = threads.ToString(CultureInfo.InvariantCulture),
        });
        builder.Services.AddBatchFcnStorage(builder.Configuration).AddBatchFcnScanning(builder.Configuration);
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var request = new ScanRequested(ScanIds.New(DateTimeOffset.UtcNow), image, model, output, scan, new OutputOptions());
            return await host.Services.GetRequiredService<EmbeddedScan>().RunAsync(request, overwrite: true, null, CancellationToken.None);
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
