using Azure.Storage.Blobs;
using BatchFcn.Storage.Azure;
using BatchFcn.Testing;

namespace BatchFcn.Storage.Tests;

/// <summary>The blob store contract on a fresh container in Azurite (started by ./build.sh test).</summary>
[RequiresAzurite]
public sealed class AzureBlobStoreContractTests : BlobStoreContract
{
    private readonly string containerName = AzuriteContainers.NewName();

    protected override Task<IBlobStore> CreateStoreAsync() =>
        Task.FromResult<IBlobStore>(AzureBlobStore.Create(TestServices.AzureConnectionString(), containerName));

    protected override Task DeleteStoreAsync() => AzuriteContainers.DeleteAsync(containerName);
}
