using System.Diagnostics;
using Recur.Kernels.Blas;

namespace Recur.Benchmarks.Gemm;

/// <summary>Diagnostic: the AVX2 register-tile kernel alone on cache-resident panels (its ceiling).</summary>
internal static unsafe class KernelProbe
{
    public static int Run()
    {
        Console.WriteLine($"Vector256 accelerated: {System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated}, AVX2: {System.Runtime.Intrinsics.X86.Avx2.IsSupported}, FMA: {System.Runtime.Intrinsics.X86.Fma.IsSupported}, Vector128 accelerated: {System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated}, Vector<float>.Count: {System.Numerics.Vector<float>.Count}");
        if (!System.Runtime.Intrinsics.X86.Fma.IsSupported)
        {
            return 0;
        }

        const int kc = 256, tiles = 24;
        float* a = (float*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc(6 * kc * tiles * 4, 64);
        float* b = (float*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc(16 * kc * 4, 64);
        float* c = (float*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc(6 * 16 * tiles * 4, 64);
        for (int i = 0; i < 6 * kc * tiles; i++) a[i] = 0.001f * (i % 7);
        for (int i = 0; i < 16 * kc; i++) b[i] = 0.001f * (i % 5);
        for (int rep = 0; rep < 5; rep++)
        {
            var sw = Stopwatch.StartNew();
            double cpu0 = AbProbe.ThreadCpuSeconds();
            long calls = 0;
            while (sw.ElapsedMilliseconds < 300)
            {
                for (int t = 0; t < tiles; t++)
                {
                    Kernel256<float>.Run(kc, a + (t * 6 * kc), b, 16, c + (t * 96), 16, 1f, 1f);
                }

                calls += tiles;
            }

            Console.WriteLine($"kernel 6x16 kc={kc}: {calls * 2.0 * 6 * 16 * kc / sw.Elapsed.TotalSeconds / 1e9:F1} GFLOP/s wall, {calls * 2.0 * 6 * 16 * kc / (AbProbe.ThreadCpuSeconds() - cpu0) / 1e9:F1} per CPU second");
        }

        return 0;
    }
}
