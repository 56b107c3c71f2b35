using System.Diagnostics;
using System.Threading.Channels;
using BatchFcn.Storage;

namespace BatchFcn.Scanning;

/// <summary>
/// Computes tiles of one planned scan on this node as a three-stage pipeline — read and pre-process, infer, scatter
/// and write — joined by small bounded channels, so the backend never waits on I/O while the memory held stays a few
/// batches whatever the image size. Fed from a channel of tiles (the plan's list when embedded, a queue's jobs when
/// distributed); same-shape regions that are there together are batched, and a batch never waits for tiles that have
/// not arrived. Chunks are write-once: a tile whose chunk exists is not computed, and a chunk another writer created
/// first is left as it is.
/// </summary>
public sealed class TileExecutor
{
    private sealed record Item(TileTask Tile, TileRegion Region);

    private sealed record Batch(List<Item> Items, float[] Input, int Height, int Width);

    private sealed record Result(Batch Batch, Inference.InferenceOutput Output);

    /// <summary>A tile in flight: its span (when traced) and the seconds its stages took so far.</summary>
    private sealed class TileTrace(Activity? span)
    {
        private readonly Lock gate = new();
        private TileStageTimes times;

        public Activity? Span { get; } = span;

        /// <summary>Arrivals of the tile in flight: the same tile held by two jobs is computed twice, traced once.</summary>
        public int Arrivals { get; set; } = 1;

        public TileStageTimes Times
        {
            get
            {
                lock (gate)
                {
                    return times;
                }
            }
        }

        /// <summary>Adds a stage's seconds and, when traced, its span under the tile's.</summary>
        public void Stage(string name, long startTicks, long endTicks, double share, TileStageTimes add)
        {
            lock (gate)
            {
                times += add;
            }

            if (Span is null)
            {
                return;
            }

            var now = DateTimeOffset.UtcNow;
            long nowTicks = Stopwatch.GetTimestamp();
            var span = ScanTelemetry.StartDetached(name, Span.Context, now - Stopwatch.GetElapsedTime(startTicks, nowTicks));
            if (span is not null && share < 1)
            {
                span.SetTag("batchfcn.batch.share", share);
            }

            ScanTelemetry.StopDetached(span, now - Stopwatch.GetElapsedTime(endTicks, nowTicks));
        }
    }

    private readonly TileProcessor processor;
    private readonly ZarrScoreArray scores;
    private readonly IBlobStore output;
    private readonly int readers;
    private readonly NodeOptions node;
    private readonly string writer;
    private readonly string model;
    private readonly Dictionary<TileTask, TileTrace> traces = new(ReferenceEqualityComparer.Instance);
    private readonly Lock tracesGate = new();
    private int writerRecorded;

    // Buffers reused across tiles: a batch or two in each channel, one being read per reader, one inferred, one written.
    private readonly BufferPool<byte> rgbPool;
    private readonly BufferPool<float> inputPool;
    private readonly BufferPool<float> outputPool = new(4);
    private readonly BufferPool<float> chunkPool = new(4);
    private readonly BufferPool<float> restPool = new(2);

    /// <param name="processor">Reads, infers and scatters tiles of the plan.</param>
    /// <param name="scores">The scan's score array.</param>
    /// <param name="output">The scan's output folder.</param>
    /// <param name="node">This node's tuning.</param>
    /// <param name="writer">Names what writes the chunks (the backend, say): recorded once under <see cref="WritersPrefix"/>
    /// in the output folder, so the summary can list every backend that wrote the scan.</param>
    public TileExecutor(TileProcessor processor, ZarrScoreArray scores, IBlobStore output, NodeOptions node, string writer)
    {
        ArgumentNullException.ThrowIfNull(output);
        this.output = output;
        ArgumentNullException.ThrowIfNull(processor);
        ArgumentNullException.ThrowIfNull(node);
        this.processor = processor;
        this.scores = scores;
        this.node = node;
        this.writer = writer;
        model = processor.Plan.Manifest.SourceModel;
        readers = ReaderCount(node.Readers, Inference.CpuQuota.Available());
        rgbPool = new(readers + 1);
        inputPool = new(readers + 3);
    }

    /// <summary>Where writers of a scan's chunks are recorded, in the output folder.</summary>
    public const string WritersPrefix = "writers/";

    public StageTimings Timings { get; } = new();

    /// <summary>Called once per tile that arrived, when its chunk is in the store (written here, found there, or
    /// written by another writer meanwhile), with the seconds its stages took here (none when found): what a queue
    /// consumer waits for before it acknowledges the job.</summary>
    public Action<TileTask, TileStageTimes>? TileDone { get; init; }

    /// <summary>Where tiles' metrics go (none: not measured beyond <see cref="Timings"/>).</summary>
    public ScanTelemetry? Telemetry { get; init; }

    /// <summary>The span each tile's span belongs under (a queue job's consume span); by default the span that was
    /// current when <see cref="RunAsync(ChannelReader{TileTask}, IProgress{ScanProgress}?, CancellationToken)"/> started.</summary>
    public Func<TileTask, ActivityContext>? TraceParent { get; init; }

    /// <summary>Tiles whose chunk this executor wrote.</summary>
    public int ChunksWritten => Volatile.Read(ref written);

    /// <summary>Tiles skipped because their chunk was there already (a resumed scan, a re-delivered job), or written
    /// by another writer while this one computed it.</summary>
    public int ChunksFound => Volatile.Read(ref found);

    private int written;
    private int found;

    /// <summary>Threads that read and pre-process (<see cref="NodeOptions.Readers"/>).</summary>
    public int Readers => readers;

    /// <summary><paramref name="requested"/> readers, or for 0 one per four of <paramref name="cpus"/>, 1 to 8.</summary>
    public static int ReaderCount(int requested, int cpus) => requested > 0 ? requested : Math.Clamp(cpus / 4, 1, 8);

    /// <summary>Computes every tile of the plan.</summary>
    public Task RunAsync(IProgress<ScanProgress>? progress, CancellationToken cancellationToken)
    {
        var tiles = Channel.CreateUnbounded<TileTask>(new UnboundedChannelOptions { SingleReader = true });
        foreach (var tile in processor.Plan.Tiles)
        {
            tiles.Writer.TryWrite(tile);
        }

        tiles.Writer.Complete();
        return RunAsync(tiles.Reader, progress, cancellationToken);
    }

    /// <summary>Computes the tiles that arrive on <paramref name="tiles"/> until it completes.</summary>
    public async Task RunAsync(ChannelReader<TileTask> tiles, IProgress<ScanProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tiles);
        var plan = processor.Plan;
        var clock = Stopwatch.StartNew();
        var ambient = Activity.Current?.Context ?? default;
        var parent = TraceParent ?? (_ => ambient);
        var toInfer = Channel.CreateBounded<Batch>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = readers == 1 });
        var toWrite = Channel.CreateBounded<Result>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var token = linked.Token;

        var tracker = new ProgressTracker(plan, progress, clock);
        var reader = Task.Run(() => ReadAsync(tiles, toInfer.Writer, tracker, parent, token), token);
        var inferrer = Task.Run(() => InferAsync(toInfer.Reader, toWrite.Writer, tracker, token), token);
        var writer = Task.Run(() => WriteAsync(toWrite.Reader, tracker, token), token);
        try
        {
            // A stage that fails cancels the others at once: a stage blocked writing into a channel whose consumer
            // has died would otherwise wait for ever.
            var stages = new[] { reader, inferrer, writer };
            await Task.WhenAll(stages.Select(stage => stage.ContinueWith(
                done => done.IsCompletedSuccessfully ? Task.CompletedTask : linked.CancelAsync(), TaskScheduler.Default).Unwrap())).ConfigureAwait(false);

            ThrowFirstFailure(stages);
            await Task.WhenAll(stages).ConfigureAwait(false); // only cancellations are left: rethrows one
        }
        finally
        {
            // The finalizer runs next in this process: let it have the memory the tiles' buffers held.
            ReleaseBuffers();
        }

        if (plan.Tiles.Count == 0)
        {
            progress?.Report(new ScanProgress(0, 0, 0, clock.Elapsed, 1));
        }
    }

    private void ReleaseBuffers()
    {
        rgbPool.Clear();
        inputPool.Clear();
        outputPool.Clear();
        chunkPool.Clear();
        restPool.Clear();
    }

    /// <summary>Groups the tiles' regions into same-shape batches, in arrival order, and has <see cref="readers"/>
    /// threads read and pre-process them; batches reach the backend in the order they are ready.</summary>
    private async Task ReadAsync(ChannelReader<TileTask> tiles, ChannelWriter<Batch> output, ProgressTracker tracker, Func<TileTask, ActivityContext> parent,
        CancellationToken token)
    {
        var toPrepare = Channel.CreateBounded<List<Item>>(new BoundedChannelOptions(readers) { SingleReader = readers == 1, SingleWriter = true });
        var preparers = Enumerable.Range(0, readers).Select(_ => Task.Run(async () =>
        {
            try
            {
                await foreach (var items in toPrepare.Reader.ReadAllAsync(token).ConfigureAwait(false))
                {
                    await output.WriteAsync(Prepare(items), token).ConfigureAwait(false);
                }
            }
            catch (Exception e)
            {
                toPrepare.Writer.TryComplete(e); // stops the grouping instead of leaving it blocked on a full queue
                throw;
            }
        }, token)).ToList();
        try
        {
            try
            {
                var pending = new List<Item>();
                while (await tiles.WaitToReadAsync(token).ConfigureAwait(false))
                {
                    if (!tiles.TryRead(out var tile))
                    {
                        continue;
                    }

                    if (await scores.ChunkExistsAsync(tile.ChunkRow, tile.ChunkCol, token).ConfigureAwait(false))
                    {
                        Interlocked.Increment(ref found);
                        tracker.Found(tile);
                        Telemetry?.TileReused(writer, model);
                        TileDone?.Invoke(tile, default);
                        continue;
                    }

                    Arrive(tile, parent);

                    // A split tile's trunk parts are what is read and batched; the rest runs once they are all in.
                    foreach (var region in tile.Parts ?? tile.Regions)
                    {
                        long pixels = (long)region.Width * region.Height;
                        int batchLimit = (int)Math.Clamp(node.MaxBatchPixels / Math.Max(1, pixels), 1, node.BatchSize);
                        if (pending.Count > 0 && (pending.Count >= batchLimit || !SameShape(pending[0].Region, region)))
                        {
                            await toPrepare.Writer.WriteAsync(pending, token).ConfigureAwait(false);
                            pending = [];
                        }

                        pending.Add(new Item(tile, region));
                    }

                    // Nothing more has arrived: what is there goes now rather than waiting for a fuller batch.
                    if (pending.Count > 0 && !tiles.TryPeek(out _))
                    {
                        await toPrepare.Writer.WriteAsync(pending, token).ConfigureAwait(false);
                        pending = [];
                    }
                }

                if (pending.Count > 0)
                {
                    await toPrepare.Writer.WriteAsync(pending, token).ConfigureAwait(false);
                }
            }
            finally
            {
                toPrepare.Writer.TryComplete(); // a failed reader may have completed it already
            }

            await Task.WhenAll(preparers).ConfigureAwait(false);
        }
        catch
        {
            // A reader that failed stops the grouping (its batches would never be read); let the others end first.
            toPrepare.Writer.TryComplete();
            await Task.WhenAll(preparers.Select(p => p.ContinueWith(_ => { }, TaskScheduler.Default))).ConfigureAwait(false);
            ThrowFirstFailure(preparers);
            throw;
        }
        finally
        {
            output.Complete();
        }
    }

    private Batch Prepare(List<Item> items)
    {
        var first = items[0].Region;
        int plane = 3 * first.Width * first.Height;
        var input = inputPool.Rent(checked(plane * items.Count));
        var rgb = rgbPool.Rent(checked(first.Width * first.Height * 3));
        for (int i = 0; i < items.Count; i++)
        {
            long start = Stopwatch.GetTimestamp();
            processor.Read(items[i].Region, rgb);
            long read = Stopwatch.GetTimestamp();
            processor.Preprocess(rgb, items[i].Region, input.AsSpan(i * plane, plane));
            long end = Stopwatch.GetTimestamp();
            Timings.AddRead(read - start);
            Timings.AddPreprocess(end - read);
            var trace = TraceOf(items[i].Tile);
            trace.Stage(ScanStages.Read, start, read, 1, new TileStageTimes(Read: Seconds(read - start), 0, 0, 0));
            trace.Stage(ScanStages.Preprocess, read, end, 1, new TileStageTimes(0, Preprocess: Seconds(end - read), 0, 0));
        }

        rgbPool.Return(rgb);

        return new Batch(items, input, first.Height, first.Width);
    }

    private async Task InferAsync(ChannelReader<Batch> input, ChannelWriter<Result> output, ProgressTracker tracker, CancellationToken token)
    {
        var filling = new Dictionary<TileTask, (float[] RestInput, int Remaining)>();
        try
        {
            await foreach (var batch in input.ReadAllAsync(token).ConfigureAwait(false))
            {
                long start = Stopwatch.GetTimestamp();
                var result = processor.Infer(batch.Input, batch.Items.Count, batch.Height, batch.Width, outputPool.Rent);
                long end = Stopwatch.GetTimestamp();
                Timings.AddInfer(end - start);
                double share = 1.0 / batch.Items.Count;
                foreach (var item in batch.Items)
                {
                    TraceOf(item.Tile).Stage(ScanStages.Infer, start, end, share, new TileStageTimes(0, 0, Infer: Seconds(end - start) * share, 0));
                }

                tracker.Inferred(batch.Items.Select(item => item.Region));
                inputPool.Return(batch.Input);
                if (processor.Plan.Split is null)
                {
                    await output.WriteAsync(new Result(batch, result), token).ConfigureAwait(false);
                    continue;
                }

                for (int i = 0; i < batch.Items.Count; i++)
                {
                    var (tile, part) = batch.Items[i];
                    if (!filling.TryGetValue(tile, out var state))
                    {
                        state = (restPool.Rent(processor.RestInputLength(tile)), tile.Parts!.Count);
                    }

                    processor.ScatterTrunk(result, i, part, tile, state.RestInput);
                    if (i == batch.Items.Count - 1)
                    {
                        outputPool.Return(result.Values);
                    }

                    if (--state.Remaining > 0)
                    {
                        filling[tile] = state;
                        continue;
                    }

                    filling.Remove(tile);
                    long restStart = Stopwatch.GetTimestamp();
                    var scores = processor.InferRest(tile, state.RestInput, outputPool.Rent);
                    long restEnd = Stopwatch.GetTimestamp();
                    Timings.AddInfer(restEnd - restStart);
                    TraceOf(tile).Stage(ScanStages.Infer, restStart, restEnd, 1, new TileStageTimes(0, 0, Infer: Seconds(restEnd - restStart), 0));
                    restPool.Return(state.RestInput);
                    var region = tile.Regions[0];
                    tracker.RestInferred(region);
                    var whole = new Batch([new Item(tile, region)], [], region.Height, region.Width);
                    await output.WriteAsync(new Result(whole, scores), token).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            output.Complete();
        }
    }

    private async Task WriteAsync(ChannelReader<Result> input, ProgressTracker tracker, CancellationToken token)
    {
        var open = new Dictionary<TileTask, (float[] Chunk, int Remaining)>();
        await foreach (var result in input.ReadAllAsync(token).ConfigureAwait(false))
        {
            for (int i = 0; i < result.Batch.Items.Count; i++)
            {
                var (tile, region) = result.Batch.Items[i];
                if (!open.TryGetValue(tile, out var state))
                {
                    state = (processor.NewChunk(chunkPool.Rent(processor.ChunkLength)), tile.Regions.Count);
                }

                processor.Scatter(result.Output, i, region, state.Chunk);
                state.Remaining--;
                if (state.Remaining > 0)
                {
                    open[tile] = state;
                    continue;
                }

                open.Remove(tile);
                processor.Finish(state.Chunk);
                long start = Stopwatch.GetTimestamp();
                if (Interlocked.Exchange(ref writerRecorded, 1) == 0)
                {
                    await output.TryCreateAsync(WritersPrefix + writer, Array.Empty<byte>(), token).ConfigureAwait(false);
                }

                bool created = await scores.TryCreateChunkAsync(tile.ChunkRow, tile.ChunkCol, state.Chunk, token).ConfigureAwait(false);
                Interlocked.Increment(ref created ? ref written : ref found);
                long end = Stopwatch.GetTimestamp();
                Timings.AddWrite(end - start);
                chunkPool.Return(state.Chunk);
                tracker.Written();
                var trace = TraceOf(tile);
                trace.Stage(ScanStages.Write, start, end, 1, new TileStageTimes(0, 0, 0, Write: Seconds(end - start)));
                var times = trace.Times;
                Leave(tile, trace);

                Telemetry?.TileComputed(writer, model, tile.InputPixels, times);
                TileDone?.Invoke(tile, times);
            }

            outputPool.Return(result.Output.Values);
        }
    }

    private void Arrive(TileTask tile, Func<TileTask, ActivityContext> parent)
    {
        lock (tracesGate)
        {
            if (traces.TryGetValue(tile, out var trace))
            {
                trace.Arrivals++;
                return;
            }
        }

        var started = new TileTrace(StartTileSpan(tile, parent(tile)));
        lock (tracesGate)
        {
            if (!traces.TryAdd(tile, started))
            {
                traces[tile].Arrivals++; // arrived twice at once (only this reader adds, so not in practice)
                ScanTelemetry.StopDetached(started.Span);
            }
        }
    }

    private TileTrace TraceOf(TileTask tile)
    {
        lock (tracesGate)
        {
            return traces[tile];
        }
    }

    private void Leave(TileTask tile, TileTrace trace)
    {
        lock (tracesGate)
        {
            if (--trace.Arrivals > 0)
            {
                return;
            }

            traces.Remove(tile);
        }

        ScanTelemetry.StopDetached(trace.Span);
    }

    /// <summary>A tile's span, under <paramref name="parent"/>, when anyone listens.</summary>
    private Activity? StartTileSpan(TileTask tile, ActivityContext parent)
    {
        var span = ScanTelemetry.StartDetached("tile", parent);
        if (span is { IsAllDataRequested: true })
        {
            var region = tile.Regions[0];
            span.SetTag("batchfcn.scan.id", processor.Plan.ScanId);
            span.SetTag("batchfcn.tile.chunk", $"{tile.ChunkRow},{tile.ChunkCol}");
            span.SetTag("batchfcn.tile.pixels", tile.InputPixels);
            span.SetTag("batchfcn.tile.width", region.Width);
            span.SetTag("batchfcn.tile.height", region.Height);
            span.SetTag("batchfcn.backend", writer);
            span.SetTag("batchfcn.model", model);
        }

        return span;
    }

    private static double Seconds(long ticks) => ticks / (double)Stopwatch.Frequency;

    private static bool SameShape(TileRegion a, TileRegion b) => a.Width == b.Width && a.Height == b.Height;

    /// <summary>Rethrows the first real failure among finished tasks rather than the cancellations it caused.</summary>
    private static void ThrowFirstFailure(IEnumerable<Task> tasks)
    {
        var failure = tasks.Select(t => t.Exception?.InnerException).FirstOrDefault(e => e is not null and not OperationCanceledException);
        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
    }

    /// <summary>
    /// Counts the work done in the inference and write stages and reports it in order. Work is weighed by pixels:
    /// the image pixels a region (or trunk part) runs through the network, and for a cut network the trunk's and
    /// the rest's shares of the planned FLOPs spread over their pixels — so a scan whose rest is one large tile
    /// still moves while its trunk parts run.
    /// </summary>
    private sealed class ProgressTracker
    {
        private readonly Lock gate = new();
        private readonly IProgress<ScanProgress>? progress;
        private readonly Stopwatch clock;
        private readonly int total;
        private readonly double perPixel;
        private readonly double perRestPixel;
        private readonly long area;
        private int done;
        private long pixels;
        private double fraction;

        public ProgressTracker(ScanPlan plan, IProgress<ScanProgress>? progress, Stopwatch clock)
        {
            this.progress = progress;
            this.clock = clock;
            total = plan.Tiles.Count;
            area = plan.LevelWidth * plan.LevelHeight;
            long read = Math.Max(1, plan.Tiles.Sum(t => t.InputPixels));
            if (plan.Split is { } split)
            {
                long rest = Math.Max(1, plan.Tiles.Sum(t => (long)t.Regions[0].Width * t.Regions[0].Height));
                perPixel = split.TrunkShare / read;
                perRestPixel = (1 - split.TrunkShare) / rest;
            }
            else
            {
                perPixel = 1.0 / read;
            }
        }

        /// <summary>Regions (or trunk parts) of the image went through the network.</summary>
        public void Inferred(IEnumerable<TileRegion> regions)
        {
            long batch = regions.Sum(r => (long)r.Width * r.Height);
            Update(() =>
            {
                pixels += batch;
                fraction += batch * perPixel;
            });
        }

        /// <summary>A cut network's rest ran on one tile of the trunk's map.</summary>
        public void RestInferred(TileRegion region) => Update(() => fraction += (long)region.Width * region.Height * perRestPixel);

        /// <summary>A chunk was written.</summary>
        public void Written() => Update(() => done++);

        /// <summary>A tile's chunk was there already: its share of the work is done.</summary>
        public void Found(TileTask tile) => Update(() =>
        {
            done++;
            fraction += tile.InputPixels * perPixel;
            if (tile.Parts is not null)
            {
                fraction += (long)tile.Regions[0].Width * tile.Regions[0].Height * perRestPixel;
            }
        });

        private void Update(Action change)
        {
            lock (gate)
            {
                change();
                // Exactly 1 once every chunk is written (no rounding left over), and short of it until then.
                progress?.Report(new ScanProgress(done, total, pixels, clock.Elapsed, done == total ? 1 : Math.Min(fraction, 0.999), area));
            }
        }
    }
}
