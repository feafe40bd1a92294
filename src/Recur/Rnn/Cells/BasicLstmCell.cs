namespace Recur.Rnn;

/// <summary>
/// The basic LSTM cell (no peepholes, no clipping, no projection). TF equivalent:
/// <c>tf.compat.v1.nn.rnn_cell.BasicLSTMCell(num_units, forget_bias, state_is_tuple, activation)</c>.
/// </summary>
/// <remarks>
/// <para>Math, with <c>(c, h)</c> the state, <c>σ</c> the logistic sigmoid and act = tanh by default:</para>
/// <code>z = [x, h] · kernel + bias;   i, j, f, o = split(z, 4, axis 1)
/// c' = c ⊙ σ(f + forget_bias) + σ(i) ⊙ act(j)
/// h' = act(c') ⊙ σ(o)
/// output = h',  new state = LstmStateTuple(c', h')   (or concat([c', h'], 1))</code>
/// <para>Variables (under the cell's scope, <c>basic_lstm_cell</c> by default):
/// <c>kernel</c> (input_depth + units, 4·units), rows [x, h], column blocks i, j, f, o — scope initializer or
/// Glorot uniform; <c>bias</c> (4·units), same gate order — zeros. <c>forget_bias</c> is a constant added at call
/// time, never stored in <c>bias</c> (set it to 0 when loading cuDNN-trained weights).</para>
/// <para>Shapes: input (batch, input_depth); state <c>LstmStateTuple</c> of (batch, units) twice, or with
/// <c>stateIsTuple: false</c> one (batch, 2·units) tensor [c, h]; output (batch, units).</para>
/// </remarks>
/// <example><code>var cell = new BasicLstmCell(128);
/// var (outputs, state) = Tf.Nn.DynamicRnn(cell, x, dtype: DType.Float32);   // state: LstmStateTuple</code></example>
public sealed class BasicLstmCell : RnnCell
{
    private readonly Func<Tensor, Tensor> _activation;
    private readonly bool _tanh;
    private Variable? _kernel, _bias;
    private int _inputDepth;

    /// <summary>Creates the cell.</summary>
    /// <param name="numUnits">Units (the size of c and h); must be positive.</param>
    /// <param name="forgetBias">Added to the forget gate's pre-activation at every step (TF default 1.0).</param>
    /// <param name="stateIsTuple">True: the state is an <see cref="LstmStateTuple"/> (c, h); false: one
    /// (batch, 2·units) tensor, the concatenation [c, h] (TF's deprecated non-tuple state).</param>
    /// <param name="activation">Activation of the candidate and the output; tanh when null.</param>
    /// <param name="name">Scope name; <c>basic_lstm_cell</c> when null.</param>
    /// <exception cref="ArgumentException">numUnits is not positive.</exception>
    public BasicLstmCell(int numUnits, double forgetBias = 1.0, bool stateIsTuple = true, Func<Tensor, Tensor>? activation = null, string? name = null)
        : base(name)
    {
        CellUtil.CheckUnits(nameof(BasicLstmCell), nameof(numUnits), numUnits);
        NumUnits = numUnits;
        ForgetBias = forgetBias;
        StateIsTuple = stateIsTuple;
        _activation = activation ?? Tf.Nn.Tanh;
        _tanh = IsTanh(activation);
    }

    /// <summary>Number of units.</summary>
    public int NumUnits { get; }

    /// <summary>The constant added to the forget gate.</summary>
    public double ForgetBias { get; }

    /// <summary>Whether the state is an <see cref="LstmStateTuple"/> (else a concatenated [c, h] tensor).</summary>
    public bool StateIsTuple { get; }

    /// <inheritdoc/>
    /// <remarks><c>LSTMStateTuple(c=units, h=units)</c>, or 2·units when <see cref="StateIsTuple"/> is false.</remarks>
    public override RnnSize StateSize => StateIsTuple ? RnnSize.Lstm(NumUnits, NumUnits) : 2 * NumUnits;

    /// <inheritdoc/>
    public override RnnSize OutputSize => NumUnits;

    /// <summary>The kernel (input_depth + units, 4·units), gates i, j, f, o; null before the first call.</summary>
    public Variable? Kernel => _kernel;

    /// <summary>The bias (4·units), gates i, j, f, o; null before the first call.</summary>
    public Variable? Bias => _bias;

    /// <inheritdoc/>
    protected override void Build(Tensor input)
    {
        _inputDepth = InputDepth(input);
        _kernel = AddVariable("kernel", new Shape(_inputDepth + NumUnits, 4 * NumUnits), input.DType, null);
        _bias = AddVariable("bias", new Shape(4 * NumUnits), input.DType, Initializers.Zeros());
    }

    /// <inheritdoc/>
    internal override bool CanFuse => _tanh;

    /// <inheritdoc/>
    internal override (Tensor Outputs, RnnState State) FusedCore(Tensor x, Tensor? sequenceLength, RnnState state, bool timeMajor)
    {
        const string owner = nameof(BasicLstmCell);
        CheckFusedInput(x, _inputDepth, state, timeMajor);
        Tensor c, h;
        if (StateIsTuple)
        {
            (c, h) = (LstmStateTuple)state;
            CellUtil.CheckWidth(owner, "c", c, NumUnits);
            CellUtil.CheckWidth(owner, "h", h, NumUnits);
        }
        else
        {
            CellUtil.CheckWidth(owner, "state", state.Tensor, 2 * NumUnits);
            var ch = Tf.Split(state.Tensor, 2, 1);
            (c, h) = (ch[0], ch[1]);
        }
        var (y, newC, newH) = FusedLstmOp.Build(x, sequenceLength, c, h, _kernel!, _bias!, null, null, NumUnits, ForgetBias, null, null, batchMajor: !timeMajor);
        RnnState newState = StateIsTuple ? new LstmStateTuple(newC, newH) : Tf.Concat(new[] { newC, newH }, 1);
        return (y, newState);
    }

    /// <inheritdoc/>
    protected override (Tensor Output, RnnState State) CallCore(Tensor input, RnnState state)
    {
        const string owner = nameof(BasicLstmCell);
        CellUtil.CheckDepth(owner, InputDepth(input), _inputDepth, input);
        CheckState(state);
        CellUtil.CheckSameDType(owner, input, state);
        Tensor c, h;
        if (StateIsTuple)
        {
            (c, h) = (LstmStateTuple)state;
            CellUtil.CheckWidth(owner, "c", c, NumUnits);
            CellUtil.CheckWidth(owner, "h", h, NumUnits);
        }
        else
        {
            CellUtil.CheckWidth(owner, "state", state.Tensor, 2 * NumUnits);
            var ch = Tf.Split(state.Tensor, 2, 1);
            (c, h) = (ch[0], ch[1]);
        }

        var z = Tf.Nn.BiasAdd(Tf.MatMul(Tf.Concat(new[] { input, h }, 1), _kernel!), _bias!);
        var g = Tf.Split(z, 4, 1);
        Tensor i = g[0], j = g[1], f = g[2], o = g[3];
        var newC = c * Tf.Sigmoid(f + CellUtil.Scalar(f, ForgetBias)) + Tf.Sigmoid(i) * _activation(j);
        var newH = _activation(newC) * Tf.Sigmoid(o);
        RnnState newState = StateIsTuple ? new LstmStateTuple(newC, newH) : Tf.Concat(new[] { newC, newH }, 1);
        return (newH, newState);
    }
}
