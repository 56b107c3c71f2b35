using BatchFcn.Imaging;
using BatchFcn.Inference;

namespace BatchFcn.Scanning.Tests;

/// <summary>
/// Invariant C on real exported networks: the tiled-and-stitched map equals the converted network run on
/// the whole image at once, for padded and padding-free networks, image sizes that are not multiples of
/// the stride (and slivers at the edge), images smaller than one tile, and several tile sizes.
/// </summary>
public sealed class StitchingTests
{
    public static TheoryData<string, int, int, int> Cases => new()
    {
        // model, image width, image height, tile size
        { "scannet_vgg244", 501, 389, 300 },
        { "scannet_vgg244", 245, 277, 1024 },     // smaller than one tile; a 1-pixel sliver beyond the patch
        { "resnet_gap", 455, 397, 512 },          // padded: tiles carry a halo
        { "resnet_gap", 300, 700, 260 },          // tile smaller than the halo'd minimum: one cell per tile
        { "alexnet_adaptive", 470, 333, 400 },
        { "mobilenetv2", 381, 415, 450 },
        { "lenet_view", 97, 61, 40 },
        { "bn_dropout_head", 150, 131, 90 },
        { "fully_conv", 77, 90, 33 },
        { "demo", 333, 250, 128 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void TiledMap_EqualsWholeImageRun(string model, int width, int height, int tile)
    {
        var (fcn, manifest) = ScanFixture.Fcn(model);
        var image = ScanFixture.RandomImage(width, height, seed: width + height);
        using var source = new InMemoryImageSource("random", image);
        var plan = ScanPlanner.Plan("test", source, fcn, manifest, new ScanOptions { TileSize = tile, Tissue = TissueMode.Off });
        Assert.Equal(plan.TotalTiles, plan.Tiles.Count);

        using var backend = BackendSelector.Select(fcn, new BackendOptions { Backend = "cpu", Threads = 1 }).Backend;
        var processor = new TileProcessor(plan, source, backend);
        var chunks = plan.Tiles.ToDictionary(t => (t.ChunkRow, t.ChunkCol), processor.Compute);
        var stitched = ScanFixture.Assemble(plan, chunks);

        var (whole, rows, cols) = ScanFixture.WholeImage(fcn, image);
        Assert.Equal((rows, cols), (plan.Rows, plan.Cols));
        double error = ScanFixture.MaxRelativeError(whole, stitched);
        Assert.True(error <= 1e-5, $"{model} {width}x{height} tile {tile}: relative error {error:0.00e+0} over {plan.Tiles.Count} tiles");
    }

    [Theory]
    [InlineData("demo", 2, 300, 260, 160)]
    [InlineData("lenet_view", 4, 90, 70, 48)]
    [InlineData("resnet_gap", 2, 400, 380, 420)]
    public void DenseMap_InterleavesShiftedWholeImageRuns(string model, int density, int width, int height, int tile)
    {
        var (fcn, manifest) = ScanFixture.Fcn(model);
        var image = ScanFixture.RandomImage(width, height, seed: 5);
        using var source = new InMemoryImageSource("random", image);
        var plan = ScanPlanner.Plan("test", source, fcn, manifest, new ScanOptions { TileSize = tile, Tissue = TissueMode.Off, Density = density });
        int step = manifest.GeometryY.Stride / density;
        Assert.Equal(step, plan.StepY);

        using var backend = BackendSelector.Select(fcn, new BackendOptions { Backend = "cpu", Threads = 1 }).Backend;
        var processor = new TileProcessor(plan, source, backend);
        var stitched = ScanFixture.Assemble(plan, plan.Tiles.ToDictionary(t => (t.ChunkRow, t.ChunkCol), processor.Compute));

        var expected = new float[stitched.Length];
        Array.Fill(expected, float.NaN);
        for (int a = 0; a < density; a++)
        {
            for (int b = 0; b < density; b++)
            {
                var (values, rows, cols) = ScanFixture.WholeImage(fcn, image, a * step, b * step);
                for (long k = 0; k < plan.Classes; k++)
                {
                    for (long i = 0; i < rows; i++)
                    {
                        for (long j = 0; j < cols; j++)
                        {
                            long y = (i * density) + a, x = (j * density) + b;
                            expected[(((k * plan.Rows) + y) * plan.Cols) + x] = values[(((k * rows) + i) * cols) + j];
                        }
                    }
                }
            }
        }

        Assert.DoesNotContain(expected, float.IsNaN);
        double error = ScanFixture.MaxRelativeError(expected, stitched);
        Assert.True(error <= 1e-5, $"{model} density {density}: relative error {error:0.00e+0}");
    }

    [Fact]
    public void ImageSmallerThanThePatch_IsRefusedClearly()
    {
        var (fcn, manifest) = ScanFixture.Fcn("scannet_vgg244");
        using var source = new InMemoryImageSource("tiny.png", ScanFixture.RandomImage(200, 300, 1));
        var e = Assert.Throws<ScanException>(() => ScanPlanner.Plan("t", source, fcn, manifest, new ScanOptions()));
        Assert.Contains("smaller than the network needs", e.Message, StringComparison.Ordinal);
        Assert.Contains("tiny.png", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DensityNotDividingTheStride_IsRefused()
    {
        var (fcn, manifest) = ScanFixture.Fcn("demo");
        using var source = new InMemoryImageSource("img", ScanFixture.RandomImage(300, 300, 1));
        var e = Assert.Throws<ScanException>(() => ScanPlanner.Plan("t", source, fcn, manifest, new ScanOptions { Density = 3 }));
        Assert.Contains("does not divide the network's stride 8x8", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tile_ComputedTwice_IsByteIdentical()
    {
        var (fcn, manifest) = ScanFixture.Fcn("resnet_gap");
        using var source = new InMemoryImageSource("img", ScanFixture.RandomImage(400, 400, 3));
        var plan = ScanPlanner.Plan("t", source, fcn, manifest, new ScanOptions { TileSize = 300, Tissue = TissueMode.Off });
        using var backend = BackendSelector.Select(fcn, new BackendOptions { Backend = "cpu" }).Backend;
        var processor = new TileProcessor(plan, source, backend);
        var tile = plan.Tiles[plan.Tiles.Count / 2];
        Assert.Equal(processor.Compute(tile), processor.Compute(tile));
    }
}
