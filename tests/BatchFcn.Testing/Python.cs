using System.Diagnostics;

namespace BatchFcn.Testing;

/// <summary>Runs Debian's Python (with the libraries ./build.sh test installs) on a script of the repository, the way a
/// user reads BatchFcn's outputs.</summary>
public static class Python
{
    /// <summary>Debian's interpreter where it exists (a pyenv or venv python3 first on PATH lacks Debian's packages).</summary>
    public static string Interpreter => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    /// <summary>Runs <paramref name="script"/> and returns its standard output.</summary>
    /// <exception cref="InvalidOperationException">Python is missing, or the script failed (its standard error is in the message).</exception>
    public static string Run(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo(Interpreter) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {Interpreter}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"{Interpreter} is missing: ./build.sh test installs Debian's python3-zarr", e);
        }

        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(120_000))
            {
                process.Kill(entireProcessTree: true);
                throw new InvalidOperationException($"{Path.GetFileName(script)} did not finish in 2 minutes");
            }

            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException(
                    $"{Interpreter} {Path.GetFileName(script)} exited {process.ExitCode} (./build.sh test installs Debian's python3-zarr): {stderr.Result}");
            }

            return stdout;
        }
    }
}
