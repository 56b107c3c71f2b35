using System.IO.Compression;
using System.Text.Json.Nodes;

namespace BatchFcn.Storage;

/// <summary>
/// How a score chunk's bytes are stored: as they are, or byte-shuffled (numcodecs' <c>shuffle</c> filter, element
/// size 4: the four bytes of every float grouped by significance, so exponents sit together) and then zlib-compressed
/// (numcodecs' <c>zlib</c> codec). Both are part of numcodecs itself, so zarr-python reads the chunks without extras.
/// </summary>
public sealed class ZarrChunkCodec
{
    /// <summary>Chunks stored as they are.</summary>
    public static readonly ZarrChunkCodec None = new(null);

    /// <summary>Shuffle + zlib at level 1 (fast; higher levels gain a few percent on float maps for several times the CPU).</summary>
    public static readonly ZarrChunkCodec Zlib = new(1);

    private ZarrChunkCodec(int? zlibLevel) => ZlibLevel = zlibLevel;

    /// <summary>The zlib level, or <see langword="null"/> when chunks are stored as they are.</summary>
    public int? ZlibLevel { get; }

    /// <summary>The codec a setting names: <c>zlib</c> or <c>none</c>.</summary>
    /// <exception cref="ArgumentException">Any other name.</exception>
    public static ZarrChunkCodec Named(string name) => name switch
    {
        "zlib" => Zlib,
        "none" => None,
        _ => throw new ArgumentException($"unknown score compression '{name}'; use zlib (the default) or none", nameof(name)),
    };

    /// <summary>The codec a <c>.zarray</c> describes.</summary>
    /// <exception cref="InvalidDataException">A compressor or filter BatchFcn does not write.</exception>
    public static ZarrChunkCodec FromMetadata(JsonNode meta, string where)
    {
        ArgumentNullException.ThrowIfNull(meta);
        var compressor = meta["compressor"];
        var filters = meta["filters"]?.AsArray();
        if (compressor is null && (filters is null || filters.Count == 0))
        {
            return None;
        }

        if (compressor?["id"]?.GetValue<string>() == "zlib" && filters is [{ } filter] && filter["id"]?.GetValue<string>() == "shuffle"
            && filter["elementsize"]?.GetValue<int>() == sizeof(float))
        {
            return new ZarrChunkCodec(compressor["level"]?.GetValue<int>() ?? 1);
        }

        throw new InvalidDataException($"'{where}' stores its chunks with {compressor?.ToJsonString() ?? "no compressor"} and filters "
            + $"{filters?.ToJsonString() ?? "none"}; BatchFcn reads its own: uncompressed, or shuffle + zlib");
    }

    /// <summary>The <c>compressor</c> entry of <c>.zarray</c>.</summary>
    public JsonNode? Compressor => ZlibLevel is { } level ? new JsonObject { ["id"] = "zlib", ["level"] = level } : null;

    /// <summary>The <c>filters</c> entry of <c>.zarray</c>.</summary>
    public JsonNode? Filters => ZlibLevel is null ? null : new JsonArray(new JsonObject { ["id"] = "shuffle", ["elementsize"] = sizeof(float) });

    /// <summary>The stored bytes of a chunk's raw little-endian floats.</summary>
    public ReadOnlyMemory<byte> Encode(ReadOnlySpan<byte> raw)
    {
        if (ZlibLevel is not { } level)
        {
            return raw.ToArray();
        }

        var shuffled = new byte[raw.Length];
        Shuffle(raw, shuffled);
        using var output = new MemoryStream(raw.Length / 2);
        using (var zlib = new ZLibStream(output, new ZLibCompressionOptions { CompressionLevel = level }, leaveOpen: true))
        {
            zlib.Write(shuffled);
        }

        return output.GetBuffer().AsMemory(0, (int)output.Length);
    }

    /// <summary>Decodes stored bytes into <paramref name="raw"/> (the chunk's floats as bytes, exactly filled).</summary>
    /// <exception cref="InvalidDataException">The bytes do not decode to exactly <paramref name="raw"/>'s length.</exception>
    public void Decode(ReadOnlySpan<byte> stored, Span<byte> raw, string key)
    {
        if (ZlibLevel is null)
        {
            if (stored.Length != raw.Length)
            {
                throw new InvalidDataException($"chunk '{key}' holds {stored.Length} bytes; a chunk of this array holds {raw.Length}");
            }

            stored.CopyTo(raw);
            return;
        }

        var shuffled = new byte[raw.Length];
        using var input = new MemoryStream(stored.ToArray());
        using var zlib = new ZLibStream(input, CompressionMode.Decompress);
        int total = 0, read;
        while (total < shuffled.Length && (read = zlib.Read(shuffled, total, shuffled.Length - total)) > 0)
        {
            total += read;
        }

        if (total != shuffled.Length || zlib.ReadByte() != -1)
        {
            throw new InvalidDataException($"chunk '{key}' does not decompress to the {raw.Length} bytes a chunk of this array holds");
        }

        Unshuffle(shuffled, raw);
    }

    /// <summary>Byte k of element i goes to k · n + i.</summary>
    private static void Shuffle(ReadOnlySpan<byte> raw, Span<byte> shuffled)
    {
        int n = raw.Length / sizeof(float);
        for (int i = 0; i < n; i++)
        {
            for (int k = 0; k < sizeof(float); k++)
            {
                shuffled[(k * n) + i] = raw[(i * sizeof(float)) + k];
            }
        }
    }

    private static void Unshuffle(ReadOnlySpan<byte> shuffled, Span<byte> raw)
    {
        int n = raw.Length / sizeof(float);
        for (int i = 0; i < n; i++)
        {
            for (int k = 0; k < sizeof(float); k++)
            {
                raw[(i * sizeof(float)) + k] = shuffled[(k * n) + i];
            }
        }
    }
}
