using BatchFcn.Geometry;

namespace BatchFcn.Geometry.Tests;

public sealed class LayerAxisTests
{
    [Theory]
    [InlineData(224, 7, 2, 1, 3, 3, false, 112)] // ResNet stem
    [InlineData(112, 3, 2, 1, 1, 1, false, 56)] // ResNet max-pool
    [InlineData(55, 3, 2, 1, 0, 0, false, 27)] // AlexNet max-pool
    [InlineData(244, 3, 1, 1, 0, 0, false, 242)]
    [InlineData(7, 3, 2, 1, 0, 0, true, 3)] // ceil mode, last window fits
    [InlineData(8, 3, 2, 1, 0, 0, true, 4)] // ceil mode adds a partial window
    [InlineData(6, 2, 2, 1, 1, 1, true, 4)] // ceil mode: window starting in the end padding is dropped
    [InlineData(10, 3, 1, 2, 0, 0, false, 6)] // dilation 2
    [InlineData(2, 3, 1, 1, 0, 0, false, 0)] // too small
    [InlineData(1, 2, 2, 1, 0, 0, true, 1)] // ceil mode: one partial window over a single element
    [InlineData(1, 3, 2, 1, 0, 0, true, 0)]
    public void OutputLength_MatchesOnnxFormula(int input, int k, int s, int d, int pb, int pe, bool ceil, int expected) =>
        Assert.Equal(expected, new LayerAxis(k, s, d, pb, pe, ceil).OutputLength(input));

    [Fact]
    public void IsPadded_CeilModeWithStride_CountsAsPadding()
    {
        Assert.True(new LayerAxis(2, 2, 1, 0, 0, true).IsPadded);
        Assert.False(new LayerAxis(3, 1, 1, 0, 0, true).IsPadded);
        Assert.False(LayerAxis.Valid(3, 2).IsPadded);
        Assert.True(new LayerAxis(3, 1, 1, 1, 0, false).IsPadded);
    }
}
