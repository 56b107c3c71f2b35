using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BatchFcn.Inference;

/// <summary>
/// RGB8 interleaved → normalised planar float32, the hot loop of pre-processing. The vector path
/// de-interleaves 16 pixels with three byte shuffles per channel, widens to float and applies one fused
/// multiply-add; the scalar remainder uses the same fused operation, so both round identically.
/// </summary>
internal static class PixelConversion
{
    private static readonly Vector128<byte>[] Masks = BuildMasks();

    /// <summary>Converts <paramref name="rgb"/> (3 bytes per pixel) into three planes.</summary>
    public static void RgbToPlanar(ReadOnlySpan<byte> rgb, Span<float> r, Span<float> g, Span<float> b, Normalization n)
    {
        int pixels = rgb.Length / 3;
        if (r.Length < pixels || g.Length < pixels || b.Length < pixels)
        {
            throw new ArgumentException("planes are shorter than the pixel count");
        }

        int done = 0;
        // pshufb takes the shuffle mask from a register; the portable Vector128.Shuffle is only fast with
        // constant indices, so the vector path needs SSSE3.
        if (Ssse3.IsSupported && Vector256.IsHardwareAccelerated)
        {
            done = Vectorised(rgb, r, g, b, n);
        }

        Scalar(rgb[(done * 3)..], r[done..], g[done..], b[done..], n);
    }

    /// <summary>The reference: one pixel at a time.</summary>
    public static void Scalar(ReadOnlySpan<byte> rgb, Span<float> r, Span<float> g, Span<float> b, Normalization n)
    {
        float ar = n.Multiplier(0), ag = n.Multiplier(1), ab = n.Multiplier(2);
        float br = n.Offset(0), bg = n.Offset(1), bb = n.Offset(2);
        int pixels = rgb.Length / 3;
        for (int p = 0; p < pixels; p++)
        {
            r[p] = MathF.FusedMultiplyAdd(rgb[3 * p], ar, br);
            g[p] = MathF.FusedMultiplyAdd(rgb[(3 * p) + 1], ag, bg);
            b[p] = MathF.FusedMultiplyAdd(rgb[(3 * p) + 2], ab, bb);
        }
    }

    private static int Vectorised(ReadOnlySpan<byte> rgb, Span<float> r, Span<float> g, Span<float> b, Normalization n)
    {
        int pixels = rgb.Length / 3;
        int blocks = pixels / 16;
        ref byte src = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(rgb);
        for (int i = 0; i < blocks; i++)
        {
            ref byte block = ref Unsafe.Add(ref src, i * 48);
            var v0 = Vector128.LoadUnsafe(ref block);
            var v1 = Vector128.LoadUnsafe(ref block, 16);
            var v2 = Vector128.LoadUnsafe(ref block, 32);
            Store(Channel(v0, v1, v2, 0), n.Multiplier(0), n.Offset(0), r.Slice(i * 16, 16));
            Store(Channel(v0, v1, v2, 1), n.Multiplier(1), n.Offset(1), g.Slice(i * 16, 16));
            Store(Channel(v0, v1, v2, 2), n.Multiplier(2), n.Offset(2), b.Slice(i * 16, 16));
        }

        return blocks * 16;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Channel(Vector128<byte> v0, Vector128<byte> v1, Vector128<byte> v2, int channel) =>
        Ssse3.Shuffle(v0, Masks[(channel * 3) + 0]) | Ssse3.Shuffle(v1, Masks[(channel * 3) + 1]) | Ssse3.Shuffle(v2, Masks[(channel * 3) + 2]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector128<byte> bytes, float a, float b, Span<float> destination)
    {
        var lo = Vector128.WidenLower(bytes);
        var hi = Vector128.WidenUpper(bytes);
        var va = Vector256.Create(a);
        var vb = Vector256.Create(b);
        var f0 = Vector256.ConvertToSingle(Vector256.Create(Vector128.WidenLower(lo), Vector128.WidenUpper(lo)).AsInt32());
        var f1 = Vector256.ConvertToSingle(Vector256.Create(Vector128.WidenLower(hi), Vector128.WidenUpper(hi)).AsInt32());
        Vector256.FusedMultiplyAdd(f0, va, vb).CopyTo(destination);
        Vector256.FusedMultiplyAdd(f1, va, vb).CopyTo(destination[8..]);
    }

    /// <summary>For channel c and source register s, a shuffle picking byte 3p+c of the 48 into lane p
    /// (indices ≥ 16 give zero).</summary>
    private static Vector128<byte>[] BuildMasks()
    {
        var masks = new Vector128<byte>[9];
        var m = new byte[16];
        for (int c = 0; c < 3; c++)
        {
            for (int s = 0; s < 3; s++)
            {
                Array.Fill(m, (byte)0xFF);
                for (int p = 0; p < 16; p++)
                {
                    int pos = (3 * p) + c;
                    if (pos / 16 == s)
                    {
                        m[p] = (byte)(pos % 16);
                    }
                }

                masks[(c * 3) + s] = Vector128.Create(m);
            }
        }

        return masks;
    }
}
