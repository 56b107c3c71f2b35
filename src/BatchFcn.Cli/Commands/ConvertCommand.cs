using System.CommandLine;
using System.Diagnostics;
using BatchFcn.Conversion;

namespace BatchFcn.Cli.Commands;

/// <summary><c>batchfcn convert &lt;classifier.onnx&gt; -o &lt;fcn.onnx&gt; [--patch H[xW]]</c>.</summary>
internal static class ConvertCommand
{
    public static Command Create(CliContext context)
    {
        var model = new Argument<string>("classifier") { Description = "The classifier exported to ONNX" };
        var output = new Option<string>("--output", "-o") { Description = "Where to write the fully convolutional model (its manifest goes next to it as .json)", Required = true };
        var patch = PatchOption.Create();
        var normalization = new NormalizationOptions();
        var labels = new Option<string?>("--labels") { Description = "The class names: a file with one name per line, or JSON (an array, an index→name object, or {\"labels\": [...], \"positive\": NAME})" };
        var positive = new Option<string?>("--positive") { Description = "The class a heatmap shows by default (one of --labels)" };
        var command = new Command("convert", "Rewrite a classifier's fully-connected head as convolutions and write the network with its manifest");
        command.Arguments.Add(model);
        command.Options.Add(output);
        command.Options.Add(patch);
        command.Options.Add(labels);
        command.Options.Add(positive);
        normalization.AddTo(command);
        command.SetAction(parse => context.Guard(() =>
        {
            var source = parse.GetValue(model)!;
            var target = parse.GetValue(output)!;
            if (Path.GetFullPath(source) == Path.GetFullPath(target))
            {
                throw new ConversionException("the output would overwrite the classifier; choose another --output path");
            }

            var given = normalization.Parse(parse);
            string? labelsPath = parse.GetValue(labels);
            if (labelsPath is null && parse.GetValue(positive) is not null)
            {
                throw new ConversionException("--positive names one of the --labels; give --labels too");
            }

            var names = labelsPath is null ? null : ClassLabels.Load(labelsPath).WithPositive(parse.GetValue(positive), "--positive");
            var clock = Stopwatch.StartNew();
            var result = FcnConverter.Convert(OnnxModelFile.Load(source), PatchOption.Parse(parse.GetValue(patch)));
            var manifest = ModelManifest.From(result, source, ModelManifest.Sha256Of(source)) with
            {
                Normalization = given is null ? null : new ModelManifest.NormalizationManifest(given.Scale, given.Mean, given.Std),
                Labels = names?.Names,
                Positive = names?.Positive,
            };
            names?.Check(manifest.Classes, labelsPath!); // before anything is written
            OnnxModelFile.Save(result.Model, target);
            manifest.Save(ModelManifest.PathFor(target));
            var w = context.Quiet ? TextWriter.Null : context.Out;
            w.WriteLine(result.AlreadyFullyConvolutional
                ? $"{source} has no fully-connected head: it is already fully convolutional and was passed through."
                : $"converted {result.FullyConnectedLayersConverted} fully-connected layer(s) of {source} to convolutions.");
            w.WriteLine($"  head before: {string.Join(" → ", result.HeadBefore.DefaultIfEmpty("(none)"))}");
            w.WriteLine($"  head after:  {string.Join(" → ", result.HeadAfter.DefaultIfEmpty("(none)"))}");
            Report.Geometry(w, manifest);
            w.WriteLine($"wrote {target} and {ModelManifest.PathFor(target)} in {clock.Elapsed.TotalSeconds:0.00} s");
            return 0;
        }));
        return command;
    }
}
