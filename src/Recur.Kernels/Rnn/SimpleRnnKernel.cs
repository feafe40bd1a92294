using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Recur.Kernels.Rnn;

/// <summary>The activation of a fused simple RNN (TF: <c>BasicRNNCell(activation=tf.tanh | tf.nn.relu)</c>).</summary>
public enum RnnActivation
{
    /// <summary>tanh (TF <c>BasicRNNCell</c> default).</summary>
    Tanh,

    /// <summary>max(x, 0) (<c>activation=tf.nn.relu</c>; PyTorch <c>nonlinearity='relu'</c>).</summary>
    Relu,
}

/// <summary>The shape and activation of one fused simple RNN layer (TF <c>BasicRNNCell</c>, time-major).</summary>
/// <param name="Time">T, the number of steps.</param>
/// <param name="Batch">B, the batch rows.</param>
/// <param name="InputSize">I, the input features.</param>
/// <param name="Units">H, the units.</param>
/// <param name="Activation">tanh or relu.</param>
public readonly record struct SimpleRnnConfig(int Time, int Batch, int InputSize, int Units, RnnActivation Activation = RnnActivation.Tanh)
{
    /// <summary>
    /// x, y, dy and dx are batch-major, (B, T, ·) row-major (TF <c>time_major=False</c>, oneDNN <c>ntc</c>, PyTorch
    /// <c>batch_first</c>), instead of time-major (T, B, ·); the kernel reads and writes them in place (no transposes),
    /// with the same arithmetic. Default false.
    /// </summary>
    public bool BatchMajor { get; init; }

    /// <summary>
    /// Packed weights kept across forward calls on the same weights (a layer wavefront's time chunks); null: each call
    /// packs its own in the workspace. See <see cref="RnnPackCache"/>.
    /// </summary>
    public RnnPackCache? PackCache { get; init; }
}

/// <summary>
/// A fused simple RNN layer over a whole sequence on spans (TF: <c>tf.nn.dynamic_rnn</c> with <c>BasicRNNCell</c>,
/// <c>time_major=True</c>).
/// </summary>
/// <remarks>
/// <para>Math per step: <c>h_t = act(x_t·Wx + h_{t-1}·Wh + bias)</c>, output <c>y_t = h_t</c>.</para>
/// <para>Shapes, row-major, time-major (with <c>BatchMajor</c>, x, y, dy and dx are (B, T, ·) instead): x (T, B, I); lengths (B) or empty; h0, hFinal (B, H); y, dy (T, B, H);
/// kernel (I + H, H) with Wx = rows [0, I), Wh = rows [I, I + H); bias (H).</para>
/// <para>Sequence lengths and technique as in <see cref="LstmKernel"/>; here each step's recurrent GEMM accumulates
/// straight into the hoisted input projection (beta = 1). Gradients are overwritten, not accumulated.</para>
/// </remarks>
public static class SimpleRnnKernel
{
    /// <summary>The workspace length (elements of the float type) for a forward pass; with <paramref name="training"/>, also what <c>Backward</c> needs.</summary>
    /// <param name="config">The layer.</param>
    /// <param name="training">Size for a forward pass that saves for <c>Backward</c>.</param>
    /// <returns>The number of elements.</returns>
    /// <exception cref="ArgumentException">A dimension is out of range.</exception>
    public static int WorkspaceSize(in SimpleRnnConfig config, bool training)
    {
        RnnCheck.Dims("SimpleRnnKernel.WorkspaceSize", config.Time, config.Batch, config.InputSize, config.Units);
        return new SimpleRnnLayout(config, training).Total;
    }

    /// <summary>Runs the RNN over the sequence (single precision).</summary>
    /// <param name="config">The layer.</param>
    /// <param name="kernel">(I + H, H) kernel.</param>
    /// <param name="bias">(H) bias.</param>
    /// <param name="x">(T, B, I) inputs.</param>
    /// <param name="lengths">(B) sequence lengths, clamped to T; empty: all T.</param>
    /// <param name="h0">(B, H) initial state; empty: zeros.</param>
    /// <param name="y">(T, B, H) outputs, zero past each row's length.</param>
    /// <param name="hFinal">(B, H) final state, or empty.</param>
    /// <param name="workspace">At least <see cref="WorkspaceSize"/>(config, training) elements; kept intact for <c>Backward</c> when training.</param>
    /// <param name="training">Save what <c>Backward</c> needs.</param>
    /// <exception cref="ArgumentException">A span has the wrong length, a length is negative, or the workspace is too small.</exception>
    public static void Forward(
        in SimpleRnnConfig config, ReadOnlySpan<float> kernel, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, ReadOnlySpan<int> lengths, ReadOnlySpan<float> h0,
        Span<float> y, Span<float> hFinal, Span<float> workspace, bool training)
    {
        CheckForward(config, kernel.Length, bias.Length, x.Length, lengths, h0.Length, y.Length, hFinal.Length, workspace.Length, training);
        SimpleRnnCore<float>.Forward(RnnCheck.OneRow(config), kernel, bias, x, lengths, h0, y, hFinal, workspace, training);
    }

    /// <summary>Runs the RNN over the sequence (double precision).</summary>
    /// <inheritdoc cref="Forward(in SimpleRnnConfig, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{int}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float}, bool)"/>
    public static void Forward(
        in SimpleRnnConfig config, ReadOnlySpan<double> kernel, ReadOnlySpan<double> bias, ReadOnlySpan<double> x, ReadOnlySpan<int> lengths, ReadOnlySpan<double> h0,
        Span<double> y, Span<double> hFinal, Span<double> workspace, bool training)
    {
        CheckForward(config, kernel.Length, bias.Length, x.Length, lengths, h0.Length, y.Length, hFinal.Length, workspace.Length, training);
        SimpleRnnCore<double>.Forward(RnnCheck.OneRow(config), kernel, bias, x, lengths, h0, y, hFinal, workspace, training);
    }

    /// <summary>Back-propagates after a <c>Forward</c> with <c>training: true</c> on the same arguments and workspace (single precision).</summary>
    /// <param name="config">The layer, as in the forward pass.</param>
    /// <param name="kernel">(I + H, H), as in the forward pass.</param>
    /// <param name="x">(T, B, I), as in the forward pass.</param>
    /// <param name="lengths">(B) or empty, as in the forward pass.</param>
    /// <param name="dy">(T, B, H) dL/dy, or empty for zeros; entries past a row's length are ignored.</param>
    /// <param name="dhFinal">(B, H) dL/dhFinal, or empty for zeros.</param>
    /// <param name="workspace">The forward pass's workspace; overwritten.</param>
    /// <param name="dx">(T, B, I) dL/dx (zero past each length), or empty to skip.</param>
    /// <param name="dh0">(B, H) dL/dh0, or empty.</param>
    /// <param name="dKernel">(I + H, H), overwritten.</param>
    /// <param name="dBias">(H), overwritten.</param>
    /// <exception cref="ArgumentException">A span has the wrong length, a length is negative, or the workspace is too small.</exception>
    public static void Backward(
        in SimpleRnnConfig config, ReadOnlySpan<float> kernel, ReadOnlySpan<float> x, ReadOnlySpan<int> lengths, ReadOnlySpan<float> dy, ReadOnlySpan<float> dhFinal,
        Span<float> workspace, Span<float> dx, Span<float> dh0, Span<float> dKernel, Span<float> dBias)
    {
        CheckBackward(config, kernel.Length, x.Length, lengths, dy.Length, dhFinal.Length, workspace.Length, dx.Length, dh0.Length, dKernel.Length, dBias.Length);
        SimpleRnnCore<float>.Backward(RnnCheck.OneRow(config), kernel, x, lengths, dy, dhFinal, workspace, dx, dh0, dKernel, dBias);
    }

    /// <summary>Back-propagates after a <c>Forward</c> with <c>training: true</c> (double precision).</summary>
    /// <inheritdoc cref="Backward(in SimpleRnnConfig, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{int}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float}, Span{float}, Span{float})"/>
    public static void Backward(
        in SimpleRnnConfig config, ReadOnlySpan<double> kernel, ReadOnlySpan<double> x, ReadOnlySpan<int> lengths, ReadOnlySpan<double> dy, ReadOnlySpan<double> dhFinal,
        Span<double> workspace, Span<double> dx, Span<double> dh0, Span<double> dKernel, Span<double> dBias)
    {
        CheckBackward(config, kernel.Length, x.Length, lengths, dy.Length, dhFinal.Length, workspace.Length, dx.Length, dh0.Length, dKernel.Length, dBias.Length);
        SimpleRnnCore<double>.Backward(RnnCheck.OneRow(config), kernel, x, lengths, dy, dhFinal, workspace, dx, dh0, dKernel, dBias);
    }

    /// <summary>
    /// Runs steps [<paramref name="start"/>, <paramref name="end"/>) of the sequence (single precision): a layer
    /// wavefront's time window, as <c>LstmKernel.ForwardWindow</c> — the spans and the workspace are the whole
    /// sequence's, the windows run in order from step 0 (reading h0) to step T (writing hFinal), and give what one
    /// <c>Forward</c> call gives, to float rounding. <see cref="SimpleRnnConfig.PackCache"/> is required.
    /// </summary>
    /// <param name="config">The layer (with its <see cref="SimpleRnnConfig.PackCache"/>).</param>
    /// <param name="kernel">(I + H, H) kernel.</param>
    /// <param name="bias">(H) bias.</param>
    /// <param name="x">The whole (T, B, I) input.</param>
    /// <param name="lengths">(B) or empty.</param>
    /// <param name="h0">(B, H) or empty; read by the window at step 0.</param>
    /// <param name="y">The whole (T, B, H) output; the window writes its steps' rows.</param>
    /// <param name="hFinal">(B, H) or empty; written by the window ending at step T.</param>
    /// <param name="workspace">The whole sequence's workspace, the same for every window.</param>
    /// <param name="training">Save what the backward windows need.</param>
    /// <param name="start">The window's first step.</param>
    /// <param name="end">The step after the window's last.</param>
    /// <exception cref="ArgumentException">As for <c>Forward</c>; no pack cache; a window out of range or out of order.</exception>
    public static void ForwardWindow(
        in SimpleRnnConfig config, ReadOnlySpan<float> kernel, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, ReadOnlySpan<int> lengths, ReadOnlySpan<float> h0,
        Span<float> y, Span<float> hFinal, Span<float> workspace, bool training, int start, int end)
    {
        CheckForward(config, kernel.Length, bias.Length, x.Length, lengths, h0.Length, y.Length, hFinal.Length, workspace.Length, training);
        RnnCheck.Window(config.PackCache, "SimpleRnnKernel.ForwardWindow", config.Time, start, end, backward: false);
        SimpleRnnCore<float>.Forward(RnnCheck.OneRow(config), kernel, bias, x, lengths, h0, y, hFinal, workspace, training, start, end);
    }

    /// <summary>Runs steps [<paramref name="start"/>, <paramref name="end"/>) of the sequence (double precision).</summary>
    /// <inheritdoc cref="ForwardWindow(in SimpleRnnConfig, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{int}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float}, bool, int, int)"/>
    public static void ForwardWindow(
        in SimpleRnnConfig config, ReadOnlySpan<double> kernel, ReadOnlySpan<double> bias, ReadOnlySpan<double> x, ReadOnlySpan<int> lengths, ReadOnlySpan<double> h0,
        Span<double> y, Span<double> hFinal, Span<double> workspace, bool training, int start, int end)
    {
        CheckForward(config, kernel.Length, bias.Length, x.Length, lengths, h0.Length, y.Length, hFinal.Length, workspace.Length, training);
        RnnCheck.Window(config.PackCache, "SimpleRnnKernel.ForwardWindow", config.Time, start, end, backward: false);
        SimpleRnnCore<double>.Forward(RnnCheck.OneRow(config), kernel, bias, x, lengths, h0, y, hFinal, workspace, training, start, end);
    }

    /// <summary>
    /// Back-propagates through steps [<paramref name="start"/>, <paramref name="end"/>) (single precision), as
    /// <c>LstmKernel.BackwardWindow</c>: windows last to first (the last reads dhFinal, the one at step 0 writes dh0),
    /// each writing its rows of dx; the weight gradients come from <c>BackwardWeights</c> after the last window.
    /// </summary>
    /// <param name="config">The layer (with its pack cache), as in the forward windows.</param>
    /// <param name="kernel">(I + H, H), as in the forward pass.</param>
    /// <param name="x">The whole (T, B, I) input.</param>
    /// <param name="lengths">(B) or empty.</param>
    /// <param name="dy">The whole (T, B, H) dL/dy, or empty for zeros.</param>
    /// <param name="dhFinal">(B, H) or empty; read by the window ending at step T.</param>
    /// <param name="workspace">The forward pass's workspace.</param>
    /// <param name="dx">The whole (T, B, I) dL/dx, or empty; the window writes its steps' rows.</param>
    /// <param name="dh0">(B, H) or empty; written by the window at step 0.</param>
    /// <param name="start">The window's first step.</param>
    /// <param name="end">The step after the window's last.</param>
    /// <param name="dxScratch">Batch-major or with lengths, and dx wanted: at least <see cref="WindowScratchSize"/> elements; else unused.</param>
    /// <exception cref="ArgumentException">As for <c>Backward</c>; no pack cache; a window out of range or out of order; too small a scratch.</exception>
    public static void BackwardWindow(
        in SimpleRnnConfig config, ReadOnlySpan<float> kernel, ReadOnlySpan<float> x, ReadOnlySpan<int> lengths, ReadOnlySpan<float> dy, ReadOnlySpan<float> dhFinal,
        Span<float> workspace, Span<float> dx, Span<float> dh0, int start, int end, Span<float> dxScratch)
    {
        CheckBackward(config, kernel.Length, x.Length, lengths, dy.Length, dhFinal.Length, workspace.Length, dx.Length, dh0.Length, kernel.Length, config.Units);
        RnnCheck.WindowScratch("SimpleRnnKernel.BackwardWindow", config.BatchMajor, lengths, config.Time, config.Batch, config.InputSize, dx.Length, dxScratch.Length, end - start);
        RnnCheck.Window(config.PackCache, "SimpleRnnKernel.BackwardWindow", config.Time, start, end, backward: true);
        SimpleRnnCore<float>.Backward(RnnCheck.OneRow(config), kernel, x, lengths, dy, dhFinal, workspace, dx, dh0, default, default, start, end, dxScratch);
    }

    /// <summary>Back-propagates through steps [<paramref name="start"/>, <paramref name="end"/>) (double precision).</summary>
    /// <inheritdoc cref="BackwardWindow(in SimpleRnnConfig, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{int}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float}, int, int, Span{float})"/>
    public static void BackwardWindow(
        in SimpleRnnConfig config, ReadOnlySpan<double> kernel, ReadOnlySpan<double> x, ReadOnlySpan<int> lengths, ReadOnlySpan<double> dy, ReadOnlySpan<double> dhFinal,
        Span<double> workspace, Span<double> dx, Span<double> dh0, int start, int end, Span<double> dxScratch)
    {
        CheckBackward(config, kernel.Length, x.Length, lengths, dy.Length, dhFinal.Length, workspace.Length, dx.Length, dh0.Length, kernel.Length, config.Units);
        RnnCheck.WindowScratch("SimpleRnnKernel.BackwardWindow", config.BatchMajor, lengths, config.Time, config.Batch, config.InputSize, dx.Length, dxScratch.Length, end - start);
        RnnCheck.Window(config.PackCache, "SimpleRnnKernel.BackwardWindow", config.Time, start, end, backward: true);
        SimpleRnnCore<double>.Backward(RnnCheck.OneRow(config), kernel, x, lengths, dy, dhFinal, workspace, dx, dh0, default, default, start, end, dxScratch);
    }

    /// <summary>The weight gradients for every step at once, after the last backward window (single precision); overwritten.</summary>
    /// <param name="config">The layer, as in the windows.</param>
    /// <param name="x">The whole (T, B, I) input.</param>
    /// <param name="workspace">The windows' workspace.</param>
    /// <param name="dKernel">(I + H, H).</param>
    /// <param name="dBias">(H).</param>
    /// <exception cref="ArgumentException">A span has the wrong length, no pack cache, or the backward windows did not reach step 0.</exception>
    public static void BackwardWeights(in SimpleRnnConfig config, ReadOnlySpan<float> x, Span<float> workspace, Span<float> dKernel, Span<float> dBias)
    {
        CheckWeightGradients(config, x.Length, workspace.Length, dKernel.Length, dBias.Length);
        SimpleRnnCore<float>.BackwardWeights(RnnCheck.OneRow(config), x, workspace, dKernel, dBias);
    }

    /// <summary>The weight gradients for every step at once, after the last backward window (double precision).</summary>
    /// <inheritdoc cref="BackwardWeights(in SimpleRnnConfig, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float})"/>
    public static void BackwardWeights(in SimpleRnnConfig config, ReadOnlySpan<double> x, Span<double> workspace, Span<double> dKernel, Span<double> dBias)
    {
        CheckWeightGradients(config, x.Length, workspace.Length, dKernel.Length, dBias.Length);
        SimpleRnnCore<double>.BackwardWeights(RnnCheck.OneRow(config), x, workspace, dKernel, dBias);
    }

    /// <summary>The dx scratch a backward window of <paramref name="steps"/> steps needs: steps · B · I elements.</summary>
    /// <param name="config">The layer.</param>
    /// <param name="steps">The window's steps.</param>
    /// <returns>The number of elements.</returns>
    public static int WindowScratchSize(in SimpleRnnConfig config, int steps) => RnnCheck.WindowScratch(steps, config.Batch, config.InputSize);

    private static void CheckWeightGradients(in SimpleRnnConfig c, int x, int workspace, int dKernel, int dBias)
    {
        const string Owner = "SimpleRnnKernel.BackwardWeights";
        RnnCheck.Dims(Owner, c.Time, c.Batch, c.InputSize, c.Units);
        RnnCheck.Exact(x, c.Time * c.Batch * c.InputSize, Owner, "x");
        RnnCheck.Exact(dKernel, (c.InputSize + c.Units) * c.Units, Owner, "dKernel");
        RnnCheck.Exact(dBias, c.Units, Owner, "dBias");
        RnnCheck.Workspace(workspace, new SimpleRnnLayout(c, true).Total, Owner);
        RnnCheck.WindowsDone(c.PackCache, Owner);
    }

    private static void CheckForward(in SimpleRnnConfig c, int kernel, int bias, int x, ReadOnlySpan<int> lengths, int h0, int y, int hFinal, int workspace, bool training)
    {
        const string Owner = "SimpleRnnKernel.Forward";
        RnnCheck.Dims(Owner, c.Time, c.Batch, c.InputSize, c.Units);
        int tb = c.Time * c.Batch, bh = c.Batch * c.Units;
        RnnCheck.Exact(kernel, (c.InputSize + c.Units) * c.Units, Owner, "kernel");
        RnnCheck.Exact(bias, c.Units, Owner, "bias");
        RnnCheck.Exact(x, tb * c.InputSize, Owner, "x");
        RnnCheck.Lengths(lengths, c.Batch, Owner);
        RnnCheck.Optional(h0, bh, Owner, "h0");
        RnnCheck.Exact(y, tb * c.Units, Owner, "y");
        RnnCheck.Optional(hFinal, bh, Owner, "hFinal");
        RnnCheck.Workspace(workspace, new SimpleRnnLayout(c, training).Total, Owner);
    }

    private static void CheckBackward(
        in SimpleRnnConfig c, int kernel, int x, ReadOnlySpan<int> lengths, int dy, int dhFinal, int workspace, int dx, int dh0, int dKernel, int dBias)
    {
        const string Owner = "SimpleRnnKernel.Backward";
        RnnCheck.Dims(Owner, c.Time, c.Batch, c.InputSize, c.Units);
        int tb = c.Time * c.Batch, bh = c.Batch * c.Units;
        RnnCheck.Exact(kernel, (c.InputSize + c.Units) * c.Units, Owner, "kernel");
        RnnCheck.Exact(x, tb * c.InputSize, Owner, "x");
        RnnCheck.Lengths(lengths, c.Batch, Owner);
        RnnCheck.Optional(dy, tb * c.Units, Owner, "dy");
        RnnCheck.Optional(dhFinal, bh, Owner, "dhFinal");
        RnnCheck.Optional(dx, tb * c.InputSize, Owner, "dx");
        RnnCheck.Optional(dh0, bh, Owner, "dh0");
        RnnCheck.Exact(dKernel, (c.InputSize + c.Units) * c.Units, Owner, "dKernel");
        RnnCheck.Exact(dBias, c.Units, Owner, "dBias");
        RnnCheck.Workspace(workspace, new SimpleRnnLayout(c, true).Total, Owner);
    }
}

/// <summary>Where each buffer of the simple RNN workspace starts (elements of T).</summary>
internal readonly struct SimpleRnnLayout
{
    public readonly int Xg, G, Hp, HState, Wp, Wv, Total;

    public SimpleRnnLayout(in SimpleRnnConfig c, bool training)
    {
        long n = (long)c.Time * c.Batch, o = RnnSchedule.Slots(c.Time, c.Batch);
        Xg = (int)o;
        o += n * c.InputSize;
        G = (int)Math.Min(o, int.MaxValue);
        o += n * c.Units;
        Hp = training ? (int)Math.Min(o, int.MaxValue) : -1;
        o += training ? n * c.Units : 0;
        HState = (int)Math.Min(o, int.MaxValue);
        o += (long)c.Batch * c.Units;
        Wp = (int)Math.Min(o, int.MaxValue);
        o += RnnMath.PackedSize(c.Units, c.Units);
        Wv = (int)Math.Min(o, int.MaxValue);
        o += FusedStep.PackedSize(1, c.Units, c.Units);
        if (o > int.MaxValue)
        {
            ThrowHelper.ArgumentOutOfRange("config", $"SimpleRnnKernel: the workspace ({o} elements) is too large for span indexing.");
        }

        Total = (int)o;
    }
}

/// <summary>The fused simple RNN passes for one float type.</summary>
internal static unsafe class SimpleRnnCore<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public static void Forward(
        in SimpleRnnConfig cfg, ReadOnlySpan<T> kernel, ReadOnlySpan<T> bias, ReadOnlySpan<T> x, ReadOnlySpan<int> lengths, ReadOnlySpan<T> h0,
        Span<T> y, Span<T> hFinal, Span<T> ws, bool training, int t0 = 0, int t1 = -1)
    {
        int T_ = cfg.Time, B = cfg.Batch, I = cfg.InputSize, H = cfg.Units;
        var L = new SimpleRnnLayout(cfg, training);

        // A window (steps [t0, t1); SimpleRnnKernel.ForwardWindow) runs on the whole sequence's schedule and workspace, as
        // the LSTM's: the first window reads h0, the last writes the final state; G stays in token order.
        bool windowed = t1 >= 0;
        t1 = windowed ? t1 : T_;
        var s = t0 == 0 ? RnnSchedule.Build(T_, B, lengths, ws) : RnnSchedule.View(T_, B, ws);
        int first = s.Offset[t0], n = s.Offset[t1] - first;
        ReadOnlySpan<T> wx = kernel[..(I * H)];
        Span<T> g = ws.Slice(L.G, T_ * B * H), hS = ws.Slice(L.HState, B * H);
        if (t0 == 0)
        {
            RnnMath.GatherState(s, h0, H, hS);
        }

        ReadOnlySpan<T> xp = x[(first * I)..];
        bool gBatchMajor = !windowed && RnnMath.InPlaceBatchMajor(s, cfg.BatchMajor, training);
        if ((!s.Dense || cfg.BatchMajor) && !gBatchMajor)
        {
            Span<T> xg = ws.Slice(L.Xg + (first * I), n * I);
            RnnMath.GatherRows(s, x, I, cfg.BatchMajor, xg, 0, t0, t1);
            xp = xg;
        }

        // Dense inference whose G rows line up with y's (time-major, or batch-major read in place): the steps run in y
        // itself, each step's rows being h_t and the next step's h_{t−1}, with no copies of h.
        bool inY = !windowed && s.Dense && !training && (gBatchMajor || !cfg.BatchMajor) && RnnSettings.StepsInOutput;
        if (inY)
        {
            g = y;
        }

        // With a cache (a wavefront's chunk, on one thread), Wx is packed once for every chunk.
        var cache = cfg.PackCache;
        RnnMath.InputGemm(cache, n, H, I, xp, I, wx, g[(first * H)..], H);

        Span<int> bounds = stackalloc int[RnnPartition.MaxParts + 1];
        int parts = RnnPartition.Split(s, Kernels.Gemm.MaxThreads, bounds);
        // Wh's GEMM panels and one-row panels: in the workspace, or kept in the cache across calls.
        Span<T> wp = cache is null ? ws[L.Wp..] : cache.Recurrent<T>(RnnMath.PackedSize(H, H));
        Span<T> wv = cache is null ? ws[L.Wv..] : cache.Fused<T>(FusedStep.PackedSize(1, H, H));
        int nr = PackRecurrent(cfg, s, parts, kernel, wp, backward: false, cache);
        bool fused = PackFused(cfg, s, kernel, wv, cache);
        fixed (T* pws = ws, pk = kernel, pb = bias, py = y)
        {
            var job = Job.Instance;
            job.C = new Ctx
            {
                Cfg = cfg, Training = training, Ws = pws, WsLength = ws.Length, Kernel = pk, Bias = pb, Seq = py, SeqLength = y.Length, PanelWidth = nr, Fused = fused, GBatchMajor = gBatchMajor,
                InY = inY, Wp = Ptr(wp), WpLength = wp.Length, Wv = Ptr(wv), T0 = t0, T1 = t1,
            };
            job.Backward = false;
            RnnPartition.Run(job, bounds, parts, null, RnnSettings.SerialSteps(parts, s.Batch, (long)H * H) ? 1 : 0);
        }

        if (t1 < T_)
        {
            return;   // not the last window: the state stays in the workspace
        }

        if (inY && T_ > 0)
        {
            // The last step's rows are the final state (dense: the schedule's order is the batch order).
            for (int k = 0; k < B; k++)
            {
                y.Slice(RnnMath.GateRow(gBatchMajor, s, T_ - 1, k) * H, H).CopyTo(hS.Slice(k * H, H));
            }
        }

        RnnMath.ScatterState(s, hS, H, hFinal);
    }

    /// <summary>What the time loop reads and writes, as pinned pointers (the parts of a parallel loop rebuild their spans from it).</summary>
    private struct Ctx
    {
        public SimpleRnnConfig Cfg;
        public bool Training;
        public T* Ws;
        public int WsLength;
        public T* Kernel;
        public T* Bias;

        /// <summary>y (forward) or dy (backward; null: zeros).</summary>
        public T* Seq;
        public int SeqLength;

        /// <summary>The panel width of the packed Wh (or Whᵀ) in the workspace; 0: not packed.</summary>
        public int PanelWidth;

        /// <summary>Wh is packed for <see cref="FusedStep"/>: steps with one active row run it.</summary>
        public bool Fused;

        /// <summary>The forward pass's packed Wh: GEMM panels and <see cref="FusedStep"/>'s panels (workspace or <see cref="RnnPackCache"/>).</summary>
        public T* Wp;
        public int WpLength;
        public T* Wv;

        /// <summary>G's rows follow x's batch-major (b, t) order (<see cref="RnnMath.GateRow"/>).</summary>
        public bool GBatchMajor;

        /// <summary>G is y (dense inference): step t's rows are h_t, and h_{t−1} for step t + 1; hS holds only h0.</summary>
        public bool InY;

        /// <summary>The steps [T0, T1) this call runs (the whole sequence, or a window of it).</summary>
        public int T0;
        public int T1;
    }

    /// <summary>The time loop as a row job (one per calling thread; the pool runs one dispatch at a time).</summary>
    private sealed class Job : IRowJob
    {
        [ThreadStatic]
        private static Job? t_instance;

        public Ctx C;
        public bool Backward;

        public static Job Instance => t_instance ??= new Job();

        public void Run(int r0, int r1, int gemmThreads)
        {
            if (Backward)
            {
                BackwardSteps(C, r0, r1, gemmThreads);
            }
            else
            {
                ForwardSteps(C, r0, r1, gemmThreads);
            }
        }
    }

    /// <summary>Sorted rows [r0, r1) through every step of the forward pass.</summary>
    private static void ForwardSteps(in Ctx c, int r0, int r1, int gemmThreads)
    {
        SimpleRnnConfig cfg = c.Cfg;
        int T_ = cfg.Time, B = cfg.Batch, I = cfg.InputSize, H = cfg.Units;
        bool training = c.Training;
        var L = new SimpleRnnLayout(cfg, training);
        var ws = new Span<T>(c.Ws, c.WsLength);
        var s = RnnSchedule.View(T_, B, ws);
        var y = new Span<T>(c.Seq, c.SeqLength);
        ReadOnlySpan<T> wh = new ReadOnlySpan<T>(c.Kernel, (I + H) * H).Slice(I * H, H * H), bias = new(c.Bias, H);
        Span<T> g = ws.Slice(L.G, T_ * B * H), hS = ws.Slice(L.HState, B * H);
        if (c.InY)
        {
            InOutputSteps(c, r0, r1, gemmThreads);
            return;
        }

        for (int t = c.T0; t < c.T1; t++)
        {
            int nb = Math.Min(s.Active[t], r1) - r0, off = s.Offset[t] + r0;
            if (nb > 0)
            {
                Span<T> hRows = hS.Slice(r0 * H, nb * H);
                ReadOnlySpan<T> hPrev = hRows;
                if (training)
                {
                    Span<T> saved = ws.Slice(L.Hp + (off * H), nb * H);
                    hRows.CopyTo(saved);
                    hPrev = saved;
                }

                // z_t = x_t·Wx (already in G) + h_{t-1}·Wh, accumulated in place; then one pass: act(z + bias). The rows
                // are consecutive in G, or T·H apart when G follows x's batch-major order.
                int zs = c.GBatchMajor ? T_ * H : H;
                Span<T> z = g.Slice(RnnMath.GateRow(c.GBatchMajor, s, t, r0) * H, ((nb - 1) * zs) + H);
                if (nb == 1 && c.Fused)
                {
                    // One row: the GEMV with the activation in its epilogue.
                    fixed (T* ph = hPrev, pz = z)
                    {
                        FusedStep.SimpleRnn((float*)c.Wv, (float*)ph, H, (float*)pz, (float*)c.Bias, cfg.Activation == RnnActivation.Tanh, RnnSettings.ReversedStep(t));
                    }

                    z.CopyTo(hRows);
                    goto WriteOutputs;
                }

                RnnMath.GemmPacked(false, nb, H, H, hPrev, H, wh, H, new ReadOnlySpan<T>(c.Wp, c.WpLength), c.PanelWidth, T.One, z, zs, gemmThreads);
                if (cfg.Activation == RnnActivation.Tanh && FusedStep.IsSupported<T>())
                {
                    // One vectorised pass per row (the fused step's tanh) instead of an add and a tanh call.
                    fixed (T* pz = z)
                    {
                        for (int k = 0; k < nb; k++)
                        {
                            FusedStep.BiasTanh((float*)pz + ((long)k * zs), (float*)c.Bias, H);
                        }
                    }

                    CopyRows(z, zs, hRows, nb, H);
                    goto WriteOutputs;
                }

                for (int k = 0; k < nb; k++)
                {
                    Span<T> zr = z.Slice(k * zs, H);
                    TensorPrimitives.Add(zr, bias, zr);
                    if (cfg.Activation == RnnActivation.Tanh)
                    {
                        RnnMath.Tanh<T>(zr, zr);
                    }
                    else
                    {
                        TensorPrimitives.Max(zr, T.Zero, zr);
                    }
                }

                CopyRows(z, zs, hRows, nb, H);
            }

        WriteOutputs:
            for (int k = r0; k < r1; k++)
            {
                Span<T> row = y.Slice(RnnMath.SequenceRow(cfg.BatchMajor, T_, B, t, s.Perm[k]) * H, H);
                if (k - r0 < nb)
                {
                    hS.Slice(k * H, H).CopyTo(row);
                }
                else
                {
                    row.Clear();
                }
            }
        }
    }

    /// <summary>
    /// Rows [r0, r1) through every step of a dense inference pass whose G is y: step t's rows hold x_t·Wx on entry and
    /// h_t = act(x_t·Wx + h_{t−1}·Wh + bias) on exit, h_{t−1} being step t − 1's rows (h0 from the state buffer at t = 0).
    /// </summary>
    private static void InOutputSteps(in Ctx c, int r0, int r1, int gemmThreads)
    {
        SimpleRnnConfig cfg = c.Cfg;
        int T_ = cfg.Time, B = cfg.Batch, I = cfg.InputSize, H = cfg.Units, nb = r1 - r0;
        var ws = new Span<T>(c.Ws, c.WsLength);
        var L = new SimpleRnnLayout(cfg, false);
        var s = RnnSchedule.View(T_, B, ws);
        var y = new Span<T>(c.Seq, c.SeqLength);
        ReadOnlySpan<T> wh = new ReadOnlySpan<T>(c.Kernel, (I + H) * H).Slice(I * H, H * H), bias = new(c.Bias, H);
        int zs = c.GBatchMajor ? T_ * H : H;
        bool vec = cfg.Activation == RnnActivation.Tanh && FusedStep.IsSupported<T>();
        if (nb <= 0)
        {
            return;
        }

        for (int t = 0; t < T_; t++)
        {
            Span<T> z = y.Slice(RnnMath.GateRow(c.GBatchMajor, s, t, r0) * H, ((nb - 1) * zs) + H);
            ReadOnlySpan<T> hPrev = t == 0 ? ws.Slice(L.HState + (r0 * H), nb * H) : y.Slice(RnnMath.GateRow(c.GBatchMajor, s, t - 1, r0) * H, ((nb - 1) * zs) + H);
            int ldh = t == 0 ? H : zs;
            if (nb == 1 && c.Fused)
            {
                fixed (T* ph = hPrev, pz = z)
                {
                    FusedStep.SimpleRnn((float*)c.Wv, (float*)ph, H, (float*)pz, (float*)c.Bias, cfg.Activation == RnnActivation.Tanh, RnnSettings.ReversedStep(t));
                }

                continue;
            }

            RnnMath.GemmPacked(false, nb, H, H, hPrev, ldh, wh, H, new ReadOnlySpan<T>(c.Wp, c.WpLength), c.PanelWidth, T.One, z, zs, gemmThreads);
            for (int k = 0; k < nb; k++)
            {
                Span<T> zr = z.Slice(k * zs, H);
                if (vec)
                {
                    fixed (T* pz = zr)
                    {
                        FusedStep.BiasTanh((float*)pz, (float*)c.Bias, H);
                    }

                    continue;
                }

                TensorPrimitives.Add(zr, bias, zr);
                if (cfg.Activation == RnnActivation.Tanh)
                {
                    RnnMath.Tanh<T>(zr, zr);
                }
                else
                {
                    TensorPrimitives.Max(zr, T.Zero, zr);
                }
            }
        }
    }

    public static void Backward(
        in SimpleRnnConfig cfg, ReadOnlySpan<T> kernel, ReadOnlySpan<T> x, ReadOnlySpan<int> lengths, ReadOnlySpan<T> dy, ReadOnlySpan<T> dhFinal,
        Span<T> ws, Span<T> dx, Span<T> dh0, Span<T> dKernel, Span<T> dBias, int t0 = 0, int t1 = -1, Span<T> dxScratch = default)
    {
        int T_ = cfg.Time, B = cfg.Batch, I = cfg.InputSize, H = cfg.Units;
        var L = new SimpleRnnLayout(cfg, true);

        // A window (steps [t0, t1), last first; SimpleRnnKernel.BackwardWindow): its steps' gradients and dx rows; the
        // weight gradients wait for BackwardWeights.
        bool windowed = t1 >= 0;
        t1 = windowed ? t1 : T_;
        var s = t1 == T_ ? RnnSchedule.Build(T_, B, lengths, ws) : RnnSchedule.View(T_, B, ws);
        int first = s.Offset[t0], n = s.Offset[t1] - first;

        // Dense time-major x is the packed input itself (the forward pass read it in place, dx is written in place);
        // otherwise the forward pass gathered it into Xg.
        bool inPlace = s.Dense && !cfg.BatchMajor;
        ReadOnlySpan<T> wx = kernel[..(I * H)];
        Span<T> g = ws.Slice(L.G, T_ * B * H), dhS = ws.Slice(L.HState, B * H);
        if (t1 == T_)
        {
            RnnMath.GatherState(s, dhFinal, H, dhS);
        }

        Span<int> bounds = stackalloc int[RnnPartition.MaxParts + 1];
        int parts = RnnPartition.Split(s, Kernels.Gemm.MaxThreads, bounds);
        var cache = windowed ? cfg.PackCache : null;
        Span<T> wpT = cache is null ? ws[L.Wp..] : cache.RecurrentTransposed<T>(RnnMath.PackedSize(H, H));
        int nr = PackRecurrent(cfg, s, parts, kernel, wpT, backward: true, cache);
        fixed (T* pws = ws, pk = kernel, pdy = dy)
        {
            var job = Job.Instance;
            job.C = new Ctx
            {
                Cfg = cfg, Training = true, Ws = pws, WsLength = ws.Length, Kernel = pk, Seq = pdy, SeqLength = dy.Length, PanelWidth = nr,
                Wp = Ptr(wpT), WpLength = wpT.Length, T0 = t0, T1 = t1,
            };
            job.Backward = true;
            RnnPartition.Run(job, bounds, parts, null, RnnSettings.SerialSteps(parts, s.Batch, (long)H * H) ? 1 : 0);
        }

        if (!windowed)
        {
            Weights(cfg, s, L, x, ws, dKernel, dBias);
        }

        if (!dx.IsEmpty)
        {
            ReadOnlySpan<T> dg = g.Slice(first * H, n * H);
            Span<T> dxp = inPlace ? dx.Slice(first * I, n * I) : windowed ? dxScratch[..(n * I)] : ws.Slice(L.Xg, n * I);
            RnnMath.InputGemmTransposed(cache, n, I, H, dg, wx, dxp, I);
            if (!inPlace)
            {
                RnnMath.ScatterRows(s, dxp, I, cfg.BatchMajor, dx, 0, t0, t1);
            }
        }

        if (t0 == 0)
        {
            RnnMath.ScatterState(s, dhS, H, dh0);
        }
    }

    /// <summary>The weight gradients after the last backward window (<c>SimpleRnnKernel.BackwardWeights</c>).</summary>
    public static void BackwardWeights(in SimpleRnnConfig cfg, ReadOnlySpan<T> x, Span<T> ws, Span<T> dKernel, Span<T> dBias)
    {
        var L = new SimpleRnnLayout(cfg, true);
        Weights(cfg, RnnSchedule.View(cfg.Time, cfg.Batch, ws), L, x, ws, dKernel, dBias);
    }

    /// <summary>dKernel = [X | H_prev]ᵀ · dZ and dBias = Σ dZ over every token (x read in place when dense and time-major).</summary>
    private static void Weights(in SimpleRnnConfig cfg, in RnnSchedule s, in SimpleRnnLayout L, ReadOnlySpan<T> x, Span<T> ws, Span<T> dKernel, Span<T> dBias)
    {
        int I = cfg.InputSize, H = cfg.Units, n = s.Tokens;
        Span<T> g = ws.Slice(L.G, n * H);
        ReadOnlySpan<T> xp = s.Dense && !cfg.BatchMajor ? x : ws.Slice(L.Xg, n * I);
        RnnMath.Gemm(true, false, I, H, n, xp, I, g, H, T.Zero, dKernel, H);
        RnnMath.GemmWithColumnSums(true, H, H, n, ws.Slice(L.Hp, n * H), H, g, H, T.Zero, dKernel[(I * H)..], H, dBias);
    }

    /// <summary>Sorted rows [r0, r1) through every step of the backward pass, last step first.</summary>
    private static void BackwardSteps(in Ctx c, int r0, int r1, int gemmThreads)
    {
        SimpleRnnConfig cfg = c.Cfg;
        int T_ = cfg.Time, B = cfg.Batch, I = cfg.InputSize, H = cfg.Units;
        bool tanh = cfg.Activation == RnnActivation.Tanh;
        var L = new SimpleRnnLayout(cfg, true);
        var ws = new Span<T>(c.Ws, c.WsLength);
        var s = RnnSchedule.View(T_, B, ws);
        var dy = new ReadOnlySpan<T>(c.Seq, c.SeqLength);
        ReadOnlySpan<T> wh = new ReadOnlySpan<T>(c.Kernel, (I + H) * H).Slice(I * H, H * H);
        Span<T> g = ws.Slice(L.G, T_ * B * H), dhS = ws.Slice(L.HState, B * H);
        for (int t = c.T1 - 1; t >= c.T0; t--)
        {
            int nb = Math.Min(s.Active[t], r1) - r0, off = s.Offset[t] + r0;
            if (nb <= 0)
            {
                continue;
            }

            // dz = (dh + dy) ⊙ act'(h): 1 − h² for tanh, [h > 0] for relu (h is the saved output).
            Span<T> dhRows = dhS.Slice(r0 * H, nb * H);
            for (int k = 0; k < nb; k++)
            {
                Span<T> hz = g.Slice((off + k) * H, H), d = dhRows.Slice(k * H, H);
                ReadOnlySpan<T> dyRow = dy.IsEmpty ? default : dy.Slice(RnnMath.SequenceRow(cfg.BatchMajor, T_, B, t, s.Perm[r0 + k]) * H, H);
                ActivationGrad(hz, d, dyRow, tanh);
            }

            RnnMath.GemmPacked(true, nb, H, H, g.Slice(off * H, nb * H), H, wh, H, new ReadOnlySpan<T>(c.Wp, c.WpLength), c.PanelWidth, T.Zero, dhRows, H, gemmThreads);
        }
    }

    /// <summary><paramref name="rows"/> rows of <paramref name="width"/> values, <paramref name="stride"/> apart in <paramref name="source"/>, into consecutive rows.</summary>
    private static void CopyRows(ReadOnlySpan<T> source, int stride, Span<T> destination, int rows, int width)
    {
        for (int k = 0; k < rows; k++)
        {
            source.Slice(k * stride, width).CopyTo(destination.Slice(k * width, width));
        }
    }

    /// <summary>Packs Wh (forward) or Whᵀ (backward) into GEMM panels once for all steps when the steps' products will use them; returns the panel width, or 0.</summary>
    private static int PackRecurrent(in SimpleRnnConfig cfg, in RnnSchedule s, int parts, ReadOnlySpan<T> kernel, Span<T> packed, bool backward, RnnPackCache? cache)
    {
        int H = cfg.Units;
        if (!RnnSettings.PackWeights || s.Time == 0 || s.Active[0] < 2 || (parts == 1 && !RnnSettings.SerialSteps(parts, s.Batch, (long)H * H)))
        {
            return 0;
        }

        if (cache is not null)
        {
            // Packed into the cache by the first call that needs it (Wh forward, Whᵀ in backward windows).
            if (backward)
            {
                return cache.RecurrentTransposedNr != 0 ? cache.RecurrentTransposedNr
                    : cache.RecurrentTransposedNr = RnnMath.PackWeights(true, H, H, kernel.Slice(cfg.InputSize * H, H * H), H, packed);
            }

            if (cache.RecurrentNr == 0)
            {
                cache.RecurrentNr = RnnMath.PackWeights(false, H, H, kernel.Slice(cfg.InputSize * H, H * H), H, packed);
            }

            return cache.RecurrentNr;
        }

        return RnnMath.PackWeights(backward, H, H, kernel.Slice(cfg.InputSize * H, H * H), H, packed);
    }

    /// <summary>Packs Wh by unit blocks for <see cref="FusedStep.SimpleRnn"/> when it applies (float, AVX2) and some step has one active row.</summary>
    private static bool PackFused(in SimpleRnnConfig cfg, in RnnSchedule s, ReadOnlySpan<T> kernel, Span<T> packed, RnnPackCache? cache)
    {
        int H = cfg.Units;
        if (!RnnSettings.FusedStep || !FusedStep.IsSupported<T>() || !RnnSettings.HasSingleRowStep(s))
        {
            return false;
        }

        if (cache is not null)
        {
            if (cache.FusedPacked)
            {
                return true;
            }

            cache.FusedPacked = true;
        }

        // stackalloc, not a collection expression: a one-element one allocated an array per call in Debug builds.
        ReadOnlySpan<int> gates = stackalloc int[] { 0 };
        fixed (T* pk = kernel, pp = packed)
        {
            FusedStep.Pack((float*)pp, H, H, (float*)pk + ((long)cfg.InputSize * H), H, 1, null, 0, gates);
        }

        return true;
    }

    private static T* Ptr(Span<T> span) => (T*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(span));

    /// <summary>hz = (d + dy) ⊙ act'(hz) in place: tanh' = 1 − h², relu' = [h &gt; 0]; an empty dy is zeros.</summary>
    private static void ActivationGrad(Span<T> hz, ReadOnlySpan<T> d, ReadOnlySpan<T> dy, bool tanh)
    {
        int e = 0, h = hz.Length;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            for (; e <= h - Vector<T>.Count; e += Vector<T>.Count)
            {
                var v = new Vector<T>(hz[e..]);
                var dd = new Vector<T>(d[e..]);
                if (!dy.IsEmpty)
                {
                    dd += new Vector<T>(dy[e..]);
                }

                Vector<T> r = tanh ? dd * (Vector<T>.One - (v * v)) : Vector.ConditionalSelect(Vector.GreaterThan(v, Vector<T>.Zero), dd, Vector<T>.Zero);
                r.CopyTo(hz[e..]);
            }
        }

        for (; e < h; e++)
        {
            T v = hz[e], dd = dy.IsEmpty ? d[e] : d[e] + dy[e];
            hz[e] = tanh ? dd * (T.One - (v * v)) : v > T.Zero ? dd : T.Zero;
        }
    }
}
