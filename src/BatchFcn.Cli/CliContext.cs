using BatchFcn.Conversion;
using BatchFcn.Imaging;
using BatchFcn.Inference;
using BatchFcn.Scanning;

namespace BatchFcn.Cli;

/// <summary>Where commands write, and the one place user errors become a message and an exit status.</summary>
public sealed class CliContext(TextWriter stdout, TextWriter stderr)
{
    public TextWriter Out { get; } = stdout;

    public TextWriter Error { get; } = stderr;

    /// <summary>Whether the error stream is a terminal (progress redrawn in place).</summary>
    public bool Interactive { get; init; }

    /// <summary>The least severe log line shown on stderr: Information by default, Warning with <c>--quiet</c> (which also
    /// hides progress and result lines), Debug with <c>--verbose</c> (or <c>BATCHFCN_VERBOSE=1</c>).</summary>
    public Microsoft.Extensions.Logging.LogLevel LogLevel { get; set; } = Microsoft.Extensions.Logging.LogLevel.Information;

    /// <summary>Whether <c>--quiet</c> was given: only warnings and errors.</summary>
    public bool Quiet => LogLevel >= Microsoft.Extensions.Logging.LogLevel.Warning;

    /// <summary>The async form of <see cref="Guard"/>.</summary>
    /// <param name="body">The command.</param>
    /// <param name="cancelled">What to say when the user interrupts it (default: what <c>run</c> leaves behind).</param>
    public async Task<int> GuardAsync(Func<Task<int>> body, string? cancelled = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Error.WriteLine(cancelled ?? "cancelled: the chunks written so far are complete; run the same command again to resume (or add --overwrite to start over)");
            return 130;
        }
        catch (Exception e) when (IsUserError(e))
        {
            Error.WriteLine($"error: {e.Message}");
            return CliApp.UserError;
        }
    }

    private static bool IsUserError(Exception e) =>
        e is ConversionException or ScanException or ImageReadException or IOException or UnauthorizedAccessException or ArgumentException
            or BackendUnavailableException or Microsoft.Extensions.Options.OptionsValidationException or Storage.BlobNotFoundException or FormatException;

    /// <summary>Runs a command body; errors a user can cause print one line and return <see cref="CliApp.UserError"/>.</summary>
    public int Guard(Func<int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            return body();
        }
        catch (Exception e) when (IsUserError(e))
        {
            Error.WriteLine($"error: {e.Message}");
            return CliApp.UserError;
        }
    }
}
