namespace BatchFcn.Conversion;

/// <summary>Reads a classifier or converted network and reports its geometry, head, cost and exact tile sizes.</summary>
public static class ModelInspector
{
    /// <summary>Inspects a classifier (by converting it in memory) or a converted network (through the
    /// manifest written next to it by <c>convert</c>).</summary>
    /// <exception cref="ConversionException">The model cannot be read or analysed.</exception>
    public static InspectReport Inspect(string modelPath, ConversionOptions? options = null)
    {
        var model = OnnxModelFile.Load(modelPath);
        var manifestPath = ModelManifest.PathFor(modelPath);
        bool converted = model.ProducerName == "batchfcn" && File.Exists(manifestPath);
        var manifest = converted
            ? ModelManifest.Load(manifestPath)
            : ModelManifest.From(FcnConverter.Convert(model, options), modelPath, ModelManifest.Sha256Of(modelPath));
        return new InspectReport
        {
            Model = modelPath,
            IsConverted = converted,
            Manifest = manifest,
            TileOptions = InspectReport.TileTable(manifest.ToGeometry()),
        };
    }
}
