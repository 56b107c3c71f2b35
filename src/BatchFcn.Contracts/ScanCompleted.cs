namespace BatchFcn.Contracts;

/// <summary>A scan finished: every tile's chunk is written and the outputs are final.</summary>
/// <param name="ScanId">The scan.</param>
/// <param name="Output">Its output folder's address.</param>
/// <param name="Summary">The address of its <c>summary.json</c>.</param>
/// <param name="FinishedUtc">When the outputs were final.</param>
public sealed record ScanCompleted(string ScanId, string Output, string Summary, DateTimeOffset FinishedUtc);
