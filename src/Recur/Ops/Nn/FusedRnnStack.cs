using System.Runtime.CompilerServices;
using Recur.Kernels;
using Recur.Kernels.Rnn;

namespace Recur;

/// <summary>
/// The layer wavefront of stacked fused RNN ops (docs/decisions/0010, ninth part): where one fused layer's outputs are
/// the next one's inputs (a <c>MultiRnnCell</c> under <c>DynamicRnn</c>, or stacked <c>dynamic_rnn</c> calls), the
/// executor hands the chain to <see cref="TryRun"/>, which runs the layers side by side in time chunks
/// (<see cref="RnnWavefront"/>): layer l runs chunk c while layer l + 1 runs chunk c − 1, one layer per thread. In
/// training (a gradient reads the saved workspaces) the layers run on time windows of whole-sequence workspaces, and
/// their gradient ops run backward the same way (FusedRnnStack.Training.cs). Only where
/// <see cref="RnnWavefront.Pays"/> says so; otherwise the ops run one after another as usual. The results are the layer-by-layer results: each chunk is the same kernel on
/// the same rows, started from the state the previous chunk ended in, with the lengths cut to the chunk. Each layer
/// keeps its packed weights from chunk to chunk (<see cref="RnnPackCache"/>, reset at every run).
/// </summary>
internal static partial class FusedRnnStack
{
    private static readonly ConditionalWeakTable<OpContext, object> s_runs = new();
    private static long s_wavefronts;

    /// <summary>How many wavefront runs have happened in this process (tests check that the path ran).</summary>
    public static long WavefrontRuns => Interlocked.Read(ref s_wavefronts);

    /// <summary>The fused layer op types that can chain.</summary>
    public static bool IsLayer(Operation op) => op.Type is "FusedLstm" or "FusedGru" or "FusedRnn";

    /// <summary>
    /// Whether <paramref name="next"/> can run in one wavefront after <paramref name="prev"/> (plan time): both are fused
    /// layers of one dtype and layout, <paramref name="next"/>'s x is <paramref name="prev"/>'s y, and both have the same
    /// lengths (the same tensor, or none). Where the values flow and what else reads them is the executor's check.
    /// </summary>
    public static bool Chains(Operation prev, Operation next)
    {
        if (IsGradient(prev) || IsGradient(next)) return ChainsGradients(prev, next);
        if (!IsLayer(prev) || !IsLayer(next)) return false;
        if (next.InputArray[0] != prev.Outputs[0]) return false;
        if (prev.InputArray[0].DType != next.InputArray[0].DType) return false;
        if (prev.GetAttr<bool>("batch_major") != next.GetAttr<bool>("batch_major")) return false;
        bool lp = prev.GetAttr<bool>("has_lengths"), ln = next.GetAttr<bool>("has_lengths");
        return lp == ln && (!lp || prev.InputArray[1] == next.InputArray[1]);
    }

    /// <summary>
    /// Runs the chain <paramref name="members"/> (each already begun, inputs filled but for the link input of every
    /// member after the first: a layer's x, a gradient op's dy) as a wavefront — inference, training forward, or the
    /// gradient ops' reverse wavefront — and sets every member's outputs; false, with nothing allocated or set, when the
    /// wavefront does not pay here (the caller then runs the ops one by one).
    /// </summary>
    public static bool TryRun(ReadOnlySpan<OpContext> members)
    {
        if (members.Length < 2 || !RnnWavefront.Enabled || !Pays(members)) return false;
        bool f64 = members[0].Input(0).DType == DType.Float64;
        if (IsGradient(members[0].Op))
        {
            if (f64) RunBackward<double, FusedF64>(members);
            else RunBackward<float, FusedF32>(members);
            Interlocked.Increment(ref s_backwardWavefronts);
            return true;
        }
        bool training = false;
        foreach (var m in members) training |= SavesWorkspace(m);
        if (training)
        {
            if (f64) RunTraining<double, FusedF64>(members);
            else RunTraining<float, FusedF32>(members);
        }
        else if (f64) Run<double, FusedF64>(members);
        else Run<float, FusedF32>(members);
        Interlocked.Increment(ref s_wavefronts);
        return true;
    }

    /// <summary>Whether the chain (layers or gradient ops: both read x as input 0) should run as a wavefront (<see cref="RnnWavefront.Pays"/>).</summary>
    private static bool Pays(ReadOnlySpan<OpContext> members)
    {
        var x = members[0].Input(0);
        bool batchMajor = FusedRnnCommon.BatchMajor(members[0]);
        if (x.Rank != 3) return false;   // the op's own checks report it
        int batch = x.Shape[batchMajor ? 0 : 1], time = x.Shape[batchMajor ? 1 : 0];
        long largest = 0;
        int elem = x.DType == DType.Float64 ? 8 : 4;
        foreach (var m in members) largest = Math.Max(largest, RecurrentWeights(m) * elem);
        return RnnWavefront.Pays(batch, time, largest, Gemm.MaxThreads);
    }

    /// <summary>The element count of a layer's recurrent weight matrix (P × G·H), from its attributes.</summary>
    private static long RecurrentWeights(OpContext ctx)
    {
        long h = ctx.Attr<int>("units");
        return ctx.Op.Type switch
        {
            "FusedLstm" or "FusedLstmGrad" => (ctx.Attr<int>("num_proj") is int p && p > 0 ? p : h) * 4 * h,
            "FusedGru" or "FusedGruGrad" => h * 3 * h,
            _ => h * h,
        };
    }

    private static void Run<T, TApi>(ReadOnlySpan<OpContext> members)
        where TApi : IFusedRnnApi<T>
    {
        var first = members[0];
        var run = (StackRun<T, TApi>)s_runs.GetValue(first, _ => new StackRun<T, TApi>());
        try
        {
            run.Prepare(members);
            RnnWavefront.Run(run, members.Length, run.ChunkCount, Gemm.MaxThreads);
            run.SetOutputs(members);
        }
        finally
        {
            run.Clear();
        }
    }

    private enum Kind { Lstm, Gru, Rnn }

    /// <summary>Allocates a layer's outputs but the workspace: y, then (c, h) for an LSTM or h (c: null).</summary>
    private static (NDArray Y, NDArray C, NDArray H) AllocateLayerOutputs(OpContext ctx, Kind kind, bool batchMajor, int t, int b, int h, int p, Span<int> dims)
    {
        var dtype = ctx.Input(0).DType;
        var y = ctx.AllocateOutput(0, FusedRnnCommon.SequenceDims(batchMajor, t, b, p, dims), dtype);
        return kind == Kind.Lstm
            ? (y, ctx.AllocateOutput(1, [b, h], dtype), ctx.AllocateOutput(2, [b, p], dtype))
            : (y, null!, ctx.AllocateOutput(1, [b, h], dtype));
    }

    /// <summary>Sets a layer's outputs but the workspace: y, then (c, h) for an LSTM or h.</summary>
    private static void SetLayerOutputs(OpContext ctx, Kind kind, NDArray y, NDArray c, NDArray h)
    {
        ctx.SetOutput(0, y);
        if (kind == Kind.Lstm)
        {
            ctx.SetOutput(1, c);
            ctx.SetOutput(2, h);
        }
        else
        {
            ctx.SetOutput(1, h);
        }
    }

    /// <summary>One wavefront run's layers, buffers and tasks; kept per frame (per first member's context) and reused, so a steady run allocates nothing.</summary>
    private sealed class StackRun<T, TApi> : IWavefrontTasks
        where TApi : IFusedRnnApi<T>
    {
        private OpContext[] _ctx = [];
        private Kind[] _kind = [];
        private LstmConfig[] _lstm = [];
        private GruConfig[] _gru = [];
        private SimpleRnnConfig[] _rnn = [];
        private int[] _in = [], _out = [], _units = [];
        private NDArray[] _y = [], _c = [], _h = [];
        private T[]?[] _seq = [];
        private T[][] _ws = [], _state = [];
        private RnnPackCache[] _packs = [];
        private T[]? _x;
        private int[]? _lengths;
        private int _layers, _batch, _time, _steps;
        private bool _batchMajor, _hasLengths;

        public int ChunkCount { get; private set; }

        /// <summary>Checks every layer (the ops' own checks and messages), allocates the outputs and rents the scratch.</summary>
        public void Prepare(ReadOnlySpan<OpContext> members)
        {
            int n = members.Length;
            if (_ctx.Length != n)
            {
                _ctx = new OpContext[n];
                _kind = new Kind[n];
                _lstm = new LstmConfig[n];
                _gru = new GruConfig[n];
                _rnn = new SimpleRnnConfig[n];
                _in = new int[n];
                _out = new int[n];
                _units = new int[n];
                _y = new NDArray[n];
                _c = new NDArray[n];
                _h = new NDArray[n];
                _seq = new T[n][];
                _ws = new T[n][];
                _state = new T[n][];
                _packs = new RnnPackCache[n];
                for (int l = 0; l < n; l++) _packs[l] = new RnnPackCache();
            }
            _layers = n;
            var first = members[0];
            _batchMajor = FusedRnnCommon.BatchMajor(first);
            Span<int> dims = stackalloc int[3];
            for (int l = 0; l < n; l++)
            {
                var ctx = members[l];
                _ctx[l] = ctx;
                _packs[l].Reset();   // the weights may have changed since the last run
                if (l > 0) ctx.InputArray[0] = _y[l - 1];
                int b, t, i, h, p;
                switch (ctx.Op.Type)
                {
                    case "FusedLstm":
                        _kind[l] = Kind.Lstm;
                        _lstm[l] = FusedLstmOp.Config(ctx);
                        (t, b, i, h, p) = (_lstm[l].Time, _lstm[l].Batch, _lstm[l].InputSize, _lstm[l].Units, _lstm[l].OutputSize);
                        break;
                    case "FusedGru":
                        _kind[l] = Kind.Gru;
                        _gru[l] = FusedGruOp.Config(ctx);
                        (t, b, i, h, p) = (_gru[l].Time, _gru[l].Batch, _gru[l].InputSize, _gru[l].Units, _gru[l].Units);
                        break;
                    default:
                        _kind[l] = Kind.Rnn;
                        _rnn[l] = FusedSimpleRnnOp.Config(ctx);
                        (t, b, i, h, p) = (_rnn[l].Time, _rnn[l].Batch, _rnn[l].InputSize, _rnn[l].Units, _rnn[l].Units);
                        break;
                }
                if (l == 0)
                {
                    (_batch, _time) = (b, t);
                    _hasLengths = first.Attr<bool>("has_lengths");
                    var lengths = FusedRnnCommon.Lengths(first, b);
                    // Every layer keeps its packed weights from chunk to chunk (RnnPackCache): the shorter chunks.
                    (_steps, ChunkCount) = Windows(t);
                    _lengths = _hasLengths ? first.RentScratch<int>(ChunkCount * b) : null;
                    for (int c = 0; _lengths is not null && c < ChunkCount; c++)
                    {
                        int t0 = c * _steps, steps = Math.Min(_steps, t - t0);
                        for (int r = 0; r < b; r++) _lengths[(c * b) + r] = Math.Clamp(Math.Min(lengths[r], t) - t0, 0, steps);
                    }
                    _x = _batchMajor ? first.RentScratch<T>(t * b * i) : null;
                }
                (_in[l], _out[l], _units[l]) = (i, p, h);
                (_y[l], _c[l], _h[l]) = AllocateLayerOutputs(ctx, _kind[l], _batchMajor, t, b, h, p, dims);
                _seq[l] = _batchMajor ? ctx.RentScratch<T>(t * b * p) : null;
                _ws[l] = ctx.RentScratch<T>(WorkspaceSize(l, _steps));
                // Two state buffers (c and h, or h) that the chunks take turns to read and write.
                _state[l] = ctx.RentScratch<T>(2 * b * (h + p));
            }
        }

        /// <summary>Drops every reference to this run's arrays and contexts (the scratch goes back to the pool with the contexts).</summary>
        public void Clear()
        {
            _x = null;
            _lengths = null;
            Array.Clear(_ws);
            Array.Clear(_state);
            Array.Clear(_seq);
            Array.Clear(_y);
            Array.Clear(_c);
            Array.Clear(_h);
            Array.Clear(_ctx);
        }

        /// <summary>Sets every member's outputs (the workspace output: none, as in inference).</summary>
        public void SetOutputs(ReadOnlySpan<OpContext> members)
        {
            for (int l = 0; l < members.Length; l++)
            {
                var ctx = members[l];
                SetLayerOutputs(ctx, _kind[l], _y[l], _c[l], _h[l]);
                FusedRnnCommon.FinishForward(ctx, ctx.Op.Outputs.Count - 1, Array.Empty<T>(), 0, training: false);
            }
        }

        private int WorkspaceSize(int l, int steps) => _kind[l] switch
        {
            Kind.Lstm => LstmKernel.WorkspaceSize(_lstm[l] with { Time = steps, BatchMajor = false }, training: false),
            Kind.Gru => GruKernel.WorkspaceSize(_gru[l] with { Time = steps, BatchMajor = false }, training: false),
            _ => SimpleRnnKernel.WorkspaceSize(_rnn[l] with { Time = steps, BatchMajor = false }, training: false),
        };

        /// <summary>Layer <paramref name="l"/> over chunk <paramref name="chunk"/>: time-major spans of the chunk, state carried between chunks.</summary>
        public void Run(int l, int chunk)
        {
            int b = _batch, t0 = chunk * _steps, steps = Math.Min(_steps, _time - t0);
            int i = _in[l], p = _out[l], h = _units[l];
            var ctx = _ctx[l];
            ReadOnlySpan<T> x;
            if (l > 0)
            {
                x = (_batchMajor ? _seq[l - 1].AsSpan() : _y[l - 1].Data<T>()).Slice(t0 * b * i, steps * b * i);
            }
            else if (_batchMajor)
            {
                var src = ctx.Input(0).AsSpan<T>();
                var dst = _x!.AsSpan(t0 * b * i, steps * b * i);
                for (int r = 0; r < b; r++)
                {
                    for (int s = 0; s < steps; s++) src.Slice(((r * _time) + t0 + s) * i, i).CopyTo(dst.Slice(((s * b) + r) * i, i));
                }
                x = dst;
            }
            else
            {
                x = ctx.Input(0).AsSpan<T>().Slice(t0 * b * i, steps * b * i);
            }
            Span<T> y = (_batchMajor ? _seq[l].AsSpan() : _y[l].Data<T>()).Slice(t0 * b * p, steps * b * p);
            ReadOnlySpan<int> lengths = _lengths is null ? default : _lengths.AsSpan(chunk * b, b);
            // State: chunk 0 reads the op's initial state; chunk c reads buffer (c − 1) % 2 and writes buffer c % 2; the last
            // chunk writes the op's final-state outputs.
            int width = b * (h + p);
            var st = _state[l].AsSpan();
            var read = st.Slice(((chunk + 1) & 1) * width, width);
            var write = st.Slice((chunk & 1) * width, width);
            bool last = chunk == ChunkCount - 1;
            var ws = _ws[l].AsSpan(0, WorkspaceSize(l, steps));
            switch (_kind[l])
            {
                case Kind.Lstm:
                {
                    // The packed weights stay in the layer's cache from chunk to chunk.
                    var cfg = _lstm[l] with { Time = steps, BatchMajor = false, PackCache = _packs[l] };
                    TApi.LstmForward(cfg, FusedLstmOp.Weights<T>(ctx, _lstm[l]), x, lengths,
                        chunk == 0 ? ctx.Input(2).AsSpan<T>() : read[..(b * h)], chunk == 0 ? ctx.Input(3).AsSpan<T>() : read.Slice(b * h, b * p),
                        y, last ? _c[l].Data<T>() : write[..(b * h)], last ? _h[l].Data<T>() : write.Slice(b * h, b * p), ws, training: false);
                    break;
                }
                case Kind.Gru:
                    TApi.GruForward(_gru[l] with { Time = steps, BatchMajor = false, PackCache = _packs[l] }, FusedGruOp.Weights<T>(ctx, _gru[l]), x, lengths,
                        chunk == 0 ? ctx.Input(2).AsSpan<T>() : read[..(b * h)], y, last ? _h[l].Data<T>() : write[..(b * h)], ws, training: false);
                    break;
                default:
                    TApi.RnnForward(_rnn[l] with { Time = steps, BatchMajor = false, PackCache = _packs[l] }, ctx.Input(3).AsSpan<T>(), ctx.Input(4).AsSpan<T>(), x, lengths,
                        chunk == 0 ? ctx.Input(2).AsSpan<T>() : read[..(b * h)], y, last ? _h[l].Data<T>() : write[..(b * h)], ws, training: false);
                    break;
            }
            if (_batchMajor)
            {
                var dst = _y[l].Data<T>();
                for (int r = 0; r < b; r++)
                {
                    for (int s = 0; s < steps; s++) y.Slice(((s * b) + r) * p, p).CopyTo(dst.AsSpan(((r * _time) + t0 + s) * p, p));
                }
            }
        }
    }
}
