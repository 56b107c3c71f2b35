using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace BatchFcn.Conversion;

/// <summary>Reading and making ONNX tensors (little-endian raw data or the typed repeated fields).</summary>
internal static class Tensors
{
    public const int Float = (int)TensorProto.Types.DataType.Float;
    public const int Int64 = (int)TensorProto.Types.DataType.Int64;
    public const int Int32 = (int)TensorProto.Types.DataType.Int32;
    public const int Double = (int)TensorProto.Types.DataType.Double;

    public static long ElementCount(TensorProto t) => t.Dims.Aggregate(1L, (a, d) => a * d);

    public static long[] Shape(TensorProto t) => [.. t.Dims];

    public static float[] ReadFloats(TensorProto t)
    {
        switch (t.DataType)
        {
            case Float:
                if (!t.RawData.IsEmpty)
                {
                    return MemoryMarshal.Cast<byte, float>(t.RawData.Span).ToArray();
                }

                return [.. t.FloatData];
            case Double:
                if (!t.RawData.IsEmpty)
                {
                    return [.. MemoryMarshal.Cast<byte, double>(t.RawData.Span).ToArray().Select(d => (float)d)];
                }

                return [.. t.DoubleData.Select(d => (float)d)];
            default:
                throw new ConversionException(
                    $"tensor '{t.Name}' has element type {(TensorProto.Types.DataType)t.DataType}; float32 weights are supported");
        }
    }

    public static long[] ReadInt64s(TensorProto t)
    {
        switch (t.DataType)
        {
            case Int64:
                return t.RawData.IsEmpty ? [.. t.Int64Data] : MemoryMarshal.Cast<byte, long>(t.RawData.Span).ToArray();
            case Int32:
                return t.RawData.IsEmpty
                    ? [.. t.Int32Data.Select(v => (long)v)]
                    : [.. MemoryMarshal.Cast<byte, int>(t.RawData.Span).ToArray().Select(v => (long)v)];
            case Float:
                return [.. ReadFloats(t).Select(v => (long)v)];
            default:
                throw new ConversionException(
                    $"tensor '{t.Name}' has element type {(TensorProto.Types.DataType)t.DataType}; an integer shape was expected");
        }
    }

    public static TensorProto FromFloats(string name, ReadOnlySpan<float> values, params long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = Float, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values)) };
        t.Dims.Add(dims);
        return t;
    }

    public static TensorProto FromInt64s(string name, ReadOnlySpan<long> values, params long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = Int64, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values)) };
        t.Dims.Add(dims);
        return t;
    }

    /// <summary>The same data under new dimensions; raw data is shared, not copied.</summary>
    public static TensorProto Reshaped(TensorProto t, string name, params long[] dims)
    {
        var r = new TensorProto { Name = name, DataType = t.DataType, RawData = t.RawData };
        if (t.RawData.IsEmpty)
        {
            r.FloatData.Add(t.FloatData);
            r.Int64Data.Add(t.Int64Data);
            r.Int32Data.Add(t.Int32Data);
            r.DoubleData.Add(t.DoubleData);
        }

        r.Dims.Add(dims);
        return r;
    }

    /// <summary>The tensor a Constant node produces, from whichever value attribute it carries.</summary>
    public static TensorProto FromConstantNode(NodeProto node)
    {
        var name = node.Output[0];
        foreach (var a in node.Attribute)
        {
            switch (a.Name)
            {
                case "value":
                    var t = a.T.Clone();
                    t.Name = name;
                    return t;
                case "value_float":
                    return FromFloats(name, [a.F]);
                case "value_floats":
                    return FromFloats(name, a.Floats.ToArray(), a.Floats.Count);
                case "value_int":
                    return FromInt64s(name, [a.I]);
                case "value_ints":
                    return FromInt64s(name, a.Ints.ToArray(), a.Ints.Count);
            }
        }

        throw ConversionException.AtNode(node, "Constant without a supported value attribute (value, value_float(s), value_int(s))");
    }
}
