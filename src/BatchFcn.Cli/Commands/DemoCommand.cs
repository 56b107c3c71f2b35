using System.CommandLine;
using System.Diagnostics;
using BatchFcn.Imaging;
using BatchFcn.Scanning;

namespace BatchFcn.Cli.Commands;

/// <summary>
/// <c>batchfcn demo</c>: makes a synthetic slide (once), scans it with the shipped lesion classifier
/// (converted on the fly), and checks the heatmap against the lesions it planted.
/// </summary>
internal static class DemoCommand
{
    /// <summary>The trained demo classifier, copied next to the CLI at build time.</summary>
    public static string ModelPath => Path.Combine(AppContext.BaseDirectory, "models", "demo", "lesion_classifier.onnx");

    public static Command Create(CliContext context)
    {
        var output = new Option<string>("--out") { Description = "Folder for the slide and the scan", DefaultValueFactory = _ => "demo-output" };
        var size = new Option<int>("--size") { Description = "Slide width and height in pixels", DefaultValueFactory = _ => 20480 };
        var scan = new ScanArguments(normalization: false); // the shipped model was trained with its manifest's normalisation
        var command = new Command("demo", "Make a synthetic slide with lesions, scan it with the shipped classifier, write a heatmap and a summary");
        command.Options.Add(output);
        command.Options.Add(size);
        scan.AddTo(command);
        command.SetAction((parse, token) => context.GuardAsync(async () =>
        {
            var dir = Path.GetFullPath(parse.GetValue(output)!);
            int side = parse.GetValue(size);
            if (side is < 256 or > 200_000)
            {
                throw new ScanException($"--size {side} must lie in [256, 200000]");
            }

            Directory.CreateDirectory(dir);
            var slide = Path.Combine(dir, $"demo-slide-{side}.tif");
            var lesions = EnsureSlide(context, slide, side);
            var summary = await ScanReport.RunAsync(context, scan, parse, slide, ModelPath, Path.Combine(dir, "scan"), overwrite: true, token).ConfigureAwait(false);
            ScanReport.Print(context.Out, summary);
            var check = await DemoCheck.EvaluateAsync(summary, lesions, token).ConfigureAwait(false);
            context.Out.WriteLine($"  lesions found: {check.Found} of {check.Lesions} planted; cells called lesion outside them: {check.FalsePositiveFraction:P2} of computed cells");
            context.Out.WriteLine($"open {summary.Outputs.Heatmap} to see them (red = lesion probability near 1).");
            return check.Found == check.Lesions ? 0 : 1;
        }));
        return command;
    }

    private static IReadOnlyList<SyntheticSlide.Lesion> EnsureSlide(CliContext context, string path, int side)
    {
        var truth = path + ".lesions";
        if (File.Exists(path) && File.Exists(truth))
        {
            context.Error.WriteLine($"using the synthetic slide made earlier: {path}");
            return [.. File.ReadAllLines(truth).Select(l => l.Split(' ').Select(long.Parse).ToArray()).Select(v => new SyntheticSlide.Lesion(v[0], v[1], v[2], v[3]))];
        }

        context.Error.WriteLine($"making a {side}x{side} synthetic slide (pyramidal tiled JPEG BigTIFF) at {path} ...");
        var clock = Stopwatch.StartNew();
        var result = SyntheticSlide.Create(path, side, side);
        File.WriteAllLines(truth, result.Lesions.Select(l => $"{l.X} {l.Y} {l.Width} {l.Height}"));
        context.Error.WriteLine($"made it in {clock.Elapsed.TotalSeconds:0.0} s ({new FileInfo(path).Length / 1e6:0} MB, {result.Lesions.Count} lesions)");
        return result.Lesions;
    }
}
