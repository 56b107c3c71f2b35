namespace BatchFcn.Distributed;

/// <summary>Where a worker's telemetry goes. Configuration section <c>BatchFcn:Telemetry</c>; checked by
/// <see cref="TelemetryOptionsValidator"/> at start. Traces and metrics also go to an OpenTelemetry collector when the
/// standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> environment variable is set (with <c>OTEL_SERVICE_NAME</c>,
/// <c>OTEL_RESOURCE_ATTRIBUTES</c> and the other <c>OTEL_…</c> variables as the OpenTelemetry SDK reads them).</summary>
public sealed record TelemetryOptions
{
    /// <summary>The port of the Prometheus scrape endpoint (<c>GET /metrics</c>); 0 turns it off.</summary>
    /// <value>The default is 0 (off); containers set 9464.</value>
    public int MetricsPort { get; init; }
}
