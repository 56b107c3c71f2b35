namespace BatchFcn.Imaging;

/// <summary>One resolution of an image.</summary>
/// <param name="Index">0 is full resolution.</param>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="Downsample">Level-0 pixels per pixel of this level.</param>
/// <param name="MicronsPerPixel">Physical pixel size when the file records it.</param>
public sealed record PyramidLevel(int Index, long Width, long Height, double Downsample, double? MicronsPerPixel);
