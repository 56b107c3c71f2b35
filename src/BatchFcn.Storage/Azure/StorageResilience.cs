using Azure;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace BatchFcn.Storage.Azure;

/// <summary>The one place where storage operations are retried: a Polly pipeline of retry (exponential
/// backoff with jitter, transient failures only) around a per-attempt timeout. The Azure SDK's own retry is
/// set to 0 (<see cref="AzureBlobStore"/>), so an operation makes at most
/// <see cref="AzureStorageOptions.MaxAttempts"/> attempts.</summary>
internal static class StorageResilience
{
    /// <summary>Set on an operation's context when an attempt cannot be repeated (a stream that cannot rewind).</summary>
    internal static readonly ResiliencePropertyKey<bool> NotRetryable = new("BatchFcn.Storage.NotRetryable");

    /// <summary>Set on an operation's context when its attempts have no time limit (stream writes of any size).</summary>
    internal static readonly ResiliencePropertyKey<bool> NoAttemptTimeout = new("BatchFcn.Storage.NoAttemptTimeout");

    public static ResiliencePipeline Create(AzureStorageOptions options, ILogger logger, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var builder = new ResiliencePipelineBuilder { TimeProvider = timeProvider };
        if (options.MaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.BaseDelay,
                MaxDelay = options.MaxDelay,
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } e
                    && !args.Context.Properties.GetValue(NotRetryable, false)
                    && IsTransient(e, args.Context.CancellationToken)),
                OnRetry = args =>
                {
                    options.OnRetry?.Invoke();
                    StorageLog.Retrying(logger, args.Context.OperationKey ?? "operation", Summarise(args.Outcome.Exception),
                        args.AttemptNumber + 2, options.MaxAttempts, args.RetryDelay.TotalMilliseconds);
                    return default;
                },
            });
        }

        // Added after the retry, so it limits each attempt rather than the whole operation.
        builder.AddTimeout(new TimeoutStrategyOptions
        {
            TimeoutGenerator = args => ValueTask.FromResult(
                args.Context.Properties.GetValue(NoAttemptTimeout, false) ? Timeout.InfiniteTimeSpan : options.AttemptTimeout),
        });
        return builder.Build();
    }

    /// <summary>Whether a failure may go away by itself: throttling, server errors, no response at all, a
    /// connection cut mid-body, timeouts. A cancellation counts only when the caller did not ask for it.</summary>
    internal static bool IsTransient(Exception exception, CancellationToken callerToken) => exception switch
    {
        OperationCanceledException => !callerToken.IsCancellationRequested, // TaskCanceledException included
        RequestFailedException failed => failed.Status is 0 or 408 or 429 or 500 or 502 or 503 or 504,
        HttpRequestException or IOException or TimeoutException or TimeoutRejectedException => true,
        // The SDK's download stream, after resuming a cut body a few times itself, gives up with "Retry failed
        // after N tries" holding each try's IOException.
        AggregateException all => all.InnerExceptions.Count > 0 && all.InnerExceptions.All(e => IsTransient(e, callerToken)),
        _ => false,
    };

    private static string Summarise(Exception? exception) => exception switch
    {
        null => "no exception",
        RequestFailedException failed => $"{nameof(RequestFailedException)} {failed.Status} {failed.ErrorCode}",
        AggregateException { InnerExceptions.Count: > 0 } all => $"{all.InnerExceptions.Count} tries, the last {Summarise(all.InnerExceptions[^1])}",
        _ => exception.GetType().Name,
    };
}
