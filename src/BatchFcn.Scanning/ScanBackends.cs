using BatchFcn.Inference;

namespace BatchFcn.Scanning;

/// <summary>The sessions a scan runs on: the whole network, or a cut network's trunk and rest (which go where the
/// trunk went), and why that backend was chosen. Owned by <see cref="InferenceSessions"/>: do not dispose.</summary>
/// <param name="Network">The whole network, or the trunk of a cut one.</param>
/// <param name="Rest">The rest of a cut network; <see langword="null"/> when it runs whole.</param>
/// <param name="Reasons">Each probe's outcome, in order.</param>
public sealed record ScanBackends(IInferenceBackend Network, IInferenceBackend? Rest, IReadOnlyList<string> Reasons)
{
    public string Summary => $"{Network.Name}: {string.Join("; ", Reasons)}";
}
