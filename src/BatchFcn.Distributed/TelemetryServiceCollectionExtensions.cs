using BatchFcn.Scanning;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace BatchFcn.Distributed;

/// <summary>Registers where a worker's traces and metrics go: BatchFcn's own (<see cref="ScanTelemetry"/>), MassTransit's
/// (so a trace follows a tile job from the send in the plan step to its completion) and the .NET runtime's (CPU time,
/// memory, GC); exported by OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set and on a Prometheus scrape endpoint
/// when <see cref="TelemetryOptions.MetricsPort"/> is set.</summary>
public static class TelemetryServiceCollectionExtensions
{
    /// <summary>The service name when <c>OTEL_SERVICE_NAME</c> names none.</summary>
    public const string DefaultServiceName = "batchfcn-worker";

    /// <summary>Adds <see cref="TelemetryOptions"/> (<c>BatchFcn:Telemetry</c>, bound strictly, validated at start) and the
    /// OpenTelemetry SDK with its exporters.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The configuration (<c>BatchFcn:Telemetry</c> and the <c>OTEL_…</c> variables).</param>
    /// <param name="scrapeEndpoint">Whether to serve the Prometheus endpoint (a worker), or only export by OTLP (a CLI
    /// command, whose spans then start the scan's trace).</param>
    public static IServiceCollection AddBatchFcnTelemetry(this IServiceCollection services, IConfiguration configuration, bool scrapeEndpoint = true)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection($"{ScanningServiceCollectionExtensions.Section}:Telemetry");
        services.AddOptions<TelemetryOptions>().Bind(section, o => o.ErrorOnUnknownConfiguration = true).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TelemetryOptions>, TelemetryOptionsValidator>());
        // Whether to add the endpoint is decided here, before options exist; its bounds are TelemetryOptionsValidator's,
        // checked at start before the endpoint opens.
        int metricsPort = scrapeEndpoint && int.TryParse(section[nameof(TelemetryOptions.MetricsPort)], out int port) && port > 0 ? port : 0;
        string? endpoint = configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        bool otlp = !string.IsNullOrWhiteSpace(endpoint);
        if (otlp && !(Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
        {
            // The SDK would silently send to localhost:4317 instead.
            services.AddOptions<TelemetryOptions>().Validate(_ => false,
                $"OTEL_EXPORTER_OTLP_ENDPOINT '{endpoint}' is not an http:// or https:// URL (e.g. http://otel-collector:4317)");
        }
        bool namedService = !string.IsNullOrWhiteSpace(configuration["OTEL_SERVICE_NAME"]);

        services.AddOpenTelemetry()
            .ConfigureResource(resource =>
            {
                if (!namedService)
                {
                    resource.AddService(DefaultServiceName, serviceInstanceId: Environment.MachineName);
                }
            })
            .WithTracing(tracing =>
            {
                tracing.AddSource(ScanTelemetry.Name, "MassTransit");
                if (otlp)
                {
                    tracing.AddOtlpExporter();
                }
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(ScanTelemetry.Name, "MassTransit", "System.Runtime");
                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }

                if (metricsPort > 0)
                {
                    metrics.AddPrometheusHttpListener(o =>
                    {
                        o.Port = metricsPort;
                        // Every interface, not only localhost: Prometheus scrapes a container from outside it.
                        o.ConfigureHttpListener = (_, listener) =>
                        {
                            listener.Prefixes.Clear();
                            listener.Prefixes.Add($"http://*:{metricsPort}/");
                        };
                    });
                }
            });
        return services;
    }
}
