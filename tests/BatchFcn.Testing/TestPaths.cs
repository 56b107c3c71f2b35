namespace BatchFcn.Testing;

/// <summary>Locations inside the repository, found from the test binaries' folder.</summary>
public static class TestPaths
{
    private static readonly Lazy<string> Root = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "BatchFcn.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("BatchFcn.sln not found above " + AppContext.BaseDirectory);
    });

    public static string RepositoryRoot => Root.Value;

    /// <summary>A model exported by tests/models/export_test_models.py.</summary>
    public static string Model(string name) => Path.Combine(RepositoryRoot, "tests", "models", name + ".onnx");

    /// <summary>A fresh temporary directory, removed when disposed.</summary>
    public static TempDirectory TempDirectory() => new();
}

public sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "batchfcn-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
