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
        // LDC=1024 gives C rows 4 KiB apart (the gate buffer of H = 256), as the RNN's step products write them.
        int ldcEnv = int.Parse(Environment.GetEnvironmentVariable("LDC") ?? "48", System.Globalization.CultureInfo.InvariantCulture);
        nint ldc = ldcEnv;
        float* a = Filled(16 * kc * tiles, 7), b = Filled(16 * 3 * kc, 5), c = Filled(16 * ldc * tiles, 0);

        // (name, flops per tile call, the call): the 6x16 tile and the 4-row remainder tile (rows 13..16 of a batch of 16).
        var kernels = new (string Name, double Flops, Tile Run)[]
        {
            ("6x16", 2.0 * 6 * 16 * kc, (pa, pb, pc) => Kernel256<float>.Run(kc, pa, pb, 16, pc, ldc, 1f, 1f)),
            ("4x16 rows", 2.0 * 4 * 16 * kc, (pa, pb, pc) => Kernel256<float>.RunRows(4, kc, pa, pb, 16, pc, ldc, 1f, 1f)),
            ("fma only", 2.0 * 8 * 12 * kc, (pa, pb, pc) => FmaOnly(kc, pc)),
        };
        if (Kernel512<float>.IsSupported)
        {
            // The AVX-512 tile reads 8-row A panels (A holds 8 x kc values a tile; the loop below steps 6 x kc, overlapping panels: values only).
            kernels = [.. kernels, ("8x16 zmm", 2.0 * 8 * 16 * kc, (pa, pb, pc) => Kernel512<float>.Run(kc, pa, pb, 16, pc, ldc, 1f, 1f)),
                ("8x32 zmm", 2.0 * 8 * 32 * kc, (pa, pb, pc) => Pair8x32(kc, pa, pb, pb + (16 * kc), pc, ldc)),
                ("fma zmm", 2.0 * 16 * 12 * kc, (pa, pb, pc) => FmaOnly512(kc, pc))];
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
                        kernels[k].Run(a + (t * 6 * kc), b, c + (t * 6 * ldc));
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

        if (Kernel512<float>.IsSupported)
        {
            StepProducts(16);
            StepProducts(64);
            StepOrder(16, 256);
            StepOrder(64, 256);
            StepOrder(16, 512);
            BlockedProduct(6400);
            PackedVersusDirect(6400, 256);
            PackedVersusDirect(6400, 128);
            SixteenRows(16, 256);
            SixteenRows(64, 256);
            SixteenRows(1600, 128);
            SixteenRows(6400, 256);
            DriverVersusLoop(1600, 1024, 128);
            DriverVersusLoop(6400, 1024, 256);
            DriverVersusLoop(6400, 768, 256);
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

    /// <summary>The 512-bit FMA ceiling: 12 independent register chains.</summary>
    private static void FmaOnly512(int k, float* c)
    {
        var m = Vector512.Create(0.999f);
        var x = Vector512.Create(0.001f);
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default;
        Vector512<float> a6 = default, a7 = default, a8 = default, a9 = default, a10 = default, a11 = default;
        for (int p = 0; p < k; p++)
        {
            a0 = Avx512F.FusedMultiplyAdd(a0, m, x); a1 = Avx512F.FusedMultiplyAdd(a1, m, x); a2 = Avx512F.FusedMultiplyAdd(a2, m, x);
            a3 = Avx512F.FusedMultiplyAdd(a3, m, x); a4 = Avx512F.FusedMultiplyAdd(a4, m, x); a5 = Avx512F.FusedMultiplyAdd(a5, m, x);
            a6 = Avx512F.FusedMultiplyAdd(a6, m, x); a7 = Avx512F.FusedMultiplyAdd(a7, m, x); a8 = Avx512F.FusedMultiplyAdd(a8, m, x);
            a9 = Avx512F.FusedMultiplyAdd(a9, m, x); a10 = Avx512F.FusedMultiplyAdd(a10, m, x); a11 = Avx512F.FusedMultiplyAdd(a11, m, x);
        }

        var sum = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11));
        sum.Store(c);
    }

    /// <summary>
    /// An RNN step's product as <c>ComputePackedB</c> runs it (M rows of h against 1 MiB of packed weights, N = 1024,
    /// K = 256, C rows 4 KiB apart), with the 8x16 tile panel by panel and with the 8x32 tile over panel pairs.
    /// </summary>
    private static void StepProducts(int m)
    {
        const int n = 1024, k = 256;
        int panels = n / 16, rowPanels = m / 8;
        float* w = Filled(n * k, 5), a = Filled((long)m * k, 7), c = Filled((long)m * n, 0);
        var single = new List<double>();
        var pair = new List<double>();
        for (int round = 0; round < 40; round++)
        {
            foreach (bool pairs in new[] { false, true })
            {
                double cpu0 = AbProbe.ThreadCpuSeconds();
                var sw = Stopwatch.StartNew();
                long calls = 0;
                while (sw.ElapsedMilliseconds < 10)
                {
                    if (pairs)
                    {
                        for (int q = 0; q < panels; q += 2)
                        {
                            for (int j = 0; j < rowPanels; j++)
                            {
                                Pair8x32(k, a + (j * 8 * k), w + ((long)q * k * 16), w + ((long)(q + 1) * k * 16), c + (j * 8 * n) + (q * 16), n);
                            }
                        }
                    }
                    else
                    {
                        for (int q = 0; q < panels; q++)
                        {
                            for (int j = 0; j < rowPanels; j++)
                            {
                                Kernel512<float>.Run(k, a + (j * 8 * k), w + ((long)q * k * 16), 16, c + (j * 8 * n) + (q * 16), n, 1f, 0f);
                            }
                        }
                    }

                    calls++;
                }

                (pairs ? pair : single).Add(calls * 2.0 * m * n * k / (AbProbe.ThreadCpuSeconds() - cpu0) / 1e9);
            }
        }

        single.Sort();
        pair.Sort();
        Console.WriteLine($"step product M={m} N={n} K={k} (1 MiB of panels): 8x16 median {single[single.Count / 2]:F1}, 8x32 pairs median {pair[pair.Count / 2]:F1} GFLOP/s per CPU second");
        Free(w, a, c);
    }

    /// <summary>
    /// Probe: 8 rows x two 16-wide panels (16 zmm accumulators; two B loads and eight broadcasts per k step), C = A·B
    /// (beta 0). Alone it runs ~5 % faster than the 8x16 tile; inside the products it was slower (ADR 0002, "The AVX-512
    /// tile"), so only the probe has it. Not inlined: inlined into a caller, the JIT spilled four accumulators a k step.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining | System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void Pair8x32(int kc, float* a, float* b, float* b2, float* c, nint ldc)
    {
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        Vector512<float> d0 = default, d1 = default, d2 = default, d3 = default, d4 = default, d5 = default, d6 = default, d7 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> x = Vector512.Load(b), y = Vector512.Load(b2);
            Vector512<float> s = Vector512.Create(a[0]); c0 = Avx512F.FusedMultiplyAdd(s, x, c0); d0 = Avx512F.FusedMultiplyAdd(s, y, d0);
            s = Vector512.Create(a[1]); c1 = Avx512F.FusedMultiplyAdd(s, x, c1); d1 = Avx512F.FusedMultiplyAdd(s, y, d1);
            s = Vector512.Create(a[2]); c2 = Avx512F.FusedMultiplyAdd(s, x, c2); d2 = Avx512F.FusedMultiplyAdd(s, y, d2);
            s = Vector512.Create(a[3]); c3 = Avx512F.FusedMultiplyAdd(s, x, c3); d3 = Avx512F.FusedMultiplyAdd(s, y, d3);
            s = Vector512.Create(a[4]); c4 = Avx512F.FusedMultiplyAdd(s, x, c4); d4 = Avx512F.FusedMultiplyAdd(s, y, d4);
            s = Vector512.Create(a[5]); c5 = Avx512F.FusedMultiplyAdd(s, x, c5); d5 = Avx512F.FusedMultiplyAdd(s, y, d5);
            s = Vector512.Create(a[6]); c6 = Avx512F.FusedMultiplyAdd(s, x, c6); d6 = Avx512F.FusedMultiplyAdd(s, y, d6);
            s = Vector512.Create(a[7]); c7 = Avx512F.FusedMultiplyAdd(s, x, c7); d7 = Avx512F.FusedMultiplyAdd(s, y, d7);
            a += 8;
            b += 16;
            b2 += 16;
        }

        c0.Store(c); d0.Store(c + 16); c += ldc;
        c1.Store(c); d1.Store(c + 16); c += ldc;
        c2.Store(c); d2.Store(c + 16); c += ldc;
        c3.Store(c); d3.Store(c + 16); c += ldc;
        c4.Store(c); d4.Store(c + 16); c += ldc;
        c5.Store(c); d5.Store(c + 16); c += ldc;
        c6.Store(c); d6.Store(c + 16); c += ldc;
        c7.Store(c); d7.Store(c + 16);
    }

    /// <summary>
    /// The all-token input projection's loop without its packing (M rows of packed A in MC = 144-row blocks, N = 1024,
    /// K = 256, C rows 4 KiB apart, C = A·B with beta 0): what the tiles reach when C streams to memory.
    /// </summary>
    private static void BlockedProduct(int m)
    {
        const int n = 1024, k = 256, mc = 144;
        int panels = n / 16;
        float* w = Filled(n * k, 5), a = Filled((long)m * k, 7), c = Filled((long)m * n, 0);
        var times = new List<double>();
        for (int round = 0; round < 10; round++)
        {
            double cpu0 = AbProbe.ThreadCpuSeconds();
            for (int ic = 0; ic < m; ic += mc)
            {
                int rows = Math.Min(mc, m - ic);
                for (int q = 0; q < panels; q++)
                {
                    for (int j = 0; j < rows / 8; j++)
                    {
                        Kernel512<float>.Run(k, a + ((long)(ic + (j * 8)) * k), w + ((long)q * k * 16), 16, c + ((long)(ic + (j * 8)) * n) + (q * 16), n, 1f, 0f);
                    }
                }
            }

            times.Add(2.0 * m * n * k / (AbProbe.ThreadCpuSeconds() - cpu0) / 1e9);
        }

        times.Sort();
        Console.WriteLine($"blocked product M={m} N={n} K={k} (MC = {mc}, no packing, C {(long)m * n * 4 >> 20} MiB): 8x16 median {times[times.Count / 2]:F1} GFLOP/s per CPU second");
        Free(w, a, c);
    }

    /// <summary>
    /// The input projection's loop on a row-major A (M x K, MC = 144-row blocks, N = 1024): packing each block (as the
    /// GEMM does) then the 8x16 tile, against a tile that broadcasts A straight from its rows (no packing).
    /// </summary>
    private static void PackedVersusDirect(int m, int k)
    {
        const int n = 1024, mc = 144;
        int panels = n / 16;
        float* w = Filled(n * k, 5), a = Filled((long)m * k, 7), c = Filled((long)m * n, 0);
        float* buf = Filled(mc * k, 0);
        var packed = new List<double>();
        var direct = new List<double>();
        for (int round = 0; round < 10; round++)
        {
            foreach (bool isDirect in new[] { false, true })
            {
                double cpu0 = AbProbe.ThreadCpuSeconds();
                for (int ic = 0; ic < m; ic += mc)
                {
                    int rows = Math.Min(mc, m - ic);
                    if (!isDirect)
                    {
                        Packing<float, Kernel512<float>>.PackA(buf, a, k, false, ic, rows, 0, k);
                    }

                    for (int q = 0; q < panels; q++)
                    {
                        for (int j = 0; j < rows / 8; j++)
                        {
                            float* cp = c + ((long)(ic + (j * 8)) * n) + (q * 16);
                            if (isDirect)
                            {
                                DirectA(k, a + ((long)(ic + (j * 8)) * k), k, w + ((long)q * k * 16), cp, n);
                            }
                            else
                            {
                                Kernel512<float>.Run(k, buf + (j * 8 * k), w + ((long)q * k * 16), 16, cp, n, 1f, 0f);
                            }
                        }
                    }
                }

                (isDirect ? direct : packed).Add(2.0 * m * n * k / (AbProbe.ThreadCpuSeconds() - cpu0) / 1e9);
            }
        }

        packed.Sort();
        direct.Sort();
        Console.WriteLine($"input projection M={m} N={n} K={k}: packed A + 8x16 median {packed[packed.Count / 2]:F1}, A read in place median {direct[direct.Count / 2]:F1} GFLOP/s per CPU second");
        Free(w, a, c, buf);
    }

    /// <summary>
    /// A 16-row tile (two consecutive 8-row A panels against one B panel, 16 accumulators) against the 8x16 tile, in the
    /// products' loop (MC = 144-row blocks, A packed, 64 panels of N = 1024): step products at M = 16 and 64 over the same
    /// 1 MiB of panels, input projections at M = 1600 and 6400. Interleaved rounds, thread CPU time.
    /// </summary>
    private static void SixteenRows(int m, int k)
    {
        const int n = 1024, mc = 144;
        int panels = n / 16;
        float* w = Filled((long)k * n, 5), a = Filled((long)m * k, 7), c = Filled((long)m * n, 0);
        var eight = new List<double>();
        var sixteen = new List<double>();
        int rounds = m <= 64 ? 40 : 10;
        for (int round = 0; round < rounds; round++)
        {
            foreach (bool wide in new[] { false, true })
            {
                double cpu0 = AbProbe.ThreadCpuSeconds();
                var sw = Stopwatch.StartNew();
                long calls = 0;
                do
                {
                    for (int ic = 0; ic < m; ic += mc)
                    {
                        int rowPanels = Math.Min(mc, m - ic) / 8;
                        float* ab = a + ((long)ic * k);
                        for (int q = 0; q < panels; q++)
                        {
                            float* bp = w + ((long)q * k * 16);
                            float* cp = c + ((long)ic * n) + (q * 16);
                            int j = 0;
                            if (wide)
                            {
                                for (; j + 2 <= rowPanels; j += 2)
                                {
                                    Rows16(k, ab + (j * 8 * k), bp, cp + (j * 8 * n), n);
                                }
                            }

                            for (; j < rowPanels; j++)
                            {
                                Kernel512<float>.Run(k, ab + (j * 8 * k), bp, 16, cp + (j * 8 * n), n, 1f, 0f);
                            }
                        }
                    }

                    calls++;
                }
                while (sw.ElapsedMilliseconds < 10);

                (wide ? sixteen : eight).Add(calls * 2.0 * m * n * k / (AbProbe.ThreadCpuSeconds() - cpu0) / 1e9);
            }
        }

        eight.Sort();
        sixteen.Sort();
        Console.WriteLine($"M={m} N={n} K={k} (MC = {mc}): 8x16 median {eight[eight.Count / 2]:F1}, 16x16 median {sixteen[sixteen.Count / 2]:F1} GFLOP/s per CPU second");
        Free(w, a, c);
    }

    /// <summary>The 16-row tile: rows 0–7 from the A panel at <paramref name="a"/>, rows 8–15 from the next one (8·kc further); C = A·B.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining | System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void Rows16(int kc, float* a, float* b, float* c, nint ldc)
    {
        float* e = a + (8 * kc);
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        Vector512<float> d0 = default, d1 = default, d2 = default, d3 = default, d4 = default, d5 = default, d6 = default, d7 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> x = Vector512.Load(b);
            c0 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[0]), x, c0);
            c1 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[1]), x, c1);
            c2 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[2]), x, c2);
            c3 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[3]), x, c3);
            c4 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[4]), x, c4);
            c5 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[5]), x, c5);
            c6 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[6]), x, c6);
            c7 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[7]), x, c7);
            d0 = Avx512F.FusedMultiplyAdd(Vector512.Create(e[0]), x, d0);
            d1 = Avx512F.FusedMultiplyAdd(Vector512.Create(e[1]), x, d1);
            d2 = Avx512F.FusedMultiplyAdd(Vector512.Create(e[2]), x, d2);
            d3 = Avx512F.FusedMultiplyAdd(Vector512.Create(e[3]), x, d3);
            d4 = Avx512F.FusedMultiplyAdd(Vector512.Create(e[4]), x, d4);
            d5 = Avx512F.FusedMultiplyAdd(Vector512.Create(e[5]), x, d5);
            d6 = Avx512F.FusedMultiplyAdd(Vector512.Create(e[6]), x, d6);
            d7 = Avx512F.FusedMultiplyAdd(Vector512.Create(e[7]), x, d7);
            a += 8;
            e += 8;
            b += 16;
        }

        c0.Store(c); c += ldc; c1.Store(c); c += ldc; c2.Store(c); c += ldc; c3.Store(c); c += ldc;
        c4.Store(c); c += ldc; c5.Store(c); c += ldc; c6.Store(c); c += ldc; c7.Store(c); c += ldc;
        d0.Store(c); c += ldc; d1.Store(c); c += ldc; d2.Store(c); c += ldc; d3.Store(c); c += ldc;
        d4.Store(c); c += ldc; d5.Store(c); c += ldc; d6.Store(c); c += ldc; d7.Store(c);
    }

    /// <summary>
    /// The input projection through the GEMM driver (row-major A and W, W packed per call) against the probe's own loop
    /// over the same operands (A packed block by block, W packed once outside the timing), interleaved rounds.
    /// </summary>
    private static void DriverVersusLoop(int m, int n, int k)
    {
        const int mc = 144;
        int panels = n / 16;
        float* w = Filled((long)k * n, 5), wp = Filled((long)k * n, 0), a = Filled((long)m * k, 7), c = Filled((long)m * n, 0), buf = Filled(mc * k, 0);
        for (int q = 0; q < panels; q++)
        {
            for (int p = 0; p < k; p++)
            {
                for (int j = 0; j < 16; j++)
                {
                    wp[((long)q * k * 16) + (p * 16) + j] = w[((long)p * n) + (q * 16) + j];
                }
            }
        }

        int saved = Kernels.Gemm.MaxThreads;
        Kernels.Gemm.MaxThreads = 1;
        var driver = new List<double>();
        var loop = new List<double>();
        for (int round = 0; round < 12; round++)
        {
            foreach (bool isDriver in new[] { false, true })
            {
                double cpu0 = AbProbe.ThreadCpuSeconds();
                if (isDriver)
                {
                    Kernels.Gemm.Multiply(false, false, m, n, k, 1f, new ReadOnlySpan<float>(a, m * k), k, new ReadOnlySpan<float>(w, k * n), n, 0f, new Span<float>(c, m * n), n);
                }
                else
                {
                    for (int ic = 0; ic < m; ic += mc)
                    {
                        int rows = Math.Min(mc, m - ic);
                        Packing<float, Kernel512<float>>.PackA(buf, a, k, false, ic, rows, 0, k);
                        for (int q = 0; q < panels; q++)
                        {
                            for (int j = 0; j < rows / 8; j++)
                            {
                                Kernel512<float>.Run(k, buf + (j * 8 * k), wp + ((long)q * k * 16), 16, c + ((long)(ic + (j * 8)) * n) + (q * 16), n, 1f, 0f);
                            }
                        }
                    }
                }

                (isDriver ? driver : loop).Add(2.0 * m * n * k / (AbProbe.ThreadCpuSeconds() - cpu0) / 1e9);
            }
        }

        Kernels.Gemm.MaxThreads = saved;
        driver.Sort();
        loop.Sort();
        Console.WriteLine($"input projection M={m} N={n} K={k}: the probe's loop median {loop[loop.Count / 2]:F1}, the GEMM driver median {driver[driver.Count / 2]:F1} GFLOP/s per CPU second");
        Free(w, wp, a, c, buf);
    }

    /// <summary>The 8x16 tile broadcasting A from 8 rows lda apart (no packed A panel); C = A·B.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining | System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void DirectA(int kc, float* a, nint lda, float* b, float* c, nint ldc)
    {
        float* a0 = a, a1 = a + lda, a2 = a + (2 * lda), a3 = a + (3 * lda), a4 = a + (4 * lda), a5 = a + (5 * lda), a6 = a + (6 * lda), a7 = a + (7 * lda);
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> x = Vector512.Load(b);
            c0 = Avx512F.FusedMultiplyAdd(Vector512.Create(a0[p]), x, c0);
            c1 = Avx512F.FusedMultiplyAdd(Vector512.Create(a1[p]), x, c1);
            c2 = Avx512F.FusedMultiplyAdd(Vector512.Create(a2[p]), x, c2);
            c3 = Avx512F.FusedMultiplyAdd(Vector512.Create(a3[p]), x, c3);
            c4 = Avx512F.FusedMultiplyAdd(Vector512.Create(a4[p]), x, c4);
            c5 = Avx512F.FusedMultiplyAdd(Vector512.Create(a5[p]), x, c5);
            c6 = Avx512F.FusedMultiplyAdd(Vector512.Create(a6[p]), x, c6);
            c7 = Avx512F.FusedMultiplyAdd(Vector512.Create(a7[p]), x, c7);
            b += 16;
        }

        c0.Store(c); c += ldc;
        c1.Store(c); c += ldc;
        c2.Store(c); c += ldc;
        c3.Store(c); c += ldc;
        c4.Store(c); c += ldc;
        c5.Store(c); c += ldc;
        c6.Store(c); c += ldc;
        c7.Store(c);
    }

    /// <summary>
    /// Consecutive step products on the same packed weights (M rows, N = 4H, K = H) with a step's other traffic between
    /// them (G rows in, the cell's reads and writes: 4·M·4H values streamed), visiting the weight panels first to last
    /// every step, against alternating directions (serpentine), so that a step starts on the panels the last one read last.
    /// </summary>
    private static void StepOrder(int m, int h)
    {
        int n = 4 * h, k = h;
        int panels = n / 16, rowPanels = m / 8;
        long other = 4L * m * n * 100;
        float* w = Filled(n * k, 5), a = Filled((long)m * k, 7), c = Filled((long)m * n, 0);
        float* g = Filled(other, 0);
        new Span<float>(g, (int)other).Fill(0.5f);
        var forward = new List<double>();
        var serpentine = new List<double>();
        for (int round = 0; round < 20; round++)
        {
            foreach (bool serp in new[] { false, true })
            {
                double cpu0 = AbProbe.ThreadCpuSeconds();
                double sink = 0;
                for (int step = 0; step < 100; step++)
                {
                    bool reverse = serp && (step & 1) == 1;
                    for (int qq = 0; qq < panels; qq++)
                    {
                        int q = reverse ? panels - 1 - qq : qq;
                        for (int j = 0; j < rowPanels; j++)
                        {
                            Kernel512<float>.Run(k, a + (j * 8 * k), w + ((long)q * k * 16), 16, c + (j * 8 * n) + (q * 16), n, 1f, 0f);
                        }
                    }

                    // The step's other traffic: this step's G rows (m·4H values, 4 times over for the cell's passes).
                    float* gs = g + ((long)step * 4 * m * n);
                    var acc = Vector512<float>.Zero;
                    for (long i = 0; i < 4L * m * n; i += 16)
                    {
                        acc += Vector512.Load(gs + i);
                    }

                    sink += acc.GetElement(0);
                }

                (serp ? serpentine : forward).Add(100 * 2.0 * m * n * k / (AbProbe.ThreadCpuSeconds() - cpu0) / 1e9 + (sink * 0));
            }
        }

        forward.Sort();
        serpentine.Sort();
        Console.WriteLine($"100 steps M={m} H={h} ({n * k * 4 >> 10} KiB of panels) with G streamed between: first to last {forward[forward.Count / 2]:F1}, serpentine {serpentine[serpentine.Count / 2]:F1} GFLOP/s per CPU second (the steps' products only)");
        Free(w, a, c, g);
    }

    /// <summary>A 64-byte aligned native buffer of <paramref name="n"/> floats, 0.001·(i mod <paramref name="period"/>) (zeros for period 0).</summary>
    private static float* Filled(long n, int period)
    {
        float* p = (float*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc((nuint)(n * 4), 64);
        for (long i = 0; i < n; i++)
        {
            p[i] = period == 0 ? 0f : 0.001f * (i % period);
        }

        return p;
    }

    private static void Free(params float*[] buffers)
    {
        foreach (float* p in buffers)
        {
            System.Runtime.InteropServices.NativeMemory.AlignedFree(p);
        }
    }
}
