namespace BatchFcn.Scanning.Tests;

public sealed class FinalizerTests
{
    [Theory]
    [InlineData("none", 5)]
    [InlineData("none", 1)]
    [InlineData("softmax", 3)]
    [InlineData("log_softmax", 4)]
    [InlineData("none", 1000)]
    public void PlaneWiseProbabilities_MatchTheCellByCellDefinition_AndKeepSkippedCellsNaN(string activation, int k)
    {
        const int plane = 37;
        var random = new Random(k);
        var values = new float[k * plane];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)((random.NextDouble() * 20) - 10);
        }

        for (int j = 0; j < k; j++)
        {
            values[(j * plane) + 5] = float.NaN; // a skipped cell is NaN in every class
        }

        var expected = (float[])values.Clone();
        var cell = new float[k];
        for (int at = 0; at < plane; at++)
        {
            for (int j = 0; j < k; j++)
            {
                cell[j] = values[(j * plane) + at];
            }

            ScoreActivation.ToProbabilities(activation, cell);
            for (int j = 0; j < k; j++)
            {
                expected[(j * plane) + at] = cell[j];
            }
        }

        ScanFinalizer.ToProbabilities(activation, values, k, plane);
        for (int i = 0; i < values.Length; i++)
        {
            if (i % plane == 5)
            {
                Assert.True(float.IsNaN(values[i]));
                continue;
            }

            Assert.True(Math.Abs(expected[i] - values[i]) <= 1e-6 * Math.Max(1, Math.Abs(expected[i])), $"{activation} k={k} value {i}: {values[i]} vs {expected[i]}");
        }
    }
}

public sealed class BufferPoolTests
{
    [Fact]
    public void Rent_ReusesTheSmallestFreeArrayLongEnough_AndAllocatesExactlyWhenNoneIs()
    {
        var pool = new BufferPool<float>(3);
        var small = pool.Rent(10);
        var large = pool.Rent(20);
        pool.Return(large);
        pool.Return(small);
        Assert.Same(small, pool.Rent(9));
        Assert.Same(large, pool.Rent(11));
        var fresh = pool.Rent(21);
        Assert.NotSame(large, fresh);
        Assert.Equal(21, fresh.Length);
        pool.Return(large);
        Assert.NotSame(large, pool.Rent(21));
        Assert.Equal(20, pool.Rent(20).Length);
    }

    [Fact]
    public void Clear_LetsGoOfEveryFreeArray()
    {
        var pool = new BufferPool<float>(4);
        var a = pool.Rent(8);
        pool.Return(a);
        pool.Clear();
        Assert.NotSame(a, pool.Rent(8));
    }

    [Fact]
    public void Return_BeyondCapacity_KeepsTheLongestArrays()
    {
        var pool = new BufferPool<byte>(2);
        byte[] a = new byte[4], b = new byte[8], c = new byte[6], d = new byte[2];
        pool.Return(a);
        pool.Return(b);
        pool.Return(c); // full: the shortest (a) goes
        pool.Return(d); // shorter than every free array: not kept
        Assert.Same(c, pool.Rent(1));
        Assert.Same(b, pool.Rent(1));
        var fresh = pool.Rent(1);
        Assert.NotSame(a, fresh);
        Assert.NotSame(d, fresh);
    }
}
