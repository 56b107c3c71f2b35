using Onnx;

namespace BatchFcn.Conversion;

/// <summary>Typed access to a node's attributes, with ONNX defaults.</summary>
internal static class NodeAttributes
{
    public static AttributeProto? Find(this NodeProto node, string name) => node.Attribute.FirstOrDefault(a => a.Name == name);

    public static long GetInt(this NodeProto node, string name, long fallback) => node.Find(name) is { } a ? a.I : fallback;

    public static float GetFloat(this NodeProto node, string name, float fallback) => node.Find(name) is { } a ? a.F : fallback;

    public static string GetString(this NodeProto node, string name, string fallback) =>
        node.Find(name) is { } a ? a.S.ToStringUtf8() : fallback;

    public static long[]? GetInts(this NodeProto node, string name) => node.Find(name) is { } a ? [.. a.Ints] : null;

    public static void SetInts(this NodeProto node, string name, IEnumerable<long> values)
    {
        node.RemoveAttribute(name);
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.Add(values);
        node.Attribute.Add(a);
    }

    public static void SetInt(this NodeProto node, string name, long value)
    {
        node.RemoveAttribute(name);
        node.Attribute.Add(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value });
    }

    public static void RemoveAttribute(this NodeProto node, string name)
    {
        if (node.Find(name) is { } a)
        {
            node.Attribute.Remove(a);
        }
    }
}
