using System.Diagnostics;
using BatchFcn.Testing;

namespace BatchFcn.Cli.Tests;

/// <summary><c>scripts/cli-changed.sh</c>, the check <c>./batchfcn</c> makes before deciding to rebuild the CLI, on a
/// tree laid out like the repository's.</summary>
public sealed class CliChangedScriptTests
{
    [Fact]
    public void CliChanged_OnlyRestoreOutputsNewer_ReportsNothing()
    {
        using var dir = Tree(out string stamp);
        // What a build or `./build.sh test` leaves behind: regenerated restore files and binaries.
        Touch(dir.File("src/BatchFcn.Cli/obj/BatchFcn.Cli.csproj.nuget.g.props"), DateTime.UtcNow);
        Touch(dir.File("src/BatchFcn.Cli/bin/Release/net10.0/Generated.cs"), DateTime.UtcNow);
        Assert.Equal("", ChangedSince(dir.Path, stamp));
    }

    [Theory]
    [InlineData("src/BatchFcn.Cli/Program.cs")]
    [InlineData("src/BatchFcn.Cli/BatchFcn.Cli.csproj")]
    [InlineData("src/OnnxRuntime.props")]
    [InlineData("Directory.Packages.props")]
    public void CliChanged_SourceNewer_ReportsIt(string source)
    {
        using var dir = Tree(out string stamp);
        Touch(dir.File(source), DateTime.UtcNow);
        Assert.Equal(dir.File(source), ChangedSince(dir.Path, stamp));
    }

    private static TempDirectory Tree(out string stamp)
    {
        var dir = TestPaths.TempDirectory();
        var old = DateTime.UtcNow.AddHours(-2);
        foreach (var file in new[] { "src/BatchFcn.Cli/Program.cs", "src/BatchFcn.Cli/BatchFcn.Cli.csproj", "src/OnnxRuntime.props",
                     "Directory.Build.props", "Directory.Packages.props", "src/BatchFcn.Cli/obj/BatchFcn.Cli.csproj.nuget.g.props" })
        {
            Touch(dir.File(file), old);
        }

        stamp = dir.File("artifacts/cli/.built");
        Touch(stamp, DateTime.UtcNow.AddHours(-1));
        return dir;
    }

    private static void Touch(string path, DateTime utc)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (!File.Exists(path))
        {
            File.WriteAllText(path, "");
        }

        File.SetLastWriteTimeUtc(path, utc);
    }

    private static string ChangedSince(string root, string stamp)
    {
        var script = Path.Combine(TestPaths.RepositoryRoot, "scripts", "cli-changed.sh");
        using var process = Process.Start(new ProcessStartInfo("bash", [script, root, stamp]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, error);
        return output.Trim();
    }
}
