using System.Numerics;
using Recur.Kernels.Rnn;
using static Recur.Kernels.Tests.Rnn.RnnTest;

namespace Recur.Kernels.Tests.Rnn;

[Collection(nameof(GemmCollection))]
public sealed class GruKernelTests
{
    private sealed class Problem
    {
        public required GruConfig Cfg;
        public required int[] Lengths;
        public required double[] Gk, Gb, Cx, Ch, Cb, Chb, X, H0, Dy, DhF;
    }

    private sealed class Result
    {
        public required double[] Y, HF;
        public double[] DGk = [], DGb = [], DCx = [], DCh = [], DCb = [], DChb = [], Dx = [], Dh0 = [];
    }

    private static Problem Make<T>(GruConfig cfg, string lengths, int seed, bool zeroState = false)
        where T : INumberBase<T>
    {
        int t = cfg.Time, b = cfg.Batch, i = cfg.InputSize, h = cfg.Units;
        return new Problem
        {
            Cfg = cfg,
            Lengths = Lengths(lengths),
            Gk = Rand<T>((i + h) * 2 * h, seed, -0.6, 0.6),
            Gb = Rand<T>(2 * h, seed + 1, 0.5, 1.5),
            Cx = Rand<T>(i * h, seed + 2, -0.6, 0.6),
            Ch = Rand<T>(h * h, seed + 3, -0.6, 0.6),
            Cb = Rand<T>(h, seed + 4, -0.3, 0.3),
            Chb = cfg.ResetAfter ? Rand<T>(h, seed + 5, -0.3, 0.3) : [],
            X = Rand<T>(t * b * i, seed + 6, -1.5, 1.5),
            H0 = zeroState ? [] : Rand<T>(b * h, seed + 7),
            Dy = Rand<T>(t * b * h, seed + 8),
            DhF = Rand<T>(b * h, seed + 9),
        };
    }

    /// <summary>TF's GRUCell / CudnnCompatibleGRUCell equations per row and step in double, with hand-written BPTT.</summary>
    private static Result Reference(Problem q, bool backward)
    {
        var cfg = q.Cfg;
        int T = cfg.Time, B = cfg.Batch, I = cfg.InputSize, H = cfg.Units, G2 = 2 * H;
        bool after = cfg.ResetAfter;
        var res = new Result { Y = new double[T * B * H], HF = new double[B * H] };
        if (backward)
        {
            res.DGk = new double[q.Gk.Length];
            res.DGb = new double[G2];
            res.DCx = new double[q.Cx.Length];
            res.DCh = new double[q.Ch.Length];
            res.DCb = new double[H];
            res.DChb = new double[q.Chb.Length];
            res.Dx = new double[q.X.Length];
            res.Dh0 = new double[B * H];
        }

        for (int b = 0; b < B; b++)
        {
            int len = Len(q.Lengths, b, T);
            var hs = new double[len + 1][];
            var rs = new double[len][];
            var us = new double[len][];
            var cs = new double[len][];
            var hcs = new double[len][];
            hs[0] = Enumerable.Range(0, H).Select(e => q.H0.Length == 0 ? 0 : q.H0[(b * H) + e]).ToArray();
            double Xv(int t, int k) => q.X[(((t * B) + b) * I) + k];
            for (int t = 0; t < len; t++)
            {
                double[] h = hs[t], r = new double[H], u = new double[H], c = new double[H], hc = new double[H], hn = new double[H];
                for (int e = 0; e < G2; e++)
                {
                    double s = q.Gb[e];
                    for (int k = 0; k < I; k++)
                    {
                        s += Xv(t, k) * q.Gk[(k * G2) + e];
                    }

                    for (int k = 0; k < H; k++)
                    {
                        s += h[k] * q.Gk[((I + k) * G2) + e];
                    }

                    if (e < H)
                    {
                        r[e] = Sigmoid(s);
                    }
                    else
                    {
                        u[e - H] = Sigmoid(s);
                    }
                }

                for (int e = 0; e < H; e++)
                {
                    double s = q.Cb[e], sh = after ? q.Chb[e] : 0;
                    for (int k = 0; k < I; k++)
                    {
                        s += Xv(t, k) * q.Cx[(k * H) + e];
                    }

                    for (int k = 0; k < H; k++)
                    {
                        sh += (after ? h[k] : r[k] * h[k]) * q.Ch[(k * H) + e];
                    }

                    hc[e] = sh;
                    c[e] = Math.Tanh(after ? s + (r[e] * sh) : s + sh);
                    hn[e] = (u[e] * h[e]) + ((1 - u[e]) * c[e]);
                }

                (rs[t], us[t], cs[t], hcs[t], hs[t + 1]) = (r, u, c, hc, hn);
                Array.Copy(hn, 0, res.Y, ((t * B) + b) * H, H);
            }

            Array.Copy(hs[len], 0, res.HF, b * H, H);
            if (!backward)
            {
                continue;
            }

            var dh = Enumerable.Range(0, H).Select(e => q.DhF[(b * H) + e]).ToArray();
            for (int t = len - 1; t >= 0; t--)
            {
                double[] h = hs[t], r = rs[t], u = us[t], c = cs[t], hc = hcs[t];
                var dzr = new double[H];
                var dzu = new double[H];
                var dzc = new double[H];
                var dhn = new double[H];
                for (int e = 0; e < H; e++)
                {
                    double d = dh[e] + q.Dy[(((t * B) + b) * H) + e];
                    dzc[e] = d * (1 - u[e]) * (1 - (c[e] * c[e]));
                    dzu[e] = d * (h[e] - c[e]) * u[e] * (1 - u[e]);
                    dhn[e] = d * u[e];
                }

                // Candidate: the hidden part's input is r⊙h (before) or h with the result scaled by r (after).
                var dr = new double[H];
                for (int e = 0; e < H; e++)
                {
                    if (after)
                    {
                        double dhc = dzc[e] * r[e];
                        dr[e] = dzc[e] * hc[e];
                        res.DChb[e] += dhc;
                        for (int k = 0; k < H; k++)
                        {
                            res.DCh[(k * H) + e] += h[k] * dhc;
                            dhn[k] += q.Ch[(k * H) + e] * dhc;
                        }
                    }
                    else
                    {
                        for (int k = 0; k < H; k++)
                        {
                            res.DCh[(k * H) + e] += r[k] * h[k] * dzc[e];
                            double drh = q.Ch[(k * H) + e] * dzc[e];
                            dr[k] += drh * h[k];
                            dhn[k] += drh * r[k];
                        }
                    }
                }

                for (int e = 0; e < H; e++)
                {
                    dzr[e] = dr[e] * r[e] * (1 - r[e]);
                    res.DCb[e] += dzc[e];
                }

                double[] dz = [.. dzr, .. dzu];
                for (int e = 0; e < G2; e++)
                {
                    res.DGb[e] += dz[e];
                    for (int k = 0; k < H; k++)
                    {
                        res.DGk[((I + k) * G2) + e] += h[k] * dz[e];
                        dhn[k] += q.Gk[((I + k) * G2) + e] * dz[e];
                    }
                }

                for (int k = 0; k < I; k++)
                {
                    double s = 0, xv = Xv(t, k);
                    for (int e = 0; e < G2; e++)
                    {
                        res.DGk[(k * G2) + e] += xv * dz[e];
                        s += q.Gk[(k * G2) + e] * dz[e];
                    }

                    for (int e = 0; e < H; e++)
                    {
                        res.DCx[(k * H) + e] += xv * dzc[e];
                        s += q.Cx[(k * H) + e] * dzc[e];
                    }

                    res.Dx[(((t * B) + b) * I) + k] = s;
                }

                dh = dhn;
            }

            Array.Copy(dh, 0, res.Dh0, b * H, H);
        }

        return res;
    }

    private delegate void ForwardFn<T>(GruConfig c, GruWeights<T> w, ReadOnlySpan<T> x, ReadOnlySpan<int> l, ReadOnlySpan<T> h0, Span<T> y, Span<T> hf, Span<T> ws, bool tr);

    private delegate void BackwardFn<T>(GruConfig c, GruWeights<T> w, ReadOnlySpan<T> x, ReadOnlySpan<int> l, ReadOnlySpan<T> dy, ReadOnlySpan<T> dhf, Span<T> ws, Span<T> dx, Span<T> dh0, GruGradients<T> g);

    private static Result RunKernel<T>(Problem q, bool backward)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float)
            ? Run<float>(q, backward, static (c, w, x, l, h0, y, hf, ws, tr) => GruKernel.Forward(c, w, x, l, h0, y, hf, ws, tr),
                static (c, w, x, l, dy, dhf, ws, dx, dh0, g) => GruKernel.Backward(c, w, x, l, dy, dhf, ws, dx, dh0, g))
            : Run<double>(q, backward, static (c, w, x, l, h0, y, hf, ws, tr) => GruKernel.Forward(c, w, x, l, h0, y, hf, ws, tr),
                static (c, w, x, l, dy, dhf, ws, dx, dh0, g) => GruKernel.Backward(c, w, x, l, dy, dhf, ws, dx, dh0, g));

    private static Result Run<T>(Problem q, bool backward, ForwardFn<T> forward, BackwardFn<T> back)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var c = q.Cfg;
        int B = c.Batch, H = c.Units;
        T[] gk = Cast<T>(q.Gk), gb = Cast<T>(q.Gb), cx = Cast<T>(q.Cx), ch = Cast<T>(q.Ch), cb = Cast<T>(q.Cb), chb = Cast<T>(q.Chb), x = Cast<T>(q.X);
        var y = new T[c.Time * B * H];
        var hf = new T[B * H];
        var ws = new T[GruKernel.WorkspaceSize(c, backward)];
        ws.AsSpan().Fill(T.CreateTruncating(12345.0));
        var w = new GruWeights<T> { GateKernel = gk, GateBias = gb, CandidateInputKernel = cx, CandidateHiddenKernel = ch, CandidateBias = cb, CandidateHiddenBias = chb };
        forward(c, w, x, q.Lengths, Cast<T>(q.H0), y, hf, ws, backward);
        var r = new Result { Y = D(y), HF = D(hf) };
        if (!backward)
        {
            return r;
        }

        T[] dgk = new T[gk.Length], dgb = new T[gb.Length], dcx = new T[cx.Length], dch = new T[ch.Length], dcb = new T[cb.Length], dchb = new T[chb.Length];
        T[] dx = new T[x.Length], dh0 = new T[B * H];
        dgk.AsSpan().Fill(T.One);
        dch.AsSpan().Fill(T.One);
        dx.AsSpan().Fill(T.One);
        var g = new GruGradients<T> { GateKernel = dgk, GateBias = dgb, CandidateInputKernel = dcx, CandidateHiddenKernel = dch, CandidateBias = dcb, CandidateHiddenBias = dchb };
        back(c, w, x, q.Lengths, Cast<T>(q.Dy), Cast<T>(q.DhF), ws, dx, dh0, g);
        r.DGk = D(dgk);
        r.DGb = D(dgb);
        r.DCx = D(dcx);
        r.DCh = D(dch);
        r.DCb = D(dcb);
        r.DChb = D(dchb);
        r.Dx = D(dx);
        r.Dh0 = D(dh0);
        return r;
    }

    private static void Compare(Result a, Result e, bool backward, double tol)
    {
        Close(a.Y, e.Y, tol, "y");
        Close(a.HF, e.HF, tol, "hFinal");
        if (backward)
        {
            Close(a.DGk, e.DGk, tol, "dGateKernel");
            Close(a.DGb, e.DGb, tol, "dGateBias");
            Close(a.DCx, e.DCx, tol, "dCandidateInputKernel");
            Close(a.DCh, e.DCh, tol, "dCandidateHiddenKernel");
            Close(a.DCb, e.DCb, tol, "dCandidateBias");
            Close(a.DChb, e.DChb, tol, "dCandidateHiddenBias");
            Close(a.Dx, e.Dx, tol, "dx");
            Close(a.Dh0, e.Dh0, tol, "dh0");
        }
    }

    public static TheoryData<int, int, int, int, string, bool> Shapes
    {
        get
        {
            var d = new TheoryData<int, int, int, int, string, bool>();
            foreach (bool after in new[] { false, true })
            {
                d.Add(1, 1, 1, 1, "", after);
                d.Add(5, 1, 3, 4, "", after);
                d.Add(5, 1, 3, 4, "2", after);
                d.Add(6, 3, 5, 7, "", after);
                d.Add(7, 5, 3, 6, "7,0,3,12,5", after);
                d.Add(4, 6, 9, 17, "2,4,4,1,0,3", after);
                d.Add(3, 4, 2, 8, "0,0,0,0", after);
                d.Add(0, 2, 3, 4, "", after);
                d.Add(6, 3, 4, 17, "6,2,1", after);
                d.Add(4, 1, 5, 24, "", after);
            }

            return d;
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Gru_MatchesReference_Double(int t, int b, int i, int h, string lengths, bool resetAfter) =>
        Check<double>(new GruConfig(t, b, i, h) { ResetAfter = resetAfter }, lengths);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Gru_MatchesReference_Float(int t, int b, int i, int h, string lengths, bool resetAfter) =>
        Check<float>(new GruConfig(t, b, i, h) { ResetAfter = resetAfter }, lengths);

    /// <summary>
    /// The input products with the joined [Wgx | Wcx] (one product each for X·Wx, Xᵀ·dG and dG·Wxᵀ; from 256 tokens) and
    /// as two products (2H and H wide): both match the reference, with and without lengths.
    /// </summary>
    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void Gru_JoinedAndSeparateInputProducts_MatchReference(bool join, bool resetAfter)
    {
        bool saved = RnnSettings.JoinGruInputKernels;
        try
        {
            RnnSettings.JoinGruInputKernels = join;
            Check<double>(new GruConfig(30, 10, 5, 6) { ResetAfter = resetAfter }, "");
            Check<double>(new GruConfig(40, 8, 3, 7) { ResetAfter = resetAfter }, "40,40,35,36,30,0,39,40");
            Check<float>(new GruConfig(33, 9, 9, 17) { ResetAfter = resetAfter }, "");
        }
        finally
        {
            RnnSettings.JoinGruInputKernels = saved;
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Gru_Backward_MatchesFiniteDifferences(bool resetAfter)
    {
        var q = Make<double>(new GruConfig(3, 3, 2, 3) { ResetAfter = resetAfter }, "3,1,0", 5);
        var got = RunKernel<double>(q, true);
        double Loss()
        {
            var r = Reference(q, false);
            return Dot(r.Y, q.Dy) + Dot(r.HF, q.DhF);
        }

        const double Tol = 1e-7;
        Close(got.DGk, FiniteDifference(q.Gk, Loss), Tol, "dGateKernel");
        Close(got.DGb, FiniteDifference(q.Gb, Loss), Tol, "dGateBias");
        Close(got.DCx, FiniteDifference(q.Cx, Loss), Tol, "dCandidateInputKernel");
        Close(got.DCh, FiniteDifference(q.Ch, Loss), Tol, "dCandidateHiddenKernel");
        Close(got.DCb, FiniteDifference(q.Cb, Loss), Tol, "dCandidateBias");
        Close(got.DChb, FiniteDifference(q.Chb, Loss), Tol, "dCandidateHiddenBias");
        Close(got.Dx, FiniteDifference(q.X, Loss), Tol, "dx");
        Close(got.Dh0, FiniteDifference(q.H0, Loss), Tol, "dh0");
    }

    [Fact]
    public void Gru_ZeroInitialState_EmptySpanMeansZeros()
    {
        var q = Make<double>(new GruConfig(4, 3, 2, 5) { ResetAfter = true }, "4,2,0", 7, zeroState: true);
        Compare(RunKernel<double>(q, true), Reference(q, true), true, 1e-12);
    }

    [Fact]
    public void Gru_ResetBefore_WithHiddenBias_Throws()
    {
        var cfg = new GruConfig(1, 1, 1, 2);
        var e = Assert.Throws<ArgumentException>(() => GruKernel.Forward(
            cfg,
            new GruWeights<double> { GateKernel = new double[12], GateBias = new double[4], CandidateInputKernel = new double[2], CandidateHiddenKernel = new double[4], CandidateBias = new double[2], CandidateHiddenBias = new double[2] },
            new double[1], default, default, new double[2], default, new double[GruKernel.WorkspaceSize(cfg, false)], false));
        Assert.Contains("CandidateHiddenBias", e.Message);
    }

    [Theory]
    [MemberData(nameof(RnnThreads.Shapes), MemberType = typeof(RnnThreads))]
    public void Gru_RowThreads_MatchReferenceAndOneThread_Double(int t, int b, int i, int h, string lengths, int threads)
    {
        CheckThreaded<double>(new GruConfig(t, b, i, h), lengths, threads);
        CheckThreaded<double>(new GruConfig(t, b, i, h) { ResetAfter = true }, lengths, threads);
    }

    [Theory]
    [MemberData(nameof(RnnThreads.Shapes), MemberType = typeof(RnnThreads))]
    public void Gru_RowThreads_MatchReferenceAndOneThread_Float(int t, int b, int i, int h, string lengths, int threads)
    {
        CheckThreaded<float>(new GruConfig(t, b, i, h), lengths, threads);
        CheckThreaded<float>(new GruConfig(t, b, i, h) { ResetAfter = true }, lengths, threads);
    }

    [Theory]
    [InlineData(true, 7, 5, 32, "", 2)]
    [InlineData(true, 9, 3, 48, "", 3)] // three slices of 16 units
    [InlineData(true, 6, 4, 64, "4", 2)] // the sequence ends before T: its last h stays in the state
    [InlineData(true, 5, 3, 32, "0", 2)] // no step at all
    [InlineData(false, 7, 5, 32, "", 2)]
    [InlineData(false, 9, 3, 48, "", 3)]
    [InlineData(false, 6, 4, 64, "4", 2)]
    [InlineData(false, 5, 3, 32, "0", 2)]
    public void Gru_OneRowWeightSlices_MatchReferenceAndOneThread(bool resetAfter, int t, int i, int h, string lengths, int threads)
    {
        // Batch 1 on several threads (RnnSettings.OneRowSliceMinUnits lowered so that small H splits); training and
        // inference, and with the pool busy. Reset after: each thread runs the fused one-row step on its slice of the unit
        // blocks, a barrier a step; each unit's sums and cell are the one-thread step's, so the forward results are bitwise
        // equal. Reset before (no fused one-row step): the unit split's GEMMs on each part's panels with one row, two
        // barriers a step.
        var cfg = new GruConfig(t, 1, i, h) { ResetAfter = resetAfter };
        var q = Make<float>(cfg, lengths, (t * (resetAfter ? 43 : 47)) + h);
        RnnThreads.WithOneRowSlicesFrom(16, () =>
        {
            foreach (bool training in new[] { true, false })
            {
                var one = RnnThreads.With(1, () => RunKernel<float>(q, training));
                var sliced = RnnThreads.With(threads, () => RunKernel<float>(q, training));
                var busy = RnnThreads.WithPoolHeld(() => RnnThreads.With(threads, () => RunKernel<float>(q, training)));
                Compare(sliced, Reference(q, training), training, Tol<float>());
                Compare(busy, Reference(q, training), training, Tol<float>());
                Compare(sliced, one, training, Tol<float>());
                if (resetAfter)
                {
                    Assert.Equal(one.Y, sliced.Y);
                    Assert.Equal(one.HF, sliced.HF);
                    Assert.Equal(one.Y, busy.Y);
                }
            }
        });
    }

    [Fact]
    public void Gru_UnitSplit_WithThePoolBusy_RunsAllPartsOnTheCallingThread()
    {
        // H = 48 on 3 threads splits the reset-before GRU's units into three parts; with the pool held elsewhere the
        // kernel runs the three parts phase by phase on its own thread, and the per-part panels must still line up.
        var cfg = new GruConfig(6, 5, 3, 48);
        var q = Make<float>(cfg, "6,2,5,0,3", 11);
        var one = RnnThreads.With(1, () => RunKernel<float>(q, true));
        var busy = RnnThreads.WithPoolHeld(() => RnnThreads.With(3, () => RunKernel<float>(q, true)));
        var busyInfer = RnnThreads.WithPoolHeld(() => RnnThreads.With(3, () => RunKernel<float>(q, false)));
        Compare(busy, one, true, Tol<float>());
        Compare(busyInfer, Reference(q, false), false, Tol<float>());
    }

    private static void CheckThreaded<T>(GruConfig cfg, string lengths, int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var q = Make<T>(cfg, lengths, (cfg.Time * 41) + cfg.Units);
        var one = RnnThreads.With(1, () => RunKernel<T>(q, true));
        var many = RnnThreads.With(threads, () => RunKernel<T>(q, true));
        var manyInfer = RnnThreads.With(threads, () => RunKernel<T>(q, false));
        Compare(many, Reference(q, true), true, Tol<T>());
        Compare(manyInfer, Reference(q, false), false, Tol<T>());
        Compare(many, one, true, Tol<T>());
    }

    [Theory]
    [MemberData(nameof(RnnThreads.BatchMajorShapes), MemberType = typeof(RnnThreads))]
    public void Gru_BatchMajor_EqualsTimeMajorOnTransposedData(int t, int b, int i, int h, string lengths, int threads)
    {
        foreach (bool after in new[] { false, true })
        {
            CheckBatchMajor<double>(new GruConfig(t, b, i, h) { ResetAfter = after }, lengths, threads);
            CheckBatchMajor<float>(new GruConfig(t, b, i, h) { ResetAfter = after }, lengths, threads);
        }
    }

    /// <summary>BatchMajor on (B, T, ·) data gives exactly the time-major results (same arithmetic), forward and backward.</summary>
    private static void CheckBatchMajor<T>(GruConfig cfg, string lengths, int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var q = Make<T>(cfg, lengths, (cfg.Time * 47) + cfg.Units);
        int tt = cfg.Time, b = cfg.Batch, h = cfg.Units;
        var bm = new Problem
        {
            Cfg = cfg with { BatchMajor = true }, Lengths = q.Lengths, Gk = q.Gk, Gb = q.Gb, Cx = q.Cx, Ch = q.Ch, Cb = q.Cb, Chb = q.Chb,
            X = ToBatchMajor(q.X, tt, b, cfg.InputSize), H0 = q.H0, Dy = ToBatchMajor(q.Dy, tt, b, h), DhF = q.DhF,
        };
        foreach (bool training in new[] { false, true })
        {
            var e = RnnThreads.With(threads, () => RunKernel<T>(q, training));
            var a = RnnThreads.With(threads, () => RunKernel<T>(bm, training));
            Same(ToTimeMajor(a.Y, tt, b, h), e.Y, "y");
            Same(a.HF, e.HF, "hFinal");
            Same(a.DGk, e.DGk, "dGateKernel");
            Same(a.DGb, e.DGb, "dGateBias");
            Same(a.DCx, e.DCx, "dCandidateInputKernel");
            Same(a.DCh, e.DCh, "dCandidateHiddenKernel");
            Same(a.DCb, e.DCb, "dCandidateBias");
            Same(a.DChb, e.DChb, "dCandidateHiddenBias");
            Same(ToTimeMajor(a.Dx, tt, b, cfg.InputSize), e.Dx, "dx");
            Same(a.Dh0, e.Dh0, "dh0");
        }
    }

    private static void Check<T>(GruConfig cfg, string lengths)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var q = Make<T>(cfg, lengths, (cfg.Time * 17) + cfg.Units);
        Compare(RunKernel<T>(q, false), Reference(q, false), false, Tol<T>());
        Compare(RunKernel<T>(q, true), Reference(q, true), true, Tol<T>());
    }
}
