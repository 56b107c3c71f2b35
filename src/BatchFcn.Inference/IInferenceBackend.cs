namespace BatchFcn.Inference;

/// <summary>Runs the fully convolutional network on batches of same-shape tiles.</summary>
public interface IInferenceBackend : IDisposable
{
    /// <summary>"cpu" or "cuda".</summary>
    string Name { get; }

    /// <summary>For people: provider, threads or device, CPU features.</summary>
    string Description { get; }

    /// <summary>Runs a batch [n, C, H, W] of planar floats; returns the output [n, K, rows, cols].</summary>
    /// <param name="input">Exactly n·C·H·W values.</param>
    /// <param name="batch">n.</param>
    /// <param name="channels">C.</param>
    /// <param name="height">H.</param>
    /// <param name="width">W.</param>
    /// <param name="allocate">Gives the array the output is copied into (exactly the length asked), so a caller can
    /// reuse buffers; <see langword="null"/> allocates a new one.</param>
    InferenceOutput Run(float[] input, int batch, int channels, int height, int width, Func<int, float[]>? allocate = null);
}

/// <summary>An output tensor: values in C order and its shape.</summary>
public sealed record InferenceOutput(float[] Values, long[] Shape);
