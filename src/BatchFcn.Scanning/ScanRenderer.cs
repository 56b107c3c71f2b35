using BatchFcn.Imaging;
using BatchFcn.Storage;

namespace BatchFcn.Scanning;

/// <summary>
/// Redraws heatmaps from a finished scan's <c>scores.zarr</c> without scanning again (<c>batchfcn render</c>): one PNG
/// per class asked, <c>heatmap-&lt;class&gt;.png</c> in the scan's folder, with a threshold below which cells are left
/// uncoloured and the colour's opacity. Classes are named or numbered as <c>run --class</c> takes them.
/// </summary>
public sealed class ScanRenderer(BlobStoreResolver stores, ImageOpener images)
{
    /// <summary>Renders the scan in <paramref name="scanFolder"/> and returns the addresses written.</summary>
    /// <param name="scanFolder">A finished scan's folder (local or <c>az://</c>).</param>
    /// <param name="classes">Names or indices; none: the scan's heatmap class.</param>
    /// <param name="style">Threshold and opacity (the caption is each class's).</param>
    /// <param name="cancellationToken">Cancels the rendering.</param>
    /// <exception cref="ScanException">No finished scan there, a class the model lacks, or a threshold or opacity outside [0, 1].</exception>
    public async Task<IReadOnlyList<string>> RenderAsync(string scanFolder, IReadOnlyList<string> classes, HeatmapStyle style, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentNullException.ThrowIfNull(style);
        if (style.Threshold is < 0 or > 1 || float.IsNaN(style.Threshold))
        {
            throw new ScanException($"--threshold {style.Threshold} is not a probability; give one from 0 to 1");
        }

        if (style.Opacity is < 0 or > 1 || float.IsNaN(style.Opacity))
        {
            throw new ScanException($"--alpha {style.Opacity} is not an opacity; give one from 0 (none) to 1 (opaque)");
        }

        var folder = stores.ResolveFolder(scanFolder);
        if (!await folder.ExistsAsync(ScanOutputs.Plan, cancellationToken).ConfigureAwait(false))
        {
            throw new ScanException($"'{scanFolder}' holds no scan (no plan.json); render reads a scan 'run' or a worker wrote");
        }

        var plan = await ScanPlanningService.ReadAsync(folder, ScanOutputs.Plan, cancellationToken).ConfigureAwait(false);
        // Each name or index resolved by the one rule run's --class follows.
        var indices = classes.Count == 0 ? [ScanFinalizer.HeatmapClass(plan)] : classes.Select(c => ScanFinalizer.HeatmapClass(plan with
        {
            Outputs = int.TryParse(c, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int index)
                ? plan.Outputs with { HeatmapClass = index, HeatmapLabel = null }
                : plan.Outputs with { HeatmapClass = -1, HeatmapLabel = c },
        })).Distinct().ToList();
        var scores = await ZarrScoreArray.OpenAsync(folder, ScanOutputs.Scores, cancellationToken).ConfigureAwait(false);
        using var image = await images.OpenAsync(plan.ImagePath, cancellationToken).ConfigureAwait(false);
        var painter = new HeatmapPainter(plan, image.Thumbnail(plan.Options.ThumbnailSize), indices);
        string activation = ScanFinalizer.StoredActivation(plan);
        int k = (int)plan.Classes;
        var scratch = new ScanFinalizer.Scratch();
        for (int band = 0; band < scores.ChunkGridRows; band++)
        {
            var probabilities = await scores.ReadChunkRowAsync(band, cancellationToken).ConfigureAwait(false);
            long bandRows = probabilities.LongLength / k / scores.Cols;
            ScanFinalizer.ToProbabilities(activation, probabilities, k, checked((int)(bandRows * scores.Cols)), scratch);
            painter.Paint(probabilities, (long)band * scores.ChunkRows, bandRows);
        }

        var written = new List<string>();
        for (int i = 0; i < indices.Count; i++)
        {
            string key = $"heatmap-{FileName(plan.Manifest.LabelOf(indices[i]) ?? indices[i].ToString(System.Globalization.CultureInfo.InvariantCulture))}.png";
            await folder.WriteAsync(key, painter.RenderPng(i, style with { Caption = painter.Caption(i) }), cancellationToken).ConfigureAwait(false);
            written.Add(folder.Describe(key));
        }

        return written;
    }

    /// <summary>A class name made safe as a file name: letters, digits, '-', '_' and '.' kept, anything else '_'.</summary>
    private static string FileName(string name) =>
        new([.. name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')]);
}
