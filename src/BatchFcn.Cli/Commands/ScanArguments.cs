using System.CommandLine;
using BatchFcn.Inference;
using BatchFcn.Scanning;

namespace BatchFcn.Cli.Commands;

/// <summary>The options shared by <c>run</c> and <c>demo</c>, and their translation into scan and backend options.</summary>
internal sealed class ScanArguments
{
    public Option<int> Tile { get; } = new("--tile") { Description = "Tile input size in pixels, rounded down to whole cells of the network (0 = automatic: the size with the least work for this image, 512 to --max-tile)", DefaultValueFactory = _ => 0 };

    public Option<int> MaxTile { get; } = new("--max-tile")
    {
        Description = "Largest tile the automatic choice may pick, in pixels (memory grows with its square; a cut network's halves get tiles of the same memory)",
        DefaultValueFactory = _ => 4096,
    };

    public Option<string> Split { get; } = new("--split")
    {
        Description = "Cut the network in two (trunk on image tiles, the rest on large tiles of its output): auto (when the planned work falls by at least 5 %), off, or a tensor name (see 'inspect')",
        DefaultValueFactory = _ => "auto",
    };

    public Option<string> Tissue { get; } = new("--tissue") { Description = "Background skipping: saturation, otsu or off", DefaultValueFactory = _ => "saturation" };

    public Option<double> TissueThreshold { get; } = new("--tissue-threshold") { Description = "Saturation above which a thumbnail pixel is foreground", DefaultValueFactory = _ => 0.08 };

    public Option<int> Level { get; } = new("--level") { Description = "Pyramid level to scan (0 = full resolution)", DefaultValueFactory = _ => 0 };

    public Option<double?> Mpp { get; } = new("--mpp") { Description = "Scan the level closest to this many microns per pixel (overrides --level)" };

    public Option<int> Density { get; } = new("--density") { Description = "Output density α: a map at stride S/α by shift-and-stitch", DefaultValueFactory = _ => 1 };

    public Option<string> Backend { get; } = new("--backend") { Description = "auto, cpu or cuda", DefaultValueFactory = _ => "auto" };

    public Option<int> Threads { get; } = new("--threads") { Description = "CPU backend threads (0 = the container's CPU limit)", DefaultValueFactory = _ => 0 };

    public Option<int> Readers { get; } = new("--readers") { Description = "Threads reading and decoding tiles beside inference (0 = one per 4 CPUs, 1 to 8)", DefaultValueFactory = _ => 0 };

    public Option<int> Batch { get; } = new("--batch") { Description = "Same-shape tiles per inference call", DefaultValueFactory = _ => 4 };

    public NormalizationOptions Normalization { get; } = new();

    public Option<bool> Npy { get; } = new("--npy") { Description = "Also write scores.npy (float32 [class, y, x])" };

    public Option<int> Class { get; } = new("--class") { Description = "Class shown in the heatmap (default: the last)", DefaultValueFactory = _ => -1 };

    public Option<bool> Overwrite { get; } = new("--overwrite") { Description = "Replace an earlier scan in the output folder" };

    public Option<bool> AllowNoAvx2 { get; } = new("--allow-no-avx2") { Description = "Run the CPU backend on a processor without AVX2" };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Tile, MaxTile, Split, Tissue, TissueThreshold, Level, Mpp, Density, Backend, Threads, Readers, Batch, Npy, Class, Overwrite, AllowNoAvx2 })
        {
            command.Options.Add(option);
        }

        Normalization.AddTo(command);
    }

    public ScanOptions ScanOptions(ParseResult parse)
    {
        var tissue = parse.GetValue(Tissue) switch
        {
            "saturation" => TissueMode.Saturation,
            "otsu" => TissueMode.Otsu,
            "off" => TissueMode.Off,
            var other => throw new ScanException($"--tissue '{other}' is not one of saturation, otsu, off"),
        };
        var normalization = Normalization.Parse(parse);
        var options = new ScanOptions
        {
            TileSize = parse.GetValue(Tile) is 0 ? 0 : Range(parse.GetValue(Tile), 16, 16384, "--tile"),
            MaxAutoTileSize = Range(parse.GetValue(MaxTile), 64, 16384, "--max-tile"),
            Tissue = tissue,
            TissueThreshold = parse.GetValue(TissueThreshold) is var t and >= 0 and <= 1 ? t : throw new ScanException("--tissue-threshold must lie in [0, 1]"),
            Level = Range(parse.GetValue(Level), 0, 64, "--level"),
            MicronsPerPixel = parse.GetValue(Mpp) is { } m ? (m > 0 ? m : throw new ScanException("--mpp must be positive")) : null,
            Density = Range(parse.GetValue(Density), 1, 16, "--density"),
            BatchSize = Range(parse.GetValue(Batch), 1, 256, "--batch"),
            Readers = Range(parse.GetValue(Readers), 0, 64, "--readers"),
            Normalization = normalization,
            WriteNpy = parse.GetValue(Npy),
            HeatmapClass = parse.GetValue(Class),
            Split = parse.GetValue(Split) is { Length: > 0 } split ? split : throw new ScanException("--split needs auto, off or a tensor name"),
        };
        return options;
    }

    public BackendOptions BackendOptions(ParseResult parse) => new()
    {
        Backend = parse.GetValue(Backend) is "auto" or "cpu" or "cuda" ? parse.GetValue(Backend)! : throw new ScanException($"--backend '{parse.GetValue(Backend)}' is not one of auto, cpu, cuda"),
        Threads = Range(parse.GetValue(Threads), 0, 1024, "--threads"),
        AllowNoAvx2 = parse.GetValue(AllowNoAvx2),
    };



    private static int Range(int value, int min, int max, string name) =>
        value >= min && value <= max ? value : throw new ScanException($"{name} must lie in [{min}, {max}] (got {value})");
}
