namespace Recur;

/// <summary>
/// A symbolic value: output <see cref="ValueIndex"/> of an <see cref="Operation"/>. TF equivalent: <c>tf.Tensor</c>
/// in graph mode. Its <see cref="Shape"/> is the static (possibly partial) shape known when the graph is built;
/// the concrete value exists only while a <see cref="Session"/> runs.
/// </summary>
/// <example><code>var x = Tf.Placeholder(DType.Float32, new Shape(-1, 3), name: "x");
/// Tensor y = x * 2f + 1f;   // operators build Mul and Add ops
/// Console.WriteLine(y.Name); // "add:0"</code></example>
public sealed partial class Tensor
{
    internal Tensor(Operation op, int valueIndex, DType dtype, Shape shape)
    {
        Op = op;
        ValueIndex = valueIndex;
        DType = dtype;
        Shape = shape;
    }

    /// <summary>The operation that produces this tensor.</summary>
    public Operation Op { get; }

    /// <summary>Which output of <see cref="Op"/> this is.</summary>
    public int ValueIndex { get; }

    /// <summary>The element type.</summary>
    public DType DType { get; }

    /// <summary>The static shape; unknown dimensions are -1.</summary>
    public Shape Shape { get; }

    /// <summary>The graph this tensor belongs to.</summary>
    public Graph Graph => Op.Graph;

    /// <summary>TF-style name <c>op_name:index</c>.</summary>
    public string Name => $"{Op.Name}:{ValueIndex}";

    /// <summary>Rank of the static shape (-1 if unknown).</summary>
    public int Rank => Shape.Rank;

    /// <inheritdoc/>
    public override string ToString() => $"Tensor(\"{Name}\", shape={Shape}, dtype={DType.TfName()})";
}
