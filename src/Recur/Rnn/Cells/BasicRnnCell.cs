using Recur.Kernels.Rnn;

namespace Recur.Rnn;

/// <summary>
/// The most basic RNN cell. TF equivalent: <c>tf.compat.v1.nn.rnn_cell.BasicRNNCell(num_units, activation)</c>.
/// </summary>
/// <remarks>
/// <c>output = new_state = act([x, h] · kernel + bias)</c>, act = tanh by default.
/// Variables: <c>basic_rnn_cell/kernel</c> (input_depth + units, units) — scope initializer or Glorot uniform;
/// <c>basic_rnn_cell/bias</c> (units) — zeros.
/// </remarks>
/// <example><code>var cell = new BasicRnnCell(5);
/// var (outputs, state) = Tf.Nn.DynamicRnn(cell, x, dtype: DType.Float32);</code></example>
public sealed class BasicRnnCell : RnnCell
{
    private readonly Func<Tensor, Tensor> _activation;
    private readonly RnnActivation? _fused;
    private Variable? _kernel, _bias;

    /// <summary>Creates the cell.</summary>
    /// <param name="numUnits">Units (state and output size); must be positive.</param>
    /// <param name="activation">Activation; tanh when null (e.g. <c>Tf.Nn.Relu</c>).</param>
    /// <param name="name">Scope name; <c>basic_rnn_cell</c> when null.</param>
    /// <exception cref="ArgumentException">numUnits is not positive.</exception>
    public BasicRnnCell(int numUnits, Func<Tensor, Tensor>? activation = null, string? name = null) : base(name)
    {
        if (numUnits <= 0) throw new ArgumentException($"BasicRnnCell: numUnits must be positive, but got {numUnits}.", nameof(numUnits));
        NumUnits = numUnits;
        _activation = activation ?? Tf.Nn.Tanh;
        _fused = IsTanh(activation) ? RnnActivation.Tanh
            : activation!.Equals((Func<Tensor, Tensor>)Tf.Nn.Relu) ? RnnActivation.Relu : null;
    }

    /// <summary>Number of units.</summary>
    public int NumUnits { get; }

    /// <inheritdoc/>
    public override RnnSize StateSize => NumUnits;

    /// <inheritdoc/>
    public override RnnSize OutputSize => NumUnits;

    /// <summary>The kernel variable (input_depth + units, units); null before the first call.</summary>
    public Variable? Kernel => _kernel;

    /// <summary>The bias variable (units); null before the first call.</summary>
    public Variable? Bias => _bias;

    /// <inheritdoc/>
    protected override void Build(Tensor input)
    {
        int depth = InputDepth(input);
        _kernel = AddVariable("kernel", new Shape(depth + NumUnits, NumUnits), input.DType, null);
        _bias = AddVariable("bias", new Shape(NumUnits), input.DType, Initializers.Zeros());
    }

    /// <inheritdoc/>
    internal override bool CanFuse => _fused is not null;

    /// <inheritdoc/>
    internal override (Tensor Outputs, RnnState State) FusedCore(Tensor x, Tensor? sequenceLength, RnnState state, bool timeMajor)
    {
        CheckFusedInput(x, _kernel!.Shape[0] - NumUnits, state, timeMajor);
        CellUtil.CheckWidth(nameof(BasicRnnCell), "state", state.Tensor, NumUnits);
        var (y, h) = FusedSimpleRnnOp.Build(x, sequenceLength, state.Tensor, _kernel, _bias!, NumUnits, _fused!.Value, batchMajor: !timeMajor);
        return (y, h);
    }

    /// <inheritdoc/>
    protected override (Tensor Output, RnnState State) CallCore(Tensor input, RnnState state)
    {
        const string owner = nameof(BasicRnnCell);
        int depth = InputDepth(input);
        CheckState(state);
        if (depth + NumUnits != _kernel!.Shape[0])
            throw new ArgumentException($"BasicRnnCell: input must have shape (batch, {_kernel.Shape[0] - NumUnits}), but got {input.Shape}.", nameof(input));
        CellUtil.CheckSameDType(owner, input, state);
        var h = state.Tensor;
        CellUtil.CheckWidth(owner, "state", h, NumUnits);
        var z = Tf.Nn.BiasAdd(Tf.MatMul(Tf.Concat(new[] { input, h }, 1), _kernel), _bias!);
        var output = _activation(z);
        return (output, output);
    }
}
