using BatchFcn.Imaging;

namespace BatchFcn.Scanning;

/// <summary>
/// Paints classes' probabilities onto a thumbnail of the scanned level, band of the map by band: each thumbnail pixel
/// takes the cell whose receptive field is centred nearest it. Finalize uses it for <c>heatmap.png</c>, <c>render</c>
/// for one PNG per class asked.
/// </summary>
internal sealed class HeatmapPainter
{
    private readonly ScanPlan plan;
    private readonly RgbImage thumb;
    private readonly IReadOnlyList<int> classes;
    private readonly float[][] heats;
    private readonly long[] rowOf;
    private readonly long[] colOf;

    public HeatmapPainter(ScanPlan plan, RgbImage thumb, IReadOnlyList<int> classes)
    {
        this.plan = plan;
        this.thumb = thumb;
        this.classes = classes;
        heats = [.. classes.Select(_ => Enumerable.Repeat(float.NaN, thumb.Width * thumb.Height).ToArray())];
        rowOf = ScanFinalizer.CellIndex(thumb.Height, plan.LevelHeight, plan.StepY, plan.Manifest.GeometryY.ReceptiveField, plan.Manifest.GeometryY.Offset, plan.Rows);
        colOf = ScanFinalizer.CellIndex(thumb.Width, plan.LevelWidth, plan.StepX, plan.Manifest.GeometryX.ReceptiveField, plan.Manifest.GeometryX.Offset, plan.Cols);
    }

    /// <summary>Paints from one band of probabilities ([class, bandRows, Cols], starting at map row <paramref name="bandStart"/>).</summary>
    public void Paint(float[] probabilities, long bandStart, long bandRows)
    {
        long cols = plan.Cols;
        for (int v = 0; v < thumb.Height; v++)
        {
            long r = rowOf[v] - bandStart;
            if (rowOf[v] < 0 || r < 0 || r >= bandRows)
            {
                continue;
            }

            for (int i = 0; i < classes.Count; i++)
            {
                var heat = heats[i];
                long planeStart = classes[i] * bandRows * cols;
                for (int u = 0; u < thumb.Width; u++)
                {
                    if (colOf[u] >= 0)
                    {
                        heat[(v * thumb.Width) + u] = probabilities[planeStart + (r * cols) + colOf[u]];
                    }
                }
            }
        }
    }

    /// <summary>"P(name)" for the <paramref name="index"/>-th class painted.</summary>
    public string Caption(int index) => $"P({plan.Manifest.LabelOf(classes[index]) ?? $"class {classes[index]}"})";

    /// <summary>The <paramref name="index"/>-th class painted, as PNG.</summary>
    public byte[] RenderPng(int index, HeatmapStyle style) => HeatmapRenderer.RenderPng(thumb, heats[index], style);
}
