namespace Recur;

/// <summary>
/// A named graph variable whose value lives in a <see cref="Session"/>. TF equivalent: <c>tf.Variable</c> as made by
/// <c>tf.get_variable</c> (TF1 graph mode). Converts implicitly to the <see cref="Tensor"/> of its value.
/// </summary>
/// <example><code>var w = Tf.GetVariable("w", new Shape(3, 4), initializer: Initializers.Zeros());
/// Tensor y = Tf.MatMul(x, w);
/// w.Load(new NDArray(new float[12], new Shape(3, 4)), session);</code></example>
public sealed class Variable
{
    internal Variable(Graph graph, string name, Shape shape, DType dtype, Initializer initializer, bool trainable)
    {
        Graph = graph;
        Name = name;
        Shape = shape;
        DType = dtype;
        Initializer = initializer;
        Trainable = trainable;
    }

    /// <summary>The graph that owns the variable (always a root graph).</summary>
    public Graph Graph { get; }

    /// <summary>The full name without <c>:0</c>, e.g. <c>rnn/lstm_cell/kernel</c>.</summary>
    public string Name { get; }

    /// <summary>The (fully defined) shape.</summary>
    public Shape Shape { get; }

    /// <summary>The element type.</summary>
    public DType DType { get; }

    /// <summary>The initializer that gives the first value.</summary>
    public Initializer Initializer { get; }

    /// <summary>True when optimizers update it (TF: in <c>TRAINABLE_VARIABLES</c>).</summary>
    public bool Trainable { get; }

    /// <summary>The tensor holding the variable's current value (op type <c>VariableV2</c>).</summary>
    public Tensor Value { get; internal set; } = null!;

    /// <summary>The op that assigns the initial value (TF: <c>variable.initializer</c>).</summary>
    public Operation InitializerOp { get; internal set; } = null!;

    /// <summary>The initial value tensor (TF: <c>variable.initial_value</c>).</summary>
    public Tensor InitialValue { get; internal set; } = null!;

    /// <summary>The value tensor's name, <c>name:0</c>.</summary>
    public string TensorName => Name + ":0";

    /// <summary>Builds an op that assigns <paramref name="value"/> and returns the new value (TF: <c>variable.assign</c>).</summary>
    public Tensor Assign(Tensor value, string? name = null) => StateOps.Assign(this, value, name);

    /// <summary>
    /// Sets the variable's value in <paramref name="session"/> directly (TF: <c>Variable.load</c>).
    /// </summary>
    /// <exception cref="ArgumentException">The value's dtype or shape differs from the variable's.</exception>
    public void Load(NDArray value, Session session)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(session);
        session.StoreVariable(this, value, "Variable.Load");
    }

    /// <summary>The variable's value tensor.</summary>
    public static implicit operator Tensor(Variable v)
    {
        ArgumentNullException.ThrowIfNull(v);
        return v.Value;
    }

    /// <inheritdoc/>
    public override string ToString() => $"Variable(\"{Name}:0\", shape={Shape}, dtype={DType.TfName()})";
}
