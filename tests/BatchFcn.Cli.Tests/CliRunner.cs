using BatchFcn.Cli;

namespace BatchFcn.Cli.Tests;

/// <summary>Runs the whole CLI in process and captures what it printed.</summary>
internal static class CliRunner
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = CliApp.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
