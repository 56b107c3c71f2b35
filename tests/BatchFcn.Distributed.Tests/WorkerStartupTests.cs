using System.Globalization;
using System.Net;
using System.Net.Sockets;
using BatchFcn.Testing;

namespace BatchFcn.Distributed.Tests;

/// <summary>A worker whose health or metrics endpoint cannot be served, or whose telemetry settings are wrong, does not
/// start (exit 2, one line naming the setting), before it takes any job; these need no broker (the endpoints open before
/// the bus connects).</summary>
public sealed class WorkerStartupTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    private static Dictionary<string, string> Environment(TempDirectory dir) => new()
    {
        ["BATCHFCN_RABBITMQ"] = "amqp://guest:guest@127.0.0.1:1/",
        ["BatchFcn__Distributed__StateFolder"] = dir.File("scans"),
        ["BatchFcn__Distributed__ResultsFolder"] = dir.File("results"),
        ["BatchFcn__Distributed__InputsFolder"] = dir.File("inputs"),
    };

    [Theory]
    [InlineData("--health-port")]
    [InlineData("--metrics-port")]
    public async Task Worker_PortInUse_DoesNotStartAndNamesThePort(string option)
    {
        using var dir = TestPaths.TempDirectory();
        using var taken = new TcpListener(IPAddress.Any, 0);
        taken.Start();
        string port = ((IPEndPoint)taken.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);

        var run = await CliProcess.RunAsync(Environment(dir), Minute, "worker", option, port);

        Assert.True(run.Code == 2, run.Output);
        Assert.Contains($"port {(option == "--health-port" ? port + " " : string.Empty)}cannot be opened", run.Output, StringComparison.Ordinal);
        Assert.Contains(option, run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Worker_SamePortForHealthAndMetrics_IsRefused()
    {
        using var dir = TestPaths.TempDirectory();
        var run = await CliProcess.RunAsync(Environment(dir), Minute, "worker", "--health-port", "18080", "--metrics-port", "18080");
        Assert.True(run.Code == 2, run.Output);
        Assert.Contains("--metrics-port and --health-port are both 18080", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Worker_OtlpEndpointNotAUrl_IsRefused()
    {
        using var dir = TestPaths.TempDirectory();
        var env = Environment(dir);
        env["OTEL_EXPORTER_OTLP_ENDPOINT"] = "not-a-url";
        var run = await CliProcess.RunAsync(env, Minute, "worker");
        Assert.True(run.Code == 2, run.Output);
        Assert.Contains("OTEL_EXPORTER_OTLP_ENDPOINT 'not-a-url' is not an http:// or https:// URL", run.Output, StringComparison.Ordinal);
    }
}
