using BatchFcn.Conversion;
using BatchFcn.Inference;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BatchFcn.Scanning;

/// <summary>
/// The node's inference sessions, one per (model, cut): creating a session costs seconds (graph optimisation, a CUDA
/// probe), so a node scanning many slides with one model creates it once and every tile of every scan shares it.
/// The backend is chosen by probing (<see cref="BackendSelector"/>) per the node's <see cref="BackendOptions"/>.
/// </summary>
public sealed partial class InferenceSessions(IOptions<BackendOptions> options, ILogger<InferenceSessions> logger) : IDisposable
{
    private readonly Lock gate = new();
    private readonly Dictionary<(string Sha256, string Cut), Lazy<ScanBackends>> sessions = [];

    /// <summary>The sessions for a plan's model and cut, created on first use.</summary>
    /// <exception cref="BackendUnavailableException">No backend can run here (no AVX2 and not allowed).</exception>
    public ScanBackends Get(ScanModel model, ScanPlan plan)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(plan);
        var key = (model.Sha256, plan.Split?.Cut ?? string.Empty);
        Lazy<ScanBackends> entry;
        lock (gate)
        {
            if (!sessions.TryGetValue(key, out entry!))
            {
                entry = new Lazy<ScanBackends>(() => Create(model, plan), LazyThreadSafetyMode.ExecutionAndPublication);
                sessions[key] = entry;
            }
        }

        try
        {
            return entry.Value;
        }
        catch
        {
            lock (gate)
            {
                sessions.Remove(key);
            }

            throw;
        }
    }

    private ScanBackends Create(ScanModel model, ScanPlan plan)
    {
        var backend = options.Value;
        if (plan.Split is not { } cut)
        {
            var whole = BackendSelector.Select(model.Bytes, backend, logger);
            LogBackend(logger, whole.Summary);
            return new ScanBackends(whole.Backend, null, whole.Reasons);
        }

        var split = FcnSplitter.Split(model.Parse(), cut.Cut, model.Manifest.Patch.Height, model.Manifest.Patch.Width, model.Manifest.ToGeometry());
        var trunk = BackendSelector.Select(split.Trunk.Model.ToByteArray(), backend, logger);
        // The rest goes where the trunk went: no second CUDA probe (and no second warning) when it fell back.
        var rest = BackendSelector.Select(split.Rest.Model.ToByteArray(), backend with { Backend = trunk.Backend.Name }, logger);
        LogBackend(logger, trunk.Summary);
        return new ScanBackends(trunk.Backend, rest.Backend, trunk.Reasons);
    }

    public void Dispose()
    {
        lock (gate)
        {
            foreach (var entry in sessions.Values.Where(e => e.IsValueCreated))
            {
                entry.Value.Network.Dispose();
                entry.Value.Rest?.Dispose();
            }

            sessions.Clear();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Backend {Selection}")]
    private static partial void LogBackend(ILogger logger, string selection);
}
