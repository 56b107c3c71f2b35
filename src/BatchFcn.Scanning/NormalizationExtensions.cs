using BatchFcn.Conversion;
using BatchFcn.Inference;

namespace BatchFcn.Scanning;

internal static class NormalizationExtensions
{
    public static Normalization ToNormalization(this ModelManifest.NormalizationManifest n) => new(n.Scale, n.Mean, n.Std);
}
