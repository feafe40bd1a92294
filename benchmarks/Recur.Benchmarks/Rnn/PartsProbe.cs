using Recur.Benchmarks.Gemm;
using Recur.Kernels;
using Recur.Kernels.Rnn;

namespace Recur.Benchmarks.Rnn;

/// <summary>
/// Diagnostic: where one LSTM forward call's time goes on one thread (thread CPU time): the input-projection GEMM,
/// the T recurrent GEMMs on pre-packed Wh, the T·B cell passes, and the whole kernel. <c>rnn-parts [B T I H]</c>.
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
        var cfg = new LstmConfig(t, b, i, h);
        float[] ws = new float[LstmKernel.WorkspaceSize(cfg, false)];
        float[] y = new float[t * b * h], cf = new float[b * h], hf = new float[b * h];

        double flopsX = 2.0 * t * b * i * gh, flopsH = 2.0 * t * b * h * gh;
        var parts = new (string Name, double Flops, Action Act)[]
        {
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
        };

        Console.WriteLine($"LSTM B={b} T={t} I={i} H={h}, 1 thread, ms by thread CPU time (median of 15 rounds)");
        foreach (var (name, flops, act) in parts)
        {
            var v = new List<double>();
            for (int r = 0; r < 15; r++)
            {
                v.Add(Round(act));
            }

            v.Sort();
            double ms = v[v.Count / 2] * 1e3;
            Console.WriteLine(flops > 0 ? $"{name,-34} {ms,8:F2} ms {flops / ms / 1e6,7:F1} GFLOP/s" : $"{name,-34} {ms,8:F2} ms");
        }

        return 0;
    }

    private static double Round(Action action)
    {
        action();
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
