using System.Numerics;
using Recur.Kernels.Blas;
using Recur.Kernels.Rnn;
using static Recur.Kernels.Tests.Rnn.RnnTest;

namespace Recur.Kernels.Tests.Rnn;

[Collection(nameof(GemmCollection))]
public sealed class LstmKernelTests
{
    /// <summary>An LSTM problem in double: the weights, inputs, upstream gradients (all already rounded to the kernel's type).</summary>
    private sealed class Problem
    {
        public required LstmConfig Cfg;
        public required int[] Lengths;
        public required double[] Kernel, Bias, Wi, Wf, Wo, Proj, X, C0, H0, Dy, DcF, DhF;
    }

    private sealed class Result
    {
        public required double[] Y, CF, HF;
        public double[] DKernel = [], DBias = [], DWi = [], DWf = [], DWo = [], DProj = [], Dx = [], Dc0 = [], Dh0 = [];
    }

    private static Problem Make<T>(LstmConfig cfg, string lengths, int seed, bool zeroState = false)
        where T : INumberBase<T>
    {
        int t = cfg.Time, b = cfg.Batch, i = cfg.InputSize, h = cfg.Units, p = cfg.OutputSize;
        bool peep = cfg.UsePeepholes, proj = cfg.NumProj > 0;
        return new Problem
        {
            Cfg = cfg,
            Lengths = Lengths(lengths),
            Kernel = Rand<T>((i + p) * 4 * h, seed, -0.6, 0.6),
            Bias = Rand<T>(4 * h, seed + 1, -0.3, 0.3),
            Wi = peep ? Rand<T>(h, seed + 2, -0.5, 0.5) : [],
            Wf = peep ? Rand<T>(h, seed + 3, -0.5, 0.5) : [],
            Wo = peep ? Rand<T>(h, seed + 4, -0.5, 0.5) : [],
            Proj = proj ? Rand<T>(h * p, seed + 5, -0.7, 0.7) : [],
            X = Rand<T>(t * b * i, seed + 6, -1.5, 1.5),
            C0 = zeroState ? [] : Rand<T>(b * h, seed + 7, -1, 1),
            H0 = zeroState ? [] : Rand<T>(b * p, seed + 8, -1, 1),
            Dy = Rand<T>(t * b * p, seed + 9),
            DcF = Rand<T>(b * h, seed + 10),
            DhF = Rand<T>(b * p, seed + 11),
        };
    }

    /// <summary>The TF equations, one row and one step at a time, in double, with hand-written BPTT.</summary>
    private static Result Reference(Problem q, bool backward)
    {
        var c = q.Cfg;
        int T = c.Time, B = c.Batch, I = c.InputSize, H = c.Units, P = c.OutputSize, G = 4 * H;
        bool peep = c.UsePeepholes, proj = c.NumProj > 0;
        double At(double[] v, int k) => v.Length == 0 ? 0 : v[k];
        var r = new Result { Y = new double[T * B * P], CF = new double[B * H], HF = new double[B * P] };
        if (backward)
        {
            r.DKernel = new double[q.Kernel.Length];
            r.DBias = new double[G];
            r.DWi = new double[q.Wi.Length];
            r.DWf = new double[q.Wf.Length];
            r.DWo = new double[q.Wo.Length];
            r.DProj = new double[q.Proj.Length];
            r.Dx = new double[q.X.Length];
            r.Dc0 = new double[B * H];
            r.Dh0 = new double[B * P];
        }

        for (int b = 0; b < B; b++)
        {
            int len = Len(q.Lengths, b, T);
            var cs = new double[len + 1][];
            var hs = new double[len + 1][];
            var act = new double[len][];
            var craw = new double[len][];
            var ms = new double[len][];
            var hraw = new double[len][];
            cs[0] = Enumerable.Range(0, H).Select(e => At(q.C0, (b * H) + e)).ToArray();
            hs[0] = Enumerable.Range(0, P).Select(e => At(q.H0, (b * P) + e)).ToArray();
            for (int t = 0; t < len; t++)
            {
                var z = new double[G];
                for (int g = 0; g < G; g++)
                {
                    double s = q.Bias[g];
                    for (int k = 0; k < I; k++)
                    {
                        s += q.X[(((t * B) + b) * I) + k] * q.Kernel[(k * G) + g];
                    }

                    for (int k = 0; k < P; k++)
                    {
                        s += hs[t][k] * q.Kernel[((I + k) * G) + g];
                    }

                    z[g] = s;
                }

                var a = new double[G];
                craw[t] = new double[H];
                cs[t + 1] = new double[H];
                ms[t] = new double[H];
                for (int e = 0; e < H; e++)
                {
                    double cp = cs[t][e];
                    a[e] = Sigmoid(z[e] + (peep ? q.Wi[e] * cp : 0));
                    a[H + e] = Math.Tanh(z[H + e]);
                    a[(2 * H) + e] = Sigmoid(z[(2 * H) + e] + c.ForgetBias + (peep ? q.Wf[e] * cp : 0));
                    craw[t][e] = (a[(2 * H) + e] * cp) + (a[e] * a[H + e]);
                    double cn = Clip(craw[t][e], c.CellClip);
                    cs[t + 1][e] = cn;
                    a[(3 * H) + e] = Sigmoid(z[(3 * H) + e] + (peep ? q.Wo[e] * cn : 0));
                    ms[t][e] = a[(3 * H) + e] * Math.Tanh(cn);
                }

                act[t] = a;
                hs[t + 1] = new double[P];
                if (proj)
                {
                    hraw[t] = new double[P];
                    for (int k = 0; k < P; k++)
                    {
                        double s = 0;
                        for (int e = 0; e < H; e++)
                        {
                            s += ms[t][e] * q.Proj[(e * P) + k];
                        }

                        hraw[t][k] = s;
                        hs[t + 1][k] = Clip(s, c.ProjClip);
                    }
                }
                else
                {
                    Array.Copy(ms[t], hs[t + 1], H);
                }

                Array.Copy(hs[t + 1], 0, r.Y, ((t * B) + b) * P, P);
            }

            Array.Copy(cs[len], 0, r.CF, b * H, H);
            Array.Copy(hs[len], 0, r.HF, b * P, P);
            if (!backward)
            {
                continue;
            }

            var dh = Enumerable.Range(0, P).Select(k => At(q.DhF, (b * P) + k)).ToArray();
            var dc = Enumerable.Range(0, H).Select(e => At(q.DcF, (b * H) + e)).ToArray();
            for (int t = len - 1; t >= 0; t--)
            {
                for (int k = 0; k < P; k++)
                {
                    dh[k] += At(q.Dy, (((t * B) + b) * P) + k);
                }

                var dm = new double[H];
                if (proj)
                {
                    for (int k = 0; k < P; k++)
                    {
                        double d = Clipped(hraw[t][k], c.ProjClip) ? 0 : dh[k];
                        for (int e = 0; e < H; e++)
                        {
                            r.DProj[(e * P) + k] += ms[t][e] * d;
                            dm[e] += q.Proj[(e * P) + k] * d;
                        }
                    }
                }
                else
                {
                    Array.Copy(dh, dm, H);
                }

                var a = act[t];
                var dz = new double[G];
                for (int e = 0; e < H; e++)
                {
                    double cn = cs[t + 1][e], cp = cs[t][e], tc = Math.Tanh(cn);
                    double ai = a[e], aj = a[H + e], af = a[(2 * H) + e], ao = a[(3 * H) + e];
                    double dO = dm[e] * tc * ao * (1 - ao);
                    double dC = dc[e] + (dm[e] * ao * (1 - (tc * tc))) + (peep ? dO * q.Wo[e] : 0);
                    if (Clipped(craw[t][e], c.CellClip))
                    {
                        dC = 0;
                    }

                    double dI = dC * aj * ai * (1 - ai), dJ = dC * ai * (1 - (aj * aj)), dF = dC * cp * af * (1 - af);
                    dc[e] = (dC * af) + (peep ? (dI * q.Wi[e]) + (dF * q.Wf[e]) : 0);
                    if (peep)
                    {
                        r.DWi[e] += dI * cp;
                        r.DWf[e] += dF * cp;
                        r.DWo[e] += dO * cn;
                    }

                    dz[e] = dI;
                    dz[H + e] = dJ;
                    dz[(2 * H) + e] = dF;
                    dz[(3 * H) + e] = dO;
                }

                for (int g = 0; g < G; g++)
                {
                    r.DBias[g] += dz[g];
                }

                for (int k = 0; k < I; k++)
                {
                    double xv = q.X[(((t * B) + b) * I) + k], s = 0;
                    for (int g = 0; g < G; g++)
                    {
                        r.DKernel[(k * G) + g] += xv * dz[g];
                        s += q.Kernel[(k * G) + g] * dz[g];
                    }

                    r.Dx[(((t * B) + b) * I) + k] = s;
                }

                for (int k = 0; k < P; k++)
                {
                    double s = 0;
                    for (int g = 0; g < G; g++)
                    {
                        r.DKernel[((I + k) * G) + g] += hs[t][k] * dz[g];
                        s += q.Kernel[((I + k) * G) + g] * dz[g];
                    }

                    dh[k] = s;
                }
            }

            Array.Copy(dh, 0, r.Dh0, b * P, P);
            Array.Copy(dc, 0, r.Dc0, b * H, H);
        }

        return r;
    }

    private static Result RunKernel<T>(Problem q, bool backward)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            return Run<float>(q, backward, static (c, w, x, l, c0, h0, y, cf, hf, ws, tr) => LstmKernel.Forward(c, w, x, l, c0, h0, y, cf, hf, ws, tr),
                static (c, w, x, l, dy, dcf, dhf, ws, dx, dc0, dh0, g) => LstmKernel.Backward(c, w, x, l, dy, dcf, dhf, ws, dx, dc0, dh0, g));
        }

        return Run<double>(q, backward, static (c, w, x, l, c0, h0, y, cf, hf, ws, tr) => LstmKernel.Forward(c, w, x, l, c0, h0, y, cf, hf, ws, tr),
            static (c, w, x, l, dy, dcf, dhf, ws, dx, dc0, dh0, g) => LstmKernel.Backward(c, w, x, l, dy, dcf, dhf, ws, dx, dc0, dh0, g));
    }

    private delegate void ForwardFn<T>(LstmConfig c, LstmWeights<T> w, ReadOnlySpan<T> x, ReadOnlySpan<int> lengths, ReadOnlySpan<T> c0, ReadOnlySpan<T> h0,
        Span<T> y, Span<T> cf, Span<T> hf, Span<T> ws, bool training);

    private delegate void BackwardFn<T>(LstmConfig c, LstmWeights<T> w, ReadOnlySpan<T> x, ReadOnlySpan<int> lengths, ReadOnlySpan<T> dy, ReadOnlySpan<T> dcf,
        ReadOnlySpan<T> dhf, Span<T> ws, Span<T> dx, Span<T> dc0, Span<T> dh0, LstmGradients<T> g);

    private static Result Run<T>(Problem q, bool backward, ForwardFn<T> forward, BackwardFn<T> back)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var c = q.Cfg;
        int B = c.Batch, H = c.Units, P = c.OutputSize;
        T[] kernel = Cast<T>(q.Kernel), bias = Cast<T>(q.Bias), wi = Cast<T>(q.Wi), wf = Cast<T>(q.Wf), wo = Cast<T>(q.Wo), proj = Cast<T>(q.Proj);
        T[] x = Cast<T>(q.X);
        var y = new T[c.Time * B * P];
        var cf = new T[B * H];
        var hf = new T[B * P];
        var ws = new T[LstmKernel.WorkspaceSize(c, backward)];
        ws.AsSpan().Fill(T.CreateTruncating(12345.0)); // garbage: the kernel must not read what it did not write
        var w = new LstmWeights<T> { Kernel = kernel, Bias = bias, PeepholeInput = wi, PeepholeForget = wf, PeepholeOutput = wo, Projection = proj };
        forward(c, w, x, q.Lengths, Cast<T>(q.C0), Cast<T>(q.H0), y, cf, hf, ws, backward);
        var r = new Result { Y = D(y), CF = D(cf), HF = D(hf) };
        if (!backward)
        {
            return r;
        }

        T[] dk = new T[kernel.Length], db = new T[bias.Length], dwi = new T[wi.Length], dwf = new T[wf.Length], dwo = new T[wo.Length], dp = new T[proj.Length];
        T[] dx = new T[x.Length], dc0 = new T[B * H], dh0 = new T[B * P];
        dk.AsSpan().Fill(T.One); // overwritten, not accumulated
        dwi.AsSpan().Fill(T.One);
        dp.AsSpan().Fill(T.One);
        dx.AsSpan().Fill(T.One);
        var gr = new LstmGradients<T> { Kernel = dk, Bias = db, PeepholeInput = dwi, PeepholeForget = dwf, PeepholeOutput = dwo, Projection = dp };
        back(c, w, x, q.Lengths, Cast<T>(q.Dy), Cast<T>(q.DcF), Cast<T>(q.DhF), ws, dx, dc0, dh0, gr);
        r.DKernel = D(dk);
        r.DBias = D(db);
        r.DWi = D(dwi);
        r.DWf = D(dwf);
        r.DWo = D(dwo);
        r.DProj = D(dp);
        r.Dx = D(dx);
        r.Dc0 = D(dc0);
        r.Dh0 = D(dh0);
        return r;
    }

    private static void Compare<T>(Result a, Result e, bool backward)
        where T : INumberBase<T>
    {
        double tol = Tol<T>();
        Close(a.Y, e.Y, tol, "y");
        Close(a.CF, e.CF, tol, "cFinal");
        Close(a.HF, e.HF, tol, "hFinal");
        if (!backward)
        {
            return;
        }

        Close(a.DKernel, e.DKernel, tol, "dKernel");
        Close(a.DBias, e.DBias, tol, "dBias");
        Close(a.DWi, e.DWi, tol, "dw_i");
        Close(a.DWf, e.DWf, tol, "dw_f");
        Close(a.DWo, e.DWo, tol, "dw_o");
        Close(a.DProj, e.DProj, tol, "dProjection");
        Close(a.Dx, e.Dx, tol, "dx");
        Close(a.Dc0, e.Dc0, tol, "dc0");
        Close(a.Dh0, e.Dh0, tol, "dh0");
    }

    public static TheoryData<int, int, int, int, string> Shapes => new()
    {
        { 1, 1, 1, 1, "" },
        { 5, 1, 3, 4, "" },
        { 5, 1, 3, 4, "3" },
        { 6, 3, 5, 7, "" },
        { 7, 5, 3, 6, "7,0,3,12,5" },
        { 4, 6, 9, 17, "2,4,4,1,0,3" },
        { 3, 4, 2, 8, "0,0,0,0" },
        { 0, 2, 3, 4, "" },
        { 6, 3, 4, 17, "6,2,1" }, // one active row from step 2: the fused one-row step, with a partial unit block
        { 4, 1, 5, 24, "" },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Lstm_Basic_MatchesReference_Double(int t, int b, int i, int h, string lengths) =>
        Check<double>(new LstmConfig(t, b, i, h), lengths);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Lstm_Basic_MatchesReference_Float(int t, int b, int i, int h, string lengths) =>
        Check<float>(new LstmConfig(t, b, i, h), lengths);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Lstm_PeepholesClip_MatchesReference_Double(int t, int b, int i, int h, string lengths) =>
        Check<double>(new LstmConfig(t, b, i, h) { UsePeepholes = true, CellClip = 0.6, ForgetBias = 0.5 }, lengths);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Lstm_PeepholesClip_MatchesReference_Float(int t, int b, int i, int h, string lengths) =>
        Check<float>(new LstmConfig(t, b, i, h) { UsePeepholes = true, CellClip = 0.6, ForgetBias = 0.5 }, lengths);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Lstm_Projection_MatchesReference_Double(int t, int b, int i, int h, string lengths) =>
        Check<double>(new LstmConfig(t, b, i, h) { NumProj = 3, ProjClip = 0.4, UsePeepholes = true, CellClip = 1.0 }, lengths);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Lstm_Projection_MatchesReference_Float(int t, int b, int i, int h, string lengths) =>
        Check<float>(new LstmConfig(t, b, i, h) { NumProj = 5 }, lengths);

    [Fact]
    public void Lstm_ZeroInitialState_EmptySpansMeanZeros()
    {
        var q = Make<double>(new LstmConfig(4, 3, 2, 5), "4,2,0", 7, zeroState: true);
        Compare<double>(RunKernel<double>(q, true), Reference(q, true), true);
    }

    [Fact]
    public void Lstm_InferenceWorkspace_IsSmallerAndGivesSameOutputs()
    {
        var cfg = new LstmConfig(6, 4, 3, 5);
        Assert.True(LstmKernel.WorkspaceSize(cfg, false) < LstmKernel.WorkspaceSize(cfg, true));
        var q = Make<double>(cfg, "6,1,3,5", 3);
        Compare<double>(RunKernel<double>(q, false), Reference(q, false), false);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void Lstm_Backward_MatchesFiniteDifferences(bool peep, bool proj)
    {
        var cfg = new LstmConfig(3, 3, 2, 3) { UsePeepholes = peep, CellClip = peep ? 0.7 : null, NumProj = proj ? 2 : 0 };
        var q = Make<double>(cfg, "3,1,0", 11);
        var got = RunKernel<double>(q, true);
        double Loss()
        {
            var r = Reference(q, false);
            return Dot(r.Y, q.Dy) + Dot(r.CF, q.DcF) + Dot(r.HF, q.DhF);
        }

        const double Tol = 1e-7;
        Close(got.DKernel, FiniteDifference(q.Kernel, Loss), Tol, "dKernel");
        Close(got.DBias, FiniteDifference(q.Bias, Loss), Tol, "dBias");
        Close(got.Dx, FiniteDifference(q.X, Loss), Tol, "dx");
        Close(got.Dc0, FiniteDifference(q.C0, Loss), Tol, "dc0");
        Close(got.Dh0, FiniteDifference(q.H0, Loss), Tol, "dh0");
        Close(got.DWi, FiniteDifference(q.Wi, Loss), Tol, "dw_i");
        Close(got.DWf, FiniteDifference(q.Wf, Loss), Tol, "dw_f");
        Close(got.DWo, FiniteDifference(q.Wo, Loss), Tol, "dw_o");
        Close(got.DProj, FiniteDifference(q.Proj, Loss), Tol, "dProjection");
    }

    [Theory]
    [InlineData(7, 5, 32, "", 2)]
    [InlineData(9, 3, 48, "", 3)] // three slices of 16 units
    [InlineData(6, 4, 64, "4", 2)] // the sequence ends before T: the slices stop writing h and keep the final state
    [InlineData(5, 3, 32, "0", 2)] // no step at all
    public void Lstm_OneRowWeightSlices_MatchReferenceAndOneThread(int t, int i, int h, string lengths, int threads)
    {
        // Batch 1 on several threads: each thread runs the fused one-row step on its slice of the unit blocks, with a
        // barrier a step (RnnSettings.OneRowSliceMinUnits lowered so that small H splits). Each unit's sums and cell are
        // the one-thread step's, so the forward results are bitwise equal; training and inference, and with the pool busy.
        var cfg = new LstmConfig(t, 1, i, h) { ForgetBias = 0.3 };
        var q = Make<float>(cfg, lengths, (t * 41) + h);
        RnnThreads.WithOneRowSlicesFrom(16, () =>
        {
            foreach (bool training in new[] { true, false })
            {
                var one = RnnThreads.With(1, () => RunKernel<float>(q, training));
                var sliced = RnnThreads.With(threads, () => RunKernel<float>(q, training));
                var busy = RnnThreads.WithPoolHeld(() => RnnThreads.With(threads, () => RunKernel<float>(q, training)));
                Compare<float>(sliced, Reference(q, training), training);
                Compare<float>(busy, Reference(q, training), training);
                Assert.Equal(one.Y, sliced.Y);
                Assert.Equal(one.HF, sliced.HF);
                Assert.Equal(one.CF, sliced.CF);
                Assert.Equal(one.Y, busy.Y);
            }
        });
    }

    [Fact]
    public void Lstm_UnitSplit_WithThePoolBusy_RunsAllPartsOnTheCallingThread()
    {
        // H = 48 on 3 threads splits the units into three parts; with the pool held elsewhere the kernel runs the
        // three parts step by step on its own thread, and the packed per-part panels must still line up.
        var cfg = new LstmConfig(6, 5, 3, 48);
        var q = Make<float>(cfg, "6,2,5,0,3", 11);
        var one = RnnThreads.With(1, () => RunKernel<float>(q, true));
        var busy = RnnThreads.WithPoolHeld(() => RnnThreads.With(3, () => RunKernel<float>(q, true)));
        var busyInfer = RnnThreads.WithPoolHeld(() => RnnThreads.With(3, () => RunKernel<float>(q, false)));
        Compare<float>(busy, one, true);
        Compare<float>(busyInfer, Reference(q, false), false);
    }

    [Fact]
    public void Lstm_Forward_WrongSpanLength_ThrowsNamingTheArgument()
    {
        var cfg = new LstmConfig(2, 2, 3, 4);
        var ws = new float[LstmKernel.WorkspaceSize(cfg, false)];
        var e = Assert.Throws<ArgumentException>(() => LstmKernel.Forward(
            cfg, new LstmWeights<float> { Kernel = new float[7 * 16], Bias = new float[16] }, new float[11], default, default, default, new float[16], default, default, ws, false));
        Assert.Contains("LstmKernel.Forward: x", e.Message);
    }

    [Theory]
    [MemberData(nameof(RnnThreads.Shapes), MemberType = typeof(RnnThreads))]
    public void Lstm_RowThreads_MatchReferenceAndOneThread_Double(int t, int b, int i, int h, string lengths, int threads)
    {
        CheckThreaded<double>(new LstmConfig(t, b, i, h), lengths, threads);
        CheckThreaded<double>(new LstmConfig(t, b, i, h) { NumProj = 3, ProjClip = 0.4, UsePeepholes = true, CellClip = 1.0 }, lengths, threads);
    }

    [Theory]
    [MemberData(nameof(RnnThreads.Shapes), MemberType = typeof(RnnThreads))]
    public void Lstm_RowThreads_MatchReferenceAndOneThread_Float(int t, int b, int i, int h, string lengths, int threads)
    {
        CheckThreaded<float>(new LstmConfig(t, b, i, h), lengths, threads);
        CheckThreaded<float>(new LstmConfig(t, b, i, h) { UsePeepholes = true, CellClip = 0.6, ForgetBias = 0.5 }, lengths, threads);
    }

    private static void CheckThreaded<T>(LstmConfig cfg, string lengths, int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var q = Make<T>(cfg, lengths, (cfg.Time * 37) + cfg.Units);
        var one = RnnThreads.With(1, () => RunKernel<T>(q, true));
        var many = RnnThreads.With(threads, () => RunKernel<T>(q, true));
        var manyInfer = RnnThreads.With(threads, () => RunKernel<T>(q, false));
        Compare<T>(many, Reference(q, true), true);
        Compare<T>(manyInfer, Reference(q, false), false);
        Compare<T>(many, one, true);
    }

    [Theory]
    [MemberData(nameof(RnnThreads.BatchMajorShapes), MemberType = typeof(RnnThreads))]
    public void Lstm_BatchMajor_EqualsTimeMajorOnTransposedData(int t, int b, int i, int h, string lengths, int threads)
    {
        LstmConfig[] variants =
        [
            new(t, b, i, h),
            new(t, b, i, h) { UsePeepholes = true, ForgetBias = 0.5 },
            new(t, b, i, h) { CellClip = 0.6 },
            new(t, b, i, h) { NumProj = 3, ProjClip = 0.4, UsePeepholes = true, CellClip = 1.0 },
        ];
        foreach (var cfg in variants)
        {
            CheckBatchMajor<double>(cfg, lengths, threads);
            CheckBatchMajor<float>(cfg, lengths, threads);
        }
    }

    /// <summary>BatchMajor on (B, T, ·) data gives exactly the time-major results (same arithmetic), forward and backward.</summary>
    private static void CheckBatchMajor<T>(LstmConfig cfg, string lengths, int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var q = Make<T>(cfg, lengths, (cfg.Time * 43) + cfg.Units);
        int tt = cfg.Time, b = cfg.Batch, p = cfg.OutputSize;
        var bm = new Problem
        {
            Cfg = cfg with { BatchMajor = true }, Lengths = q.Lengths, Kernel = q.Kernel, Bias = q.Bias, Wi = q.Wi, Wf = q.Wf, Wo = q.Wo, Proj = q.Proj,
            X = ToBatchMajor(q.X, tt, b, cfg.InputSize), C0 = q.C0, H0 = q.H0, Dy = ToBatchMajor(q.Dy, tt, b, p), DcF = q.DcF, DhF = q.DhF,
        };
        foreach (bool training in new[] { false, true })
        {
            var e = RnnThreads.With(threads, () => RunKernel<T>(q, training));
            var a = RnnThreads.With(threads, () => RunKernel<T>(bm, training));
            Same(ToTimeMajor(a.Y, tt, b, p), e.Y, "y");
            Same(a.CF, e.CF, "cFinal");
            Same(a.HF, e.HF, "hFinal");
            Same(a.DKernel, e.DKernel, "dKernel");
            Same(a.DBias, e.DBias, "dBias");
            Same(a.DWi, e.DWi, "dw_i");
            Same(a.DWf, e.DWf, "dw_f");
            Same(a.DWo, e.DWo, "dw_o");
            Same(a.DProj, e.DProj, "dProjection");
            Same(ToTimeMajor(a.Dx, tt, b, cfg.InputSize), e.Dx, "dx");
            Same(a.Dc0, e.Dc0, "dc0");
            Same(a.Dh0, e.Dh0, "dh0");
        }
    }

    private static void Check<T>(LstmConfig cfg, string lengths)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var q = Make<T>(cfg, lengths, (cfg.Time * 31) + cfg.Units);
        Compare<T>(RunKernel<T>(q, false), Reference(q, false), false);
        Compare<T>(RunKernel<T>(q, true), Reference(q, true), true);
    }
}
