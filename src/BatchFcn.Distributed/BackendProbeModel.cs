namespace BatchFcn.Distributed;

/// <summary>A small ONNX model the readiness check loads on the node's backend (the CLI ships the demo classifier).</summary>
/// <param name="Path">Its file.</param>
public sealed record BackendProbeModel(string Path);
