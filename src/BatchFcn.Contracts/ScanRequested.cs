namespace BatchFcn.Contracts;

/// <summary>A scan asked for: the image, the model (a classifier, converted on the fly, or a converted network with its
/// manifest) and the output folder, each a local path or an <c>az://container/path</c> address.</summary>
/// <param name="ScanId">Names the scan (and blobs): letters, digits, '-', '_' and '.', 1 to 64 characters, no "..".</param>
/// <param name="Image">The image.</param>
/// <param name="Model">The model.</param>
/// <param name="Output">The folder the outputs go into.</param>
/// <param name="Scan">What defines the map.</param>
/// <param name="Outputs">What else is written.</param>
public sealed record ScanRequested(string ScanId, string Image, string Model, string Output, ScanOptions Scan, OutputOptions Outputs);
