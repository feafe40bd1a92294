namespace Recur;

/// <summary>
/// TF's top-level vocabulary (<c>tf.*</c>) building ops on <see cref="Graph.Default"/>: placeholders, constants,
/// variables and scopes here; math, array, neural-network and control-flow ops in the other parts of this class.
/// </summary>
public static partial class Tf
{
    /// <summary>
    /// A value to be fed at run time (TF: <c>tf.compat.v1.placeholder</c>). Use -1 for dimensions known only at run
    /// time, e.g. <c>new Shape(-1, -1, 8)</c> for (batch, time, features); null shape means unknown rank.
    /// </summary>
    /// <exception cref="ArgumentException">dtype is Variant.</exception>
    public static Tensor Placeholder(DType dtype, Recur.Shape? shape = null, string? name = null) =>
        StateOps.Placeholder(dtype, shape ?? Recur.Shape.Unknown, name);

    /// <summary>A constant (TF: <c>tf.constant</c>).</summary>
    public static Tensor Constant(NDArray value, string? name = null) => StateOps.Const(value, name);

    /// <summary>A float32 scalar constant.</summary>
    public static Tensor Constant(float value, string? name = null) => StateOps.Const(NDArray.Scalar(value), name);

    /// <summary>A float64 scalar constant.</summary>
    public static Tensor Constant(double value, string? name = null) => StateOps.Const(NDArray.Scalar(value), name);

    /// <summary>An int32 scalar constant.</summary>
    public static Tensor Constant(int value, string? name = null) => StateOps.Const(NDArray.Scalar(value), name);

    /// <summary>An int64 scalar constant.</summary>
    public static Tensor Constant(long value, string? name = null) => StateOps.Const(NDArray.Scalar(value), name);

    /// <summary>A bool scalar constant.</summary>
    public static Tensor Constant(bool value, string? name = null) => StateOps.Const(NDArray.Scalar(value), name);

    /// <summary>A constant from a rectangular CLR array (any rank), e.g. <c>new float[,] {{1, 2}, {3, 4}}</c>.</summary>
    public static Tensor Constant(Array value, string? name = null) => StateOps.Const(NDArray.FromArray(value), name);

    /// <summary>A scalar constant of <paramref name="like"/>'s dtype (used by the scalar operators).</summary>
    internal static Tensor ScalarLike(Tensor like, double value)
    {
        ArgumentNullException.ThrowIfNull(like);
        if (!like.DType.IsNumeric())
            throw new ArgumentException($"Tensor '{like.Name}' has dtype {like.DType}; arithmetic with a number needs a numeric tensor.", nameof(like));
        return StateOps.Const(NDArray.Scalar(value, like.DType), "Const");
    }

    /// <summary>A constant of a fixed shape filled with <paramref name="value"/> (TF: <c>tf.fill</c> with static dims).</summary>
    public static Tensor Fill(Recur.Shape shape, double value, DType dtype = DType.Float32, string? name = null)
    {
        if (!shape.IsFullyDefined)
            throw new ArgumentException($"Tf.Fill: shape must be fully defined, but got {shape}.", nameof(shape));
        var a = NDArray.Zeros(shape, dtype);
        if (value != 0)
        {
            switch (dtype)
            {
                case DType.Float32: Array.Fill(a.Data<float>(), (float)value); break;
                case DType.Float64: Array.Fill(a.Data<double>(), value); break;
                case DType.Int32: Array.Fill(a.Data<int>(), (int)value); break;
                case DType.Int64: Array.Fill(a.Data<long>(), (long)value); break;
                case DType.Bool: Array.Fill(a.Data<bool>(), true); break;
            }
        }
        return StateOps.Const(a, name ?? "Fill");
    }

    /// <summary>y = x (TF: <c>tf.identity</c>).</summary>
    public static Tensor Identity(Tensor x, string? name = null) => StateOps.Identity(x, name);

    /// <summary>An op that does nothing but wait for <paramref name="inputs"/> (TF: <c>tf.group</c>).</summary>
    public static Operation Group(IEnumerable<Operation> inputs, string? name = null) => StateOps.NoOp(inputs, name ?? "group_deps");

    /// <summary>An op that does nothing (TF: <c>tf.no_op</c>).</summary>
    public static Operation NoOp(string? name = null) => StateOps.NoOp(null, name);

    /// <summary>Opens a name scope on the default graph (TF: <c>tf.name_scope</c>).</summary>
    public static IDisposable NameScope(string name) => Graph.Default.NameScope(name);

    /// <summary>
    /// Opens a variable scope (TF: <c>tf.compat.v1.variable_scope</c>): variables created inside are named
    /// <c>name/…</c>, ops get a name scope <c>name/</c> (uniquified, e.g. <c>name_1/</c>), <paramref name="initializer"/>
    /// becomes the default initializer, and <paramref name="reuse"/> = true returns existing variables.
    /// </summary>
    public static IDisposable VariableScope(string name, Initializer? initializer = null, bool? reuse = null) =>
        VariableScope(name, initializer, reuse == true ? VariableReuse.Reuse : VariableReuse.Inherit);

    /// <summary>Opens a variable scope with an explicit <see cref="VariableReuse"/> mode (e.g. TF's <c>tf.AUTO_REUSE</c>).</summary>
    public static IDisposable VariableScope(string name, Initializer? initializer, VariableReuse reuse)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return OpenVariableScope(name, initializer, reuse);
    }

    /// <summary>
    /// TF's <c>variable_scope(name, default_name=…)</c>: with a null <paramref name="name"/>, opens a uniquified
    /// <paramref name="defaultName"/> (<c>rnn</c>, <c>rnn_1</c>, …).
    /// </summary>
    internal static IDisposable VariableScopeWithDefault(string? name, string defaultName, Initializer? initializer = null, VariableReuse reuse = VariableReuse.Inherit)
    {
        if (name is not null) return OpenVariableScope(name, initializer, reuse);
        var stack = Graph.Default.Root.VariableScopes;
        return OpenVariableScope(stack.UniqueScopeName(defaultName), initializer, reuse);
    }

    /// <summary>
    /// Re-enters a variable scope captured earlier (TF: <c>variable_scope(captured_scope, reuse=True)</c>, as layers do
    /// on every call after the first): variables resolve under <paramref name="captured"/>'s full name whatever the
    /// current scope is.
    /// </summary>
    internal static IDisposable ReenterVariableScope(VariableScopeState captured, VariableReuse reuse)
    {
        var graph = Graph.Default;
        var stack = graph.Root.VariableScopes;
        string leaf = captured.Name[(captured.Name.LastIndexOf('/') + 1)..];
        var nameScope = graph.NameScope(leaf.Length > 0 ? leaf : null, out string ns);
        stack.Push(captured with { Reuse = reuse, NameScope = ns });
        stack.CloseSubscopes(captured.Name);
        int depth = stack.Depth;
        return Graph.MakeScope(() =>
        {
            stack.Pop(depth);
            nameScope.Dispose();
        });
    }

    /// <summary>The current variable scope (for cells that capture it on their first call).</summary>
    internal static VariableScopeState CurrentVariableScopeState => Graph.Default.Root.VariableScopes.Current;

    private static IDisposable OpenVariableScope(string name, Initializer? initializer, VariableReuse reuse)
    {
        var graph = Graph.Default;
        var stack = graph.Root.VariableScopes;
        var parent = stack.Current;
        string full = parent.Name.Length > 0 ? parent.Name + "/" + name : name;
        var effectiveReuse = parent.Reuse == VariableReuse.Reuse ? VariableReuse.Reuse
            : reuse == VariableReuse.Inherit ? parent.Reuse : reuse;
        var nameScope = graph.NameScope(name, out string ns);
        stack.Push(new VariableScopeState(full, effectiveReuse, initializer ?? parent.Initializer, ns));
        stack.MarkOpened(full);
        stack.CloseSubscopes(full);
        int depth = stack.Depth;
        return Graph.MakeScope(() =>
        {
            stack.Pop(depth);
            nameScope.Dispose();
        });
    }

    /// <summary>The full name of the current variable scope (TF: <c>tf.get_variable_scope().name</c>).</summary>
    public static string CurrentVariableScope => Graph.Default.Root.VariableScopes.Current.Name;

    /// <summary>
    /// Gets an existing variable or creates a new one under the current variable scope (TF:
    /// <c>tf.compat.v1.get_variable</c>). Without an initializer, the scope's default is used, else Glorot uniform
    /// for floating dtypes and zeros otherwise. Variables always live in the outermost graph, even when requested
    /// while a loop body is being built.
    /// </summary>
    /// <exception cref="ArgumentException">The variable exists and reuse is off, does not exist and reuse is on, or
    /// exists with another shape or dtype.</exception>
    public static Variable GetVariable(string name, Recur.Shape shape, DType dtype = DType.Float32, Initializer? initializer = null, bool trainable = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var root = Graph.Default.Root;
        var scope = root.VariableScopes.Current;
        string full = scope.Name.Length > 0 ? scope.Name + "/" + name : name;
        if (root.TryGetVariable(full, out var existing))
        {
            if (scope.Reuse == VariableReuse.Inherit)
                throw new ArgumentException(
                    $"Variable {full} already exists, disallowed. Did you mean to set reuse=true or VariableReuse.AutoReuse in the variable scope?", nameof(name));
            if (!existing.Shape.IsCompatibleWith(shape))
                throw new ArgumentException($"Trying to share variable {full}, but specified shape {shape} and found shape {existing.Shape}.", nameof(shape));
            if (existing.DType != dtype)
                throw new ArgumentException($"Trying to share variable {full}, but specified dtype {dtype} and found dtype {existing.DType}.", nameof(dtype));
            return existing;
        }
        if (scope.Reuse == VariableReuse.Reuse)
            throw new ArgumentException(
                $"Variable {full} does not exist, or was not created with Tf.GetVariable(). Did you mean to set VariableReuse.AutoReuse in the variable scope?", nameof(name));
        var init = initializer ?? scope.Initializer ?? (dtype.IsFloating() ? Initializers.GlorotUniform() : Initializers.Zeros());
        return StateOps.CreateVariable(root, full, shape, dtype, init, trainable);
    }

    /// <summary>Looks up an existing variable by full name on the default graph.</summary>
    /// <exception cref="KeyNotFoundException">No such variable (the message names close matches).</exception>
    public static Variable GetVariable(string name) => Graph.Default.GetVariable(name);

    /// <summary>Assigns <paramref name="value"/> to <paramref name="variable"/> when run (TF: <c>tf.assign</c>).</summary>
    public static Tensor Assign(Variable variable, Tensor value, string? name = null) => StateOps.Assign(variable, value, name);

    /// <summary>An op that initializes every variable of the default graph (TF: <c>tf.global_variables_initializer</c>).</summary>
    public static Operation GlobalVariablesInitializer() => VariablesInitializer(Graph.Default.Root.Variables, "init");

    /// <summary>An op that initializes the given variables (TF: <c>tf.variables_initializer</c>).</summary>
    public static Operation VariablesInitializer(IEnumerable<Variable> variables, string name = "init")
    {
        ArgumentNullException.ThrowIfNull(variables);
        var g = Graph.Default;
        if (g.Outer is not null)
            throw new InvalidOperationException("Tf.GlobalVariablesInitializer: cannot be built inside a loop body or other function graph.");
        return StateOps.NoOp(variables.Select(v => v.InitializerOp), name);
    }
}
