using BatchFcn.Testing;

namespace BatchFcn.Storage.Tests;

public sealed class BlobStoreResolverTests
{
    private const string Secret = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA==";
    private const string ConnectionString =
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + Secret + ";BlobEndpoint=http://127.0.0.1:1/devstoreaccount1;";

    [Theory]
    [InlineData("az://scans/slides/a.svs", "scans", "slides/a.svs")]
    [InlineData("az://results-2024/x/", "results-2024", "x")]
    [InlineData("az://abc", "abc", "")]
    [InlineData("az://abc/", "abc", "")]
    public void Parse_AzureAddress_SplitsContainerAndPath(string text, string container, string path)
    {
        var address = BlobAddress.Parse(text);
        Assert.True(address.IsAzure);
        Assert.Equal((container, path), (address.Container, address.Path));
        Assert.Equal(text, address.ToString());
    }

    [Theory]
    [InlineData("az://Bad_Name/x", "container names are 3-63 lowercase letters, digits and hyphens")]
    [InlineData("az://ab/x", "container names are 3-63")]
    [InlineData("az://-abc/x", "container names")]
    [InlineData("az://a--b/x", "container names")]
    [InlineData("az://abc/x//y", "empty, '.' or '..' part")]
    [InlineData("az://abc/../y", "empty, '.' or '..' part")]
    [InlineData("AZ://abc/x", "lowercase")]
    [InlineData("s3://bucket/x", "only local paths and az://")]
    [InlineData(" ", "empty address")]
    public void Parse_BadAddress_SaysWhatIsWrong(string text, string expected)
    {
        var e = Assert.Throws<FormatException>(() => BlobAddress.Parse(text));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        if (!string.IsNullOrWhiteSpace(text))
        {
            Assert.Contains($"'{text}'", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Parse_LocalPath_IsFullPath()
    {
        var address = BlobAddress.Parse("some/file.tif");
        Assert.False(address.IsAzure);
        Assert.Equal(Path.GetFullPath("some/file.tif"), address.Path);
    }

    [Fact]
    public void ResolveFile_LocalFile_StoreAtItsFolderKeyedByName()
    {
        using var dir = TestPaths.TempDirectory();
        var (store, key) = new BlobStoreResolver(null).ResolveFile(dir.File("slide.tif"));
        Assert.Equal(dir.Path, Assert.IsType<LocalDirectoryStore>(store).Root);
        Assert.Equal("slide.tif", key);
        Assert.Throws<FormatException>(() => new BlobStoreResolver(null).ResolveFile(dir.Path));
    }

    [Fact]
    public void ResolveFolder_LocalFolder_StoreRootedThere()
    {
        using var dir = TestPaths.TempDirectory();
        var folder = Path.Combine(dir.Path, "out");
        Assert.Equal(folder, Assert.IsType<LocalDirectoryStore>(new BlobStoreResolver(null).ResolveFolder(folder)).Root);
    }

    [Fact]
    public void Resolve_AzureWithoutConnectionString_NamesOptionAndVariable()
    {
        var e = Assert.Throws<InvalidOperationException>(() => new BlobStoreResolver(null).ResolveFolder("az://results/run1"));
        Assert.Contains("--storage", e.Message, StringComparison.Ordinal);
        Assert.Contains(BlobStoreResolver.ConnectionStringVariable, e.Message, StringComparison.Ordinal);
        Assert.Contains("az://results/run1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_Azure_OneStorePerContainerAndAzAddresses()
    {
        var resolver = new BlobStoreResolver(ConnectionString);
        var (store, key) = resolver.ResolveFile("az://slides/a/b.svs");
        Assert.Equal("a/b.svs", key);
        Assert.Equal("az://slides/a/b.svs", store.Describe(key));
        Assert.Same(store, resolver.ResolveFile("az://slides/c.svs").Store);
        Assert.Same(store, resolver.ResolveFolder("az://slides"));
        var folder = Assert.IsType<PrefixedBlobStore>(resolver.ResolveFolder("az://slides/run1/"));
        Assert.Same(store, folder.Inner);
        Assert.Equal("az://slides/run1/scores.zarr/.zarray", folder.Describe("scores.zarr/.zarray"));
        Assert.NotSame(store, resolver.ResolveFile("az://other/c.svs").Store);
        Assert.Throws<FormatException>(() => resolver.ResolveFile("az://slides"));
        Assert.Throws<FormatException>(() => resolver.ResolveFile("az://slides/dir/"));
    }

    [Fact]
    public void Resolver_ConnectionString_NeverShown()
    {
        var resolver = new BlobStoreResolver(ConnectionString);
        Assert.DoesNotContain(Secret, resolver.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("AccountKey", resolver.ToString(), StringComparison.Ordinal);
        var store = resolver.ResolveFolder("az://results");
        Assert.DoesNotContain(Secret, store.ToString() ?? string.Empty, StringComparison.Ordinal);

        var bad = new BlobStoreResolver("AccountKey=" + Secret + ";nonsense");
        var e = Assert.Throws<InvalidOperationException>(() => bad.ResolveFolder("az://results"));
        Assert.DoesNotContain(Secret, e.ToString(), StringComparison.Ordinal);
        Assert.Contains("--storage", e.Message, StringComparison.Ordinal);
    }
}
