using BatchFcn.Storage;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace BatchFcn.Distributed.Tests;

/// <summary>An in-process client of a test deployment (the same settings its worker processes get): reads scan state,
/// sends messages straight to the queues, reads outputs.</summary>
internal sealed class TestClient : IAsyncDisposable
{
    private readonly IHost host;

    private TestClient(IHost host)
    {
        this.host = host;
    }

    public ScanStateStore States => host.Services.GetRequiredService<ScanStateStore>();

    public BlobStoreResolver Stores => host.Services.GetRequiredService<BlobStoreResolver>();

    public static async Task<TestClient> StartAsync(IReadOnlyDictionary<string, string> environment)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(WorkerEnvironment.WithStorage(environment));
        builder.Services.AddBatchFcnDistributed(builder.Configuration, RabbitMqAddress.Parse(environment["BATCHFCN_RABBITMQ"]), worker: false);
        var host = builder.Build();
        await host.StartAsync();
        return new TestClient(host);
    }

    public async Task SendAsync<T>(string queue, IEnumerable<T> messages)
        where T : class
    {
        var endpoint = await host.Services.GetRequiredService<IBus>().GetSendEndpoint(ScanQueues.Address(queue));
        await endpoint.SendBatch(messages);
    }

    /// <summary>Polls a scan's state until <paramref name="done"/> holds.</summary>
    public async Task<ScanState> WaitForAsync(string scanId, Func<ScanState, bool> done, TimeSpan timeout, Func<string> context)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var state = await States.GetAsync(scanId, default);
            if (state is not null && done(state))
            {
                return state;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"scan {scanId} is {state?.Status.ToString() ?? "unknown"} after {timeout}:\n{context()}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Copies a folder of the store into a local directory.</summary>
    public async Task DownloadAsync(string address, string folder)
    {
        var store = Stores.ResolveFolder(address);
        await foreach (var key in store.ListAsync(string.Empty))
        {
            string path = Path.Combine(folder, key);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllBytesAsync(path, await store.ReadAsync(key));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
    }
}
