using System.Diagnostics;
using Recur.Kernels.Rnn;
using KGemm = Recur.Kernels.Gemm;

namespace Recur.Benchmarks.Rnn;

/// <summary>
/// Diagnostic: what cutting a sequence into C time chunks costs one LSTM layer on one thread (a layer wavefront's
/// per-layer work; ADR 0010, tenth part): the one-row Wh pack and the input GEMM alone (a chunk's rows and all rows),
/// then inference, the training forward, and forward + backward, each over the whole sequence and in chunks with the
/// state carried; wall-clock medians of interleaved rounds. Arguments: <c>[B T I H C]</c>.
/// </summary>
internal static class ChunkProbe
{
    public static int Run(string[] args)
    {
        int b = args.Length > 0 ? int.Parse(args[0]) : 1, t = args.Length > 1 ? int.Parse(args[1]) : 100;
        int i = args.Length > 2 ? int.Parse(args[2]) : 128, h = args.Length > 3 ? int.Parse(args[3]) : 128;
        int chunks = args.Length > 4 ? int.Parse(args[4]) : 4;
        KGemm.MaxThreads = 1;
        var rng = new Random(1);
        float[] Rand(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() - 0.5) * 0.2f).ToArray();
        float[] kernel = Rand((i + h) * 4 * h), bias = Rand(4 * h), x = Rand(t * b * i), dy = Rand(t * b * h);
        var full = new LstmConfig(t, b, i, h);
        float[] y = new float[t * b * h], cf = new float[b * h], hf = new float[b * h], dx = new float[t * b * i];
        float[] dk = new float[kernel.Length], db = new float[bias.Length], dc0 = new float[b * h], dh0 = new float[b * h];
        float[] ws = new float[LstmKernel.WorkspaceSize(full, true)];
        int steps = (t + chunks - 1) / chunks;
        var ccfg = full with { Time = steps };
        int stride = LstmKernel.WorkspaceSize(ccfg, true);
        float[] cws = new float[stride * chunks];
        float[] st = new float[4 * b * h];

        void Whole(bool training) => LstmKernel.Forward(full, new LstmWeights<float> { Kernel = kernel, Bias = bias }, x, default, default, default, y, cf, hf, ws, training);
        void WholeBackward() => LstmKernel.Backward(full, new LstmWeights<float> { Kernel = kernel, Bias = bias }, x, default, dy, default, default, ws, dx, dc0, dh0, new LstmGradients<float> { Kernel = dk, Bias = db });
        void Chunked(bool training)
        {
            for (int c = 0; c < chunks; c++)
            {
                int t0 = c * steps, s = Math.Min(steps, t - t0);
                var cfg = full with { Time = s };
                LstmKernel.Forward(cfg, new LstmWeights<float> { Kernel = kernel, Bias = bias }, x.AsSpan(t0 * b * i, s * b * i), default, c == 0 ? default : st.AsSpan(0, b * h), c == 0 ? default : st.AsSpan(b * h, b * h),
                    y.AsSpan(t0 * b * h, s * b * h), st.AsSpan(0, b * h), st.AsSpan(b * h, b * h), cws.AsSpan(c * stride, LstmKernel.WorkspaceSize(cfg, training)), training);
            }
        }
        void ChunkBackward()
        {
            for (int c = chunks - 1; c >= 0; c--)
            {
                int t0 = c * steps, s = Math.Min(steps, t - t0);
                var cfg = full with { Time = s };
                LstmKernel.Backward(cfg, new LstmWeights<float> { Kernel = kernel, Bias = bias }, x.AsSpan(t0 * b * i, s * b * i), default, dy.AsSpan(t0 * b * h, s * b * h), c == chunks - 1 ? default : st.AsSpan(2 * b * h, b * h),
                    c == chunks - 1 ? default : st.AsSpan(3 * b * h, b * h), cws.AsSpan(c * stride, LstmKernel.WorkspaceSize(cfg, true)), dx.AsSpan(t0 * b * i, s * b * i),
                    st.AsSpan(2 * b * h, b * h), st.AsSpan(3 * b * h, b * h), new LstmGradients<float> { Kernel = dk, Bias = db });
            }
        }

        float[] packed = new float[FusedStep.PackedSize(4, h, h)], g = new float[t * b * 4 * h];
        unsafe void PackF()
        {
            fixed (float* pp = packed, pk = kernel)
            {
                FusedStep.Pack(pp, h, h, pk + ((long)i * 4 * h), 4 * h, 4, null, 0, [0, h, 2 * h, 3 * h]);
            }
        }
        void InGemm(int rows) => RnnMath.Gemm(false, false, rows, 4 * h, i, x, i, kernel, 4 * h, 0f, g, 4 * h, 1);
        (string, Action)[] parts = [("pack fused", PackF), ("input gemm 25 rows", () => InGemm(steps * b)), ("input gemm all rows", () => InGemm(t * b)), ("whole inference", () => Whole(false)), ("chunked inference", () => Chunked(false)), ("whole forward", () => Whole(true)), ("chunked forward", () => Chunked(true)), ("whole backward", () => { Whole(true); WholeBackward(); }), ("chunked backward", () => { Chunked(true); ChunkBackward(); })];
        var times = parts.Select(_ => new List<double>()).ToArray();
        for (int r = 0; r < 200; r++)
        {
            for (int p = 0; p < parts.Length; p++)
            {
                long t0 = Stopwatch.GetTimestamp();
                parts[p].Item2();
                times[p].Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            }
        }
        Console.WriteLine($"lstm B={b} T={t} I={i} H={h}, {chunks} chunks, 1 thread, median ms (backward rows include their forward)");
        for (int p = 0; p < parts.Length; p++)
        {
            var v = times[p];
            v.Sort();
            Console.WriteLine($"{parts[p].Item1,-20} {v[v.Count / 2],8:F3}");
        }
        return 0;
    }
}
