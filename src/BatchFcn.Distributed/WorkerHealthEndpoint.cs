using System.Net;
using System.Text;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BatchFcn.Distributed;

/// <summary>
/// A worker's health over HTTP on <see cref="DistributedOptions.HealthPort"/> (0: off), for container probes:
/// <c>GET /healthz/live</c> answers 200 while the process runs; <c>GET /healthz/ready</c> answers 200 when the health
/// checks pass (the bus connected to RabbitMQ, the scan state folder readable, the backend loaded), else 503 with what failed. The
/// answers never hold an address with a secret.
/// </summary>
public sealed partial class WorkerHealthEndpoint(HealthCheckService checks, IOptions<DistributedOptions> options, ILogger<WorkerHealthEndpoint> logger)
    : BackgroundService
{
    private HttpListener? listener;

    /// <summary>Opens the port before the worker takes jobs: a port it cannot open stops the worker from starting (an
    /// orchestrator's probes would otherwise fail and restart it with the cause in one log line).</summary>
    /// <exception cref="InvalidOperationException">The port cannot be opened (in use, not allowed).</exception>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        int port = options.Value.HealthPort;
        if (port != 0)
        {
            var opened = new HttpListener();
            opened.Prefixes.Add($"http://*:{port}/");
            try
            {
                opened.Start();
            }
            catch (HttpListenerException e)
            {
                ((IDisposable)opened).Dispose();
                throw new InvalidOperationException(
                    $"the health port {port} cannot be opened ({e.Message}); choose another with --health-port or BatchFcn:Distributed:HealthPort", e);
            }

            listener = opened;
            LogListening(logger, port);
        }

        return base.StartAsync(cancellationToken);
    }

    public override void Dispose()
    {
        ((IDisposable?)listener)?.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (listener is null)
        {
            return;
        }

        using var stop = stoppingToken.Register(listener.Stop);
        while (!stoppingToken.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                break; // stopped
            }

            await AnswerAsync(context, stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task AnswerAsync(HttpListenerContext context, CancellationToken cancellationToken)
    {
        using var response = context.Response;
        (int status, string body) = context.Request.Url?.AbsolutePath switch
        {
            "/healthz/live" => (200, "live"),
            "/healthz/ready" => await ReadyAsync(cancellationToken).ConfigureAwait(false),
            _ => (404, "try /healthz/live or /healthz/ready"),
        };
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        var bytes = Encoding.UTF8.GetBytes(body + "\n");
        await response.OutputStream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
    }

    private async Task<(int, string)> ReadyAsync(CancellationToken cancellationToken)
    {
        var report = await checks.CheckHealthAsync(cancellationToken).ConfigureAwait(false);
        string details = string.Join("; ", report.Entries.Select(e => $"{e.Key}: {e.Value.Status}{(e.Value.Description is { Length: > 0 } d ? $" ({d})" : string.Empty)}"));
        return report.Status == HealthStatus.Healthy ? (200, "ready; " + details) : (503, "not ready; " + details);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Health endpoint on port {Port}: /healthz/live, /healthz/ready")]
    private static partial void LogListening(ILogger logger, int port);

}
