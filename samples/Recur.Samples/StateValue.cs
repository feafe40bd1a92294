using Recur.Rnn;

namespace Recur.Samples;

/// <summary>
/// The value of a fetched <see cref="RnnState"/> nest, printed the way Python prints what <c>sess.run</c> returns:
/// an array as <c>array(...)</c>, an LSTM state as <c>LSTMStateTuple(c=array(...), h=array(...))</c>, a
/// <c>MultiRNNCell</c> state as a tuple of those.
/// </summary>
public sealed class StateValue
{
    private readonly NDArray? _array;
    private readonly IReadOnlyList<StateValue> _items;
    private readonly bool _isLstm;

    private StateValue(NDArray? array, IReadOnlyList<StateValue> items, bool isLstm)
    {
        _array = array;
        _items = items;
        _isLstm = isLstm;
    }

    /// <summary>The array, when the state is one tensor.</summary>
    /// <exception cref="InvalidOperationException">The state is a tuple.</exception>
    public NDArray Array => _array ?? throw new InvalidOperationException($"StateValue: this value is a tuple of {_items.Count}, not an array.");

    /// <summary>The <c>c</c> of an <c>LSTMStateTuple</c>.</summary>
    public NDArray C => _isLstm ? _items[0].Array : throw new InvalidOperationException("StateValue: not an LSTMStateTuple.");

    /// <summary>The <c>h</c> of an <c>LSTMStateTuple</c>.</summary>
    public NDArray H => _isLstm ? _items[1].Array : throw new InvalidOperationException("StateValue: not an LSTMStateTuple.");

    /// <summary>The number of items of a tuple (0 for an array).</summary>
    public int Count => _items.Count;

    /// <summary>Item <paramref name="index"/> of a tuple (a layer's state for <c>MultiRNNCell</c>).</summary>
    public StateValue this[int index] => _items[index];

    /// <summary>Runs every leaf of <paramref name="state"/> in one <see cref="Session.Run(IReadOnlyList{Tensor}, FeedDict?)"/>.</summary>
    public static StateValue Fetch(Session session, RnnState state, FeedDict? feeds = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(state);
        var values = session.Run(state.Flatten(), feeds);
        return FromLeaves(state, values);
    }

    /// <summary>Packs leaf values (in <see cref="RnnState.Flatten"/> order) into the structure of <paramref name="state"/>.</summary>
    public static StateValue FromLeaves(RnnState state, IReadOnlyList<NDArray> leaves)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(leaves);
        int next = 0;
        var value = Pack(state, leaves, ref next);
        if (next != leaves.Count)
            throw new ArgumentException($"StateValue.FromLeaves: the state has {next} leaves, but {leaves.Count} values were given.", nameof(leaves));
        return value;
    }

    private static StateValue Pack(RnnState state, IReadOnlyList<NDArray> leaves, ref int next)
    {
        switch (state)
        {
            case LstmStateTuple:
                var c = new StateValue(leaves[next++], [], false);
                var h = new StateValue(leaves[next++], [], false);
                return new StateValue(null, [c, h], true);
            case RnnStateTuple tuple:
                var items = new List<StateValue>(tuple.Count);
                for (int i = 0; i < tuple.Count; i++) items.Add(Pack(tuple[i], leaves, ref next));
                return new StateValue(null, items, false);
            default:
                if (!state.IsTensor) throw new ArgumentException($"StateValue: cannot fetch the state {state}.", nameof(state));
                return new StateValue(leaves[next++], [], false);
        }
    }

    /// <summary>Python's <c>repr</c> of the fetched value.</summary>
    public override string ToString()
    {
        if (_array is not null) return NumPy.Repr(_array);
        if (_isLstm) return $"LSTMStateTuple(c={_items[0]}, h={_items[1]})";
        return "(" + string.Join(",\n ", _items.Select(i => i.ToString())) + (_items.Count == 1 ? ",)" : ")");
    }
}
