using BatchFcn.Conversion;
using BatchFcn.Geometry;
using BatchFcn.Inference;
using BatchFcn.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace BatchFcn.Scanning.Tests;

/// <summary>The automatic tile size and cut chosen by measured run costs: the curve's predictions, the planner's choice
/// under curves with and without a cache cliff, and the calibration's cache (kept when it matches, redone when the
/// model or backend changed).</summary>
public sealed class TileCalibrationTests
{
    private static TileCostCurve Curve(params (int Side, double SecondsPerMegapixel)[] points) =>
        new([.. points.Select(p => new TileCostPoint((long)p.Side * p.Side, p.SecondsPerMegapixel * p.Side * p.Side / 1e6))]);

    [Fact]
    public void Seconds_BetweenAndBeyondMeasuredSizes_InterpolatesPerPixelCostInLogPixelsAndKeepsItGrowingBeyond()
    {
        var curve = Curve((512, 0.04), (2048, 0.20));
        Assert.Equal(0.04 * 256 * 256 / 1e6, curve.Seconds(256 * 256), 9); // below: the smallest's rate
        Assert.Equal(0.12 * 1024 * 1024 / 1e6, curve.Seconds(1024 * 1024), 6); // halfway in log pixels: halfway in rate
        // Beyond: the cost per pixel keeps growing as between the last two sizes (×5 per 16× pixels here)...
        double growth = Math.Log(0.20 / 0.04) / Math.Log(16);
        Assert.Equal(0.20 * 4096 * 4096 / 1e6 * Math.Pow(4, growth), curve.Seconds(4096 * 4096), 6);
        // ...and by at least the minimum growth where it was flat.
        var flat = Curve((512, 0.04), (1024, 0.04));
        Assert.Equal(0.04 * 4096 * 4096 / 1e6 * Math.Pow(16, TileCostCurve.MinimumGrowth), flat.Seconds(4096 * 4096), 6);
        Assert.Equal(2048, curve.MaxSide);
        Assert.Equal(0, new TileCostCurve([]).Seconds(1000));
    }

    [Fact]
    public void ChooseCells_CostPerPixelJumpsAtLargeTiles_PicksSmallerTilesThanFlopsWould()
    {
        // A padding-free network: no halo, so by pixels and FLOPs the largest tile is best (fewest tiles).
        var geometry = ScanFixture.Fcn("scannet_vgg244").Manifest.ToGeometry();
        const long side = 8192;
        int byFlops = ScanPlanner.ChooseCells(geometry, side, side, 4096, null);
        var cliff = Curve((512, 0.045), (1024, 0.040), (2048, 0.040), (4096, 0.200));
        int measured = ScanPlanner.ChooseCells(geometry, side, side, 4096, null, cliff);
        var flat = Curve((512, 0.045), (1024, 0.040), (2048, 0.040), (4096, 0.040));
        int flatMeasured = ScanPlanner.ChooseCells(geometry, side, side, 4096, null, flat);

        long Tile(int cells) => AxisTiler.InteriorInputLength(geometry.X.Geometry, cells);
        Assert.True(Tile(byFlops) > 2500, $"by FLOPs {Tile(byFlops)} px");
        Assert.InRange(Tile(measured), 1024, 2100);
        Assert.True(Tile(flatMeasured) > 2500, $"a flat curve keeps large tiles: {Tile(flatMeasured)} px");
        Assert.True(ScanPlanner.PlannedWork(geometry, side, side, measured, null, cliff) < 0.5 * ScanPlanner.PlannedWork(geometry, side, side, byFlops, null, cliff));
    }

    [Fact]
    public void Plan_MeasuredCosts_TakeTheCutOnlyWhenItsHalvesArePredictedFaster()
    {
        var (path, manifest) = ScanFixture.Fcn("resnet_gap");
        var splits = FcnSplitter.All(OnnxModelFile.Load(path), manifest.Patch.Height, manifest.Patch.Width, manifest.ToGeometry());
        using var image = new Imaging.InMemoryImageSource("noise", ScanFixture.RandomImage(6000, 6000, 1));
        var options = new ScanOptions { Tissue = TissueMode.Off };
        TileCosts Costs(double trunkRate, double restRate, FcnSplit? cut) => new()
        {
            ModelSha256 = "x",
            Backend = "cpu",
            Device = "test",
            Threads = 2,
            Whole = Curve((512, 0.5), (1024, 0.5), (2048, 0.5), (4096, 0.5)),
            Cuts = cut is null ? new Dictionary<string, TileCutCosts>() : new Dictionary<string, TileCutCosts>
            {
                [cut.Cut] = new(Curve((512, trunkRate), (1024, trunkRate), (2048, trunkRate), (4096, trunkRate)),
                    Curve((64, restRate), (256, restRate), (1024, restRate), (2048, restRate))),
            },
        };

        FcnSplit? asked = null;
        var cheap = ScanPlanner.Plan("a", image, path, manifest, options, splits, "x", cut => Costs(0.05, 0.05, asked = cut));
        Assert.NotNull(asked);
        Assert.Equal(asked!.Cut, cheap.Split?.Cut);
        Assert.True(cheap.TileChoice!.CutSeconds < cheap.TileChoice.WholeSeconds);

        var dear = ScanPlanner.Plan("a", image, path, manifest, options, splits, "x", cut => Costs(2.0, 2.0, cut));
        Assert.Null(dear.Split);
        Assert.True(dear.TileChoice!.CutSeconds > dear.TileChoice.WholeSeconds);

        var off = ScanPlanner.Plan("a", image, path, manifest, options with { Split = "off" }, splits, "x", cut => Costs(0.05, 0.05, asked = cut));
        Assert.Null(off.Split);
        Assert.Null(off.TileChoice!.Cut);
    }

    [Fact]
    public void Plan_SmallImage_IsNotCalibrated()
    {
        var (path, manifest) = ScanFixture.Fcn("demo");
        using var image = new Imaging.InMemoryImageSource("small", ScanFixture.RandomImage(1500, 1200, 2));
        int calls = 0;
        var plan = ScanPlanner.Plan("a", image, path, manifest, new ScanOptions { Tissue = TissueMode.Off }, null, "x", _ =>
        {
            calls++;
            throw new InvalidOperationException("a small image must not be calibrated");
        });
        Assert.Equal(0, calls);
        Assert.Null(plan.TileChoice);
    }

    [Fact]
    public void Get_Cached_CostsNothing_AndAFileForAnotherModelOrBackendIsMeasuredAgain()
    {
        using var cache = TestPaths.TempDirectory();
        var (path, manifest) = ScanFixture.Fcn("demo");
        var bytes = File.ReadAllBytes(path);
        var model = new ScanModel(path, Path.GetFileName(path), bytes, ModelManifest.Sha256Of(path), manifest, ConvertedHere: false);
        TileCalibrator Calibrator(string backend) => new(Options.Create(new BackendOptions { Backend = backend, Threads = 1 }),
            Options.Create(new NodeOptions { CacheDirectory = cache.Path }), NullLogger<TileCalibrator>.Instance);

        var first = Calibrator("cpu").Get(model, null, 1024, 0);
        Assert.True(first.MeasuredSeconds > 0);
        Assert.True(first.Whole.Points.Count >= 2 && first.Whole.Points.All(p => p.Seconds > 0));
        var file = Assert.Single(Directory.GetFiles(Path.Combine(cache.Path, "calibration")));

        var again = Calibrator("cpu").Get(model, null, 1024, 0);
        Assert.Equal(0, again.MeasuredSeconds);
        Assert.Equal(first.Whole, again.Whole with { }, new CurveComparer());

        // The file under this key now claims another model (copied, edited, or a hash prefix collision): measured again.
        File.WriteAllText(file, File.ReadAllText(file).Replace(model.Sha256, new string('0', 64), StringComparison.Ordinal));
        var redone = Calibrator("cpu").Get(model, null, 1024, 0);
        Assert.True(redone.MeasuredSeconds > 0);
        Assert.Contains(model.Sha256, File.ReadAllText(file), StringComparison.Ordinal);

        // A damaged file (a crash while another process wrote it, a full disk) is measured again, not an error.
        File.WriteAllText(file, "{ not json");
        Assert.True(Calibrator("cpu").Get(model, null, 1024, 0).MeasuredSeconds > 0);
        Assert.Equal(0, Calibrator("cpu").Get(model, null, 1024, 0).MeasuredSeconds);

        // Another backend setting is another key.
        var auto = Calibrator("auto").Get(model, null, 1024, 0);
        Assert.True(auto.MeasuredSeconds > 0);
        Assert.Equal(2, Directory.GetFiles(Path.Combine(cache.Path, "calibration")).Length);
    }

    private sealed class CurveComparer : IEqualityComparer<TileCostCurve>
    {
        public bool Equals(TileCostCurve? x, TileCostCurve? y) => x!.Points.SequenceEqual(y!.Points);

        public int GetHashCode(TileCostCurve obj) => obj.Points.Count;
    }
}
