namespace BatchFcn.Distributed;

/// <summary>Where a distributed scan is. <see cref="Completed"/>, <see cref="Failed"/> and <see cref="Cancelled"/> are final.</summary>
public enum ScanStatus
{
    /// <summary>Accepted; waiting for a worker to plan it.</summary>
    Submitted,

    /// <summary>Planned; its tile jobs are queued or running.</summary>
    Running,

    /// <summary>Every tile is in; one worker is writing the heatmap and summary.</summary>
    Finalizing,

    /// <summary>Outputs final.</summary>
    Completed,

    /// <summary>Cannot complete; <see cref="ScanState.Reason"/> says why.</summary>
    Failed,

    /// <summary>Stopped by <c>cancel</c>; queued tiles are dropped without work.</summary>
    Cancelled,
}
