namespace BatchFcn.Conversion;

/// <summary>
/// A model that cannot be converted (or read) as asked. The message names the node and op that stopped
/// the conversion and what is supported instead.
/// </summary>
public sealed class ConversionException : Exception
{
    public ConversionException(string message)
        : base(message)
    {
    }

    public ConversionException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public ConversionException()
    {
    }

    internal static ConversionException AtNode(Onnx.NodeProto node, string problem) =>
        new($"node '{NodeLabel(node)}' ({node.OpType}): {problem}");

    internal static string NodeLabel(Onnx.NodeProto node) =>
        string.IsNullOrEmpty(node.Name) ? (node.Output.Count > 0 ? node.Output[0] : "?") : node.Name;
}
