namespace Recur.Rnn;

/// <summary>
/// A stack of cells run one after another within a time step: layer l's output is layer l+1's input. TF equivalent:
/// <c>tf.compat.v1.nn.rnn_cell.MultiRNNCell(cells, state_is_tuple=True)</c>.
/// </summary>
/// <remarks>
/// <para>Math: <c>x₀ = x;  (x_{l+1}, s'_l) = cell_l(x_l, s_l);  output = x_L;  new state = (s'_0, …, s'_{L−1})</c>.</para>
/// <para>Variables: each layer's cell runs inside the sub-scope <c>cell_{l}</c> of this cell's scope
/// (<c>multi_rnn_cell</c> by default), e.g. <c>rnn/multi_rnn_cell/cell_0/basic_lstm_cell/kernel</c>,
/// <c>rnn/multi_rnn_cell/cell_1/basic_lstm_cell/kernel</c>.</para>
/// <para>State: with <c>stateIsTuple</c> an <see cref="RnnStateTuple"/> of the layers' states
/// (<see cref="StateSize"/> = <c>RnnSize.Tuple(...)</c>); otherwise one (batch, Σ sizes) tensor, the concatenation of
/// the layers' (non-tuple) states, which each layer reads as its column slice. Output: (batch, last layer's output size).</para>
/// </remarks>
/// <example><code>var cell = new MultiRnnCell(new RnnCell[] { new LstmCell(128), new LstmCell(256) });
/// var (outputs, state) = Tf.Nn.DynamicRnn(cell, x, dtype: DType.Float32);   // state: RnnStateTuple of 2 LstmStateTuples</code></example>
public sealed class MultiRnnCell : RnnCell
{
    private readonly RnnCell[] _cells;

    /// <summary>Stacks <paramref name="cells"/> (the same cell object twice shares its weights, as in TF).</summary>
    /// <param name="cells">The layers, input side first.</param>
    /// <param name="stateIsTuple">True: the state is a tuple of per-layer states; false: one concatenated tensor
    /// (every layer's state must then be a single tensor).</param>
    /// <exception cref="ArgumentNullException">cells or one of its elements is null.</exception>
    /// <exception cref="ArgumentException">cells is empty (TF: "Must specify at least one cell for MultiRNNCell."),
    /// or stateIsTuple is false and a cell has a tuple state (TF: "Some cells return tuples of states, but the flag
    /// state_is_tuple is not set.").</exception>
    public MultiRnnCell(IEnumerable<RnnCell> cells, bool stateIsTuple = true) : base(null)
    {
        ArgumentNullException.ThrowIfNull(cells);
        _cells = cells.ToArray();
        foreach (var c in _cells) ArgumentNullException.ThrowIfNull(c, nameof(cells));
        if (_cells.Length == 0)
            throw new ArgumentException("MultiRnnCell: Must specify at least one cell for MultiRNNCell.", nameof(cells));
        StateIsTuple = stateIsTuple;
        if (!stateIsTuple && _cells.Any(c => !c.StateSize.IsLeaf))
            throw new ArgumentException(
                "MultiRnnCell: Some cells return tuples of states, but the flag state_is_tuple is not set.  State sizes are: ["
                + string.Join(", ", _cells.Select(c => c.StateSize.ToString())) + "]", nameof(cells));
    }

    /// <summary>The layers.</summary>
    public IReadOnlyList<RnnCell> Cells => _cells;

    /// <summary>Whether the state is a tuple of per-layer states.</summary>
    public bool StateIsTuple { get; }

    /// <inheritdoc/>
    /// <remarks>A tuple of the layers' state sizes, or their sum when <see cref="StateIsTuple"/> is false.</remarks>
    public override RnnSize StateSize => StateIsTuple
        ? RnnSize.Tuple(_cells.Select(c => c.StateSize).ToArray())
        : _cells.Sum(c => c.StateSize.Total);

    /// <inheritdoc/>
    public override RnnSize OutputSize => _cells[^1].OutputSize;

    /// <inheritdoc/>
    /// <remarks>Tuple mode: the tuple of each layer's own zero state (TF's <c>MultiRNNCell.zero_state</c>).</remarks>
    public override RnnState ZeroState(Tensor batchSize, DType dtype)
    {
        ArgumentNullException.ThrowIfNull(batchSize);
        if (!StateIsTuple) return base.ZeroState(batchSize, dtype);
        using (Tf.NameScope(nameof(MultiRnnCell) + "ZeroState"))
            return new RnnStateTuple(_cells.Select(c => c.ZeroState(batchSize, dtype)).ToArray());
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">Tuple mode and the state is not a tuple of one state per layer (TF:
    /// "Expected state to be a tuple of length N, but received: ..."); concat mode and the state is not one tensor of
    /// the summed width.</exception>
    protected override (Tensor Output, RnnState State) CallCore(Tensor input, RnnState state) =>
        Layers(input, state, (cell, x, s) => cell.Call(x, s));

    /// <inheritdoc/>
    internal override bool CanFuse => _cells.All(c => c.CanFuse);

    /// <inheritdoc/>
    /// <remarks>Layer by layer: each layer's fused op runs the whole sequence and feeds its outputs, in the same layout, to the next.</remarks>
    internal override (Tensor Outputs, RnnState State) FusedCore(Tensor x, Tensor? sequenceLength, RnnState state, bool timeMajor) =>
        Layers(x, state, (cell, input, s) => cell.CallFused(input, sequenceLength, s, timeMajor));

    private (Tensor Output, RnnState State) Layers(Tensor input, RnnState state, Func<RnnCell, Tensor, RnnState, (Tensor, RnnState)> run)
    {
        ArgumentNullException.ThrowIfNull(state);
        RnnStateTuple? tuple = null;
        if (StateIsTuple)
        {
            tuple = state as RnnStateTuple;
            if (tuple is null || tuple.Count != _cells.Length)
                throw new ArgumentException(
                    $"MultiRnnCell: Expected state to be a tuple of length {_cells.Length}, but received: {state}", nameof(state));
        }
        else
        {
            if (!state.IsTensor)
                throw new ArgumentException(
                    $"MultiRnnCell: with stateIsTuple false the state must be one (batch, {StateSize.Total}) tensor, but received: {state}", nameof(state));
            CellUtil.CheckWidth(nameof(MultiRnnCell), "state", state.Tensor, StateSize.Total);
        }

        var current = input;
        var newStates = new RnnState[_cells.Length];
        int pos = 0;
        for (int i = 0; i < _cells.Length; i++)
        {
            var cell = _cells[i];
            using (Tf.VariableScope("cell_" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            {
                RnnState curState;
                if (tuple is not null)
                {
                    curState = tuple[i];
                }
                else
                {
                    int width = cell.StateSize.Total;
                    curState = CellUtil.Columns(state.Tensor, pos, width);
                    pos += width;
                }
                (current, newStates[i]) = run(cell, current, curState);
            }
            TrackVariables(cell.Variables);
        }
        RnnState newState = StateIsTuple
            ? new RnnStateTuple(newStates)
            : Tf.Concat(newStates.Select(s => s.Tensor).ToArray(), 1);
        return (current, newState);
    }
}
