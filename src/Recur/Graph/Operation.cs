namespace Recur;

/// <summary>
/// A node of a <see cref="Graph"/>: an op type, inputs, attributes and outputs. TF equivalent: <c>tf.Operation</c>.
/// Operations are created only by op builders (the <see cref="Tf"/> functions) and never change afterwards,
/// except that control inputs may be added while the graph is being built.
/// </summary>
public sealed class Operation
{
    private readonly Tensor[] _inputs;
    private readonly List<Operation> _controlInputs;
    private readonly Dictionary<string, object?> _attrs;
    private Tensor[] _outputs = Array.Empty<Tensor>();

    internal Operation(Graph graph, int id, string type, string name, Tensor[] inputs,
        IEnumerable<Operation>? controlInputs, Dictionary<string, object?> attrs, OpDef def)
    {
        Graph = graph;
        Id = id;
        Type = type;
        Name = name;
        _inputs = inputs;
        _controlInputs = controlInputs is null ? new List<Operation>() : new List<Operation>(controlInputs);
        _attrs = attrs;
        Def = def;
    }

    /// <summary>The graph this operation belongs to.</summary>
    public Graph Graph { get; }

    /// <summary>Position in the graph's creation order.</summary>
    internal int Id { get; }

    /// <summary>The op type, e.g. <c>MatMul</c>.</summary>
    public string Type { get; }

    /// <summary>The unique name within the graph, including name scopes, e.g. <c>rnn/while/MatMul</c>.</summary>
    public string Name { get; }

    /// <summary>The data inputs.</summary>
    public IReadOnlyList<Tensor> Inputs => _inputs;

    /// <summary>Operations that must run before this one even though no data flows from them.</summary>
    public IReadOnlyList<Operation> ControlInputs => _controlInputs;

    /// <summary>The outputs.</summary>
    public IReadOnlyList<Tensor> Outputs => _outputs;

    /// <summary>Output <paramref name="index"/>.</summary>
    public Tensor Output(int index = 0) => _outputs[index];

    internal OpDef Def { get; }

    internal Tensor[] InputArray => _inputs;

    internal void SetOutputs(Tensor[] outputs) => _outputs = outputs;

    internal void AddControlInput(Operation op)
    {
        if (op.Graph != Graph)
            throw new ArgumentException($"Operation '{Name}': a control input must come from the same graph, but '{op.Name}' does not.", nameof(op));
        if (op.Id >= Id)
            throw new ArgumentException($"Operation '{Name}': control input '{op.Name}' was created after it; execution order is creation order, so a control input must already exist.", nameof(op));
        if (!_controlInputs.Contains(op)) _controlInputs.Add(op);
    }

    /// <summary>True when the op has the attribute.</summary>
    public bool HasAttr(string name) => _attrs.ContainsKey(name);

    /// <summary>The attribute <paramref name="name"/> as <typeparamref name="T"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such attribute.</exception>
    public T GetAttr<T>(string name)
    {
        if (!_attrs.TryGetValue(name, out var v))
            throw new KeyNotFoundException($"Operation '{Name}' ({Type}) has no attribute '{name}'.");
        return (T)v!;
    }

    internal IReadOnlyDictionary<string, object?> Attrs => _attrs;

    /// <inheritdoc/>
    public override string ToString() => $"Operation(\"{Name}\", type={Type})";
}
