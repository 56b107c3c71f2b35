using System.Runtime.Intrinsics;

namespace BatchFcn.Inference.Tests;

/// <summary>The SIMD path against the scalar reference over lengths 0…257 (build.sh re-runs this class
/// with DOTNET_EnableAVX2=0 and DOTNET_EnableHWIntrinsic=0 so every path is exercised).</summary>
public sealed class PixelConversionTests
{
    public static TheoryData<int> Lengths()
    {
        var data = new TheoryData<int>();
        foreach (int n in Enumerable.Range(0, 258))
        {
            data.Add(n);
        }

        data.Add(4096 + 13);
        return data;
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void RgbToPlanar_MatchesScalarReferenceBitForBit(int pixels)
    {
        var rgb = new byte[pixels * 3];
        new Random(pixels).NextBytes(rgb);
        var n = new Normalization(1 / 255f, [0.4f, 0.5f, 0.6f], [0.2f, 0.25f, 0.3f]);
        var (r, g, b) = (new float[pixels], new float[pixels], new float[pixels]);
        var (er, eg, eb) = (new float[pixels], new float[pixels], new float[pixels]);
        PixelConversion.RgbToPlanar(rgb, r, g, b, n);
        PixelConversion.Scalar(rgb, er, eg, eb, n);
        Assert.Equal(er, r);
        Assert.Equal(eg, g);
        Assert.Equal(eb, b);
    }

    [Fact]
    public void RgbToPlanar_AppliesTheNormalisation()
    {
        byte[] rgb = [0, 255, 51, 255, 0, 102];
        var (r, g, b) = (new float[2], new float[2], new float[2]);
        PixelConversion.RgbToPlanar(rgb, r, g, b, Normalization.ImageNet);
        Assert.Equal((0 - 0.485f) / 0.229f, r[0], 5);
        Assert.Equal((1 - 0.456f) / 0.224f, g[0], 5);
        Assert.Equal((0.2f - 0.406f) / 0.225f, b[0], 5);
        Assert.Equal((1 - 0.485f) / 0.229f, r[1], 5);
    }

    [Fact]
    public void ReportsWhichPathRan() =>
        Assert.True(Vector128.IsHardwareAccelerated || Environment.GetEnvironmentVariable("DOTNET_EnableHWIntrinsic") == "0");
}
