using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Recur.Rnn;

/// <summary>
/// Which parts of a (sub)state a <see cref="DropoutWrapper"/> drops: the value its state filter returns for a
/// substate. TF equivalent: the return value of <c>dropout_state_filter_visitor(substate)</c> — a bool, or a depth-1
/// structure of bools, one per child. Converts implicitly from <see cref="bool"/>.
/// </summary>
/// <example><code>// TF's default: never drop an LSTM's memory c, drop everything else
/// Func&lt;RnnState, DropoutFilter&gt; f = s => s is LstmStateTuple ? DropoutFilter.PerChild(false, true) : true;</code></example>
public readonly struct DropoutFilter : IEquatable<DropoutFilter>
{
    private readonly bool _skip;
    private readonly bool[]? _children;

    private DropoutFilter(bool skip, bool[]? children)
    {
        _skip = skip;
        _children = children;
    }

    /// <summary>Drop this whole substate (the filter is asked again about each of its children). The default value.</summary>
    public static DropoutFilter All => new(false, null);

    /// <summary>Leave this whole substate untouched (its children are not visited).</summary>
    public static DropoutFilter None => new(true, null);

    /// <summary>Per direct child: true visits (and drops) it, false leaves it untouched (TF: a tuple of bools).</summary>
    /// <exception cref="ArgumentNullException">children is null.</exception>
    public static DropoutFilter PerChild(params bool[] children)
    {
        ArgumentNullException.ThrowIfNull(children);
        return new DropoutFilter(false, (bool[])children.Clone());
    }

    /// <summary>True for <see cref="All"/>, false for <see cref="None"/>, null for <see cref="PerChild"/>.</summary>
    public bool? Value => _children is null ? !_skip : null;

    /// <summary>The per-child flags of <see cref="PerChild"/> (null otherwise).</summary>
    public IReadOnlyList<bool>? Children => _children;

    /// <summary><see cref="All"/> for true, <see cref="None"/> for false.</summary>
    public static DropoutFilter FromBoolean(bool value) => value ? All : None;

    /// <summary><see cref="All"/> for true, <see cref="None"/> for false.</summary>
    public static implicit operator DropoutFilter(bool value) => FromBoolean(value);

    /// <inheritdoc/>
    public bool Equals(DropoutFilter other) =>
        _skip == other._skip && (_children is null ? other._children is null : other._children is not null && _children.SequenceEqual(other._children));

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is DropoutFilter f && Equals(f);

    /// <inheritdoc/>
    public override int GetHashCode() => _children is null ? _skip.GetHashCode() : _children.Aggregate(17, (h, b) => h * 31 + (b ? 1 : 0));

    /// <summary>Equality.</summary>
    public static bool operator ==(DropoutFilter left, DropoutFilter right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(DropoutFilter left, DropoutFilter right) => !left.Equals(right);

    /// <inheritdoc/>
    public override string ToString() => _children is null ? (_skip ? "None" : "All") : "(" + string.Join(", ", _children) + ")";
}

/// <summary>
/// Applies dropout to a cell's inputs, outputs and new states. TF equivalent:
/// <c>tf.compat.v1.nn.rnn_cell.DropoutWrapper(cell, input_keep_prob, output_keep_prob, state_keep_prob,
/// variational_recurrent, input_size, dtype, seed, dropout_state_filter_visitor)</c>.
/// </summary>
/// <remarks>
/// <para>Per step, in TF's order: (1) input dropout, (2) <c>output, newState = cell(input, state)</c>, (3) state dropout
/// on <c>newState</c> (only the leaves the state filter selects; by default everything except an LSTM's memory c),
/// (4) output dropout. The output mask and the state masks are independent. A keep probability that is a number (or a
/// scalar constant tensor) equal to 1 adds no ops at all.</para>
/// <para>Math per dropped leaf v: <c>v / keep ⊙ floor(keep + noise)</c>, noise ~ U[0, 1). Not variational: noise of
/// v's shape, fresh at every step. Variational (<c>variationalRecurrent</c>, Gal &amp; Ghahramani): noise of shape
/// (1,) + leaf size sampled once per <c>Session.Run</c> (the noise ops are created by the constructor, in the default
/// graph) — the same mask for every time step and every batch row.</para>
/// <para>Variables: none of its own, and no scope level of its own: the wrapped cell's variables keep their names
/// (<c>rnn/lstm_cell/kernel</c>). <see cref="StateSize"/>, <see cref="OutputSize"/> and <see cref="ZeroState"/> are
/// the wrapped cell's. Shapes: as the wrapped cell.</para>
/// <para>Seeds: with <c>seed</c> set, each mask gets the op seed TF's <c>_gen_seed</c> derives from it (md5 of
/// <c>"{seed}{input|state|output}_{index}"</c>), so runs are reproducible within Recur; the random streams are not
/// TF's Philox streams, so only the keep = 0/1 limits reproduce TF's numbers exactly.</para>
/// </remarks>
/// <example><code>var cell = new DropoutWrapper(new LstmCell(128), outputKeepProb: 0.5, seed: 1);
/// var (outputs, state) = Tf.Nn.DynamicRnn(cell, x, dtype: DType.Float32);</code></example>
public sealed class DropoutWrapper : RnnCell
{
    private const string Owner = nameof(DropoutWrapper);
    private readonly RnnCell _cell;
    private readonly (double? Const, Tensor? Tensor) _inputKeep, _outputKeep, _stateKeep;
    private readonly int? _seed;
    private readonly Func<RnnState, DropoutFilter> _filter;
    private readonly IReadOnlyList<Tensor>? _inputNoise, _stateNoise, _outputNoise;

    /// <summary>Wraps <paramref name="cell"/> with dropout at fixed keep probabilities.</summary>
    /// <param name="cell">The wrapped cell.</param>
    /// <param name="inputKeepProb">Probability of keeping each input element, in [0, 1]; 1 = no input dropout.</param>
    /// <param name="outputKeepProb">Probability of keeping each output element, in [0, 1]; 1 = no output dropout.</param>
    /// <param name="stateKeepProb">Probability of keeping each element of the filtered new state, in [0, 1].</param>
    /// <param name="variationalRecurrent">Use one mask per <c>Session.Run</c> for all time steps (needs <paramref name="dtype"/>,
    /// and <paramref name="inputSize"/> when inputs are dropped).</param>
    /// <param name="inputSize">The input's size without the batch dimension (variational input dropout only).</param>
    /// <param name="dtype">The dtype of the variational noise (variational only).</param>
    /// <param name="seed">Seed of the masks (null: not reproducible unless the graph has a seed).</param>
    /// <param name="dropoutStateFilter">Which substates to drop; null: TF's default (an <see cref="LstmStateTuple"/>'s
    /// c is never dropped, everything else is).</param>
    /// <exception cref="ArgumentNullException">cell is null.</exception>
    /// <exception cref="ArgumentException">A keep probability is outside [0, 1] (TF: "Parameter input_keep_prob must be
    /// between 0 and 1"); variational without dtype ("When variational_recurrent=True, dtype must be provided");
    /// variational input dropout without inputSize.</exception>
    public DropoutWrapper(RnnCell cell, double inputKeepProb = 1.0, double outputKeepProb = 1.0, double stateKeepProb = 1.0,
        bool variationalRecurrent = false, RnnSize? inputSize = null, DType? dtype = null, int? seed = null,
        Func<RnnState, DropoutFilter>? dropoutStateFilter = null)
        : this(cell, (inputKeepProb, null), (outputKeepProb, null), (stateKeepProb, null), variationalRecurrent, inputSize, dtype, seed, dropoutStateFilter)
    {
    }

    /// <summary>
    /// Wraps <paramref name="cell"/> with dropout at keep probabilities given as scalar tensors (e.g. placeholders fed
    /// 1.0 at evaluation time). A scalar constant tensor is treated like a number (TF: <c>constant_value</c>).
    /// </summary>
    /// <param name="cell">The wrapped cell.</param>
    /// <param name="inputKeepProb">Scalar keep probability of the inputs.</param>
    /// <param name="outputKeepProb">Scalar keep probability of the outputs.</param>
    /// <param name="stateKeepProb">Scalar keep probability of the filtered new state.</param>
    /// <param name="variationalRecurrent">See the other constructor.</param>
    /// <param name="inputSize">See the other constructor.</param>
    /// <param name="dtype">See the other constructor.</param>
    /// <param name="seed">See the other constructor.</param>
    /// <param name="dropoutStateFilter">See the other constructor.</param>
    /// <exception cref="ArgumentNullException">cell or a keep probability is null.</exception>
    /// <exception cref="ArgumentException">As the other constructor, for constant keep probabilities; or a keep
    /// probability is not a scalar.</exception>
    public DropoutWrapper(RnnCell cell, Tensor inputKeepProb, Tensor outputKeepProb, Tensor stateKeepProb,
        bool variationalRecurrent = false, RnnSize? inputSize = null, DType? dtype = null, int? seed = null,
        Func<RnnState, DropoutFilter>? dropoutStateFilter = null)
        : this(cell, FromTensor(inputKeepProb, nameof(inputKeepProb)), FromTensor(outputKeepProb, nameof(outputKeepProb)),
            FromTensor(stateKeepProb, nameof(stateKeepProb)), variationalRecurrent, inputSize, dtype, seed, dropoutStateFilter)
    {
    }

    private DropoutWrapper(RnnCell cell, (double? Const, Tensor? Tensor) inputKeep, (double? Const, Tensor? Tensor) outputKeep,
        (double? Const, Tensor? Tensor) stateKeep, bool variationalRecurrent, RnnSize? inputSize, DType? dtype, int? seed,
        Func<RnnState, DropoutFilter>? dropoutStateFilter)
        : base(null)
    {
        ArgumentNullException.ThrowIfNull(cell);
        _cell = cell;
        _inputKeep = CheckKeep(inputKeep, "inputKeepProb");
        _stateKeep = CheckKeep(stateKeep, "stateKeepProb");
        _outputKeep = CheckKeep(outputKeep, "outputKeepProb");
        VariationalRecurrent = variationalRecurrent;
        _seed = seed;
        _filter = dropoutStateFilter ?? DefaultStateFilter;
        if (!variationalRecurrent) return;

        if (dtype is not DType dt)
            throw new ArgumentException($"{Owner}: When variational_recurrent=True, dtype must be provided.", nameof(dtype));
        if (!dt.IsFloating())
            throw new ArgumentException($"{Owner}: dtype must be Float32 or Float64, but got {dt}.", nameof(dtype));
        if (ShouldDropout(_inputKeep))
        {
            if (inputSize is null)
                throw new ArgumentException(
                    $"{Owner}: When variational_recurrent=True and input_keep_prob < 1.0 or is unknown, input_size must be provided.", nameof(inputSize));
            _inputNoise = BatchNoise(inputSize, dt, "input");
        }
        _stateNoise = BatchNoise(cell.StateSize, dt, "state");
        _outputNoise = BatchNoise(cell.OutputSize, dt, "output");
    }

    /// <summary>The wrapped cell (TF: <c>wrapped_cell</c>).</summary>
    public RnnCell WrappedCell => _cell;

    /// <summary>The input keep probability when it is a number (null when it is a tensor).</summary>
    public double? InputKeepProb => _inputKeep.Const;

    /// <summary>The output keep probability when it is a number (null when it is a tensor).</summary>
    public double? OutputKeepProb => _outputKeep.Const;

    /// <summary>The state keep probability when it is a number (null when it is a tensor).</summary>
    public double? StateKeepProb => _stateKeep.Const;

    /// <summary>Whether masks are variational (one per run, shared across time steps).</summary>
    public bool VariationalRecurrent { get; }

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

    /// <summary>TF's default state filter: an <see cref="LstmStateTuple"/>'s c is kept, everything else is dropped.</summary>
    public static DropoutFilter DefaultStateFilter(RnnState substate) =>
        substate is LstmStateTuple ? DropoutFilter.PerChild(false, true) : DropoutFilter.All;

    /// <inheritdoc/>
    protected override (Tensor Output, RnnState State) CallCore(Tensor input, RnnState state)
    {
        var (o, s) = CallNestedCore(input, state);
        return (o.Tensor, s);
    }

    /// <inheritdoc/>
    protected override (RnnState Output, RnnState State) CallNestedCore(RnnState input, RnnState state)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(state);
        if (ShouldDropout(_inputKeep))
            input = DropLeaves(input, "input", _inputNoise, _inputKeep);
        var (output, newState) = _cell.Call(input, state);
        TrackVariables(_cell.Variables);
        if (ShouldDropout(_stateKeep))
            newState = DropState(newState);
        if (ShouldDropout(_outputKeep))
            output = DropLeaves(output, "output", _outputNoise, _outputKeep);
        return (output, newState);
    }

    private static bool ShouldDropout((double? Const, Tensor? Tensor) keep) => keep.Const is not double k || k < 1.0;

    private static (double? Const, Tensor? Tensor) FromTensor(Tensor keep, string name)
    {
        ArgumentNullException.ThrowIfNull(keep, name);
        if (keep.Shape.IsRankKnown && keep.Rank != 0)
            throw new ArgumentException($"{Owner}: {name} must be a scalar, but got shape {keep.Shape}.", name);
        if (!keep.DType.IsFloating())
            throw new ArgumentException($"{Owner}: {name} must be Float32 or Float64, but got {keep.DType}.", name);
        return DropoutOps.ConstantScalar(keep) is double k ? (k, null) : (null, keep);
    }

    private static (double? Const, Tensor? Tensor) CheckKeep((double? Const, Tensor? Tensor) keep, string name)
    {
        if (keep.Const is double k && !(k >= 0 && k <= 1))
            throw new ArgumentException(
                $"{Owner}: Parameter {name} must be between 0 and 1: {k.ToString(CultureInfo.InvariantCulture)}", name);
        return keep;
    }

    /// <summary>TF's <c>_gen_seed(salt_prefix, index)</c>: md5 of <c>str(seed) + "{prefix}_{index}"</c>, first 8 hex digits, &amp; 0x7FFFFFFF.</summary>
    internal static int? GenSeed(int? seed, string prefix, int index)
    {
        if (seed is not int s) return null;
        string text = s.ToString(CultureInfo.InvariantCulture) + prefix + "_" + index.ToString(CultureInfo.InvariantCulture);
#pragma warning disable CA5351 // MD5 derives a seed here (TF's recipe), not a security property.
        byte[] hash = MD5.HashData(Encoding.UTF8.GetBytes(text));
#pragma warning restore CA5351
        uint first = ((uint)hash[0] << 24) | ((uint)hash[1] << 16) | ((uint)hash[2] << 8) | hash[3];
        return (int)(first & 0x7FFFFFFF);
    }

    private IReadOnlyList<Tensor> BatchNoise(RnnSize size, DType dtype, string prefix)
    {
        var leaves = size.Flatten();
        var noise = new Tensor[leaves.Count];
        for (int i = 0; i < noise.Length; i++)
        {
            var shape = new Shape(1).Concatenate(leaves[i].Shape);
            noise[i] = RandomOps.Random(Initializers.RandomKind.Uniform, shape, dtype, 0.0, 1.0, GenSeed(_seed, prefix, i), "random_uniform");
        }
        return noise;
    }

    private Tensor DropOne(Tensor v, string prefix, int index, Tensor? noise, (double? Const, Tensor? Tensor) keep)
    {
        if (!v.DType.IsFloating())
            throw new ArgumentException($"{Owner}: can only drop Float32 or Float64 tensors, but the {prefix} has dtype {v.DType}.");
        using (Tf.NameScope("dropout"))
        {
            if (noise is null)
                return DropoutOps.Dropout(v, keep.Const, keep.Tensor, GenSeed(_seed, prefix, index), Owner);
            if (noise.DType != v.DType)
                throw new ArgumentException($"{Owner}: the variational noise has dtype {noise.DType} (the constructor's dtype), but the {prefix} has dtype {v.DType}.");
            return DropoutOps.Apply(v, DropoutOps.KeepTensor(v, keep.Const, keep.Tensor), noise);
        }
    }

    private RnnState DropLeaves(RnnState value, string prefix, IReadOnlyList<Tensor>? noise, (double? Const, Tensor? Tensor) keep)
    {
        var flat = value.Flatten();
        if (noise is not null && noise.Count != flat.Count)
            throw new ArgumentException($"{Owner}: the {prefix} has {flat.Count} tensors, but the variational {prefix} size has {noise.Count} leaves.");
        var dropped = new Tensor[flat.Count];
        for (int i = 0; i < flat.Count; i++) dropped[i] = DropOne(flat[i], prefix, i, noise?[i], keep);
        return value.PackAs(dropped);
    }

    /// <summary>State dropout over TF's shallow structure (<c>nest.get_traverse_shallow_structure(filter, state)</c>).</summary>
    private RnnState DropState(RnnState state)
    {
        var shallow = new List<(bool Drop, int Leaves)>();
        Traverse(state, shallow);
        var flat = state.Flatten();
        if (_stateNoise is not null && _stateNoise.Count != flat.Count)
            throw new ArgumentException($"{Owner}: the new state has {flat.Count} tensors, but the cell's state_size has {_stateNoise.Count} leaves.");
        var result = new Tensor[flat.Count];
        int pos = 0;
        for (int index = 0; index < shallow.Count; index++)
        {
            var (drop, count) = shallow[index];
            for (int k = 0; k < count; k++, pos++)
            {
                result[pos] = drop ? DropOne(flat[pos], "state", index, _stateNoise?[pos], _stateKeep) : flat[pos];
            }
        }
        return state.PackAs(result);
    }

    private void Traverse(RnnState node, List<(bool Drop, int Leaves)> shallow)
    {
        var verdict = _filter(node);
        if (node.IsTensor)
        {
            if (verdict.Value is not bool b)
                throw new ArgumentException($"{Owner}: the state filter returned per-child flags {verdict} for a single tensor; it must return true or false.");
            shallow.Add((b, 1));
            return;
        }
        IReadOnlyList<RnnState> children = node switch
        {
            LstmStateTuple l => new[] { RnnState.Of(l.C), RnnState.Of(l.H) },
            RnnStateTuple t => t.States,
            _ => throw new ArgumentException($"{Owner}: cannot traverse the state {node}."),
        };
        if (verdict.Value is bool all)
        {
            if (!all)
            {
                shallow.Add((false, node.Flatten().Count));
                return;
            }
            foreach (var child in children) Traverse(child, shallow);
            return;
        }
        var flags = verdict.Children!;
        if (flags.Count != children.Count)
            throw new ArgumentException($"{Owner}: the state filter returned {flags.Count} flags for {node}, which has {children.Count} children.");
        for (int i = 0; i < children.Count; i++)
        {
            if (flags[i]) Traverse(children[i], shallow);
            else shallow.Add((false, children[i].Flatten().Count));
        }
    }
}
