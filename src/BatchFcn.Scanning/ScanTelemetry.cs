using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace BatchFcn.Scanning;

/// <summary>
/// The one place BatchFcn's traces and metrics are defined: the <see cref="ActivitySource"/> and the <see cref="Meter"/>
/// both named <see cref="Name"/>, and every instrument, named after the OpenTelemetry conventions (dotted lower case,
/// units in UCUM: <c>s</c>, <c>{tile}</c>). Tags are low-cardinality only — backend, model file name, stage, outcome,
/// queue, failure kind — never a scan id (traces carry those). A Prometheus scrape shows them as
/// <c>batchfcn_tiles_total</c>, <c>batchfcn_stage_duration_seconds</c> and so on (docs/OPERATIONS.md lists them all).
/// </summary>
public sealed class ScanTelemetry : IDisposable
{
    /// <summary>The name of the activity source and the meter.</summary>
    public const string Name = "BatchFcn";

    /// <summary>Spans of scans, tiles and their stages.</summary>
    public static readonly ActivitySource Source = new(Name, typeof(ScanTelemetry).Assembly.GetName().Version?.ToString());

    /// <summary>Bucket bounds for durations in seconds: from a millisecond (a tile record) to minutes (a plan, a
    /// finalize).</summary>
    private static readonly double[] SecondsBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

    private readonly Meter meter;
    private readonly Counter<long> tiles;
    private readonly Counter<long> pixels;
    private readonly Counter<long> planned;
    private readonly Counter<long> background;
    private readonly Histogram<double> stageDuration;
    private readonly Histogram<double> queueWait;
    private readonly Counter<long> failures;
    private readonly Counter<long> retries;
    private readonly UpDownCounter<long> scansActive;
    private readonly Counter<long> scans;

    public ScanTelemetry(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        meter = meterFactory.Create(Name, typeof(ScanTelemetry).Assembly.GetName().Version?.ToString());
        var seconds = new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets };
        tiles = meter.CreateCounter<long>("batchfcn.tiles", "{tile}",
            "Tiles done, by outcome: computed (run through the network) or reused (its chunk was there already)");
        pixels = meter.CreateCounter<long>("batchfcn.pixels", "{pixel}", "Input pixels run through the network (its throughput is this rate)");
        planned = meter.CreateCounter<long>("batchfcn.tiles.planned", "{tile}", "Tiles planned to compute (holding tissue)");
        background = meter.CreateCounter<long>("batchfcn.tiles.background", "{tile}", "Tiles skipped at planning as background");
        stageDuration = meter.CreateHistogram("batchfcn.stage.duration", "s",
            "Seconds per tile in each tile stage (read, preprocess, infer, write, complete), per scan in plan and finalize",
            tags: null, advice: seconds);
        queueWait = meter.CreateHistogram("batchfcn.queue.wait", "s", "Seconds a job waited in its queue, from sent to consumed",
            tags: null, advice: seconds);
        failures = meter.CreateCounter<long>("batchfcn.failures", "{failure}", "Scans failed and jobs that failed, by kind");
        retries = meter.CreateCounter<long>("batchfcn.retries", "{retry}", "Retries, by owner: storage (a storage call) or job (a whole job)");
        scansActive = meter.CreateUpDownCounter<long>("batchfcn.scans.active", "{scan}", "Scans this process is computing tiles of");
        scans = meter.CreateCounter<long>("batchfcn.scans", "{scan}", "Scans finished, by outcome: completed or failed");
    }

    /// <summary>The meter, for instruments a hosting adds (a worker's backend and capacity gauges).</summary>
    public Meter Meter => meter;

    /// <summary>A tile went through the network and its chunk is in the store.</summary>
    public void TileComputed(string backend, string model, long inputPixels, TileStageTimes times)
    {
        var tags = new TagList { { "backend", backend }, { "model", model } };
        Stage(ScanStages.Read, times.Read, backend, model);
        Stage(ScanStages.Preprocess, times.Preprocess, backend, model);
        Stage(ScanStages.Infer, times.Infer, backend, model);
        Stage(ScanStages.Write, times.Write, backend, model);
        pixels.Add(inputPixels, tags);
        tags.Add("outcome", "computed");
        tiles.Add(1, tags);
    }

    /// <summary>A tile's chunk was in the store already: nothing was computed.</summary>
    public void TileReused(string backend, string model) =>
        tiles.Add(1, new TagList { { "backend", backend }, { "model", model }, { "outcome", "reused" } });

    /// <summary>Seconds spent in one stage (per tile for tile stages, per scan for plan and finalize).</summary>
    public void Stage(string stage, double seconds, string backend, string model) =>
        stageDuration.Record(seconds, new TagList { { "stage", stage }, { "backend", backend }, { "model", model } });

    /// <summary>A scan was planned.</summary>
    public void Planned(string model, int tilesPlanned, int tilesSkipped)
    {
        var tags = new TagList { { "model", model } };
        planned.Add(tilesPlanned, tags);
        background.Add(tilesSkipped, tags);
    }

    /// <summary>A job left its queue (<c>tiles</c> or <c>scans</c>) after <paramref name="seconds"/>.</summary>
    public void QueueWait(string queue, double seconds) => queueWait.Record(Math.Max(0, seconds), new TagList { { "queue", queue } });

    /// <summary>A scan or a job failed; <paramref name="kind"/> names what went wrong in a word (image, model, storage, …).</summary>
    public void Failure(string kind) => failures.Add(1, new TagList { { "kind", kind } });

    /// <summary>Something is tried again; <paramref name="owner"/> is the retry owner (storage, job).</summary>
    public void Retry(string owner) => retries.Add(1, new TagList { { "owner", owner } });

    /// <summary>This process started (+1) or stopped (-1) computing tiles of a scan.</summary>
    public void ScanActive(int change) => scansActive.Add(change);

    /// <summary>A scan ended: <c>completed</c> or <c>failed</c>.</summary>
    public void ScanFinished(string outcome) => scans.Add(1, new TagList { { "outcome", outcome } });

    /// <summary>Gives the counters of rare events their series at 0 (failures by <paramref name="failureKinds"/>, retries
    /// by owner, scans by outcome), so a dashboard's <c>increase()</c> sees the first one: a counter that appears with 1
    /// has no earlier sample to rise from.</summary>
    public void Prime(IEnumerable<string> failureKinds)
    {
        ArgumentNullException.ThrowIfNull(failureKinds);
        foreach (var kind in failureKinds)
        {
            failures.Add(0, new TagList { { "kind", kind } });
        }

        retries.Add(0, new TagList { { "owner", "storage" } });
        retries.Add(0, new TagList { { "owner", "job" } });
        scans.Add(0, new TagList { { "outcome", "completed" } });
        scans.Add(0, new TagList { { "outcome", "failed" } });
    }

    /// <summary>Starts a span, without making it the ambient one (work of a pipeline is traced across threads).</summary>
    public static Activity? StartDetached(string name, ActivityContext parent, DateTimeOffset start = default)
    {
        var ambient = Activity.Current;
        var activity = Source.StartActivity(name, ActivityKind.Internal, parent, startTime: start);
        Activity.Current = ambient;
        return activity;
    }

    /// <summary>Stops a span started by <see cref="StartDetached"/>, leaving this thread's ambient span as it was.</summary>
    public static void StopDetached(Activity? activity, DateTimeOffset end = default)
    {
        if (activity is null)
        {
            return;
        }

        var ambient = Activity.Current;
        if (end != default)
        {
            activity.SetEndTime(end.UtcDateTime);
        }

        activity.Stop();
        Activity.Current = ambient;
    }

    public void Dispose() => meter.Dispose();
}
