using BatchFcn.Inference;
using BatchFcn.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BatchFcn.Scanning;

/// <summary>Registers the scan steps and what they need, for every hosting (the CLI's <c>run</c>, a worker).</summary>
public static class ScanningServiceCollectionExtensions
{
    /// <summary>The configuration section all BatchFcn options live under.</summary>
    public const string Section = "BatchFcn";

    /// <summary>Adds the plan, tile and finalize steps, the node's model, image and session caches, and the options
    /// <see cref="ScanOptions"/> (<c>BatchFcn:Scan</c>, the defaults of requests), <see cref="OutputOptions"/>
    /// (<c>BatchFcn:Output</c>), <see cref="NodeOptions"/> (<c>BatchFcn:Node</c>) and <see cref="BackendOptions"/>
    /// (<c>BatchFcn:Backend</c>), each bound strictly (an unknown key is an error) and validated at start.</summary>
    public static IServiceCollection AddBatchFcnScanning(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<ScanOptions>().Bind(configuration.GetSection($"{Section}:Scan"), Strict).ValidateOnStart();
        services.AddOptions<OutputOptions>().Bind(configuration.GetSection($"{Section}:Output"), Strict).ValidateOnStart();
        services.AddOptions<NodeOptions>().Bind(configuration.GetSection($"{Section}:Node"), Strict).ValidateOnStart();
        services.AddOptions<BackendOptions>().Bind(configuration.GetSection($"{Section}:Backend"), Strict).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ScanOptions>, ScanOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OutputOptions>, ScanOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<NodeOptions>, NodeOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BackendOptions>, BackendOptionsValidator>());

        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<ScanTelemetry>();
        services.TryAddSingleton<ModelRepository>();
        services.TryAddSingleton<ImageOpener>();
        services.TryAddSingleton<InferenceSessions>();
        services.TryAddSingleton<TileCalibrator>();
        services.TryAddSingleton<ScanPlanningService>();
        services.TryAddSingleton<ScanFinalizingService>();
        services.TryAddSingleton<EmbeddedScan>();
        services.TryAddSingleton<ScanExporter>();
        services.TryAddSingleton<ScanRenderer>();
        return services;
    }

    /// <summary>Adds the blob stores: local paths always, <c>az://</c> addresses with the connection string of
    /// <c>BatchFcn:Storage:ConnectionString</c>, else the <c>BATCHFCN_STORAGE</c> environment variable.</summary>
    public static IServiceCollection AddBatchFcnStorage(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddMetrics();
        services.TryAddSingleton<ScanTelemetry>();
        services.TryAddSingleton(provider =>
        {
            var telemetry = provider.GetRequiredService<ScanTelemetry>();
            return BlobStoreResolver.FromCommandLineOrEnvironment(configuration[$"{Section}:Storage:ConnectionString"],
                new Storage.Azure.AzureStorageOptions { OnRetry = () => telemetry.Retry("storage") },
                provider.GetService<ILoggerFactory>()?.CreateLogger<BlobStoreResolver>());
        });
        return services;
    }

    /// <summary>A key no option has is an error, not silently ignored (a misspelt setting would otherwise do nothing).</summary>
    private static void Strict(BinderOptions options) => options.ErrorOnUnknownConfiguration = true;
}
