using BatchFcn.Conversion;
using Onnx;

namespace BatchFcn.Scanning;

/// <summary>A converted (fully convolutional) network ready to scan with, read once per node.</summary>
/// <param name="Address">Where it was read from (the classifier's address when it was converted here).</param>
/// <param name="Name">A file name for it: the converted network's.</param>
/// <param name="Bytes">The converted network's ONNX bytes.</param>
/// <param name="Sha256">Their SHA-256, which names the model in plans, caches and sessions.</param>
/// <param name="Manifest">Its geometry and input/output description.</param>
/// <param name="ConvertedHere">Whether it was converted from a classifier on the fly (then the plan's output folder keeps a copy).</param>
public sealed record ScanModel(string Address, string Name, byte[] Bytes, string Sha256, ModelManifest Manifest, bool ConvertedHere)
{
    /// <summary>The network as an ONNX graph (parsed on each call: only planning a cut needs it).</summary>
    public ModelProto Parse() => OnnxModelFile.Parse(Bytes, Name);
}
