using Recur.Benchmarks.Gemm;
using Recur.Kernels;
using Recur.Kernels.Rnn;

namespace Recur.Benchmarks.Rnn;

/// <summary>
/// Diagnostic: where one forward call's time goes on one thread (thread CPU time): the input-projection GEMM,
/// the T recurrent GEMMs on pre-packed weights, the T·B cell passes, and the whole kernel (with and without the GEMM's
/// row-tail split), in rounds that interleave the parts. <c>rnn-parts [B T I H [gru|rnn|lstm-train [threads]]]</c>
/// (LSTM by default; lstm-train times the training call's parts by wall clock on several threads).
/// </summary>
internal static unsafe class PartsProbe
{
    public static int Run(string[] args)
    {
        int b = 64, t = 100, i = 256, h = 256;
        if (args.Length >= 4)
        {
            b = int.Parse(args[0]); t = int.Parse(args[1]); i = int.Parse(args[2]); h = int.Parse(args[3]);
        }

        Kernels.Gemm.MaxThreads = 1;
        int gh = 4 * h;
        var rng = new Random(1);
        float[] Rand(int n) { var a = new float[n]; for (int k = 0; k < n; k++) { a[k] = (float)(rng.NextDouble() - 0.5) * 0.2f; } return a; }
        float[] x = Rand(t * b * i), kernel = Rand((i + h) * gh), bias = Rand(gh), hs = Rand(b * h);
        float[] g = new float[t * b * gh], rec = new float[b * gh], c = new float[b * h], m = new float[b * h], cRaw = new float[b * h];
        float[] packed = new float[RnnMath.PackedSize(h, gh)];
        int nr = RnnMath.PackWeights(false, h, gh, kernel.AsSpan(i * gh), gh, packed);
        float[] packedJoint = new float[RnnMath.PackedSize(i + h, gh)], xh = Rand(t * b * (i + h));
        int nrJoint = RnnMath.PackWeights(false, i + h, gh, kernel, gh, packedJoint);
        var cfg = new LstmConfig(t, b, i, h);
        float[] ws = new float[LstmKernel.WorkspaceSize(cfg, false)];
        float[] y = new float[t * b * h], cf = new float[b * h], hf = new float[b * h];

        double flopsX = 2.0 * t * b * i * gh, flopsH = 2.0 * t * b * h * gh;
        (string Name, double Flops, Action Act)[] parts =
        [
            ("input GEMM", flopsX, () => RnnMath.Gemm(false, false, t * b, gh, i, x, i, kernel, gh, 0f, g, gh, 1)),
            ("recurrent GEMMs", flopsH, () =>
            {
                for (int s = 0; s < t; s++)
                {
                    RnnMath.GemmPacked(false, b, gh, h, hs, h, kernel.AsSpan(i * gh), gh, packed, nr, 0f, rec, gh, 1);
                }
            }),
            ("recurrent GEMMs (into g, beta 1)", flopsH, () =>
            {
                for (int s = 0; s < t; s++)
                {
                    RnnMath.GemmPacked(false, b, gh, h, hs, h, kernel.AsSpan(i * gh), gh, packed, nr, 1f, g.AsSpan(s * b * gh, b * gh), gh, 1);
                }
            }),
            ("joint step GEMMs ([x_t | h] · [Wx; Wh])", flopsX + flopsH, () =>
            {
                for (int s = 0; s < t; s++)
                {
                    RnnMath.GemmPacked(false, b, gh, i + h, xh.AsSpan(s * b * (i + h), b * (i + h)), i + h, kernel, gh, packedJoint, nrJoint, 0f, g.AsSpan(s * b * gh, b * gh), gh, 1);
                }
            }),
            ("cell passes", 0, () =>
            {
                fixed (float* pg = g, pr = rec, pb = bias, pc = c, pcr = cRaw, pm = m)
                {
                    for (int s = 0; s < t; s++)
                    {
                        for (int r = 0; r < b; r++)
                        {
                            FusedStep.LstmCell(pg + ((long)((s * b) + r) * gh), pr + (r * gh), pb, 1f, pc + (r * h), pcr + (r * h), pm + (r * h), h);
                        }
                    }
                }
            }),
            ("cell passes (one step's g, cached)", 0, () =>
            {
                fixed (float* pg = g, pr = rec, pb = bias, pc = c, pcr = cRaw, pm = m)
                {
                    for (int s = 0; s < t; s++)
                    {
                        for (int r = 0; r < b; r++)
                        {
                            FusedStep.LstmCell(pg + ((long)r * gh), pr + (r * gh), pb, 1f, pc + (r * h), pcr + (r * h), pm + (r * h), h);
                        }
                    }
                }
            }),
            ("whole forward", flopsX + flopsH, () => LstmKernel.Forward(cfg, new LstmWeights<float> { Kernel = kernel, Bias = bias }, x, default, default, default, y, cf, hf, ws, false)),
            ("whole forward, no row-tail split", flopsX + flopsH, () =>
            {
                Kernels.Blas.GemmSettings.SplitRowTail = false;
                LstmKernel.Forward(cfg, new LstmWeights<float> { Kernel = kernel, Bias = bias }, x, default, default, default, y, cf, hf, ws, false);
                Kernels.Blas.GemmSettings.SplitRowTail = true;
            }),
        ];

        if (args.Length >= 5 && args[4] == "gru")
        {
            parts = GruParts(b, t, i, h);
        }

        if (args.Length >= 5 && args[4] == "gru-ra")
        {
            parts = GruAfterParts(b, t, i, h);
        }

        if (args.Length >= 5 && args[4] == "rnn")
        {
            parts = SimpleRnnParts(b, t, i, h);
        }

        if (args.Length >= 5 && args[4] == "lstm1")
        {
            // The one-row step's parts (B = 1): T fused steps (GEMV on the unit-block panels + the cell's row passes),
            // the T GEMVs alone (cell skipped: units = 0 for the cell is not possible, so the cell is timed apart), and
            // T cell passes on an L1-resident row.
            float[] panels = new float[FusedStep.PackedSize(4, h, h)];
            int[] gates = [0, h, 2 * h, 3 * h];
            float[] hIn = Rand(h), hOut = new float[h];
            parts =
            [
                parts[0],
                ("per-call panel pack", 0, () =>
                {
                    fixed (float* pp = panels, pk = kernel)
                    {
                        FusedStep.Pack(pp, h, h, pk + ((long)i * gh), gh, 4, null, 0, gates);
                    }
                }),
                ("T fused steps (GEMV + cell)", flopsH, () =>
                {
                    fixed (float* pp = panels, ph = hIn, po = hOut, pg = g, pr = rec, pb = bias, pc = c)
                    {
                        for (int s = 0; s < t; s++)
                        {
                            FusedStep.Lstm(pp, (s & 1) == 0 ? ph : po, h, h, pg + ((long)s * gh), pr, pb, 1f, pc, null, (s & 1) == 0 ? po : ph, false);
                        }
                    }
                }),
                ("T fused steps, serpentine", flopsH, () =>
                {
                    fixed (float* pp = panels, ph = hIn, po = hOut, pg = g, pr = rec, pb = bias, pc = c)
                    {
                        for (int s = 0; s < t; s++)
                        {
                            FusedStep.Lstm(pp, (s & 1) == 0 ? ph : po, h, h, pg + ((long)s * gh), pr, pb, 1f, pc, null, (s & 1) == 0 ? po : ph, false, (s & 1) == 1);
                        }
                    }
                }),
                ("T cell passes", 0, () =>
                {
                    fixed (float* pg = g, pr = rec, pb = bias, pc = c, pm = m)
                    {
                        for (int s = 0; s < t; s++)
                        {
                            FusedStep.LstmCell(pg + ((long)s * gh), pr, pb, 1f, pc, pc, pm, h);
                        }
                    }
                }),
                parts[5],
                ("per-call panel pack, one panel a pass", 0, () =>
                {
                    RnnSettings.PairedPack = false;
                    fixed (float* pp = panels, pk = kernel)
                    {
                        FusedStep.Pack(pp, h, h, pk + ((long)i * gh), gh, 4, null, 0, gates);
                    }

                    RnnSettings.PairedPack = true;
                }),
                ("whole forward, one panel a pass", flopsX + flopsH, () =>
                {
                    RnnSettings.PairedPack = false;
                    LstmKernel.Forward(cfg, new LstmWeights<float> { Kernel = kernel, Bias = bias }, x, default, default, default, y, cf, hf, ws, false);
                    RnnSettings.PairedPack = true;
                }),
                ("whole forward, serpentine off", flopsX + flopsH, () =>
                {
                    RnnSettings.Serpentine = false;
                    LstmKernel.Forward(cfg, new LstmWeights<float> { Kernel = kernel, Bias = bias }, x, default, default, default, y, cf, hf, ws, false);
                    RnnSettings.Serpentine = true;
                }),
            ];
        }

        if (args.Length >= 5 && args[4] == "lstm-train")
        {
            // Training on Gemm.MaxThreads threads (args[5], default 2), by wall clock: the forward with saves, the backward, and the
            // backward's three all-token products alone (dWx = Xᵀ·dG, dWh = Hpᵀ·dG, dx = dG·Wxᵀ).
            Kernels.Gemm.MaxThreads = args.Length >= 6 ? int.Parse(args[5]) : 2;
            s_wall = true;
            int n = t * b;
            float[] wsT = new float[LstmKernel.WorkspaceSize(cfg, true)], dy = new float[t * b * h], dx = new float[t * b * i];
            float[] dk = new float[kernel.Length], db = new float[gh], dG = Rand(n * gh), hp = Rand(n * h);
            var w = new LstmWeights<float> { Kernel = kernel, Bias = bias };
            Array.Fill(dy, 1f);
            float[] xt = new float[x.Length];
            for (int r = 0; r < n; r++)
            {
                for (int q = 0; q < i; q++)
                {
                    xt[(q * n) + r] = x[(r * i) + q];
                }
            }

            parts =
            [
                ("forward (training)", flopsX + flopsH, () => LstmKernel.Forward(cfg, new LstmWeights<float> { Kernel = kernel, Bias = bias }, x, default, default, default, y, cf, hf, wsT, true)),
                ("forward + backward", 3 * (flopsX + flopsH), () =>
                {
                    LstmKernel.Forward(cfg, new LstmWeights<float> { Kernel = kernel, Bias = bias }, x, default, default, default, y, cf, hf, wsT, true);
                    LstmKernel.Backward(cfg, new LstmWeights<float> { Kernel = kernel, Bias = bias }, x, default, dy, default, default, wsT, dx, default, default,
                        new LstmGradients<float> { Kernel = dk, Bias = db });
                }),
                ("dWx = Xt·dG", flopsX, () => RnnMath.Gemm(true, false, i, gh, n, x, i, dG, gh, 0f, dk, gh)),
                ("dWx, Xᵀ stored (no transposed packing)", flopsX, () => RnnMath.Gemm(false, false, i, gh, n, xt, n, dG, gh, 0f, dk, gh)),
                ("dWx in two K halves (1 thread each)", flopsX, () =>
                {
                    RnnMath.Gemm(true, false, i, gh, n / 2, x, i, dG, gh, 0f, dk, gh, 1);
                    RnnMath.Gemm(true, false, i, gh, n - (n / 2), x.AsSpan((n / 2) * i), i, dG.AsSpan((n / 2) * gh), gh, 1f, dk, gh, 1);
                }),
                ("dWh = Hpt·dG", flopsH, () => RnnMath.Gemm(true, false, h, gh, n, hp, h, dG, gh, 0f, dk.AsSpan(i * gh), gh)),
                ("dx = dG·Wxt", flopsX, () => RnnMath.Gemm(false, true, n, i, gh, dG, gh, kernel, gh, 0f, dx, i)),
            ];
        }

        Console.WriteLine($"{(args.Length >= 5 ? args[4] : "lstm")} B={b} T={t} I={i} H={h}, {Kernels.Gemm.MaxThreads} thread(s), ms by {(s_wall ? "wall" : "thread CPU")} time (median of 15 interleaved rounds)");
        // Rounds interleave the parts, so load that comes and goes hits each part alike.
        var times = parts.Select(_ => new List<double>()).ToArray();
        for (int r = 0; r < 15; r++)
        {
            for (int p = 0; p < parts.Length; p++)
            {
                times[p].Add(Round(parts[p].Act));
            }
        }

        for (int p = 0; p < parts.Length; p++)
        {
            var (name, flops, _) = parts[p];
            var v = times[p];
            v.Sort();
            double ms = v[v.Count / 2] * 1e3;
            Console.WriteLine(flops > 0 ? $"{name,-34} {ms,8:F3} ms {flops / ms / 1e6,7:F1} GFLOP/s" : $"{name,-34} {ms,8:F3} ms");
        }

        return 0;
    }

    /// <summary>The reset-before GRU's parts: input GEMM (3H), the gates' recurrent GEMM (2H), the candidate's (H), the whole forward.</summary>
    private static (string Name, double Flops, Action Act)[] GruParts(int b, int t, int i, int h)
    {
        var rng = new Random(1);
        float[] Rand(int n) { var a = new float[n]; for (int k = 0; k < n; k++) { a[k] = (float)(rng.NextDouble() - 0.5) * 0.2f; } return a; }
        float[] x = Rand(t * b * i), k1 = Rand((i + h) * 2 * h), k2 = Rand((i + h) * h), b1 = Rand(2 * h), b2 = Rand(h), hs = Rand(b * h);
        float[] wx = new float[i * 3 * h], g = new float[t * b * 3 * h], rec = new float[b * 3 * h];
        float[] p1 = new float[RnnMath.PackedSize(h, 2 * h)], p2 = new float[RnnMath.PackedSize(h, h)];
        int nr = RnnMath.PackWeights(false, h, 2 * h, k1.AsSpan(i * 2 * h), 2 * h, p1);
        RnnMath.PackWeights(false, h, h, k2.AsSpan(i * h), h, p2);
        var cfg = new GruConfig(t, b, i, h);
        float[] ws = new float[GruKernel.WorkspaceSize(cfg, false)], y = new float[t * b * h], hf = new float[b * h];
        double fx = 2.0 * t * b * i * 3 * h, f1 = 2.0 * t * b * h * 2 * h, f2 = 2.0 * t * b * h * h;
        int ih = i * h;
        return
        [
            ("input GEMM (3H)", fx, () => RnnMath.Gemm(false, false, t * b, 3 * h, i, x, i, wx, 3 * h, 0f, g, 3 * h, 1)),
            ("input GEMMs as two products (2H, H)", fx, () =>
            {
                RnnMath.Gemm(false, false, t * b, 2 * h, i, x, i, wx, 2 * h, 0f, g, 3 * h, 1);
                RnnMath.Gemm(false, false, t * b, h, i, x, i, k2, h, 0f, g.AsSpan(2 * h), 3 * h, 1);
            }),
            ("gates' recurrent GEMMs (2H)", f1, () =>
            {
                for (int s = 0; s < t; s++)
                {
                    RnnMath.GemmPacked(false, b, 2 * h, h, hs, h, k1.AsSpan(i * 2 * h), 2 * h, p1, nr, 0f, rec, 3 * h, 1);
                }
            }),
            ("candidate's recurrent GEMMs (H)", f2, () =>
            {
                for (int s = 0; s < t; s++)
                {
                    RnnMath.GemmPacked(false, b, h, h, hs, h, k2.AsSpan(i * h), h, p2, nr, 0f, rec.AsSpan(2 * h), 3 * h, 1);
                }
            }),
            ("per-call weight packs (Wgh, Wch, [Wgx | Wcx])", 0, () =>
            {
                RnnMath.PackWeights(false, h, 2 * h, k1.AsSpan(i * 2 * h), 2 * h, p1);
                RnnMath.PackWeights(false, h, h, k2.AsSpan(i * h), h, p2);
                for (int r = 0; r < i; r++)
                {
                    k1.AsSpan(r * 2 * h, 2 * h).CopyTo(wx.AsSpan(r * 3 * h, 2 * h));
                    k2.AsSpan(r * h, h).CopyTo(wx.AsSpan((r * 3 * h) + (2 * h), h));
                }
            }),
            ("cell passes (gates, candidate)", 0, () =>
            {
                fixed (float* pg = g, pr = rec, pb1 = b1, pb2 = b2, ph = hs, prh = wx)
                {
                    for (int s = 0; s < t; s++)
                    {
                        for (int r = 0; r < b; r++)
                        {
                            float* gr = pg + ((long)((s * b) + r) * 3 * h);
                            FusedStep.GruBeforeGates(gr, pr, pb1, ph + (r * h), prh + (r * h), h);
                            FusedStep.GruBeforeCandidate(gr + (2 * h), pr + (2 * h), pb2, gr + h, ph + (r * h), ph + (r * h), h);
                        }
                    }
                }
            }),
            ("whole forward", fx + f1 + f2, () => GruKernel.Forward(
                cfg, new GruWeights<float> { GateKernel = k1, GateBias = b1, CandidateInputKernel = k2.AsSpan(0, ih), CandidateHiddenKernel = k2.AsSpan(ih), CandidateBias = b2 },
                x, default, default, y, hf, ws, false)),
            ("whole forward, no row-tail split", fx + f1 + f2, () =>
            {
                Kernels.Blas.GemmSettings.SplitRowTail = false;
                GruKernel.Forward(
                    cfg, new GruWeights<float> { GateKernel = k1, GateBias = b1, CandidateInputKernel = k2.AsSpan(0, ih), CandidateHiddenKernel = k2.AsSpan(ih), CandidateBias = b2 },
                    x, default, default, y, hf, ws, false);
                Kernels.Blas.GemmSettings.SplitRowTail = true;
            }),
        ];
    }

    /// <summary>
    /// The reset-after GRU's parts: the input GEMM (3H), the joint recurrent product h·[Wgh | Wch] (3H) on panels packed
    /// once, the cell pass, and the whole forward (time-major, x read in place), time-major and batch-major.
    /// </summary>
    private static (string Name, double Flops, Action Act)[] GruAfterParts(int b, int t, int i, int h)
    {
        var rng = new Random(1);
        float[] Rand(int n) { var a = new float[n]; for (int k = 0; k < n; k++) { a[k] = (float)(rng.NextDouble() - 0.5) * 0.2f; } return a; }
        float[] x = Rand(t * b * i), k1 = Rand((i + h) * 2 * h), k2 = Rand((i + h) * h), b1 = Rand(2 * h), b2 = Rand(h), b3 = Rand(h), hs = Rand(b * h);
        float[] wx = Rand(i * 3 * h), wh = Rand(h * 3 * h), g = new float[t * b * 3 * h], rec = new float[b * 3 * h], aux = new float[b * h];
        float[] ph = new float[RnnMath.PackedSize(h, 3 * h)];
        int nr = RnnMath.PackWeights(false, h, 3 * h, wh, 3 * h, ph);
        var cfg = new GruConfig(t, b, i, h) { ResetAfter = true };
        var cfgB = cfg with { BatchMajor = true };
        float[] ws = new float[GruKernel.WorkspaceSize(cfg, false)], y = new float[t * b * h], hf = new float[b * h];
        double fx = 2.0 * t * b * i * 3 * h, fh = 2.0 * t * b * h * 3 * h;
        int ih = i * h;
        GruWeights<float> W() => new() { GateKernel = k1, GateBias = b1, CandidateInputKernel = k2.AsSpan(0, ih), CandidateHiddenKernel = k2.AsSpan(ih), CandidateBias = b2, CandidateHiddenBias = b3 };
        return
        [
            ("input GEMM (3H)", fx, () => RnnMath.Gemm(false, false, t * b, 3 * h, i, x, i, wx, 3 * h, 0f, g, 3 * h, 1)),
            ("recurrent GEMMs h·[Wgh | Wch] (3H)", fh, () =>
            {
                for (int s = 0; s < t; s++)
                {
                    RnnMath.GemmPacked(false, b, 3 * h, h, hs, h, wh, 3 * h, ph, nr, 0f, rec, 3 * h, 1);
                }
            }),
            ("cell passes", 0, () =>
            {
                fixed (float* pg = g, pr = rec, pb1 = b1, pb2 = b2, pb3 = b3, phs = hs, pa = aux)
                {
                    for (int s = 0; s < t; s++)
                    {
                        for (int r = 0; r < b; r++)
                        {
                            FusedStep.GruAfterCell(pg + ((long)((s * b) + r) * 3 * h), pr + (r * 3 * h), pb1, pb2, pb3, pa + (r * h), phs + (r * h), phs + (r * h), h);
                        }
                    }
                }
            }),
            ("whole forward", fx + fh, () => GruKernel.Forward(cfg, W(), x, default, default, y, hf, ws, false)),
            ("whole forward, batch-major", fx + fh, () => GruKernel.Forward(cfgB, W(), x, default, default, y, hf, ws, false)),
        ];
    }

    /// <summary>The tanh RNN's parts: input GEMM, the recurrent GEMMs into G (beta 1), the bias + tanh passes, the whole forward.</summary>
    private static (string Name, double Flops, Action Act)[] SimpleRnnParts(int b, int t, int i, int h)
    {
        var rng = new Random(1);
        float[] Rand(int n) { var a = new float[n]; for (int k = 0; k < n; k++) { a[k] = (float)(rng.NextDouble() - 0.5) * 0.2f; } return a; }
        float[] x = Rand(t * b * i), kernel = Rand((i + h) * h), bias = Rand(h), hs = Rand(b * h);
        float[] g = new float[t * b * h], y = new float[t * b * h], hf = new float[b * h];
        float[] packedRaw = GC.AllocateUninitializedArray<float>((int)RnnMath.PackedSize(h, h) + 64, pinned: true);
        int mis = int.Parse(Environment.GetEnvironmentVariable("PACK_MISALIGN") ?? "0");
        int start;
        fixed (float* pp = packedRaw)
        {
            start = (int)(((64 - ((long)pp & 63)) & 63) / 4) + mis;
        }

        int nr = RnnMath.PackWeights(false, h, h, kernel.AsSpan(i * h), h, packedRaw.AsSpan(start, (int)RnnMath.PackedSize(h, h)));
        RnnMath.PackWeights(false, h, h, kernel.AsSpan(i * h), h, packedRaw.AsSpan(start + 4, (int)RnnMath.PackedSize(h, h)));
        var cfg = new SimpleRnnConfig(t, b, i, h);
        float[] ws = new float[SimpleRnnKernel.WorkspaceSize(cfg, false)];
        double fx = 2.0 * t * b * i * h, fh = 2.0 * t * b * h * h;
        return
        [
            ("input GEMM", fx, () => RnnMath.Gemm(false, false, t * b, h, i, x, i, kernel, h, 0f, g, h, 1)),
            ("recurrent GEMMs (into g, beta 1)", fh, () =>
            {
                for (int s = 0; s < t; s++)
                {
                    RnnMath.GemmPacked(false, b, h, h, hs, h, kernel.AsSpan(i * h), h, packedRaw.AsSpan(start), nr, 1f, g.AsSpan(s * b * h, b * h), h, 1);
                }
            }),
            ("recurrent GEMMs, B panels 16 B off a cache line", fh, () =>
            {
                for (int s = 0; s < t; s++)
                {
                    RnnMath.GemmPacked(false, b, h, h, hs, h, kernel.AsSpan(i * h), h, packedRaw.AsSpan(start + 4), nr, 1f, g.AsSpan(s * b * h, b * h), h, 1);
                }
            }),
            ("recurrent GEMMs (beta 0)", fh, () =>
            {
                for (int s = 0; s < t; s++)
                {
                    RnnMath.GemmPacked(false, b, h, h, hs, h, kernel.AsSpan(i * h), h, packedRaw.AsSpan(start), nr, 0f, g.AsSpan(s * b * h, b * h), h, 1);
                }
            }),
            ("bias + tanh passes", 0, () =>
            {
                fixed (float* pg = g, pb = bias)
                {
                    for (int r = 0; r < t * b; r++)
                    {
                        FusedStep.BiasTanh(pg + ((long)r * h), pb, h);
                    }
                }
            }),
            ("whole forward", fx + fh, () => SimpleRnnKernel.Forward(cfg, kernel, bias, x, default, default, y, hf, ws, false)),
        ];
    }

    /// <summary>Time rounds by wall clock (multi-threaded parts) instead of thread CPU time.</summary>
    private static bool s_wall;

    private static double Round(Action action)
    {
        action();
        if (s_wall)
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            int k = 0;
            while (sw.Elapsed.TotalSeconds < 0.3)
            {
                action();
                k++;
            }

            return sw.Elapsed.TotalSeconds / k;
        }

        double start = AbProbe.ThreadCpuSeconds();
        int calls = 0;
        while (AbProbe.ThreadCpuSeconds() - start < 0.2)
        {
            action();
            calls++;
        }

        return (AbProbe.ThreadCpuSeconds() - start) / calls;
    }
}
