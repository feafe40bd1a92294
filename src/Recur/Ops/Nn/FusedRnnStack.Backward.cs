using System.Numerics.Tensors;
using Recur.Kernels;
using Recur.Kernels.Rnn;

namespace Recur;

/// <summary>
/// The backward half of the layer wavefront (docs/decisions/0010, tenth part): the gradient ops of layers whose forward
/// ran as a training wavefront read workspaces saved in time chunks. Each chunk's backward is the layer's own backward
/// kernel over the chunk — its saved workspace, its rows of x and dy, the lengths cut to it — started from the state
/// gradients the later chunk ended in; the chunks' weight gradients are summed. A chain of such gradient ops (top layer
/// first, each one's dx the next one's dy) runs as a wavefront: the top layer's chunk c while the layer below runs
/// chunk c + 1. A gradient op outside a chain runs its chunks last to first on the calling thread.
/// </summary>
internal static partial class FusedRnnStack
{
    private static long s_backwardWavefronts, s_chunkedAlone;

    /// <summary>How many backward wavefront runs (chains of gradient ops) have happened in this process.</summary>
    public static long BackwardWavefrontRuns => Interlocked.Read(ref s_backwardWavefronts);

    /// <summary>How many gradient ops have run alone over a chunked workspace in this process.</summary>
    public static long ChunkedAloneRuns => Interlocked.Read(ref s_chunkedAlone);

    /// <summary>The index of a gradient op's workspace input (after the forward inputs).</summary>
    private static int WorkspaceInput(Operation grad) => grad.Outputs.Count + 1;

    /// <summary>Runs a chain of gradient ops over chunked workspaces as a wavefront; false (nothing set) when a workspace is not chunked alike.</summary>
    private static bool TryRunBackward(ReadOnlySpan<OpContext> members)
    {
        var x = members[0].Input(0);
        return x.DType == DType.Float64 ? TryRunBackward<double, FusedF64>(members) : TryRunBackward<float, FusedF32>(members);
    }

    private static bool TryRunBackward<T, TApi>(ReadOnlySpan<OpContext> members)
        where TApi : IFusedRnnApi<T>
    {
        int steps = 0;
        foreach (var m in members)
        {
            var a = m.Input(WorkspaceInput(m.Op));
            if (a.DType != DType.Variant || a.Payload<object>() is not FusedRnnWorkspace<T> { ChunkSteps: > 0 } w) return false;
            if (steps != 0 && w.ChunkSteps != steps) return false;
            steps = w.ChunkSteps;
        }
        var run = (BackRun<T, TApi>)s_runs.GetValue(members[0], _ => new BackRun<T, TApi>());
        try
        {
            run.Prepare(members);
            RnnWavefront.Run(run, members.Length, run.ChunkCount, Gemm.MaxThreads);
            run.SetOutputs();
        }
        finally
        {
            run.Clear();
        }
        Interlocked.Increment(ref s_backwardWavefronts);
        return true;
    }

    /// <summary>One gradient op over a chunked workspace, outside a chain: its chunks last to first on this thread.</summary>
    public static void BackwardAlone<T, TApi>(OpContext ctx)
        where TApi : IFusedRnnApi<T>
    {
        var run = (BackRun<T, TApi>)s_runs.GetValue(ctx, _ => new BackRun<T, TApi>());
        try
        {
            run.Prepare([ctx]);
            for (int q = 0; q < run.ChunkCount; q++) run.Run(0, q);
            run.SetOutputs();
        }
        finally
        {
            run.Clear();
        }
        Interlocked.Increment(ref s_chunkedAlone);
    }

    /// <summary>
    /// One backward run's gradient ops (member 0 = the top layer), buffers and tasks; kept per frame and reused. Task
    /// (m, q) is member m's chunk C − 1 − q: the wavefront's "chunk order" is reversed time.
    /// </summary>
    private sealed class BackRun<T, TApi> : IWavefrontTasks
        where TApi : IFusedRnnApi<T>
    {
        private OpContext[] _ctx = [];
        private Kind[] _kind = [];
        private LstmConfig[] _lstm = [];
        private GruConfig[] _gru = [];
        private SimpleRnnConfig[] _rnn = [];
        private int[] _in = [], _out = [], _units = [], _stride = [], _weightsFrom = [];
        private bool[] _hasDy = [], _hasDc = [], _hasDh = [], _began = [];
        private NDArray[][] _outs = [], _acc = [];
        private (FusedRnnWorkspace<T> Saved, T[] Buffer, bool Owned)[] _saved = [];
        private T[]?[] _dxSeq = [], _xChunk = [], _dyChunk = [];
        private T[][] _state = [];
        private int[]? _lengths;
        private int _members, _batch, _time, _steps;
        private bool _batchMajor;

        public int ChunkCount { get; private set; }

        /// <summary>Checks every member (the ops' own checks and messages), allocates the outputs, takes the saved workspaces and rents the scratch.</summary>
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
                (_in, _out, _units, _stride, _weightsFrom) = (new int[n], new int[n], new int[n], new int[n], new int[n]);
                (_hasDy, _hasDc, _hasDh, _began) = (new bool[n], new bool[n], new bool[n], new bool[n]);
                _outs = new NDArray[n][];
                _acc = new NDArray[n][];
                _saved = new (FusedRnnWorkspace<T>, T[], bool)[n];
                (_dxSeq, _xChunk, _dyChunk) = (new T[n][], new T[n][], new T[n][]);
                _state = new T[n][];
            }
            _members = n;
            var first = members[0];
            _batchMajor = FusedRnnCommon.BatchMajor(first);
            Span<int> dims = stackalloc int[3];
            for (int m = 0; m < n; m++)
            {
                var ctx = members[m];
                _ctx[m] = ctx;
                var op = ctx.Op;
                int wsIndex = WorkspaceInput(op), dyIndex = wsIndex + 1;
                if (m > 0) ctx.InputArray[dyIndex] = _outs[m - 1][0];
                int b, t, i, h, p;
                switch (op.Type)
                {
                    case "FusedLstmGrad":
                        _kind[m] = Kind.Lstm;
                        _lstm[m] = FusedLstmOp.Config(ctx);
                        (t, b, i, h, p) = (_lstm[m].Time, _lstm[m].Batch, _lstm[m].InputSize, _lstm[m].Units, _lstm[m].OutputSize);
                        _weightsFrom[m] = 3;
                        break;
                    case "FusedGruGrad":
                        _kind[m] = Kind.Gru;
                        _gru[m] = FusedGruOp.Config(ctx);
                        (t, b, i, h, p) = (_gru[m].Time, _gru[m].Batch, _gru[m].InputSize, _gru[m].Units, _gru[m].Units);
                        _weightsFrom[m] = 2;
                        break;
                    default:
                        _kind[m] = Kind.Rnn;
                        _rnn[m] = FusedSimpleRnnOp.Config(ctx);
                        (t, b, i, h, p) = (_rnn[m].Time, _rnn[m].Batch, _rnn[m].InputSize, _rnn[m].Units, _rnn[m].Units);
                        _weightsFrom[m] = 2;
                        break;
                }
                (_in[m], _out[m], _units[m]) = (i, p, h);
                var saved = FusedRnnCommon.SavedWorkspace<T>(ctx, wsIndex);
                if (m == 0)
                {
                    (_batch, _time, _steps) = (b, t, saved.ChunkSteps);
                    if (_steps <= 0 || t <= 0)
                        ctx.Fail($"the saved workspace is chunked by {_steps} steps for a sequence of {t} steps.");
                    ChunkCount = (t + _steps - 1) / _steps;
                    var lengths = FusedRnnCommon.Lengths(ctx, b);
                    _lengths = lengths.IsEmpty ? null : ctx.RentScratch<int>(ChunkCount * b);
                    for (int c = 0; _lengths is not null && c < ChunkCount; c++)
                    {
                        int t0 = c * _steps, steps = Math.Min(_steps, t - t0);
                        for (int r = 0; r < b; r++) _lengths[(c * b) + r] = Math.Clamp(Math.Min(lengths[r], t) - t0, 0, steps);
                    }
                }
                else if (b != _batch || t != _time)
                {
                    ctx.Fail($"the layer below has (time, batch) ({t}, {b}), but the layer above has ({_time}, {_batch}).");
                }
                // The incoming gradients: checked like the op does; empty means zeros.
                var seqDims = FusedRnnCommon.SequenceDims(_batchMajor, t, b, p, dims);
                _hasDy[m] = m > 0 || !FusedRnnCommon.Gradient<T>(ctx, ctx.Input(dyIndex), "the gradient of y", seqDims).IsEmpty;
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
                _stride[m] = FusedRnnStack.ChunkStride(_kind[m], _lstm[m], _gru[m], _rnn[m], _steps, t);
                if (saved.ChunkSteps != _steps || saved.ChunkLength != _stride[m])
                    ctx.Fail($"the saved workspace has chunks of {saved.ChunkSteps} steps and {saved.ChunkLength} elements, but this layer needs {_steps} steps and {_stride[m]} elements.");
                _saved[m] = FusedRnnCommon.BeginBackward<T>(ctx, wsIndex, ChunkCount * _stride[m]);
                _began[m] = true;

                // Outputs: one gradient per forward input but the lengths, shaped like it.
                var outs = _outs[m] is { } o && o.Length == op.Outputs.Count ? o : _outs[m] = new NDArray[op.Outputs.Count];
                var dtype = ctx.Input(0).DType;
                for (int k = 0, f = 0; k < outs.Length; f++)
                {
                    if (f == 1) continue;
                    outs[k] = ctx.AllocateOutput(k, ctx.Input(f).Shape, dtype);
                    k++;
                }
                // The later chunks' weight gradients go to arrays of the same shapes, then are added: kept across runs.
                var acc = _acc[m];
                bool fits = acc is not null && acc.Length == outs.Length;
                for (int k = _weightsFrom[m]; fits && k < outs.Length; k++) fits = acc![k].DType == dtype && acc[k].Shape.Equals(outs[k].Shape);
                if (!fits)
                {
                    acc = _acc[m] = new NDArray[outs.Length];
                    for (int k = _weightsFrom[m]; k < outs.Length; k++) acc[k] = NDArray.Zeros(outs[k].Shape, dtype);
                }
                _dxSeq[m] = _batchMajor ? ctx.RentScratch<T>(t * b * i) : null;
                _xChunk[m] = _batchMajor ? ctx.RentScratch<T>(_steps * b * i) : null;
                _dyChunk[m] = _batchMajor && m == 0 && _hasDy[m] ? ctx.RentScratch<T>(_steps * b * p) : null;
                _state[m] = ctx.RentScratch<T>(2 * b * (h + p));
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
            _lengths = null;
            Array.Clear(_dxSeq);
            Array.Clear(_xChunk);
            Array.Clear(_dyChunk);
            Array.Clear(_state);
            Array.Clear(_ctx);
        }

        /// <summary>Sets every member's outputs.</summary>
        public void SetOutputs()
        {
            for (int m = 0; m < _members; m++)
            {
                var outs = _outs[m];
                for (int k = 0; k < outs.Length; k++) _ctx[m].SetOutput(k, outs[k]);
            }
        }

        /// <summary>Rows [t0, t0 + steps) of a sequence in the op's layout, time-major: a slice, or gathered into <paramref name="gather"/> when batch-major.</summary>
        private ReadOnlySpan<T> Chunk(NDArray seq, int width, int t0, int steps, T[]? gather)
        {
            int b = _batch;
            var src = seq.AsSpan<T>();
            if (!_batchMajor) return src.Slice(t0 * b * width, steps * b * width);
            var dst = gather.AsSpan(0, steps * b * width);
            for (int r = 0; r < b; r++)
            {
                for (int s = 0; s < steps; s++) src.Slice(((r * _time) + t0 + s) * width, width).CopyTo(dst.Slice(((s * b) + r) * width, width));
            }
            return dst;
        }

        /// <summary>Member <paramref name="m"/> over chunk C − 1 − <paramref name="q"/> (the q-th chunk it runs).</summary>
        public void Run(int m, int q)
        {
            int chunk = ChunkCount - 1 - q;
            int b = _batch, t0 = chunk * _steps, steps = Math.Min(_steps, _time - t0);
            int i = _in[m], p = _out[m], h = _units[m];
            var ctx = _ctx[m];
            var outs = _outs[m];
            int dyIndex = WorkspaceInput(ctx.Op) + 1;
            ReadOnlySpan<T> x = Chunk(ctx.Input(0), i, t0, steps, _xChunk[m]);
            ReadOnlySpan<T> dy = m > 0
                ? (_batchMajor ? _dxSeq[m - 1].AsSpan() : _outs[m - 1][0].Data<T>().AsSpan()).Slice(t0 * b * p, steps * b * p)
                : _hasDy[m] ? Chunk(ctx.Input(dyIndex), p, t0, steps, _dyChunk[m]) : default;
            Span<T> dx = (_batchMajor ? _dxSeq[m].AsSpan() : outs[0].Data<T>().AsSpan()).Slice(t0 * b * i, steps * b * i);
            ReadOnlySpan<int> lengths = _lengths is null ? default : _lengths.AsSpan(chunk * b, b);
            // State gradients: the last chunk reads the op's incoming ones; chunk c reads what chunk c + 1 wrote (buffers
            // taking turns); chunk 0 writes the op's dc0/dh0 outputs.
            int width = b * (h + p);
            var st = _state[m].AsSpan();
            var read = st.Slice(((q + 1) & 1) * width, width);
            var write = st.Slice((q & 1) * width, width);
            bool firstRun = q == 0, initial = chunk == 0;
            var ws = FusedRnnCommon.BackwardSpan(ctx, _saved[m]).Slice(chunk * _stride[m],
                FusedRnnStack.WorkspaceSize(_kind[m], _lstm[m], _gru[m], _rnn[m], steps, training: true));
            // The first chunk run writes the op's weight gradients; later ones write the spare arrays, added after.
            var grads = firstRun ? outs : _acc[m];
            switch (_kind[m])
            {
                case Kind.Lstm:
                {
                    var cfg = _lstm[m] with { Time = steps, BatchMajor = false };
                    ReadOnlySpan<T> dc = firstRun ? (_hasDc[m] ? ctx.Input(dyIndex + 1).AsSpan<T>() : default) : read[..(b * h)];
                    ReadOnlySpan<T> dh = firstRun ? (_hasDh[m] ? ctx.Input(dyIndex + 2).AsSpan<T>() : default) : read.Slice(b * h, b * p);
                    TApi.LstmBackward(cfg, FusedLstmOp.Weights<T>(ctx, _lstm[m]), x, lengths, dy, dc, dh, ws, dx,
                        initial ? outs[1].Data<T>() : write[..(b * h)], initial ? outs[2].Data<T>() : write.Slice(b * h, b * p),
                        FusedLstmOp.Gradients<T>(_lstm[m], grads));
                    break;
                }
                case Kind.Gru:
                {
                    ReadOnlySpan<T> dh = firstRun ? (_hasDh[m] ? ctx.Input(dyIndex + 1).AsSpan<T>() : default) : read[..(b * h)];
                    TApi.GruBackward(_gru[m] with { Time = steps, BatchMajor = false }, FusedGruOp.Weights<T>(ctx, _gru[m]), x, lengths, dy, dh, ws, dx,
                        initial ? outs[1].Data<T>() : write[..(b * h)], FusedGruOp.Gradients<T>(_gru[m], grads));
                    break;
                }
                default:
                {
                    ReadOnlySpan<T> dh = firstRun ? (_hasDh[m] ? ctx.Input(dyIndex + 1).AsSpan<T>() : default) : read[..(b * h)];
                    TApi.RnnBackward(_rnn[m] with { Time = steps, BatchMajor = false }, ctx.Input(3).AsSpan<T>(), x, lengths, dy, dh, ws, dx,
                        initial ? outs[1].Data<T>() : write[..(b * h)], grads[2].Data<T>(), grads[3].Data<T>());
                    break;
                }
            }
            if (!firstRun)
            {
                for (int k = _weightsFrom[m]; k < outs.Length; k++) Accumulate(outs[k], _acc[m][k]);
            }
            if (_batchMajor)
            {
                var dst = outs[0].Data<T>();
                for (int r = 0; r < b; r++)
                {
                    for (int s = 0; s < steps; s++) dx.Slice(((s * b) + r) * i, i).CopyTo(dst.AsSpan(((r * _time) + t0 + s) * i, i));
                }
            }
        }

        /// <summary><paramref name="sum"/> += <paramref name="part"/>.</summary>
        private static void Accumulate(NDArray sum, NDArray part)
        {
            if (sum.DType == DType.Float64) TensorPrimitives.Add(sum.Data<double>(), part.Data<double>(), sum.Data<double>());
            else TensorPrimitives.Add(sum.Data<float>(), part.Data<float>(), sum.Data<float>());
        }
    }
}
