using System.CommandLine;
using System.CommandLine.Invocation;
using BatchFcn.Cli.Commands;

namespace BatchFcn.Cli;

/// <summary>Builds the command tree; <see cref="Run"/> is the whole program, testable in process.</summary>
public static class CliApp
{
    /// <summary>Exit status for a user error (bad model, bad option, missing file).</summary>
    public const int UserError = 2;

    /// <summary>Exit status when a verification fails.</summary>
    public const int VerificationFailed = 3;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = new RootCommand("BatchFcn: dense score maps over gigapixel images from patch classifiers exported to ONNX.");
        var context = new CliContext(stdout, stderr) { Interactive = ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected };
        root.Subcommands.Add(ConvertCommand.Create(context));
        root.Subcommands.Add(InspectCommand.Create(context));
        root.Subcommands.Add(VerifyCommand.Create(context));
        root.Subcommands.Add(RunCommand.Create(context));
        root.Subcommands.Add(DemoCommand.Create(context));
        root.Subcommands.Add(ExportCommand.Create(context));
        root.Subcommands.Add(RenderCommand.Create(context));
        root.Subcommands.Add(InfoCommand.Create(context));
        root.Subcommands.Add(WorkerCommand.Create(context));
        root.Subcommands.Add(SubmitCommand.Create(context));
        root.Subcommands.Add(StatusCommand.Create(context));
        root.Subcommands.Add(CancelCommand.Create(context));
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Only warnings and errors (no progress, no result lines)", Recursive = true };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Also debug log lines", Recursive = true };
        root.Options.Add(quiet);
        root.Options.Add(verbose);
        var parse = root.Parse(args.Length == 0 ? ["--help"] : args);
        if (parse.Errors.Count > 0 && parse.Action is ParseErrorAction)
        {
            return UsageErrors.Write(parse, stderr);
        }

        if (parse.GetValue(quiet) && parse.GetValue(verbose))
        {
            stderr.WriteLine("error: --quiet and --verbose contradict each other; give one");
            return UsageErrors.ExitCode;
        }

        context.LogLevel = parse.GetValue(quiet) ? Microsoft.Extensions.Logging.LogLevel.Warning
            : parse.GetValue(verbose) || Environment.GetEnvironmentVariable("BATCHFCN_VERBOSE") == "1" ? Microsoft.Extensions.Logging.LogLevel.Debug
            : Microsoft.Extensions.Logging.LogLevel.Information;

        var config = new InvocationConfiguration { Output = stdout, Error = stderr };
        return parse.Invoke(config);
    }
}
