namespace BatchFcn.Storage;

/// <summary>A storage operation that still failed after the store's own retries (the one retry owner for storage):
/// the service was unreachable or kept failing. Callers do not retry it again.</summary>
public sealed class StorageUnavailableException : IOException
{
    public StorageUnavailableException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
