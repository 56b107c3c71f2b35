using System.ComponentModel.DataAnnotations;

namespace BatchFcn.Inference;

/// <summary>Which backend runs the network, and how.</summary>
public sealed record BackendOptions
{
    /// <summary>"auto" (CUDA when a probe session succeeds, else CPU), "cpu" or "cuda" (falls back to
    /// CPU with the reason logged when CUDA cannot start).</summary>
    /// <value>The default is "auto".</value>
    [RegularExpression("^(auto|cpu|cuda)$")]
    public string Backend { get; init; } = "auto";

    /// <summary>Intra-op threads of the CPU backend; 0 means the container's CPU limit.</summary>
    /// <value>The default is 0.</value>
    [Range(0, 1024)]
    public int Threads { get; init; }

    /// <summary>CUDA device ordinal.</summary>
    /// <value>The default is 0.</value>
    [Range(0, 64)]
    public int DeviceId { get; init; }

    /// <summary>Run the CPU backend on a processor without AVX2 (slow) instead of refusing.</summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool AllowNoAvx2 { get; init; }
}
