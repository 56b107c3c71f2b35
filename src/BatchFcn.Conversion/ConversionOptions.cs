namespace BatchFcn.Conversion;

/// <summary>Options of one conversion.</summary>
public sealed record ConversionOptions
{
    /// <summary>Patch height the classifier was trained on. Needed when the model's input height is
    /// dynamic; must agree with it when static.</summary>
    /// <value>The default is <see langword="null"/>: taken from the model.</value>
    public int? PatchHeight { get; init; }

    /// <summary>Patch width; see <see cref="PatchHeight"/>.</summary>
    /// <value>The default is <see langword="null"/>: taken from the model.</value>
    public int? PatchWidth { get; init; }
}
