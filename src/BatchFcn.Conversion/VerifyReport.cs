namespace BatchFcn.Conversion;

/// <summary>The numeric proof of a conversion.</summary>
public sealed record VerifyReport
{
    public required string Classifier { get; init; }

    public required string Fcn { get; init; }

    public required int PatchHeight { get; init; }

    public required int PatchWidth { get; init; }

    public required bool PaddingFree { get; init; }

    public required double Tolerance { get; init; }

    /// <summary>Invariant A: converted(patch) = classifier(patch).</summary>
    public required Comparison PatchEquivalence { get; init; }

    /// <summary>Invariant B: dense map of a larger input vs the classifier on each crop.</summary>
    public required Comparison DenseVsSliding { get; init; }

    /// <summary>Input size of the dense comparison.</summary>
    public required int DenseInputHeight { get; init; }

    public required int DenseInputWidth { get; init; }

    /// <summary>Whether invariant A holds within the tolerance.</summary>
    public bool PatchEquivalent => PatchEquivalence.MaxRelativeError <= Tolerance;

    /// <summary>Whether invariant B holds within the tolerance (expected only for padding-free networks).</summary>
    public bool DenseEquivalent => DenseVsSliding.MaxRelativeError <= Tolerance;

    /// <summary>Invariant B's result in a word or two: PASS, FAIL, DEVIATES (expected), or NOT A PAIR when invariant A
    /// failed (the two models do not compute the same function, so B compares unrelated outputs).</summary>
    public string DenseResult => !PatchEquivalent ? "NOT A PAIR" : DenseEquivalent ? "PASS" : PaddingFree ? "FAIL" : "DEVIATES (expected)";

    /// <summary>A sentence for people about what invariant B's deviation means.</summary>
    public string DenseVerdict => (PatchEquivalent, PaddingFree, DenseEquivalent) switch
    {
        (false, _, _) => "not meaningful: invariant A fails, so the converted model is not this classifier's conversion "
            + "(convert the classifier again, or give the classifier it was converted from)",
        (_, true, true) => "dense map equals the classifier on every crop (padding-free network)",
        (_, true, false) => "UNEXPECTED: a padding-free network should match the classifier on every crop",
        (_, false, true) => "dense map matches the classifier on these crops, though the network pads",
        (_, false, false) => "deviation expected: the network zero-pads, so a crop's border sees zeros where the large image has real pixels",
    };

    /// <summary>Errors of one comparison: ‖a−b‖∞, and the same relative to ‖a‖∞ (the largest over cases).</summary>
    public sealed record Comparison(int Cases, double MaxAbsError, double MaxRelativeError, int ArgmaxAgreements);
}
