using Recur.Kernels;
using Recur.Kernels.Rnn;

namespace Recur;

/// <summary>
/// The layer wavefront in training (docs/decisions/0010, eleventh part): the forward runs the layers side by side on time
/// windows of each layer's whole-sequence workspace (<c>LstmKernel.ForwardWindow</c>, <c>GruKernel.ForwardWindow</c>,
/// <c>SimpleRnnKernel.ForwardWindow</c>), so the saved workspace is the one a whole call saves; a chain of the layers'
/// gradient ops (top layer first, each one's dx the next one's dy) runs backward as a wavefront on the same windows,
/// last window first (<c>BackwardWindow</c>), and each layer's weight gradients follow once over every step
/// (<c>BackwardWeights</c>).
/// </summary>
internal static partial class FusedRnnStack
{
    private static long s_trainingWavefronts, s_backwardWavefronts;

    /// <summary>How many forward wavefront runs saved workspaces for a gradient (training) in this process.</summary>
    public static long TrainingWavefrontRuns => Interlocked.Read(ref s_trainingWavefronts);

    /// <summary>How many backward wavefront runs (chains of gradient ops) have happened in this process.</summary>
    public static long BackwardWavefrontRuns => Interlocked.Read(ref s_backwardWavefronts);

    /// <summary>The gradient op types that can chain.</summary>
    public static bool IsGradient(Operation op) => op.Type is "FusedLstmGrad" or "FusedGruGrad" or "FusedRnnGrad";

    /// <summary>The input that links a chain member to the one before: a layer's x (0), a gradient op's dy (after the forward inputs and the workspace; then dc and dh, or dh).</summary>
    public static int LinkInput(Operation op) => !IsGradient(op) ? 0 : op.Type == "FusedLstmGrad" ? op.Inputs.Count - 3 : op.Inputs.Count - 2;

    /// <summary>Whether <paramref name="next"/>'s dy is <paramref name="prev"/>'s dx, both gradient ops of one dtype, layout and lengths.</summary>
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

    /// <summary>The kernel configuration of a fused layer or gradient op (checked against its inputs), with the layer's pack cache.</summary>
    private static (Kind Kind, LstmConfig Lstm, GruConfig Gru, SimpleRnnConfig Rnn) Configure(OpContext ctx, RnnPackCache cache)
    {
        string type = ctx.Op.Type;
        if (type.StartsWith("FusedLstm", StringComparison.Ordinal)) return (Kind.Lstm, FusedLstmOp.Config(ctx) with { PackCache = cache }, default, default);
        if (type.StartsWith("FusedGru", StringComparison.Ordinal)) return (Kind.Gru, default, FusedGruOp.Config(ctx) with { PackCache = cache }, default);
        return (Kind.Rnn, default, default, FusedSimpleRnnOp.Config(ctx) with { PackCache = cache });
    }

    /// <summary>A training forward on windows of the layers' whole-sequence workspaces; kept per frame and reused.</summary>
    private sealed class TrainRun<T, TApi> : IWavefrontTasks
        where TApi : IFusedRnnApi<T>
    {
        private OpContext[] _ctx = [];
        private Kind[] _kind = [];
        private LstmConfig[] _lstm = [];
        private GruConfig[] _gru = [];
        private SimpleRnnConfig[] _rnn = [];
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
                (_ctx, _kind) = (new OpContext[n], new Kind[n]);
                (_lstm, _gru, _rnn) = (new LstmConfig[n], new GruConfig[n], new SimpleRnnConfig[n]);
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
                (_kind[l], _lstm[l], _gru[l], _rnn[l]) = Configure(ctx, _packs[l]);
                var (t, b, h, p, batchMajor) = _kind[l] switch
                {
                    Kind.Lstm => (_lstm[l].Time, _lstm[l].Batch, _lstm[l].Units, _lstm[l].OutputSize, _lstm[l].BatchMajor),
                    Kind.Gru => (_gru[l].Time, _gru[l].Batch, _gru[l].Units, _gru[l].Units, _gru[l].BatchMajor),
                    _ => (_rnn[l].Time, _rnn[l].Batch, _rnn[l].Units, _rnn[l].Units, _rnn[l].BatchMajor),
                };
                _ = FusedRnnCommon.Lengths(ctx, b);   // checked here, read by every window
                if (l == 0)
                {
                    _time = t;
                    (_steps, ChunkCount) = Windows(t);
                }
                _saves[l] = SavesWorkspace(ctx);
                _wsLength[l] = _kind[l] switch
                {
                    Kind.Lstm => LstmKernel.WorkspaceSize(_lstm[l], _saves[l]),
                    Kind.Gru => GruKernel.WorkspaceSize(_gru[l], _saves[l]),
                    _ => SimpleRnnKernel.WorkspaceSize(_rnn[l], _saves[l]),
                };
                _ws[l] = FusedRnnCommon.RentWorkspace<T>(ctx, _wsLength[l], _saves[l]);
                (_y[l], _c[l], _h[l]) = AllocateLayerOutputs(ctx, _kind[l], batchMajor, t, b, h, p, dims);
            }
        }

        /// <summary>Layer <paramref name="l"/> over window <paramref name="chunk"/> of its whole sequence.</summary>
        public void Run(int l, int chunk)
        {
            var ctx = _ctx[l];
            int t0 = chunk * _steps, t1 = Math.Min(_time, t0 + _steps);
            var x = ctx.Input(0).AsSpan<T>();
            var ws = _ws[l].AsSpan(0, _wsLength[l]);
            switch (_kind[l])
            {
                case Kind.Lstm:
                    TApi.LstmForwardWindow(_lstm[l], FusedLstmOp.Weights<T>(ctx, _lstm[l]), x, FusedRnnCommon.Lengths(ctx, _lstm[l].Batch),
                        ctx.Input(2).AsSpan<T>(), ctx.Input(3).AsSpan<T>(), _y[l].Data<T>(), _c[l].Data<T>(), _h[l].Data<T>(), ws, _saves[l], t0, t1);
                    break;
                case Kind.Gru:
                    TApi.GruForwardWindow(_gru[l], FusedGruOp.Weights<T>(ctx, _gru[l]), x, FusedRnnCommon.Lengths(ctx, _gru[l].Batch),
                        ctx.Input(2).AsSpan<T>(), _y[l].Data<T>(), _h[l].Data<T>(), ws, _saves[l], t0, t1);
                    break;
                default:
                    TApi.RnnForwardWindow(_rnn[l], ctx.Input(3).AsSpan<T>(), ctx.Input(4).AsSpan<T>(), x, FusedRnnCommon.Lengths(ctx, _rnn[l].Batch),
                        ctx.Input(2).AsSpan<T>(), _y[l].Data<T>(), _h[l].Data<T>(), ws, _saves[l], t0, t1);
                    break;
            }
        }

        /// <summary>Sets every member's outputs, the saved workspaces included.</summary>
        public void SetOutputs()
        {
            for (int l = 0; l < _layers; l++)
            {
                var ctx = _ctx[l];
                SetLayerOutputs(ctx, _kind[l], _y[l], _c[l], _h[l]);
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
    /// A backward run of a chain of gradient ops (member 0 = the top layer) on windows; kept per frame and reused.
    /// Task (m, q) is member m over window C − 1 − q: the wavefront's "chunk order" is reversed time.
    /// </summary>
    private sealed class BackRun<T, TApi> : IWavefrontTasks
        where TApi : IFusedRnnApi<T>
    {
        private OpContext[] _ctx = [];
        private Kind[] _kind = [];
        private LstmConfig[] _lstm = [];
        private GruConfig[] _gru = [];
        private SimpleRnnConfig[] _rnn = [];
        private NDArray[][] _outs = [];
        private bool[] _hasDy = [], _hasDc = [], _hasDh = [], _began = [];
        private (FusedRnnWorkspace<T> Saved, T[] Buffer, bool Owned)[] _saved = [];
        private T[][] _scratch = [];
        private RnnPackCache[] _packs = [];
        private int _members, _steps, _time, _batch;

        public int ChunkCount { get; private set; }

        public void Prepare(ReadOnlySpan<OpContext> members)
        {
            int n = members.Length;
            if (_ctx.Length != n)
            {
                (_ctx, _kind, _outs) = (new OpContext[n], new Kind[n], new NDArray[n][]);
                (_lstm, _gru, _rnn) = (new LstmConfig[n], new GruConfig[n], new SimpleRnnConfig[n]);
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
                int dyIndex = LinkInput(ctx.Op), nIn = dyIndex - 1;
                if (m > 0) ctx.InputArray[dyIndex] = _outs[m - 1][0];
                _packs[m].Reset();
                (_kind[m], _lstm[m], _gru[m], _rnn[m]) = Configure(ctx, _packs[m]);
                var (t, b, i, h, p, batchMajor) = _kind[m] switch
                {
                    Kind.Lstm => (_lstm[m].Time, _lstm[m].Batch, _lstm[m].InputSize, _lstm[m].Units, _lstm[m].OutputSize, _lstm[m].BatchMajor),
                    Kind.Gru => (_gru[m].Time, _gru[m].Batch, _gru[m].InputSize, _gru[m].Units, _gru[m].Units, _gru[m].BatchMajor),
                    _ => (_rnn[m].Time, _rnn[m].Batch, _rnn[m].InputSize, _rnn[m].Units, _rnn[m].Units, _rnn[m].BatchMajor),
                };
                _ = FusedRnnCommon.Lengths(ctx, b);   // checked here, read by every window
                if (m == 0)
                {
                    (_time, _batch) = (t, b);
                    (_steps, ChunkCount) = Windows(t);
                }
                else if (t != _time || b != _batch)
                {
                    ctx.Fail($"the layer below has (time, batch) ({t}, {b}), but the layer above has ({_time}, {_batch}).");
                }
                _hasDy[m] = !FusedRnnCommon.Gradient<T>(ctx, ctx.Input(dyIndex), "the gradient of y", FusedRnnCommon.SequenceDims(batchMajor, t, b, p, dims)).IsEmpty;
                if (_kind[m] == Kind.Lstm)
                {
                    _hasDc[m] = !FusedRnnCommon.Gradient<T>(ctx, ctx.Input(dyIndex + 1), "the gradient of the final c", b, h).IsEmpty;
                    _hasDh[m] = !FusedRnnCommon.Gradient<T>(ctx, ctx.Input(dyIndex + 2), "the gradient of the final h", b, p).IsEmpty;
                }
                else
                {
                    _hasDc[m] = false;
                    _hasDh[m] = !FusedRnnCommon.Gradient<T>(ctx, ctx.Input(dyIndex + 1), "the gradient of the final h", b, h).IsEmpty;
                }
                var outs = _outs[m] is { } o && o.Length == ctx.Op.Outputs.Count ? o : _outs[m] = new NDArray[ctx.Op.Outputs.Count];
                var dtype = ctx.Input(0).DType;
                for (int k = 0, f = 0; f < nIn; f++)
                {
                    if (f == 1) continue;
                    outs[k] = ctx.AllocateOutput(k, ctx.Input(f).Shape, dtype);
                    k++;
                }
                int wsLength = _kind[m] switch
                {
                    Kind.Lstm => LstmKernel.WorkspaceSize(_lstm[m], training: true),
                    Kind.Gru => GruKernel.WorkspaceSize(_gru[m], training: true),
                    _ => SimpleRnnKernel.WorkspaceSize(_rnn[m], training: true),
                };
                _saved[m] = FusedRnnCommon.BeginBackward<T>(ctx, nIn, wsLength);
                _began[m] = true;
                // A window's packed dx rows (used unless dx is written in place: time-major, or one row, and no lengths below T).
                _scratch[m] = ctx.RentScratch<T>(checked(_steps * b * i));   // the kernels' WindowScratchSize
            }
        }

        /// <summary>Member <paramref name="m"/> over window C − 1 − <paramref name="q"/>.</summary>
        public void Run(int m, int q)
        {
            var ctx = _ctx[m];
            var outs = _outs[m];
            int chunk = ChunkCount - 1 - q, t0 = chunk * _steps, t1 = Math.Min(_time, t0 + _steps), dyIndex = LinkInput(ctx.Op);
            ReadOnlySpan<T> dy = _hasDy[m] ? ctx.Input(dyIndex).AsSpan<T>() : default;
            var x = ctx.Input(0).AsSpan<T>();
            var ws = FusedRnnCommon.BackwardSpan(ctx, _saved[m]);
            // dx only where the plan reads it (the next member's dy, or a fetch): the bottom layer's over data is skipped.
            Span<T> dx = ctx.IsOutputNeeded(0) ? outs[0].Data<T>() : default;
            if (dx.IsEmpty && q == 0)
            {
                FusedRnnCommon.CountSkippedInputGradient();
            }

            switch (_kind[m])
            {
                case Kind.Lstm:
                {
                    ReadOnlySpan<T> dc = _hasDc[m] ? ctx.Input(dyIndex + 1).AsSpan<T>() : default;
                    ReadOnlySpan<T> dh = _hasDh[m] ? ctx.Input(dyIndex + 2).AsSpan<T>() : default;
                    TApi.LstmBackwardWindow(_lstm[m], FusedLstmOp.Weights<T>(ctx, _lstm[m]), x, FusedRnnCommon.Lengths(ctx, _batch), dy, dc, dh, ws,
                        dx, outs[1].Data<T>(), outs[2].Data<T>(), t0, t1, _scratch[m]);
                    break;
                }
                case Kind.Gru:
                {
                    ReadOnlySpan<T> dh = _hasDh[m] ? ctx.Input(dyIndex + 1).AsSpan<T>() : default;
                    TApi.GruBackwardWindow(_gru[m], FusedGruOp.Weights<T>(ctx, _gru[m]), x, FusedRnnCommon.Lengths(ctx, _batch), dy, dh, ws,
                        dx, outs[1].Data<T>(), t0, t1, _scratch[m]);
                    break;
                }
                default:
                {
                    ReadOnlySpan<T> dh = _hasDh[m] ? ctx.Input(dyIndex + 1).AsSpan<T>() : default;
                    TApi.RnnBackwardWindow(_rnn[m], ctx.Input(3).AsSpan<T>(), x, FusedRnnCommon.Lengths(ctx, _batch), dy, dh, ws,
                        dx, outs[1].Data<T>(), t0, t1, _scratch[m]);
                    break;
                }
            }
        }

        /// <summary>Each member's weight gradients, once over every step (on every thread).</summary>
        public void WeightGradients()
        {
            for (int m = 0; m < _members; m++)
            {
                var ctx = _ctx[m];
                var ws = FusedRnnCommon.BackwardSpan(ctx, _saved[m]);
                var outs = _outs[m];
                switch (_kind[m])
                {
                    case Kind.Lstm:
                        TApi.LstmBackwardWeights(_lstm[m], ws, FusedLstmOp.Gradients<T>(_lstm[m], outs));
                        break;
                    case Kind.Gru:
                        TApi.GruBackwardWeights(_gru[m], ctx.Input(0).AsSpan<T>(), ws, FusedGruOp.Gradients<T>(_gru[m], outs));
                        break;
                    default:
                        TApi.RnnBackwardWeights(_rnn[m], ctx.Input(0).AsSpan<T>(), ws, outs[2].Data<T>(), outs[3].Data<T>());
                        break;
                }
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
