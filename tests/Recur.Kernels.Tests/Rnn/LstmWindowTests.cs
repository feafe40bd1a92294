using System.Numerics;
using Recur.Kernels.Rnn;

namespace Recur.Kernels.Tests.Rnn;

/// <summary>
/// <see cref="LstmKernel.ForwardWindow(in LstmConfig, LstmWeights{float}, ReadOnlySpan{float}, ReadOnlySpan{int}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float}, Span{float}, bool, int, int)"/>,
/// <c>BackwardWindow</c> and <c>BackwardWeights</c> (issue 5, the layer wavefront in training; ADR 0010, eleventh part):
/// a sequence run in time windows over one whole-sequence workspace — forward first to last, backward last to first,
/// the weight gradients once at the end — gives what one <c>Forward</c> and one <c>Backward</c> call give, to float rounding:
/// one row (the fused one-row step), several rows, lengths ending inside and between windows and a length-0 row,
/// batch-major, an empty window, peepholes with clips and a projection, float and double, on one thread and on the
/// pool. Windows out of order, a missing cache and a short scratch are refused with the argument named.
/// </summary>
[Collection(nameof(GemmCollection))]
public class LstmWindowTests
{
    private const int Time = 23;

    private static readonly int[][] Windows = [[0, 7], [7, 7], [7, 15], [15, 16], [16, Time]];

    private static T[] Rand<T>(Random rng, int n)
        where T : IFloatingPointIeee754<T> =>
        Enumerable.Range(0, n).Select(_ => T.CreateTruncating((rng.NextDouble() - 0.5) * 0.8)).ToArray();

    private sealed record Case<T>(LstmConfig Cfg, T[] Kernel, T[] Bias, T[] Wi, T[] Wf, T[] Wo, T[] Proj, T[] X, int[] Lengths, T[] C0, T[] H0, T[] Dy, T[] Dc, T[] Dh)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public LstmWeights<T> Weights => new() { Kernel = Kernel, Bias = Bias, PeepholeInput = Wi, PeepholeForget = Wf, PeepholeOutput = Wo, Projection = Proj };
    }

    private static Case<T> Make<T>(int batch, int input, int units, bool batchMajor, bool lengths, bool extras)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Random(batch * 1000 + input * 10 + units);
        int p = extras ? units - 3 : units;
        var cfg = new LstmConfig(Time, batch, input, units)
        {
            BatchMajor = batchMajor, UsePeepholes = extras, CellClip = extras ? 0.9 : null, NumProj = extras ? p : 0, ProjClip = extras ? 0.7 : null,
        };
        int peep = extras ? units : 0;
        int[] lens = lengths ? Enumerable.Range(0, batch).Select(r => r switch { 0 => Time, 1 => 0, 2 => 7, _ => 12 + r }).ToArray() : [];
        return new Case<T>(cfg, Rand<T>(rng, (input + p) * 4 * units), Rand<T>(rng, 4 * units), Rand<T>(rng, peep), Rand<T>(rng, peep), Rand<T>(rng, peep),
            Rand<T>(rng, extras ? units * p : 0), Rand<T>(rng, Time * batch * input), lens, Rand<T>(rng, batch * units), Rand<T>(rng, batch * p),
            Rand<T>(rng, Time * batch * p), Rand<T>(rng, batch * units), Rand<T>(rng, batch * p));
    }

    /// <summary>Forward, backward and the weight gradients: whole calls, or the windows; every result in one list.</summary>
    private static List<T[]> Run<T>(Case<T> k, bool windowed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var cfg = windowed ? k.Cfg with { PackCache = new RnnPackCache() } : k.Cfg;
        int b = cfg.Batch, i = cfg.InputSize, h = cfg.Units, p = cfg.OutputSize;
        var y = new T[Time * b * p];
        var cF = new T[b * h];
        var hF = new T[b * p];
        var ws = new T[LstmKernel.WorkspaceSize(cfg, training: true)];
        var dx = new T[Time * b * i];
        var dc0 = new T[b * h];
        var dh0 = new T[b * p];
        int peep = cfg.UsePeepholes ? h : 0;
        var grads = new[] { new T[k.Kernel.Length], new T[4 * h], new T[peep], new T[peep], new T[peep], new T[k.Proj.Length] };
        var g = new LstmGradients<T> { Kernel = grads[0], Bias = grads[1], PeepholeInput = grads[2], PeepholeForget = grads[3], PeepholeOutput = grads[4], Projection = grads[5] };
        if (!windowed)
        {
            LstmCore<T>.Forward(cfg, k.Weights, k.X, k.Lengths, k.C0, k.H0, y, cF, hF, ws, training: true);
            LstmCore<T>.Backward(cfg, k.Weights, k.X, k.Lengths, k.Dy, k.Dc, k.Dh, ws, dx, dc0, dh0, g);
        }
        else
        {
            var scratch = new T[LstmKernel.WindowScratchSize(cfg, Time)];
            foreach (var w in Windows) Forward(cfg, k, y, cF, hF, ws, w[0], w[1]);
            foreach (var w in Windows.Reverse()) Backward(cfg, k, ws, dx, dc0, dh0, w[0], w[1], scratch);
            Weights(cfg, ws, grads);
        }
        return [y, cF, hF, dx, dc0, dh0, .. grads];
    }

    private static void Forward<T>(LstmConfig cfg, Case<T> k, T[] y, T[] cF, T[] hF, T[] ws, int start, int end)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            LstmKernel.ForwardWindow(cfg, F(k), F(k.X), k.Lengths, F(k.C0), F(k.H0), F(y), F(cF), F(hF), F(ws), true, start, end);
        }
        else
        {
            LstmKernel.ForwardWindow(cfg, D(k), D(k.X), k.Lengths, D(k.C0), D(k.H0), D(y), D(cF), D(hF), D(ws), true, start, end);
        }
    }

    private static void Backward<T>(LstmConfig cfg, Case<T> k, T[] ws, T[] dx, T[] dc0, T[] dh0, int start, int end, T[] scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            LstmKernel.BackwardWindow(cfg, F(k), F(k.X), k.Lengths, F(k.Dy), F(k.Dc), F(k.Dh), F(ws), F(dx), F(dc0), F(dh0), start, end, F(scratch));
        }
        else
        {
            LstmKernel.BackwardWindow(cfg, D(k), D(k.X), k.Lengths, D(k.Dy), D(k.Dc), D(k.Dh), D(ws), D(dx), D(dc0), D(dh0), start, end, D(scratch));
        }
    }

    private static void Weights<T>(LstmConfig cfg, T[] ws, T[][] g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            LstmKernel.BackwardWeights(cfg, F(ws), new LstmGradients<float>
            {
                Kernel = F(g[0]), Bias = F(g[1]), PeepholeInput = F(g[2]), PeepholeForget = F(g[3]), PeepholeOutput = F(g[4]), Projection = F(g[5]),
            });
        }
        else
        {
            LstmKernel.BackwardWeights(cfg, D(ws), new LstmGradients<double>
            {
                Kernel = D(g[0]), Bias = D(g[1]), PeepholeInput = D(g[2]), PeepholeForget = D(g[3]), PeepholeOutput = D(g[4]), Projection = D(g[5]),
            });
        }
    }

    private static float[] F<T>(T[] a) => (float[])(object)a;

    private static double[] D<T>(T[] a) => (double[])(object)a;

    private static LstmWeights<float> F<T>(Case<T> k)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        new() { Kernel = F(k.Kernel), Bias = F(k.Bias), PeepholeInput = F(k.Wi), PeepholeForget = F(k.Wf), PeepholeOutput = F(k.Wo), Projection = F(k.Proj) };

    private static LstmWeights<double> D<T>(Case<T> k)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        new() { Kernel = D(k.Kernel), Bias = D(k.Bias), PeepholeInput = D(k.Wi), PeepholeForget = D(k.Wf), PeepholeOutput = D(k.Wo), Projection = D(k.Proj) };

    [Theory]
    [InlineData(1, 5, 8, false, false, false, 1)]
    [InlineData(1, 300, 24, true, false, false, 1)]
    [InlineData(3, 5, 8, false, false, false, 1)]
    [InlineData(4, 300, 16, false, true, false, 1)]
    [InlineData(4, 9, 16, true, true, false, 1)]
    [InlineData(3, 6, 8, false, true, true, 1)]
    [InlineData(16, 20, 16, true, true, false, 2)]
    [InlineData(1, 12, 16, false, false, false, 2)]
    public void Windows_EqualWholeCalls_Float(int batch, int input, int units, bool batchMajor, bool lengths, bool extras, int threads) =>
        Windows_EqualWholeCalls<float>(batch, input, units, batchMajor, lengths, extras, threads);

    [Theory]
    [InlineData(1, 7, 8, false, false, false, 1)]
    [InlineData(4, 9, 16, true, true, true, 1)]
    [InlineData(5, 9, 16, false, true, false, 2)]
    public void Windows_EqualWholeCalls_Double(int batch, int input, int units, bool batchMajor, bool lengths, bool extras, int threads) =>
        Windows_EqualWholeCalls<double>(batch, input, units, batchMajor, lengths, extras, threads);

    private static void Windows_EqualWholeCalls<T>(int batch, int input, int units, bool batchMajor, bool lengths, bool extras, int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int saved = Gemm.MaxThreads;
        Gemm.MaxThreads = threads;
        try
        {
            var k = Make<T>(batch, input, units, batchMajor, lengths, extras);
            var expected = Run(k, windowed: false);
            var actual = Run(k, windowed: true);
            string[] names = ["y", "cFinal", "hFinal", "dx", "dc0", "dh0", "dKernel", "dBias", "dPeepholeInput", "dPeepholeForget", "dPeepholeOutput", "dProjection"];
            // The window's products have fewer rows than the whole call's (one row: a GEMV), which may sum in another
            // order: equal to float rounding.
            double tol = typeof(T) == typeof(float) ? 2e-5 : 1e-13;
            for (int q = 0; q < expected.Count; q++)
            {
                Assert.Equal(expected[q].Length, actual[q].Length);
                double scale = expected[q].Length == 0 ? 1 : Math.Max(1, expected[q].Max(v => Math.Abs(double.CreateTruncating(v))));
                for (int j = 0; j < expected[q].Length; j++)
                {
                    double d = Math.Abs(double.CreateTruncating(expected[q][j]) - double.CreateTruncating(actual[q][j]));
                    Assert.True(d <= tol * scale, $"{names[q]}[{j}]: whole {expected[q][j]}, windows {actual[q][j]} (difference {d:E2})");
                }
            }
            Assert.Contains(expected[6], v => v != T.Zero);
            Assert.Contains(expected[3], v => v != T.Zero);
        }
        finally
        {
            Gemm.MaxThreads = saved;
        }
    }

    /// <summary>Inference windows (nothing saved; dense time-major inference steps in y) equal the whole inference call.</summary>
    [Theory]
    [InlineData(1, false, false)]
    [InlineData(3, false, false)]
    [InlineData(3, true, true)]
    [InlineData(12, false, true)]
    public void InferenceWindows_EqualWholeCall(int batch, bool batchMajor, bool lengths)
    {
        var k = Make<float>(batch, 6, 16, batchMajor, lengths, extras: false);
        var cfg = k.Cfg with { PackCache = new RnnPackCache() };
        int b = batch, h = 16;
        float[] y1 = new float[Time * b * h], c1 = new float[b * h], h1 = new float[b * h], y2 = new float[Time * b * h], c2 = new float[b * h], h2 = new float[b * h];
        float[] ws = new float[LstmKernel.WorkspaceSize(k.Cfg, false)];
        LstmKernel.Forward(k.Cfg, k.Weights, k.X, k.Lengths, k.C0, k.H0, y1, c1, h1, ws, false);
        Array.Clear(ws);
        foreach (var w in Windows) LstmKernel.ForwardWindow(cfg, k.Weights, k.X, k.Lengths, k.C0, k.H0, y2, c2, h2, ws, false, w[0], w[1]);
        foreach (var (e, a) in new[] { (y1, y2), (c1, c2), (h1, h2) })
        {
            for (int j = 0; j < e.Length; j++) Assert.True(Math.Abs(e[j] - a[j]) <= 2e-5f, $"[{j}]: whole {e[j]}, windows {a[j]}");
        }
        Assert.Contains(y1, v => v != 0f);
    }

    [Fact]
    public void Windows_OutOfOrder_MissingCache_ShortScratch_AreRefused()
    {
        var k = Make<float>(3, 5, 8, batchMajor: true, lengths: false, extras: false);
        var cfg = k.Cfg with { PackCache = new RnnPackCache() };
        int b = 3, i = 5, h = 8;
        float[] y = new float[Time * b * h], ws = new float[LstmKernel.WorkspaceSize(cfg, true)], dx = new float[Time * b * i], sc = new float[LstmKernel.WindowScratchSize(cfg, Time)];
        float[][] g = [new float[k.Kernel.Length], new float[4 * h], [], [], [], []];

        var e = Assert.Throws<ArgumentException>(() => LstmKernel.ForwardWindow(k.Cfg, k.Weights, k.X, default, default, default, y, default, default, ws, true, 0, 5));
        Assert.Contains("PackCache", e.Message);
        e = Assert.Throws<ArgumentException>(() => LstmKernel.ForwardWindow(cfg, k.Weights, k.X, default, default, default, y, default, default, ws, true, 3, 5));
        Assert.Contains("expected a window starting at step 0", e.Message);
        e = Assert.Throws<ArgumentException>(() => LstmKernel.ForwardWindow(cfg, k.Weights, k.X, default, default, default, y, default, default, ws, true, 5, Time + 1));
        Assert.Contains("within the 23 steps", e.Message);

        LstmKernel.ForwardWindow(cfg, k.Weights, k.X, default, default, default, y, default, default, ws, true, 0, 10);
        e = Assert.Throws<ArgumentException>(() => LstmKernel.ForwardWindow(cfg, k.Weights, k.X, default, default, default, y, default, default, ws, true, 12, Time));
        Assert.Contains("starting at step 10", e.Message);
        e = Assert.Throws<ArgumentException>(() => LstmKernel.BackwardWindow(cfg, k.Weights, k.X, default, default, default, default, ws, dx, default, default, 0, 10, sc));
        Assert.Contains("from the window ending at step 23", e.Message);

        LstmKernel.ForwardWindow(cfg, k.Weights, k.X, default, default, default, y, default, default, ws, true, 10, Time);
        e = Assert.Throws<ArgumentException>(() => LstmKernel.BackwardWindow(cfg, k.Weights, k.X, default, k.Dy, default, default, ws, dx, default, default, 10, Time, sc.AsSpan(0, 5)));
        Assert.Equal("dxScratch", e.ParamName);
        LstmKernel.BackwardWindow(cfg, k.Weights, k.X, default, k.Dy, default, default, ws, dx, default, default, 10, Time, sc);
        e = Assert.Throws<ArgumentException>(() => LstmKernel.BackwardWindow(cfg, k.Weights, k.X, default, k.Dy, default, default, ws, dx, default, default, 0, 5, sc));
        Assert.Contains("expected a window ending at step 10", e.Message);
        e = Assert.Throws<ArgumentException>(() => Weights(cfg, ws, g));
        Assert.Contains("stopped at step 10", e.Message);
        LstmKernel.BackwardWindow(cfg, k.Weights, k.X, default, k.Dy, default, default, ws, dx, default, default, 0, 10, sc);
        Weights(cfg, ws, g);
        Assert.Contains(g[0], v => v != 0f);
    }
}
