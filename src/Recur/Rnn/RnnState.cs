namespace Recur.Rnn;

/// <summary>
/// An RNN state: one tensor, or a nest of states (TF's <c>nest</c> of state tensors). TF equivalents: a state
/// <c>Tensor</c>, <c>LSTMStateTuple</c>, or the tuple of per-layer states of <c>MultiRNNCell</c>.
/// Converts implicitly from <see cref="Recur.Tensor"/>.
/// </summary>
/// <example><code>RnnState s = Tf.Zeros(new Shape(2, 8));        // a single tensor
/// var lstm = new LstmStateTuple(c, h);                      // (c, h)
/// var layers = new RnnStateTuple(lstm0, lstm1);             // MultiRnnCell
/// IReadOnlyList&lt;Tensor&gt; leaves = layers.Flatten();    // c0, h0, c1, h1</code></example>
public abstract class RnnState : INestStructure
{
    private protected RnnState() { }

    /// <summary>Wraps one tensor.</summary>
    public static RnnState Of(Tensor tensor) => new TensorState(tensor);

    /// <summary>Wraps a <see cref="Recur.TensorArray"/> as a state leaf (TF allows TensorArrays in RNN states; they are never copied through).</summary>
    public static RnnState Of(TensorArray tensorArray) => new TensorArrayState(tensorArray);

    /// <summary>The tensor array of a <see cref="Of(Recur.TensorArray)"/> state.</summary>
    /// <exception cref="InvalidOperationException">The state is not a tensor array.</exception>
    public TensorArray TensorArray => this is TensorArrayState t ? t.Array
        : throw new InvalidOperationException($"RnnState: this state is {this}, not a TensorArray.");

    /// <summary>True when the state is a single tensor array.</summary>
    public bool IsTensorArray => this is TensorArrayState;

    /// <summary>The single tensor of a non-tuple state.</summary>
    /// <exception cref="InvalidOperationException">The state is a tuple.</exception>
    public virtual Tensor Tensor =>
        throw new InvalidOperationException($"RnnState: this state is a {GetType().Name} of {Flatten().Count} tensors, not a single tensor; use its fields or Flatten().");

    /// <summary>True when the state is a single tensor.</summary>
    public bool IsTensor => this is TensorState;

    /// <summary>The leaves, depth-first (TF: <c>nest.flatten(state)</c>).</summary>
    public IReadOnlyList<Tensor> Flatten() => Nest.Flatten(this);

    /// <summary>The same structure with <paramref name="flat"/> as leaves (TF: <c>nest.pack_sequence_as</c>).</summary>
    public RnnState PackAs(IReadOnlyList<Tensor> flat) => Nest.PackSequenceAs(this, flat);

    /// <summary>Applies <paramref name="f"/> to every leaf (TF: <c>nest.map_structure</c>).</summary>
    public RnnState Map(Func<Tensor, Tensor> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        return PackAs(Flatten().Select(f).ToList());
    }

    /// <inheritdoc/>
    public abstract IReadOnlyList<object> NestChildren { get; }

    /// <inheritdoc/>
    public abstract INestStructure WithNestChildren(IReadOnlyList<object> children);

    /// <summary>Wraps a tensor.</summary>
    public static implicit operator RnnState(Tensor tensor) => Of(tensor);

    /// <summary>A one-line description of the structure, e.g. <c>LstmStateTuple(c=(2, 3), h=(2, 3))</c>.</summary>
    public abstract override string ToString();
}

/// <summary>A state that is a single tensor.</summary>
internal sealed class TensorState : RnnState
{
    private readonly Tensor _tensor;

    public TensorState(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        _tensor = tensor;
    }

    public override Tensor Tensor => _tensor;

    public override IReadOnlyList<object> NestChildren => new object[] { _tensor };

    public override INestStructure WithNestChildren(IReadOnlyList<object> children) => new TensorState((Tensor)children[0]);

    public override string ToString() => _tensor.Shape.ToString();
}

/// <summary>A state leaf that is a tensor array (its handle is the flat leaf).</summary>
internal sealed class TensorArrayState : RnnState
{
    public TensorArrayState(TensorArray array)
    {
        ArgumentNullException.ThrowIfNull(array);
        Array = array;
    }

    public TensorArray Array { get; }

    public override IReadOnlyList<object> NestChildren => new object[] { Array };

    public override INestStructure WithNestChildren(IReadOnlyList<object> children) => new TensorArrayState((TensorArray)children[0]);

    public override string ToString() => $"TensorArray({Array.DType})";
}

/// <summary>
/// The (c, h) state of an LSTM: <see cref="C"/> the memory cell, <see cref="H"/> the output. TF equivalent:
/// <c>tf.nn.rnn_cell.LSTMStateTuple(c, h)</c> (field order c, h).
/// </summary>
public sealed class LstmStateTuple : RnnState
{
    /// <summary>Creates the tuple; both tensors must have the same dtype.</summary>
    /// <exception cref="ArgumentException">c and h have different dtypes (TF: "Inconsistent internal state").</exception>
    public LstmStateTuple(Tensor c, Tensor h)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(h);
        if (c.DType != h.DType)
            throw new ArgumentException($"LstmStateTuple: inconsistent internal state: c has dtype {c.DType} but h has {h.DType}.");
        C = c;
        H = h;
    }

    /// <summary>The memory cell state, (batch, num_units).</summary>
    public Tensor C { get; }

    /// <summary>The output / hidden state, (batch, num_units or num_proj).</summary>
    public Tensor H { get; }

    /// <summary>The dtype of both tensors.</summary>
    public DType DType => C.DType;

    /// <summary>Deconstructs into (c, h).</summary>
    public void Deconstruct(out Tensor c, out Tensor h)
    {
        c = C;
        h = H;
    }

    /// <inheritdoc/>
    public override IReadOnlyList<object> NestChildren => new object[] { C, H };

    /// <inheritdoc/>
    public override INestStructure WithNestChildren(IReadOnlyList<object> children) =>
        new LstmStateTuple((Tensor)children[0], (Tensor)children[1]);

    /// <inheritdoc/>
    public override string ToString() => $"LstmStateTuple(c={C.Shape}, h={H.Shape})";
}

/// <summary>
/// A tuple of states, e.g. the per-layer states of a <c>MultiRnnCell</c>. TF equivalent: a Python tuple
/// of states.
/// </summary>
public sealed class RnnStateTuple : RnnState
{
    private readonly RnnState[] _states;

    /// <summary>A tuple of the given states.</summary>
    public RnnStateTuple(params RnnState[] states)
    {
        ArgumentNullException.ThrowIfNull(states);
        foreach (var s in states) ArgumentNullException.ThrowIfNull(s, nameof(states));
        _states = (RnnState[])states.Clone();
    }

    /// <summary>Number of elements.</summary>
    public int Count => _states.Length;

    /// <summary>Element <paramref name="index"/>.</summary>
    public RnnState this[int index] => _states[index];

    /// <summary>The elements.</summary>
    public IReadOnlyList<RnnState> States => _states;

    /// <inheritdoc/>
    public override IReadOnlyList<object> NestChildren => _states;

    /// <inheritdoc/>
    public override INestStructure WithNestChildren(IReadOnlyList<object> children) =>
        new RnnStateTuple(children.Select(c => c switch { Tensor t => Of(t), TensorArray ta => Of(ta), _ => (RnnState)c }).ToArray());

    /// <inheritdoc/>
    public override string ToString() => "(" + string.Join(", ", _states.Select(s => s.ToString())) + ")";
}
