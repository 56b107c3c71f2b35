namespace BatchFcn.Scanning;

/// <summary>The names of what a scan writes into its output folder.</summary>
public static class ScanOutputs
{
    /// <summary>The plan every tile job refers to (written first).</summary>
    public const string Plan = "plan.json";

    /// <summary>The score map, a Zarr v2 array.</summary>
    public const string Scores = "scores.zarr";

    public const string Heatmap = "heatmap.png";

    /// <summary>Written last: its presence marks a finished scan.</summary>
    public const string Summary = "summary.json";

    public const string Npy = "scores.npy";

    /// <summary>Where a classifier converted on the fly is kept for the scan's workers.</summary>
    public const string ModelFolder = "model/";

    /// <summary>Every key prefix a scan writes, for <c>--overwrite</c> to clear.</summary>
    public static IReadOnlyList<string> All { get; } = [Plan, Scores + "/", Heatmap, Summary, Npy, ModelFolder, TileExecutor.WritersPrefix];
}
