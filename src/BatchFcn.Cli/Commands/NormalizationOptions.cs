using System.CommandLine;
using System.Globalization;
using BatchFcn.Inference;
using BatchFcn.Scanning;

namespace BatchFcn.Cli.Commands;

/// <summary><c>--scale</c>, <c>--mean r,g,b</c>, <c>--std r,g,b</c>: shared by <c>convert</c> (recorded in the
/// manifest) and <c>run</c>/<c>demo</c> (override the manifest).</summary>
internal sealed class NormalizationOptions
{
    public Option<float?> Scale { get; } = new("--scale") { Description = "Pixel scale before mean/std (default 1/255)" };

    public Option<string?> Mean { get; } = new("--mean") { Description = "Per-channel mean r,g,b (default ImageNet 0.485,0.456,0.406)" };

    public Option<string?> Std { get; } = new("--std") { Description = "Per-channel std r,g,b (default ImageNet 0.229,0.224,0.225)" };

    public void AddTo(Command command)
    {
        command.Options.Add(Scale);
        command.Options.Add(Mean);
        command.Options.Add(Std);
    }

    /// <summary>The normalisation given on the command line (unset parts from ImageNet's), or <see langword="null"/> when none was.</summary>
    /// <exception cref="ScanException">A value is malformed or not positive.</exception>
    public Normalization? Parse(ParseResult parse)
    {
        float? scale = parse.GetValue(Scale);
        string? mean = parse.GetValue(Mean), std = parse.GetValue(Std);
        if (scale is null && mean is null && std is null)
        {
            return null;
        }

        var d = Normalization.ImageNet;
        var n = new Normalization(scale ?? d.Scale, mean is null ? d.Mean : Triple(mean, "--mean"), std is null ? d.Std : Triple(std, "--std"));
        return ScanOptionsValidator.Problems(n) is [var problem, ..] ? throw new ScanException(problem) : n;
    }

    private static float[] Triple(string text, string name)
    {
        var parts = text.Split(',');
        return parts.Length == 3 && parts.All(p => float.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            ? [.. parts.Select(p => float.Parse(p, CultureInfo.InvariantCulture))]
            : throw new ScanException($"{name} '{text}' must be three numbers r,g,b, e.g. 0.5,0.5,0.5");
    }
}
