namespace BatchFcn.Inference;

/// <summary>The backend chosen for this node and why (each probe's outcome, in order).</summary>
public sealed record BackendSelection(IInferenceBackend Backend, IReadOnlyList<string> Reasons)
{
    public string Summary => $"{Backend.Name}: {string.Join("; ", Reasons)}";
}
