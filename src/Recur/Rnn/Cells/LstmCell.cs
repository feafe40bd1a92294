namespace Recur.Rnn;

/// <summary>
/// The full LSTM cell: optional peepholes, cell clipping and output projection. TF equivalent:
/// <c>tf.compat.v1.nn.rnn_cell.LSTMCell(num_units, use_peepholes, cell_clip, initializer, num_proj, proj_clip,
/// forget_bias=1.0, state_is_tuple=True, activation)</c> (the deprecated shard arguments are omitted: sharding is
/// numerically irrelevant).
/// </summary>
/// <remarks>
/// <para>Math, with state <c>(c, m)</c>, σ the logistic sigmoid, act = tanh by default:</para>
/// <code>z = [x, m] · kernel + bias;   i, j, f, o = split(z, 4, axis 1)
/// peepholes: c' = σ(f + forget_bias + w_f_diag ⊙ c) ⊙ c + σ(i + w_i_diag ⊙ c) ⊙ act(j)
/// otherwise: c' = σ(f + forget_bias) ⊙ c + σ(i) ⊙ act(j)
/// cellClip:  c' = clip(c', -cellClip, cellClip)
/// peepholes: m' = σ(o + w_o_diag ⊙ c') ⊙ act(c')     (the output peephole sees the new, clipped c')
/// otherwise: m' = σ(o) ⊙ act(c')
/// numProj:   m' = m' · projection/kernel;  projClip: m' = clip(m', -projClip, projClip)
/// output = m',  new state = LstmStateTuple(c', m')   (or concat([c', m'], 1))</code>
/// <para>Variables (scope <c>lstm_cell</c> by default), in creation order: <c>kernel</c>
/// (input_depth + h, 4·units) with h = numProj ?? units, rows [x, m], column blocks i, j, f, o — <c>initializer</c>,
/// else the scope initializer, else Glorot uniform; <c>bias</c> (4·units), gates i, j, f, o — zeros; with peepholes
/// <c>w_f_diag</c>, <c>w_i_diag</c>, <c>w_o_diag</c> (units) — <c>initializer</c>/scope/Glorot; with numProj
/// <c>projection/kernel</c> (units, numProj) — <c>initializer</c>/scope/Glorot. <c>forget_bias</c> is added at call
/// time, never stored.</para>
/// <para>Shapes: input (batch, input_depth); state <c>LstmStateTuple</c>(c: (batch, units), m: (batch, h)) or with
/// <c>stateIsTuple: false</c> one (batch, units + h) tensor [c, m]; output (batch, h).</para>
/// </remarks>
/// <example><code>var cell = new LstmCell(128, usePeepholes: true, numProj: 64, cellClip: 3.0);
/// var (outputs, state) = Tf.Nn.DynamicRnn(cell, x, sequenceLength: lengths, dtype: DType.Float64);</code></example>
public sealed class LstmCell : RnnCell
{
    private readonly Func<Tensor, Tensor> _activation;
    private readonly Initializer? _initializer;
    private Variable? _kernel, _bias, _wfDiag, _wiDiag, _woDiag, _projKernel;
    private int _inputDepth;
    private readonly bool _tanh;

    /// <summary>Creates the cell.</summary>
    /// <param name="numUnits">Units (the size of c); must be positive.</param>
    /// <param name="usePeepholes">Adds diagonal peephole connections w_f_diag, w_i_diag, w_o_diag.</param>
    /// <param name="cellClip">When set, c is clipped to [-cellClip, cellClip] after each update.</param>
    /// <param name="initializer">Initializer of the kernel, peepholes and projection (null: the scope initializer,
    /// else Glorot uniform). The bias is always zeros.</param>
    /// <param name="numProj">When set, the output m is projected to this size by <c>projection/kernel</c>.</param>
    /// <param name="projClip">When set (with numProj), the projected output is clipped to [-projClip, projClip].</param>
    /// <param name="forgetBias">Added to the forget gate's pre-activation at every step (TF default 1.0).</param>
    /// <param name="stateIsTuple">True: <see cref="LstmStateTuple"/> (c, m); false: one tensor [c, m].</param>
    /// <param name="activation">Activation of the candidate and the output; tanh when null.</param>
    /// <param name="name">Scope name; <c>lstm_cell</c> when null.</param>
    /// <exception cref="ArgumentException">numUnits or numProj is not positive, or a clip value is negative or NaN.</exception>
    public LstmCell(int numUnits, bool usePeepholes = false, double? cellClip = null, Initializer? initializer = null,
        int? numProj = null, double? projClip = null, double forgetBias = 1.0, bool stateIsTuple = true,
        Func<Tensor, Tensor>? activation = null, string? name = null)
        : base(name)
    {
        const string owner = nameof(LstmCell);
        CellUtil.CheckUnits(owner, nameof(numUnits), numUnits);
        if (numProj is int p) CellUtil.CheckUnits(owner, nameof(numProj), p);
        CellUtil.CheckClip(owner, nameof(cellClip), cellClip);
        CellUtil.CheckClip(owner, nameof(projClip), projClip);
        NumUnits = numUnits;
        UsePeepholes = usePeepholes;
        CellClip = cellClip;
        _initializer = initializer;
        NumProj = numProj;
        ProjClip = projClip;
        ForgetBias = forgetBias;
        StateIsTuple = stateIsTuple;
        _activation = activation ?? Tf.Nn.Tanh;
        _tanh = IsTanh(activation);
    }

    /// <summary>Number of units (the size of c).</summary>
    public int NumUnits { get; }

    /// <summary>Whether peephole connections are used.</summary>
    public bool UsePeepholes { get; }

    /// <summary>The cell clip value, if any.</summary>
    public double? CellClip { get; }

    /// <summary>The projection size, if any.</summary>
    public int? NumProj { get; }

    /// <summary>The projection clip value, if any.</summary>
    public double? ProjClip { get; }

    /// <summary>The constant added to the forget gate.</summary>
    public double ForgetBias { get; }

    /// <summary>Whether the state is an <see cref="LstmStateTuple"/> (else a concatenated [c, m] tensor).</summary>
    public bool StateIsTuple { get; }

    private int OutputDepth => NumProj ?? NumUnits;

    /// <inheritdoc/>
    /// <remarks><c>LSTMStateTuple(c=units, h=numProj ?? units)</c>, or their sum when <see cref="StateIsTuple"/> is false.</remarks>
    public override RnnSize StateSize => StateIsTuple ? RnnSize.Lstm(NumUnits, OutputDepth) : NumUnits + OutputDepth;

    /// <inheritdoc/>
    public override RnnSize OutputSize => OutputDepth;

    /// <summary>The kernel (input_depth + (numProj ?? units), 4·units), gates i, j, f, o; null before the first call.</summary>
    public Variable? Kernel => _kernel;

    /// <summary>The bias (4·units), gates i, j, f, o; null before the first call.</summary>
    public Variable? Bias => _bias;

    /// <summary>The projection kernel (units, numProj); null without projection or before the first call.</summary>
    public Variable? ProjectionKernel => _projKernel;

    /// <inheritdoc/>
    protected override void Build(Tensor input)
    {
        _inputDepth = InputDepth(input);
        var dt = input.DType;
        int n = NumUnits;
        _kernel = AddVariable("kernel", new Shape(_inputDepth + OutputDepth, 4 * n), dt, _initializer);
        _bias = AddVariable("bias", new Shape(4 * n), dt, Initializers.Zeros());
        if (UsePeepholes)
        {
            _wfDiag = AddVariable("w_f_diag", new Shape(n), dt, _initializer);
            _wiDiag = AddVariable("w_i_diag", new Shape(n), dt, _initializer);
            _woDiag = AddVariable("w_o_diag", new Shape(n), dt, _initializer);
        }
        if (NumProj is int p)
            _projKernel = AddVariable("projection/kernel", new Shape(n, p), dt, _initializer);
    }

    /// <inheritdoc/>
    internal override bool CanFuse => _tanh;

    /// <inheritdoc/>
    internal override (Tensor Outputs, RnnState State) FusedCore(Tensor x, Tensor? sequenceLength, RnnState state, bool timeMajor)
    {
        CheckFusedInput(x, _inputDepth, state, timeMajor);
        var (cPrev, mPrev) = SplitState(state);
        var (y, c, m) = FusedLstmOp.Build(x, sequenceLength, cPrev, mPrev, _kernel!, _bias!,
            UsePeepholes ? ((Tensor)_wiDiag!, (Tensor)_wfDiag!, (Tensor)_woDiag!) : null, _projKernel is null ? null : (Tensor)_projKernel, NumUnits, ForgetBias, CellClip, ProjClip, batchMajor: !timeMajor);
        RnnState newState = StateIsTuple ? new LstmStateTuple(c, m) : Tf.Concat(new[] { c, m }, 1);
        return (y, newState);
    }

    private (Tensor C, Tensor M) SplitState(RnnState state)
    {
        const string owner = nameof(LstmCell);
        if (StateIsTuple)
        {
            var (c, m) = (LstmStateTuple)state;
            CellUtil.CheckWidth(owner, "c", c, NumUnits);
            CellUtil.CheckWidth(owner, "h", m, OutputDepth);
            return (c, m);
        }
        CellUtil.CheckWidth(owner, "state", state.Tensor, NumUnits + OutputDepth);
        return (CellUtil.Columns(state.Tensor, 0, NumUnits), CellUtil.Columns(state.Tensor, NumUnits, OutputDepth));
    }

    /// <inheritdoc/>
    protected override (Tensor Output, RnnState State) CallCore(Tensor input, RnnState state)
    {
        const string owner = nameof(LstmCell);
        CellUtil.CheckDepth(owner, InputDepth(input), _inputDepth, input);
        CheckState(state);
        CellUtil.CheckSameDType(owner, input, state);
        int n = NumUnits;
        Tensor cPrev, mPrev;
        if (StateIsTuple)
        {
            (cPrev, mPrev) = (LstmStateTuple)state;
            CellUtil.CheckWidth(owner, "c", cPrev, n);
            CellUtil.CheckWidth(owner, "h", mPrev, OutputDepth);
        }
        else
        {
            CellUtil.CheckWidth(owner, "state", state.Tensor, n + OutputDepth);
            cPrev = CellUtil.Columns(state.Tensor, 0, n);
            mPrev = CellUtil.Columns(state.Tensor, n, OutputDepth);
        }

        var z = Tf.Nn.BiasAdd(Tf.MatMul(Tf.Concat(new[] { input, mPrev }, 1), _kernel!), _bias!);
        var g = Tf.Split(z, 4, 1);
        Tensor i = g[0], j = g[1], f = g[2], o = g[3];
        var fb = CellUtil.Scalar(f, ForgetBias);
        Tensor c = UsePeepholes
            ? Tf.Sigmoid(f + fb + _wfDiag! * cPrev) * cPrev + Tf.Sigmoid(i + _wiDiag! * cPrev) * _activation(j)
            : Tf.Sigmoid(f + fb) * cPrev + Tf.Sigmoid(i) * _activation(j);
        if (CellClip is double cc) c = CellUtil.Clip(c, cc);
        Tensor m = UsePeepholes
            ? Tf.Sigmoid(o + _woDiag! * c) * _activation(c)
            : Tf.Sigmoid(o) * _activation(c);
        if (NumProj is not null)
        {
            m = Tf.MatMul(m, _projKernel!);
            if (ProjClip is double pc) m = CellUtil.Clip(m, pc);
        }
        RnnState newState = StateIsTuple ? new LstmStateTuple(c, m) : Tf.Concat(new[] { c, m }, 1);
        return (m, newState);
    }
}
