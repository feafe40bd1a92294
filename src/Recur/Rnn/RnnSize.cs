namespace Recur.Rnn;

/// <summary>
/// The size of a cell's state or output, without the batch dimension: an int or shape (a leaf), an LSTM (c, h)
/// pair, or a tuple of sizes. TF equivalent: <c>cell.state_size</c> / <c>cell.output_size</c> (int,
/// <c>TensorShape</c>, <c>LSTMStateTuple</c> of ints, or nested tuple). Converts implicitly from <see cref="int"/>.
/// </summary>
public sealed class RnnSize
{
    private readonly RnnSize[] _children;

    private RnnSize(RnnSizeKind kind, Shape shape, RnnSize[] children)
    {
        Kind = kind;
        Shape = shape;
        _children = children;
    }

    /// <summary>A leaf of <paramref name="units"/> features.</summary>
    /// <exception cref="ArgumentException">units is negative.</exception>
    public static RnnSize Of(int units)
    {
        if (units < 0) throw new ArgumentException($"RnnSize: size must be >= 0, but got {units}.", nameof(units));
        return new RnnSize(RnnSizeKind.Leaf, new Shape(units), Array.Empty<RnnSize>());
    }

    /// <summary>A leaf of any fully defined per-example shape (TF: a <c>TensorShape</c> state size; () for scalars).</summary>
    public static RnnSize Of(Shape shape)
    {
        if (!shape.IsFullyDefined)
            throw new ArgumentException($"RnnSize: a state or output size must be fully defined, but got {shape}.", nameof(shape));
        return new RnnSize(RnnSizeKind.Leaf, shape, Array.Empty<RnnSize>());
    }

    /// <summary>The size of an <see cref="LstmStateTuple"/> (TF: <c>LSTMStateTuple(c, h)</c> of ints).</summary>
    public static RnnSize Lstm(int c, int h) => new(RnnSizeKind.LstmTuple, Shape.Unknown, new[] { Of(c), Of(h) });

    /// <summary>A tuple of sizes (TF: a tuple of state sizes, e.g. <c>MultiRNNCell.state_size</c>).</summary>
    public static RnnSize Tuple(params RnnSize[] sizes)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        return new RnnSize(RnnSizeKind.Tuple, Shape.Unknown, (RnnSize[])sizes.Clone());
    }

    /// <summary>What kind of node this is.</summary>
    public RnnSizeKind Kind { get; }

    /// <summary>True for a leaf (an int or shape).</summary>
    public bool IsLeaf => Kind == RnnSizeKind.Leaf;

    /// <summary>The per-example shape of a leaf (unknown for tuples).</summary>
    public Shape Shape { get; }

    /// <summary>The children of a tuple (empty for a leaf).</summary>
    public IReadOnlyList<RnnSize> Children => _children;

    /// <summary>The leaves, depth-first.</summary>
    public IReadOnlyList<RnnSize> Flatten()
    {
        var result = new List<RnnSize>();
        var stack = new Stack<RnnSize>();
        stack.Push(this);
        while (stack.Count > 0)
        {
            var n = stack.Pop();
            if (n.IsLeaf) { result.Add(n); continue; }
            for (int i = n._children.Length - 1; i >= 0; i--) stack.Push(n._children[i]);
        }
        return result;
    }

    /// <summary>The int of a rank-1 leaf (TF: an int state size).</summary>
    /// <exception cref="InvalidOperationException">Not a rank-1 leaf.</exception>
    public int Units => IsLeaf && Shape.Rank == 1 ? Shape[0]
        : throw new InvalidOperationException($"RnnSize: {this} is not a single int size.");

    /// <summary>The sum of the last dimensions of all rank-1 leaves (the width of a concatenated state).</summary>
    /// <exception cref="InvalidOperationException">A leaf is not rank 1.</exception>
    public int Total => Flatten().Sum(l => l.Shape.Rank == 1 ? l.Shape[0]
        : throw new InvalidOperationException($"RnnSize: leaf {l} cannot be concatenated; only int sizes can."));

    /// <summary>
    /// Builds a state of this structure from one tensor per leaf (TF: <c>nest.pack_sequence_as(state_size, flat)</c>).
    /// </summary>
    public RnnState Pack(IReadOnlyList<Tensor> flat)
    {
        ArgumentNullException.ThrowIfNull(flat);
        int pos = 0;
        var s = Pack(this, flat, ref pos);
        if (pos != flat.Count)
            throw new ArgumentException($"RnnSize.Pack: the structure {this} has {pos} leaves, but {flat.Count} tensors were given.", nameof(flat));
        return s;
    }

    private static RnnState Pack(RnnSize size, IReadOnlyList<Tensor> flat, ref int pos)
    {
        switch (size.Kind)
        {
            case RnnSizeKind.Leaf:
                if (pos >= flat.Count) throw new ArgumentException("RnnSize.Pack: too few tensors for the structure.", nameof(flat));
                return RnnState.Of(flat[pos++]);
            case RnnSizeKind.LstmTuple:
                {
                    if (pos + 2 > flat.Count) throw new ArgumentException("RnnSize.Pack: too few tensors for the structure.", nameof(flat));
                    var c = flat[pos++];
                    var h = flat[pos++];
                    return new LstmStateTuple(c, h);
                }
            default:
                {
                    var states = new RnnState[size._children.Length];
                    for (int i = 0; i < states.Length; i++) states[i] = Pack(size._children[i], flat, ref pos);
                    return new RnnStateTuple(states);
                }
        }
    }

    /// <summary>True when <paramref name="state"/> has this structure (leaf ↔ tensor, LSTM ↔ LstmStateTuple, tuple ↔ RnnStateTuple).</summary>
    public bool Matches(RnnState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return Kind switch
        {
            RnnSizeKind.Tuple when _children.Length == 0 && state.IsTensorArray => true,   // TF: a TensorArray state has size ()
            RnnSizeKind.Leaf => state.IsTensor,
            RnnSizeKind.LstmTuple => state is LstmStateTuple,
            _ => state is RnnStateTuple t && t.Count == _children.Length && _children.Select((c, i) => c.Matches(t[i])).All(x => x),
        };
    }

    /// <summary>TF-style text: <c>3</c>, <c>(2, 3)</c> for a shape, <c>LSTMStateTuple(c=3, h=3)</c>, <c>(…, …)</c>.</summary>
    public override string ToString() => Kind switch
    {
        RnnSizeKind.Leaf => Shape.Rank == 1 ? Shape[0].ToString(System.Globalization.CultureInfo.InvariantCulture) : Shape.ToString(),
        RnnSizeKind.LstmTuple => $"LSTMStateTuple(c={_children[0]}, h={_children[1]})",
        _ => "(" + string.Join(", ", _children.Select(c => c.ToString())) + (_children.Length == 1 ? ",)" : ")"),
    };

    /// <summary>An int leaf.</summary>
    public static implicit operator RnnSize(int units) => Of(units);
}

/// <summary>The kinds of <see cref="RnnSize"/> nodes (TF: an int/<c>TensorShape</c> state size, an <c>LSTMStateTuple</c> of sizes, or a tuple).</summary>
public enum RnnSizeKind
{
    /// <summary>An int or a shape.</summary>
    Leaf,
    /// <summary>An LSTM (c, h) pair.</summary>
    LstmTuple,
    /// <summary>A tuple of sizes.</summary>
    Tuple,
}
