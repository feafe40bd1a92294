using Recur.Kernels;
using Recur.Kernels.Rnn;

namespace Recur;

/// <summary>
/// The layer wavefront in training (docs/decisions/0010, eleventh part), for chains of LSTM layers: the forward runs the
/// layers side by side on time windows of each layer's whole-sequence workspace (<c>LstmKernel.ForwardWindow</c>), so
/// the saved workspace is the one a whole call saves; a chain of the layers' gradient ops (top layer first, each one's
/// dx the next one's dy) runs backward as a wavefront on the same windows, last window first
/// (<c>LstmKernel.BackwardWindow</c>), and each layer's weight gradients follow once over every step
/// (<c>LstmKernel.BackwardWeights</c>). Chains with GRU or simple-RNN layers train layer by layer.
/// </summary>
internal static partial class FusedRnnStack
{
    private static long s_trainingWavefronts, s_backwardWavefronts;

    /// <summary>How many forward wavefront runs saved workspaces for a gradient (training) in this process.</summary>
    public static long TrainingWavefrontRuns => Interlocked.Read(ref s_trainingWavefronts);

    /// <summary>How many backward wavefront runs (chains of gradient ops) have happened in this process.</summary>
    public static long BackwardWavefrontRuns => Interlocked.Read(ref s_backwardWavefronts);

    /// <summary>The gradient op types that can chain (the LSTM's: its kernels run on time windows).</summary>
    public static bool IsGradient(Operation op) => op.Type == "FusedLstmGrad";

    /// <summary>The input that links a chain member to the one before: a layer's x (0), a gradient op's dy.</summary>
    public static int LinkInput(Operation op) => IsGradient(op) ? op.Inputs.Count - 3 : 0;

    /// <summary>Whether <paramref name="next"/>'s dy is <paramref name="prev"/>'s dx, both LSTM gradient ops of one dtype, layout and lengths.</summary>
    private static bool ChainsGradients(Operation prev, Operation next)
    {
        if (!IsGradient(prev) || !IsGradient(next)) return false;
        if (next.InputArray[LinkInput(next)] != prev.Outputs[0]) return false;
        if (prev.InputArray[0].DType != next.InputArray[0].DType) return false;
        if (prev.GetAttr<bool>("batch_major") != next.GetAttr<bool>("batch_major")) return false;
        bool lp = prev.GetAttr<bool>("has_lengths"), ln = next.GetAttr<bool>("has_lengths");
        return lp == ln && (!lp || prev.InputArray[1] == next.InputArray[1]);
    }

    /// <summary>Whether a member's workspace output is read (a gradient will run over it).</summary>
    private static bool SavesWorkspace(OpContext ctx) => ctx.IsOutputNeeded(ctx.Op.Outputs.Count - 1);

    /// <summary>The chunk length and count of a wavefront over <paramref name="time"/> steps (every layer keeps its packed weights across its chunks).</summary>
    private static (int Steps, int Chunks) Windows(int time)
    {
        int chunks = RnnWavefront.Chunks(time, RnnWavefront.CachedChunkSteps);
        int steps = (time + chunks - 1) / chunks;
        return (steps, (time + steps - 1) / steps);
    }

    private static void RunTraining<T, TApi>(ReadOnlySpan<OpContext> members)
        where TApi : IFusedRnnApi<T>
    {
        var run = (TrainRun<T, TApi>)s_runs.GetValue(members[0], _ => new TrainRun<T, TApi>());
        try
        {
            run.Prepare(members);
            RnnWavefront.Run(run, members.Length, run.ChunkCount, Gemm.MaxThreads);
            run.SetOutputs();
        }
        catch
        {
            run.Abandon();
            throw;
        }
        finally
        {
            run.Clear();
        }
        Interlocked.Increment(ref s_trainingWavefronts);
    }

    /// <summary>The chain of LSTM gradient ops as a reverse wavefront; false (nothing set) where it does not pay.</summary>
    private static bool TryRunBackward(ReadOnlySpan<OpContext> members)
    {
        var x = members[0].Input(0);
        bool batchMajor = FusedRnnCommon.BatchMajor(members[0]);
        if (x.Rank != 3) return false;
        int batch = x.Shape[batchMajor ? 0 : 1], time = x.Shape[batchMajor ? 1 : 0];
        long largest = 0;
        int elem = x.DType == DType.Float64 ? 8 : 4;
        foreach (var m in members) largest = Math.Max(largest, RecurrentWeights(m) * elem);
        if (!RnnWavefront.Pays(batch, time, largest, Gemm.MaxThreads)) return false;
        if (x.DType == DType.Float64) RunBackward<double, FusedF64>(members);
        else RunBackward<float, FusedF32>(members);
        Interlocked.Increment(ref s_backwardWavefronts);
        return true;
    }

    private static void RunBackward<T, TApi>(ReadOnlySpan<OpContext> members)
        where TApi : IFusedRnnApi<T>
    {
        var run = (BackRun<T, TApi>)s_runs.GetValue(members[0], _ => new BackRun<T, TApi>());
        try
        {
            run.Prepare(members);
            RnnWavefront.Run(run, members.Length, run.ChunkCount, Gemm.MaxThreads);
            run.WeightGradients();
            run.SetOutputs();
        }
        finally
        {
            run.Clear();
        }
    }

    /// <summary>A training forward of LSTM layers on windows of their whole-sequence workspaces; kept per frame and reused.</summary>
    private sealed class TrainRun<T, TApi> : IWavefrontTasks
        where TApi : IFusedRnnApi<T>
    {
        private OpContext[] _ctx = [];
        private LstmConfig[] _cfg = [];
        private NDArray[] _y = [], _c = [], _h = [];
        private T[][] _ws = [];
        private int[] _wsLength = [];
        private bool[] _saves = [];
        private RnnPackCache[] _packs = [];
        private int _layers, _steps, _time;

        public int ChunkCount { get; private set; }

        public void Prepare(ReadOnlySpan<OpContext> members)
        {
            int n = members.Length;
            if (_ctx.Length != n)
            {
                (_ctx, _cfg) = (new OpContext[n], new LstmConfig[n]);
                (_y, _c, _h) = (new NDArray[n], new NDArray[n], new NDArray[n]);
                (_ws, _wsLength, _saves) = (new T[n][], new int[n], new bool[n]);
                _packs = new RnnPackCache[n];
                for (int l = 0; l < n; l++) _packs[l] = new RnnPackCache();
            }
            _layers = n;
            Span<int> dims = stackalloc int[3];
            for (int l = 0; l < n; l++)
            {
                var ctx = members[l];
                _ctx[l] = ctx;
                _packs[l].Reset();   // the weights may have changed since the last run
                if (l > 0) ctx.InputArray[0] = _y[l - 1];
                var cfg = FusedLstmOp.Config(ctx);
                _ = FusedRnnCommon.Lengths(ctx, cfg.Batch);   // checked here, read by every window
                if (l == 0)
                {
                    _time = cfg.Time;
                    (_steps, ChunkCount) = Windows(cfg.Time);
                }
                _cfg[l] = cfg with { PackCache = _packs[l] };
                _saves[l] = SavesWorkspace(ctx);
                _wsLength[l] = LstmKernel.WorkspaceSize(cfg, _saves[l]);
                _ws[l] = FusedRnnCommon.RentWorkspace<T>(ctx, _wsLength[l], _saves[l]);
                var dtype = ctx.Input(0).DType;
                _y[l] = ctx.AllocateOutput(0, FusedRnnCommon.SequenceDims(cfg.BatchMajor, cfg.Time, cfg.Batch, cfg.OutputSize, dims), dtype);
                _c[l] = ctx.AllocateOutput(1, [cfg.Batch, cfg.Units], dtype);
                _h[l] = ctx.AllocateOutput(2, [cfg.Batch, cfg.OutputSize], dtype);
            }
        }

        /// <summary>Layer <paramref name="l"/> over window <paramref name="chunk"/> of its whole sequence.</summary>
        public void Run(int l, int chunk)
        {
            var ctx = _ctx[l];
            var cfg = _cfg[l];
            int t0 = chunk * _steps, t1 = Math.Min(_time, t0 + _steps);
            TApi.LstmForwardWindow(cfg, FusedLstmOp.Weights<T>(ctx, cfg), ctx.Input(0).AsSpan<T>(), FusedRnnCommon.Lengths(ctx, cfg.Batch),
                ctx.Input(2).AsSpan<T>(), ctx.Input(3).AsSpan<T>(), _y[l].Data<T>(), _c[l].Data<T>(), _h[l].Data<T>(),
                _ws[l].AsSpan(0, _wsLength[l]), _saves[l], t0, t1);
        }

        /// <summary>Sets every member's outputs, the saved workspaces included.</summary>
        public void SetOutputs()
        {
            for (int l = 0; l < _layers; l++)
            {
                var ctx = _ctx[l];
                ctx.SetOutput(0, _y[l]);
                ctx.SetOutput(1, _c[l]);
                ctx.SetOutput(2, _h[l]);
                FusedRnnCommon.FinishForward(ctx, ctx.Op.Outputs.Count - 1, _ws[l], _wsLength[l], _saves[l]);
                _ws[l] = null!;
            }
        }

        /// <summary>After a failure: the rented training workspaces go back to the pool.</summary>
        public void Abandon()
        {
            for (int l = 0; l < _layers; l++)
            {
                if (_saves[l] && _ws[l] is { } w) System.Buffers.ArrayPool<T>.Shared.Return(w);
                _ws[l] = null!;
            }
        }

        public void Clear()
        {
            Array.Clear(_ws);
            Array.Clear(_y);
            Array.Clear(_c);
            Array.Clear(_h);
            Array.Clear(_ctx);
        }
    }

    /// <summary>
    /// A backward run of a chain of LSTM gradient ops (member 0 = the top layer) on windows; kept per frame and reused.
    /// Task (m, q) is member m over window C − 1 − q: the wavefront's "chunk order" is reversed time.
    /// </summary>
    private sealed class BackRun<T, TApi> : IWavefrontTasks
        where TApi : IFusedRnnApi<T>
    {
        private OpContext[] _ctx = [];
        private LstmConfig[] _cfg = [];
        private NDArray[][] _outs = [];
        private bool[] _hasDy = [], _hasDc = [], _hasDh = [], _began = [];
        private (FusedRnnWorkspace<T> Saved, T[] Buffer, bool Owned)[] _saved = [];
        private T[]?[] _scratch = [];
        private RnnPackCache[] _packs = [];
        private int _members, _steps, _time, _batch;

        public int ChunkCount { get; private set; }

        private static int DyIndex(OpContext ctx) => ctx.InputCount - 3;

        public void Prepare(ReadOnlySpan<OpContext> members)
        {
            int n = members.Length;
            if (_ctx.Length != n)
            {
                (_ctx, _cfg, _outs) = (new OpContext[n], new LstmConfig[n], new NDArray[n][]);
                (_hasDy, _hasDc, _hasDh, _began) = (new bool[n], new bool[n], new bool[n], new bool[n]);
                _saved = new (FusedRnnWorkspace<T>, T[], bool)[n];
                _scratch = new T[n][];
                _packs = new RnnPackCache[n];
                for (int m = 0; m < n; m++) _packs[m] = new RnnPackCache();
            }
            _members = n;
            Span<int> dims = stackalloc int[3];
            for (int m = 0; m < n; m++)
            {
                var ctx = members[m];
                _ctx[m] = ctx;
                int dyIndex = DyIndex(ctx), nIn = dyIndex - 1;
                if (m > 0) ctx.InputArray[dyIndex] = _outs[m - 1][0];
                var cfg = FusedLstmOp.Config(ctx);
                var lengths = FusedRnnCommon.Lengths(ctx, cfg.Batch);
                if (m == 0)
                {
                    (_time, _batch) = (cfg.Time, cfg.Batch);
                    (_steps, ChunkCount) = Windows(cfg.Time);
                }
                else if (cfg.Time != _time || cfg.Batch != _batch)
                {
                    ctx.Fail($"the layer below has (time, batch) ({cfg.Time}, {cfg.Batch}), but the layer above has ({_time}, {_batch}).");
                }
                _packs[m].Reset();
                _cfg[m] = cfg with { PackCache = _packs[m] };
                _hasDy[m] = !FusedRnnCommon.Gradient<T>(ctx, ctx.Input(dyIndex), "the gradient of y",
                    FusedRnnCommon.SequenceDims(cfg.BatchMajor, cfg.Time, cfg.Batch, cfg.OutputSize, dims)).IsEmpty;
                _hasDc[m] = !FusedRnnCommon.Gradient<T>(ctx, ctx.Input(dyIndex + 1), "the gradient of the final c", cfg.Batch, cfg.Units).IsEmpty;
                _hasDh[m] = !FusedRnnCommon.Gradient<T>(ctx, ctx.Input(dyIndex + 2), "the gradient of the final h", cfg.Batch, cfg.OutputSize).IsEmpty;
                var outs = _outs[m] is { } o && o.Length == ctx.Op.Outputs.Count ? o : _outs[m] = new NDArray[ctx.Op.Outputs.Count];
                var dtype = ctx.Input(0).DType;
                for (int k = 0, i = 0; i < nIn; i++)
                {
                    if (i == 1) continue;
                    outs[k] = ctx.AllocateOutput(k, ctx.Input(i).Shape, dtype);
                    k++;
                }
                _saved[m] = FusedRnnCommon.BeginBackward<T>(ctx, nIn, LstmKernel.WorkspaceSize(cfg, training: true));
                _began[m] = true;
                bool inPlace = !(cfg.BatchMajor && cfg.Batch > 1) && RnnCheckFull(lengths, cfg.Time);
                _scratch[m] = inPlace ? null : ctx.RentScratch<T>(LstmKernel.WindowScratchSize(cfg, _steps));
            }
        }

        private static bool RnnCheckFull(ReadOnlySpan<int> lengths, int time)
        {
            foreach (int l in lengths)
            {
                if (l < time) return false;
            }
            return true;
        }

        /// <summary>Member <paramref name="m"/> over window C − 1 − <paramref name="q"/>.</summary>
        public void Run(int m, int q)
        {
            var ctx = _ctx[m];
            var cfg = _cfg[m];
            var outs = _outs[m];
            int chunk = ChunkCount - 1 - q, t0 = chunk * _steps, t1 = Math.Min(_time, t0 + _steps), dyIndex = DyIndex(ctx);
            ReadOnlySpan<T> dy = _hasDy[m] ? ctx.Input(dyIndex).AsSpan<T>() : default;
            ReadOnlySpan<T> dc = _hasDc[m] ? ctx.Input(dyIndex + 1).AsSpan<T>() : default;
            ReadOnlySpan<T> dh = _hasDh[m] ? ctx.Input(dyIndex + 2).AsSpan<T>() : default;
            TApi.LstmBackwardWindow(cfg, FusedLstmOp.Weights<T>(ctx, cfg), ctx.Input(0).AsSpan<T>(), FusedRnnCommon.Lengths(ctx, cfg.Batch), dy, dc, dh,
                FusedRnnCommon.BackwardSpan(ctx, _saved[m]), outs[0].Data<T>(), outs[1].Data<T>(), outs[2].Data<T>(), t0, t1, _scratch[m]);
        }

        /// <summary>Each member's weight gradients, once over every step (on every thread).</summary>
        public void WeightGradients()
        {
            for (int m = 0; m < _members; m++)
            {
                TApi.LstmBackwardWeights(_cfg[m], FusedRnnCommon.BackwardSpan(_ctx[m], _saved[m]), FusedLstmOp.Gradients<T>(_cfg[m], _outs[m]));
            }
        }

        public void SetOutputs()
        {
            for (int m = 0; m < _members; m++)
            {
                var outs = _outs[m];
                for (int k = 0; k < outs.Length; k++) _ctx[m].SetOutput(k, outs[k]);
            }
        }

        /// <summary>Gives the saved workspaces back and drops every reference to this run's arrays and contexts.</summary>
        public void Clear()
        {
            for (int m = 0; m < _began.Length; m++)
            {
                if (_began[m]) FusedRnnCommon.EndBackward(_saved[m]);
                _began[m] = false;
                _saved[m] = default;
            }
            foreach (var o in _outs)
            {
                if (o is not null) Array.Clear(o);
            }
            Array.Clear(_scratch);
            Array.Clear(_ctx);
        }
    }
}
