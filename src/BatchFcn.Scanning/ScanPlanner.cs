using BatchFcn.Conversion;
using BatchFcn.Geometry;
using BatchFcn.Imaging;
using BatchFcn.Inference;

namespace BatchFcn.Scanning;

/// <summary>
/// Plans a scan: picks the level, lays the chunk grid from the network's geometry (tiles aligned to the
/// stride, halos only where the network pads, edge tiles clipped to the image, never padded), and drops
/// tiles with no foreground.
/// </summary>
public static class ScanPlanner
{
    /// <exception cref="ScanException">The image is smaller than one patch, the density does not divide
    /// the stride, or the model's input is not RGB.</exception>
    public static ScanPlan Plan(string scanId, IImageSource image, string modelPath, ModelManifest manifest, ScanOptions options)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(options);
        if (manifest.Input.Channels != 3)
        {
            throw new ScanException($"the model takes {manifest.Input.Channels} input channels; images are read as RGB (3 channels)");
        }

        int level = ChooseLevel(image, options);
        var info = image.Levels[level];
        var geometry = manifest.ToGeometry();
        int alpha = options.Density;
        int sy = geometry.Y.Geometry.Stride, sx = geometry.X.Geometry.Stride;
        if (sy % alpha != 0 || sx % alpha != 0)
        {
            throw new ScanException($"--density {alpha} does not divide the network's stride {sy}x{sx}; use a divisor of the stride");
        }

        if (geometry.Y.OutputLength(info.Height) < 1 || geometry.X.OutputLength(info.Width) < 1)
        {
            throw new ScanException(
                $"level {level} of '{image.Name}' is {info.Width}x{info.Height} pixels, smaller than the network needs " +
                $"({geometry.X.MinimumInputLength()}x{geometry.Y.MinimumInputLength()}, patch {manifest.Patch.Width}x{manifest.Patch.Height})");
        }

        TissueMask? mask = null;
        if (options.Tissue != TissueMode.Off)
        {
            var thumb = image.Thumbnail(options.ThumbnailSize);
            mask = TissueMask.Compute(thumb, info.Width, info.Height, options.Tissue == TissueMode.Otsu ? null : options.TissueThreshold);
        }

        int cells = options.TileSize > 0
            ? Math.Min(AxisTiler.CellsForInputLength(geometry.Y.Geometry, options.TileSize), AxisTiler.CellsForInputLength(geometry.X.Geometry, options.TileSize))
            : ChooseCells(geometry, info.Height, info.Width, options.MaxAutoTileSize, mask);
        var rowsPlans = ShiftPlans(geometry.Y, info.Height, cells, alpha, sy / alpha);
        var colsPlans = ShiftPlans(geometry.X, info.Width, cells, alpha, sx / alpha);
        long rows = DenseLength(geometry.Y, info.Height, alpha, sy / alpha);
        long cols = DenseLength(geometry.X, info.Width, alpha, sx / alpha);

        var tiles = new List<TileTask>();
        int total = rowsPlans[0].Count * colsPlans[0].Count;
        for (int ky = 0; ky < rowsPlans[0].Count; ky++)
        {
            for (int kx = 0; kx < colsPlans[0].Count; kx++)
            {
                var ty = rowsPlans[0][ky];
                var tx = colsPlans[0][kx];
                if (mask is not null && !Foreground(mask, geometry, ty, tx, info.Width, info.Height))
                {
                    continue;
                }

                tiles.Add(new TileTask(ky, kx, Regions(rowsPlans, colsPlans, ky, kx, alpha, sy, sx)));
            }
        }

        return new ScanPlan
        {
            ScanId = scanId,
            ImagePath = image.Name,
            ModelPath = modelPath,
            ModelSha256 = ModelManifest.Sha256Of(modelPath),
            Manifest = manifest,
            Level = level,
            LevelWidth = info.Width,
            LevelHeight = info.Height,
            Downsample = info.Downsample,
            Density = alpha,
            CellsPerTile = cells,
            ChunkRows = cells * alpha,
            ChunkCols = cells * alpha,
            Rows = rows,
            Cols = cols,
            Classes = manifest.Classes,
            Normalization = options.Normalization ?? Normalization.ImageNet,
            Tiles = tiles,
            TotalTiles = total,
            SkippedTiles = total - tiles.Count,
            TissueThreshold = mask?.Threshold,
            TissueFraction = mask?.ForegroundFraction,
            Options = options,
        };
    }

    /// <summary>Pixels of work one extra tile costs beyond its own (reading set-up, one more network run,
    /// one more chunk): a quarter megapixel.</summary>
    internal const double TileOverheadPixels = 1 << 18;

    /// <summary>
    /// Chooses the cells per tile that minimise the scan's work: the input pixels of every tile that will be
    /// computed (halo overlap included) plus <see cref="TileOverheadPixels"/> per tile. Larger tiles waste
    /// less on overlap, smaller ones skip background more closely; with the tissue mask known, the planner
    /// can weigh the two for this image instead of guessing. Every size from 512 px tiles up to
    /// <paramref name="maxTile"/> (memory grows with the tile's area) is tried, as is and evened out by
    /// <see cref="Balance"/>: where tiles fall against islands of tissue is too irregular for a coarser search
    /// (steps of 20 % missed the best by 2× on a test slide), and each try is cheap (a summed-area test per tile).
    /// </summary>
    internal static int ChooseCells(NetworkGeometry geometry, long height, long width, int maxTile, TissueMask? mask)
    {
        var gy = geometry.Y.Geometry;
        var gx = geometry.X.Geometry;
        int limit = Math.Max(1, Math.Min(AxisTiler.CellsForInputLength(gy, maxTile), AxisTiler.CellsForInputLength(gx, maxTile)));
        int smallest = Math.Min(limit, Math.Max(AxisTiler.CellsForInputLength(gy, 512), AxisTiler.CellsForInputLength(gx, 512)));
        long longest = Math.Max(geometry.Y.OutputLength(height), geometry.X.OutputLength(width));
        var candidates = new SortedSet<int>();
        for (int n = smallest; n <= limit; n++)
        {
            candidates.Add(n);
            candidates.Add(Balance(n, longest));
        }

        int best = 0;
        double bestCost = double.PositiveInfinity;
        foreach (int n in candidates)
        {
            double cost = PlannedWork(geometry, height, width, n, mask);
            // Ties go to the smaller tile (less memory, finer progress): only a 1 % saving moves up.
            if (cost < bestCost * 0.99)
            {
                best = n;
                bestCost = cost;
            }
        }

        return best;
    }

    /// <summary>Input pixels of the tiles to compute plus their per-tile overhead, for <paramref name="cells"/> cells per tile.</summary>
    internal static double PlannedWork(NetworkGeometry geometry, long height, long width, int cells, TissueMask? mask)
    {
        var ys = AxisTiler.Plan(geometry.Y, height, cells);
        var xs = AxisTiler.Plan(geometry.X, width, cells);
        double work = 0;
        foreach (var ty in ys)
        {
            foreach (var tx in xs)
            {
                if (mask is null || Foreground(mask, geometry, ty, tx, width, height))
                {
                    work += ((double)ty.InputLength * tx.InputLength) + TileOverheadPixels;
                }
            }
        }

        return work;
    }

    /// <summary>Whether any pixel seen by the tile's kept cells is foreground.</summary>
    private static bool Foreground(TissueMask mask, NetworkGeometry geometry, AxisTile ty, AxisTile tx, long width, long height) =>
        mask.AnyForeground(
            Math.Max(0, geometry.X.Geometry.WindowStart(tx.CellStart)), Math.Max(0, geometry.Y.Geometry.WindowStart(ty.CellStart)),
            Math.Min(width, geometry.X.Geometry.WindowEnd(tx.CellStart + tx.CellCount - 1)),
            Math.Min(height, geometry.Y.Geometry.WindowEnd(ty.CellStart + ty.CellCount - 1)));

    /// <summary>Evens out the chunks along the longer axis: 250 cells in chunks of at most 109 become
    /// 84 + 84 + 82 rather than 109 + 109 + 32 (whose short edge tile would compute a lot for little).</summary>
    internal static int Balance(int cellsPerTile, long cells)
    {
        long chunks = Math.Max(1, (cells + cellsPerTile - 1) / cellsPerTile);
        return (int)Math.Max(1, (cells + chunks - 1) / chunks);
    }

    private static int ChooseLevel(IImageSource image, ScanOptions options)
    {
        if (options.MicronsPerPixel is { } target)
        {
            var known = image.Levels.Where(l => l.MicronsPerPixel is not null).ToList();
            if (known.Count == 0)
            {
                throw new ScanException($"'{image.Name}' does not record its pixel size; choose a level with --level instead of --mpp");
            }

            return known.MinBy(l => Math.Abs(Math.Log(l.MicronsPerPixel!.Value / target)))!.Index;
        }

        if (options.Level >= image.Levels.Count)
        {
            throw new ScanException($"'{image.Name}' has {image.Levels.Count} level(s) (0-{image.Levels.Count - 1}); --level {options.Level} does not exist");
        }

        return options.Level;
    }

    /// <summary>For each shift a·step of the image along an axis, the tiles of the shifted image.</summary>
    private static List<IReadOnlyList<AxisTile>> ShiftPlans(AxisPath path, long length, int cells, int alpha, int step) =>
        [.. Enumerable.Range(0, alpha).Select(a => AxisTiler.Plan(path, length - ((long)a * step), cells))];

    /// <summary>Dense cells along an axis: shift a contributes cells i·α + a for i below its output length.</summary>
    private static long DenseLength(AxisPath path, long length, int alpha, int step) =>
        Enumerable.Range(0, alpha).Select(a =>
        {
            long n = path.OutputLength(length - ((long)a * step));
            return n > 0 ? ((n - 1) * alpha) + a + 1 : 0;
        }).Max();

    private static List<TileRegion> Regions(List<IReadOnlyList<AxisTile>> rows, List<IReadOnlyList<AxisTile>> cols, int ky, int kx, int alpha, int sy, int sx)
    {
        var regions = new List<TileRegion>(alpha * alpha);
        for (int a = 0; a < alpha; a++)
        {
            for (int b = 0; b < alpha; b++)
            {
                if (ky >= rows[a].Count || kx >= cols[b].Count)
                {
                    continue;
                }

                var ty = rows[a][ky];
                var tx = cols[b][kx];
                regions.Add(new TileRegion(a, b,
                    tx.InputStart + ((long)b * sx / alpha), ty.InputStart + ((long)a * sy / alpha),
                    (int)tx.InputLength, (int)ty.InputLength,
                    ty.SkipCells(sy), tx.SkipCells(sx), ty.CellCount, tx.CellCount, a, b));
            }
        }

        return regions;
    }
}
