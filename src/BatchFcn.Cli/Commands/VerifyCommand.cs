using System.CommandLine;
using System.Text.Json;
using BatchFcn.Conversion;

namespace BatchFcn.Cli.Commands;

/// <summary><c>batchfcn verify &lt;classifier.onnx&gt; &lt;fcn.onnx&gt; [--samples N] [--json]</c>.</summary>
internal static class VerifyCommand
{
    public static Command Create(CliContext context)
    {
        var classifier = new Argument<string>("classifier") { Description = "The original classifier" };
        var fcn = new Argument<string>("fcn") { Description = "The network written by 'convert'" };
        var samples = new Option<int>("--samples") { Description = "Random patches to compare (invariant A)", DefaultValueFactory = _ => 8 };
        var cells = new Option<int>("--dense-cells") { Description = "Cells per axis of the dense map compared with sliding crops (invariant B)", DefaultValueFactory = _ => 3 };
        var seed = new Option<int>("--seed") { Description = "Seed of the random inputs", DefaultValueFactory = _ => 2024 };
        var tolerance = new Option<double>("--tolerance") { Description = "Largest accepted relative error ‖a−b‖∞/‖a‖∞", DefaultValueFactory = _ => 1e-5 };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON" };
        var command = new Command("verify", "Prove a conversion numerically: patch outputs equal (A), dense map vs sliding classifier (B)");
        command.Arguments.Add(classifier);
        command.Arguments.Add(fcn);
        command.Options.Add(samples);
        command.Options.Add(cells);
        command.Options.Add(seed);
        command.Options.Add(tolerance);
        command.Options.Add(json);
        command.SetAction(parse => context.Guard(() =>
        {
            var options = new VerifyOptions
            {
                Samples = Positive(parse.GetValue(samples), "--samples"),
                DenseCells = Positive(parse.GetValue(cells), "--dense-cells"),
                Seed = parse.GetValue(seed),
                Tolerance = parse.GetValue(tolerance),
            };
            var report = EquivalenceVerifier.Verify(parse.GetValue(classifier)!, parse.GetValue(fcn)!, options);
            if (parse.GetValue(json))
            {
                context.Out.WriteLine(JsonSerializer.Serialize(new
                {
                    report.Classifier,
                    report.Fcn,
                    report.PatchHeight,
                    report.PatchWidth,
                    report.PaddingFree,
                    report.Tolerance,
                    report.PatchEquivalence,
                    report.PatchEquivalent,
                    report.DenseInputHeight,
                    report.DenseInputWidth,
                    report.DenseVsSliding,
                    report.DenseEquivalent,
                    report.DenseResult,
                    report.DenseVerdict,
                }, JsonOutput.Options));
            }
            else
            {
                Print(context.Out, report);
            }

            if (!report.PatchEquivalent)
            {
                context.Error.WriteLine($"error: invariant A fails: relative error {report.PatchEquivalence.MaxRelativeError:0.00e+0} exceeds {report.Tolerance:0.0e+0}; "
                    + $"{report.Fcn} does not compute what {report.Classifier} computes (were they converted from each other?)");
                return CliApp.VerificationFailed;
            }

            return 0;
        }));
        return command;
    }

    private static int Positive(int value, string name) =>
        value > 0 ? value : throw new ConversionException($"{name} must be at least 1 (got {value})");

    private static void Print(TextWriter w, VerifyReport r)
    {
        w.WriteLine($"verify {r.Classifier} against {r.Fcn} (patch {r.PatchHeight}x{r.PatchWidth}, tolerance {r.Tolerance:0.0e+0} relative)");
        w.WriteLine($"  {"invariant",-34}{"cases",7}{"max abs err",14}{"max rel err",14}{"argmax agree",14}  result");
        Row(w, "A  converted(patch) = classifier", r.PatchEquivalence, r.PatchEquivalent ? "PASS" : "FAIL");
        Row(w, $"B  dense {r.DenseInputHeight}x{r.DenseInputWidth} vs sliding crops", r.DenseVsSliding, r.DenseResult);
        w.WriteLine($"  B: {r.DenseVerdict}");
    }

    private static void Row(TextWriter w, string name, VerifyReport.Comparison c, string result) =>
        w.WriteLine($"  {name,-34}{c.Cases,7}{c.MaxAbsError,14:0.00e+0}{c.MaxRelativeError,14:0.00e+0}{c.ArgmaxAgreements + "/" + c.Cases,14}  {result}");
}
