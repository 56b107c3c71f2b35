using Microsoft.Extensions.Logging;

namespace BatchFcn.Cli;

/// <summary>Writes log lines to the CLI's error stream, synchronously (so they never interleave badly
/// with the progress bar). Information and above by default; Debug with BATCHFCN_VERBOSE=1.</summary>
internal sealed class StderrLogger(TextWriter error, ProgressBar? progress = null) : ILogger
{
    private static readonly bool Verbose = Environment.GetEnvironmentVariable("BATCHFCN_VERBOSE") == "1";

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= (Verbose ? LogLevel.Debug : LogLevel.Information);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        string level = logLevel switch
        {
            LogLevel.Warning => "warning: ",
            LogLevel.Error or LogLevel.Critical => "error: ",
            _ => string.Empty,
        };
        lock (error)
        {
            progress?.Clear();
            error.WriteLine(level + formatter(state, exception));
        }
    }
}
