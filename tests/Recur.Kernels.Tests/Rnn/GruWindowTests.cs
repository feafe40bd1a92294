using Recur.Kernels.Rnn;

namespace Recur.Kernels.Tests.Rnn;

/// <summary>
/// <c>GruKernel.ForwardWindow</c>, <c>BackwardWindow</c> and <c>BackwardWeights</c> (issue 5, the layer wavefront in
/// training; ADR 0010, eleventh part): time windows over one whole-sequence workspace give the whole calls' outputs,
/// final state and gradients to float rounding — both variants (reset before and after), one row (the fused step),
/// several rows, 300 tokens or more (the joined input kernels), lengths ending inside and between windows and 0,
/// batch-major, an empty window, 1 and 2 threads, float and double.
/// </summary>
[Collection(nameof(GemmCollection))]
public class GruWindowTests
{
    private const int Time = 23;

    private static readonly int[][] Windows = [[0, 7], [7, 7], [7, 15], [15, 16], [16, Time]];

    [Theory]
    [InlineData(1, 5, 8, false, false, true, 1)]
    [InlineData(1, 12, 16, false, false, false, 1)]
    [InlineData(3, 300, 16, false, false, true, 1)]
    [InlineData(4, 9, 16, true, true, false, 1)]
    [InlineData(16, 20, 16, true, true, true, 2)]
    [InlineData(16, 20, 16, false, true, false, 2)]
    [InlineData(5, 6, 8, false, false, true, 2)]
    public void Windows_EqualWholeCalls_Float(int batch, int input, int units, bool batchMajor, bool lengths, bool resetAfter, int threads) =>
        Check(batch, input, units, batchMajor, lengths, resetAfter, threads, (double[] a) => a.Select(v => (float)v).ToArray(), 2e-5);

    [Theory]
    [InlineData(1, 7, 8, false, false, true, 1)]
    [InlineData(4, 9, 16, true, true, false, 2)]
    public void Windows_EqualWholeCalls_Double(int batch, int input, int units, bool batchMajor, bool lengths, bool resetAfter, int threads) =>
        Check(batch, input, units, batchMajor, lengths, resetAfter, threads, (double[] a) => a, 1e-13);

    private static void Check<T>(int batch, int input, int units, bool batchMajor, bool lengths, bool resetAfter, int threads, Func<double[], T[]> make, double tol)
        where T : unmanaged
    {
        var rng = new Random(batch * 100 + input + (resetAfter ? 7 : 0));
        double[] R(int n) => Enumerable.Range(0, n).Select(_ => (rng.NextDouble() - 0.5) * 0.8).ToArray();
        int h = units;
        var cfg = new GruConfig(Time, batch, input, units) { BatchMajor = batchMajor, ResetAfter = resetAfter };
        T[][] w = [make(R((input + h) * 2 * h)), make(R(2 * h)), make(R(input * h)), make(R(h * h)), make(R(h)), make(R(resetAfter ? h : 0))];
        T[] x = make(R(Time * batch * input)), h0 = make(R(batch * h)), dy = make(R(Time * batch * h)), dh = make(R(batch * h));
        int[] lens = lengths ? Enumerable.Range(0, batch).Select(r => r switch { 0 => Time, 1 => 0, 2 => 7, _ => 12 + r }).ToArray() : [];
        int saved = Gemm.MaxThreads;
        Gemm.MaxThreads = threads;
        try
        {
            var whole = Run(cfg, w, x, lens, h0, dy, dh, windowed: false);
            var windows = Run(cfg with { PackCache = new RnnPackCache() }, w, x, lens, h0, dy, dh, windowed: true);
            string[] names = ["y", "hFinal", "dx", "dh0", "dGateKernel", "dGateBias", "dCandidateInputKernel", "dCandidateHiddenKernel", "dCandidateBias", "dCandidateHiddenBias"];
            for (int q = 0; q < whole.Length; q++)
            {
                double[] e = whole[q].Select(v => Convert.ToDouble(v)).ToArray(), a = windows[q].Select(v => Convert.ToDouble(v)).ToArray();
                double scale = Math.Max(1, e.Select(Math.Abs).DefaultIfEmpty(0).Max());
                for (int j = 0; j < e.Length; j++) Assert.True(Math.Abs(e[j] - a[j]) <= tol * scale, $"{names[q]}[{j}]: whole {e[j]}, windows {a[j]}");
            }
            Assert.Contains(whole[4], v => Convert.ToDouble(v) != 0);
            Assert.Contains(whole[2], v => Convert.ToDouble(v) != 0);
        }
        finally
        {
            Gemm.MaxThreads = saved;
        }
    }

    private static T[][] Run<T>(GruConfig cfg, T[][] w, T[] x, int[] lens, T[] h0, T[] dy, T[] dh, bool windowed)
        where T : unmanaged
    {
        int b = cfg.Batch, h = cfg.Units;
        T[] y = new T[Time * b * h], hF = new T[b * h], ws = new T[GruKernel.WorkspaceSize(cfg, true)], dx = new T[x.Length], dh0 = new T[b * h];
        T[][] g = w.Select(a => new T[a.Length]).ToArray();
        T[] sc = new T[GruKernel.WindowScratchSize(cfg, Time)];
        if (typeof(T) == typeof(float))
        {
            var wf = new GruWeights<float> { GateKernel = F(w[0]), GateBias = F(w[1]), CandidateInputKernel = F(w[2]), CandidateHiddenKernel = F(w[3]), CandidateBias = F(w[4]), CandidateHiddenBias = F(w[5]) };
            var gf = new GruGradients<float> { GateKernel = F(g[0]), GateBias = F(g[1]), CandidateInputKernel = F(g[2]), CandidateHiddenKernel = F(g[3]), CandidateBias = F(g[4]), CandidateHiddenBias = F(g[5]) };
            if (!windowed)
            {
                GruKernel.Forward(cfg, wf, F(x), lens, F(h0), F(y), F(hF), F(ws), true);
                GruKernel.Backward(cfg, wf, F(x), lens, F(dy), F(dh), F(ws), F(dx), F(dh0), gf);
            }
            else
            {
                foreach (var win in Windows) GruKernel.ForwardWindow(cfg, wf, F(x), lens, F(h0), F(y), F(hF), F(ws), true, win[0], win[1]);
                foreach (var win in Windows.Reverse()) GruKernel.BackwardWindow(cfg, wf, F(x), lens, F(dy), F(dh), F(ws), F(dx), F(dh0), win[0], win[1], F(sc));
                GruKernel.BackwardWeights(cfg, F(x), F(ws), gf);
            }
        }
        else
        {
            var wd = new GruWeights<double> { GateKernel = D(w[0]), GateBias = D(w[1]), CandidateInputKernel = D(w[2]), CandidateHiddenKernel = D(w[3]), CandidateBias = D(w[4]), CandidateHiddenBias = D(w[5]) };
            var gd = new GruGradients<double> { GateKernel = D(g[0]), GateBias = D(g[1]), CandidateInputKernel = D(g[2]), CandidateHiddenKernel = D(g[3]), CandidateBias = D(g[4]), CandidateHiddenBias = D(g[5]) };
            if (!windowed)
            {
                GruKernel.Forward(cfg, wd, D(x), lens, D(h0), D(y), D(hF), D(ws), true);
                GruKernel.Backward(cfg, wd, D(x), lens, D(dy), D(dh), D(ws), D(dx), D(dh0), gd);
            }
            else
            {
                foreach (var win in Windows) GruKernel.ForwardWindow(cfg, wd, D(x), lens, D(h0), D(y), D(hF), D(ws), true, win[0], win[1]);
                foreach (var win in Windows.Reverse()) GruKernel.BackwardWindow(cfg, wd, D(x), lens, D(dy), D(dh), D(ws), D(dx), D(dh0), win[0], win[1], D(sc));
                GruKernel.BackwardWeights(cfg, D(x), D(ws), gd);
            }
        }
        return [y, hF, dx, dh0, .. g];
    }

    private static float[] F<T>(T[] a) => (float[])(object)a;

    private static double[] D<T>(T[] a) => (double[])(object)a;
}
