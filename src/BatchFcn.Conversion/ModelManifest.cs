using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using BatchFcn.Geometry;

namespace BatchFcn.Conversion;

/// <summary>
/// What a converted model's user needs to know, written next to it as <c>&lt;fcn&gt;.json</c>: patch
/// size, geometry, classes, input and output, provenance.
/// </summary>
public sealed record ModelManifest
{
    public const string FormatName = "batchfcn.manifest/1";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string Format { get; init; } = FormatName;

    public required string ConverterVersion { get; init; }

    public required string SourceModel { get; init; }

    public required string SourceSha256 { get; init; }

    public required PatchSize Patch { get; init; }

    public required AxisManifest GeometryY { get; init; }

    public required AxisManifest GeometryX { get; init; }

    public required bool PaddingFree { get; init; }

    public required long Classes { get; init; }

    public required InputManifest Input { get; init; }

    public required OutputManifest Output { get; init; }

    public required bool AlreadyFullyConvolutional { get; init; }

    public required int FullyConnectedLayersConverted { get; init; }

    public required double FlopsPerPatch { get; init; }

    public required double FlopsPerCell { get; init; }

    public required long Parameters { get; init; }

    public required long Opset { get; init; }

    public required IReadOnlyList<string> HeadBefore { get; init; }

    public required IReadOnlyList<string> HeadAfter { get; init; }

    /// <summary>The classes' names in index order, when given at conversion (<c>convert --labels</c>).</summary>
    public IReadOnlyList<string>? Labels { get; init; }

    /// <summary>The class a heatmap shows by default (one of <see cref="Labels"/>), when given at conversion.</summary>
    public string? Positive { get; init; }

    /// <summary>The name of class <paramref name="index"/>, or <see langword="null"/> without labels.</summary>
    public string? LabelOf(int index) => Labels is { } names && index >= 0 && index < names.Count ? names[index] : null;

    /// <summary>Input normalisation the model was trained with, when given at conversion; readers fall
    /// back to ImageNet's.</summary>
    public NormalizationManifest? Normalization { get; init; }

    /// <summary>RGB8 → input: (v · Scale − Mean[c]) / Std[c].</summary>
    public sealed record NormalizationManifest(float Scale, float[] Mean, float[] Std);

    public sealed record PatchSize(int Height, int Width);

    public sealed record AxisManifest(int Stride, int ReceptiveField, int Offset, IReadOnlyList<LayerAxis> Layers)
    {
        public static AxisManifest From(AxisPath path)
        {
            ArgumentNullException.ThrowIfNull(path);
            return new(path.Geometry.Stride, path.Geometry.ReceptiveField, path.Geometry.Offset, path.Layers);
        }

        public AxisPath ToPath() => new(new AxisGeometry(Stride, ReceptiveField, Offset), Layers);
    }

    public sealed record InputManifest(string Name, string Layout, long Channels);

    public sealed record OutputManifest(string Name, string Layout, string Activation, bool Softmaxed);

    /// <summary>The network geometry the manifest describes.</summary>
    public NetworkGeometry ToGeometry() => new(GeometryY.ToPath(), GeometryX.ToPath());

    /// <summary>The manifest path for a converted model: the model's path with a .json extension.</summary>
    public static string PathFor(string modelPath) => Path.ChangeExtension(modelPath, ".json");

    public static ModelManifest From(ConversionResult result, string sourcePath, string sourceSha256)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new ModelManifest
        {
            ConverterVersion = FcnConverter.Version,
            SourceModel = Path.GetFileName(sourcePath),
            SourceSha256 = sourceSha256,
            Patch = new PatchSize(result.PatchHeight, result.PatchWidth),
            GeometryY = AxisManifest.From(result.Geometry.Y),
            GeometryX = AxisManifest.From(result.Geometry.X),
            PaddingFree = result.Geometry.IsPaddingFree,
            Classes = result.Classes,
            Input = new InputManifest(result.InputName, "NCHW", result.InputChannels),
            Output = new OutputManifest(result.OutputName, "NCHW", result.OutputActivation, result.Softmaxed),
            AlreadyFullyConvolutional = result.AlreadyFullyConvolutional,
            FullyConnectedLayersConverted = result.FullyConnectedLayersConverted,
            FlopsPerPatch = result.FlopsPerPatch,
            FlopsPerCell = result.FlopsPerCell,
            Parameters = result.Parameters,
            Opset = result.Opset,
            HeadBefore = result.HeadBefore,
            HeadAfter = result.HeadAfter,
        };
    }

    public void Save(string path)
    {
        var temp = path + ".tmp-" + Environment.ProcessId;
        File.WriteAllText(temp, JsonSerializer.Serialize(this, Json) + "\n");
        File.Move(temp, path, overwrite: true);
    }

    /// <exception cref="ConversionException">The file is missing or not a BatchFcn manifest.</exception>
    public static ModelManifest Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new ConversionException($"manifest '{path}' does not exist; convert the model with 'batchfcn convert' first");
        }

        return Parse(File.ReadAllBytes(path), path);
    }

    /// <summary>Reads a manifest from its JSON; <paramref name="name"/> names it in errors.</summary>
    /// <exception cref="ConversionException">Not a BatchFcn manifest.</exception>
    public static ModelManifest Parse(ReadOnlySpan<byte> json, string name)
    {
        try
        {
            var m = JsonSerializer.Deserialize<ModelManifest>(json, Json);
            return m is { Format: FormatName } ? m : throw new ConversionException($"'{name}' is not a {FormatName} manifest");
        }
        catch (JsonException e)
        {
            throw new ConversionException($"manifest '{name}' is not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>The manifest as the JSON <see cref="Save"/> writes.</summary>
    public byte[] ToUtf8() => System.Text.Encoding.UTF8.GetBytes(JsonSerializer.Serialize(this, Json) + "\n");

    public static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
