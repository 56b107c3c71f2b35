namespace BatchFcn.Inference;

/// <summary>Runs the fully convolutional network on batches of same-shape tiles.</summary>
public interface IInferenceBackend : IDisposable
{
    /// <summary>"cpu" or "cuda".</summary>
    string Name { get; }

    /// <summary>For people: provider, threads or device, CPU features.</summary>
    string Description { get; }

    /// <summary>Runs a batch [n, C, H, W] of planar floats; returns the output [n, K, rows, cols].</summary>
    InferenceOutput Run(float[] input, int batch, int channels, int height, int width);
}

/// <summary>An output tensor: values in C order and its shape.</summary>
public sealed record InferenceOutput(float[] Values, long[] Shape);
