namespace BatchFcn.Inference;

/// <summary>No backend can run on this node as configured (e.g. a CPU without AVX2).</summary>
public sealed class BackendUnavailableException : Exception
{
    public BackendUnavailableException(string message)
        : base(message)
    {
    }

    public BackendUnavailableException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public BackendUnavailableException()
    {
    }
}
