using BatchFcn.Testing;

namespace BatchFcn.Conversion.Tests;

/// <summary>The class names a user gives <c>convert --labels</c>, in each accepted form, and the files refused.</summary>
public sealed class ClassLabelsTests
{
    [Theory]
    [InlineData("normal\nstroma\ntumour\n\n", null)]
    [InlineData("normal\r\nstroma\r\ntumour", null)]
    [InlineData("[\"normal\", \"stroma\", \"tumour\"]", null)]
    [InlineData("{\"2\": \"tumour\", \"0\": \"normal\", \"1\": \"stroma\"}", null)]
    [InlineData("{\"labels\": [\"normal\", \"stroma\", \"tumour\"], \"positive\": \"tumour\"}", "tumour")]
    public void Load_EachForm_GivesTheNamesInIndexOrder(string content, string? positive)
    {
        using var dir = TestPaths.TempDirectory();
        File.WriteAllText(dir.File("labels"), content);
        var labels = ClassLabels.Load(dir.File("labels"));
        Assert.Equal(["normal", "stroma", "tumour"], labels.Names);
        Assert.Equal(positive, labels.Positive);
    }

    [Theory]
    [InlineData("a\nb\na", "'a' more than once")]
    [InlineData("a\n\nb", "empty name")]
    [InlineData("", "names no classes")]
    [InlineData("{\"0\": \"a\", \"2\": \"b\"}", "without gaps")]
    [InlineData("[\"a\", 3]", "array of strings")]
    [InlineData("{\"labels\": [\"a\", \"b\"], \"positive\": \"c\"}", "'c'")]
    [InlineData("[\"a\",", "not valid JSON")]
    [InlineData("{\"labels\": [\"a\", \"b\"], \"postive\": \"b\"}", "unknown key 'postive'")]
    public void Load_MalformedFile_IsRefusedSayingWhy(string content, string expected)
    {
        using var dir = TestPaths.TempDirectory();
        File.WriteAllText(dir.File("labels"), content);
        var e = Assert.Throws<ConversionException>(() => ClassLabels.Load(dir.File("labels")));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_CountDiffersFromTheModel_IsRefused()
    {
        var labels = new ClassLabels(["a", "b"], null);
        var e = Assert.Throws<ConversionException>(() => labels.Check(3, "labels.txt"));
        Assert.Contains("names 2 classes; the model has 3", e.Message, StringComparison.Ordinal);
    }
}
