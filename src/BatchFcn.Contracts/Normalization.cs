namespace BatchFcn.Contracts;

/// <summary>
/// How 8-bit RGB becomes the model's input: <c>(v · Scale − Mean[c]) / Std[c]</c>, computed as one fused
/// multiply-add per value. The default is what torchvision models expect: v/255, then ImageNet mean and std.
/// </summary>
public sealed record Normalization(float Scale, float[] Mean, float[] Std)
{
    /// <summary>RGB, pixel/255, ImageNet mean (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225).</summary>
    public static Normalization ImageNet { get; } = new(1f / 255f, [0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f]);

    /// <summary>Per-channel multiplier of the fused form <c>v · a + b</c>.</summary>
    public float Multiplier(int channel) => Scale / Std[channel];

    /// <summary>Per-channel offset of the fused form <c>v · a + b</c>.</summary>
    public float Offset(int channel) => -Mean[channel] / Std[channel];

    public override string ToString() =>
        $"scale {Scale:G6}, mean ({string.Join(", ", Mean)}), std ({string.Join(", ", Std)})";
}
