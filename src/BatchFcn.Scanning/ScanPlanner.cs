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
    /// <param name="scanId">The scan's identifier.</param>
    /// <param name="image">The source image.</param>
    /// <param name="modelPath">The converted model.</param>
    /// <param name="manifest">Its manifest.</param>
    /// <param name="options">The scan's options.</param>
    /// <param name="splits">The ways the model can be cut in two (<see cref="FcnSplitter.All"/>); <see langword="null"/>
    /// or empty runs it whole.</param>
    /// <param name="modelSha256">The model's SHA-256 when known; otherwise it is computed from <paramref name="modelPath"/>.</param>
    /// <param name="calibrate">Gives this node's measured run costs (<see cref="TileCalibrator"/>), with the halves of the
    /// cut it is given (the cut that planned FLOPs favour, worth weighing against the whole network); the automatic tile
    /// size and cut are then chosen by predicted seconds. <see langword="null"/>: by planned FLOPs and pixels.</param>
    public static ScanPlan Plan(string scanId, IImageSource image, string modelPath, ModelManifest manifest, ScanOptions options,
        IReadOnlyList<FcnSplit>? splits = null, string? modelSha256 = null, Func<FcnSplit?, TileCosts>? calibrate = null)
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
        var split = ChooseSplit(splits ?? [], manifest, geometry, info.Height, info.Width, cells, mask, options);
        TileChoice? choice = null;
        if (options.TileSize == 0 && calibrate is not null && Math.Max(info.Width, info.Height) > CalibrateAbove)
        {
            // Measured: the whole network's best tile by predicted seconds, against the cut FLOPs favour (or the one
            // named), its trunk tile also chosen by seconds.
            var candidate = options.Split == "off" || options.Density != 1 ? null
                : split ?? BestByFlops(splits ?? [], geometry, info.Height, info.Width, mask, options.MaxAutoTileSize, 0);
            var costs = calibrate(candidate?.Split);
            // A padding-free network gains nothing from tiles larger than the largest measured (no halo to save) and risks
            // the cache cliff beyond it; a padded one saves its halo on large tiles, with the cost extrapolated.
            bool capped = manifest.PaddingFree;
            cells = ChooseCells(geometry, info.Height, info.Width, capped ? Math.Min(options.MaxAutoTileSize, Math.Max(512, costs.Whole.MaxSide)) : options.MaxAutoTileSize,
                mask, costs.Whole);
            double wholeSeconds = PlannedWork(geometry, info.Height, info.Width, cells, mask, costs.Whole);
            var measured = candidate is not null && costs.Cuts.TryGetValue(candidate.Split.Cut, out var cutCosts)
                ? EvaluateMeasured(candidate, cutCosts, geometry, info.Height, info.Width, mask, wholeSeconds, capped)
                : null;
            bool named = options.Split is not "auto" and not "off";
            split = measured is not null && (named || measured.Work < MeasuredCutAdvantage * wholeSeconds) ? measured : null;
            choice = new TileChoice(costs.Backend, costs.Threads, wholeSeconds, AxisTiler.InteriorInputLength(geometry.Y.Geometry, cells),
                measured?.Split.Cut, measured?.Work, measured?.TrunkTile, costs.MeasuredSeconds);
        }

        if (split is not null)
        {
            cells = split.RestCells;
        }

        long rows = DenseLength(geometry.Y, info.Height, alpha, sy / alpha);
        long cols = DenseLength(geometry.X, info.Width, alpha, sx / alpha);
        int total;
        var tiles = split is not null
            ? SplitTiles(split, geometry, info.Height, info.Width, mask, out total)
            : WholeTiles(geometry, info.Height, info.Width, cells, alpha, mask, out total);

        return new ScanPlan
        {
            ScanId = scanId,
            ImagePath = image.Name,
            ModelPath = modelPath,
            ModelSha256 = modelSha256 ?? ModelManifest.Sha256Of(modelPath),
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
            TissueMethod = mask?.Method,
            Options = options,
            Split = split?.ToPlan(),
            TileChoice = choice,
        };
    }

    /// <summary>A way to cut the network, sized for this image, and the work it plans.</summary>
    internal sealed record SplitCandidate(FcnSplit Split, int TrunkCells, int RestCells, int TrunkTile, int RestTile, double Work, double WholeWork,
        double TrunkWork)
    {
        public SplitPlan ToPlan() => new(Split.Cut, Split.CutChannels,
            ModelManifest.AxisManifest.From(Split.Trunk.Geometry.Y), ModelManifest.AxisManifest.From(Split.Trunk.Geometry.X),
            ModelManifest.AxisManifest.From(Split.Rest.Geometry.Y), ModelManifest.AxisManifest.From(Split.Rest.Geometry.X),
            TrunkCells, TrunkTile, RestTile, Work / WholeWork, Work > 0 ? TrunkWork / Work : 0.5);
    }

    /// <summary>
    /// Whether and where to cut the network (<see cref="ScanOptions.Split"/>). Each half gets the largest tile whose
    /// working memory matches the whole network's at <see cref="ScanOptions.MaxAutoTileSize"/> (the memory of a network
    /// grows with its largest map: the rest's maps are strided, so its tiles can be several times larger), the trunk's at most four
    /// times that size and the rest's at most <see cref="MaxJobTiles"/> times (a tile of the rest is one job). "auto" takes the cut with the least planned work (FLOPs of every tile, overlap included) when it
    /// saves at least 5 % over the whole network at <paramref name="wholeCells"/>.
    /// </summary>
    internal static SplitCandidate? ChooseSplit(IReadOnlyList<FcnSplit> splits, ModelManifest manifest, NetworkGeometry geometry,
        long height, long width, int wholeCells, TissueMask? mask, ScanOptions options)
    {
        if (options.Split == "off")
        {
            return null;
        }

        bool named = options.Split != "auto";
        if (options.Density != 1 || options.TileSize > 0)
        {
            return named
                ? throw new ScanException($"--split {options.Split} needs automatic tile size (--tile 0) and --density 1")
                : null;
        }

        double wholeFlopsPerPixel = manifest.FlopsPerCell / ((double)geometry.Y.Geometry.Stride * geometry.X.Geometry.Stride);
        double wholeWork = PlannedWork(geometry, height, width, wholeCells, mask) * wholeFlopsPerPixel;

        if (named)
        {
            var split = splits.FirstOrDefault(s => s.Cut == options.Split) ?? throw new ScanException(
                $"--split: '{options.Split}' is not a tensor this network can be cut at; cut points: " +
                (splits.Count == 0 ? "none" : string.Join(", ", splits.Select(s => s.Cut))));
            return Evaluate(split, WholeMemory(splits), geometry, height, width, mask, options.MaxAutoTileSize, wholeWork);
        }

        var best = BestByFlops(splits, geometry, height, width, mask, options.MaxAutoTileSize, wholeWork);
        return best is not null && best.Work < 0.95 * wholeWork ? best : null;
    }

    /// <summary>The rest's largest map in floats per image pixel (its own input is the trunk's strided map).</summary>
    private static double RestMemory(FcnSplit split) =>
        split.Rest.MaxMapFloatsPerInputPixel / ((double)split.Trunk.Geometry.Y.Geometry.Stride * split.Trunk.Geometry.X.Geometry.Stride);

    private static SplitCandidate? Evaluate(FcnSplit split, double wholeMemory, NetworkGeometry geometry, long height, long width,
        TissueMask? mask, int maxTile, double wholeWork)
    {
        var trunk = split.Trunk.Geometry;
        var rest = split.Rest.Geometry;
        int ty = trunk.Y.Geometry.Stride, tx = trunk.X.Geometry.Stride;
        int trunkTile = (int)Math.Min(4.0 * maxTile, maxTile * Math.Sqrt(wholeMemory / split.Trunk.MaxMapFloatsPerInputPixel));
        // One tile of the rest, with its trunk parts, is one job: bounded so a job stays well under a minute on a small
        // CPU node (ResNet-18, 8192² px: ~20 s on 2 cores) and background skipping still has tiles to skip.
        int restTile = (int)Math.Min(MaxJobTiles * maxTile, maxTile * Math.Sqrt(wholeMemory / RestMemory(split)));
        int trunkCells = Math.Min(AxisTiler.CellsForInputLength(trunk.Y.Geometry, trunkTile), AxisTiler.CellsForInputLength(trunk.X.Geometry, trunkTile));
        int restCells = Math.Min(AxisTiler.CellsForInputLength(rest.Y.Geometry, restTile / ty), AxisTiler.CellsForInputLength(rest.X.Geometry, restTile / tx));
        long mapHeight = trunk.Y.OutputLength(height), mapWidth = trunk.X.OutputLength(width);
        restCells = Balance(restCells, Math.Max(rest.Y.OutputLength(mapHeight), rest.X.OutputLength(mapWidth)));
        var rows = AxisTiler.Plan(rest.Y, mapHeight, restCells);
        var cols = AxisTiler.Plan(rest.X, mapWidth, restCells);
        if (rows.Count == 0 || cols.Count == 0)
        {
            return null;
        }

        // Per tile of the rest along each axis: image pixels its trunk parts read, and how many parts.
        var partsY = rows.Select(r => TrunkParts(trunk.Y, height, r, trunkCells)).ToList();
        var partsX = cols.Select(c => TrunkParts(trunk.X, width, c, trunkCells)).ToList();
        double trunkFlopsPerPixel = split.Trunk.FlopsPerCell / ((double)ty * tx);
        double restFlopsPerInput = split.Rest.FlopsPerCell / ((double)rest.Y.Geometry.Stride * rest.X.Geometry.Stride);
        double trunkWork = 0, restWork = 0;
        for (int i = 0; i < rows.Count; i++)
        {
            for (int j = 0; j < cols.Count; j++)
            {
                if (mask is not null && !Foreground(mask, geometry, rows[i], cols[j], width, height))
                {
                    continue;
                }

                double pixels = partsY[i].Sum(p => (double)p.InputLength) * partsX[j].Sum(p => (double)p.InputLength);
                trunkWork += trunkFlopsPerPixel * (pixels + (partsY[i].Count * partsX[j].Count * TileOverheadPixels));
                restWork += restFlopsPerInput * ((double)rows[i].InputLength * cols[j].InputLength);
            }
        }

        return new SplitCandidate(split, trunkCells, restCells, trunkTile, restTile, trunkWork + restWork, wholeWork, trunkWork);
    }

    /// <summary>The cut with the least planned FLOPs, whatever it saves (<see cref="ChooseSplit"/> takes it when it saves
    /// enough; measured planning weighs it by time).</summary>
    private static SplitCandidate? BestByFlops(IReadOnlyList<FcnSplit> splits, NetworkGeometry geometry, long height, long width, TissueMask? mask,
        int maxTile, double wholeWork)
    {
        double wholeMemory = WholeMemory(splits);
        return splits.Select(s => Evaluate(s, wholeMemory, geometry, height, width, mask, maxTile, wholeWork)).Where(c => c is not null).MinBy(c => c!.Work);
    }

    /// <summary>Every map lies in one half or the other, so any cut gives the whole network's largest map.</summary>
    private static double WholeMemory(IReadOnlyList<FcnSplit> splits) =>
        splits.Select(s => Math.Max(s.Trunk.MaxMapFloatsPerInputPixel, RestMemory(s))).DefaultIfEmpty(0).Max();

    /// <summary>Images no larger than this a side are planned without measuring: a few tiles at most, where seconds of
    /// calibration would cost more than any choice saves.</summary>
    internal const int CalibrateAbove = 2048;

    /// <summary>A cut must be predicted this much faster than the whole network to be taken: its runs are measured, but
    /// not what it adds around them (each trunk part's output scattered into the rest's input, the rest waiting for all of
    /// its parts instead of overlapping with reading, the rest's large buffers first touched). Measured on 2 vCPUs: a cut
    /// predicted 4 % faster ran 13 % slower (ScanNet-style network, 8192² slide).</summary>
    internal const double MeasuredCutAdvantage = 0.85;

    /// <summary>Seconds per image pixel that reading and decoding costs beside the run (tiled JPEG, ~65 Mpx per CPU-second).</summary>
    internal const double ReadSecondsPerPixel = 1 / 65e6;

    /// <summary>Seconds a tile costs beyond its run and its pixels' decoding: a chunk written, a job recorded.</summary>
    internal const double TileOverheadSeconds = 0.005;

    private static double MeasuredSeconds(TileCostCurve costs, double pixels) => costs.Seconds(pixels) + (pixels * ReadSecondsPerPixel) + TileOverheadSeconds;

    /// <summary>A cut's predicted seconds with its halves' measured runs: its rest tile and trunk tile the fastest pair
    /// among sides from 512 px (the trunk) and 64 map cells (the rest) up to the memory-planned sizes and the largest
    /// measured.</summary>
    private static SplitCandidate? EvaluateMeasured(SplitCandidate planned, TileCutCosts costs, NetworkGeometry geometry, long height, long width,
        TissueMask? mask, double wholeSeconds, bool capped)
    {
        var trunk = planned.Split.Trunk.Geometry;
        var rest = planned.Split.Rest.Geometry;
        long mapHeight = trunk.Y.OutputLength(height), mapWidth = trunk.X.OutputLength(width);
        SplitCandidate? best = null;
        int trunkLimit = capped ? Math.Min(planned.TrunkTile, Math.Max(512, costs.Trunk.MaxSide)) : planned.TrunkTile;
        var sizes = new SortedSet<int> { trunkLimit };
        for (int side = 512; side < trunkLimit; side *= 2)
        {
            sizes.Add(side);
        }

        int restLimit = !capped ? planned.RestCells : Math.Max(1, Math.Min(planned.RestCells, Math.Min(AxisTiler.CellsForInputLength(rest.Y.Geometry, costs.Rest.MaxSide),
            AxisTiler.CellsForInputLength(rest.X.Geometry, costs.Rest.MaxSide))));
        var restSizes = new SortedSet<int> { restLimit };
        for (int n = 64; n < restLimit; n *= 2)
        {
            restSizes.Add(n);
        }

        foreach (int restCells in restSizes.Select(n => Balance(n, Math.Max(rest.Y.OutputLength(mapHeight), rest.X.OutputLength(mapWidth)))).Distinct())
        {
            var rows = AxisTiler.Plan(rest.Y, mapHeight, restCells);
            var cols = AxisTiler.Plan(rest.X, mapWidth, restCells);
            foreach (int trunkTile in sizes)
            {
                int trunkCells = Math.Min(AxisTiler.CellsForInputLength(trunk.Y.Geometry, trunkTile), AxisTiler.CellsForInputLength(trunk.X.Geometry, trunkTile));
                if (trunkCells < 1)
                {
                    continue;
                }

                double trunkWork = 0, restWork = 0, largestJob = 0;
                foreach (var r in rows)
                {
                    var partsY = TrunkParts(trunk.Y, height, r, trunkCells);
                    foreach (var c in cols)
                    {
                        if (mask is not null && !Foreground(mask, geometry, r, c, width, height))
                        {
                            continue;
                        }

                        double job = 0;
                        foreach (var px in TrunkParts(trunk.X, width, c, trunkCells))
                        {
                            foreach (var py in partsY)
                            {
                                job += MeasuredSeconds(costs.Trunk, (double)py.InputLength * px.InputLength);
                            }
                        }

                        double restRun = costs.Rest.Seconds((double)r.InputLength * c.InputLength) + TileOverheadSeconds;
                        trunkWork += job;
                        restWork += restRun;
                        largestJob = Math.Max(largestJob, job + restRun);
                    }
                }

                // A tile of the rest runs once all its trunk parts are in: the pipeline fills and drains by about one
                // such job (the whole scan when the rest is one tile).
                restWork += largestJob;
                if (best is null || trunkWork + restWork < best.Work)
                {
                    best = planned with
                    {
                        TrunkCells = trunkCells, TrunkTile = trunkTile, RestCells = restCells,
                        RestTile = (int)Math.Min(int.MaxValue, (long)restCells * rest.Y.Geometry.Stride * trunk.Y.Geometry.Stride),
                        Work = trunkWork + restWork, TrunkWork = trunkWork, WholeWork = wholeSeconds,
                    };
                }
            }
        }

        return best;
    }

    /// <summary>The tiles of a scan that runs the network whole: per chunk, one region per shift of the
    /// shift-and-stitch grid.</summary>
    private static List<TileTask> WholeTiles(NetworkGeometry geometry, long height, long width, int cells, int alpha, TissueMask? mask, out int total)
    {
        int sy = geometry.Y.Geometry.Stride, sx = geometry.X.Geometry.Stride;
        var rowsPlans = ShiftPlans(geometry.Y, height, cells, alpha, sy / alpha);
        var colsPlans = ShiftPlans(geometry.X, width, cells, alpha, sx / alpha);
        total = rowsPlans[0].Count * colsPlans[0].Count;
        var tiles = new List<TileTask>();
        for (int ky = 0; ky < rowsPlans[0].Count; ky++)
        {
            for (int kx = 0; kx < colsPlans[0].Count; kx++)
            {
                var ty = rowsPlans[0][ky];
                var tx = colsPlans[0][kx];
                if (mask is not null && !Foreground(mask, geometry, ty, tx, width, height))
                {
                    continue;
                }

                tiles.Add(new TileTask(ky, kx, Regions(rowsPlans, colsPlans, ky, kx, alpha, sy, sx)));
            }
        }

        return tiles;
    }

    /// <summary>The tiles of a split scan: one per tile of the rest (its region in trunk cells), each with the trunk
    /// parts that compute that region from the image.</summary>
    private static List<TileTask> SplitTiles(SplitCandidate split, NetworkGeometry geometry, long height, long width, TissueMask? mask,
        out int total)
    {
        var trunk = split.Split.Trunk.Geometry;
        var rest = split.Split.Rest.Geometry;
        long mapHeight = trunk.Y.OutputLength(height), mapWidth = trunk.X.OutputLength(width);
        var rows = AxisTiler.Plan(rest.Y, mapHeight, split.RestCells);
        var cols = AxisTiler.Plan(rest.X, mapWidth, split.RestCells);
        total = rows.Count * cols.Count;
        var tiles = new List<TileTask>();
        foreach (var r in rows)
        {
            var partsY = TrunkParts(trunk.Y, height, r, split.TrunkCells);
            foreach (var c in cols)
            {
                // The rest's cells are the scan's cells: the tissue test is the whole network's.
                if (mask is not null && !Foreground(mask, geometry, r, c, width, height))
                {
                    continue;
                }

                var partsX = TrunkParts(trunk.X, width, c, split.TrunkCells);
                var parts = new List<TileRegion>(partsY.Count * partsX.Count);
                foreach (var py in partsY)
                {
                    foreach (var px in partsX)
                    {
                        parts.Add(new TileRegion(0, 0, px.InputStart, py.InputStart, (int)px.InputLength, (int)py.InputLength,
                            py.SkipCells(trunk.Y.Geometry.Stride), px.SkipCells(trunk.X.Geometry.Stride), py.CellCount, px.CellCount,
                            (int)(py.CellStart - r.InputStart), (int)(px.CellStart - c.InputStart)));
                    }
                }

                var region = new TileRegion(0, 0, c.InputStart, r.InputStart, (int)c.InputLength, (int)r.InputLength,
                    r.SkipCells(rest.Y.Geometry.Stride), c.SkipCells(rest.X.Geometry.Stride), r.CellCount, c.CellCount, 0, 0);
                tiles.Add(new TileTask(r.Index, c.Index, [region], parts));
            }
        }

        return tiles;
    }

    /// <summary>The trunk's tiles under one tile of the rest along an axis (whose input is a range of trunk cells),
    /// evened out: 1024 cells in parts of at most 500 are 342 + 342 + 340, not 500 + 500 + 24 (three large shapes
    /// instead of two large ones and a sliver that computes its halo for a few cells, and less memory per part).</summary>
    private static IReadOnlyList<AxisTile> TrunkParts(AxisPath trunk, long imageLength, AxisTile restTile, int trunkCells) =>
        AxisTiler.PlanRange(trunk, imageLength, restTile.InputStart, restTile.InputStart + restTile.InputLength,
            Balance(trunkCells, restTile.InputLength));

    /// <summary>The largest side of one job of a cut network (a tile of the rest and its trunk parts), in units of
    /// <see cref="ScanOptions.MaxAutoTileSize"/>.</summary>
    internal const int MaxJobTiles = 2;

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
    internal static int ChooseCells(NetworkGeometry geometry, long height, long width, int maxTile, TissueMask? mask, TileCostCurve? costs = null)
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
            double cost = PlannedWork(geometry, height, width, n, mask, costs);
            // Ties go to the smaller tile (less memory, finer progress): only a 1 % saving moves up.
            if (cost < bestCost * 0.99)
            {
                best = n;
                bestCost = cost;
            }
        }

        return best;
    }

    /// <summary>Input pixels of the tiles to compute plus their per-tile overhead, for <paramref name="cells"/> cells per tile;
    /// with measured <paramref name="costs"/>, the predicted seconds of their runs plus reading.</summary>
    internal static double PlannedWork(NetworkGeometry geometry, long height, long width, int cells, TissueMask? mask, TileCostCurve? costs = null)
    {
        var ys = AxisTiler.Plan(geometry.Y, height, cells);
        var xs = AxisTiler.Plan(geometry.X, width, cells);
        double work = 0, largest = 0;
        foreach (var ty in ys)
        {
            foreach (var tx in xs)
            {
                if (mask is null || Foreground(mask, geometry, ty, tx, width, height))
                {
                    double pixels = (double)ty.InputLength * tx.InputLength;
                    double tile = costs is null ? pixels + TileOverheadPixels : MeasuredSeconds(costs, pixels);
                    work += tile;
                    largest = Math.Max(largest, tile);
                }
            }
        }

        // Measured: the pipeline overlaps reading one tile with running another, except while it fills and drains,
        // about one tile's time: large tiles make that long (the first run waits for the first tile to be read).
        return costs is null ? work : work + largest;
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
