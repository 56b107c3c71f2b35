using System.Security.Cryptography;
using BatchFcn.Conversion;
using BatchFcn.Storage;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace BatchFcn.Scanning;

/// <summary>
/// Reads models from any address (local path or <c>az://</c>) once per node: a converted network with its manifest
/// beside it is used as it is, a classifier is converted in memory. Kept by address and version (ETag), so a node
/// scanning many slides with one model reads and converts it once, and a replaced blob is read again.
/// </summary>
public sealed partial class ModelRepository(BlobStoreResolver stores, ILogger<ModelRepository> logger)
{
    private const int Kept = 4;
    private readonly Lock gate = new();
    private readonly LinkedList<(string Key, Task<ScanModel> Model)> models = new();

    /// <exception cref="ConversionException">Missing, unreadable, not ONNX, or a classifier that cannot be converted.</exception>
    public async Task<ScanModel> LoadAsync(string address, CancellationToken cancellationToken = default)
    {
        var (store, key) = Resolve(address);
        var info = await store.GetInfoAsync(key, cancellationToken).ConfigureAwait(false)
            ?? throw new ConversionException(Directory.Exists(address) ? $"model '{address}' is a folder; give the .onnx file" : $"model '{store.Describe(key)}' does not exist");
        string cacheKey = store.Describe(key) + "\n" + info.ETag;
        Task<ScanModel> loading;
        lock (gate)
        {
            var hit = models.FirstOrDefault(m => m.Key == cacheKey);
            if (hit.Model is { IsFaulted: false, IsCanceled: false })
            {
                loading = hit.Model;
            }
            else
            {
                loading = ReadAsync(store, key, cancellationToken);
                models.AddFirst((cacheKey, loading));
                while (models.Count > Kept)
                {
                    models.RemoveLast();
                }
            }
        }

        return await loading.ConfigureAwait(false);
    }

    private (IBlobStore Store, string Key) Resolve(string address)
    {
        try
        {
            return stores.ResolveFile(address);
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            throw new ConversionException($"model: {e.Message}", e);
        }
    }

    private async Task<ScanModel> ReadAsync(IBlobStore store, string key, CancellationToken cancellationToken)
    {
        string name = store.Describe(key);
        var bytes = await store.ReadAsync(key, cancellationToken).ConfigureAwait(false);
        var manifestKey = Path.ChangeExtension(key, ".json");
        if (await store.ExistsAsync(manifestKey, cancellationToken).ConfigureAwait(false))
        {
            try
            {
                var manifest = ModelManifest.Parse(await store.ReadAsync(manifestKey, cancellationToken).ConfigureAwait(false), store.Describe(manifestKey));
                return new ScanModel(name, Path.GetFileName(key), bytes, Sha256(bytes), manifest, ConvertedHere: false);
            }
            catch (ConversionException)
            {
                // A .json beside a classifier may be anything (its labels, say): only a BatchFcn manifest marks a converted network.
            }
        }

        var source = OnnxModelFile.Parse(bytes, name);
        ConversionResult result;
        try
        {
            result = FcnConverter.Convert(source);
        }
        catch (ConversionException e) when (e.Message.Contains("--patch", StringComparison.Ordinal))
        {
            throw new ConversionException(
                $"model '{name}' has no fixed input size and no manifest '{store.Describe(manifestKey)}' beside it. If 'batchfcn convert' wrote it, " +
                $"its manifest was lost: convert the classifier again ('batchfcn convert <classifier.onnx> -o {Path.GetFileName(key)}' writes both); " +
                "otherwise export the classifier with a fixed input size.", e);
        }

        var converted = result.Model.ToByteArray();
        var fcnName = Path.GetFileNameWithoutExtension(key) + "_fcn.onnx";
        LogConverted(logger, name);
        return new ScanModel(name, fcnName, converted, Sha256(converted), ModelManifest.From(result, key, Sha256(bytes)), ConvertedHere: true);
    }

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    [LoggerMessage(Level = LogLevel.Information, Message = "Converted classifier {Model} on the fly")]
    private static partial void LogConverted(ILogger logger, string model);
}
