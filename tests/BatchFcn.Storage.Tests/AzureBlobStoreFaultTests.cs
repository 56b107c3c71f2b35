using Azure;
using Azure.Core;
using BatchFcn.Storage.Azure;
using BatchFcn.Testing;

namespace BatchFcn.Storage.Tests;

/// <summary>Retries through the one Polly pipeline, against Azurite with faults injected into the SDK's HTTP
/// pipeline: transient failures are retried (and re-issue a whole range read), permanent ones are not.</summary>
[RequiresAzurite]
public sealed class AzureBlobStoreFaultTests : IAsyncLifetime
{
    private const string Key = "tiles/slide.bin";
    private static readonly byte[] Content = MakeContent(1 << 20);
    private readonly string containerName = AzuriteContainers.NewName();
    private readonly RecordingLogger logger = new();

    public async Task InitializeAsync() =>
        await AzureBlobStore.Create(TestServices.AzureConnectionString(), containerName).WriteAsync(Key, Content);

    public Task DisposeAsync() => AzuriteContainers.DeleteAsync(containerName);

    [ServiceFact]
    public async Task ReadRange_FailuresBeforeResponse_RetriedUntilRightBytes()
    {
        var faults = new FaultInjectionPolicy { FailRequests = 2 };
        var buffer = new byte[300_000];
        Assert.Equal(buffer.Length, await Store(faults).ReadRangeAsync(Key, 100_000, buffer));
        Assert.Equal(Content.AsSpan(100_000, buffer.Length).ToArray(), buffer);
        Assert.Equal(3, faults.Requests); // the failures + 1: the SDK's own retry is off
        Assert.Equal(2, Retries);
    }

    [ServiceFact]
    public async Task ReadRange_ConnectionCutMidBody_ReturnsRightBytes()
    {
        // The SDK resumes a cut body itself, from the byte it reached, a fixed few times (5); more cuts than
        // that reach the pipeline as an IOException, which re-issues the whole range.
        var faults = new FaultInjectionPolicy { CutDownloads = 8, CutAfterBytes = 20_000 };
        var buffer = new byte[300_000];
        Assert.Equal(buffer.Length, await Store(faults).ReadRangeAsync(Key, 100_000, buffer));
        Assert.Equal(Content.AsSpan(100_000, buffer.Length).ToArray(), buffer);
        Assert.Equal(9, faults.Downloads); // every cut download was followed by exactly one more request
        Assert.Equal(1, Retries);          // 6 requests in the first attempt (1 + 5 resumes), 3 in the second
        Assert.Contains(logger.Messages, m => m.Contains("read-range az://", StringComparison.Ordinal) && m.Contains("IOException", StringComparison.Ordinal));
    }

    [ServiceFact]
    public async Task Read_ConnectionCutMidBody_ReturnsRightBytes()
    {
        var faults = new FaultInjectionPolicy { CutDownloads = 7, CutAfterBytes = 50_000 };
        var store = Store(faults);
        Assert.Equal(Content, await store.ReadAsync(Key));
        Assert.Equal(8, faults.Downloads);
        var buffer = new byte[Content.Length + 10];
        Assert.Equal(Content.Length, await store.ReadAsync(Key, buffer));
        Assert.Equal(Content, buffer[..Content.Length]);
    }

    [ServiceFact]
    public async Task Write_FailuresBeforeResponse_RetriedAndWritten()
    {
        var faults = new FaultInjectionPolicy { FailRequests = 3 };
        var store = Store(faults);
        await store.WriteAsync("w", new byte[] { 1, 2, 3 }); // first write: container check (1 request) + upload
        Assert.Equal([1, 2, 3], await store.ReadAsync("w"));
        Assert.Equal(3, Retries);
    }

    [ServiceFact]
    public async Task Read_TransientFailuresPastMaxAttempts_ThrowsStorageUnavailableAfterMaxAttempts()
    {
        var faults = new FaultInjectionPolicy { FailRequests = 100 };
        var e = await Assert.ThrowsAsync<StorageUnavailableException>(() => Store(faults, maxAttempts: 3).ReadAsync(Key));
        Assert.Contains("failed after retries", e.Message, StringComparison.Ordinal);
        Assert.Equal(3, faults.Requests);
        Assert.Equal(2, Retries);
    }

    [ServiceFact]
    public async Task Read_Missing_NotRetried()
    {
        var faults = new FaultInjectionPolicy();
        await Assert.ThrowsAsync<BlobNotFoundException>(() => Store(faults).ReadAsync("no/such"));
        Assert.Equal(1, faults.Requests);
        Assert.Equal(0, Retries);
    }

    [ServiceFact]
    public async Task GetInfo_WrongAccountKey_403NotRetriedAndSaysWhatToFix()
    {
        var faults = new FaultInjectionPolicy();
        var wrongKey = Convert.ToBase64String(new byte[64]);
        var connection = System.Text.RegularExpressions.Regex.Replace(TestServices.AzureConnectionString(), "AccountKey=[^;]*", "AccountKey=" + wrongKey);
        var store = AzureBlobStore.Create(connection, containerName, Options(faults, 4), logger);
        var e = await Assert.ThrowsAsync<UnauthorizedAccessException>(() => store.GetInfoAsync(Key));
        Assert.Equal(403, Assert.IsType<RequestFailedException>(e.InnerException).Status);
        Assert.Contains("refused access", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(wrongKey, e.Message, StringComparison.Ordinal);
        Assert.Equal(1, faults.Requests);
        Assert.Equal(0, Retries);
    }

    [ServiceFact]
    public async Task Read_CallerCancelled_NotRetried()
    {
        var faults = new FaultInjectionPolicy();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store(faults).ReadAsync(Key, cancelled.Token));
        Assert.Equal(0, Retries);
    }

    private int Retries => logger.Messages.Count(m => m.StartsWith("Storage ", StringComparison.Ordinal));

    private AzureBlobStore Store(FaultInjectionPolicy faults, int maxAttempts = 4) =>
        AzureBlobStore.Create(TestServices.AzureConnectionString(), containerName, Options(faults, maxAttempts), logger);

    private static AzureStorageOptions Options(FaultInjectionPolicy faults, int maxAttempts) => new()
    {
        MaxAttempts = maxAttempts,
        BaseDelay = TimeSpan.FromMilliseconds(1),
        MaxDelay = TimeSpan.FromMilliseconds(5),
        ConfigureClient = client => client.AddPolicy(faults, HttpPipelinePosition.PerRetry),
    };

    private static byte[] MakeContent(int length)
    {
        var bytes = new byte[length];
        new Random(42).NextBytes(bytes);
        return bytes;
    }
}
