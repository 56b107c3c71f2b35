using System.Collections.Concurrent;
using Azure.Storage.Blobs;
using BatchFcn.Storage.Azure;
using Microsoft.Extensions.Logging;

namespace BatchFcn.Storage;

/// <summary>Turns the addresses a user gives (<see cref="BlobAddress"/>) into stores: an Azure container's
/// store for <c>az://</c> addresses (one per container, shared), a <see cref="LocalDirectoryStore"/> for local
/// paths. The connection string is kept private: no message or <see cref="ToString"/> shows it.</summary>
public sealed class BlobStoreResolver
{
    /// <summary>The environment variable that holds the storage connection string when <c>--storage</c> is not given.</summary>
    public const string ConnectionStringVariable = "BATCHFCN_STORAGE";

    private readonly string? connectionString;
    private readonly AzureStorageOptions options;
    private readonly ILogger? logger;
    private readonly ConcurrentDictionary<string, Lazy<IBlobStore>> containers = new(StringComparer.Ordinal);
    private BlobServiceClient? service;

    /// <param name="connectionString">The Azure storage connection string, or <see langword="null"/> when only
    /// local paths are to be used.</param>
    /// <param name="options">Retry and transfer settings of Azure stores.</param>
    /// <param name="logger">Where Azure stores log retries.</param>
    public BlobStoreResolver(string? connectionString, AzureStorageOptions? options = null, ILogger? logger = null)
    {
        this.connectionString = string.IsNullOrWhiteSpace(connectionString) ? null : connectionString;
        this.options = options ?? new AzureStorageOptions();
        this.options.Validate();
        this.logger = logger;
    }

    /// <summary>A resolver with the connection string given on the command line (<c>--storage</c>), else
    /// the one in <see cref="ConnectionStringVariable"/>.</summary>
    public static BlobStoreResolver FromCommandLineOrEnvironment(string? storageOption, AzureStorageOptions? options = null, ILogger? logger = null) =>
        new(string.IsNullOrWhiteSpace(storageOption) ? Environment.GetEnvironmentVariable(ConnectionStringVariable) : storageOption, options, logger);

    /// <summary>Whether a connection string was given, so <c>az://</c> addresses can be used.</summary>
    public bool HasAzureStorage => connectionString is not null;

    /// <summary>The store holding a file, and the file's key in it.</summary>
    /// <exception cref="FormatException">The address is malformed or names a folder.</exception>
    /// <exception cref="InvalidOperationException">An <c>az://</c> address without a connection string.</exception>
    public (IBlobStore Store, string Key) ResolveFile(string address)
    {
        var parsed = BlobAddress.Parse(address);
        if (parsed.IsAzure)
        {
            if (parsed.Path.Length == 0 || address.EndsWith('/'))
            {
                throw new FormatException($"'{address}': give a file's path inside the container, as az://{parsed.Container}/<path>");
            }

            return (ContainerStore(parsed), parsed.Path);
        }

        if (address.EndsWith('/') || address.EndsWith(System.IO.Path.DirectorySeparatorChar) || Directory.Exists(parsed.Path))
        {
            throw new FormatException($"'{address}' is a folder; give a file");
        }

        var directory = System.IO.Path.GetDirectoryName(parsed.Path)
            ?? throw new FormatException($"'{address}' has no folder");
        return (new LocalDirectoryStore(directory), System.IO.Path.GetFileName(parsed.Path));
    }

    /// <summary>A store whose keys are the files under a folder (created on the first write where needed).</summary>
    /// <exception cref="FormatException">The address is malformed.</exception>
    /// <exception cref="InvalidOperationException">An <c>az://</c> address without a connection string.</exception>
    public IBlobStore ResolveFolder(string address)
    {
        var parsed = BlobAddress.Parse(address);
        if (!parsed.IsAzure)
        {
            return File.Exists(parsed.Path)
                ? throw new FormatException($"'{address}' is a file; give a folder (it is created when missing)")
                : new LocalDirectoryStore(parsed.Path);
        }

        var store = ContainerStore(parsed);
        return parsed.Path.Length == 0 ? store : new PrefixedBlobStore(store, parsed.Path);
    }

    public override string ToString() =>
        HasAzureStorage ? "blob stores: local paths and az:// (storage account configured)" : "blob stores: local paths only";

    private IBlobStore ContainerStore(BlobAddress address) =>
        containers.GetOrAdd(address.Container!, name => new Lazy<IBlobStore>(() => CreateContainerStore(name, address.Text))).Value;

    private AzureBlobStore CreateContainerStore(string container, string address)
    {
        if (connectionString is null)
        {
            throw new InvalidOperationException(
                $"'{address}' is in Azure blob storage: give its connection string with --storage or in the {ConnectionStringVariable} environment variable");
        }

        return new AzureBlobStore(Service(address).GetBlobContainerClient(container), options, logger);
    }

    private BlobServiceClient Service(string address)
    {
        if (service is null)
        {
            try
            {
                service = new BlobServiceClient(connectionString, AzureBlobStore.CreateClientOptions(options));
            }
            catch (Exception e) when (e is FormatException or ArgumentException or UriFormatException)
            {
                // The SDK's message is not passed on: it must not be able to echo any part of the secret.
                throw new InvalidOperationException(
                    $"'{address}': the storage connection string (--storage or {ConnectionStringVariable}) is not valid " +
                    "(expected e.g. DefaultEndpointsProtocol=https;AccountName=...;AccountKey=...;EndpointSuffix=core.windows.net)");
            }
        }

        return service;
    }
}
