using System.Diagnostics;
using System.Threading.Channels;
using BatchFcn.Imaging;
using BatchFcn.Scanning;
using BatchFcn.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BatchFcn.Distributed;

/// <summary>
/// This node's tile executors, one per scan it is working on, shared by every tile job consumed here: jobs hand their
/// tiles to the scan's executor and wait until their chunks are in the store, so tiles of concurrent jobs are batched,
/// pipelined and read into the same reused buffers as in <c>run</c>. An executor (with its image, model and sessions)
/// stays open while jobs of its scan keep coming and closes after <see cref="IdleTimeout"/> without one.
/// </summary>
public sealed partial class NodeTileRunner(BlobStoreResolver stores, ImageOpener images, ModelRepository models, InferenceSessions sessions,
    ScanTelemetry telemetry, IOptions<NodeOptions> node, ILogger<NodeTileRunner> logger) : IAsyncDisposable
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, Lazy<Task<ScanWork>>> scans = [];
    private readonly ILogger log = logger;
    private readonly ScanTelemetry telemetry = telemetry;

    /// <summary>How long an executor waits for another job of its scan before it closes.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Reads a plan from its address (cached per scan while the scan's executor is open).</summary>
    public async Task<ScanPlan> PlanAsync(TileJob job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        return (await WorkAsync(job, cancellationToken).ConfigureAwait(false)).Plan;
    }

    /// <summary>Computes tiles [first, first + count) of the job's scan, or finds them done; returns when every chunk is in
    /// the store, with the seconds their stages took here. The tiles' spans go under the span current here (the job's).</summary>
    public async Task<TileJobRun> RunAsync(TileJob job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var work = await WorkAsync(job, cancellationToken).ConfigureAwait(false);
        var tiles = work.Plan.Tiles;
        if (job.FirstTile < 0 || job.TileCount < 1 || job.FirstTile + job.TileCount > tiles.Count)
        {
            throw new ScanException($"tile job {job.FirstTile}+{job.TileCount} lies outside scan '{job.ScanId}', which has {tiles.Count} tiles");
        }

        var waits = new List<Task<TileStageTimes>>();
        var parent = Activity.Current?.Context ?? default;
        for (int i = job.FirstTile; i < job.FirstTile + job.TileCount; i++)
        {
            waits.Add(work.Wait(tiles[i], parent));
        }

        for (int i = job.FirstTile; i < job.FirstTile + job.TileCount; i++)
        {
            await work.Tiles.Writer.WriteAsync(tiles[i], cancellationToken).ConfigureAwait(false);
        }

        try
        {
            var times = await Task.WhenAll(waits).WaitAsync(cancellationToken).ConfigureAwait(false);
            return new TileJobRun(times.Aggregate(default(TileStageTimes), (sum, t) => sum + t), work.Backend, work.Plan.Manifest.SourceModel);
        }
        finally
        {
            work.Touch();
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<Lazy<Task<ScanWork>>> open;
        lock (gate)
        {
            open = [.. scans.Values];
            scans.Clear();
        }

        foreach (var lazy in open.Where(l => l.IsValueCreated))
        {
            try
            {
                await (await lazy.Value.ConfigureAwait(false)).CloseAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // it failed to open or to run: nothing left to close
            }
        }
    }

    private async Task<ScanWork> WorkAsync(TileJob job, CancellationToken cancellationToken)
    {
        Lazy<Task<ScanWork>> lazy;
        lock (gate)
        {
            if (!scans.TryGetValue(job.ScanId, out lazy!))
            {
                lazy = new Lazy<Task<ScanWork>>(() => OpenAsync(job));
                scans[job.ScanId] = lazy;
            }
        }

        try
        {
            return await lazy.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Forget(job.ScanId, lazy); // the next job tries again (a transient failure) or fails the same way
            throw;
        }
    }

    private void Forget(string scanId, Lazy<Task<ScanWork>> lazy)
    {
        lock (gate)
        {
            if (scans.TryGetValue(scanId, out var current) && ReferenceEquals(current, lazy))
            {
                scans.Remove(scanId);
            }
        }
    }

    private async Task<ScanWork> OpenAsync(TileJob job)
    {
        var (planStore, planKey) = stores.ResolveFile(job.Plan);
        var plan = await ScanPlanningService.ReadAsync(planStore, planKey, CancellationToken.None).ConfigureAwait(false);
        var output = stores.ResolveFolder(plan.Output);
        var image = await images.OpenAsync(plan.ImagePath).ConfigureAwait(false);
        try
        {
            var model = await models.LoadAsync(plan.ModelPath).ConfigureAwait(false);
            var backends = sessions.Get(model, plan);
            var scores = await ZarrScoreArray.OpenAsync(output, ScanOutputs.Scores).ConfigureAwait(false);
            var work = new ScanWork(plan, image, this, job.ScanId);
            var executor = new TileExecutor(new TileProcessor(plan, image, backends.Network, backends.Rest), scores, output, node.Value, backends.Network.Name)
            {
                TileDone = work.Done,
                Telemetry = telemetry,
                TraceParent = work.TraceParent,
            };
            work.Backend = backends.Network.Name;
            work.Start(executor);
            LogOpened(log, job.ScanId, backends.Network.Name, executor.Readers);
            return work;
        }
        catch
        {
            image.Dispose();
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Scan {ScanId}: tile executor open on {Backend} with {Readers} reader(s)")]
    private static partial void LogOpened(ILogger logger, string scanId, string backend, int readers);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scan {ScanId}: tile executor closed after {Seconds:0} s without a job")]
    private static partial void LogClosed(ILogger logger, string scanId, double seconds);

    /// <summary>One scan's executor on this node, the tiles it is fed and the jobs waiting on them.</summary>
    private sealed class ScanWork(ScanPlan plan, IImageSource image, NodeTileRunner owner, string scanId) : IDisposable
    {
        private readonly Lock gate = new();
        private readonly Dictionary<TileTask, List<TaskCompletionSource<TileStageTimes>>> waiting = new(ReferenceEqualityComparer.Instance);
        private readonly Dictionary<TileTask, ActivityContext> parents = new(ReferenceEqualityComparer.Instance);
        private Task running = Task.CompletedTask;
        private long lastUse = Environment.TickCount64;
        private Timer? idle;

        public ScanPlan Plan { get; } = plan;

        public string Backend { get; set; } = string.Empty;

        public Channel<TileTask> Tiles { get; } = Channel.CreateUnbounded<TileTask>(new UnboundedChannelOptions { SingleReader = true });

        public void Start(TileExecutor executor)
        {
            owner.telemetry.ScanActive(+1);
            running = Task.Run(() => executor.RunAsync(Tiles.Reader, null, CancellationToken.None));
            _ = running.ContinueWith(Ended, TaskScheduler.Default);
            idle = new Timer(_ => CloseIfIdle(), null, owner.IdleTimeout, owner.IdleTimeout);
        }

        public Task<TileStageTimes> Wait(TileTask tile, ActivityContext parent)
        {
            var done = new TaskCompletionSource<TileStageTimes>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (gate)
            {
                if (running.IsCompleted)
                {
                    done.SetException(running.Exception?.InnerException ?? new ScanException($"scan '{scanId}': the tile executor on this node has stopped"));
                    return done.Task;
                }

                if (!waiting.TryGetValue(tile, out var list))
                {
                    waiting[tile] = list = [];
                }

                list.Add(done);
                parents.TryAdd(tile, parent);
                Touch();
            }

            return done.Task;
        }

        public void Done(TileTask tile, TileStageTimes times)
        {
            List<TaskCompletionSource<TileStageTimes>>? list;
            lock (gate)
            {
                waiting.Remove(tile, out list);
                parents.Remove(tile);
            }

            // One job's wait gets the tile's seconds; another job holding the same tile did no work of its own.
            for (int i = 0; i < (list?.Count ?? 0); i++)
            {
                list![i].TrySetResult(i == 0 ? times : default);
            }
        }

        /// <summary>The span of the job that brought <paramref name="tile"/> (the first, when two jobs hold it).</summary>
        public ActivityContext TraceParent(TileTask tile)
        {
            lock (gate)
            {
                return parents.TryGetValue(tile, out var parent) ? parent : default;
            }
        }

        public void Dispose() => idle?.Dispose();

        public void Touch() => Interlocked.Exchange(ref lastUse, Environment.TickCount64);

        public async Task CloseAsync()
        {
            Dispose();
            Tiles.Writer.TryComplete();
            try
            {
                await running.ConfigureAwait(false);
            }
            finally
            {
                image.Dispose();
            }
        }

        private void CloseIfIdle()
        {
            double seconds = (Environment.TickCount64 - Interlocked.Read(ref lastUse)) / 1000.0;
            bool idleNow;
            lock (gate)
            {
                idleNow = waiting.Count == 0 && seconds >= owner.IdleTimeout.TotalSeconds;
            }

            if (!idleNow)
            {
                return;
            }

            if (!Unregister())
            {
                return;
            }

            LogClosed(owner.log, scanId, seconds);
            _ = CloseAsync();
        }

        /// <summary>Removes this executor from the node's open ones, if it is still the one there.</summary>
        private bool Unregister()
        {
            lock (owner.gate)
            {
                return owner.scans.TryGetValue(scanId, out var current) && current.IsValueCreated && current.Value.IsCompletedSuccessfully
                    && ReferenceEquals(current.Value.Result, this) && owner.scans.Remove(scanId);
            }
        }

        /// <summary>An executor that stopped (it failed, or was closed) fails whatever still waits on it; the next job opens a new one.</summary>
        private void Ended(Task run)
        {
            idle?.Dispose();
            owner.telemetry.ScanActive(-1);
            var failure = run.Exception?.InnerException ?? new ScanException($"scan '{scanId}': the tile executor on this node stopped");
            List<TaskCompletionSource<TileStageTimes>> left;
            lock (gate)
            {
                left = [.. waiting.Values.SelectMany(l => l)];
                waiting.Clear();
                parents.Clear();
            }

            left.ForEach(t => t.TrySetException(failure));
            Unregister();

            if (run.IsFaulted)
            {
                image.Dispose();
            }
        }
    }
}
