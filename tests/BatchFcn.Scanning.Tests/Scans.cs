using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BatchFcn.Scanning.Tests;

/// <summary>Runs scans the way <c>batchfcn run</c> does: the services on a generic host, options from configuration
/// (validated at start), one <see cref="EmbeddedScan"/>.</summary>
internal static class Scans
{
    public static ScanRequested Request(string image, string model, string output, ScanOptions? scan = null, OutputOptions? outputs = null) =>
        new(ScanIds.New(DateTimeOffset.UtcNow), image, model, output, scan ?? new ScanOptions(), outputs ?? new OutputOptions());

    /// <param name="request">The scan.</param>
    /// <param name="overwrite">Replace what the output folder holds.</param>
    /// <param name="progress">Progress reports.</param>
    /// <param name="log">Receives every log line.</param>
    /// <param name="settings">Configuration keys under <c>BatchFcn:</c> (e.g. <c>Node:BatchSize</c>).</param>
    /// <param name="cancellationToken">Cancels the scan.</param>
    public static async Task<ScanSummary> RunAsync(ScanRequested request, bool overwrite = false, IProgress<ScanProgress>? progress = null, ILogger? log = null,
        IDictionary<string, string?>? settings = null, CancellationToken cancellationToken = default)
    {
        using var host = Build(log, settings);
        await host.StartAsync(cancellationToken);
        try
        {
            return await host.Services.GetRequiredService<EmbeddedScan>().RunAsync(request, overwrite, progress, cancellationToken);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    public static IHost Build(ILogger? log = null, IDictionary<string, string?>? settings = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection((settings ?? new Dictionary<string, string?>()).ToDictionary(kv => "BatchFcn:" + kv.Key, kv => kv.Value));
        if (log is not null)
        {
            builder.Logging.AddProvider(new OneLogger(log));
        }

        builder.Services.AddBatchFcnStorage(builder.Configuration).AddBatchFcnScanning(builder.Configuration);
        return builder.Build();
    }

    private sealed class OneLogger(ILogger log) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => log;

        public void Dispose()
        {
        }
    }
}
