using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Recur.Kernels.Blas;
using Recur.Kernels.Rnn;

namespace Recur.Benchmarks.Rnn;

/// <summary>
/// Diagnostic: one batched LSTM inference step, B rows, H units, as today (the recurrent GEMM on packed panels, then the
/// cell's row passes) against a fused tile that keeps 4 rows × 4 gates × 16 units of the product in registers and runs
/// the cell on them (AVX-512 only). Thread CPU time, interleaved rounds. [B H]
/// </summary>
internal static unsafe class FusedTileProbe
{
    public static int Run(string[] args)
    {
        if (!Kernel512<float>.IsSupported)
        {
            Console.WriteLine("needs AVX-512");
            return 0;
        }

        int b = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 16;
        int h = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 256;
        int gh = 4 * h;
        var rng = new Random(1);
        float[] wh = Enumerable.Range(0, h * gh).Select(_ => (float)((rng.NextDouble() - 0.5) * 0.1)).ToArray();
        float[] packed = new float[RnnMath.PackedSize(h, gh)];
        int nr = RnnMath.PackWeights(false, h, gh, wh, gh, packed);
        float[] hs = Enumerable.Range(0, b * h).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        // G for 100 steps, as the input projection leaves it: each step reads its own rows (the passes overwrite them in place).
        const int T = 100;
        float[] g0 = Enumerable.Range(0, T * b * gh).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        float[] bias = Enumerable.Range(0, gh).Select(_ => (float)(rng.NextDouble() - 0.5) * 0.1f).ToArray();
        float[] g = (float[])g0.Clone(), rec = new float[b * gh], c = new float[b * h], cRaw = new float[h], m = new float[b * h];
        float[] c2 = new float[b * h], m2 = new float[b * h];
        var ta = new List<double>();
        var tb = new List<double>();
        fixed (float* pw = packed, ph = hs, pg0 = g0, pb = bias, pg = g, pr = rec, pc = c, pcr = cRaw, pm = m, pc2 = c2, pm2 = m2)
        {
            for (int round = 0; round < 30; round++)
            {
                for (int v = 0; v < 2; v++)
                {
                    double cpu0 = Recur.Benchmarks.Gemm.AbProbe.ThreadCpuSeconds();
                    int steps = 0;
                    var sw = Stopwatch.StartNew();
                    while (sw.ElapsedMilliseconds < 20)
                    {
                        if (v == 0)
                        {
                            float* gs = pg + ((long)(steps % T) * b * gh);
                            var p = new GemmProblem<float> { A = ph, Lda = h, B = null, C = pr, Ldc = gh, M = b, N = gh, K = h, Alpha = 1f, Beta = 0f };
                            GemmDriver<float>.MultiplyPanelsOnly(ref p, pw);
                            for (int r = 0; r < b; r++)
                            {
                                FusedStep.LstmCell(gs + (r * gh), h, pr + (r * gh), h, pb, 1f, pc + (r * h), pcr, pm + (r * h), h);
                            }
                        }
                        else
                        {
                            for (int r0 = 0; r0 < b; r0 += 4)
                            {
                                for (int ub = 0; ub < h / 16; ub++)
                                {
                                    Tile(pw, h, ub, ph + (r0 * h), h, pg0 + ((long)(steps % T) * b * gh) + (r0 * gh), gh, pb, pc2 + (r0 * h), pm2 + (r0 * h));
                                }
                            }
                        }

                        steps++;
                    }

                    (v == 0 ? ta : tb).Add((Recur.Benchmarks.Gemm.AbProbe.ThreadCpuSeconds() - cpu0) / steps * 1e6);
                }
            }
        }

        ta.Sort();
        tb.Sort();
        double flops = 2.0 * b * h * gh;
        Console.WriteLine($"B={b} H={h}: GEMM + cell passes {ta[15]:F2} µs ({flops / ta[15] / 1e3:F1} GFLOP/s), fused tile {tb[15]:F2} µs ({flops / tb[15] / 1e3:F1} GFLOP/s), fused / today {tb[15] / ta[15]:F3}");
        return 0;
    }

    /// <summary>4 rows × 4 gates × 16 units: the product from the gate panels, then the cell in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile(float* panels, int h, int ub, float* hRows, int ldh, float* gRows, int ldg, float* bias, float* cRows, float* mRows)
    {
        int k = h;
        int blocks = h / 16;
        float* b0 = panels + ((long)(0 * blocks + ub) * k * 16);
        float* b1 = panels + ((long)(1 * blocks + ub) * k * 16);
        float* b2 = panels + ((long)(2 * blocks + ub) * k * 16);
        float* b3 = panels + ((long)(3 * blocks + ub) * k * 16);
        float* a0 = hRows, a1 = hRows + ldh, a2 = hRows + (2 * ldh), a3 = hRows + (3 * ldh);
        Vector512<float> i0 = default, j0 = default, f0 = default, o0 = default, i1 = default, j1 = default, f1 = default, o1 = default;
        Vector512<float> i2 = default, j2 = default, f2 = default, o2 = default, i3 = default, j3 = default, f3 = default, o3 = default;
        int u0 = ub * 16;
        for (int p = 0; p < k; p++)
        {
            if ((p & 15) == 0 && p < 256)
            {
                // The epilogue's G lines (4 rows × 4 gates), one every 16 k steps, so they are in L1 when the cell runs.
                int line = p >> 4;
                Sse.Prefetch0(gRows + ((line >> 2) * ldg) + ((line & 3) * h) + u0);
            }

            var wi = Vector512.Load(b0 + (p * 16));
            var wj = Vector512.Load(b1 + (p * 16));
            var wf = Vector512.Load(b2 + (p * 16));
            var wo = Vector512.Load(b3 + (p * 16));
            var x = Vector512.Create(a0[p]);
            i0 = Avx512F.FusedMultiplyAdd(x, wi, i0); j0 = Avx512F.FusedMultiplyAdd(x, wj, j0); f0 = Avx512F.FusedMultiplyAdd(x, wf, f0); o0 = Avx512F.FusedMultiplyAdd(x, wo, o0);
            x = Vector512.Create(a1[p]);
            i1 = Avx512F.FusedMultiplyAdd(x, wi, i1); j1 = Avx512F.FusedMultiplyAdd(x, wj, j1); f1 = Avx512F.FusedMultiplyAdd(x, wf, f1); o1 = Avx512F.FusedMultiplyAdd(x, wo, o1);
            x = Vector512.Create(a2[p]);
            i2 = Avx512F.FusedMultiplyAdd(x, wi, i2); j2 = Avx512F.FusedMultiplyAdd(x, wj, j2); f2 = Avx512F.FusedMultiplyAdd(x, wf, f2); o2 = Avx512F.FusedMultiplyAdd(x, wo, o2);
            x = Vector512.Create(a3[p]);
            i3 = Avx512F.FusedMultiplyAdd(x, wi, i3); j3 = Avx512F.FusedMultiplyAdd(x, wj, j3); f3 = Avx512F.FusedMultiplyAdd(x, wf, f3); o3 = Avx512F.FusedMultiplyAdd(x, wo, o3);
        }

        int u = ub * 16;
        Cell(gRows, bias, h, u, cRows, mRows, i0, j0, f0, o0);
        Cell(gRows + ldg, bias, h, u, cRows + h, mRows + h, i1, j1, f1, o1);
        Cell(gRows + (2 * ldg), bias, h, u, cRows + (2 * h), mRows + (2 * h), i2, j2, f2, o2);
        Cell(gRows + (3 * ldg), bias, h, u, cRows + (3 * h), mRows + (3 * h), i3, j3, f3, o3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Cell(float* g, float* bias, int h, int u, float* c, float* m, Vector512<float> ri, Vector512<float> rj, Vector512<float> rf, Vector512<float> ro)
    {
        var half = Vector512.Create(0.5f);
        var zi = Vector512.Load(g + u) + ri + Vector512.Load(bias + u);
        var zj = Vector512.Load(g + h + u) + rj + Vector512.Load(bias + h + u);
        var zf = Vector512.Load(g + (2 * h) + u) + rf + (Vector512.Load(bias + (2 * h) + u) + Vector512<float>.One);
        var zo = Vector512.Load(g + (3 * h) + u) + ro + Vector512.Load(bias + (3 * h) + u);
        var si = Avx512F.FusedMultiplyAdd(half, Tanh(zi * half), half);
        var tj = Tanh(zj);
        var sf = Avx512F.FusedMultiplyAdd(half, Tanh(zf * half), half);
        var so = Avx512F.FusedMultiplyAdd(half, Tanh(zo * half), half);
        var cNew = Avx512F.FusedMultiplyAdd(sf, Vector512.Load(c + u), si * tj);
        cNew.Store(c + u);
        (so * Tanh(cNew)).Store(m + u);
    }

    /// <summary>The fused passes' tanh (<see cref="FusedStep.Tanh(Vector256{float})"/>) on each half: the same function, lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Tanh(Vector512<float> x) => Vector512.Create(FusedStep.Tanh(x.GetLower()), FusedStep.Tanh(x.GetUpper()));
}
