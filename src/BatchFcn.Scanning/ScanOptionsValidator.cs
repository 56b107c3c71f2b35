using Microsoft.Extensions.Options;

namespace BatchFcn.Scanning;

/// <summary>The one place of the rules of <see cref="ScanOptions"/> and <see cref="OutputOptions"/>: checked at start
/// for the configured defaults and again for every request (a request from a queue was never on a command line).
/// Rules that need the model or image (the heatmap class against the classes, the density against the stride) are
/// the planner's.</summary>
public sealed class ScanOptionsValidator : IValidateOptions<ScanOptions>, IValidateOptions<OutputOptions>
{
    public ValidateOptionsResult Validate(string? name, ScanOptions options) => Result(Problems(options));

    public ValidateOptionsResult Validate(string? name, OutputOptions options) => Result(Problems(options));

    /// <summary>Every broken rule of a request, in the user's words; empty when it may run.</summary>
    public static IReadOnlyList<string> Problems(ScanRequested request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new List<string>();
        if (ScanIds.Problem(request.ScanId) is { } id)
        {
            errors.Add(id);
        }

        foreach (var (what, value) in new[] { ("image", request.Image), ("model", request.Model), ("output", request.Output) })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                errors.Add($"the {what} is missing");
            }
        }

        errors.AddRange(Problems(request.Scan));
        errors.AddRange(Problems(request.Outputs));
        return errors;
    }

    public static IReadOnlyList<string> Problems(ScanOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        Rules.Range(errors, "--level", "Scan:Level", options.Level, 0, 64);
        if (options.MicronsPerPixel is { } mpp && !(mpp > 0 && mpp < 1e6))
        {
            errors.Add($"--mpp must be positive (got {mpp}{Rules.Setting("Scan:MicronsPerPixel")})");
        }

        if (options.TileSize != 0)
        {
            Rules.Range(errors, "--tile", "Scan:TileSize", options.TileSize, 16, 16384);
        }

        Rules.Range(errors, "--max-tile", "Scan:MaxAutoTileSize", options.MaxAutoTileSize, 64, 16384);
        if (!Enum.IsDefined(options.Tissue))
        {
            errors.Add($"--tissue {(int)options.Tissue} is not one of saturation, otsu, off");
        }

        Rules.Range(errors, "--tissue-threshold", "Scan:TissueThreshold", options.TissueThreshold, 0.0, 1.0);
        Rules.Range(errors, "--density", "Scan:Density", options.Density, 1, 16);
        Rules.Range(errors, "thumbnail size", "Scan:ThumbnailSize", options.ThumbnailSize, 64, 8192);
        if (string.IsNullOrWhiteSpace(options.Split))
        {
            errors.Add("--split needs auto, off or a tensor name");
        }
        else if (options.Split != "off" && (options.TileSize != 0 || options.Density != 1) && options.Split != "auto")
        {
            errors.Add($"--split {options.Split} needs the automatic tile size (--tile 0) and --density 1");
        }

        if (options.Normalization is { } n)
        {
            errors.AddRange(Problems(n));
        }

        return errors;
    }

    public static IReadOnlyList<string> Problems(Normalization normalization)
    {
        ArgumentNullException.ThrowIfNull(normalization);
        if (normalization.Mean is not { Length: 3 } || normalization.Std is not { Length: 3 })
        {
            return ["normalization needs 3 mean and 3 std values (r,g,b): --mean r,g,b --std r,g,b"];
        }

        return normalization.Std.Any(s => !(s > 0)) || !(normalization.Scale > 0) ? ["normalization: --scale and --std must be positive"] : [];
    }

    public static IReadOnlyList<string> Problems(OutputOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.HeatmapClass < -1)
        {
            errors.Add($"--class {options.HeatmapClass} does not exist: classes are numbered from 0 (-1, the default, means the manifest's positive class, else the last; setting BatchFcn:Output:HeatmapClass)");
        }

        if (options.HeatmapLabel is not null && options.HeatmapClass >= 0)
        {
            errors.Add("the heatmap class is given twice, by index (BatchFcn:Output:HeatmapClass) and by name (BatchFcn:Output:HeatmapLabel); give one");
        }

        if (options.Compression is not ("zlib" or "none"))
        {
            errors.Add($"--compression '{options.Compression}' is not one: use zlib (the default) or none (setting BatchFcn:Output:Compression)");
        }

        if (options.Values is not ("network" or "probabilities"))
        {
            errors.Add($"--output '{options.Values}' is not one: use network (the default) or probabilities (setting BatchFcn:Output:Values)");
        }

        return errors;
    }

    private static ValidateOptionsResult Result(IReadOnlyList<string> errors) =>
        errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
}
