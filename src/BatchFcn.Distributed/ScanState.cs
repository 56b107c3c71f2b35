namespace BatchFcn.Distributed;

/// <summary>The record of one distributed scan (<c>&lt;state folder&gt;/&lt;scan id&gt;/state.json</c>), changed only by
/// ETag-conditional updates, so two workers never both move it on (one finalizer, one failure reason).</summary>
public sealed record ScanState
{
    public required string ScanId { get; init; }

    public required ScanStatus Status { get; init; }

    /// <summary>The request as submitted (addresses, options).</summary>
    public required ScanRequested Request { get; init; }

    public required DateTimeOffset SubmittedUtc { get; init; }

    public DateTimeOffset UpdatedUtc { get; init; }

    /// <summary>Tiles to compute (tissue tiles), known once planned.</summary>
    public int TotalTiles { get; init; }

    /// <summary>Where the plan is, once planned.</summary>
    public string? Plan { get; init; }

    /// <summary>Seconds the plan step took.</summary>
    public double PlanSeconds { get; init; }

    /// <summary>Why the scan failed or was cancelled.</summary>
    public string? Reason { get; init; }

    /// <summary>When the current finalizer claimed the scan; another may take over once this is older than the lease.</summary>
    public DateTimeOffset? FinalizingSinceUtc { get; init; }

    /// <summary>The address of <c>summary.json</c>, once completed.</summary>
    public string? Summary { get; init; }

    /// <summary>Whether <see cref="ScanCompleted"/> went out. The state is completed first, then one worker claims the
    /// publication (<see cref="PublishClaimUtc"/>), publishes and sets this: a broker outage or a crash in between
    /// leaves it unset, and once the claim is old another worker publishes.</summary>
    public bool CompletionPublished { get; init; }

    /// <summary>When a worker claimed publishing <see cref="ScanCompleted"/>.</summary>
    public DateTimeOffset? PublishClaimUtc { get; init; }

    public bool IsFinal => Status is ScanStatus.Completed or ScanStatus.Failed or ScanStatus.Cancelled;
}
