using System.Collections.Concurrent;

namespace Recur;

/// <summary>
/// A dataflow graph: operations, variables, name scopes and variable scopes. TF equivalent: <c>tf.Graph</c>.
/// Ops are added by the <see cref="Tf"/> builders to <see cref="Default"/>; make a graph the default with
/// <see cref="AsDefault"/>.
/// </summary>
/// <example><code>var g = new Graph();
/// using (g.AsDefault())
/// {
///     var x = Tf.Placeholder(DType.Float32, new Shape(-1, 8));
/// }
/// var kernel = g.GetVariable("rnn/lstm_cell/kernel");</code></example>
public sealed partial class Graph
{
    [ThreadStatic] private static Stack<Graph>? _defaultStack;
    private static Graph _global = new();

    private readonly List<Operation> _ops = new();
    private readonly Dictionary<string, Operation> _opsByName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _namesInUse = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Variable> _variables = new(StringComparer.Ordinal);
    private readonly List<Variable> _variableList = new();
    private readonly Stack<string> _nameScopes = new();
    private readonly List<Operation> _controlDependencies = new();

    /// <summary>Creates an empty graph.</summary>
    public Graph()
    {
        Root = this;
        VariableScopes = new VariableScopeStack();
    }

    /// <summary>Creates a function subgraph (a While condition or body) nested in <paramref name="outer"/>.</summary>
    internal Graph(Graph outer, string functionName)
    {
        Outer = outer;
        Root = outer.Root;
        FunctionName = functionName;
        VariableScopes = outer.Root.VariableScopes;
        var prefix = outer.CurrentNameScope;
        if (prefix.Length > 0) _nameScopes.Push(prefix);
    }

    /// <summary>The current default graph of this thread (a process-wide graph when none was made default).</summary>
    public static Graph Default => _defaultStack is { Count: > 0 } s ? s.Peek() : _global;

    /// <summary>Replaces the process-wide default graph with a new empty one (TF: <c>tf.reset_default_graph()</c>).</summary>
    public static void ResetDefault()
    {
        if (_defaultStack is { Count: > 0 })
            throw new InvalidOperationException("Graph.ResetDefault: cannot reset while a graph is made default with AsDefault() on this thread.");
        _global = new Graph();
    }

    /// <summary>Makes this graph the default for the current thread until the returned scope is disposed (TF: <c>graph.as_default()</c>).</summary>
    public IDisposable AsDefault()
    {
        _defaultStack ??= new Stack<Graph>();
        _defaultStack.Push(this);
        return new Scope(() =>
        {
            if (_defaultStack.Count == 0 || _defaultStack.Peek() != this)
                throw new InvalidOperationException("Graph.AsDefault: scopes must be disposed in reverse order of creation.");
            _defaultStack.Pop();
        });
    }

    /// <summary>Graph-level random seed (TF: <c>tf.set_random_seed</c>); combined with each op's seed.</summary>
    public int? Seed { get; set; }

    /// <summary>The graph this function graph is nested in (null for an ordinary graph).</summary>
    internal Graph? Outer { get; }

    /// <summary>The outermost graph (variables always live there).</summary>
    internal Graph Root { get; }

    internal string? FunctionName { get; }

    internal VariableScopeStack VariableScopes { get; }

    /// <summary>Inputs captured from enclosing graphs (function graphs only): outer tensor → placeholder inside.</summary>
    internal List<(Tensor Outer, Tensor Inner)> Captures { get; } = new();

    /// <summary>
    /// Maps tensors of an unrelated graph into this one (used by loop-gradient graphs, whose gradient ops read the
    /// forward body's values saved per iteration); null when the tensor cannot be mapped.
    /// </summary>
    internal Func<Tensor, Tensor?>? ForeignResolver { get; set; }

    private readonly Dictionary<Tensor, Tensor> _captureMap = new();

    /// <summary>All operations in creation order (a valid topological order).</summary>
    public IReadOnlyList<Operation> Operations => _ops;

    /// <summary>All variables, in creation order (TF: <c>tf.global_variables()</c>).</summary>
    public IReadOnlyList<Variable> Variables => _variableList;

    /// <summary>The trainable variables (TF: <c>tf.trainable_variables()</c>).</summary>
    public IReadOnlyList<Variable> TrainableVariables => _variableList.Where(v => v.Trainable).ToList();

    /// <summary>The variable named <paramref name="name"/> (with or without the <c>:0</c> suffix).</summary>
    /// <exception cref="KeyNotFoundException">No such variable; the message names close matches.</exception>
    public Variable GetVariable(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var root = Root;
        var key = name.EndsWith(":0", StringComparison.Ordinal) ? name[..^2] : name;
        if (root._variables.TryGetValue(key, out var v)) return v;
        var close = root._variables.Keys
            .Select(k => (k, d: EditDistance(k, key)))
            .Where(p => p.d <= Math.Max(3, key.Length / 3) || p.k.EndsWith(key.Split('/')[^1], StringComparison.Ordinal))
            .OrderBy(p => p.d).Take(5).Select(p => p.k).ToList();
        string hint = close.Count > 0 ? $" Close matches: {string.Join(", ", close)}." :
            root._variables.Count == 0 ? " The graph has no variables." : $" The graph has {root._variables.Count} variables.";
        throw new KeyNotFoundException($"Graph.GetVariable: no variable named '{key}'.{hint}");
    }

    /// <summary>
    /// Whether <c>Tf.Nn.DynamicRnn</c> (and the bidirectional form) builds the built-in cells as fused whole-sequence
    /// ops (default true) or as a <c>While</c> loop over the cell's per-step ops (false). Both give the same outputs,
    /// states, variables and gradients to float rounding; the fused ops are much faster. Read when the RNN is built;
    /// shared by the graph and its loop-body graphs. (TF has no such switch: its fused cells are separate classes.)
    /// </summary>
    /// <example><code>graph.UseFusedRnn = false;   // build the composed While loop, e.g. to compare</code></example>
    public bool UseFusedRnn
    {
        get => Root._useFusedRnn;
        set => Root._useFusedRnn = value;
    }

    private bool _useFusedRnn = true;

    /// <summary>True when a variable of that name exists.</summary>
    public bool HasVariable(string name) => Root._variables.ContainsKey(name.EndsWith(":0", StringComparison.Ordinal) ? name[..^2] : name);

    /// <summary>The operation named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such operation.</exception>
    public Operation GetOperationByName(string name) =>
        _opsByName.TryGetValue(name, out var op) ? op : throw new KeyNotFoundException($"Graph.GetOperationByName: no operation named '{name}'.");

    /// <summary>The tensor named <c>op:index</c>.</summary>
    /// <exception cref="KeyNotFoundException">No such tensor.</exception>
    public Tensor GetTensorByName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        int colon = name.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(name.AsSpan(colon + 1), out int idx))
            throw new KeyNotFoundException($"Graph.GetTensorByName: '{name}' is not a tensor name of the form 'op:index'.");
        var op = GetOperationByName(name[..colon]);
        if (idx < 0 || idx >= op.Outputs.Count)
            throw new KeyNotFoundException($"Graph.GetTensorByName: operation '{op.Name}' has {op.Outputs.Count} outputs, so '{name}' does not exist.");
        return op.Outputs[idx];
    }

    /// <summary>The current name scope prefix, ending in '/' (empty at the top level).</summary>
    public string CurrentNameScope => _nameScopes.Count == 0 ? "" : _nameScopes.Peek();

    /// <summary>
    /// Opens a name scope (TF: <c>tf.name_scope(name)</c>): op names created inside are prefixed with the
    /// uniquified scope name. A name ending in '/' re-enters that exact scope.
    /// </summary>
    public IDisposable NameScope(string? name) => NameScope(name, out _);

    /// <summary>Opens a name scope and returns its full prefix (ending in '/').</summary>
    internal IDisposable NameScope(string? name, out string scope)
    {
        if (string.IsNullOrEmpty(name))
        {
            scope = "";
            _nameScopes.Push("");
        }
        else if (name.EndsWith('/'))
        {
            scope = name;
            _nameScopes.Push(name);
        }
        else
        {
            scope = UniqueName(name) + "/";
            _nameScopes.Push(scope);
        }
        int depth = _nameScopes.Count;
        return new Scope(() =>
        {
            if (_nameScopes.Count != depth)
                throw new InvalidOperationException("Graph.NameScope: scopes must be disposed in reverse order of creation.");
            _nameScopes.Pop();
        });
    }

    /// <summary>
    /// Ops created inside depend on <paramref name="ops"/> (TF: <c>tf.control_dependencies</c>).
    /// </summary>
    public IDisposable ControlDependencies(IEnumerable<Operation> ops)
    {
        ArgumentNullException.ThrowIfNull(ops);
        var added = ops.ToList();
        foreach (var op in added)
        {
            if (op.Graph != this)
                throw new ArgumentException($"Graph.ControlDependencies: operation '{op.Name}' belongs to another graph.", nameof(ops));
        }
        _controlDependencies.AddRange(added);
        int count = added.Count;
        return new Scope(() => _controlDependencies.RemoveRange(_controlDependencies.Count - count, count));
    }

    /// <summary>
    /// Ops created inside ignore the enclosing <see cref="ControlDependencies"/> (the part of TF's <c>init_scope</c>
    /// that clears them), so variables created while building e.g. a training op under control dependencies do not
    /// make their initializers wait for (and run) those ops.
    /// </summary>
    internal IDisposable ClearControlDependencies()
    {
        var saved = _controlDependencies.ToArray();
        _controlDependencies.Clear();
        return new Scope(() =>
        {
            _controlDependencies.Clear();
            _controlDependencies.AddRange(saved);
        });
    }

    /// <summary>TF's <c>unique_name</c>: prefixes the name scope and appends _1, _2, … on reuse.</summary>
    internal string UniqueName(string name, bool markAsUsed = true)
    {
        string full = CurrentNameScope + name;
        string key = full.ToLowerInvariant();
        _namesInUse.TryGetValue(key, out int i);
        if (markAsUsed) _namesInUse[key] = i + 1;
        if (i > 0)
        {
            string baseKey = key;
            while (_namesInUse.ContainsKey(key))
            {
                key = $"{baseKey}_{i}";
                i++;
            }
            if (markAsUsed) _namesInUse[key] = 1;
            full = $"{full}_{i - 1}";
        }
        return full;
    }

    /// <summary>Marks an absolute name as used (variables take their exact names).</summary>
    private bool TryReserveExactName(string name)
    {
        string key = name.ToLowerInvariant();
        if (_opsByName.ContainsKey(name)) return false;
        _namesInUse.TryGetValue(key, out int i);
        _namesInUse[key] = i + 1;
        return true;
    }

    /// <summary>
    /// Adds an operation. Inputs from enclosing graphs are captured (function graphs); <paramref name="name"/> is
    /// uniquified under the current name scope unless <paramref name="exactName"/> is set.
    /// </summary>
    internal Operation AddOperation(string type, string? name, IReadOnlyList<Tensor> inputs,
        IReadOnlyList<(DType DType, Shape Shape)> outputs, Dictionary<string, object?>? attrs = null,
        IEnumerable<Operation>? controlInputs = null, bool exactName = false)
    {
        var def = OpRegistry.Get(type);
        var ins = new Tensor[inputs.Count];
        for (int i = 0; i < ins.Length; i++) ins[i] = Resolve(inputs[i], type, name);
        string opName;
        if (exactName && name is not null && TryReserveExactName(name)) opName = name;
        else opName = UniqueName(name ?? type);
        var control = new List<Operation>(_controlDependencies);
        if (controlInputs is not null)
        {
            foreach (var c in controlInputs)
            {
                if (c.Graph != this)
                    throw new ArgumentException($"{type}: control input '{c.Name}' belongs to another graph.", nameof(controlInputs));
                if (!control.Contains(c)) control.Add(c);
            }
        }
        var op = new Operation(this, _ops.Count, type, opName, ins, control, attrs ?? new Dictionary<string, object?>(), def);
        var outs = new Tensor[outputs.Count];
        for (int i = 0; i < outs.Length; i++) outs[i] = new Tensor(op, i, outputs[i].DType, outputs[i].Shape);
        op.SetOutputs(outs);
        _ops.Add(op);
        _opsByName[opName] = op;
        return op;
    }

    /// <summary>Maps an input tensor into this graph, capturing it from an enclosing graph when needed.</summary>
    internal Tensor Resolve(Tensor t, string opType, string? opName)
    {
        ArgumentNullException.ThrowIfNull(t);
        if (t.Graph == this) return t;
        for (var g = Outer; g is not null; g = g.Outer)
        {
            if (g == t.Graph) return Capture(t);
        }
        if (ForeignResolver?.Invoke(t) is { } mapped) return mapped;
        throw new ArgumentException(
            $"{opName ?? opType}: input tensor '{t.Name}' belongs to a different graph than the one being built; " +
            "make its graph the default (graph.AsDefault()) or build the op in the tensor's graph.");
    }

    /// <summary>Captures an outer tensor into this function graph (through every graph in between).</summary>
    internal Tensor Capture(Tensor outer)
    {
        if (_captureMap.TryGetValue(outer, out var inner)) return inner;
        var source = Outer!.Resolve(outer, "Capture", null);
        var op = AddOperation("Capture", "capture", Array.Empty<Tensor>(), new[] { (outer.DType, outer.Shape) },
            new Dictionary<string, object?> { ["outer"] = source.Name });
        inner = op.Outputs[0];
        _captureMap[outer] = inner;
        Captures.Add((source, inner));
        return inner;
    }

    internal void RegisterVariable(Variable v)
    {
        _variables.Add(v.Name, v);
        _variableList.Add(v);
    }

    internal bool TryGetVariable(string name, out Variable v) => _variables.TryGetValue(name, out v!);

    /// <summary>Cache of execution plans keyed by fetch/feed signature (used by sessions and loop kernels).</summary>
    internal PlanCache PlanCache { get; } = new();

    private static int EditDistance(string a, string b)
    {
        var d = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) d[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            int prev = d[0];
            d[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int tmp = d[j];
                d[j] = Math.Min(Math.Min(d[j] + 1, d[j - 1] + 1), prev + (a[i - 1] == b[j - 1] ? 0 : 1));
                prev = tmp;
            }
        }
        return d[b.Length];
    }

    private sealed class Scope(Action onDispose) : IDisposable
    {
        private Action? _onDispose = onDispose;

        public void Dispose()
        {
            _onDispose?.Invoke();
            _onDispose = null;
        }
    }

    internal static IDisposable MakeScope(Action onDispose) => new Scope(onDispose);
}
