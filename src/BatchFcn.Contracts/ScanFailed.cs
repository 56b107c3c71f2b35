namespace BatchFcn.Contracts;

/// <summary>A scan that cannot complete, with a reason a person can act on (never a secret, never a stack trace).</summary>
/// <param name="ScanId">The scan.</param>
/// <param name="Reason">What went wrong and what to do.</param>
/// <param name="FailedUtc">When.</param>
public sealed record ScanFailed(string ScanId, string Reason, DateTimeOffset FailedUtc);
