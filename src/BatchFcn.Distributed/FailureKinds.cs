using BatchFcn.Conversion;
using BatchFcn.Imaging;
using BatchFcn.Scanning;
using BatchFcn.Storage;

namespace BatchFcn.Distributed;

/// <summary>Which failures no retry can fix (a corrupt image, a missing blob, a model that does not load, invalid options):
/// they skip the tile retry and fail the scan at once with their message.</summary>
public static class FailureKinds
{
    /// <summary>The exception types that are permanent.</summary>
    public static readonly Type[] Permanent =
    [
        typeof(ScanException), typeof(ImageReadException), typeof(BlobNotFoundException), typeof(ConversionException), typeof(FormatException),
        typeof(ArgumentException), typeof(Inference.BackendUnavailableException), typeof(UnauthorizedAccessException),
    ];

    public static bool IsPermanent(Exception e) => Permanent.Any(t => t.IsInstanceOfType(e));
}
