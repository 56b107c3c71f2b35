using Microsoft.Extensions.Logging;

namespace BatchFcn.Storage.Azure;

/// <summary>The storage layer's log messages. They name the operation, the object (an <c>az://</c> address)
/// and the failure's type and status, never a connection string or key.</summary>
internal static partial class StorageLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning,
        Message = "Storage {Operation} failed ({Failure}); attempt {NextAttempt} of {MaxAttempts} in {DelayMs:F0} ms")]
    public static partial void Retrying(ILogger logger, string operation, string failure, int nextAttempt, int maxAttempts, double delayMs);
}
