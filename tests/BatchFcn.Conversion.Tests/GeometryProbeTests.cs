using BatchFcn.Geometry;
using BatchFcn.Testing;

namespace BatchFcn.Conversion.Tests;

/// <summary>
/// Confirms the derived geometry empirically: perturbing one input pixel may only move the output cells
/// whose receptive window [j·S − P, j·S − P + R) holds it, and a pixel at a window's first or last
/// position does move that window's cell.
/// </summary>
public sealed class GeometryProbeTests
{
    [Theory]
    [InlineData("scannet_vgg244")]
    [InlineData("alexnet_adaptive")]
    [InlineData("resnet_gap")]
    [InlineData("mobilenetv2")]
    [InlineData("lenet_view")]
    [InlineData("bn_dropout_head")]
    [InlineData("fully_conv")]
    public void PerturbedPixel_MovesExactlyThePredictedCells(string name)
    {
        using var dir = TestPaths.TempDirectory();
        var fcn = ConversionHarness.ConvertToFile(TestPaths.Model(name), dir);
        var manifest = BatchFcn.Conversion.ModelManifest.Load(BatchFcn.Conversion.ModelManifest.PathFor(fcn));
        var g = manifest.ToGeometry();
        var gy = g.Y.Geometry;
        var gx = g.X.Geometry;
        int h = manifest.Patch.Height + (4 * gy.Stride);
        int w = manifest.Patch.Width + (4 * gx.Stride);
        long c = manifest.Input.Channels;
        using var model = new OrtModel(fcn);
        var input = OrtModel.Random(11, c * h * w);
        var (baseline, shape) = model.Run(input, 1, c, h, w);
        long rows = shape[2], cols = shape[3];
        Assert.Equal(g.OutputSize(h, w), (rows, cols));

        long cy = rows / 2, cx = cols / 2;
        int y = (int)(gy.WindowStart(cy) + (gy.ReceptiveField / 2));
        foreach (long x in new[] { gx.WindowStart(cx), gx.WindowEnd(cx) - 1, gx.WindowStart(cx) - 1, gx.WindowEnd(cx) })
        {
            if (x < 0 || x >= w)
            {
                continue;
            }

            var changedColumns = new HashSet<long>();
            foreach (float delta in new[] { 50f, -50f })
            {
                var probe = (float[])input.Clone();
                for (long ch = 0; ch < c; ch++)
                {
                    probe[(((ch * h) + y) * w) + x] += delta;
                }

                var moved = model.Run(probe, 1, c, h, w).Values;
                for (int i = 0; i < moved.Length; i++)
                {
                    if (moved[i] != baseline[i])
                    {
                        long col = i % cols;
                        long row = i / cols % rows;
                        Assert.True(row * gy.Stride - gy.Offset <= y && y < row * gy.Stride - gy.Offset + gy.ReceptiveField,
                            $"{name}: pixel ({y},{x}) moved row {row} outside its predicted window");
                        changedColumns.Add(col);
                    }
                }
            }

            var predicted = Enumerable.Range(0, (int)cols).Where(j => gx.WindowStart(j) <= x && x < gx.WindowEnd(j)).Select(j => (long)j).ToHashSet();
            Assert.True(changedColumns.IsSubsetOf(predicted),
                $"{name}: pixel x={x} moved columns [{string.Join(",", changedColumns)}], predicted [{string.Join(",", predicted)}]");
            if (x == gx.WindowStart(cx) || x == gx.WindowEnd(cx) - 1)
            {
                Assert.Contains(cx, changedColumns);
            }
            else
            {
                Assert.DoesNotContain(cx, changedColumns);
            }
        }
    }
}
