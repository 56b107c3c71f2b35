using BatchFcn.Imaging;
using BatchFcn.Inference;

namespace BatchFcn.Scanning;

/// <summary>
/// Computes tiles: reads each region (RGB8), converts it to normalised planar floats, runs the network,
/// and scatters the kept cells into the tile's chunk. Each step is exposed on its own so the embedded
/// runner can pipeline them; <see cref="Compute"/> does all of them in order. With a split plan
/// (<see cref="ScanPlan.Split"/>) <c>backend</c> runs the trunk on the tile's parts, whose kept cells fill the
/// rest's input, and <c>rest</c> runs the rest of the network on it.
/// </summary>
public sealed class TileProcessor(ScanPlan plan, IImageSource image, IInferenceBackend backend, IInferenceBackend? rest = null)
{
    private readonly IInferenceBackend? rest = plan.Split is null ? null
        : rest ?? throw new ArgumentException("a split plan needs a backend for the rest of the network", nameof(rest));

    public ScanPlan Plan { get; } = plan;

    /// <summary>Floats in one chunk: [class, ChunkRows, ChunkCols].</summary>
    public int ChunkLength => checked((int)(Plan.Classes * Plan.ChunkRows * Plan.ChunkCols));

    /// <summary>A chunk with every cell at the fill value (NaN).</summary>
    public float[] NewChunk() => NewChunk(new float[ChunkLength]);

    /// <summary>Fills <paramref name="chunk"/> (<see cref="ChunkLength"/> values) with the fill value (NaN) and returns it.</summary>
    public float[] NewChunk(float[] chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        Array.Fill(chunk, float.NaN);
        return chunk;
    }

    /// <summary>Whether chunks hold probabilities the network does not give itself (<c>--output probabilities</c> on a
    /// network whose output is not already a softmax).</summary>
    public bool ConvertsToProbabilities => Plan.Outputs.Values == "probabilities" && Plan.Manifest.Output.Activation != "softmax";

    /// <summary>Turns a finished chunk's network output into probabilities, cell by cell over the classes, when the
    /// scan asks for them (<see cref="ConvertsToProbabilities"/>); cells never computed stay NaN.</summary>
    public void Finish(float[] chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        if (!ConvertsToProbabilities)
        {
            return;
        }

        int classes = checked((int)Plan.Classes), cells = Plan.ChunkRows * Plan.ChunkCols;
        string activation = Plan.Manifest.Output.Activation;
        Span<float> cell = classes <= 256 ? stackalloc float[classes] : new float[classes];
        for (int c = 0; c < cells; c++)
        {
            if (float.IsNaN(chunk[c]))
            {
                continue;
            }

            for (int k = 0; k < classes; k++)
            {
                cell[k] = chunk[(k * cells) + c];
            }

            ScoreActivation.ToProbabilities(activation, cell);
            for (int k = 0; k < classes; k++)
            {
                chunk[(k * cells) + c] = cell[k];
            }
        }
    }

    /// <summary>Reads a region and writes it, normalised and planar, into <paramref name="destination"/> ([3, H, W]).</summary>
    public void Prepare(TileRegion region, Span<float> destination) => Preprocess(Read(region), region, destination);

    /// <summary>Reads a region's RGB8 pixels.</summary>
    public byte[] Read(TileRegion region)
    {
        ArgumentNullException.ThrowIfNull(region);
        return image.ReadRegion(Plan.Level, region.X, region.Y, region.Width, region.Height);
    }

    /// <summary>Reads a region's RGB8 pixels into <paramref name="destination"/> (at least width·height·3 bytes).</summary>
    public void Read(TileRegion region, byte[] destination)
    {
        ArgumentNullException.ThrowIfNull(region);
        image.ReadRegion(Plan.Level, region.X, region.Y, region.Width, region.Height, destination);
    }

    /// <summary>Normalises RGB8 pixels of a region (the start of <paramref name="rgb"/>) into planar floats ([3, H, W],
    /// the start of <paramref name="destination"/>).</summary>
    public void Preprocess(byte[] rgb, TileRegion region, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(region);
        int values = 3 * region.Width * region.Height;
        Preprocessor.RgbToPlanar(rgb.AsSpan(0, values), destination[..values], Plan.Normalization);
    }

    /// <summary>Runs the network on <paramref name="batch"/> same-shape regions already prepared.</summary>
    public InferenceOutput Infer(float[] input, int batch, int height, int width, Func<int, float[]>? allocate = null) =>
        backend.Run(input, batch, 3, height, width, allocate);

    /// <summary>Copies the kept cells of item <paramref name="index"/> of a batch output into the chunk.</summary>
    /// <exception cref="ScanException">The network returned fewer cells than the geometry promises.</exception>
    public void Scatter(InferenceOutput output, int index, TileRegion region, float[] chunk)
    {
        ArgumentNullException.ThrowIfNull(output);
        long classes = output.Shape[1], rows = output.Shape[2], cols = output.Shape[3];
        if (classes != Plan.Classes || region.SkipRows + region.CellRows > rows || region.SkipCols + region.CellCols > cols)
        {
            throw new ScanException(
                $"the network returned a {classes}x{rows}x{cols} map for a {region.Width}x{region.Height} region; the manifest's geometry " +
                $"promised {Plan.Classes} classes and at least {region.SkipRows + region.CellRows}x{region.SkipCols + region.CellCols} cells (model and manifest disagree?)");
        }

        int alpha = Plan.Density;
        long item = (long)index * classes * rows * cols;
        for (long k = 0; k < classes; k++)
        {
            for (int i = 0; i < region.CellRows; i++)
            {
                long src = item + (((k * rows) + region.SkipRows + i) * cols) + region.SkipCols;
                long dst = (((k * Plan.ChunkRows) + region.DenseRow + ((long)i * alpha)) * Plan.ChunkCols) + region.DenseCol;
                for (int j = 0; j < region.CellCols; j++)
                {
                    chunk[dst + ((long)j * alpha)] = output.Values[src + j];
                }
            }
        }
    }

    /// <summary>The rest's input for a split tile: [cut channels, region height, region width], filled by
    /// <see cref="ScatterTrunk"/> from every part.</summary>
    public float[] NewRestInput(TileTask tile) => new float[RestInputLength(tile)];

    /// <summary>Floats in a split tile's rest input.</summary>
    public int RestInputLength(TileTask tile)
    {
        ArgumentNullException.ThrowIfNull(tile);
        var region = tile.Regions[0];
        return checked((int)(SplitPlan.CutChannels * region.Height * region.Width));
    }

    /// <summary>Copies the kept trunk cells of item <paramref name="index"/> of a trunk output into the rest's input.</summary>
    /// <exception cref="ScanException">The trunk returned another shape than its geometry promises.</exception>
    public void ScatterTrunk(InferenceOutput output, int index, TileRegion part, TileTask tile, float[] restInput)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(part);
        ArgumentNullException.ThrowIfNull(tile);
        var region = tile.Regions[0];
        long channels = output.Shape[1], rows = output.Shape[2], cols = output.Shape[3];
        if (channels != SplitPlan.CutChannels || part.SkipRows + part.CellRows > rows || part.SkipCols + part.CellCols > cols)
        {
            throw new ScanException(
                $"the trunk (cut at '{SplitPlan.Cut}') returned a {channels}x{rows}x{cols} map for a {part.Width}x{part.Height} region; " +
                $"its geometry promised {SplitPlan.CutChannels} channels and at least {part.SkipRows + part.CellRows}x{part.SkipCols + part.CellCols} cells");
        }

        long item = (long)index * channels * rows * cols;
        for (long k = 0; k < channels; k++)
        {
            for (int i = 0; i < part.CellRows; i++)
            {
                long src = item + (((k * rows) + part.SkipRows + i) * cols) + part.SkipCols;
                long dst = (((k * region.Height) + part.DenseRow + i) * region.Width) + part.DenseCol;
                output.Values.AsSpan((int)src, part.CellCols).CopyTo(restInput.AsSpan((int)dst, part.CellCols));
            }
        }
    }

    /// <summary>Runs the rest of the network on a split tile's filled input.</summary>
    public InferenceOutput InferRest(TileTask tile, float[] restInput, Func<int, float[]>? allocate = null)
    {
        ArgumentNullException.ThrowIfNull(tile);
        var region = tile.Regions[0];
        return rest!.Run(restInput, 1, (int)SplitPlan.CutChannels, region.Height, region.Width, allocate);
    }

    private SplitPlan SplitPlan => Plan.Split ?? throw new InvalidOperationException("the plan does not split the network");

    /// <summary>Computes one whole tile's chunk.</summary>
    public float[] Compute(TileTask tile)
    {
        ArgumentNullException.ThrowIfNull(tile);
        var chunk = NewChunk();
        if (tile.Parts is { } parts)
        {
            var restInput = NewRestInput(tile);
            foreach (var part in parts)
            {
                var pixels = new float[3L * part.Width * part.Height];
                Prepare(part, pixels);
                ScatterTrunk(Infer(pixels, 1, part.Height, part.Width), 0, part, tile, restInput);
            }

            Scatter(InferRest(tile, restInput), 0, tile.Regions[0], chunk);
            Finish(chunk);
            return chunk;
        }

        foreach (var region in tile.Regions)
        {
            var input = new float[3L * region.Width * region.Height];
            Prepare(region, input);
            Scatter(Infer(input, 1, region.Height, region.Width), 0, region, chunk);
        }

        Finish(chunk);
        return chunk;
    }
}
