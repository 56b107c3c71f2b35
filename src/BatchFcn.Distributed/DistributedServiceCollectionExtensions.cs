using BatchFcn.Inference;
using BatchFcn.Scanning;
using BatchFcn.Storage;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace BatchFcn.Distributed;

/// <summary>Registers the distributed hosting: the bus on RabbitMQ, the scan state, and (for a worker) the consumers of
/// the plan, tile and fault queues and the reconciler.</summary>
public static class DistributedServiceCollectionExtensions
{
    /// <summary>Adds what every host of a deployment shares: <see cref="DistributedOptions"/> (<c>BatchFcn:Distributed</c>,
    /// bound strictly, validated at start), the state store, the scan steps and stores, and a MassTransit bus on
    /// <paramref name="broker"/>; with <paramref name="worker"/>, the consumers and the reconciler too.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The configuration (sections under <c>BatchFcn</c>).</param>
    /// <param name="broker">The RabbitMQ broker.</param>
    /// <param name="worker">Whether this host consumes jobs (a worker) or only submits and reads state (the CLI).</param>
    /// <param name="probeModel">For a worker: a small model whose session on the node's backend makes it ready (none: readiness
    /// does not check the backend).</param>
    public static IServiceCollection AddBatchFcnDistributed(this IServiceCollection services, IConfiguration configuration, RabbitMqAddress broker, bool worker,
        string? probeModel = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(broker);
        services.AddBatchFcnStorage(configuration).AddBatchFcnScanning(configuration);
        services.AddOptions<DistributedOptions>()
            .Bind(configuration.GetSection($"{ScanningServiceCollectionExtensions.Section}:Distributed"), o => o.ErrorOnUnknownConfiguration = true)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DistributedOptions>, DistributedOptionsValidator>());
        services.TryAddSingleton(provider => new ScanStateStore(
            provider.GetRequiredService<BlobStoreResolver>().ResolveFolder(provider.GetRequiredService<IOptions<DistributedOptions>>().Value.StateFolder),
            provider.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<ScanFailures>();
        services.TryAddSingleton<ScanSubmitter>();
        if (worker)
        {
            services.AddHostedService<StateFolderStartupCheck>(); // registered before the bus, so it runs before jobs are taken
            services.TryAddSingleton<NodeTileRunner>();
            services.TryAddSingleton<TileRecorder>();
            services.TryAddSingleton<ScanStateCache>();
            services.TryAddSingleton<ScanCompletion>();
            services.AddHostedService<ScanReconciler>();
            var health = services.AddHealthChecks().AddCheck<StateFolderHealthCheck>("scan-state-folder", tags: ["ready"]);
            if (probeModel is not null)
            {
                services.TryAddSingleton(new BackendProbeModel(probeModel));
                services.TryAddSingleton<BackendHealthCheck>(); // one probe per process, not one per readiness check
                health.AddCheck<BackendHealthCheck>("backend", tags: ["ready"]);
            }

            services.AddHostedService<WorkerHealthEndpoint>();
            services.AddHostedService<WorkerGauges>();
        }

        services.Configure<MassTransitHostOptions>(o =>
        {
            o.WaitUntilStarted = true;
            o.StartTimeout = TimeSpan.FromSeconds(60);
            o.StopTimeout = TimeSpan.FromSeconds(60);
        });
        services.AddMassTransit(x =>
        {
            x.DisableUsageTelemetry(); // it would call out to the internet
            if (worker)
            {
                x.AddConsumer<ScanRequestedConsumer>();
                x.AddConsumer<TileJobConsumer>();
                x.AddConsumer<ScanFaultConsumer>();
            }

            x.UsingRabbitMq((context, bus) =>
            {
                bus.Host(broker.Host, (ushort)broker.Port, broker.VirtualHost, h =>
                {
                    h.Username(broker.User);
                    h.Password(broker.Password);
                    if (broker.UseTls)
                    {
                        h.UseSsl(s => s.ServerName = broker.Host);
                    }
                });
                if (!worker)
                {
                    return;
                }

                int concurrency = ConcurrentTiles(context.GetRequiredService<IOptions<DistributedOptions>>().Value,
                    context.GetRequiredService<IOptions<NodeOptions>>().Value, context.GetRequiredService<IOptions<BackendOptions>>().Value);
                bus.ReceiveEndpoint(ScanQueues.Scans, e =>
                {
                    e.PrefetchCount = 1; // planning is one image at a time; let other workers take the next scan
                    e.UseMessageRetry(r => Retry(r));
                    e.ConfigureConsumer<ScanRequestedConsumer>(context);
                });
                bus.ReceiveEndpoint(ScanQueues.Tiles, e =>
                {
                    e.PrefetchCount = concurrency;
                    e.ConcurrentMessageLimit = concurrency;
                    e.UseMessageRetry(r => Retry(r));
                    e.ConfigureConsumer<TileJobConsumer>(context);
                });
                bus.ReceiveEndpoint(ScanQueues.Faults, e =>
                {
                    e.PrefetchCount = 4;
                    e.UseMessageRetry(r => r.Intervals(500, 2000, 5000));
                    e.ConfigureConsumer<ScanFaultConsumer>(context);
                });
            });
        });
        return services;
    }

    /// <summary>The jobs a node holds at once: <see cref="DistributedOptions.ConcurrentTiles"/>, or from its hardware.</summary>
    public static int ConcurrentTiles(DistributedOptions options, NodeOptions node, BackendOptions backend)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(backend);
        if (options.ConcurrentTiles > 0)
        {
            return options.ConcurrentTiles;
        }

        return backend.Backend == "cuda" ? 8 : Math.Max(2, 2 * TileExecutor.ReaderCount(node.Readers, CpuQuota.Available()));
    }

    /// <summary>The retry owner for a whole job: a few quick tries for what may pass in the tile step itself (a node short
    /// of memory, its executor stopped by another job's failure). Not for permanent failures, and not for storage
    /// failures, which the store's own retry pipeline has already retried (retries must not nest). No delayed
    /// redelivery: it needs a broker plugin Debian's RabbitMQ lacks.</summary>
    private static void Retry(IRetryConfigurator r)
    {
        r.Intervals(1000, 5000, 15000);
        r.Ignore(FailureKinds.Permanent);
        r.Ignore(typeof(StorageUnavailableException));
    }
}
