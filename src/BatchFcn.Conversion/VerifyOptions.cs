namespace BatchFcn.Conversion;

/// <summary>Options of <see cref="EquivalenceVerifier"/>.</summary>
public sealed record VerifyOptions
{
    /// <summary>Random patches compared for invariant A.</summary>
    /// <value>The default is 8.</value>
    public int Samples { get; init; } = 8;

    /// <summary>Cells per axis of the dense map compared with sliding crops for invariant B.</summary>
    /// <value>The default is 3 (a 3×3 map: 9 crops).</value>
    public int DenseCells { get; init; } = 3;

    /// <summary>Seed of the random inputs, so a run can be repeated.</summary>
    /// <value>The default is 2024.</value>
    public int Seed { get; init; } = 2024;

    /// <summary>Largest relative error (‖a−b‖∞ / ‖a‖∞) accepted for invariant A.</summary>
    /// <value>The default is 1e-5.</value>
    public double Tolerance { get; init; } = 1e-5;
}
