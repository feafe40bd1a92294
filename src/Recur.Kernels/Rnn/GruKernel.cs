namespace Recur.Kernels.Rnn;

/// <summary>
/// A fused GRU layer over a whole sequence on spans (TF: <c>tf.nn.dynamic_rnn</c> with <c>GRUCell</c> or
/// <c>CudnnCompatibleGRUCell</c>, <c>time_major=True</c>).
/// </summary>
/// <remarks>
/// <para>Math per step (docs/decisions/0006): <c>r, u = σ(x_t·Wgx + h·Wgh + gate_bias)</c> (r first);
/// reset before: <c>c = tanh(x_t·Wcx + (r⊙h)·Wch + bc)</c>; reset after: <c>c = tanh(x_t·Wcx + bcx + r⊙(h·Wch + bch))</c>;
/// <c>h' = u⊙h + (1−u)⊙c</c>; output <c>y_t = h'</c>.</para>
/// <para>Shapes, row-major, time-major (with <c>BatchMajor</c>, x, y, dy and dx are (B, T, ·) instead): x (T, B, I); lengths (B) or empty; h0, hFinal (B, H); y, dy (T, B, H);
/// gate kernel (I + H, 2·H), gate bias (2·H); candidate input kernel (I, H); candidate hidden kernel (H, H);
/// candidate biases (H).</para>
/// <para>Sequence lengths and technique as in <see cref="LstmKernel"/>: rows in length order, packed per-step
/// rows, the input projections as one GEMM per weight before the loop, per step the recurrent products (two
/// dependent ones for the reset-before cell) and fused element-wise passes, the weight gradients as GEMMs over
/// all steps after the loop. Nothing is allocated; the caller passes <see cref="WorkspaceSize"/> elements.</para>
/// </remarks>
public static class GruKernel
{
    /// <summary>The workspace length (elements of the float type) for a forward pass; with <paramref name="training"/>, also what <c>Backward</c> needs.</summary>
    /// <param name="config">The layer.</param>
    /// <param name="training">Size for a forward pass that saves for <c>Backward</c>.</param>
    /// <returns>The number of elements.</returns>
    /// <exception cref="ArgumentException">A dimension is out of range.</exception>
    public static int WorkspaceSize(in GruConfig config, bool training)
    {
        RnnCheck.Dims("GruKernel.WorkspaceSize", config.Time, config.Batch, config.InputSize, config.Units);
        return new GruLayout(config, training, RnnSchedule.Slots(config.Time, config.Batch)).Total;
    }

    /// <summary>Runs the GRU over the sequence (single precision).</summary>
    /// <param name="config">The layer's shape and variant.</param>
    /// <param name="weights">The weights in TF layout.</param>
    /// <param name="x">(T, B, I) inputs.</param>
    /// <param name="lengths">(B) sequence lengths, clamped to T; empty: all T.</param>
    /// <param name="h0">(B, H) initial state; empty: zeros.</param>
    /// <param name="y">(T, B, H) outputs, zero past each row's length.</param>
    /// <param name="hFinal">(B, H) final state (the state after each row's last step), or empty.</param>
    /// <param name="workspace">At least <see cref="WorkspaceSize"/>(config, training) elements; kept intact for <c>Backward</c> when training.</param>
    /// <param name="training">Save what <c>Backward</c> needs.</param>
    /// <exception cref="ArgumentException">A span has the wrong length, a length is negative, or the workspace is too small.</exception>
    public static void Forward(
        in GruConfig config, GruWeights<float> weights, ReadOnlySpan<float> x, ReadOnlySpan<int> lengths, ReadOnlySpan<float> h0,
        Span<float> y, Span<float> hFinal, Span<float> workspace, bool training)
    {
        CheckForward(config, Sizes(weights), x.Length, lengths, h0.Length, y.Length, hFinal.Length, workspace.Length, training);
        GruCore<float>.Forward(RnnCheck.OneRow(config), weights, x, lengths, h0, y, hFinal, workspace, training);
    }

    /// <summary>Runs the GRU over the sequence (double precision).</summary>
    /// <inheritdoc cref="Forward(in GruConfig, GruWeights{float}, ReadOnlySpan{float}, ReadOnlySpan{int}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float}, bool)"/>
    public static void Forward(
        in GruConfig config, GruWeights<double> weights, ReadOnlySpan<double> x, ReadOnlySpan<int> lengths, ReadOnlySpan<double> h0,
        Span<double> y, Span<double> hFinal, Span<double> workspace, bool training)
    {
        CheckForward(config, Sizes(weights), x.Length, lengths, h0.Length, y.Length, hFinal.Length, workspace.Length, training);
        GruCore<double>.Forward(RnnCheck.OneRow(config), weights, x, lengths, h0, y, hFinal, workspace, training);
    }

    /// <summary>
    /// Back-propagates after a <c>Forward</c> with <c>training: true</c> on the same config, weights, x, lengths and
    /// workspace (single precision). Gradients are overwritten, not accumulated.
    /// </summary>
    /// <param name="config">The layer, as in the forward pass.</param>
    /// <param name="weights">The weights, as in the forward pass.</param>
    /// <param name="x">(T, B, I), as in the forward pass.</param>
    /// <param name="lengths">(B) or empty, as in the forward pass.</param>
    /// <param name="dy">(T, B, H) dL/dy, or empty for zeros; entries past a row's length are ignored.</param>
    /// <param name="dhFinal">(B, H) dL/dhFinal, or empty for zeros.</param>
    /// <param name="workspace">The forward pass's workspace; overwritten.</param>
    /// <param name="dx">(T, B, I) dL/dx (zero past each length), or empty to skip.</param>
    /// <param name="dh0">(B, H) dL/dh0, or empty.</param>
    /// <param name="gradients">The weight gradients, same layouts as the weights.</param>
    /// <exception cref="ArgumentException">A span has the wrong length, a length is negative, or the workspace is too small.</exception>
    public static void Backward(
        in GruConfig config, GruWeights<float> weights, ReadOnlySpan<float> x, ReadOnlySpan<int> lengths, ReadOnlySpan<float> dy, ReadOnlySpan<float> dhFinal,
        Span<float> workspace, Span<float> dx, Span<float> dh0, GruGradients<float> gradients)
    {
        CheckBackward(config, Sizes(weights), Sizes(gradients), x.Length, lengths, dy.Length, dhFinal.Length, workspace.Length, dx.Length, dh0.Length);
        GruCore<float>.Backward(RnnCheck.OneRow(config), weights, x, lengths, dy, dhFinal, workspace, dx, dh0, gradients);
    }

    /// <summary>Back-propagates after a <c>Forward</c> with <c>training: true</c> (double precision).</summary>
    /// <inheritdoc cref="Backward(in GruConfig, GruWeights{float}, ReadOnlySpan{float}, ReadOnlySpan{int}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float}, GruGradients{float})"/>
    public static void Backward(
        in GruConfig config, GruWeights<double> weights, ReadOnlySpan<double> x, ReadOnlySpan<int> lengths, ReadOnlySpan<double> dy, ReadOnlySpan<double> dhFinal,
        Span<double> workspace, Span<double> dx, Span<double> dh0, GruGradients<double> gradients)
    {
        CheckBackward(config, Sizes(weights), Sizes(gradients), x.Length, lengths, dy.Length, dhFinal.Length, workspace.Length, dx.Length, dh0.Length);
        GruCore<double>.Backward(RnnCheck.OneRow(config), weights, x, lengths, dy, dhFinal, workspace, dx, dh0, gradients);
    }

    /// <summary>
    /// Runs steps [<paramref name="start"/>, <paramref name="end"/>) of the sequence (single precision): a layer
    /// wavefront's time window, as <c>LstmKernel.ForwardWindow</c> — the spans and the workspace are the whole
    /// sequence's, the windows run in order from step 0 (reading h0) to step T (writing hFinal), and give what one
    /// <c>Forward</c> call gives, to float rounding. <see cref="GruConfig.PackCache"/> is required.
    /// </summary>
    /// <param name="config">The layer (with its <see cref="GruConfig.PackCache"/>).</param>
    /// <param name="weights">As for <c>Forward</c>.</param>
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
        in GruConfig config, GruWeights<float> weights, ReadOnlySpan<float> x, ReadOnlySpan<int> lengths, ReadOnlySpan<float> h0,
        Span<float> y, Span<float> hFinal, Span<float> workspace, bool training, int start, int end)
    {
        CheckForward(config, Sizes(weights), x.Length, lengths, h0.Length, y.Length, hFinal.Length, workspace.Length, training);
        RnnCheck.Window(config.PackCache, "GruKernel.ForwardWindow", config.Time, start, end, backward: false);
        GruCore<float>.Forward(RnnCheck.OneRow(config), weights, x, lengths, h0, y, hFinal, workspace, training, start, end);
    }

    /// <summary>Runs steps [<paramref name="start"/>, <paramref name="end"/>) of the sequence (double precision).</summary>
    /// <inheritdoc cref="ForwardWindow(in GruConfig, GruWeights{float}, ReadOnlySpan{float}, ReadOnlySpan{int}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float}, bool, int, int)"/>
    public static void ForwardWindow(
        in GruConfig config, GruWeights<double> weights, ReadOnlySpan<double> x, ReadOnlySpan<int> lengths, ReadOnlySpan<double> h0,
        Span<double> y, Span<double> hFinal, Span<double> workspace, bool training, int start, int end)
    {
        CheckForward(config, Sizes(weights), x.Length, lengths, h0.Length, y.Length, hFinal.Length, workspace.Length, training);
        RnnCheck.Window(config.PackCache, "GruKernel.ForwardWindow", config.Time, start, end, backward: false);
        GruCore<double>.Forward(RnnCheck.OneRow(config), weights, x, lengths, h0, y, hFinal, workspace, training, start, end);
    }

    /// <summary>
    /// Back-propagates through steps [<paramref name="start"/>, <paramref name="end"/>) (single precision), as
    /// <c>LstmKernel.BackwardWindow</c>: windows last to first (the last reads dhFinal, the one at step 0 writes dh0),
    /// each writing its rows of dx; the weight gradients come from <c>BackwardWeights</c> after the last window.
    /// </summary>
    /// <param name="config">The layer (with its pack cache), as in the forward windows.</param>
    /// <param name="weights">As in the forward pass.</param>
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
        in GruConfig config, GruWeights<float> weights, ReadOnlySpan<float> x, ReadOnlySpan<int> lengths, ReadOnlySpan<float> dy, ReadOnlySpan<float> dhFinal,
        Span<float> workspace, Span<float> dx, Span<float> dh0, int start, int end, Span<float> dxScratch)
    {
        CheckBackward(config, Sizes(weights), Sizes(weights), x.Length, lengths, dy.Length, dhFinal.Length, workspace.Length, dx.Length, dh0.Length);
        RnnCheck.WindowScratch("GruKernel.BackwardWindow", config.BatchMajor, lengths, config.Time, config.Batch, config.InputSize, dx.Length, dxScratch.Length, end - start);
        RnnCheck.Window(config.PackCache, "GruKernel.BackwardWindow", config.Time, start, end, backward: true);
        GruCore<float>.Backward(RnnCheck.OneRow(config), weights, x, lengths, dy, dhFinal, workspace, dx, dh0, default, start, end, dxScratch);
    }

    /// <summary>Back-propagates through steps [<paramref name="start"/>, <paramref name="end"/>) (double precision).</summary>
    /// <inheritdoc cref="BackwardWindow(in GruConfig, GruWeights{float}, ReadOnlySpan{float}, ReadOnlySpan{int}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float}, int, int, Span{float})"/>
    public static void BackwardWindow(
        in GruConfig config, GruWeights<double> weights, ReadOnlySpan<double> x, ReadOnlySpan<int> lengths, ReadOnlySpan<double> dy, ReadOnlySpan<double> dhFinal,
        Span<double> workspace, Span<double> dx, Span<double> dh0, int start, int end, Span<double> dxScratch)
    {
        CheckBackward(config, Sizes(weights), Sizes(weights), x.Length, lengths, dy.Length, dhFinal.Length, workspace.Length, dx.Length, dh0.Length);
        RnnCheck.WindowScratch("GruKernel.BackwardWindow", config.BatchMajor, lengths, config.Time, config.Batch, config.InputSize, dx.Length, dxScratch.Length, end - start);
        RnnCheck.Window(config.PackCache, "GruKernel.BackwardWindow", config.Time, start, end, backward: true);
        GruCore<double>.Backward(RnnCheck.OneRow(config), weights, x, lengths, dy, dhFinal, workspace, dx, dh0, default, start, end, dxScratch);
    }

    /// <summary>The weight gradients for every step at once, after the last backward window (single precision); overwritten.</summary>
    /// <param name="config">The layer, as in the windows.</param>
    /// <param name="x">The whole (T, B, I) input.</param>
    /// <param name="workspace">The windows' workspace.</param>
    /// <param name="gradients">The weight gradients.</param>
    /// <exception cref="ArgumentException">A span has the wrong length, no pack cache, or the backward windows did not reach step 0.</exception>
    public static void BackwardWeights(in GruConfig config, ReadOnlySpan<float> x, Span<float> workspace, GruGradients<float> gradients)
    {
        CheckWeightGradients(config, Sizes(gradients), x.Length, workspace.Length);
        GruCore<float>.BackwardWeights(RnnCheck.OneRow(config), x, workspace, gradients);
    }

    /// <summary>The weight gradients for every step at once, after the last backward window (double precision).</summary>
    /// <inheritdoc cref="BackwardWeights(in GruConfig, ReadOnlySpan{float}, Span{float}, GruGradients{float})"/>
    public static void BackwardWeights(in GruConfig config, ReadOnlySpan<double> x, Span<double> workspace, GruGradients<double> gradients)
    {
        CheckWeightGradients(config, Sizes(gradients), x.Length, workspace.Length);
        GruCore<double>.BackwardWeights(RnnCheck.OneRow(config), x, workspace, gradients);
    }

    /// <summary>The dx scratch a backward window of <paramref name="steps"/> steps needs: steps · B · I elements.</summary>
    /// <param name="config">The layer.</param>
    /// <param name="steps">The window's steps.</param>
    /// <returns>The number of elements.</returns>
    public static int WindowScratchSize(in GruConfig config, int steps) => RnnCheck.WindowScratch(steps, config.Batch, config.InputSize);

    private static void CheckWeightGradients(in GruConfig c, (int, int, int, int, int, int) grads, int x, int workspace)
    {
        const string Owner = "GruKernel.BackwardWeights";
        RnnCheck.Dims(Owner, c.Time, c.Batch, c.InputSize, c.Units);
        CheckWeights(c, grads, Owner, gradients: true);
        RnnCheck.Exact(x, c.Time * c.Batch * c.InputSize, Owner, "x");
        RnnCheck.Workspace(workspace, new GruLayout(c, true, RnnSchedule.Slots(c.Time, c.Batch)).Total, Owner);
        RnnCheck.WindowsDone(c.PackCache, Owner);
    }

    private static (int, int, int, int, int, int) Sizes<T>(GruWeights<T> w) =>
        (w.GateKernel.Length, w.GateBias.Length, w.CandidateInputKernel.Length, w.CandidateHiddenKernel.Length, w.CandidateBias.Length, w.CandidateHiddenBias.Length);

    private static (int, int, int, int, int, int) Sizes<T>(GruGradients<T> w) =>
        (w.GateKernel.Length, w.GateBias.Length, w.CandidateInputKernel.Length, w.CandidateHiddenKernel.Length, w.CandidateBias.Length, w.CandidateHiddenBias.Length);

    private static void CheckWeights(in GruConfig c, (int Gk, int Gb, int Ck, int Chk, int Cb, int Chb) s, string owner, bool gradients)
    {
        int i = c.InputSize, h = c.Units;
        RnnCheck.Exact(s.Gk, (i + h) * 2 * h, owner, gradients ? "gradients.GateKernel" : "weights.GateKernel");
        RnnCheck.Exact(s.Gb, 2 * h, owner, gradients ? "gradients.GateBias" : "weights.GateBias");
        RnnCheck.Exact(s.Ck, i * h, owner, gradients ? "gradients.CandidateInputKernel" : "weights.CandidateInputKernel");
        RnnCheck.Exact(s.Chk, h * h, owner, gradients ? "gradients.CandidateHiddenKernel" : "weights.CandidateHiddenKernel");
        RnnCheck.Exact(s.Cb, h, owner, gradients ? "gradients.CandidateBias" : "weights.CandidateBias");
        RnnCheck.Exact(s.Chb, c.ResetAfter ? h : 0, owner, gradients ? "gradients.CandidateHiddenBias" : "weights.CandidateHiddenBias");
    }

    private static void CheckForward(
        in GruConfig c, (int, int, int, int, int, int) weights, int x, ReadOnlySpan<int> lengths, int h0, int y, int hFinal, int workspace, bool training)
    {
        const string Owner = "GruKernel.Forward";
        RnnCheck.Dims(Owner, c.Time, c.Batch, c.InputSize, c.Units);
        CheckWeights(c, weights, Owner, gradients: false);
        int tb = c.Time * c.Batch, bh = c.Batch * c.Units;
        RnnCheck.Exact(x, tb * c.InputSize, Owner, "x");
        RnnCheck.Lengths(lengths, c.Batch, Owner);
        RnnCheck.Optional(h0, bh, Owner, "h0");
        RnnCheck.Exact(y, tb * c.Units, Owner, "y");
        RnnCheck.Optional(hFinal, bh, Owner, "hFinal");
        RnnCheck.Workspace(workspace, new GruLayout(c, training, RnnSchedule.Slots(c.Time, c.Batch)).Total, Owner);
    }

    private static void CheckBackward(
        in GruConfig c, (int, int, int, int, int, int) weights, (int, int, int, int, int, int) grads, int x, ReadOnlySpan<int> lengths, int dy, int dhFinal,
        int workspace, int dx, int dh0)
    {
        const string Owner = "GruKernel.Backward";
        RnnCheck.Dims(Owner, c.Time, c.Batch, c.InputSize, c.Units);
        CheckWeights(c, weights, Owner, gradients: false);
        CheckWeights(c, grads, Owner, gradients: true);
        int tb = c.Time * c.Batch, bh = c.Batch * c.Units;
        RnnCheck.Exact(x, tb * c.InputSize, Owner, "x");
        RnnCheck.Lengths(lengths, c.Batch, Owner);
        RnnCheck.Optional(dy, tb * c.Units, Owner, "dy");
        RnnCheck.Optional(dhFinal, bh, Owner, "dhFinal");
        RnnCheck.Optional(dx, tb * c.InputSize, Owner, "dx");
        RnnCheck.Optional(dh0, bh, Owner, "dh0");
        RnnCheck.Workspace(workspace, new GruLayout(c, true, RnnSchedule.Slots(c.Time, c.Batch)).Total, Owner);
    }
}
