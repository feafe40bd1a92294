using Recur.Kernels.Rnn;
using KGemm = Recur.Kernels.Gemm;

namespace Recur.Benchmarks.Rnn;

/// <summary>
/// Diagnostic: a stack of LSTM layers (time-major inference) run layer by layer on every thread against the layer
/// wavefront (<see cref="RnnWavefront"/>) with C time chunks, without and with each layer's <see cref="RnnPackCache"/>,
/// and on time windows of whole-sequence workspaces (<c>ForwardWindow</c>);
/// interleaved rounds, wall-clock medians.
/// Arguments: <c>[B T I H L [chunks,...] [--threads N] [--cell lstm|gru|rnn]]</c> (gru: reset after; rnn: tanh).
/// </summary>
internal static class StackProbe
{
    public static int Run(string[] args)
    {
        int threads = 2;
        int ti = Array.IndexOf(args, "--threads");
        if (ti >= 0)
        {
            threads = int.Parse(args[ti + 1]);
            args = args.Where((_, i) => i != ti && i != ti + 1).ToArray();
        }

        string cell = "lstm";
        int ci = Array.IndexOf(args, "--cell");
        if (ci >= 0)
        {
            cell = args[ci + 1];
            args = args.Where((_, i) => i != ci && i != ci + 1).ToArray();
        }

        int b = args.Length > 0 ? int.Parse(args[0]) : 1, t = args.Length > 1 ? int.Parse(args[1]) : 100;
        int inSize = args.Length > 2 ? int.Parse(args[2]) : 128, h = args.Length > 3 ? int.Parse(args[3]) : 128;
        int layers = args.Length > 4 ? int.Parse(args[4]) : 2;
        int[] chunkCounts = args.Length > 5 ? args[5].Split(',').Select(int.Parse).ToArray() : [4, 8, 16];
        var rng = new Random(1);
        var kernels = new float[layers][];
        var biases = new float[layers][];
        for (int l = 0; l < layers; l++)
        {
            int i = l == 0 ? inSize : h;
            kernels[l] = Enumerable.Range(0, (i + h) * Gates(cell) * h).Select(_ => (float)(rng.NextDouble() - 0.5) * 0.2f).ToArray();
            biases[l] = new float[4 * h];
        }

        var x = Enumerable.Range(0, t * b * inSize).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        var ys = Enumerable.Range(0, layers).Select(_ => new float[t * b * h]).ToArray();
        var ws = new float[WorkspaceSize(cell, t, b, Math.Max(inSize, h), h)];
        KGemm.MaxThreads = threads;

        void LayerByLayer()
        {
            for (int l = 0; l < layers; l++)
            {
                int i = l == 0 ? inSize : h;
                Forward(cell, t, b, i, h, kernels[l], biases[l], l == 0 ? x : ys[l - 1], default, ys[l], new float[2 * b * h], ws.AsSpan(0, WorkspaceSize(cell, t, b, i, h)), null);
            }
        }

        var variants = new List<(string Name, Action Run)> { ("layer by layer", LayerByLayer) };
        foreach (int n in chunkCounts)
        {
            var tasks = new Tasks(cell, b, t, inSize, h, layers, n, kernels, biases, x, ys, cached: false);
            variants.Add(($"wavefront {n} chunks", () => RnnWavefront.Run(tasks, layers, tasks.Chunks, threads)));
            var cachedTasks = new Tasks(cell, b, t, inSize, h, layers, n, kernels, biases, x, ys, cached: true);
            variants.Add(($"  the same, pack cache", () =>
            {
                cachedTasks.Reset();
                RnnWavefront.Run(cachedTasks, layers, cachedTasks.Chunks, threads);
            }));
            var windows = new WindowTasks(cell, b, t, inSize, h, layers, n, kernels, biases, x, ys);
            variants.Add(($"  time windows", () =>
            {
                windows.Reset();
                RnnWavefront.Run(windows, layers, windows.Chunks, threads);
            }));
        }

        // Check: the wavefront's top output equals the layer-by-layer one.
        LayerByLayer();
        var reference = (float[])ys[layers - 1].Clone();
        foreach (var (name, run) in variants.Skip(1))
        {
            Array.Clear(ys[layers - 1]);
            run();
            double diff = reference.Zip(ys[layers - 1], (p, q) => Math.Abs(p - q)).Max();
            Console.WriteLine($"{name}: max |diff| vs layer by layer {diff:g3}");
        }

        Console.WriteLine($"{cell} stack B={b} T={t} I={inSize} H={h} L={layers}, {threads} threads, ms per call (median of 15 rounds; ratio to layer by layer):");
        StackRounds.Print(variants, 22);

        return 0;
    }


    private static int Gates(string cell) => cell switch { "gru" => 3, "rnn" => 1, _ => 4 };

    private static int WorkspaceSize(string cell, int t, int b, int i, int h) => cell switch
    {
        "gru" => GruKernel.WorkspaceSize(new GruConfig(t, b, i, h) { ResetAfter = true }, false),
        "rnn" => SimpleRnnKernel.WorkspaceSize(new SimpleRnnConfig(t, b, i, h), false),
        _ => LstmKernel.WorkspaceSize(new LstmConfig(t, b, i, h), false),
    };

    /// <summary>One layer's inference over <paramref name="t"/> steps; state: (c, h) for the LSTM, h otherwise (empty: zeros).</summary>
    private static void Forward(string cell, int t, int b, int i, int h, float[] kernel, float[] bias, ReadOnlySpan<float> x, ReadOnlySpan<float> state,
        Span<float> y, Span<float> stateOut, Span<float> ws, RnnPackCache? cache)
    {
        int bh = b * h;
        switch (cell)
        {
            case "gru":
                GruKernel.Forward(new GruConfig(t, b, i, h) { ResetAfter = true, PackCache = cache }, new GruWeights<float>
                {
                    GateKernel = kernel.AsSpan(0, (i + h) * 2 * h), GateBias = bias.AsSpan(0, 2 * h),
                    CandidateInputKernel = kernel.AsSpan((i + h) * 2 * h, i * h), CandidateHiddenKernel = kernel.AsSpan(((i + h) * 2 * h) + (i * h), h * h),
                    CandidateBias = bias.AsSpan(2 * h, h), CandidateHiddenBias = bias.AsSpan(3 * h, h),
                }, x, default, state.IsEmpty ? default : state[..bh], y, stateOut[..bh], ws, false);
                break;
            case "rnn":
                SimpleRnnKernel.Forward(new SimpleRnnConfig(t, b, i, h) { PackCache = cache }, kernel, bias.AsSpan(0, h), x, default, state.IsEmpty ? default : state[..bh], y, stateOut[..bh], ws, false);
                break;
            default:
                LstmKernel.Forward(new LstmConfig(t, b, i, h) { PackCache = cache }, new LstmWeights<float> { Kernel = kernel, Bias = bias }, x, default,
                    state.IsEmpty ? default : state[..bh], state.IsEmpty ? default : state[bh..], y, stateOut[..bh], stateOut[bh..], ws, false);
                break;
        }
    }

    /// <summary>The same wavefront on time windows of each layer's whole-sequence workspace (the kernels' <c>ForwardWindow</c>).</summary>
    private sealed class WindowTasks(string cell, int b, int t, int inSize, int h, int layers, int chunks, float[][] kernels, float[][] biases, float[] x, float[][] ys) : IWavefrontTasks
    {
        private readonly RnnPackCache[] _packs = Enumerable.Range(0, layers).Select(_ => new RnnPackCache()).ToArray();
        private readonly int _k = (t + chunks - 1) / chunks;
        private readonly float[][] _ws = Enumerable.Range(0, layers).Select(l => new float[WorkspaceSize(cell, t, b, l == 0 ? inSize : h, h)]).ToArray();
        private readonly float[][] _final = Enumerable.Range(0, layers).Select(_ => new float[2 * b * h]).ToArray();

        public int Chunks => (t + _k - 1) / _k;

        public void Reset()
        {
            foreach (var p in _packs) p.Reset();
        }

        public void Run(int layer, int chunk)
        {
            int t0 = chunk * _k, t1 = Math.Min(t, t0 + _k), i = layer == 0 ? inSize : h, bh = b * h;
            var src = layer == 0 ? x : ys[layer - 1];
            var ws = _ws[layer];
            var k = kernels[layer];
            switch (cell)
            {
                case "gru":
                    GruKernel.ForwardWindow(new GruConfig(t, b, i, h) { ResetAfter = true, PackCache = _packs[layer] }, new GruWeights<float>
                    {
                        GateKernel = k.AsSpan(0, (i + h) * 2 * h), GateBias = biases[layer].AsSpan(0, 2 * h),
                        CandidateInputKernel = k.AsSpan((i + h) * 2 * h, i * h), CandidateHiddenKernel = k.AsSpan(((i + h) * 2 * h) + (i * h), h * h),
                        CandidateBias = biases[layer].AsSpan(2 * h, h), CandidateHiddenBias = biases[layer].AsSpan(3 * h, h),
                    }, src, default, default, ys[layer], _final[layer].AsSpan(0, bh), ws, false, t0, t1);
                    break;
                case "rnn":
                    SimpleRnnKernel.ForwardWindow(new SimpleRnnConfig(t, b, i, h) { PackCache = _packs[layer] }, k, biases[layer].AsSpan(0, h), src, default, default,
                        ys[layer], _final[layer].AsSpan(0, bh), ws, false, t0, t1);
                    break;
                default:
                    LstmKernel.ForwardWindow(new LstmConfig(t, b, i, h) { PackCache = _packs[layer] }, new LstmWeights<float> { Kernel = k, Bias = biases[layer] }, src, default,
                        default, default, ys[layer], _final[layer].AsSpan(0, bh), _final[layer].AsSpan(bh, bh), ws, false, t0, t1);
                    break;
            }
        }
    }

    private sealed class Tasks(string cell, int b, int t, int inSize, int h, int layers, int chunks, float[][] kernels, float[][] biases, float[] x, float[][] ys, bool cached) : IWavefrontTasks
    {
        private readonly RnnPackCache?[] _packs = Enumerable.Range(0, layers).Select(_ => cached ? new RnnPackCache() : null).ToArray();

        /// <summary>Forgets the packed weights, as the graph's wavefront does before every run.</summary>
        public void Reset()
        {
            foreach (var p in _packs) p?.Reset();
        }

        private readonly int _k = (t + chunks - 1) / chunks;
        private readonly float[][] _state = Enumerable.Range(0, layers).Select(_ => new float[4 * b * h]).ToArray();
        private readonly float[][] _ws = Enumerable.Range(0, layers).Select(l => new float[WorkspaceSize(cell, (t + chunks - 1) / chunks, b, l == 0 ? inSize : h, h)]).ToArray();

        public int Chunks => (t + _k - 1) / _k;

        public void Run(int layer, int chunk)
        {
            int t0 = chunk * _k, steps = Math.Min(_k, t - t0), i = layer == 0 ? inSize : h;
            var src = layer == 0 ? x : ys[layer - 1];
            var st = _state[layer];
            int bh = b * h;
            // state ping-pong: chunk even reads [0,2bh) writes [2bh,4bh)
            int rd = (chunk & 1) == 0 ? 0 : 2 * bh, wr = 2 * bh - rd;
            Forward(cell, steps, b, i, h, kernels[layer], biases[layer], src.AsSpan(t0 * b * i, steps * b * i), chunk == 0 ? default : st.AsSpan(rd, 2 * bh),
                ys[layer].AsSpan(t0 * bh, steps * bh), st.AsSpan(wr, 2 * bh), _ws[layer].AsSpan(0, WorkspaceSize(cell, steps, b, i, h)), _packs[layer]);
        }
    }
}
