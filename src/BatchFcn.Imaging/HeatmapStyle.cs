namespace BatchFcn.Imaging;

/// <summary>How a heatmap is drawn.</summary>
/// <param name="Caption">What the colours mean, written over the image's bottom edge (e.g. "P(lesion)"); none when null.</param>
/// <param name="Threshold">Scores below it are left uncoloured (0 colours every computed cell).</param>
/// <param name="Opacity">How much of the colour covers the image, 0 to 1.</param>
public sealed record HeatmapStyle(string? Caption = null, float Threshold = 0, float Opacity = 0.6f);
