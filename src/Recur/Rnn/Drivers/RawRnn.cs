namespace Recur.Rnn;

/// <summary>
/// What a <see cref="RawRnnLoopFn"/> returns at each step (TF: the 5-tuple of <c>loop_fn</c>).
/// </summary>
/// <param name="Finished">Bool (batch,): rows that are done after this step.</param>
/// <param name="NextInput">The cell input for the next step, (batch, depth).</param>
/// <param name="NextCellState">The state for the next step (at time 0: the initial state).</param>
/// <param name="EmitOutput">What to emit at this step (null: the cell output); at time 0 only its structure, dtype and shape matter.</param>
/// <param name="NextLoopState">Extra loop state carried along (null: keep the previous one).</param>
public sealed record RawRnnStep(Tensor Finished, Tensor NextInput, RnnState NextCellState, RnnState? EmitOutput = null, RnnState? NextLoopState = null);

/// <summary>
/// TF's <c>loop_fn(time, cell_output, cell_state, loop_state)</c> for <c>Tf.Nn.RawRnn</c>. At time 0 the
/// output, state and loop state are null.
/// </summary>
public delegate RawRnnStep RawRnnLoopFn(Tensor time, Tensor? cellOutput, RnnState? cellState, RnnState? loopState);

/// <summary>TF's <c>raw_rnn</c>: the loop is driven by a user function that decides inputs, emits and when rows finish.</summary>
internal static class RawRnnDriver
{
    private const string Who = "RawRnn";

    public static (RnnState EmitTa, RnnState FinalState, RnnState? FinalLoopState) Run(RnnCell cell, RawRnnLoopFn loopFn,
        int? parallelIterations, bool swapMemory, string? scope)
    {
        RnnCommon.AssertCell(cell, "cell", Who);
        if (loopFn is null) throw new ArgumentNullException(nameof(loopFn), $"{Who}: loop_fn must be a callable.");
        if (parallelIterations is <= 0)
            throw new ArgumentException($"{Who}: parallelIterations must be positive, but got {parallelIterations}.", nameof(parallelIterations));
        _ = swapMemory;
        using (Tf.VariableScope(scope ?? "rnn"))
        {
            var time = Tf.Constant(0, name: "time");
            var init = loopFn(time, null, null, null) ?? throw new ArgumentException($"{Who}: loop_fn returned null at time 0.");
            var state = init.NextCellState ?? throw new ArgumentException($"{Who}: loop_fn must return the initial cell state at time 0.");
            if (!cell.StateSize.Matches(state))
                throw new ArgumentException($"{Who}: the initial state {state} does not have the structure of the cell's state_size {cell.StateSize}.");
            if (init.Finished.DType != DType.Bool)
                throw new ArgumentException($"{Who}: 'finished' must be a bool tensor, but got dtype {init.Finished.DType}.");
            bool hasLoopState = init.NextLoopState is not null;
            RnnState loopState = init.NextLoopState ?? RnnState.Of(Tf.Constant(0));
            var stateLeaves = state.Flatten();
            Tensor batchSize = RnnCommon.Dim(init.NextInput, 0);
            RnnState zeroEmit;
            if (init.EmitOutput is not null)
            {
                zeroEmit = init.EmitOutput.Map(e => Tf.ZerosLike(e));
            }
            else
            {
                zeroEmit = RnnCell.ZerosFor(cell.OutputSize, batchSize, stateLeaves[0].DType);
            }
            var zeroLeaves = zeroEmit.Flatten();
            var emitTas = zeroLeaves.Select((z, i) => new TensorArray(z.DType, 0, dynamicSize: true, elementShape: z.Shape, name: $"rnn_output_{i}")).ToArray();
            var finished = init.Finished;
            var input = init.NextInput;
            var (_, _, _, finalState, finalTas, finalLoop) = Tf.WhileLoop(
                v => Tf.Greater(Tf.ReduceSum(Tf.Cast(Tf.LogicalNot(v.Item2), DType.Int32)), Tf.Constant(0)),   // while not all finished
                v =>
                {
                    var (t, fin, inp, st, tas, ls) = v;
                    var (output, cellState) = cell.Call(inp, st);
                    var next = t + 1;
                    var step = loopFn(next, output, cellState, hasLoopState ? ls : null)
                        ?? throw new ArgumentException($"{Who}: loop_fn returned null.");
                    var emit = (step.EmitOutput ?? RnnState.Of(output)).Flatten();
                    if (emit.Count != zeroLeaves.Count)
                        throw new ArgumentException($"{Who}: the emit_output structure changed: {emit.Count} leaves, but {zeroLeaves.Count} at time 0.");
                    var nextState = step.NextCellState ?? cellState;
                    var nextLoop = step.NextLoopState ?? ls;
                    Nest.AssertSameStructure(st, nextState, Who);
                    var os = st.Flatten();
                    var nsFlat = nextState.Flatten();
                    var merged = nsFlat.Select((n, i) => n.DType == DType.Variant || (n.Shape.IsRankKnown && n.Rank == 0) ? n : Tf.Where(fin, os[i], n)).ToList();
                    var newTas = tas.Select((ta, i) => ta.Write(t, emit[i].Shape.IsRankKnown && emit[i].Rank == 0 ? emit[i] : Tf.Where(fin, zeroLeaves[i], emit[i]))).ToArray();
                    var newFinished = Tf.LogicalOr(fin, step.Finished);
                    return (next, newFinished, step.NextInput, nextState.PackAs(merged), newTas, nextLoop);
                },
                (time, finished, input, state, emitTas, loopState),
                name: "while");
            int pos = 0;
            var finalEmit = WithArrays(zeroEmit, finalTas, ref pos);
            return (finalEmit, finalState, hasLoopState ? finalLoop : null);
        }
    }

    /// <summary>The emit structure with each leaf replaced by its tensor array (an LSTM tuple becomes a 2-tuple).</summary>
    private static RnnState WithArrays(RnnState s, TensorArray[] tas, ref int pos)
    {
        switch (s)
        {
            case RnnStateTuple t:
                {
                    var items = new RnnState[t.Count];
                    for (int i = 0; i < items.Length; i++) items[i] = WithArrays(t[i], tas, ref pos);
                    return new RnnStateTuple(items);
                }
            case LstmStateTuple:
                {
                    var c = RnnState.Of(tas[pos++]);
                    var h = RnnState.Of(tas[pos++]);
                    return new RnnStateTuple(c, h);
                }
            default:
                return RnnState.Of(tas[pos++]);
        }
    }
}

/// <summary>
/// Supplies and stores per-sequence state for <c>Tf.Nn.StaticStateSavingRnn</c> (TF: the <c>state_saver</c>
/// object with <c>state(name)</c> and <c>save_state(name, value)</c>).
/// </summary>
public interface IStateSaver
{
    /// <summary>The saved state called <paramref name="name"/>, (batch,) + size.</summary>
    Tensor State(string name);

    /// <summary>An op that stores <paramref name="value"/> as the state called <paramref name="name"/>.</summary>
    Operation SaveState(string name, Tensor value);
}

/// <summary>
/// A simple state saver that keeps each named state in a non-trainable session variable (zeros at first), so
/// consecutive <see cref="Session.Run(Tensor, FeedDict?)"/> calls continue where the previous one stopped. TF
/// equivalent: the <c>state_saver</c> argument of <c>static_state_saving_rnn</c> (TF's tests use a mock with the same
/// <c>state</c>/<c>save_state</c> protocol; <c>tf.contrib.training.SequenceQueueingStateSaver</c> is the production one).
/// </summary>
/// <example><code>var saver = new InMemoryStateSaver(batchSize: 2, DType.Float32, ("c", 8), ("h", 8));
/// var (outs, state) = Tf.Nn.StaticStateSavingRnn(cell, inputs, saver, new[] { "c", "h" });</code></example>
public sealed class InMemoryStateSaver : IStateSaver
{
    private readonly Dictionary<string, Variable> _states = new(StringComparer.Ordinal);

    /// <summary>Creates one variable per state, named <c>state_saver/&lt;name&gt;</c>, of shape (batchSize, size).</summary>
    /// <exception cref="ArgumentException">No states, a duplicate name or a non-positive size.</exception>
    public InMemoryStateSaver(int batchSize, DType dtype, params (string Name, int Size)[] states)
    {
        ArgumentNullException.ThrowIfNull(states);
        if (batchSize <= 0) throw new ArgumentException($"InMemoryStateSaver: batchSize must be positive, but got {batchSize}.", nameof(batchSize));
        if (states.Length == 0) throw new ArgumentException("InMemoryStateSaver: at least one state is needed.", nameof(states));
        using (Tf.VariableScope("state_saver", null, VariableReuse.Inherit))
        {
            foreach (var (name, size) in states)
            {
                if (size <= 0) throw new ArgumentException($"InMemoryStateSaver: state '{name}' must have a positive size, but got {size}.", nameof(states));
                if (_states.ContainsKey(name)) throw new ArgumentException($"InMemoryStateSaver: state '{name}' is listed twice.", nameof(states));
                _states[name] = Tf.GetVariable(name, new Shape(batchSize, size), dtype, Initializers.Zeros(), trainable: false);
            }
        }
    }

    /// <summary>The variables holding the states, by name.</summary>
    public IReadOnlyDictionary<string, Variable> Variables => _states;

    /// <inheritdoc/>
    public Tensor State(string name) => Get(name).Value;

    /// <inheritdoc/>
    public Operation SaveState(string name, Tensor value) => Get(name).Assign(value).Op;

    private Variable Get(string name) => _states.TryGetValue(name, out var v) ? v
        : throw new KeyNotFoundException($"InMemoryStateSaver: no state named '{name}'; known: {string.Join(", ", _states.Keys)}.");
}

/// <summary>TF's <c>static_state_saving_rnn</c>.</summary>
internal static class StateSavingDriver
{
    private const string Who = "StaticStateSavingRnn";

    public static (IReadOnlyList<RnnState> Outputs, RnnState State) Run(RnnCell cell, IReadOnlyList<RnnState> inputs, IStateSaver stateSaver,
        IReadOnlyList<string> stateNames, bool namesNested, Tensor? sequenceLength, string? scope)
    {
        RnnCommon.AssertCell(cell, "cell", Who);
        ArgumentNullException.ThrowIfNull(stateSaver);
        ArgumentNullException.ThrowIfNull(stateNames);
        bool sizeNested = !cell.StateSize.IsLeaf;
        if (sizeNested != namesNested)
            throw new ArgumentException($"{Who}: state_name should be the same type as cell.state_size. state_name: {string.Join(", ", stateNames)}, cell.state_size: {cell.StateSize}.");
        int leaves = cell.StateSize.Flatten().Count;
        if (leaves != stateNames.Count)
            throw new ArgumentException($"{Who}: #elems(state_name) != #elems(state_size): {stateNames.Count} vs. {leaves}.");
        var initial = cell.StateSize.Pack(stateNames.Select(stateSaver.State).ToList());
        var (outputs, state) = StaticRnnDriver.Run(cell, inputs, initial, null, sequenceLength, scope, Who);
        var flat = state.Flatten();
        var saves = flat.Select((s, i) => stateSaver.SaveState(stateNames[i], s)).ToList();
        var g = Graph.Default;
        using (g.ControlDependencies(saves))
        {
            var last = outputs[^1].Map(t => Tf.Identity(t));
            var finalState = state.Map(t => Tf.Identity(t));
            var result = outputs.Take(outputs.Count - 1).Append(last).ToList();
            return (result, finalState);
        }
    }
}
