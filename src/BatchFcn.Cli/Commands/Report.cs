using BatchFcn.Conversion;

namespace BatchFcn.Cli.Commands;

/// <summary>Shared text output.</summary>
internal static class Report
{
    public static void Geometry(TextWriter w, ModelManifest m)
    {
        w.WriteLine($"  patch {m.Patch.Height}x{m.Patch.Width}, {m.Input.Channels} input channels, {m.Classes} classes, output activation {m.Output.Activation}");
        w.WriteLine($"  {"axis",-6}{"stride",8}{"receptive field",17}{"offset",8}");
        w.WriteLine($"  {"y",-6}{m.GeometryY.Stride,8}{m.GeometryY.ReceptiveField,17}{m.GeometryY.Offset,8}");
        w.WriteLine($"  {"x",-6}{m.GeometryX.Stride,8}{m.GeometryX.ReceptiveField,17}{m.GeometryX.Offset,8}");
        w.WriteLine(m.PaddingFree
            ? "  padding-free: dense output equals the classifier on every crop at multiples of the stride"
            : "  pads inside: dense output differs from isolated crops near crop borders; tiles carry a halo");
    }

    public static string Si(double value) => value switch
    {
        >= 1e12 => $"{value / 1e12:0.00} T",
        >= 1e9 => $"{value / 1e9:0.00} G",
        >= 1e6 => $"{value / 1e6:0.00} M",
        >= 1e3 => $"{value / 1e3:0.00} k",
        _ => $"{value:0}",
    };
}
