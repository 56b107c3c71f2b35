namespace BatchFcn.Scanning;

/// <summary>A scan that cannot run as asked (image too small, wrong options for the model, …).</summary>
public sealed class ScanException : Exception
{
    public ScanException(string message)
        : base(message)
    {
    }

    public ScanException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public ScanException()
    {
    }
}
