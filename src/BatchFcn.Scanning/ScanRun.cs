namespace BatchFcn.Scanning;

/// <summary>How this node ran a scan, for its summary.</summary>
/// <param name="Backends">The sessions the tiles ran on.</param>
/// <param name="Started">When the scan started (a <see cref="TimeProvider"/> timestamp).</param>
/// <param name="PlanSeconds">Seconds spent planning.</param>
/// <param name="Stages">Per-stage seconds of the tiles, summed.</param>
public sealed record ScanRun(ScanBackends Backends, long Started, double PlanSeconds, StageTimings Stages);
