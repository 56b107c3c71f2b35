using System.Runtime.InteropServices;
using System.Text;

namespace BatchFcn.Storage;

/// <summary>Writes NumPy <c>.npy</c> files (format 1.0, little-endian float32, C order) band by band.</summary>
public static class NpyWriter
{
    /// <summary>Streams a score array into a .npy file of shape [class, rows, cols], one chunk row in memory at a time.</summary>
    public static async Task WriteAsync(ZarrScoreArray array, string path, CancellationToken cancellationToken = default)
    {
        var temp = path + ".tmp-" + Environment.ProcessId;
        try
        {
            await using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20, useAsync: true))
            {
                await WriteAsync(array, file, cancellationToken).ConfigureAwait(false);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>Streams a score array as .npy into a seekable stream (a temporary file before an upload, say).</summary>
    public static async Task WriteAsync(ZarrScoreArray array, Stream file, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(array);
        ArgumentNullException.ThrowIfNull(file);
        var header = Header([array.Classes, array.Rows, array.Cols]);
        await file.WriteAsync(header, cancellationToken).ConfigureAwait(false);
        long dataStart = header.Length;
        file.SetLength(dataStart + (array.Classes * array.Rows * array.Cols * sizeof(float)));
        for (int ty = 0; ty < array.ChunkGridRows; ty++)
        {
            var band = await array.ReadChunkRowAsync(ty, cancellationToken).ConfigureAwait(false);
            long bandRows = band.Length / array.Classes / array.Cols;
            for (long k = 0; k < array.Classes; k++)
            {
                file.Position = dataStart + ((((k * array.Rows) + ((long)ty * array.ChunkRows)) * array.Cols) * sizeof(float));
                var slice = band.AsMemory((int)(k * bandRows * array.Cols), (int)(bandRows * array.Cols));
                await file.WriteAsync(MemoryMarshal.AsBytes(slice.Span).ToArray(), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The .npy header: magic, version 1.0, header length, then the dict padded to a 64-byte boundary.</summary>
    public static byte[] Header(long[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var dict = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({string.Join(", ", shape)}{(shape.Length == 1 ? "," : string.Empty)}), }}";
        int unpadded = 10 + dict.Length + 1;
        int padded = (unpadded + 63) / 64 * 64;
        var text = dict + new string(' ', padded - unpadded) + "\n";
        var bytes = new byte[10 + text.Length];
        bytes[0] = 0x93;
        Encoding.ASCII.GetBytes("NUMPY").CopyTo(bytes, 1);
        bytes[6] = 1;
        bytes[7] = 0;
        BitConverter.TryWriteBytes(bytes.AsSpan(8, 2), (ushort)text.Length);
        Encoding.ASCII.GetBytes(text).CopyTo(bytes, 10);
        return bytes;
    }
}
