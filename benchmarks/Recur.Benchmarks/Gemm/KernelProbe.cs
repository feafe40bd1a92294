using System.Diagnostics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Recur.Kernels.Blas;

namespace Recur.Benchmarks.Gemm;

/// <summary>Diagnostic: the AVX2 register-tile kernels alone on cache-resident panels (their ceilings), interleaved.</summary>
internal static unsafe class KernelProbe
{
    private delegate void Tile(float* a, float* b, float* c);

    public static int Run()
    {
        Console.WriteLine($"Vector256 accelerated: {System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated}, AVX2: {System.Runtime.Intrinsics.X86.Avx2.IsSupported}, FMA: {System.Runtime.Intrinsics.X86.Fma.IsSupported}, Vector128 accelerated: {System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated}, Vector<float>.Count: {System.Numerics.Vector<float>.Count}");
        if (!System.Runtime.Intrinsics.X86.Fma.IsSupported)
        {
            return 0;
        }

        const int kc = 256, tiles = 24;
        float* a = (float*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc(8 * kc * tiles * 4, 64);
        float* b = (float*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc(16 * 3 * kc * 4, 64);
        float* c = (float*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc(8 * 48 * tiles * 4, 64);
        for (int i = 0; i < 8 * kc * tiles; i++) a[i] = 0.001f * (i % 7);
        for (int i = 0; i < 16 * 3 * kc; i++) b[i] = 0.001f * (i % 5);

        // (name, flops per tile call, the call): the 6x16 tile and the 4-row remainder tile (rows 13..16 of a batch of 16).
        var kernels = new (string Name, double Flops, Tile Run)[]
        {
            ("6x16", 2.0 * 6 * 16 * kc, (pa, pb, pc) => Kernel256<float>.Run(kc, pa, pb, 16, pc, 48, 1f, 1f)),
            ("4x16 rows", 2.0 * 4 * 16 * kc, (pa, pb, pc) => Kernel256<float>.RunRows(4, kc, pa, pb, 16, pc, 48, 1f, 1f)),
            ("fma only", 2.0 * 8 * 12 * kc, (pa, pb, pc) => FmaOnly(kc, pc)),
        };
        if (Kernel512<float>.IsSupported)
        {
            // The AVX-512 tile reads 8-row A panels (A holds 8 x kc values a tile; the loop below steps 6 x kc, overlapping panels: values only).
            kernels = [.. kernels, ("8x16 zmm", 2.0 * 8 * 16 * kc, (pa, pb, pc) => Kernel512<float>.Run(kc, pa, pb, 16, pc, 48, 1f, 1f))];
        }
        var times = kernels.Select(_ => new List<double>()).ToArray();
        for (int round = 0; round < 60; round++)
        {
            for (int k = 0; k < kernels.Length; k++)
            {
                double cpu0 = AbProbe.ThreadCpuSeconds();
                var sw = Stopwatch.StartNew();
                long calls = 0;
                while (sw.ElapsedMilliseconds < 10)
                {
                    for (int t = 0; t < tiles; t++)
                    {
                        kernels[k].Run(a + (t * 6 * kc), b, c + (t * 6 * 48));
                    }

                    calls += tiles;
                }

                times[k].Add(calls * kernels[k].Flops / (AbProbe.ThreadCpuSeconds() - cpu0) / 1e9);
            }
        }

        for (int k = 0; k < kernels.Length; k++)
        {
            times[k].Sort();
            Console.WriteLine($"kernel {kernels[k].Name,-10} kc={kc}: median {times[k][times[k].Count / 2]:F1}, p90 {times[k][times[k].Count * 9 / 10]:F1} GFLOP/s per CPU second");
        }

        return 0;
    }

    /// <summary>The FMA units' ceiling on this host now: 12 independent register chains, no loads (what % of peak can reach).</summary>
    private static void FmaOnly(int k, float* c)
    {
        var m = Vector256.Create(0.999f);
        var x = Vector256.Create(0.001f);
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default;
        Vector256<float> a6 = default, a7 = default, a8 = default, a9 = default, a10 = default, a11 = default;
        for (int p = 0; p < k; p++)
        {
            a0 = Fma.MultiplyAdd(a0, m, x); a1 = Fma.MultiplyAdd(a1, m, x); a2 = Fma.MultiplyAdd(a2, m, x);
            a3 = Fma.MultiplyAdd(a3, m, x); a4 = Fma.MultiplyAdd(a4, m, x); a5 = Fma.MultiplyAdd(a5, m, x);
            a6 = Fma.MultiplyAdd(a6, m, x); a7 = Fma.MultiplyAdd(a7, m, x); a8 = Fma.MultiplyAdd(a8, m, x);
            a9 = Fma.MultiplyAdd(a9, m, x); a10 = Fma.MultiplyAdd(a10, m, x); a11 = Fma.MultiplyAdd(a11, m, x);
        }

        var sum = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11));
        sum.Store(c);
    }
}
