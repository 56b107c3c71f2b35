using Azure;
using BatchFcn.Storage.Azure;
using Polly.Timeout;

namespace BatchFcn.Storage.Tests;

public sealed class StorageResilienceTests
{
    [Theory]
    [InlineData(0, true)]
    [InlineData(408, true)]
    [InlineData(429, true)]
    [InlineData(500, true)]
    [InlineData(502, true)]
    [InlineData(503, true)]
    [InlineData(504, true)]
    [InlineData(400, false)]
    [InlineData(403, false)]
    [InlineData(404, false)]
    [InlineData(409, false)]
    [InlineData(412, false)]
    [InlineData(416, false)]
    [InlineData(501, false)]
    public void IsTransient_RequestFailedStatus_OnlyTransientOnes(int status, bool expected) =>
        Assert.Equal(expected, StorageResilience.IsTransient(new RequestFailedException(status, "x"), CancellationToken.None));

    [Fact]
    public void IsTransient_ConnectionAndTimeoutFailures_True()
    {
        Assert.True(StorageResilience.IsTransient(new HttpRequestException("x"), CancellationToken.None));
        Assert.True(StorageResilience.IsTransient(new IOException("x"), CancellationToken.None));
        Assert.True(StorageResilience.IsTransient(new TimeoutException(), CancellationToken.None));
        Assert.True(StorageResilience.IsTransient(new TimeoutRejectedException(), CancellationToken.None));
        Assert.True(StorageResilience.IsTransient(new TaskCanceledException(), CancellationToken.None));
        Assert.True(StorageResilience.IsTransient(new AggregateException(new IOException("a"), new IOException("b")), CancellationToken.None));
        Assert.False(StorageResilience.IsTransient(new AggregateException(new IOException("a"), new ArgumentException("b")), CancellationToken.None));
        Assert.False(StorageResilience.IsTransient(new ArgumentException("x"), CancellationToken.None));
        Assert.False(StorageResilience.IsTransient(new BlobNotFoundException("k"), CancellationToken.None));
    }

    [Fact]
    public void IsTransient_CancelledByCaller_False()
    {
        using var source = new CancellationTokenSource();
        source.Cancel();
        Assert.False(StorageResilience.IsTransient(new OperationCanceledException(source.Token), source.Token));
        Assert.False(StorageResilience.IsTransient(new TaskCanceledException(), source.Token));
    }

    [Fact]
    public void Options_Defaults_AreDocumentedOnes()
    {
        var options = new AzureStorageOptions();
        Assert.Equal(4, options.MaxAttempts);
        Assert.Equal(TimeSpan.FromMilliseconds(200), options.BaseDelay);
        var client = AzureBlobStore.CreateClientOptions(options);
        Assert.Equal(0, client.Retry.MaxRetries);
        Assert.Equal(options.NetworkTimeout, client.Retry.NetworkTimeout);
    }
}
