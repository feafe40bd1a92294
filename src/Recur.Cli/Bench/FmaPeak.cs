using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Recur.Cli.Bench;

/// <summary>
/// Measures the machine's fp32 FMA peak now, on 1 and on n threads: each thread runs 12 independent chains of fused
/// multiply-adds in registers (no loads, enough chains to cover the FMA latency on both pipes), on 256-bit vectors and,
/// where AVX-512 runs, 512-bit ones too; the faster counts. This is the ceiling "% of peak" is read against: it follows the host's CPU and its clock on the day
/// (ADR 0012, "The peak is measured"), where a fixed figure would be one machine's.
/// </summary>
internal static class FmaPeak
{
    private const long Iterations = 6_000_000;

    /// <summary>The best of <paramref name="rounds"/> rounds, in GFLOP/s, of <paramref name="threads"/> threads running the chains at once.</summary>
    public static double Measure(int threads, int rounds = 10)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        if (!Fma.IsSupported && !Avx512F.IsSupported)
        {
            return double.NaN;
        }

        // Both widths where AVX-512 runs: on Zen 4 the 256-bit chains read a little faster than the double-pumped 512-bit ones.
        bool wide = Avx512F.IsSupported && Vector512.IsHardwareAccelerated;
        double best = Fma.IsSupported ? Best(threads, rounds, wide: false) : 0;
        return wide ? Math.Max(best, Best(threads, rounds, wide: true)) : best;
    }

    private static double Best(int threads, int rounds, bool wide)
    {
        double flopsPerThread = Iterations * 12.0 * 2 * (wide ? 16 : 8);
        double best = 0;
        for (int r = 0; r < rounds; r++)
        {
            using var start = new Barrier(threads + 1);
            var workers = new Thread[threads];
            var begin = new long[threads];
            var end = new long[threads];
            for (int t = 0; t < threads; t++)
            {
                int slot = t;
                workers[t] = new Thread(() =>
                {
                    start.SignalAndWait();
                    begin[slot] = Stopwatch.GetTimestamp();
                    Sink = wide ? Chains512() : Chains256();
                    end[slot] = Stopwatch.GetTimestamp();
                }) { IsBackground = true };
                workers[t].Start();
            }

            start.SignalAndWait();
            foreach (var w in workers)
            {
                w.Join();
            }

            // From the first thread's start to the last one's end, each timed on its own thread.
            double seconds = Stopwatch.GetElapsedTime(begin.Min(), end.Max()).TotalSeconds;
            best = Math.Max(best, threads * flopsPerThread / seconds / 1e9);
        }

        return best;
    }

    /// <summary>Keeps the chains' result alive.</summary>
    private static float Sink { get; set; }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chains256()
    {
        var m = Vector256.Create(0.999f);
        var x = Vector256.Create(0.001f);
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default;
        Vector256<float> a6 = default, a7 = default, a8 = default, a9 = default, a10 = default, a11 = default;
        for (long i = 0; i < Iterations; i++)
        {
            a0 = Fma.MultiplyAdd(a0, m, x);
            a1 = Fma.MultiplyAdd(a1, m, x);
            a2 = Fma.MultiplyAdd(a2, m, x);
            a3 = Fma.MultiplyAdd(a3, m, x);
            a4 = Fma.MultiplyAdd(a4, m, x);
            a5 = Fma.MultiplyAdd(a5, m, x);
            a6 = Fma.MultiplyAdd(a6, m, x);
            a7 = Fma.MultiplyAdd(a7, m, x);
            a8 = Fma.MultiplyAdd(a8, m, x);
            a9 = Fma.MultiplyAdd(a9, m, x);
            a10 = Fma.MultiplyAdd(a10, m, x);
            a11 = Fma.MultiplyAdd(a11, m, x);
        }

        return Vector256.Sum(((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11)));
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chains512()
    {
        var m = Vector512.Create(0.999f);
        var x = Vector512.Create(0.001f);
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default;
        Vector512<float> a6 = default, a7 = default, a8 = default, a9 = default, a10 = default, a11 = default;
        for (long i = 0; i < Iterations; i++)
        {
            a0 = Avx512F.FusedMultiplyAdd(a0, m, x);
            a1 = Avx512F.FusedMultiplyAdd(a1, m, x);
            a2 = Avx512F.FusedMultiplyAdd(a2, m, x);
            a3 = Avx512F.FusedMultiplyAdd(a3, m, x);
            a4 = Avx512F.FusedMultiplyAdd(a4, m, x);
            a5 = Avx512F.FusedMultiplyAdd(a5, m, x);
            a6 = Avx512F.FusedMultiplyAdd(a6, m, x);
            a7 = Avx512F.FusedMultiplyAdd(a7, m, x);
            a8 = Avx512F.FusedMultiplyAdd(a8, m, x);
            a9 = Avx512F.FusedMultiplyAdd(a9, m, x);
            a10 = Avx512F.FusedMultiplyAdd(a10, m, x);
            a11 = Avx512F.FusedMultiplyAdd(a11, m, x);
        }

        return Vector512.Sum(((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11)));
    }
}
