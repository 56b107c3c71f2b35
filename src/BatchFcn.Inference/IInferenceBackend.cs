namespace BatchFcn.Inference;

/// <summary>Runs the fully convolutional network on batches of same-shape tiles.</summary>
public interface IInferenceBackend : IDisposable
{
    /// <summary>"cpu" or "cuda".</summary>
    string Name { get; }

    /// <summary>For people: provider, threads or device, CPU features.</summary>
    string Description { get; }

    /// <summary>Runs a batch [n, C, H, W] of planar floats; returns the output [n, K, rows, cols].</summary>
    /// <param name="input">At least n·C·H·W values; the first n·C·H·W are the batch (so a reused, longer buffer serves).</param>
    /// <param name="batch">n.</param>
    /// <param name="channels">C.</param>
    /// <param name="height">H.</param>
    /// <param name="width">W.</param>
    /// <param name="allocate">Gives the array the output is copied into (at least the length asked; the output fills
    /// its start), so a caller can reuse buffers; <see langword="null"/> allocates one of exactly the output's length.</param>
    InferenceOutput Run(float[] input, int batch, int channels, int height, int width, Func<int, float[]>? allocate = null);
}

/// <summary>An output tensor: values in C order and its shape. <see cref="Values"/> may be longer than the shape's
/// element count (a reused buffer); the values fill its start.</summary>
public sealed record InferenceOutput(float[] Values, long[] Shape);
