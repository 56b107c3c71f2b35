using Google.Protobuf;
using Onnx;

namespace BatchFcn.Conversion;

/// <summary>Reads and writes ONNX model files with errors a person can act on.</summary>
public static class OnnxModelFile
{
    /// <summary>Loads a model, failing clearly when the file is missing or is not ONNX.</summary>
    /// <exception cref="ConversionException">The file is missing, unreadable or not an ONNX model.</exception>
    public static ModelProto Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new ConversionException($"model file '{path}' does not exist");
        }

        // Parse straight from the file (a 1 MiB buffer): holds one copy of the weights, not two.
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 20);
        return Parse(stream, path);
    }

    /// <summary>Parses a model already read (from a blob, say); <paramref name="name"/> names it in errors.</summary>
    /// <exception cref="ConversionException">Not an ONNX model, or one with external weights.</exception>
    public static ModelProto Parse(byte[] bytes, string name)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        return Parse(stream, name);
    }

    private static ModelProto Parse(Stream stream, string path)
    {
        try
        {
            var model = ModelProto.Parser.ParseFrom(stream);
            if (model.Graph is null || model.Graph.Node.Count == 0)
            {
                throw new ConversionException($"'{path}' holds no ONNX graph (is it an ONNX model?)");
            }

            if (model.Graph.Initializer.Any(t => t.DataLocation == TensorProto.Types.DataLocation.External))
            {
                throw new ConversionException(
                    $"'{path}' keeps its weights in external data files; re-export it with the weights inside " +
                    "(torch.onnx.export does so for models under 2 GB)");
            }

            return model;
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new ConversionException($"'{path}' is not a readable ONNX model: {e.Message}", e);
        }
    }

    /// <summary>Writes a model atomically: to a temporary file first, then renamed into place.</summary>
    public static void Save(ModelProto model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = full + ".tmp-" + Environment.ProcessId;
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 20))
            {
                model.WriteTo(stream);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>The default opset ("" or "ai.onnx" domain) the model imports.</summary>
    public static long DefaultOpset(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").Select(o => o.Version).DefaultIfEmpty(1).Max();
    }
}
