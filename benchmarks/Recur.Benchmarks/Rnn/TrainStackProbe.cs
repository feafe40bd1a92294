using Recur.Kernels.Rnn;
using KGemm = Recur.Kernels.Gemm;

namespace Recur.Benchmarks.Rnn;

/// <summary>
/// Diagnostic: a training step (forward with saves, backward of sum(y_top), every weight gradient) of a stack of LSTM
/// layers (time-major), layer by layer with whole calls against the layer wavefront on time windows
/// (<see cref="LstmKernel.ForwardWindow(in LstmConfig, LstmWeights{float}, ReadOnlySpan{float}, ReadOnlySpan{int}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float}, Span{float}, bool, int, int)"/>,
/// <c>BackwardWindow</c>: forward as a wavefront, backward as a reverse one, then each layer's weight gradients once);
/// interleaved rounds, wall-clock medians. Arguments: <c>[B T I H L [chunks,...] [--threads N]]</c>.
/// </summary>
internal static class TrainStackProbe
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

        int b = args.Length > 0 ? int.Parse(args[0]) : 1, t = args.Length > 1 ? int.Parse(args[1]) : 100;
        int inSize = args.Length > 2 ? int.Parse(args[2]) : 128, h = args.Length > 3 ? int.Parse(args[3]) : 128;
        int layers = args.Length > 4 ? int.Parse(args[4]) : 2;
        int[] chunkCounts = args.Length > 5 ? args[5].Split(',').Select(int.Parse).ToArray() : [4, 7];
        var rng = new Random(1);
        var s = new Stack(b, t, inSize, h, layers, rng);
        KGemm.MaxThreads = threads;

        var variants = new List<(string Name, Action Run)> { ("layer by layer", s.LayerByLayer) };
        foreach (int n in chunkCounts)
        {
            variants.Add(($"wavefront {n} chunks", () => s.Wavefront(n, threads, parallelWeights: false)));
            variants.Add(($"  weights 1 layer/thread", () => s.Wavefront(n, threads, parallelWeights: true)));
        }

        s.LayerByLayer();
        var reference = s.Results();
        foreach (var (name, run) in variants.Skip(1))
        {
            run();
            var got = s.Results();
            double diff = reference.Zip(got, (p, q) => p.Zip(q, (u, v) => Math.Abs(u - v)).DefaultIfEmpty(0).Max()).Max();
            Console.WriteLine($"{name}: max |diff| vs layer by layer {diff:g3}");
        }

        Console.WriteLine($"lstm training stack B={b} T={t} I={inSize} H={h} L={layers}, {threads} threads, ms per step (median of 15 rounds; ratio to layer by layer):");
        StackRounds.Print(variants, 24);

        return 0;
    }


    /// <summary>The stack's weights, activations, workspaces and gradients.</summary>
    private sealed class Stack
    {
        private readonly int _b, _t, _h, _layers;
        private readonly int[] _in;
        private readonly float[][] _kernels, _biases, _ys, _ws, _dk, _db, _dx, _scratch;
        private readonly float[] _x, _dyTop;
        private readonly RnnPackCache[] _caches;

        public Stack(int b, int t, int inSize, int h, int layers, Random rng)
        {
            (_b, _t, _h, _layers) = (b, t, h, layers);
            _in = Enumerable.Range(0, layers).Select(l => l == 0 ? inSize : h).ToArray();
            float[] R(int n, double scale) => Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() - 0.5) * scale)).ToArray();
            _kernels = _in.Select(i => R((i + h) * 4 * h, 0.2)).ToArray();
            _biases = _in.Select(_ => R(4 * h, 0.2)).ToArray();
            _x = R(t * b * inSize, 1);
            _dyTop = Enumerable.Repeat(1f, t * b * h).ToArray();
            _ys = _in.Select(_ => new float[t * b * h]).ToArray();
            _ws = _in.Select(i => new float[LstmKernel.WorkspaceSize(new LstmConfig(t, b, i, h), true)]).ToArray();
            _dk = _kernels.Select(k => new float[k.Length]).ToArray();
            _db = _in.Select(_ => new float[4 * h]).ToArray();
            _dx = _in.Select(i => new float[t * b * i]).ToArray();
            _scratch = _in.Select(i => new float[t * b * i]).ToArray();
            _caches = _in.Select(_ => new RnnPackCache()).ToArray();
        }

        public float[][] Results() => [.. _ys.Select(a => (float[])a.Clone()), .. _dk.Select(a => (float[])a.Clone()), .. _db.Select(a => (float[])a.Clone())];

        private LstmConfig Cfg(int l, bool cached) => new(_t, _b, _in[l], _h) { PackCache = cached ? _caches[l] : null };

        private LstmWeights<float> W(int l) => new() { Kernel = _kernels[l], Bias = _biases[l] };

        private LstmGradients<float> G(int l) => new() { Kernel = _dk[l], Bias = _db[l] };

        public void LayerByLayer()
        {
            for (int l = 0; l < _layers; l++)
            {
                LstmKernel.Forward(Cfg(l, false), W(l), l == 0 ? _x : _ys[l - 1], default, default, default, _ys[l], default, default, _ws[l], true);
            }

            for (int l = _layers - 1; l >= 0; l--)
            {
                LstmKernel.Backward(Cfg(l, false), W(l), l == 0 ? _x : _ys[l - 1], default, l == _layers - 1 ? _dyTop : _dx[l + 1], default, default, _ws[l],
                    l == 0 ? default : _dx[l], default, default, G(l));
            }
        }

        public void Wavefront(int chunks, int threads, bool parallelWeights)
        {
            foreach (var c in _caches) c.Reset();
            int steps = (_t + chunks - 1) / chunks;
            chunks = (_t + steps - 1) / steps;
            RnnWavefront.Run(new ForwardTasks(this, steps), _layers, chunks, threads);
            RnnWavefront.Run(new BackwardTasks(this, steps, chunks), _layers, chunks, threads);
            if (parallelWeights && threads > 1)
            {
                RnnWavefront.Run(new WeightTasks(this), _layers, 1, threads);
            }
            else
            {
                for (int l = 0; l < _layers; l++) LstmKernel.BackwardWeights(Cfg(l, true), _ws[l], G(l));
            }
        }

        private sealed class ForwardTasks(Stack s, int steps) : IWavefrontTasks
        {
            public void Run(int layer, int chunk)
            {
                int t0 = chunk * steps, t1 = Math.Min(s._t, t0 + steps);
                LstmKernel.ForwardWindow(s.Cfg(layer, true), s.W(layer), layer == 0 ? s._x : s._ys[layer - 1], default, default, default, s._ys[layer], default, default,
                    s._ws[layer], true, t0, t1);
            }
        }

        /// <summary>Member m = layer L − 1 − m (top first); its q-th chunk is time chunk C − 1 − q.</summary>
        private sealed class BackwardTasks(Stack s, int steps, int chunks) : IWavefrontTasks
        {
            public void Run(int member, int q)
            {
                int l = s._layers - 1 - member, chunk = chunks - 1 - q;
                int t0 = chunk * steps, t1 = Math.Min(s._t, t0 + steps);
                LstmKernel.BackwardWindow(s.Cfg(l, true), s.W(l), l == 0 ? s._x : s._ys[l - 1], default, l == s._layers - 1 ? s._dyTop : s._dx[l + 1], default, default,
                    s._ws[l], l == 0 ? default : s._dx[l], default, default, t0, t1, s._scratch[l]);
            }
        }

        private sealed class WeightTasks(Stack s) : IWavefrontTasks
        {
            public void Run(int layer, int chunk) => LstmKernel.BackwardWeights(s.Cfg(layer, true), s._ws[layer], s.G(layer));
        }
    }
}
