using System.Runtime.Intrinsics.X86;

namespace BatchFcn.Inference;

/// <summary>
/// The processor's SIMD features as CPUID reports them (what ONNX Runtime's MLAS kernels dispatch on),
/// independent of .NET's own switches such as <c>DOTNET_EnableAVX2=0</c>.
/// </summary>
public sealed record CpuFeatures(bool Avx2, bool Fma, bool Avx512F, string Architecture)
{
    public static CpuFeatures Detect()
    {
        string arch = System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString();
        if (!X86Base.IsSupported)
        {
            return new CpuFeatures(false, false, false, arch);
        }

        var (_, _, ecx1, _) = X86Base.CpuId(1, 0);
        var (_, ebx7, _, _) = X86Base.CpuId(7, 0);
        bool osAvx = (ecx1 & (1 << 27)) != 0 && (ecx1 & (1 << 28)) != 0; // OSXSAVE and AVX
        return new CpuFeatures(
            Avx2: osAvx && (ebx7 & (1 << 5)) != 0,
            Fma: osAvx && (ecx1 & (1 << 12)) != 0,
            Avx512F: osAvx && (ebx7 & (1 << 16)) != 0,
            Architecture: arch);
    }

    public override string ToString() =>
        $"{Architecture}: AVX2 {(Avx2 ? "yes" : "no")}, FMA {(Fma ? "yes" : "no")}, AVX-512F {(Avx512F ? "yes" : "no")}";
}
