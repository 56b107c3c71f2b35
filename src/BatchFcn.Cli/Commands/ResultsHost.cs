using System.CommandLine;
using BatchFcn.Scanning;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BatchFcn.Cli.Commands;

/// <summary>The host of the commands that read a finished scan (<c>export</c>, <c>render</c>): storage and the scan
/// services, <c>--storage</c> for <c>az://</c> folders, log lines on stderr.</summary>
internal static class ResultsHost
{
    public static Option<string?> StorageOption() =>
        new("--storage") { Description = "Azure Storage connection string for az:// addresses (default: the BATCHFCN_STORAGE environment variable); never printed" };

    public static IHost Build(CliContext context, string? storage)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"{ScanningServiceCollectionExtensions.Section}:Storage:ConnectionString"] = storage,
        });
        builder.Logging.AddProvider(new StderrLoggerProvider(context.Error, null, context.LogLevel));
        builder.Logging.SetMinimumLevel(LogLevel.Information).AddFilter("Microsoft", LogLevel.None);
        builder.Services.AddBatchFcnStorage(builder.Configuration).AddBatchFcnScanning(builder.Configuration);
        return builder.Build();
    }
}
