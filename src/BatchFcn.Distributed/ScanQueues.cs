namespace BatchFcn.Distributed;

/// <summary>The RabbitMQ queues of a deployment (each also an exchange of the same name). Messages are sent to a queue,
/// not published, so a scan submitted before any worker starts waits in its queue instead of being dropped.</summary>
public static class ScanQueues
{
    /// <summary>Scan requests, consumed by the plan step.</summary>
    public const string Scans = "batchfcn-scans";

    /// <summary>Tile jobs, consumed by the tile step; the queue a pool scales on.</summary>
    public const string Tiles = "batchfcn-tiles";

    /// <summary>Faults of either (after retries), turned into failed scans.</summary>
    public const string Faults = "batchfcn-faults";

    public static Uri Address(string queue) => new($"queue:{queue}");
}
