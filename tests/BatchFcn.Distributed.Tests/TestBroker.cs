using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using BatchFcn.Testing;

namespace BatchFcn.Distributed.Tests;

/// <summary>A virtual host of its own on the test broker (through its management API), so tests that run at once never
/// take each other's jobs, and queues that count what the deployment publishes.</summary>
internal sealed class TestBroker : IAsyncDisposable
{
    private readonly HttpClient http;

    private TestBroker(HttpClient http, string virtualHost)
    {
        this.http = http;
        VirtualHost = virtualHost;
    }

    public string VirtualHost { get; }

    /// <summary>The broker address for this virtual host.</summary>
    public string Address => TestServices.RabbitMqAddress().TrimEnd('/') + "/" + Uri.EscapeDataString(VirtualHost);

    public static async Task<TestBroker> CreateAsync()
    {
        var http = new HttpClient { BaseAddress = TestServices.RabbitMqManagement(), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes("guest:guest")));
        string vhost = "test-" + Guid.NewGuid().ToString("N")[..12];
        (await http.PutAsync($"/api/vhosts/{vhost}", null)).EnsureSuccessStatusCode();
        (await http.PutAsJsonAsync($"/api/permissions/{vhost}/guest", new { configure = ".*", write = ".*", read = ".*" })).EnsureSuccessStatusCode();
        return new TestBroker(http, vhost);
    }

    /// <summary>Binds a new queue to the exchange MassTransit publishes <typeparamref name="T"/> to, so every one
    /// published from now on is counted by <see cref="CountAsync"/>.</summary>
    public async Task<string> CountPublishedAsync<T>()
    {
        string exchange = Uri.EscapeDataString($"{typeof(T).Namespace}:{typeof(T).Name}");
        string queue = "count-" + typeof(T).Name;
        (await http.PutAsJsonAsync($"/api/exchanges/{VirtualHost}/{exchange}", new { type = "fanout", durable = true })).EnsureSuccessStatusCode();
        (await http.PutAsJsonAsync($"/api/queues/{VirtualHost}/{queue}", new { durable = true })).EnsureSuccessStatusCode();
        (await http.PostAsJsonAsync($"/api/bindings/{VirtualHost}/e/{exchange}/q/{queue}", new { })).EnsureSuccessStatusCode();
        return queue;
    }

    /// <summary>Messages in a queue, read (and put back) through the management API rather than from its statistics,
    /// which lag by seconds; read again until two reads 2 s apart agree.</summary>
    public async Task<int> CountAsync(string queue)
    {
        int last = -1;
        for (int i = 0; i < 15; i++)
        {
            var response = await http.PostAsJsonAsync($"/api/queues/{VirtualHost}/{queue}/get", new { count = 1000, ackmode = "ack_requeue_true", encoding = "auto" });
            response.EnsureSuccessStatusCode();
            int count = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsArray().Count;
            if (count == last)
            {
                return count;
            }

            last = count;
            await Task.Delay(2000);
        }

        return last;
    }

    /// <summary>Stops the broker's application (every connection drops), waits, and starts it again.</summary>
    public static async Task RestartAsync(TimeSpan down)
    {
        await CtlAsync("stop_app");
        await Task.Delay(down);
        await CtlAsync("start_app");
    }

    private static async Task CtlAsync(string command)
    {
        string node = System.Environment.GetEnvironmentVariable("BATCHFCN_TEST_RABBITMQ_NODE")
            ?? throw new InvalidOperationException("BATCHFCN_TEST_RABBITMQ_NODE is not set; run the tests with ./build.sh test");
        string dir = System.Environment.GetEnvironmentVariable("BATCHFCN_TEST_RABBITMQ_DIR")!;
        var info = new System.Diagnostics.ProcessStartInfo("/usr/lib/rabbitmq/bin/rabbitmqctl") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-n");
        info.ArgumentList.Add(node);
        info.ArgumentList.Add(command);
        info.Environment["RABBITMQ_CONF_ENV_FILE"] = Path.Combine(dir, "rabbitmq-env.conf");
        info.Environment["HOME"] = dir;
        using var process = System.Diagnostics.Process.Start(info)!;
        string output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"rabbitmqctl {command} failed ({process.ExitCode}): {output}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await http.DeleteAsync($"/api/vhosts/{VirtualHost}");
        }
        finally
        {
            http.Dispose();
        }
    }
}
