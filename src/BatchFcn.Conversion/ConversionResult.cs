using BatchFcn.Geometry;
using Onnx;

namespace BatchFcn.Conversion;

/// <summary>The fully convolutional model and what was learned while converting it.</summary>
public sealed record ConversionResult
{
    /// <summary>The converted model: input [batch, C, height, width], output [batch, K, rows, cols].</summary>
    public required ModelProto Model { get; init; }

    /// <summary>Stride, receptive field and offset per axis, and the output-length chain.</summary>
    public required NetworkGeometry Geometry { get; init; }

    public required int PatchHeight { get; init; }

    public required int PatchWidth { get; init; }

    public required string InputName { get; init; }

    public required long InputChannels { get; init; }

    public required string OutputName { get; init; }

    /// <summary>Number of classes (output channels).</summary>
    public required long Classes { get; init; }

    /// <summary>Whether the output passes through Softmax (or LogSoftmax: see <see cref="OutputActivation"/>).</summary>
    public required bool Softmaxed { get; init; }

    /// <summary>"softmax", "log_softmax" or "none".</summary>
    public required string OutputActivation { get; init; }

    /// <summary>Whether the model had no fully-connected head and was passed through.</summary>
    public required bool AlreadyFullyConvolutional { get; init; }

    /// <summary>Number of FC layers (Gemm or MatMul) rewritten as convolutions.</summary>
    public required int FullyConnectedLayersConverted { get; init; }

    /// <summary>The head's ops in the classifier (from the first global pool / flatten on).</summary>
    public required IReadOnlyList<string> HeadBefore { get; init; }

    /// <summary>The head's ops in the converted network.</summary>
    public required IReadOnlyList<string> HeadAfter { get; init; }

    /// <summary>Float parameters of the source model.</summary>
    public required long Parameters { get; init; }

    /// <summary>Multiply-adds ×2 of convolutions and FC layers for one patch.</summary>
    public required double FlopsPerPatch { get; init; }

    /// <summary>FLOPs per output cell when the converted network runs densely over a large image:
    /// each layer's cost per output pixel times (S / its stride)².</summary>
    public required double FlopsPerCell { get; init; }

    /// <summary>The largest feature map's floats per input pixel (channels / stride²), input included: what
    /// the network's working memory grows with as tiles grow (a ResNet stem's 64 channels at stride 2 give 16).</summary>
    public required double MaxMapFloatsPerInputPixel { get; init; }

    /// <summary>The default-domain opset of the model.</summary>
    public required long Opset { get; init; }
}
