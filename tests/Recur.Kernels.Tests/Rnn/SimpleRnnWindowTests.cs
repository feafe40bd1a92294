using Recur.Kernels.Rnn;

namespace Recur.Kernels.Tests.Rnn;

/// <summary>
/// <c>SimpleRnnKernel.ForwardWindow</c>, <c>BackwardWindow</c> and <c>BackwardWeights</c> (issue 5, the layer wavefront in
/// training; ADR 0010, eleventh part): time windows over one whole-sequence workspace give the whole calls' outputs,
/// final state and gradients to float rounding — one row (the fused step), several rows, tanh and relu, lengths ending
/// inside and between windows and 0, batch-major, an empty window, 1 and 2 threads, float and double; a window out of
/// order and a missing cache are refused.
/// </summary>
[Collection(nameof(GemmCollection))]
public class SimpleRnnWindowTests
{
    private const int Time = 23;

    private static readonly int[][] Windows = [[0, 7], [7, 7], [7, 15], [15, 16], [16, Time]];

    [Theory]
    [InlineData(1, 5, 8, false, false, true, 1)]
    [InlineData(3, 300, 16, false, false, true, 1)]
    [InlineData(4, 9, 16, true, true, true, 1)]
    [InlineData(4, 9, 16, false, true, false, 1)]
    [InlineData(16, 20, 16, true, true, true, 2)]
    [InlineData(5, 6, 8, false, false, false, 2)]
    public void Windows_EqualWholeCalls_Float(int batch, int input, int units, bool batchMajor, bool lengths, bool tanh, int threads) =>
        Check(batch, input, units, batchMajor, lengths, tanh, threads, (double[] a) => a.Select(v => (float)v).ToArray(), 2e-5);

    [Theory]
    [InlineData(1, 7, 8, false, false, true, 1)]
    [InlineData(4, 9, 16, true, true, false, 2)]
    public void Windows_EqualWholeCalls_Double(int batch, int input, int units, bool batchMajor, bool lengths, bool tanh, int threads) =>
        Check(batch, input, units, batchMajor, lengths, tanh, threads, (double[] a) => a, 1e-13);

    private static void Check<T>(int batch, int input, int units, bool batchMajor, bool lengths, bool tanh, int threads, Func<double[], T[]> make, double tol)
        where T : unmanaged
    {
        var rng = new Random(batch * 100 + input);
        double[] R(int n) => Enumerable.Range(0, n).Select(_ => (rng.NextDouble() - 0.5) * 0.8).ToArray();
        var cfg = new SimpleRnnConfig(Time, batch, input, units) { BatchMajor = batchMajor, Activation = tanh ? RnnActivation.Tanh : RnnActivation.Relu };
        T[] kernel = make(R((input + units) * units)), bias = make(R(units)), x = make(R(Time * batch * input)), h0 = make(R(batch * units));
        T[] dy = make(R(Time * batch * units)), dh = make(R(batch * units));
        int[] lens = lengths ? Enumerable.Range(0, batch).Select(r => r switch { 0 => Time, 1 => 0, 2 => 7, _ => 12 + r }).ToArray() : [];
        int saved = Gemm.MaxThreads;
        Gemm.MaxThreads = threads;
        try
        {
            var whole = Run(cfg, kernel, bias, x, lens, h0, dy, dh, windowed: false);
            var windows = Run(cfg with { PackCache = new RnnPackCache() }, kernel, bias, x, lens, h0, dy, dh, windowed: true);
            string[] names = ["y", "hFinal", "dx", "dh0", "dKernel", "dBias"];
            for (int q = 0; q < whole.Length; q++)
            {
                double[] e = whole[q].Select(v => Convert.ToDouble(v)).ToArray(), a = windows[q].Select(v => Convert.ToDouble(v)).ToArray();
                double scale = Math.Max(1, e.Select(Math.Abs).DefaultIfEmpty(0).Max());
                for (int j = 0; j < e.Length; j++) Assert.True(Math.Abs(e[j] - a[j]) <= tol * scale, $"{names[q]}[{j}]: whole {e[j]}, windows {a[j]}");
            }
            Assert.Contains(whole[4], v => Convert.ToDouble(v) != 0);
        }
        finally
        {
            Gemm.MaxThreads = saved;
        }
    }

    private static T[][] Run<T>(SimpleRnnConfig cfg, T[] kernel, T[] bias, T[] x, int[] lens, T[] h0, T[] dy, T[] dh, bool windowed)
        where T : unmanaged
    {
        int b = cfg.Batch, i = cfg.InputSize, h = cfg.Units;
        T[] y = new T[Time * b * h], hF = new T[b * h], ws = new T[SimpleRnnKernel.WorkspaceSize(cfg, true)], dx = new T[x.Length], dh0 = new T[b * h];
        T[] dk = new T[kernel.Length], db = new T[h], sc = new T[SimpleRnnKernel.WindowScratchSize(cfg, Time)];
        if (typeof(T) == typeof(float))
        {
            var (k, bi, xx, hh, yy, hf, w, ddy, ddh, ddx, d0, ddk, ddb, s) = (F(kernel), F(bias), F(x), F(h0), F(y), F(hF), F(ws), F(dy), F(dh), F(dx), F(dh0), F(dk), F(db), F(sc));
            if (!windowed)
            {
                SimpleRnnKernel.Forward(cfg, k, bi, xx, lens, hh, yy, hf, w, true);
                SimpleRnnKernel.Backward(cfg, k, xx, lens, ddy, ddh, w, ddx, d0, ddk, ddb);
            }
            else
            {
                foreach (var win in Windows) SimpleRnnKernel.ForwardWindow(cfg, k, bi, xx, lens, hh, yy, hf, w, true, win[0], win[1]);
                foreach (var win in Windows.Reverse()) SimpleRnnKernel.BackwardWindow(cfg, k, xx, lens, ddy, ddh, w, ddx, d0, win[0], win[1], s);
                SimpleRnnKernel.BackwardWeights(cfg, xx, w, ddk, ddb);
            }
        }
        else
        {
            var (k, bi, xx, hh, yy, hf, w, ddy, ddh, ddx, d0, ddk, ddb, s) = (D(kernel), D(bias), D(x), D(h0), D(y), D(hF), D(ws), D(dy), D(dh), D(dx), D(dh0), D(dk), D(db), D(sc));
            if (!windowed)
            {
                SimpleRnnKernel.Forward(cfg, k, bi, xx, lens, hh, yy, hf, w, true);
                SimpleRnnKernel.Backward(cfg, k, xx, lens, ddy, ddh, w, ddx, d0, ddk, ddb);
            }
            else
            {
                foreach (var win in Windows) SimpleRnnKernel.ForwardWindow(cfg, k, bi, xx, lens, hh, yy, hf, w, true, win[0], win[1]);
                foreach (var win in Windows.Reverse()) SimpleRnnKernel.BackwardWindow(cfg, k, xx, lens, ddy, ddh, w, ddx, d0, win[0], win[1], s);
                SimpleRnnKernel.BackwardWeights(cfg, xx, w, ddk, ddb);
            }
        }
        return [y, hF, dx, dh0, dk, db];
    }

    private static float[] F<T>(T[] a) => (float[])(object)a;

    private static double[] D<T>(T[] a) => (double[])(object)a;

    [Fact]
    public void Windows_OutOfOrder_OrWithoutCache_AreRefused()
    {
        var cfg = new SimpleRnnConfig(Time, 2, 3, 4);
        float[] k = new float[7 * 4], b = new float[4], x = new float[Time * 2 * 3], y = new float[Time * 2 * 4], ws = new float[SimpleRnnKernel.WorkspaceSize(cfg, true)];
        var e = Assert.Throws<ArgumentException>(() => SimpleRnnKernel.ForwardWindow(cfg, k, b, x, default, default, y, default, ws, true, 0, 5));
        Assert.Contains("PackCache", e.Message);
        var cached = cfg with { PackCache = new RnnPackCache() };
        SimpleRnnKernel.ForwardWindow(cached, k, b, x, default, default, y, default, ws, true, 0, 5);
        e = Assert.Throws<ArgumentException>(() => SimpleRnnKernel.ForwardWindow(cached, k, b, x, default, default, y, default, ws, true, 6, Time));
        Assert.Contains("expected a window starting at step 5", e.Message);
        e = Assert.Throws<ArgumentException>(() => SimpleRnnKernel.BackwardWeights(cached, x, ws, new float[7 * 4], new float[4]));
        Assert.Contains("no backward window has run", e.Message);
    }
}
