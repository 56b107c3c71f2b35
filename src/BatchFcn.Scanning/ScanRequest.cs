using BatchFcn.Inference;

namespace BatchFcn.Scanning;

/// <summary>One scan on this machine: image, model (classifier or converted), output folder, options.</summary>
public sealed record ScanRequest(string ImagePath, string ModelPath, string OutputDirectory, ScanOptions Options, BackendOptions Backend)
{
    /// <summary>Replace an earlier scan's outputs in <see cref="OutputDirectory"/>.</summary>
    public bool Overwrite { get; init; }
}
