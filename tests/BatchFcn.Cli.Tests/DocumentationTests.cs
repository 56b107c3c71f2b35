using System.Text.RegularExpressions;
using BatchFcn.Testing;

namespace BatchFcn.Cli.Tests;

/// <summary>The project's documents stand alone: nothing points at notes outside the repository, and the licence is
/// there.</summary>
public sealed partial class DocumentationTests
{
    public static TheoryData<string> Documents()
    {
        var root = TestPaths.RepositoryRoot;
        var data = new TheoryData<string>();
        foreach (var file in new[] { "README.md", "deploy/README.md", "helm/README.md" }.Concat(
                     Directory.EnumerateFiles(Path.Combine(root, "docs"), "*.md").Select(f => Path.GetRelativePath(root, f))))
        {
            data.Add(file.Replace('\\', '/'));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void Document_CitesNothingOutsideTheRepository(string document)
    {
        string text = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, document));
        var outside = OutsideReference().Matches(text).Select(m => m.Value).ToList();
        Assert.True(outside.Count == 0, $"{document} cites {string.Join(", ", outside)}");
    }

    [Fact]
    public void Repository_HasALicence()
    {
        string licence = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "LICENSE"));
        Assert.Contains("MIT License", licence, StringComparison.Ordinal);
    }

    [Fact]
    public void Demo_NormalisationOptions_AreNotOffered()
    {
        // The shipped classifier was trained with its manifest's normalisation; other values would break it.
        var demo = CliRunner.Run("demo", "--scale", "1");
        Assert.Equal(1, demo.Code);
        Assert.Contains("Unrecognized command or argument '--scale'", demo.Err, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"\.\./shared|DESIGN(\.md)?\s*§|STYLE\.md")]
    private static partial Regex OutsideReference();
}
