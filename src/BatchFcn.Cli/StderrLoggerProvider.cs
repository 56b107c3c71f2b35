using Microsoft.Extensions.Logging;

namespace BatchFcn.Cli;

/// <summary>The CLI's console logging: every category to <see cref="StderrLogger"/>, which keeps lines clear of the
/// progress bar.</summary>
internal sealed class StderrLoggerProvider(TextWriter error, ProgressBar? progress, LogLevel minimum = LogLevel.Information) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new StderrLogger(error, progress, minimum);

    public void Dispose()
    {
    }
}
