namespace BatchFcn.Inference;

/// <summary>Which backend runs the network on this node, and how (configuration section <c>BatchFcn:Backend</c>;
/// checked at start by <c>BackendOptionsValidator</c>).</summary>
public sealed record BackendOptions
{
    /// <summary>"auto" (CUDA when a probe session succeeds, else CPU), "cpu" or "cuda" (falls back to
    /// CPU with the reason logged when CUDA cannot start).</summary>
    /// <value>The default is "auto".</value>
    public string Backend { get; init; } = "auto";

    /// <summary>Intra-op threads of the CPU backend; 0 means the container's CPU limit.</summary>
    /// <value>The default is 0.</value>
    public int Threads { get; init; }

    /// <summary>CUDA device ordinal.</summary>
    /// <value>The default is 0.</value>
    public int DeviceId { get; init; }

    /// <summary>Run the CPU backend on a processor without AVX2 (slow) instead of refusing.</summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool AllowNoAvx2 { get; init; }
}
