using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace BatchFcn.Storage;

/// <summary>
/// A float32 score map [class, y, x] stored as a Zarr v2 array (<c>.zarray</c> + one object per chunk at
/// <c>0/i/j</c>, little-endian, shuffled and zlib-compressed by default (<see cref="ZarrChunkCodec"/>), NaN fill):
/// readable by zarr, xarray, dask and napari. One
/// chunk is one tile's valid core, so the stitched map is the chunk grid and never exists in memory.
/// </summary>
public sealed class ZarrScoreArray
{
    private readonly IBlobStore store;
    private readonly string prefix;

    private ZarrScoreArray(IBlobStore store, string prefix, long classes, long rows, long cols, int chunkRows, int chunkCols, ZarrChunkCodec codec)
    {
        this.store = store;
        Codec = codec;
        this.prefix = prefix.TrimEnd('/');
        Classes = classes;
        Rows = rows;
        Cols = cols;
        ChunkRows = chunkRows;
        ChunkCols = chunkCols;
    }

    public long Classes { get; }

    /// <summary>How chunks are stored.</summary>
    public ZarrChunkCodec Codec { get; }

    public long Rows { get; }

    public long Cols { get; }

    public int ChunkRows { get; }

    public int ChunkCols { get; }

    /// <summary>Floats in one (full-size) chunk.</summary>
    public long ChunkLength => Classes * ChunkRows * ChunkCols;

    public int ChunkGridRows => (int)((Rows + ChunkRows - 1) / ChunkRows);

    public int ChunkGridCols => (int)((Cols + ChunkCols - 1) / ChunkCols);

    /// <summary>Writes the array metadata (<c>.zarray</c>, <c>.zattrs</c>) and returns the array.</summary>
    public static async Task<ZarrScoreArray> CreateAsync(IBlobStore store, string prefix, long classes, long rows, long cols,
        int chunkRows, int chunkCols, JsonObject? attributes = null, ZarrChunkCodec? codec = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        codec ??= ZarrChunkCodec.Zlib;
        var array = new ZarrScoreArray(store, prefix, classes, rows, cols, chunkRows, chunkCols, codec);
        var meta = new JsonObject
        {
            ["zarr_format"] = 2,
            ["shape"] = new JsonArray(classes, rows, cols),
            ["chunks"] = new JsonArray(classes, chunkRows, chunkCols),
            ["dtype"] = "<f4",
            ["compressor"] = codec.Compressor,
            ["fill_value"] = "NaN",
            ["order"] = "C",
            ["filters"] = codec.Filters,
            ["dimension_separator"] = "/",
        };
        await store.WriteAsync(array.prefix + "/.zarray", Utf8(meta), cancellationToken).ConfigureAwait(false);
        await store.WriteAsync(array.prefix + "/.zattrs", Utf8(attributes ?? []), cancellationToken).ConfigureAwait(false);
        return array;
    }

    /// <summary>Opens an existing array from its <c>.zarray</c>.</summary>
    public static async Task<ZarrScoreArray> OpenAsync(IBlobStore store, string prefix, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var meta = JsonNode.Parse(await store.ReadAsync(prefix.TrimEnd('/') + "/.zarray", cancellationToken).ConfigureAwait(false))!;
        var shape = meta["shape"]!.AsArray().Select(n => n!.GetValue<long>()).ToArray();
        var chunks = meta["chunks"]!.AsArray().Select(n => n!.GetValue<int>()).ToArray();
        if (meta["dtype"]!.GetValue<string>() != "<f4" || shape.Length != 3 || chunks[0] != shape[0])
        {
            throw new InvalidDataException($"'{prefix}' is not a BatchFcn score array (float32 [class, y, x], all classes in one chunk)");
        }

        return new ZarrScoreArray(store, prefix, shape[0], shape[1], shape[2], chunks[1], chunks[2], ZarrChunkCodec.FromMetadata(meta, prefix));
    }

    public string ChunkKey(int chunkRow, int chunkCol) => $"{prefix}/0/{chunkRow}/{chunkCol}";

    /// <summary>Writes one chunk: [class, ChunkRows, ChunkCols] C-order; cells beyond the array's edge are ignored by readers.</summary>
    public Task WriteChunkAsync(int chunkRow, int chunkCol, ReadOnlyMemory<float> data, CancellationToken cancellationToken = default) =>
        store.WriteAsync(ChunkKey(chunkRow, chunkCol), ChunkBytes(data), cancellationToken);

    /// <summary>Writes one chunk unless it exists: the first writer wins, so a tile computed again (a re-delivered job,
    /// another backend whose floats differ in the last bits) never replaces what is there.</summary>
    /// <returns><see langword="true"/> when this call wrote it.</returns>
    public Task<bool> TryCreateChunkAsync(int chunkRow, int chunkCol, ReadOnlyMemory<float> data, CancellationToken cancellationToken = default) =>
        store.TryCreateAsync(ChunkKey(chunkRow, chunkCol), ChunkBytes(data), cancellationToken);

    /// <summary>Whether a chunk was written.</summary>
    public Task<bool> ChunkExistsAsync(int chunkRow, int chunkCol, CancellationToken cancellationToken = default) =>
        store.ExistsAsync(ChunkKey(chunkRow, chunkCol), cancellationToken);

    private ReadOnlyMemory<byte> ChunkBytes(ReadOnlyMemory<float> data)
    {
        if (data.Length != ChunkLength)
        {
            throw new ArgumentException($"chunk holds {data.Length} values, expected {ChunkLength}", nameof(data));
        }

        if (Codec.ZlibLevel is not null)
        {
            return Codec.Encode(MemoryMarshal.AsBytes(data.Span));
        }

        // Written straight from the floats' bytes: a copy per chunk would be garbage the size of the chunk.
        return MemoryMarshal.TryGetArray(data, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? new FloatBytes(segment.Array).Memory
            : MemoryMarshal.AsBytes(data.Span).ToArray();
    }

    /// <summary>Reads a chunk, or returns <see langword="null"/> when it was never written (all fill value).</summary>
    public async Task<float[]?> ReadChunkAsync(int chunkRow, int chunkCol, CancellationToken cancellationToken = default)
    {
        try
        {
            var key = ChunkKey(chunkRow, chunkCol);
            var bytes = await store.ReadAsync(key, cancellationToken).ConfigureAwait(false);
            var values = new float[ChunkLength];
            Codec.Decode(bytes, MemoryMarshal.AsBytes(values.AsSpan()), key);
            return values;
        }
        catch (BlobNotFoundException)
        {
            return null; // one request per chunk, not an existence check and a read
        }
    }

    /// <summary>Reads one band of chunk rows for every class: [class, rows of the band, Cols], NaN where unwritten.</summary>
    public async Task<float[]> ReadChunkRowAsync(int chunkRow, CancellationToken cancellationToken = default)
    {
        var band = new float[BandLength(chunkRow)];
        await ReadChunkRowAsync(chunkRow, band, cancellationToken).ConfigureAwait(false);
        return band;
    }

    /// <summary>Values in band <paramref name="chunkRow"/>: Classes · rows of the band · Cols.</summary>
    public long BandLength(int chunkRow) => Classes * Math.Min(ChunkRows, Rows - ((long)chunkRow * ChunkRows)) * Cols;

    /// <summary>Reads one band into <paramref name="band"/> (exactly <see cref="BandLength"/> values), so a
    /// streaming reader can reuse one array for every band.</summary>
    public async Task ReadChunkRowAsync(int chunkRow, float[] band, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(band);
        long bandRows = Math.Min(ChunkRows, Rows - ((long)chunkRow * ChunkRows));
        if (band.LongLength != BandLength(chunkRow))
        {
            throw new ArgumentException($"band {chunkRow} holds {BandLength(chunkRow)} values, not {band.LongLength}", nameof(band));
        }

        Array.Fill(band, float.NaN);
        var bytes = new byte[ChunkLength * sizeof(float)];
        for (int tx = 0; tx < ChunkGridCols; tx++)
        {
            var key = ChunkKey(chunkRow, tx);
            try
            {
                if (Codec.ZlibLevel is null)
                {
                    int length = await store.ReadAsync(key, bytes, cancellationToken).ConfigureAwait(false);
                    if (length != bytes.Length)
                    {
                        throw new InvalidDataException($"chunk '{key}' holds {length} bytes; a chunk of this array holds {bytes.Length}");
                    }
                }
                else
                {
                    Codec.Decode(await store.ReadAsync(key, cancellationToken).ConfigureAwait(false), bytes, key);
                }
            }
            catch (BlobNotFoundException)
            {
                continue; // never written: background
            }

            var chunk = MemoryMarshal.Cast<byte, float>(bytes.AsSpan());

            long x0 = (long)tx * ChunkCols;
            int width = (int)Math.Min(ChunkCols, Cols - x0);
            for (long k = 0; k < Classes; k++)
            {
                for (long y = 0; y < bandRows; y++)
                {
                    chunk.Slice((int)(((k * ChunkRows) + y) * ChunkCols), width).CopyTo(band.AsSpan((int)((((k * bandRows) + y) * Cols) + x0), width));
                }
            }
        }
    }

    /// <summary>The bytes of a float array, without copying them.</summary>
    private sealed class FloatBytes(float[] values) : System.Buffers.MemoryManager<byte>
    {
        public override Span<byte> GetSpan() => MemoryMarshal.AsBytes(values.AsSpan());

        /// <summary>Pins the array; disposing the returned handle frees the pin.</summary>
        public override unsafe System.Buffers.MemoryHandle Pin(int elementIndex = 0)
        {
            var handle = GCHandle.Alloc(values, GCHandleType.Pinned);
            return new System.Buffers.MemoryHandle((byte*)handle.AddrOfPinnedObject() + elementIndex, handle);
        }

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
        }
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private static byte[] Utf8(JsonNode node) => JsonSerializer.SerializeToUtf8Bytes(node, Indented);
}
