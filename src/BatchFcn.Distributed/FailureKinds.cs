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

    /// <summary>Every kind <see cref="Name"/> gives.</summary>
    public static readonly string[] Names = ["image", "model", "input", "storage", "access", "backend", "request", "other"];

    /// <summary>A failure's kind in a word, for metrics (a low-cardinality tag): image, model, input, storage, access,
    /// backend, request or other.</summary>
    /// <param name="exceptionType">The failure's exception type's full name.</param>
    public static string Name(string? exceptionType) => exceptionType switch
    {
        _ when exceptionType == typeof(ImageReadException).FullName => "image",
        _ when exceptionType == typeof(ConversionException).FullName => "model",
        _ when exceptionType == typeof(BlobNotFoundException).FullName => "input",
        _ when exceptionType == typeof(StorageUnavailableException).FullName => "storage",
        _ when exceptionType == typeof(UnauthorizedAccessException).FullName => "access",
        _ when exceptionType == typeof(Inference.BackendUnavailableException).FullName => "backend",
        _ when exceptionType == typeof(ScanException).FullName || exceptionType == typeof(FormatException).FullName
            || exceptionType == typeof(ArgumentException).FullName => "request",
        _ => "other",
    };
}
