using System.Numerics;
using Recur.Kernels.Rnn;
using static Recur.Kernels.Tests.Rnn.RnnTest;

namespace Recur.Kernels.Tests.Rnn;

[Collection(nameof(GemmCollection))]
public sealed class SimpleRnnKernelTests
{
    private sealed record Problem(SimpleRnnConfig Cfg, int[] Lengths, double[] K, double[] Bias, double[] X, double[] H0, double[] Dy, double[] DhF);

    private sealed record Result(double[] Y, double[] HF, double[] DK, double[] DB, double[] Dx, double[] Dh0);

    private static Problem Make<T>(SimpleRnnConfig c, string lengths, int seed)
        where T : INumberBase<T> => new(
            c, Lengths(lengths), Rand<T>((c.InputSize + c.Units) * c.Units, seed, -0.7, 0.7), Rand<T>(c.Units, seed + 1, -0.3, 0.3),
            Rand<T>(c.Time * c.Batch * c.InputSize, seed + 2, -1.5, 1.5), Rand<T>(c.Batch * c.Units, seed + 3),
            Rand<T>(c.Time * c.Batch * c.Units, seed + 4), Rand<T>(c.Batch * c.Units, seed + 5));

    /// <summary>h_t = act([x_t, h_{t-1}]·kernel + bias) per row and step in double, with hand-written BPTT.</summary>
    private static Result Reference(Problem q, bool backward)
    {
        var c = q.Cfg;
        int T = c.Time, B = c.Batch, I = c.InputSize, H = c.Units;
        bool tanh = c.Activation == RnnActivation.Tanh;
        var y = new double[T * B * H];
        var hf = new double[B * H];
        double[] dk = new double[q.K.Length], db = new double[H], dx = new double[q.X.Length], dh0 = new double[B * H];
        for (int b = 0; b < B; b++)
        {
            int len = Len(q.Lengths, b, T);
            var hs = new double[len + 1][];
            hs[0] = q.H0.Skip(b * H).Take(H).ToArray();
            for (int t = 0; t < len; t++)
            {
                hs[t + 1] = new double[H];
                for (int e = 0; e < H; e++)
                {
                    double s = q.Bias[e];
                    for (int k = 0; k < I; k++)
                    {
                        s += q.X[(((t * B) + b) * I) + k] * q.K[(k * H) + e];
                    }

                    for (int k = 0; k < H; k++)
                    {
                        s += hs[t][k] * q.K[((I + k) * H) + e];
                    }

                    hs[t + 1][e] = tanh ? Math.Tanh(s) : Math.Max(s, 0);
                }

                Array.Copy(hs[t + 1], 0, y, ((t * B) + b) * H, H);
            }

            Array.Copy(hs[len], 0, hf, b * H, H);
            if (!backward)
            {
                continue;
            }

            var dh = q.DhF.Skip(b * H).Take(H).ToArray();
            for (int t = len - 1; t >= 0; t--)
            {
                var dz = new double[H];
                for (int e = 0; e < H; e++)
                {
                    double v = hs[t + 1][e], d = dh[e] + q.Dy[(((t * B) + b) * H) + e];
                    dz[e] = tanh ? d * (1 - (v * v)) : v > 0 ? d : 0;
                    db[e] += dz[e];
                }

                for (int k = 0; k < I; k++)
                {
                    double s = 0, xv = q.X[(((t * B) + b) * I) + k];
                    for (int e = 0; e < H; e++)
                    {
                        dk[(k * H) + e] += xv * dz[e];
                        s += q.K[(k * H) + e] * dz[e];
                    }

                    dx[(((t * B) + b) * I) + k] = s;
                }

                var dn = new double[H];
                for (int k = 0; k < H; k++)
                {
                    for (int e = 0; e < H; e++)
                    {
                        dk[((I + k) * H) + e] += hs[t][k] * dz[e];
                        dn[k] += q.K[((I + k) * H) + e] * dz[e];
                    }
                }

                dh = dn;
            }

            Array.Copy(dh, 0, dh0, b * H, H);
        }

        return new Result(y, hf, dk, db, dx, dh0);
    }

    private static Result RunKernel<T>(Problem q)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var c = q.Cfg;
        T[] k = Cast<T>(q.K), bias = Cast<T>(q.Bias), x = Cast<T>(q.X), h0 = Cast<T>(q.H0), dy = Cast<T>(q.Dy), dhf = Cast<T>(q.DhF);
        T[] y = new T[c.Time * c.Batch * c.Units], hf = new T[c.Batch * c.Units], ws = new T[SimpleRnnKernel.WorkspaceSize(c, true)];
        T[] wsInfer = new T[SimpleRnnKernel.WorkspaceSize(c, false)], yInfer = new T[y.Length];
        T[] dk = new T[k.Length], db = new T[bias.Length], dx = new T[x.Length], dh0 = new T[h0.Length];
        ws.AsSpan().Fill(T.CreateTruncating(12345.0));
        dk.AsSpan().Fill(T.One);
        dx.AsSpan().Fill(T.One);
        if (typeof(T) == typeof(float))
        {
            SimpleRnnKernel.Forward(c, F(k), F(bias), F(x), q.Lengths, F(h0), F(yInfer), default, F(wsInfer), false);
            SimpleRnnKernel.Forward(c, F(k), F(bias), F(x), q.Lengths, F(h0), F(y), F(hf), F(ws), true);
            SimpleRnnKernel.Backward(c, F(k), F(x), q.Lengths, F(dy), F(dhf), F(ws), F(dx), F(dh0), F(dk), F(db));
        }
        else
        {
            SimpleRnnKernel.Forward(c, Dd(k), Dd(bias), Dd(x), q.Lengths, Dd(h0), Dd(yInfer), default, Dd(wsInfer), false);
            SimpleRnnKernel.Forward(c, Dd(k), Dd(bias), Dd(x), q.Lengths, Dd(h0), Dd(y), Dd(hf), Dd(ws), true);
            SimpleRnnKernel.Backward(c, Dd(k), Dd(x), q.Lengths, Dd(dy), Dd(dhf), Dd(ws), Dd(dx), Dd(dh0), Dd(dk), Dd(db));
        }

        Assert.Equal(D(y), D(yInfer)); // inference and training forward agree exactly
        return new Result(D(y), D(hf), D(dk), D(db), D(dx), D(dh0));
    }

    private static float[] F<T>(T[] a) => (float[])(object)a;

    private static double[] Dd<T>(T[] a) => (double[])(object)a;

    private static void Compare(Result a, Result e, double tol)
    {
        Close(a.Y, e.Y, tol, "y");
        Close(a.HF, e.HF, tol, "hFinal");
        Close(a.DK, e.DK, tol, "dKernel");
        Close(a.DB, e.DB, tol, "dBias");
        Close(a.Dx, e.Dx, tol, "dx");
        Close(a.Dh0, e.Dh0, tol, "dh0");
    }

    public static TheoryData<int, int, int, int, string, RnnActivation> Shapes
    {
        get
        {
            var d = new TheoryData<int, int, int, int, string, RnnActivation>();
            foreach (var act in new[] { RnnActivation.Tanh, RnnActivation.Relu })
            {
                d.Add(1, 1, 1, 1, "", act);
                d.Add(5, 1, 3, 4, "", act);
                d.Add(5, 1, 3, 4, "2", act);
                d.Add(6, 3, 5, 7, "", act);
                d.Add(7, 5, 3, 6, "7,0,3,12,5", act);
                d.Add(4, 6, 9, 17, "2,4,4,1,0,3", act);
                d.Add(3, 4, 2, 8, "0,0,0,0", act);
                d.Add(0, 2, 3, 4, "", act);
                d.Add(6, 3, 4, 17, "6,2,1", act);
                d.Add(4, 1, 5, 24, "", act);
            }

            return d;
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SimpleRnn_MatchesReference_Double(int t, int b, int i, int h, string lengths, RnnActivation act)
    {
        var q = Make<double>(new SimpleRnnConfig(t, b, i, h, act), lengths, (t * 13) + h);
        Compare(RunKernel<double>(q), Reference(q, true), 1e-12);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SimpleRnn_MatchesReference_Float(int t, int b, int i, int h, string lengths, RnnActivation act)
    {
        var q = Make<float>(new SimpleRnnConfig(t, b, i, h, act), lengths, (t * 13) + h);
        Compare(RunKernel<float>(q), Reference(q, true), 1e-5);
    }

    [Theory]
    [MemberData(nameof(RnnThreads.Shapes), MemberType = typeof(RnnThreads))]
    public void SimpleRnn_RowThreads_MatchReferenceAndOneThread(int t, int b, int i, int h, string lengths, int threads)
    {
        foreach (var act in new[] { RnnActivation.Tanh, RnnActivation.Relu })
        {
            var qd = Make<double>(new SimpleRnnConfig(t, b, i, h, act), lengths, (t * 19) + h);
            var manyD = RnnThreads.With(threads, () => RunKernel<double>(qd));
            Compare(manyD, Reference(qd, true), 1e-12);
            Compare(manyD, RnnThreads.With(1, () => RunKernel<double>(qd)), 1e-12);
            var qf = Make<float>(new SimpleRnnConfig(t, b, i, h, act), lengths, (t * 19) + h);
            var manyF = RnnThreads.With(threads, () => RunKernel<float>(qf));
            Compare(manyF, Reference(qf, true), 1e-5);
            Compare(manyF, RnnThreads.With(1, () => RunKernel<float>(qf)), 1e-5);
        }
    }

    [Theory]
    [MemberData(nameof(RnnThreads.BatchMajorShapes), MemberType = typeof(RnnThreads))]
    public void SimpleRnn_BatchMajor_EqualsTimeMajorOnTransposedData(int t, int b, int i, int h, string lengths, int threads)
    {
        foreach (var act in new[] { RnnActivation.Tanh, RnnActivation.Relu })
        {
            CheckBatchMajor<double>(new SimpleRnnConfig(t, b, i, h, act), lengths, threads);
            CheckBatchMajor<float>(new SimpleRnnConfig(t, b, i, h, act), lengths, threads);
        }
    }

    /// <summary>BatchMajor on (B, T, ·) data gives exactly the time-major results (same arithmetic), forward (training and inference) and backward.</summary>
    private static void CheckBatchMajor<T>(SimpleRnnConfig cfg, string lengths, int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var q = Make<T>(cfg, lengths, (cfg.Time * 53) + cfg.Units);
        int tt = cfg.Time, b = cfg.Batch, h = cfg.Units;
        var bm = q with { Cfg = cfg with { BatchMajor = true }, X = ToBatchMajor(q.X, tt, b, cfg.InputSize), Dy = ToBatchMajor(q.Dy, tt, b, h) };
        var e = RnnThreads.With(threads, () => RunKernel<T>(q));
        var a = RnnThreads.With(threads, () => RunKernel<T>(bm));
        Same(ToTimeMajor(a.Y, tt, b, h), e.Y, "y");
        Same(a.HF, e.HF, "hFinal");
        Same(a.DK, e.DK, "dKernel");
        Same(a.DB, e.DB, "dBias");
        Same(ToTimeMajor(a.Dx, tt, b, cfg.InputSize), e.Dx, "dx");
        Same(a.Dh0, e.Dh0, "dh0");
    }

    [Theory]
    [InlineData(RnnActivation.Tanh)]
    [InlineData(RnnActivation.Relu)]
    public void SimpleRnn_Backward_MatchesFiniteDifferences(RnnActivation act)
    {
        var q = Make<double>(new SimpleRnnConfig(3, 3, 2, 3, act), "3,1,0", 5);
        var got = RunKernel<double>(q);
        double Loss()
        {
            var r = Reference(q, false);
            return Dot(r.Y, q.Dy) + Dot(r.HF, q.DhF);
        }

        const double Tol = 1e-7;
        Close(got.DK, FiniteDifference(q.K, Loss), Tol, "dKernel");
        Close(got.DB, FiniteDifference(q.Bias, Loss), Tol, "dBias");
        Close(got.Dx, FiniteDifference(q.X, Loss), Tol, "dx");
        Close(got.Dh0, FiniteDifference(q.H0, Loss), Tol, "dh0");
    }
}
