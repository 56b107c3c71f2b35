using Azure.Storage.Blobs;
using BatchFcn.Testing;

namespace BatchFcn.Storage.Tests;

/// <summary>Fresh containers in Azurite, one per test.</summary>
internal static class AzuriteContainers
{
    public static string NewName() => "t-" + Guid.NewGuid().ToString("N");

    public static async Task DeleteAsync(string name) =>
        await new BlobContainerClient(TestServices.AzureConnectionString(), name).DeleteIfExistsAsync();
}
