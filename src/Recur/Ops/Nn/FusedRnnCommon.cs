using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using Recur.Kernels.Rnn;

namespace Recur;

/// <summary>
/// The training workspace a fused RNN op hands to its gradient op (a variant output): everything the backward pass
/// needs, saved by the forward pass. The buffer is rented from <see cref="ArrayPool{T}.Shared"/> and given back by the
/// gradient op once it is the only reader.
/// </summary>
internal sealed class FusedRnnWorkspace<T>(T[] buffer, int length)
{
    private T[]? _buffer = buffer;

    public int Length { get; } = length;

    /// <summary>The saved values; throws once the buffer has been given back.</summary>
    public Span<T> Span(OpContext ctx) =>
        _buffer is { } b ? b.AsSpan(0, Length) : throw new InvalidOperationException($"{ctx.Op.Type} '{ctx.Op.Name}': the forward pass's workspace was already consumed by another gradient op.");

    /// <summary>Gives the buffer back to the pool (the backward pass has overwritten it).</summary>
    public void Release()
    {
        var b = Interlocked.Exchange(ref _buffer, null);
        if (b is not null) ArrayPool<T>.Shared.Return(b);
    }
}

/// <summary>Typed entry points of the span kernels, so one generic op body serves float and double.</summary>
internal interface IFusedRnnApi<T>
{
    static abstract void LstmForward(in LstmConfig c, LstmWeights<T> w, ReadOnlySpan<T> x, ReadOnlySpan<int> lengths, ReadOnlySpan<T> c0, ReadOnlySpan<T> h0,
        Span<T> y, Span<T> cFinal, Span<T> hFinal, Span<T> workspace, bool training);

    static abstract void LstmBackward(in LstmConfig c, LstmWeights<T> w, ReadOnlySpan<T> x, ReadOnlySpan<int> lengths, ReadOnlySpan<T> dy, ReadOnlySpan<T> dcFinal,
        ReadOnlySpan<T> dhFinal, Span<T> workspace, Span<T> dx, Span<T> dc0, Span<T> dh0, LstmGradients<T> g);

    static abstract void LstmForwardWindow(in LstmConfig c, LstmWeights<T> w, ReadOnlySpan<T> x, ReadOnlySpan<int> lengths, ReadOnlySpan<T> c0, ReadOnlySpan<T> h0,
        Span<T> y, Span<T> cFinal, Span<T> hFinal, Span<T> workspace, bool training, int start, int end);

    static abstract void LstmBackwardWindow(in LstmConfig c, LstmWeights<T> w, ReadOnlySpan<T> x, ReadOnlySpan<int> lengths, ReadOnlySpan<T> dy, ReadOnlySpan<T> dcFinal,
        ReadOnlySpan<T> dhFinal, Span<T> workspace, Span<T> dx, Span<T> dc0, Span<T> dh0, int start, int end, Span<T> dxScratch);

    static abstract void LstmBackwardWeights(in LstmConfig c, Span<T> workspace, LstmGradients<T> g);

    static abstract void GruForwardWindow(in GruConfig c, GruWeights<T> w, ReadOnlySpan<T> x, ReadOnlySpan<int> lengths, ReadOnlySpan<T> h0,
        Span<T> y, Span<T> hFinal, Span<T> workspace, bool training, int start, int end);

    static abstract void GruBackwardWindow(in GruConfig c, GruWeights<T> w, ReadOnlySpan<T> x, ReadOnlySpan<int> lengths, ReadOnlySpan<T> dy, ReadOnlySpan<T> dhFinal,
        Span<T> workspace, Span<T> dx, Span<T> dh0, int start, int end, Span<T> dxScratch);

    static abstract void GruBackwardWeights(in GruConfig c, ReadOnlySpan<T> x, Span<T> workspace, GruGradients<T> g);

    static abstract void RnnForwardWindow(in SimpleRnnConfig c, ReadOnlySpan<T> kernel, ReadOnlySpan<T> bias, ReadOnlySpan<T> x, ReadOnlySpan<int> lengths, ReadOnlySpan<T> h0,
        Span<T> y, Span<T> hFinal, Span<T> workspace, bool training, int start, int end);

    static abstract void RnnBackwardWindow(in SimpleRnnConfig c, ReadOnlySpan<T> kernel, ReadOnlySpan<T> x, ReadOnlySpan<int> lengths, ReadOnlySpan<T> dy, ReadOnlySpan<T> dhFinal,
        Span<T> workspace, Span<T> dx, Span<T> dh0, int start, int end, Span<T> dxScratch);

    static abstract void RnnBackwardWeights(in SimpleRnnConfig c, ReadOnlySpan<T> x, Span<T> workspace, Span<T> dKernel, Span<T> dBias);

    static abstract void GruForward(in GruConfig c, GruWeights<T> w, ReadOnlySpan<T> x, ReadOnlySpan<int> lengths, ReadOnlySpan<T> h0,
        Span<T> y, Span<T> hFinal, Span<T> workspace, bool training);

    static abstract void GruBackward(in GruConfig c, GruWeights<T> w, ReadOnlySpan<T> x, ReadOnlySpan<int> lengths, ReadOnlySpan<T> dy, ReadOnlySpan<T> dhFinal,
        Span<T> workspace, Span<T> dx, Span<T> dh0, GruGradients<T> g);

    static abstract void RnnForward(in SimpleRnnConfig c, ReadOnlySpan<T> kernel, ReadOnlySpan<T> bias, ReadOnlySpan<T> x, ReadOnlySpan<int> lengths, ReadOnlySpan<T> h0,
        Span<T> y, Span<T> hFinal, Span<T> workspace, bool training);

    static abstract void RnnBackward(in SimpleRnnConfig c, ReadOnlySpan<T> kernel, ReadOnlySpan<T> x, ReadOnlySpan<int> lengths, ReadOnlySpan<T> dy, ReadOnlySpan<T> dhFinal,
        Span<T> workspace, Span<T> dx, Span<T> dh0, Span<T> dKernel, Span<T> dBias);
}

/// <summary>Single precision kernels.</summary>
internal readonly struct FusedF32 : IFusedRnnApi<float>
{
    public static void LstmForward(in LstmConfig c, LstmWeights<float> w, ReadOnlySpan<float> x, ReadOnlySpan<int> lengths, ReadOnlySpan<float> c0, ReadOnlySpan<float> h0,
        Span<float> y, Span<float> cFinal, Span<float> hFinal, Span<float> workspace, bool training) =>
        LstmKernel.Forward(c, w, x, lengths, c0, h0, y, cFinal, hFinal, workspace, training);

    public static void LstmBackward(in LstmConfig c, LstmWeights<float> w, ReadOnlySpan<float> x, ReadOnlySpan<int> lengths, ReadOnlySpan<float> dy, ReadOnlySpan<float> dcFinal,
        ReadOnlySpan<float> dhFinal, Span<float> workspace, Span<float> dx, Span<float> dc0, Span<float> dh0, LstmGradients<float> g) =>
        LstmKernel.Backward(c, w, x, lengths, dy, dcFinal, dhFinal, workspace, dx, dc0, dh0, g);

    public static void LstmForwardWindow(in LstmConfig c, LstmWeights<float> w, ReadOnlySpan<float> x, ReadOnlySpan<int> lengths, ReadOnlySpan<float> c0, ReadOnlySpan<float> h0,
        Span<float> y, Span<float> cFinal, Span<float> hFinal, Span<float> workspace, bool training, int start, int end) =>
        LstmKernel.ForwardWindow(c, w, x, lengths, c0, h0, y, cFinal, hFinal, workspace, training, start, end);

    public static void LstmBackwardWindow(in LstmConfig c, LstmWeights<float> w, ReadOnlySpan<float> x, ReadOnlySpan<int> lengths, ReadOnlySpan<float> dy, ReadOnlySpan<float> dcFinal,
        ReadOnlySpan<float> dhFinal, Span<float> workspace, Span<float> dx, Span<float> dc0, Span<float> dh0, int start, int end, Span<float> dxScratch) =>
        LstmKernel.BackwardWindow(c, w, x, lengths, dy, dcFinal, dhFinal, workspace, dx, dc0, dh0, start, end, dxScratch);

    public static void LstmBackwardWeights(in LstmConfig c, Span<float> workspace, LstmGradients<float> g) => LstmKernel.BackwardWeights(c, workspace, g);

    public static void GruForwardWindow(in GruConfig c, GruWeights<float> w, ReadOnlySpan<float> x, ReadOnlySpan<int> lengths, ReadOnlySpan<float> h0,
        Span<float> y, Span<float> hFinal, Span<float> workspace, bool training, int start, int end) =>
        GruKernel.ForwardWindow(c, w, x, lengths, h0, y, hFinal, workspace, training, start, end);

    public static void GruBackwardWindow(in GruConfig c, GruWeights<float> w, ReadOnlySpan<float> x, ReadOnlySpan<int> lengths, ReadOnlySpan<float> dy, ReadOnlySpan<float> dhFinal,
        Span<float> workspace, Span<float> dx, Span<float> dh0, int start, int end, Span<float> dxScratch) =>
        GruKernel.BackwardWindow(c, w, x, lengths, dy, dhFinal, workspace, dx, dh0, start, end, dxScratch);

    public static void GruBackwardWeights(in GruConfig c, ReadOnlySpan<float> x, Span<float> workspace, GruGradients<float> g) => GruKernel.BackwardWeights(c, x, workspace, g);

    public static void RnnForwardWindow(in SimpleRnnConfig c, ReadOnlySpan<float> kernel, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, ReadOnlySpan<int> lengths, ReadOnlySpan<float> h0,
        Span<float> y, Span<float> hFinal, Span<float> workspace, bool training, int start, int end) =>
        SimpleRnnKernel.ForwardWindow(c, kernel, bias, x, lengths, h0, y, hFinal, workspace, training, start, end);

    public static void RnnBackwardWindow(in SimpleRnnConfig c, ReadOnlySpan<float> kernel, ReadOnlySpan<float> x, ReadOnlySpan<int> lengths, ReadOnlySpan<float> dy, ReadOnlySpan<float> dhFinal,
        Span<float> workspace, Span<float> dx, Span<float> dh0, int start, int end, Span<float> dxScratch) =>
        SimpleRnnKernel.BackwardWindow(c, kernel, x, lengths, dy, dhFinal, workspace, dx, dh0, start, end, dxScratch);

    public static void RnnBackwardWeights(in SimpleRnnConfig c, ReadOnlySpan<float> x, Span<float> workspace, Span<float> dKernel, Span<float> dBias) =>
        SimpleRnnKernel.BackwardWeights(c, x, workspace, dKernel, dBias);

    public static void GruForward(in GruConfig c, GruWeights<float> w, ReadOnlySpan<float> x, ReadOnlySpan<int> lengths, ReadOnlySpan<float> h0,
        Span<float> y, Span<float> hFinal, Span<float> workspace, bool training) =>
        GruKernel.Forward(c, w, x, lengths, h0, y, hFinal, workspace, training);

    public static void GruBackward(in GruConfig c, GruWeights<float> w, ReadOnlySpan<float> x, ReadOnlySpan<int> lengths, ReadOnlySpan<float> dy, ReadOnlySpan<float> dhFinal,
        Span<float> workspace, Span<float> dx, Span<float> dh0, GruGradients<float> g) =>
        GruKernel.Backward(c, w, x, lengths, dy, dhFinal, workspace, dx, dh0, g);

    public static void RnnForward(in SimpleRnnConfig c, ReadOnlySpan<float> kernel, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, ReadOnlySpan<int> lengths, ReadOnlySpan<float> h0,
        Span<float> y, Span<float> hFinal, Span<float> workspace, bool training) =>
        SimpleRnnKernel.Forward(c, kernel, bias, x, lengths, h0, y, hFinal, workspace, training);

    public static void RnnBackward(in SimpleRnnConfig c, ReadOnlySpan<float> kernel, ReadOnlySpan<float> x, ReadOnlySpan<int> lengths, ReadOnlySpan<float> dy, ReadOnlySpan<float> dhFinal,
        Span<float> workspace, Span<float> dx, Span<float> dh0, Span<float> dKernel, Span<float> dBias) =>
        SimpleRnnKernel.Backward(c, kernel, x, lengths, dy, dhFinal, workspace, dx, dh0, dKernel, dBias);
}

/// <summary>Double precision kernels.</summary>
internal readonly struct FusedF64 : IFusedRnnApi<double>
{
    public static void LstmForward(in LstmConfig c, LstmWeights<double> w, ReadOnlySpan<double> x, ReadOnlySpan<int> lengths, ReadOnlySpan<double> c0, ReadOnlySpan<double> h0,
        Span<double> y, Span<double> cFinal, Span<double> hFinal, Span<double> workspace, bool training) =>
        LstmKernel.Forward(c, w, x, lengths, c0, h0, y, cFinal, hFinal, workspace, training);

    public static void LstmBackward(in LstmConfig c, LstmWeights<double> w, ReadOnlySpan<double> x, ReadOnlySpan<int> lengths, ReadOnlySpan<double> dy, ReadOnlySpan<double> dcFinal,
        ReadOnlySpan<double> dhFinal, Span<double> workspace, Span<double> dx, Span<double> dc0, Span<double> dh0, LstmGradients<double> g) =>
        LstmKernel.Backward(c, w, x, lengths, dy, dcFinal, dhFinal, workspace, dx, dc0, dh0, g);

    public static void LstmForwardWindow(in LstmConfig c, LstmWeights<double> w, ReadOnlySpan<double> x, ReadOnlySpan<int> lengths, ReadOnlySpan<double> c0, ReadOnlySpan<double> h0,
        Span<double> y, Span<double> cFinal, Span<double> hFinal, Span<double> workspace, bool training, int start, int end) =>
        LstmKernel.ForwardWindow(c, w, x, lengths, c0, h0, y, cFinal, hFinal, workspace, training, start, end);

    public static void LstmBackwardWindow(in LstmConfig c, LstmWeights<double> w, ReadOnlySpan<double> x, ReadOnlySpan<int> lengths, ReadOnlySpan<double> dy, ReadOnlySpan<double> dcFinal,
        ReadOnlySpan<double> dhFinal, Span<double> workspace, Span<double> dx, Span<double> dc0, Span<double> dh0, int start, int end, Span<double> dxScratch) =>
        LstmKernel.BackwardWindow(c, w, x, lengths, dy, dcFinal, dhFinal, workspace, dx, dc0, dh0, start, end, dxScratch);

    public static void LstmBackwardWeights(in LstmConfig c, Span<double> workspace, LstmGradients<double> g) => LstmKernel.BackwardWeights(c, workspace, g);

    public static void GruForwardWindow(in GruConfig c, GruWeights<double> w, ReadOnlySpan<double> x, ReadOnlySpan<int> lengths, ReadOnlySpan<double> h0,
        Span<double> y, Span<double> hFinal, Span<double> workspace, bool training, int start, int end) =>
        GruKernel.ForwardWindow(c, w, x, lengths, h0, y, hFinal, workspace, training, start, end);

    public static void GruBackwardWindow(in GruConfig c, GruWeights<double> w, ReadOnlySpan<double> x, ReadOnlySpan<int> lengths, ReadOnlySpan<double> dy, ReadOnlySpan<double> dhFinal,
        Span<double> workspace, Span<double> dx, Span<double> dh0, int start, int end, Span<double> dxScratch) =>
        GruKernel.BackwardWindow(c, w, x, lengths, dy, dhFinal, workspace, dx, dh0, start, end, dxScratch);

    public static void GruBackwardWeights(in GruConfig c, ReadOnlySpan<double> x, Span<double> workspace, GruGradients<double> g) => GruKernel.BackwardWeights(c, x, workspace, g);

    public static void RnnForwardWindow(in SimpleRnnConfig c, ReadOnlySpan<double> kernel, ReadOnlySpan<double> bias, ReadOnlySpan<double> x, ReadOnlySpan<int> lengths, ReadOnlySpan<double> h0,
        Span<double> y, Span<double> hFinal, Span<double> workspace, bool training, int start, int end) =>
        SimpleRnnKernel.ForwardWindow(c, kernel, bias, x, lengths, h0, y, hFinal, workspace, training, start, end);

    public static void RnnBackwardWindow(in SimpleRnnConfig c, ReadOnlySpan<double> kernel, ReadOnlySpan<double> x, ReadOnlySpan<int> lengths, ReadOnlySpan<double> dy, ReadOnlySpan<double> dhFinal,
        Span<double> workspace, Span<double> dx, Span<double> dh0, int start, int end, Span<double> dxScratch) =>
        SimpleRnnKernel.BackwardWindow(c, kernel, x, lengths, dy, dhFinal, workspace, dx, dh0, start, end, dxScratch);

    public static void RnnBackwardWeights(in SimpleRnnConfig c, ReadOnlySpan<double> x, Span<double> workspace, Span<double> dKernel, Span<double> dBias) =>
        SimpleRnnKernel.BackwardWeights(c, x, workspace, dKernel, dBias);

    public static void GruForward(in GruConfig c, GruWeights<double> w, ReadOnlySpan<double> x, ReadOnlySpan<int> lengths, ReadOnlySpan<double> h0,
        Span<double> y, Span<double> hFinal, Span<double> workspace, bool training) =>
        GruKernel.Forward(c, w, x, lengths, h0, y, hFinal, workspace, training);

    public static void GruBackward(in GruConfig c, GruWeights<double> w, ReadOnlySpan<double> x, ReadOnlySpan<int> lengths, ReadOnlySpan<double> dy, ReadOnlySpan<double> dhFinal,
        Span<double> workspace, Span<double> dx, Span<double> dh0, GruGradients<double> g) =>
        GruKernel.Backward(c, w, x, lengths, dy, dhFinal, workspace, dx, dh0, g);

    public static void RnnForward(in SimpleRnnConfig c, ReadOnlySpan<double> kernel, ReadOnlySpan<double> bias, ReadOnlySpan<double> x, ReadOnlySpan<int> lengths, ReadOnlySpan<double> h0,
        Span<double> y, Span<double> hFinal, Span<double> workspace, bool training) =>
        SimpleRnnKernel.Forward(c, kernel, bias, x, lengths, h0, y, hFinal, workspace, training);

    public static void RnnBackward(in SimpleRnnConfig c, ReadOnlySpan<double> kernel, ReadOnlySpan<double> x, ReadOnlySpan<int> lengths, ReadOnlySpan<double> dy, ReadOnlySpan<double> dhFinal,
        Span<double> workspace, Span<double> dx, Span<double> dh0, Span<double> dKernel, Span<double> dBias) =>
        SimpleRnnKernel.Backward(c, kernel, x, lengths, dy, dhFinal, workspace, dx, dh0, dKernel, dBias);
}

/// <summary>What the fused RNN ops (FusedLstm, FusedGru, FusedRnn and their gradients) share: checks, workspaces, graph plumbing.</summary>
internal static class FusedRnnCommon
{
    private static long s_skippedInputGradients;

    /// <summary>Gradient-op runs that skipped dx because nothing in the plan read it (tests check that the path ran).</summary>
    public static long SkippedInputGradients => Interlocked.Read(ref s_skippedInputGradients);

    /// <summary>
    /// The span a gradient op hands its kernel for dx: <paramref name="dx"/>'s data when anything in the running plan reads
    /// output 0 (a fetch, or the next layer's gradient), else empty, and the kernel skips dx = dG·Wxᵀ (a sixth of a
    /// training step's products): <c>tf.gradients(loss, weights)</c> of an RNN over data does not need it. The output is
    /// still set (its values unwritten), as nothing reads it.
    /// </summary>
    public static Span<T> InputGradient<T>(OpContext ctx, NDArray dx)
    {
        if (ctx.IsOutputNeeded(0))
        {
            return dx.Data<T>();
        }

        CountSkippedInputGradient();
        return default;
    }

    /// <summary>Counts one gradient-op run that skipped dx (<see cref="SkippedInputGradients"/>).</summary>
    public static void CountSkippedInputGradient() => Interlocked.Increment(ref s_skippedInputGradients);

    /// <summary>The workspace output when nothing reads it (inference): no buffer is kept.</summary>
    private static readonly NDArray s_noWorkspace = NDArray.Variant(new object());

    /// <summary>How many gradient ops read each forward op's workspace; with more than one, each copies before overwriting.</summary>
    private static readonly ConditionalWeakTable<Operation, StrongBox<int>> s_gradientReaders = new();

    /// <summary>Builds a fused forward op: outputs as given plus the variant workspace last.</summary>
    public static Operation Build(string type, string name, IReadOnlyList<Tensor> inputs, IReadOnlyList<(DType, Shape)> outputs, Dictionary<string, object?> attrs)
    {
        var outs = outputs.Append((DType.Variant, Shape.Scalar)).ToArray();
        return Graph.Default.AddOperation(type, name, inputs, outs, attrs);
    }

    /// <summary>
    /// Builds the gradient op of <paramref name="op"/>: inputs = the forward inputs, the workspace, then one gradient per
    /// forward output but the workspace (an empty vector where none flows, read as zeros); outputs = a gradient per forward input but the
    /// lengths (input 1). Returns the gradients aligned with the forward inputs.
    /// </summary>
    public static Tensor?[] BuildGradient(Operation op, IReadOnlyList<Tensor?> dy)
    {
        var box = s_gradientReaders.GetOrCreateValue(op);
        Interlocked.Increment(ref box.Value);
        int nOut = op.Outputs.Count - 1;
        var inputs = new List<Tensor>(op.Inputs) { op.Outputs[nOut] };
        // Where no gradient flows, an empty vector: the kernels read an empty span as zeros (no fill per run).
        for (int k = 0; k < nOut; k++) inputs.Add(dy[k] ?? Tf.Constant(NDArray.Zeros(new Shape(0), op.Outputs[k].DType)));
        var outs = new List<(DType, Shape)>();
        for (int i = 0; i < op.Inputs.Count; i++)
        {
            if (i != 1) outs.Add((op.Inputs[i].DType, op.Inputs[i].Shape));
        }
        var attrs = op.Attrs.ToDictionary(kv => kv.Key, kv => kv.Value);
        var g = Graph.Default.AddOperation(op.Type + "Grad", op.Type + "Grad", inputs, outs, attrs);
        var result = new Tensor?[op.Inputs.Count];
        for (int i = 0, j = 0; i < result.Length; i++)
            result[i] = i == 1 ? null : g.Outputs[j++];
        return result;
    }

    /// <summary>
    /// The forward pass's workspace: with <paramref name="training"/> a buffer rented from <see cref="ArrayPool{T}.Shared"/>
    /// that outlives the op (the gradient op gives it back), else the run's scratch (returned when the kernel returns).
    /// </summary>
    public static T[] RentWorkspace<T>(OpContext ctx, int length, bool training) =>
        training ? ArrayPool<T>.Shared.Rent(Math.Max(length, 1)) : ctx.RentScratch<T>(length);

    /// <summary>Sets the workspace output: the saved buffer when training, else nothing (the scratch goes back by itself).</summary>
    public static void FinishForward<T>(OpContext ctx, int index, T[] buffer, int length, bool training) =>
        ctx.SetOutput(index, training ? NDArray.Variant(new FusedRnnWorkspace<T>(buffer, length)) : s_noWorkspace);

    /// <summary>
    /// The workspace for a backward pass, which overwrites it: the forward buffer itself when this gradient op is its
    /// only reader, else a rented copy. Call <see cref="EndBackward{T}"/> after.
    /// </summary>
    public static (FusedRnnWorkspace<T> Saved, T[] Buffer, bool Owned) BeginBackward<T>(OpContext ctx, int index, int expectedLength)
    {
        var arr = ctx.Input(index);
        if (arr.DType != DType.Variant || arr.Payload<object>() is not FusedRnnWorkspace<T> saved)
            throw new InvalidOperationException($"{ctx.Op.Type} '{ctx.Op.Name}': input {index} is not the workspace of a fused forward pass that ran in training mode.");
        if (saved.Length != expectedLength)
            ctx.Fail($"the saved workspace has {saved.Length} elements, but the configuration needs {expectedLength}.");
        var forward = ctx.Op.Inputs[index].Op;
        int readers = s_gradientReaders.TryGetValue(forward, out var box) ? Volatile.Read(ref box.Value) : 1;
        var span = saved.Span(ctx);
        if (readers <= 1)
            return (saved, Array.Empty<T>(), true);
        var copy = ArrayPool<T>.Shared.Rent(Math.Max(span.Length, 1));
        span.CopyTo(copy);
        return (saved, copy, false);
    }

    /// <summary>The span to run the backward pass on, from <see cref="BeginBackward{T}"/>'s result.</summary>
    public static Span<T> BackwardSpan<T>(OpContext ctx, (FusedRnnWorkspace<T> Saved, T[] Buffer, bool Owned) ws) =>
        ws.Owned ? ws.Saved.Span(ctx) : ws.Buffer.AsSpan(0, ws.Saved.Length);

    /// <summary>Gives back what the backward pass used.</summary>
    public static void EndBackward<T>((FusedRnnWorkspace<T> Saved, T[] Buffer, bool Owned) ws)
    {
        if (ws.Owned) ws.Saved.Release();
        else ArrayPool<T>.Shared.Return(ws.Buffer);
    }

    /// <summary>The op's <c>batch_major</c> attribute: x and y are (B, T, ·) instead of (T, B, ·).</summary>
    public static bool BatchMajor(OpContext ctx) => ctx.Op.Attrs.TryGetValue("batch_major", out var v) && v is true;

    /// <summary>The dims of a (T, B, width) sequence, or (B, T, width) when <paramref name="batchMajor"/>, written to <paramref name="dims"/> (3 ints).</summary>
    public static ReadOnlySpan<int> SequenceDims(bool batchMajor, int time, int batch, int width, Span<int> dims)
    {
        dims[0] = batchMajor ? batch : time;
        dims[1] = batchMajor ? time : batch;
        dims[2] = width;
        return dims[..3];
    }

    /// <summary>
    /// The static (T, B) of a fused op's input x ((T, B, I), or (B, T, I) when <paramref name="batchMajor"/>), the
    /// batch taken from the initial state <paramref name="state"/> when x does not know it; -1 where unknown.
    /// </summary>
    public static (int T, int B) StaticDims(Tensor x, Tensor state, bool batchMajor)
    {
        int t = -1, b = -1;
        if (x.Shape.IsRankKnown)
        {
            t = x.Shape[batchMajor ? 1 : 0];
            b = x.Shape[batchMajor ? 0 : 1];
        }
        if (b < 0 && state.Shape.IsRankKnown) b = state.Shape[0];
        return (t, b);
    }

    /// <summary>The static shape of a sequence output of width <paramref name="width"/> in the op's layout.</summary>
    public static Shape SequenceShape(bool batchMajor, int time, int batch, int width) => new(SequenceDims(batchMajor, time, batch, width, new int[3]).ToArray());

    /// <summary>
    /// x must be (T, B, I) — (B, T, I) with the <c>batch_major</c> attribute — with I = <paramref name="inputSize"/>
    /// (when ≥ 0); returns (T, B, I).
    /// </summary>
    public static (int T, int B, int I) Sequence(OpContext ctx, NDArray x, int inputSize)
    {
        bool batchMajor = BatchMajor(ctx);
        if (x.Rank != 3)
            ctx.FailArgument($"x must have rank 3 ({(batchMajor ? "batch, time" : "time, batch")}, depth), but got shape {x.Shape}.");
        int t = x.Shape[batchMajor ? 1 : 0], b = x.Shape[batchMajor ? 0 : 1], i = x.Shape[2];
        if (inputSize >= 0 && i != inputSize)
            ctx.FailArgument($"x must have depth {inputSize} (the kernel's input rows), but got shape {x.Shape}.");
        return (t, b, i);
    }

    /// <summary>
    /// An incoming gradient of a fused op's output: empty (zeros) for the empty-vector marker that
    /// <see cref="BuildGradient"/> passes where no gradient flows, else the values, which must have <paramref name="dims"/>.
    /// </summary>
    public static ReadOnlySpan<T> Gradient<T>(OpContext ctx, NDArray a, string what, params ReadOnlySpan<int> dims)
    {
        if (a.Rank == 1 && a.Size == 0) return default;
        Expect(ctx, a, what, dims);
        return a.AsSpan<T>();
    }

    /// <summary>Checks that <paramref name="a"/> has exactly <paramref name="dims"/>.</summary>
    public static void Expect(OpContext ctx, NDArray a, string what, params ReadOnlySpan<int> dims)
    {
        bool ok = a.Rank == dims.Length;
        for (int d = 0; ok && d < dims.Length; d++) ok = a.Shape[d] == dims[d];
        if (!ok)
            ctx.FailArgument($"{what} must have shape ({string.Join(", ", dims.ToArray().Select(v => v.ToString(CultureInfo.InvariantCulture)))}), but got {a.Shape}.");
    }

    /// <summary>The lengths input (int32 vector of B, or empty when the op has none).</summary>
    public static ReadOnlySpan<int> Lengths(OpContext ctx, int batch)
    {
        if (!ctx.Attr<bool>("has_lengths")) return default;
        var l = ctx.Input(1);
        Expect(ctx, l, "sequence_length", batch);
        var span = l.AsSpan<int>();
        foreach (int v in span)
        {
            if (v < 0) ctx.FailArgument($"sequence_length must be non-negative, but contains {v}.");
        }
        return span;
    }

    /// <summary>The lengths tensor for the op: the int32 lengths, or an empty vector constant when there are none.</summary>
    public static Tensor LengthsInput(Tensor? sequenceLength) => sequenceLength ?? Tf.Constant(new NDArray(Array.Empty<int>(), new Shape(0)));

}
