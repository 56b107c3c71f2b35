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
        var result = converted ? null : FcnConverter.Convert(model, options);
        var manifest = result is null ? ModelManifest.Load(manifestPath) : ModelManifest.From(result, modelPath, ModelManifest.Sha256Of(modelPath));
        var splits = FcnSplitter.All(result?.Model ?? model, manifest.Patch.Height, manifest.Patch.Width, manifest.ToGeometry());
        return new InspectReport
        {
            Model = modelPath,
            IsConverted = converted,
            Manifest = manifest,
            TileOptions = InspectReport.TileTable(manifest.ToGeometry()),
            CutPoints = [.. splits.Select(s => InspectReport.CutPoint.Of(s, manifest))],
        };
    }
}
