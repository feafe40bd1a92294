namespace Recur.Rnn;

/// <summary>
/// Adds a residual connection around a cell: the output is <c>input + cell output</c>. TF equivalent:
/// <c>tf.compat.v1.nn.rnn_cell.ResidualWrapper(cell, residual_fn=None)</c>.
/// </summary>
/// <remarks>
/// <para>Math: <c>(o, s') = cell(x, s);  output = residualFn(x, o)</c>, by default <c>x + o</c> leaf by leaf; the new
/// state is the cell's, untouched.</para>
/// <para>Variables: none of its own, and no scope level of its own (the wrapped cell's variables keep their names).
/// <see cref="StateSize"/>, <see cref="OutputSize"/> and <see cref="ZeroState"/> are the wrapped cell's.
/// Shapes: the input and the cell's output must have compatible shapes for the default residual function
/// (e.g. input depth = units).</para>
/// </remarks>
/// <example><code>var layer2 = new ResidualWrapper(new LstmCell(128));   // input depth must be 128</code></example>
public sealed class ResidualWrapper : RnnCell
{
    private const string Owner = nameof(ResidualWrapper);
    private readonly RnnCell _cell;
    private readonly Func<Tensor, Tensor, Tensor>? _residualFn;

    /// <summary>Wraps <paramref name="cell"/>.</summary>
    /// <param name="cell">The wrapped cell.</param>
    /// <param name="residualFn">Combines (input, cell output) into the output, per leaf; null: their sum.</param>
    /// <exception cref="ArgumentNullException">cell is null.</exception>
    public ResidualWrapper(RnnCell cell, Func<Tensor, Tensor, Tensor>? residualFn = null) : base(null)
    {
        ArgumentNullException.ThrowIfNull(cell);
        _cell = cell;
        _residualFn = residualFn;
    }

    /// <summary>The wrapped cell (TF: <c>wrapped_cell</c>).</summary>
    public RnnCell WrappedCell => _cell;

    /// <inheritdoc/>
    public override RnnSize StateSize => _cell.StateSize;

    /// <inheritdoc/>
    public override RnnSize OutputSize => _cell.OutputSize;

    /// <summary>Runs in the caller's variable scope, as TF's wrappers do.</summary>
    protected override bool OpensScope => false;

    /// <inheritdoc/>
    /// <remarks>The wrapped cell's zero state.</remarks>
    public override RnnState ZeroState(Tensor batchSize, DType dtype)
    {
        ArgumentNullException.ThrowIfNull(batchSize);
        using (Tf.NameScope(Owner + "ZeroState"))
            return _cell.ZeroState(batchSize, dtype);
    }

    /// <inheritdoc/>
    protected override (Tensor Output, RnnState State) CallCore(Tensor input, RnnState state)
    {
        var (o, s) = CallNestedCore(input, state);
        return (o.Tensor, s);
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">Default residual: the input and output structures differ, or a pair of
    /// leaves has incompatible shapes (TF: <c>assert_same_structure</c>, <c>assert_is_compatible_with</c>).</exception>
    protected override (RnnState Output, RnnState State) CallNestedCore(RnnState input, RnnState state)
    {
        ArgumentNullException.ThrowIfNull(input);
        var (output, newState) = _cell.Call(input, state);
        TrackVariables(_cell.Variables);
        var inputs = input.Flatten();
        var outputs = output.Flatten();
        if (_residualFn is null)
        {
            if (Nest.Describe(input) != Nest.Describe(output))
                throw new ArgumentException(
                    $"{Owner}: The two structures don't have the same nested structure: input {input}, output {output}.", nameof(input));
            for (int i = 0; i < inputs.Count; i++)
            {
                if (!inputs[i].Shape.IsCompatibleWith(outputs[i].Shape))
                    throw new ArgumentException(
                        $"{Owner}: Shapes {inputs[i].Shape} and {outputs[i].Shape} are incompatible (input vs cell output).", nameof(input));
            }
        }
        else if (inputs.Count != outputs.Count)
        {
            throw new ArgumentException(
                $"{Owner}: the input has {inputs.Count} tensors but the cell output has {outputs.Count}; residualFn combines them pairwise.", nameof(input));
        }
        var res = new Tensor[outputs.Count];
        for (int i = 0; i < res.Length; i++)
            res[i] = _residualFn is null ? inputs[i] + outputs[i] : _residualFn(inputs[i], outputs[i]);
        return (output.PackAs(res), newState);
    }
}
