namespace BatchFcn.Storage;

/// <summary>The object a key names does not exist.</summary>
public sealed class BlobNotFoundException : Exception
{
    public BlobNotFoundException(string key)
        : base($"'{key}' does not exist in the store") => Key = key;

    public BlobNotFoundException()
    {
        Key = string.Empty;
    }

    public BlobNotFoundException(string message, Exception inner)
        : base(message, inner) => Key = string.Empty;

    public string Key { get; }
}
