using BatchFcn.Conversion;

namespace BatchFcn.Cli;

/// <summary>Where commands write, and the one place user errors become a message and an exit status.</summary>
public sealed class CliContext(TextWriter stdout, TextWriter stderr)
{
    public TextWriter Out { get; } = stdout;

    public TextWriter Error { get; } = stderr;

    /// <summary>Runs a command body; errors a user can cause print one line and return <see cref="CliApp.UserError"/>.</summary>
    public int Guard(Func<int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            return body();
        }
        catch (ConversionException e)
        {
            Error.WriteLine($"error: {e.Message}");
            return CliApp.UserError;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            Error.WriteLine($"error: {e.Message}");
            return CliApp.UserError;
        }
    }
}
