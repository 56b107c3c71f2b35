using System.Diagnostics;
using System.Text;
using BatchFcn.Testing;

namespace BatchFcn.Distributed.Tests;

/// <summary>The built CLI (<c>src/BatchFcn.Cli/bin/&lt;configuration&gt;/net10.0/batchfcn.dll</c>) run as a child process with
/// its own environment, as a deployment runs workers: output captured, stopped with SIGTERM (or killed) on dispose.</summary>
internal sealed class CliProcess : IDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private CliProcess(Process process)
    {
        this.process = process;
    }

    public static string Dll
    {
        get
        {
            // The tests run from tests/<project>/bin/<configuration>/net10.0: the CLI was built with the same configuration.
            string configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
            string dll = Path.Combine(TestPaths.RepositoryRoot, "src", "BatchFcn.Cli", "bin", configuration, "net10.0", "batchfcn.dll");
            return File.Exists(dll) ? dll : throw new InvalidOperationException($"{dll} is missing: build the solution first (./build.sh build)");
        }
    }

    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    public bool HasExited => process.HasExited;

    public int ExitCode => process.ExitCode;

    public static CliProcess Start(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info };
        var cli = new CliProcess(process);
        process.OutputDataReceived += (_, e) => cli.Append(e.Data);
        process.ErrorDataReceived += (_, e) => cli.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return cli;
    }

    /// <summary>Runs a command to its end.</summary>
    public static async Task<(int Code, string Output)> RunAsync(IReadOnlyDictionary<string, string> environment, TimeSpan timeout, params string[] args)
    {
        using var cli = Start(environment, args);
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await cli.process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            cli.process.Kill(entireProcessTree: true);
            throw new TimeoutException($"batchfcn {string.Join(' ', args)} ran past {timeout}; its output:\n{cli.Output}");
        }

        cli.process.WaitForExit(); // the output's last lines
        return (cli.process.ExitCode, cli.Output);
    }

    /// <summary>Waits until the output holds <paramref name="text"/>.</summary>
    public async Task WaitForAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"'{text}' did not appear (exited: {process.HasExited}); output:\n{Output}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Sends SIGTERM, as Kubernetes does, and waits for the exit.</summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        if (!process.HasExited)
        {
            _ = Kill(process.Id, 15);
            using var cancel = new CancellationTokenSource(timeout);
            await process.WaitForExitAsync(cancel.Token);
        }

        process.WaitForExit();
        return process.ExitCode;
    }

    /// <summary>SIGKILL: the process dies at once, mid-tile.</summary>
    public void KillHard() => process.Kill(entireProcessTree: true);

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
