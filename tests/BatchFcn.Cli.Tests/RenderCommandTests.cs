using NetVips;

using static BatchFcn.Cli.Tests.CliRunner;

namespace BatchFcn.Cli.Tests;

/// <summary><c>batchfcn render</c>: heatmaps redrawn from a scan's map, one per class, with a threshold and an opacity.</summary>
public sealed class RenderCommandTests
{
    [Fact]
    public void Render_TwoClassesByNameAndIndex_OnePngEach_WithNumbersAndTheClassOnTheBar()
    {
        var (_, scan, _) = LabelledScan.Shared.Value;
        var render = Run("render", scan, "--class", "lesion", "--class", "1");
        Assert.True(render.Code == 0, render.Err);
        var lesion = Path.Combine(scan, "heatmap-lesion.png");
        var tissue = Path.Combine(scan, "heatmap-tissue.png");
        Assert.Contains(lesion, render.Out, StringComparison.Ordinal);
        Assert.Contains(tissue, render.Out, StringComparison.Ordinal);

        using var a = Image.NewFromBuffer(File.ReadAllBytes(lesion));
        using var b = Image.NewFromBuffer(File.ReadAllBytes(tissue));
        using var heatmap = Image.NewFromBuffer(File.ReadAllBytes(Path.Combine(scan, "heatmap.png")));
        Assert.Equal(heatmap.Width, a.Width);
        Assert.False(a.WriteToMemory<byte>().AsSpan().SequenceEqual(b.WriteToMemory<byte>()), "two classes, two pictures");
        // The same class as the scan's own heatmap (the last, 'lesion') draws the same picture.
        Assert.True(a.WriteToMemory<byte>().AsSpan().SequenceEqual(heatmap.WriteToMemory<byte>()), "render redraws what finalize drew");
        // Text under the colour bar: dark pixels in the band below it (tick values), none there without text.
        int below = a.Height - 12;
        using var band = a.Crop(0, below, a.Width, 8);
        Assert.True(band.Min() < 100, "tick values are written under the bar");
    }

    [Fact]
    public void Render_Threshold_LeavesLowCellsUncoloured()
    {
        var (_, scan, _) = LabelledScan.Shared.Value;
        var quiet = Run("render", scan, "--class", "background", "-q");
        Assert.Equal(0, quiet.Code);
        Assert.Equal("", quiet.Out);
        // Read from bytes: libvips caches what a file name loaded, and the second render rewrites the same file.
        using var all = Image.NewFromBuffer(File.ReadAllBytes(Path.Combine(scan, "heatmap-background.png")));
        var every = all.WriteToMemory<byte>();
        Assert.Equal(0, Run("render", scan, "--class", "background", "--threshold", "0.999", "--alpha", "1").Code);
        using var few = Image.NewFromBuffer(File.ReadAllBytes(Path.Combine(scan, "heatmap-background.png")));
        Assert.False(every.AsSpan().SequenceEqual(few.WriteToMemory<byte>()));
    }

    [Theory]
    [InlineData("--class", "necrosis", "'necrosis' is not one of the model's classes")]
    [InlineData("--class", "7", "--class 7 does not exist")]
    [InlineData("--threshold", "2", "--threshold 2 is not a probability")]
    [InlineData("--alpha", "-1", "--alpha -1 is not an opacity")]
    public void Render_BadRequest_IsRefusedClearly(string option, string value, string expected)
    {
        var (_, scan, _) = LabelledScan.Shared.Value;
        var render = Run("render", scan, option, value);
        Assert.Equal(CliApp.UserError, render.Code);
        Assert.Contains(expected, render.Err, StringComparison.Ordinal);
    }
}
