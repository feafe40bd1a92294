namespace Recur.Kernels.Rnn;

/// <summary>
/// A fused LSTM layer over a whole sequence on spans (TF: <c>tf.nn.dynamic_rnn</c> with <c>LSTMCell</c> or
/// <c>BasicLSTMCell</c>, <c>time_major=True</c>; cuDNN/oneDNN-style fused kernel).
/// </summary>
/// <remarks>
/// <para>Math per step (docs/decisions/0006): <c>z = x_t·Wx + h_{t-1}·Wh + bias; i, j, f, o = split(z, 4)</c>;
/// <c>c_t = clip(σ(f + forget_bias [+ w_f⊙c_{t-1}])⊙c_{t-1} + σ(i [+ w_i⊙c_{t-1}])⊙tanh(j), ±cell_clip)</c>;
/// <c>m_t = σ(o [+ w_o⊙c_t])⊙tanh(c_t)</c>; <c>h_t = clip(m_t·projection, ±proj_clip)</c> with a projection, else
/// <c>h_t = m_t</c>. Output <c>y_t = h_t</c>.</para>
/// <para>Shapes, row-major, time-major (with <c>BatchMajor</c>, x, y, dy and dx are (B, T, ·) instead): x (T, B, I); lengths (B) or empty; c0, cFinal (B, H); h0, hFinal (B, P);
/// y and dy (T, B, P); kernel (I + P, 4·H), gates i, j, f, o, Wx = rows [0, I), Wh = rows [I, I + P); bias (4·H);
/// peepholes (H); projection (H, P). P = <see cref="LstmConfig.OutputSize"/>.</para>
/// <para>Sequence lengths (TF <c>sequence_length</c>): row b with length L (clamped to [0, T]) runs steps
/// 0..L−1; steps t ≥ L output zeros and carry the state, so the final state is the state after step L−1 (the
/// initial state when L = 0). Rows are visited in length order so finished rows drop out of every product:
/// the cost follows the real tokens.</para>
/// <para>Technique: the input projection of every real token is one GEMM before the loop; each step is one
/// GEMM (a GEMV at one active row) with the previous h plus one fused pass per row for the gates and the state;
/// the backward pass runs one fused gate-gradient pass and one GEMM per step, then the kernel gradient
/// <c>[X; H_prev]ᵀ·dGates</c> and <c>dx = dGates·Wxᵀ</c> as single GEMMs over all steps. Nothing is allocated:
/// the caller passes a workspace of <see cref="WorkspaceSize"/> elements.</para>
/// <para>Example: <c>var ws = new float[LstmKernel.WorkspaceSize(cfg, training: false)];
/// LstmKernel.Forward(cfg, new LstmWeights&lt;float&gt; { Kernel = k, Bias = b }, x, default, default, default, y, c, h, ws, false);</c></para>
/// </remarks>
public static class LstmKernel
{
    /// <summary>The workspace length (elements of the float type) that <see cref="Forward(in LstmConfig, LstmWeights{float}, ReadOnlySpan{float}, ReadOnlySpan{int}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float}, Span{float}, bool)"/> needs; with <paramref name="training"/>, it also holds what the backward pass needs.</summary>
    /// <param name="config">The layer.</param>
    /// <param name="training">Size for a forward pass that saves for <c>Backward</c>.</param>
    /// <returns>The number of elements.</returns>
    /// <exception cref="ArgumentException">A dimension is out of range.</exception>
    public static int WorkspaceSize(in LstmConfig config, bool training)
    {
        Check(config, "LstmKernel.WorkspaceSize");
        return new LstmLayout(config, training, RnnSchedule.Slots(config.Time, config.Batch)).Total;
    }

    /// <summary>Runs the LSTM over the sequence (single precision).</summary>
    /// <param name="config">The layer's shape and options.</param>
    /// <param name="weights">kernel (I + P, 4·H), bias (4·H), and peepholes/projection when configured.</param>
    /// <param name="x">(T, B, I) inputs.</param>
    /// <param name="lengths">(B) sequence lengths, clamped to T; empty: all T.</param>
    /// <param name="c0">(B, H) initial cell state; empty: zeros.</param>
    /// <param name="h0">(B, P) initial output state; empty: zeros.</param>
    /// <param name="y">(T, B, P) outputs, zero past each row's length.</param>
    /// <param name="cFinal">(B, H) final cell state, or empty.</param>
    /// <param name="hFinal">(B, P) final output state, or empty.</param>
    /// <param name="workspace">At least <see cref="WorkspaceSize"/>(config, training) elements; kept intact for <c>Backward</c> when training.</param>
    /// <param name="training">Save the activations and states that <c>Backward</c> needs.</param>
    /// <exception cref="ArgumentException">A span has the wrong length, a length is negative, or the workspace is too small.</exception>
    public static void Forward(
        in LstmConfig config, LstmWeights<float> weights, ReadOnlySpan<float> x, ReadOnlySpan<int> lengths, ReadOnlySpan<float> c0, ReadOnlySpan<float> h0,
        Span<float> y, Span<float> cFinal, Span<float> hFinal, Span<float> workspace, bool training)
    {
        CheckForward(config, weights.Kernel.Length, weights.Bias.Length, weights.PeepholeInput.Length, weights.PeepholeForget.Length, weights.PeepholeOutput.Length,
            weights.Projection.Length, x.Length, lengths, c0.Length, h0.Length, y.Length, cFinal.Length, hFinal.Length, workspace.Length, training);
        LstmCore<float>.Forward(RnnCheck.OneRow(config), weights, x, lengths, c0, h0, y, cFinal, hFinal, workspace, training);
    }

    /// <summary>Runs the LSTM over the sequence (double precision).</summary>
    /// <inheritdoc cref="Forward(in LstmConfig, LstmWeights{float}, ReadOnlySpan{float}, ReadOnlySpan{int}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float}, Span{float}, bool)"/>
    public static void Forward(
        in LstmConfig config, LstmWeights<double> weights, ReadOnlySpan<double> x, ReadOnlySpan<int> lengths, ReadOnlySpan<double> c0, ReadOnlySpan<double> h0,
        Span<double> y, Span<double> cFinal, Span<double> hFinal, Span<double> workspace, bool training)
    {
        CheckForward(config, weights.Kernel.Length, weights.Bias.Length, weights.PeepholeInput.Length, weights.PeepholeForget.Length, weights.PeepholeOutput.Length,
            weights.Projection.Length, x.Length, lengths, c0.Length, h0.Length, y.Length, cFinal.Length, hFinal.Length, workspace.Length, training);
        LstmCore<double>.Forward(RnnCheck.OneRow(config), weights, x, lengths, c0, h0, y, cFinal, hFinal, workspace, training);
    }

    /// <summary>
    /// Back-propagates through the sequence after a <c>Forward</c> with <c>training: true</c> on the same
    /// config, weights, x, lengths and workspace (single precision). Gradients are overwritten, not accumulated.
    /// </summary>
    /// <param name="config">The layer, as in the forward pass.</param>
    /// <param name="weights">The weights, as in the forward pass.</param>
    /// <param name="x">(T, B, I), as in the forward pass.</param>
    /// <param name="lengths">(B) or empty, as in the forward pass.</param>
    /// <param name="dy">(T, B, P) dL/dy; empty: zeros. Entries past a row's length are ignored.</param>
    /// <param name="dcFinal">(B, H) dL/dcFinal, or empty for zeros.</param>
    /// <param name="dhFinal">(B, P) dL/dhFinal, or empty for zeros.</param>
    /// <param name="workspace">The forward pass's workspace; the backward pass overwrites it.</param>
    /// <param name="dx">(T, B, I) dL/dx (zero past each length), or empty to skip.</param>
    /// <param name="dc0">(B, H) dL/dc0, or empty.</param>
    /// <param name="dh0">(B, P) dL/dh0, or empty.</param>
    /// <param name="gradients">d kernel, d bias, and the peephole/projection gradients when configured.</param>
    /// <exception cref="ArgumentException">A span has the wrong length, a length is negative, or the workspace is too small.</exception>
    public static void Backward(
        in LstmConfig config, LstmWeights<float> weights, ReadOnlySpan<float> x, ReadOnlySpan<int> lengths, ReadOnlySpan<float> dy,
        ReadOnlySpan<float> dcFinal, ReadOnlySpan<float> dhFinal, Span<float> workspace, Span<float> dx, Span<float> dc0, Span<float> dh0, LstmGradients<float> gradients)
    {
        CheckBackward(config, weights.Kernel.Length, weights.Bias.Length, weights.PeepholeInput.Length, weights.PeepholeForget.Length, weights.PeepholeOutput.Length,
            weights.Projection.Length, x.Length, lengths, dy.Length, dcFinal.Length, dhFinal.Length, workspace.Length, dx.Length, dc0.Length, dh0.Length,
            gradients.Kernel.Length, gradients.Bias.Length, gradients.PeepholeInput.Length, gradients.PeepholeForget.Length, gradients.PeepholeOutput.Length, gradients.Projection.Length);
        LstmCore<float>.Backward(RnnCheck.OneRow(config), weights, x, lengths, dy, dcFinal, dhFinal, workspace, dx, dc0, dh0, gradients);
    }

    /// <summary>
    /// Back-propagates through the sequence after a <c>Forward</c> with <c>training: true</c> (double precision).
    /// </summary>
    /// <inheritdoc cref="Backward(in LstmConfig, LstmWeights{float}, ReadOnlySpan{float}, ReadOnlySpan{int}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float}, Span{float}, LstmGradients{float})"/>
    public static void Backward(
        in LstmConfig config, LstmWeights<double> weights, ReadOnlySpan<double> x, ReadOnlySpan<int> lengths, ReadOnlySpan<double> dy,
        ReadOnlySpan<double> dcFinal, ReadOnlySpan<double> dhFinal, Span<double> workspace, Span<double> dx, Span<double> dc0, Span<double> dh0, LstmGradients<double> gradients)
    {
        CheckBackward(config, weights.Kernel.Length, weights.Bias.Length, weights.PeepholeInput.Length, weights.PeepholeForget.Length, weights.PeepholeOutput.Length,
            weights.Projection.Length, x.Length, lengths, dy.Length, dcFinal.Length, dhFinal.Length, workspace.Length, dx.Length, dc0.Length, dh0.Length,
            gradients.Kernel.Length, gradients.Bias.Length, gradients.PeepholeInput.Length, gradients.PeepholeForget.Length, gradients.PeepholeOutput.Length, gradients.Projection.Length);
        LstmCore<double>.Backward(RnnCheck.OneRow(config), weights, x, lengths, dy, dcFinal, dhFinal, workspace, dx, dc0, dh0, gradients);
    }

    /// <summary>
    /// Runs steps [<paramref name="start"/>, <paramref name="end"/>) of the sequence (single precision): a layer
    /// wavefront's time chunk. The spans are the whole sequence's, as for <c>Forward</c>, and so is the workspace;
    /// the windows run in order from step 0 (reading c0 and h0) to step T (writing cFinal and hFinal), each carrying on
    /// from the state the previous one left in the workspace, and give what one <c>Forward</c> call gives, to float rounding.
    /// <see cref="LstmConfig.PackCache"/> is required: it keeps the packed weights across the windows and checks their
    /// order; <see cref="RnnPackCache.Reset"/> it when the weights change.
    /// </summary>
    /// <param name="config">The layer (with its <see cref="LstmConfig.PackCache"/>).</param>
    /// <param name="weights">As for <c>Forward</c>.</param>
    /// <param name="x">The whole (T, B, I) input.</param>
    /// <param name="lengths">(B) or empty, as for <c>Forward</c>.</param>
    /// <param name="c0">(B, H) or empty; read by the window at step 0.</param>
    /// <param name="h0">(B, P) or empty; read by the window at step 0.</param>
    /// <param name="y">The whole (T, B, P) output; the window writes its steps' rows.</param>
    /// <param name="cFinal">(B, H) or empty; written by the window ending at step T.</param>
    /// <param name="hFinal">(B, P) or empty; written by the window ending at step T.</param>
    /// <param name="workspace">The whole sequence's workspace (<see cref="WorkspaceSize"/>), the same for every window.</param>
    /// <param name="training">Save what the backward windows need.</param>
    /// <param name="start">The window's first step.</param>
    /// <param name="end">The step after the window's last.</param>
    /// <exception cref="ArgumentException">As for <c>Forward</c>; no pack cache; a window out of range or out of order.</exception>
    public static void ForwardWindow(
        in LstmConfig config, LstmWeights<float> weights, ReadOnlySpan<float> x, ReadOnlySpan<int> lengths, ReadOnlySpan<float> c0, ReadOnlySpan<float> h0,
        Span<float> y, Span<float> cFinal, Span<float> hFinal, Span<float> workspace, bool training, int start, int end)
    {
        CheckForward(config, weights.Kernel.Length, weights.Bias.Length, weights.PeepholeInput.Length, weights.PeepholeForget.Length, weights.PeepholeOutput.Length,
            weights.Projection.Length, x.Length, lengths, c0.Length, h0.Length, y.Length, cFinal.Length, hFinal.Length, workspace.Length, training);
        RnnCheck.Window(config.PackCache, "LstmKernel.ForwardWindow", config.Time, start, end, backward: false);
        LstmCore<float>.Forward(RnnCheck.OneRow(config), weights, x, lengths, c0, h0, y, cFinal, hFinal, workspace, training, start, end);
    }

    /// <summary>Runs steps [<paramref name="start"/>, <paramref name="end"/>) of the sequence (double precision).</summary>
    /// <inheritdoc cref="ForwardWindow(in LstmConfig, LstmWeights{float}, ReadOnlySpan{float}, ReadOnlySpan{int}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float}, Span{float}, bool, int, int)"/>
    public static void ForwardWindow(
        in LstmConfig config, LstmWeights<double> weights, ReadOnlySpan<double> x, ReadOnlySpan<int> lengths, ReadOnlySpan<double> c0, ReadOnlySpan<double> h0,
        Span<double> y, Span<double> cFinal, Span<double> hFinal, Span<double> workspace, bool training, int start, int end)
    {
        CheckForward(config, weights.Kernel.Length, weights.Bias.Length, weights.PeepholeInput.Length, weights.PeepholeForget.Length, weights.PeepholeOutput.Length,
            weights.Projection.Length, x.Length, lengths, c0.Length, h0.Length, y.Length, cFinal.Length, hFinal.Length, workspace.Length, training);
        RnnCheck.Window(config.PackCache, "LstmKernel.ForwardWindow", config.Time, start, end, backward: false);
        LstmCore<double>.Forward(RnnCheck.OneRow(config), weights, x, lengths, c0, h0, y, cFinal, hFinal, workspace, training, start, end);
    }

    /// <summary>
    /// Back-propagates through steps [<paramref name="start"/>, <paramref name="end"/>) after windowed (or whole)
    /// training forward steps over the same workspace (single precision): the windows run last to first (the last
    /// reads dcFinal and dhFinal, the one at step 0 writes dc0 and dh0), each writing its steps' rows of
    /// <paramref name="dx"/>; the weight gradients come from <see cref="BackwardWeights(in LstmConfig, Span{float}, LstmGradients{float})"/> after the
    /// last window. What one <c>Backward</c> call gives, to float rounding. <see cref="LstmConfig.PackCache"/> is required.
    /// </summary>
    /// <param name="config">The layer (with its <see cref="LstmConfig.PackCache"/>), as in the forward windows.</param>
    /// <param name="weights">As in the forward pass.</param>
    /// <param name="x">The whole (T, B, I) input, as in the forward pass.</param>
    /// <param name="lengths">(B) or empty, as in the forward pass.</param>
    /// <param name="dy">The whole (T, B, P) dL/dy, or empty for zeros; the window reads its steps' rows.</param>
    /// <param name="dcFinal">(B, H) or empty; read by the window ending at step T.</param>
    /// <param name="dhFinal">(B, P) or empty; read by the window ending at step T.</param>
    /// <param name="workspace">The forward pass's workspace.</param>
    /// <param name="dx">The whole (T, B, I) dL/dx, or empty; the window writes its steps' rows.</param>
    /// <param name="dc0">(B, H) or empty; written by the window at step 0.</param>
    /// <param name="dh0">(B, P) or empty; written by the window at step 0.</param>
    /// <param name="start">The window's first step.</param>
    /// <param name="end">The step after the window's last.</param>
    /// <param name="dxScratch">Batch-major or with lengths, and dx wanted: at least <see cref="WindowScratchSize"/> elements for the window's packed dx rows; else unused.</param>
    /// <exception cref="ArgumentException">As for <c>Backward</c>; no pack cache; a window out of range or out of order; too small a scratch.</exception>
    public static void BackwardWindow(
        in LstmConfig config, LstmWeights<float> weights, ReadOnlySpan<float> x, ReadOnlySpan<int> lengths, ReadOnlySpan<float> dy,
        ReadOnlySpan<float> dcFinal, ReadOnlySpan<float> dhFinal, Span<float> workspace, Span<float> dx, Span<float> dc0, Span<float> dh0, int start, int end, Span<float> dxScratch)
    {
        CheckBackward(config, weights.Kernel.Length, weights.Bias.Length, weights.PeepholeInput.Length, weights.PeepholeForget.Length, weights.PeepholeOutput.Length,
            weights.Projection.Length, x.Length, lengths, dy.Length, dcFinal.Length, dhFinal.Length, workspace.Length, dx.Length, dc0.Length, dh0.Length,
            weights.Kernel.Length, weights.Bias.Length, weights.PeepholeInput.Length, weights.PeepholeForget.Length, weights.PeepholeOutput.Length, weights.Projection.Length);
        RnnCheck.WindowScratch("LstmKernel.BackwardWindow", config.BatchMajor, lengths, config.Time, config.Batch, config.InputSize, dx.Length, dxScratch.Length, end - start);
        RnnCheck.Window(config.PackCache, "LstmKernel.BackwardWindow", config.Time, start, end, backward: true);
        LstmCore<float>.Backward(RnnCheck.OneRow(config), weights, x, lengths, dy, dcFinal, dhFinal, workspace, dx, dc0, dh0, default, start, end, dxScratch);
    }

    /// <summary>Back-propagates through steps [<paramref name="start"/>, <paramref name="end"/>) (double precision).</summary>
    /// <inheritdoc cref="BackwardWindow(in LstmConfig, LstmWeights{float}, ReadOnlySpan{float}, ReadOnlySpan{int}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float}, Span{float}, int, int, Span{float})"/>
    public static void BackwardWindow(
        in LstmConfig config, LstmWeights<double> weights, ReadOnlySpan<double> x, ReadOnlySpan<int> lengths, ReadOnlySpan<double> dy,
        ReadOnlySpan<double> dcFinal, ReadOnlySpan<double> dhFinal, Span<double> workspace, Span<double> dx, Span<double> dc0, Span<double> dh0, int start, int end, Span<double> dxScratch)
    {
        CheckBackward(config, weights.Kernel.Length, weights.Bias.Length, weights.PeepholeInput.Length, weights.PeepholeForget.Length, weights.PeepholeOutput.Length,
            weights.Projection.Length, x.Length, lengths, dy.Length, dcFinal.Length, dhFinal.Length, workspace.Length, dx.Length, dc0.Length, dh0.Length,
            weights.Kernel.Length, weights.Bias.Length, weights.PeepholeInput.Length, weights.PeepholeForget.Length, weights.PeepholeOutput.Length, weights.Projection.Length);
        RnnCheck.WindowScratch("LstmKernel.BackwardWindow", config.BatchMajor, lengths, config.Time, config.Batch, config.InputSize, dx.Length, dxScratch.Length, end - start);
        RnnCheck.Window(config.PackCache, "LstmKernel.BackwardWindow", config.Time, start, end, backward: true);
        LstmCore<double>.Backward(RnnCheck.OneRow(config), weights, x, lengths, dy, dcFinal, dhFinal, workspace, dx, dc0, dh0, default, start, end, dxScratch);
    }

    /// <summary>The weight gradients for every step at once, after the last backward window (single precision); overwritten, not accumulated.</summary>
    /// <param name="config">The layer, as in the windows.</param>
    /// <param name="workspace">The windows' workspace.</param>
    /// <param name="gradients">d kernel, d bias, and the peephole/projection gradients when configured.</param>
    /// <exception cref="ArgumentException">A span has the wrong length, the config has no pack cache, or the backward windows did not reach step 0.</exception>
    public static void BackwardWeights(in LstmConfig config, Span<float> workspace, LstmGradients<float> gradients)
    {
        CheckWeightGradients(config, workspace.Length, gradients.Kernel.Length, gradients.Bias.Length, gradients.PeepholeInput.Length, gradients.PeepholeForget.Length,
            gradients.PeepholeOutput.Length, gradients.Projection.Length);
        LstmCore<float>.BackwardWeights(config, workspace, gradients);
    }

    /// <summary>The weight gradients for every step at once, after the last backward window (double precision).</summary>
    /// <inheritdoc cref="BackwardWeights(in LstmConfig, Span{float}, LstmGradients{float})"/>
    public static void BackwardWeights(in LstmConfig config, Span<double> workspace, LstmGradients<double> gradients)
    {
        CheckWeightGradients(config, workspace.Length, gradients.Kernel.Length, gradients.Bias.Length, gradients.PeepholeInput.Length, gradients.PeepholeForget.Length,
            gradients.PeepholeOutput.Length, gradients.Projection.Length);
        LstmCore<double>.BackwardWeights(config, workspace, gradients);
    }

    /// <summary>The dx scratch a backward window of <paramref name="steps"/> steps needs: steps · B · I elements.</summary>
    /// <param name="config">The layer.</param>
    /// <param name="steps">The window's steps.</param>
    /// <returns>The number of elements.</returns>
    public static int WindowScratchSize(in LstmConfig config, int steps) => RnnCheck.WindowScratch(steps, config.Batch, config.InputSize);

    private static void CheckWeightGradients(in LstmConfig c, int workspace, int dKernel, int dBias, int dwi, int dwf, int dwo, int dProjection)
    {
        const string Owner = "LstmKernel.BackwardWeights";
        Check(c, Owner);
        CheckWeights(c, Owner, dKernel, dBias, dwi, dwf, dwo, dProjection, gradients: true);
        RnnCheck.Workspace(workspace, new LstmLayout(c, true, RnnSchedule.Slots(c.Time, c.Batch)).Total, Owner);
        RnnCheck.WindowsDone(c.PackCache, Owner);
    }

    private static void Check(in LstmConfig c, string owner)
    {
        RnnCheck.Dims(owner, c.Time, c.Batch, c.InputSize, c.Units);
        ThrowHelper.CheckNonNegative(c.NumProj, owner, "config.NumProj");
        if (c.ProjClip.HasValue && c.NumProj == 0)
        {
            ThrowHelper.Argument("config", $"{owner}: ProjClip needs a projection (NumProj > 0), but NumProj is 0.");
        }

        if (c.CellClip is < 0 || c.ProjClip is < 0)
        {
            ThrowHelper.Argument("config", $"{owner}: clip values must be non-negative, but got CellClip {c.CellClip}, ProjClip {c.ProjClip}.");
        }
    }

    private static void CheckWeights(in LstmConfig c, string owner, int kernel, int bias, int wi, int wf, int wo, int projection, bool gradients)
    {
        int h = c.Units, p = c.OutputSize;
        RnnCheck.Exact(kernel, (c.InputSize + p) * 4 * h, owner, gradients ? "gradients.Kernel" : "weights.Kernel");
        RnnCheck.Exact(bias, 4 * h, owner, gradients ? "gradients.Bias" : "weights.Bias");
        int peep = c.UsePeepholes ? h : 0;
        RnnCheck.Exact(wi, peep, owner, gradients ? "gradients.PeepholeInput" : "weights.PeepholeInput");
        RnnCheck.Exact(wf, peep, owner, gradients ? "gradients.PeepholeForget" : "weights.PeepholeForget");
        RnnCheck.Exact(wo, peep, owner, gradients ? "gradients.PeepholeOutput" : "weights.PeepholeOutput");
        RnnCheck.Exact(projection, c.NumProj > 0 ? h * p : 0, owner, gradients ? "gradients.Projection" : "weights.Projection");
    }

    private static void CheckForward(
        in LstmConfig c, int kernel, int bias, int wi, int wf, int wo, int projection, int x, ReadOnlySpan<int> lengths, int c0, int h0,
        int y, int cFinal, int hFinal, int workspace, bool training)
    {
        const string Owner = "LstmKernel.Forward";
        Check(c, Owner);
        CheckWeights(c, Owner, kernel, bias, wi, wf, wo, projection, gradients: false);
        int tb = c.Time * c.Batch, h = c.Units, p = c.OutputSize;
        RnnCheck.Exact(x, tb * c.InputSize, Owner, "x");
        RnnCheck.Lengths(lengths, c.Batch, Owner);
        RnnCheck.Optional(c0, c.Batch * h, Owner, "c0");
        RnnCheck.Optional(h0, c.Batch * p, Owner, "h0");
        RnnCheck.Exact(y, tb * p, Owner, "y");
        RnnCheck.Optional(cFinal, c.Batch * h, Owner, "cFinal");
        RnnCheck.Optional(hFinal, c.Batch * p, Owner, "hFinal");
        RnnCheck.Workspace(workspace, new LstmLayout(c, training, RnnSchedule.Slots(c.Time, c.Batch)).Total, Owner);
    }

    private static void CheckBackward(
        in LstmConfig c, int kernel, int bias, int wi, int wf, int wo, int projection, int x, ReadOnlySpan<int> lengths, int dy, int dcFinal, int dhFinal,
        int workspace, int dx, int dc0, int dh0, int dKernel, int dBias, int dwi, int dwf, int dwo, int dProjection)
    {
        const string Owner = "LstmKernel.Backward";
        Check(c, Owner);
        CheckWeights(c, Owner, kernel, bias, wi, wf, wo, projection, gradients: false);
        CheckWeights(c, Owner, dKernel, dBias, dwi, dwf, dwo, dProjection, gradients: true);
        int tb = c.Time * c.Batch, h = c.Units, p = c.OutputSize;
        RnnCheck.Exact(x, tb * c.InputSize, Owner, "x");
        RnnCheck.Lengths(lengths, c.Batch, Owner);
        RnnCheck.Optional(dy, tb * p, Owner, "dy");
        RnnCheck.Optional(dcFinal, c.Batch * h, Owner, "dcFinal");
        RnnCheck.Optional(dhFinal, c.Batch * p, Owner, "dhFinal");
        RnnCheck.Optional(dx, tb * c.InputSize, Owner, "dx");
        RnnCheck.Optional(dc0, c.Batch * h, Owner, "dc0");
        RnnCheck.Optional(dh0, c.Batch * p, Owner, "dh0");
        RnnCheck.Workspace(workspace, new LstmLayout(c, true, RnnSchedule.Slots(c.Time, c.Batch)).Total, Owner);
    }
}
