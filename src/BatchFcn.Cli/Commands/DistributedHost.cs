using System.CommandLine;
using BatchFcn.Distributed;
using BatchFcn.Scanning;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BatchFcn.Cli.Commands;

/// <summary>The generic host of the distributed commands (<c>worker</c>, <c>submit</c>, <c>status</c>, <c>cancel</c>):
/// configuration from <c>appsettings.json</c>, <c>BatchFcn__…</c> environment variables and the command line, the broker
/// from <c>--rabbitmq</c> or <c>BATCHFCN_RABBITMQ</c>, the storage account from <c>--storage</c> or <c>BATCHFCN_STORAGE</c>.</summary>
internal static class DistributedHost
{
    public static Option<string> RabbitMq() => new("--rabbitmq")
    {
        Description = $"RabbitMQ broker, amqp://user:password@host:5672/vhost (default: the {RabbitMqAddress.Variable} environment variable); the password is never printed",
    };

    public static Option<string> Storage() => new("--storage")
    {
        Description = "Azure Storage connection string for az:// addresses (default: the BATCHFCN_STORAGE environment variable); never printed",
    };

    /// <summary>Builds and starts the host; options are validated and the bus connected before this returns.</summary>
    public static async Task<IHost> StartAsync(CliContext context, string? rabbitmq, Dictionary<string, string?> settings, bool worker,
        CancellationToken token, bool jsonLogs = false)
    {
        var broker = RabbitMqAddress.FromOptionOrEnvironment(rabbitmq);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration
            .AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"), optional: true)
            .AddEnvironmentVariables()
            .AddInMemoryCollection(settings);
        if (worker)
        {
            if (jsonLogs)
            {
                // One JSON object per line with the message template's fields (ScanId, Tiles, …) for log collectors.
                builder.Logging.AddJsonConsole(o =>
                {
                    o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                    o.UseUtcTimestamp = true;
                });
            }
            else
            {
                builder.Logging.AddSimpleConsole(o =>
                {
                    o.SingleLine = true;
                    o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                    o.UseUtcTimestamp = true;
                });
            }
            // The host's own start failure is reported once, as the command's error, not as a stack trace in the log.
            // MassTransit's R-FAULT/R-RETRY lines carry whole stack traces; a failed job is logged once, in words, as
            // the scan failure it becomes (ScanFailures).
            builder.Logging.SetMinimumLevel(LogLevel.Information).AddFilter("MassTransit", LogLevel.Warning).AddFilter("MassTransit.ReceiveTransport", LogLevel.None)
                .AddFilter("Microsoft", LogLevel.Warning).AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
        }
        else
        {
            builder.Logging.AddProvider(new StderrLoggerProvider(context.Error, null, context.LogLevel));
            builder.Logging.SetMinimumLevel(LogLevel.Warning).AddFilter("Microsoft", LogLevel.None).AddFilter("MassTransit", LogLevel.Error);
        }

        builder.Services.AddBatchFcnDistributed(builder.Configuration, broker, worker, worker ? DemoCommand.ModelPath : null);
        if (worker || !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddBatchFcnTelemetry(builder.Configuration, scrapeEndpoint: worker);
        }
        if (!worker)
        {
            // A command waits this long for an unreachable broker (a worker, under an orchestrator, waits longer).
            builder.Services.Configure<MassTransit.MassTransitHostOptions>(o => o.StartTimeout = TimeSpan.FromSeconds(15));
        }
        var host = builder.Build();
        try
        {
            await host.StartAsync(token).ConfigureAwait(false);
        }
        catch (InvalidOperationException e)
        {
            host.Dispose();
            throw new ScanException($"configuration: {ConfigurationErrors.Explain(e)}", e);
        }
        catch (Exception e) when (e is not OperationCanceledException && e.GetType().Namespace?.StartsWith("MassTransit", StringComparison.Ordinal) == true
            || e is TimeoutException)
        {
            host.Dispose();
            throw new ScanException(Refused(e)
                ? $"RabbitMQ at {broker} refused the login: check the user name and password"
                : $"cannot connect to RabbitMQ at {broker}: {e.Message}", e);
        }

        return host;
    }

    /// <summary>Whether the broker answered but refused the credentials (RabbitMQ's ACCESS_REFUSED), as opposed to not answering.</summary>
    private static bool Refused(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner.Message.Contains("ACCESS_REFUSED", StringComparison.Ordinal)
                || inner is AggregateException many && many.InnerExceptions.Any(Refused))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Adds <c>--rabbitmq</c> and <c>--storage</c> to a command that only reads and changes scan state
    /// (<c>status</c>, <c>cancel</c>) and returns how to start its host.</summary>
    public static Func<ParseResult, CancellationToken, Task<IHost>> AddClientOptions(CliContext context, Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var rabbitmq = RabbitMq();
        var storage = Storage();
        command.Options.Add(rabbitmq);
        command.Options.Add(storage);
        return (parse, token) =>
        {
            var settings = new Dictionary<string, string?>();
            AddStorage(settings, parse, storage);
            return StartAsync(context, parse.GetValue(rabbitmq), settings, worker: false, token);
        };
    }

    /// <summary>The configuration key for the storage connection string, when given.</summary>
    public static void AddStorage(Dictionary<string, string?> settings, ParseResult parse, Option<string> storage)
    {
        if (parse.GetValue(storage) is { } connection)
        {
            settings[$"{ScanningServiceCollectionExtensions.Section}:Storage:ConnectionString"] = connection;
        }
    }
}
