using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using BatchFcn.Scanning;

namespace BatchFcn.Cli.Commands;

/// <summary>
/// The options shared by <c>run</c> and <c>demo</c>. They only parse: each one given on the command line becomes the
/// configuration key it overrides (<c>--tile 512</c> → <c>BatchFcn:Scan:TileSize</c>), layered over
/// <c>appsettings.json</c> and <c>BatchFcn__…</c> environment variables, and the options' validators judge the result
/// once, at start. An option not given leaves the configured value (or the documented default).
/// </summary>
internal sealed class ScanArguments(bool normalization = true, bool node = true)
{
    private readonly List<(Option Option, string Key, Func<ParseResult, IEnumerable<KeyValuePair<string, string?>>> Values)> keys = [];

    public Option<bool> Overwrite { get; } = new("--overwrite") { Description = "Replace an earlier scan in the output folder (an unfinished scan of the same map is resumed without it)" };

    public NormalizationOptions Normalization { get; } = new();

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        Int(command, "--tile", "Scan:TileSize", "Tile input size in pixels, rounded down to whole cells of the network (default 0 = automatic: the size with the least work for this image, 512 to --max-tile)");
        Int(command, "--max-tile", "Scan:MaxAutoTileSize", "Largest tile the automatic choice may pick, in pixels; also bounds each job of a cut network (default 4096; memory grows with its square)");
        Text(command, "--split", "Scan:Split", "Cut the network in two (trunk on image tiles, the rest on large tiles of its output): auto (default; when the planned work falls by at least 5 %), off, or a tensor name (see 'inspect')");
        Text(command, "--tissue", "Scan:Tissue", "Background skipping: saturation (default), otsu or off", "saturation", "otsu", "off");
        Number(command, "--tissue-threshold", "Scan:TissueThreshold", "Saturation above which a thumbnail pixel is foreground (default 0.08)");
        Int(command, "--level", "Scan:Level", "Pyramid level to scan (default 0 = full resolution)");
        Number(command, "--mpp", "Scan:MicronsPerPixel", "Scan the level closest to this many microns per pixel (overrides --level)");
        Int(command, "--density", "Scan:Density", "Output density α: a map at stride S/α by shift-and-stitch (default 1)");
        if (node)
        {
            // Each node's own tuning: for run and demo; a worker has its own options; submit has none (never from the submitter).
            Text(command, "--backend", "Backend:Backend", "auto (default), cpu or cuda");
            Int(command, "--threads", "Backend:Threads", "CPU backend threads (default 0 = the container's CPU limit)");
            Int(command, "--readers", "Node:Readers", "Threads reading and decoding tiles beside inference (default 0 = one per 4 CPUs, 1 to 8)");
            Int(command, "--batch", "Node:BatchSize", "Same-shape tiles per inference call (default 4)");
        }

        Flag(command, "--npy", "Output:WriteNpy", "Also write scores.npy (float32 [class, y, x])");
        var heatmapClass = new Option<string>("--class") { Description = "Class shown in the heatmap, by name (the model's labels) or index (default: the manifest's positive class, else the last)" };
        command.Options.Add(heatmapClass);
        keys.Add((heatmapClass, "Output:HeatmapClass", p => p.GetValue(heatmapClass) is { } v && int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)
            ? [new("Output:HeatmapClass", v)]
            : [new("Output:HeatmapLabel", p.GetValue(heatmapClass))]));
        Text(command, "--output", "Output:Values", "What scores.zarr holds: network (default; what the network outputs, logits for most exports) or probabilities (softmax over the classes, sigmoid for one logit)", "network", "probabilities");
        Text(command, "--compression", "Output:Compression", "How scores.zarr's chunks are stored: zlib (default; byte shuffle + zlib, read by zarr-python as is) or none", "zlib", "none");
        if (node)
        {
            Flag(command, "--allow-no-avx2", "Backend:AllowNoAvx2", "Run the CPU backend on a processor without AVX2");
        }

        Text(command, "--storage", "Storage:ConnectionString", "Azure Storage connection string for az:// addresses (default: the BATCHFCN_STORAGE environment variable); never printed");
        if (node)
        {
            command.Options.Add(Overwrite);
        }

        if (normalization)
        {
            Normalization.AddTo(command);
        }
    }

    /// <summary>The configuration keys the command line sets, under <c>BatchFcn:</c>.</summary>
    /// <exception cref="ScanException">A normalisation value is malformed.</exception>
    public Dictionary<string, string?> Configuration(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (option, _, read) in keys)
        {
            if (parse.GetResult(option) is { Implicit: false })
            {
                foreach (var (key, value) in read(parse))
                {
                    values[$"{ScanningServiceCollectionExtensions.Section}:{key}"] = value;
                }
            }
        }

        if (normalization && Normalization.Parse(parse) is { } n)
        {
            var prefix = $"{ScanningServiceCollectionExtensions.Section}:Scan:Normalization";
            values[$"{prefix}:Scale"] = n.Scale.ToString("R", CultureInfo.InvariantCulture);
            for (int c = 0; c < 3; c++)
            {
                values[$"{prefix}:Mean:{c}"] = n.Mean[c].ToString("R", CultureInfo.InvariantCulture);
                values[$"{prefix}:Std:{c}"] = n.Std[c].ToString("R", CultureInfo.InvariantCulture);
            }
        }

        return values;
    }

    private void Int(Command command, string name, string key, string description)
    {
        var option = new Option<int>(name)
        {
            Description = description,
            CustomParser = r => Parse(r, name, "a whole number", (string t, out int v) => int.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out v)),
        };
        Add(command, option, key, p => p.GetValue(option).ToString(CultureInfo.InvariantCulture));
    }

    private void Number(Command command, string name, string key, string description)
    {
        var option = new Option<double>(name)
        {
            Description = description,
            CustomParser = r => Parse(r, name, "a number", (string t, out double v) => double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out v)),
        };
        Add(command, option, key, p => p.GetValue(option).ToString("R", CultureInfo.InvariantCulture));
    }

    private void Text(Command command, string name, string key, string description, params string[] allowed)
    {
        var option = new Option<string>(name) { Description = description };
        if (allowed.Length > 0)
        {
            option.AcceptOnlyFromAmong(allowed);
        }

        Add(command, option, key, p => p.GetValue(option));
    }

    private void Flag(Command command, string name, string key, string description)
    {
        var option = new Option<bool>(name) { Description = description };
        Add(command, option, key, p => p.GetValue(option) ? "true" : "false");
    }

    private void Add(Command command, Option option, string key, Func<ParseResult, string?> read)
    {
        command.Options.Add(option);
        keys.Add((option, key, p => [new(key, read(p))]));
    }

    private delegate bool TryParse<T>(string text, out T value);

    private static T Parse<T>(ArgumentResult result, string name, string kind, TryParse<T> parse)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;
        if (parse(text, out var value))
        {
            return value;
        }

        result.AddError($"{name} takes {kind} (got '{text}')");
        return default!;
    }
}
