using System.Runtime.InteropServices;
using System.Text.Json;
using BatchFcn.Testing;

namespace BatchFcn.Storage.Tests;

/// <summary>What only the local store does; the shared behaviour is in <see cref="LocalDirectoryStoreContractTests"/>.</summary>
public sealed class LocalDirectoryStoreTests
{
    [Fact]
    public async Task Write_Replace_LeavesNoTemporaryFiles()
    {
        using var dir = TestPaths.TempDirectory();
        var store = new LocalDirectoryStore(dir.Path);
        await store.WriteAsync("a/b/c", new byte[] { 1, 2, 3 });
        await store.WriteAsync("a/b/c", new byte[] { 4 });
        await store.TryCreateAsync("a/b/c", new byte[] { 5 });
        Assert.Equal([4], File.ReadAllBytes(Path.Combine(dir.Path, "a", "b", "c")));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp-*", SearchOption.AllDirectories));
    }

    [Fact]
    public void Keys_CannotEscapeTheRoot()
    {
        using var dir = TestPaths.TempDirectory();
        Assert.Throws<ArgumentException>(() => new LocalDirectoryStore(dir.Path).PathOf("../outside"));
    }
}

public sealed class ZarrScoreArrayTests
{
    [Fact]
    public async Task Create_WritesZarrV2MetadataAndChunks()
    {
        using var dir = TestPaths.TempDirectory();
        var store = new LocalDirectoryStore(dir.Path);
        var array = await ZarrScoreArray.CreateAsync(store, "scores.zarr", 2, 5, 7, 3, 4, codec: ZarrChunkCodec.None);
        using var meta = JsonDocument.Parse(File.ReadAllText(dir.File("scores.zarr/.zarray")));
        var root = meta.RootElement;
        Assert.Equal(2, root.GetProperty("zarr_format").GetInt32());
        Assert.Equal("<f4", root.GetProperty("dtype").GetString());
        Assert.Equal("NaN", root.GetProperty("fill_value").GetString());
        Assert.Equal("/", root.GetProperty("dimension_separator").GetString());
        Assert.Equal([2, 5, 7], root.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal([2, 3, 4], root.GetProperty("chunks").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal((2, 2), (array.ChunkGridRows, array.ChunkGridCols));

        var chunk = Enumerable.Range(0, 24).Select(i => (float)i).ToArray();
        await array.WriteChunkAsync(1, 1, chunk);
        Assert.Equal(chunk, MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(dir.File("scores.zarr/0/1/1"))).ToArray());
        Assert.Null(await array.ReadChunkAsync(0, 0));
        await Assert.ThrowsAsync<ArgumentException>(() => array.WriteChunkAsync(0, 0, new float[5]));
    }

    [Fact]
    public async Task Create_ByDefault_ShufflesAndCompressesChunks_AndReadsThemBack()
    {
        using var dir = TestPaths.TempDirectory();
        var store = new LocalDirectoryStore(dir.Path);
        var array = await ZarrScoreArray.CreateAsync(store, "scores.zarr", 3, 64, 64, 64, 64);
        using (var meta = JsonDocument.Parse(File.ReadAllText(dir.File("scores.zarr/.zarray"))))
        {
            Assert.Equal("zlib", meta.RootElement.GetProperty("compressor").GetProperty("id").GetString());
            var filter = Assert.Single(meta.RootElement.GetProperty("filters").EnumerateArray());
            Assert.Equal("shuffle", filter.GetProperty("id").GetString());
            Assert.Equal(4, filter.GetProperty("elementsize").GetInt32());
        }

        // A smooth map, as logits are: neighbouring cells share exponents and high mantissa bytes.
        var chunk = Enumerable.Range(0, 3 * 64 * 64).Select(i => (float)Math.Sin(i / 700.0) * 5).ToArray();
        await array.WriteChunkAsync(0, 0, chunk);
        var stored = File.ReadAllBytes(dir.File("scores.zarr/0/0/0"));
        Assert.Equal(0x78, stored[0]); // a zlib stream, as numcodecs' Zlib writes and reads
        Assert.True(stored.Length < chunk.Length * sizeof(float) * 0.8, $"{stored.Length} bytes for {chunk.Length * 4} raw");
        Assert.Equal(chunk, await array.ReadChunkAsync(0, 0));
        var reopened = await ZarrScoreArray.OpenAsync(store, "scores.zarr");
        Assert.Equal(chunk, await reopened.ReadChunkRowAsync(0));
    }

    [Fact]
    public async Task Open_ForeignCompressor_IsRefusedByName()
    {
        using var dir = TestPaths.TempDirectory();
        var store = new LocalDirectoryStore(dir.Path);
        await ZarrScoreArray.CreateAsync(store, "s.zarr", 1, 4, 4, 4, 4);
        File.WriteAllText(dir.File("s.zarr/.zarray"), File.ReadAllText(dir.File("s.zarr/.zarray")).Replace("\"zlib\"", "\"blosc\"", StringComparison.Ordinal));
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => ZarrScoreArray.OpenAsync(store, "s.zarr"));
        Assert.Contains("blosc", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadChunkRow_AssemblesBandWithFillAndClipsEdgeChunks()
    {
        using var dir = TestPaths.TempDirectory();
        var store = new LocalDirectoryStore(dir.Path);
        var array = await ZarrScoreArray.CreateAsync(store, "s.zarr", 1, 5, 7, 3, 4);
        await array.WriteChunkAsync(1, 1, Enumerable.Range(0, 12).Select(i => (float)i).ToArray());
        var opened = await ZarrScoreArray.OpenAsync(store, "s.zarr");
        var band = await opened.ReadChunkRowAsync(1);
        Assert.Equal(2 * 7, band.Length); // rows 3..4, clipped
        Assert.True(float.IsNaN(band[0]));
        Assert.Equal([0f, 1, 2], band[4..7]);
        Assert.Equal([4f, 5, 6], band[11..14]);
    }

    [Fact]
    public async Task Npy_HeaderAndDataAreNumPyFormat()
    {
        using var dir = TestPaths.TempDirectory();
        var store = new LocalDirectoryStore(dir.Path);
        var array = await ZarrScoreArray.CreateAsync(store, "s.zarr", 2, 3, 5, 2, 2);
        for (int cy = 0; cy < 2; cy++)
        {
            for (int cx = 0; cx < 3; cx++)
            {
                var chunk = new float[8];
                for (int k = 0; k < 2; k++)
                {
                    for (int r = 0; r < 2; r++)
                    {
                        for (int c = 0; c < 2; c++)
                        {
                            chunk[(k * 4) + (r * 2) + c] = (k * 100) + (((cy * 2) + r) * 10) + (cx * 2) + c;
                        }
                    }
                }

                await array.WriteChunkAsync(cy, cx, chunk);
            }
        }

        var path = dir.File("s.npy");
        await NpyWriter.WriteAsync(array, path);
        var bytes = File.ReadAllBytes(path);
        Assert.Equal([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0], bytes[..8]);
        int headerLength = BitConverter.ToUInt16(bytes, 8);
        Assert.Equal(0, (10 + headerLength) % 64);
        var header = System.Text.Encoding.ASCII.GetString(bytes, 10, headerLength);
        Assert.Equal("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 5), }", header.TrimEnd(' ', '\n'));
        var data = MemoryMarshal.Cast<byte, float>(bytes.AsSpan(10 + headerLength)).ToArray();
        Assert.Equal(30, data.Length);
        for (int k = 0; k < 2; k++)
        {
            for (int y = 0; y < 3; y++)
            {
                for (int x = 0; x < 5; x++)
                {
                    Assert.Equal((k * 100) + (y * 10) + x, data[(k * 15) + (y * 5) + x]);
                }
            }
        }
    }
}
