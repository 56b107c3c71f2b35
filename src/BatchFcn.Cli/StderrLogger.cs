using Microsoft.Extensions.Logging;

namespace BatchFcn.Cli;

/// <summary>Writes log lines to the CLI's error stream, synchronously (so they never interleave badly
/// with the progress bar), from <paramref name="minimum"/> up (the command line's --quiet/--verbose).</summary>
internal sealed class StderrLogger(TextWriter error, ProgressBar? progress = null, LogLevel minimum = LogLevel.Information) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && logLevel != LogLevel.None;

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
