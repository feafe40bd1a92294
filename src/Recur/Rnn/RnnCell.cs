using System.Text;

namespace Recur.Rnn;

/// <summary>
/// A recurrent cell: one time step, <c>(output, newState) = cell.Call(input, state)</c>. TF equivalent:
/// <c>tf.compat.v1.nn.rnn_cell.RNNCell</c> / <c>LayerRNNCell</c>. A cell never loops: the drivers
/// (<c>Tf.Nn.StaticRnn</c>, <c>Tf.Nn.DynamicRnn</c>, …) own time.
/// </summary>
/// <remarks>
/// On its first call a cell opens a variable scope named after itself (its <see cref="Name"/>, or the snake-cased
/// class name such as <c>basic_lstm_cell</c>, uniquified with <c>_1</c>, … among unnamed cells in the same scope)
/// under the current variable scope, creates its variables there (<see cref="Build"/>), and remembers the scope;
/// every later call re-enters that scope with reuse, so all time steps share the same variables
/// (e.g. <c>rnn/basic_lstm_cell/kernel</c>).
/// </remarks>
public abstract class RnnCell
{
    private VariableScopeState? _scope;
    private bool _calledWithoutScope;
    private readonly List<Variable> _variables = new();

    /// <summary>Creates a cell with an optional explicit scope name.</summary>
    protected RnnCell(string? name)
    {
        if (name is not null && (name.Length == 0 || name.Contains('/', StringComparison.Ordinal)))
            throw new ArgumentException($"{GetType().Name}: name must be non-empty and contain no '/', but got '{name}'.", nameof(name));
        Name = name;
    }

    /// <summary>The explicit name given to the constructor (null: the default scope name is used).</summary>
    public string? Name { get; }

    /// <summary>The default scope name: the snake-cased class name (TF's layer naming), e.g. <c>lstm_cell</c>.</summary>
    protected virtual string DefaultName => ToSnakeCase(GetType().Name);

    /// <summary>The size of the state, without the batch dimension (TF: <c>state_size</c>).</summary>
    public abstract RnnSize StateSize { get; }

    /// <summary>The size of the output, without the batch dimension (TF: <c>output_size</c>).</summary>
    public abstract RnnSize OutputSize { get; }

    /// <summary>True after the first call has created the variables.</summary>
    public bool Built => _scope is not null || _calledWithoutScope;

    /// <summary>
    /// Whether <see cref="Call(RnnState, RnnState)"/> opens the cell's own variable scope (true for every cell that owns
    /// variables). Wrappers that TF runs directly in the caller's scope (<c>DropoutWrapper</c>, <c>ResidualWrapper</c>,
    /// <c>DeviceWrapper</c>: their wrapped cell's variables are <c>rnn/lstm_cell/kernel</c>, not
    /// <c>rnn/dropout_wrapper/lstm_cell/kernel</c>) return false: then <see cref="CallNestedCore"/> runs in the current
    /// scope and <see cref="BuildNested"/> is not called.
    /// </summary>
    protected virtual bool OpensScope => true;

    /// <summary>The full variable scope the cell's variables live in (null before the first call).</summary>
    public string? ScopeName => _scope?.Name;

    /// <summary>The variables this cell created, in creation order (TF: <c>cell.variables</c>).</summary>
    public IReadOnlyList<Variable> Variables => _variables;

    /// <summary>
    /// The zero state for a batch (TF: <c>zero_state(batch_size, dtype)</c>): zeros of shape (batch,) + size for each
    /// leaf of <see cref="StateSize"/>.
    /// </summary>
    /// <param name="batchSize">The batch size: an int32 scalar tensor (known at run time).</param>
    /// <param name="dtype">Float32 or Float64.</param>
    public virtual RnnState ZeroState(Tensor batchSize, DType dtype)
    {
        ArgumentNullException.ThrowIfNull(batchSize);
        using (Tf.NameScope(GetType().Name + "ZeroState"))
            return ZerosFor(StateSize, batchSize, dtype);
    }

    /// <summary>
    /// The initial state (TF: <c>get_initial_state(inputs, batch_size, dtype)</c>): batch size and dtype come from
    /// <paramref name="inputs"/> when given (and must agree with the explicit ones), then the zero state is returned.
    /// </summary>
    /// <exception cref="ArgumentException">batch size or dtype cannot be determined, or disagree with the inputs.</exception>
    public RnnState GetInitialState(Tensor? inputs = null, Tensor? batchSize = null, DType? dtype = null)
    {
        if (inputs is not null)
        {
            if (batchSize is not null)
            {
                int? staticB = TryConstantInt(batchSize);
                int inputB = inputs.Shape.IsRankKnown && inputs.Rank > 0 ? inputs.Shape[0] : -1;
                if (staticB is int b && inputB >= 0 && b != inputB)
                    throw new ArgumentException($"{GetType().Name}.GetInitialState: batch size from input tensor is different from the input param. Input tensor batch: {inputB}, batch_size: {b}.", nameof(batchSize));
            }
            if (dtype is DType d && d != inputs.DType)
                throw new ArgumentException($"{GetType().Name}.GetInitialState: dtype from input tensor is different from the input param. Input tensor dtype: {inputs.DType}, dtype: {d}.", nameof(dtype));
            batchSize = inputs.Shape.IsRankKnown && inputs.Rank > 0 && inputs.Shape[0] >= 0 ? Tf.Constant(inputs.Shape[0]) : Tf.Shape(inputs)[0];
            dtype = inputs.DType;
        }
        if (batchSize is null || dtype is null)
            throw new ArgumentException($"{GetType().Name}.GetInitialState: batch_size and dtype cannot be None while constructing initial state: batch_size={(batchSize is null ? "None" : batchSize.Name)}, dtype={(dtype is null ? "None" : dtype.ToString())}.");
        return ZeroState(batchSize, dtype.Value);
    }

    /// <summary>The zero state for a batch size known when the graph is built.</summary>
    public RnnState ZeroState(int batchSize, DType dtype)
    {
        if (batchSize < 0)
            throw new ArgumentException($"{GetType().Name}.ZeroState: batchSize must be >= 0, but got {batchSize}.", nameof(batchSize));
        return ZeroState(Tf.Constant(batchSize), dtype);
    }

    /// <summary>Zeros of (batch,) + leaf shape for each leaf of <paramref name="size"/>, packed as <paramref name="size"/>.</summary>
    internal static RnnState ZerosFor(RnnSize size, Tensor batchSize, DType dtype)
    {
        CheckFloat(dtype, "ZeroState");
        int? staticBatch = TryConstantInt(batchSize);
        var leaves = size.Flatten().Select(l =>
        {
            if (staticBatch is int b) return Tf.Zeros(new Shape(b).Concatenate(l.Shape), dtype);
            // Fill infers (?, ...) from the concatenated dims (TF's constant_value_as_shape).
            var dims = Tf.Concat(new[] { Tf.Reshape(batchSize, new[] { 1 }), Tf.Constant(new NDArray(l.Shape.ToArray(), new Shape(l.Shape.Rank))) }, 0);
            return Tf.Zeros(dims, dtype);
        }).ToList();
        return size.Pack(leaves);
    }

    /// <summary>The value of an int32 scalar Const, if it is one.</summary>
    internal static int? TryConstantInt(Tensor t) =>
        t.Op.Type == "Const" && t.DType == DType.Int32 && t.Shape.Rank == 0 ? t.Op.GetAttr<NDArray>("value").GetScalar<int>() : null;

    /// <summary>
    /// Runs one step (TF: <c>cell(inputs, state)</c>). Creates the variables on the first call; reuses them after.
    /// </summary>
    /// <param name="input">(batch, input_depth); the depth must be known.</param>
    /// <param name="state">A state with the structure of <see cref="StateSize"/>.</param>
    /// <returns>The output (batch, output_size) and the new state.</returns>
    /// <exception cref="ArgumentException">The input is not rank 2 or its depth is unknown, the dtype is not floating
    /// point, or the state does not match <see cref="StateSize"/>.</exception>
    public (Tensor Output, RnnState State) Call(Tensor input, RnnState state)
    {
        ArgumentNullException.ThrowIfNull(input);
        var (output, newState) = Call(RnnState.Of(input), state);
        if (!output.IsTensor)
            throw new InvalidOperationException($"{GetType().Name}: the output is a nest ({output}); call Call(RnnState, RnnState) for cells with nested outputs.");
        return (output.Tensor, newState);
    }

    /// <summary>
    /// Runs one step with nested inputs and outputs (TF: a cell whose inputs or <c>output_size</c> are nests). The
    /// built-in cells take a single tensor; custom cells override <see cref="BuildNested"/> and <see cref="CallNestedCore"/>.
    /// </summary>
    public (RnnState Output, RnnState State) Call(RnnState input, RnnState state)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(state);
        if (!OpensScope)
        {
            var result = CallNestedCore(input, state);
            _calledWithoutScope = true;
            return result;
        }
        if (_scope is null)
        {
            using (Tf.VariableScopeWithDefault(Name, DefaultName))
            {
                _scope = Tf.CurrentVariableScopeState;
                try
                {
                    BuildNested(input);
                }
                catch
                {
                    _scope = null;
                    throw;
                }
                return CallNestedCore(input, state);
            }
        }
        using (Tf.ReenterVariableScope(_scope, VariableReuse.Reuse))
            return CallNestedCore(input, state);
    }

    /// <summary>
    /// Whether <c>DynamicRnn</c> may run this cell as fused whole-sequence ops (the built-in cells with their default
    /// activation, and stacks or device wrappers of them); see docs/decisions/0013.
    /// </summary>
    internal virtual bool CanFuse => false;

    /// <summary>
    /// The whole sequence at once, inside the cell's variable scope: <paramref name="x"/> is (T, B, depth) when
    /// <paramref name="timeMajor"/>, else (B, T, depth) (read in place by the fused kernels, no transposes),
    /// <paramref name="sequenceLength"/> int32 (B) or null; returns the outputs in the layout of x and the final state,
    /// with TF's <c>dynamic_rnn</c> semantics (zero outputs and a carried state past each length).
    /// </summary>
    internal virtual (Tensor Outputs, RnnState State) FusedCore(Tensor x, Tensor? sequenceLength, RnnState state, bool timeMajor) =>
        throw new InvalidOperationException($"{GetType().Name} has no fused form; check CanFuse first.");

    /// <summary>
    /// Runs the whole sequence as fused ops (only when <see cref="CanFuse"/>), creating the variables on first use
    /// exactly as <see cref="Call(Tensor, RnnState)"/> would, with the same names. <paramref name="x"/> is (T, B, depth)
    /// when <paramref name="timeMajor"/>, else (B, T, depth); the outputs have the same layout.
    /// </summary>
    internal (Tensor Outputs, RnnState State) CallFused(Tensor x, Tensor? sequenceLength, RnnState state, bool timeMajor)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(state);
        if (!x.Shape.IsRankKnown || x.Rank != 3 || x.Shape[timeMajor ? 0 : 1] == 0)
            throw new ArgumentException(
                $"{GetType().Name}: the fused path needs {(timeMajor ? "time-major (time, batch, depth)" : "batch-major (batch, time, depth)")} inputs of rank 3 and a non-empty time axis, but got shape {x.Shape}.",
                nameof(x));
        if (!OpensScope)
        {
            var result = FusedCore(x, sequenceLength, state, timeMajor);
            _calledWithoutScope = true;
            return result;
        }
        if (_scope is null)
        {
            using (Tf.VariableScopeWithDefault(Name, DefaultName))
            {
                _scope = Tf.CurrentVariableScopeState;
                try
                {
                    // A (·, depth) slice of x stands in for the per-step input the cell is built from (only its depth
                    // matters; pruned at run time).
                    BuildNested(RnnState.Of(x[0]));
                }
                catch
                {
                    _scope = null;
                    throw;
                }
                return FusedCore(x, sequenceLength, state, timeMajor);
            }
        }
        using (Tf.ReenterVariableScope(_scope, VariableReuse.Reuse))
            return FusedCore(x, sequenceLength, state, timeMajor);
    }

    /// <summary>Checks a fused call's input ((T, B, depth), or (B, T, depth) when not <paramref name="timeMajor"/>) against the built depth and the state (the checks of <c>Call</c>).</summary>
    private protected void CheckFusedInput(Tensor x, int builtDepth, RnnState state, bool timeMajor)
    {
        CheckFloat(x.DType, "input");
        if (x.Shape[-1] != builtDepth)
            throw new ArgumentException(
                $"{GetType().Name}: input must have shape (batch, {builtDepth}), but got steps of shape {new Shape(x.Shape[timeMajor ? 1 : 0], x.Shape[2])}.", nameof(x));
        CheckState(state);
        CellUtil.CheckSameDType(GetType().Name, x, state);
    }

    /// <summary>Whether <paramref name="activation"/> is TF's default tanh (null or <see cref="Tf.Nn.Tanh(Tensor)"/>).</summary>
    private protected static bool IsTanh(Func<Tensor, Tensor>? activation) =>
        activation is null || activation.Equals((Func<Tensor, Tensor>)Tf.Nn.Tanh);

    /// <summary>Builds from a nested input; the default passes the single input tensor to <see cref="Build"/>.</summary>
    protected virtual void BuildNested(RnnState input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!input.IsTensor)
            throw new ArgumentException($"{GetType().Name}: expects a single input tensor, but got the nest {input}.", nameof(input));
        Build(input.Tensor);
    }

    /// <summary>The step with nested input and output; the default calls <see cref="CallCore"/> on the single input tensor.</summary>
    protected virtual (RnnState Output, RnnState State) CallNestedCore(RnnState input, RnnState state)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!input.IsTensor)
            throw new ArgumentException($"{GetType().Name}: expects a single input tensor, but got the nest {input}.", nameof(input));
        var (o, s) = CallCore(input.Tensor, state);
        return (o, s);
    }

    /// <summary>Creates the cell's variables from the first input (TF: <c>build(inputs_shape)</c>).</summary>
    protected virtual void Build(Tensor input) { _ = input; }

    /// <summary>The step itself, inside the cell's variable scope (TF: <c>call(inputs, state)</c>).</summary>
    protected abstract (Tensor Output, RnnState State) CallCore(Tensor input, RnnState state);

    /// <summary>Creates (or, on reuse, fetches) a variable in the cell's scope and records it.</summary>
    protected Variable AddVariable(string name, Shape shape, DType dtype, Initializer? initializer)
    {
        var v = Tf.GetVariable(name, shape, dtype, initializer);
        if (!_variables.Contains(v)) _variables.Add(v);
        return v;
    }

    /// <summary>Records variables created by a wrapped cell as this cell's too.</summary>
    protected void TrackVariables(IEnumerable<Variable> variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        foreach (var v in variables)
            if (!_variables.Contains(v)) _variables.Add(v);
    }

    /// <summary>Checks a 2-D input with known depth and floating dtype; returns the depth (TF's InputSpec(ndim=2) and build checks).</summary>
    protected int InputDepth(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        CheckFloat(input.DType, "input");
        if (input.Shape.IsRankKnown && input.Rank != 2)
            throw new ArgumentException($"{GetType().Name}: input must have rank 2 (batch, depth), but got shape {input.Shape} (expected ndim=2).", nameof(input));
        if (!input.Shape.IsRankKnown || input.Shape[-1] < 0)
            throw new ArgumentException($"{GetType().Name}: expected inputs.shape[-1] to be known, saw shape: {input.Shape}.", nameof(input));
        return input.Shape[-1];
    }

    /// <summary>Throws unless <paramref name="dtype"/> is Float32 or Float64 (TF: "RNN cell only supports floating point inputs").</summary>
    internal static void CheckFloat(DType dtype, string what)
    {
        if (!dtype.IsFloating())
            throw new ArgumentException($"RNN cell only supports floating point inputs, but saw dtype: {dtype} ({what}).");
    }

    /// <summary>Throws unless <paramref name="state"/> has the structure of <see cref="StateSize"/>.</summary>
    protected void CheckState(RnnState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (!StateSize.Matches(state))
            throw new ArgumentException($"{GetType().Name}: the state must have the structure of state_size {StateSize}, but got {state}.", nameof(state));
        foreach (var t in state.Flatten()) CheckFloat(t.DType, "state");
    }

    /// <summary>TF's <c>to_snake_case</c>: <c>BasicLstmCell</c> → <c>basic_lstm_cell</c>.</summary>
    internal static string ToSnakeCase(string name)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsUpper(c))
            {
                bool prevLower = i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]));
                bool nextLower = i + 1 < name.Length && char.IsLower(name[i + 1]);
                if (i > 0 && (prevLower || (nextLower && char.IsUpper(name[i - 1])))) sb.Append('_');
                sb.Append(char.ToLowerInvariant(c));
            }
            else sb.Append(c);
        }
        return sb.ToString();
    }
}
