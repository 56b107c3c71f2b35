using BatchFcn.Testing;

namespace BatchFcn.Storage.Tests;

/// <summary>The blob store contract on a fresh temporary directory.</summary>
public sealed class LocalDirectoryStoreContractTests : BlobStoreContract
{
    private readonly TempDirectory directory = TestPaths.TempDirectory();

    protected override Task<IBlobStore> CreateStoreAsync() => Task.FromResult<IBlobStore>(new LocalDirectoryStore(directory.Path));

    protected override Task DeleteStoreAsync()
    {
        directory.Dispose();
        return Task.CompletedTask;
    }
}
