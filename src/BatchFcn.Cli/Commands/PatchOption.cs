using System.CommandLine;
using BatchFcn.Conversion;

namespace BatchFcn.Cli.Commands;

/// <summary>The <c>--patch H[xW]</c> option shared by convert and inspect.</summary>
internal static class PatchOption
{
    public static Option<string?> Create() => new("--patch")
    {
        Description = "Patch size the classifier was trained on, H or HxW (needed when the model's input size is dynamic)",
        HelpName = "H[xW]",
    };

    public static ConversionOptions Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return new ConversionOptions();
        }

        var parts = value.Split('x', 'X');
        if (parts.Length is < 1 or > 2 || !parts.All(p => int.TryParse(p, out int v) && v > 0))
        {
            throw new ConversionException($"--patch '{value}' is not a size; use H or HxW, e.g. --patch 224 or --patch 256x192");
        }

        int h = int.Parse(parts[0]);
        return new ConversionOptions { PatchHeight = h, PatchWidth = parts.Length == 2 ? int.Parse(parts[1]) : h };
    }
}
