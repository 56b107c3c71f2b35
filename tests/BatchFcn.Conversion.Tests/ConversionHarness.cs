using BatchFcn.Conversion;
using BatchFcn.Testing;
using Onnx;

namespace BatchFcn.Conversion.Tests;

/// <summary>Converts a classifier into a temporary folder and proves it with the verifier.</summary>
internal static class ConversionHarness
{
    public static (ConversionResult Result, VerifyReport Report) ConvertAndVerify(string classifierPath, TempDirectory dir, ConversionOptions? options = null)
    {
        var result = FcnConverter.Convert(OnnxModelFile.Load(classifierPath), options);
        var fcn = dir.File(Path.GetFileNameWithoutExtension(classifierPath) + "_fcn.onnx");
        OnnxModelFile.Save(result.Model, fcn);
        ModelManifest.From(result, classifierPath, ModelManifest.Sha256Of(classifierPath)).Save(ModelManifest.PathFor(fcn));
        var report = EquivalenceVerifier.Verify(classifierPath, fcn, new VerifyOptions { Samples = 3, DenseCells = 3 });
        return (result, report);
    }

    public static (ConversionResult Result, VerifyReport Report) ConvertAndVerify(ModelProto classifier, TempDirectory dir, ConversionOptions? options = null)
    {
        var path = dir.File("classifier.onnx");
        OnnxModelFile.Save(classifier, path);
        return ConvertAndVerify(path, dir, options);
    }

    public static string ConvertToFile(string classifierPath, TempDirectory dir)
    {
        var result = FcnConverter.Convert(OnnxModelFile.Load(classifierPath));
        var fcn = dir.File(Path.GetFileNameWithoutExtension(classifierPath) + "_fcn.onnx");
        OnnxModelFile.Save(result.Model, fcn);
        ModelManifest.From(result, classifierPath, "test").Save(ModelManifest.PathFor(fcn));
        return fcn;
    }
}
