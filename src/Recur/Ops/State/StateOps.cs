namespace Recur;

/// <summary>
/// The ops every graph needs: Placeholder, Const, Identity, NoOp, VariableV2, Assign and Capture (the inputs a
/// function graph takes from its enclosing graph). Each op's builder, kernel and gradient live together.
/// </summary>
internal static class StateOps
{
    // ---- Placeholder: a value that must be fed. Gradient: none (it is a leaf).
    public static Tensor Placeholder(DType dtype, Shape shape, string? name)
    {
        if (dtype == DType.Variant)
            throw new ArgumentException("Tf.Placeholder: dtype Variant cannot be fed.", nameof(dtype));
        var g = Graph.Default;
        return g.AddOperation("Placeholder", name ?? "Placeholder", Array.Empty<Tensor>(), new[] { (dtype, shape) },
            new Dictionary<string, object?> { ["dtype"] = dtype, ["shape"] = shape }).Outputs[0];
    }

    [OpKernel("Placeholder")]
    private static void PlaceholderKernel(OpContext ctx)
    {
        var t = ctx.Op.Outputs[0];
        throw new InvalidOperationException(
            $"Session.Run: placeholder '{ctx.Op.Name}' (dtype {t.DType}, shape {t.Shape}) must be fed a value, but none was given in the FeedDict.");
    }

    // ---- Const: a value stored in the graph.
    public static Tensor Const(NDArray value, string? name)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.DType == DType.Variant)
            throw new ArgumentException("Tf.Constant: a variant value cannot be a constant.", nameof(value));
        return Graph.Default.AddOperation("Const", name ?? "Const", Array.Empty<Tensor>(), new[] { (value.DType, value.Shape) },
            new Dictionary<string, object?> { ["value"] = value, ["dtype"] = value.DType }).Outputs[0];
    }

    [OpKernel("Const")]
    private static void ConstKernel(OpContext ctx) => ctx.SetOutput(0, ctx.Attr<NDArray>("value"));

    // ---- Identity: y = x.  dx = dy.
    public static Tensor Identity(Tensor x, string? name)
    {
        ArgumentNullException.ThrowIfNull(x);
        return Graph.Default.AddOperation("Identity", name ?? "Identity", new[] { x }, new[] { (x.DType, x.Shape) }).Outputs[0];
    }

    [OpKernel("Identity")]
    private static void IdentityKernel(OpContext ctx) => ctx.SetOutput(0, ctx.Input(0));

    [OpGradient("Identity")]
    private static Tensor?[] IdentityGrad(Operation op, IReadOnlyList<Tensor?> dy) => new[] { dy[0] };

    // ---- NoOp: groups control dependencies.
    public static Operation NoOp(IEnumerable<Operation>? controlInputs, string? name) =>
        Graph.Default.AddOperation("NoOp", name ?? "NoOp", Array.Empty<Tensor>(), Array.Empty<(DType, Shape)>(), controlInputs: controlInputs);

    [OpKernel("NoOp")]
    private static void NoOpKernel(OpContext ctx) { _ = ctx; }

    // ---- VariableV2: reads the session's value of a variable.
    [OpKernel("VariableV2", Stateful = true)]
    private static void VariableKernel(OpContext ctx) => ctx.SetOutput(0, ctx.Run.Session.ReadVariable(ctx.Attr<Variable>("variable")));

    // ---- Assign: stores a new value and returns it.
    public static Tensor Assign(Variable v, Tensor value, string? name)
    {
        ArgumentNullException.ThrowIfNull(v);
        ArgumentNullException.ThrowIfNull(value);
        if (value.DType != v.DType)
            throw new ArgumentException($"Assign: variable '{v.Name}' has dtype {v.DType}, but the value has dtype {value.DType}.", nameof(value));
        if (!value.Shape.IsCompatibleWith(v.Shape))
            throw new ArgumentException($"Assign: variable '{v.Name}' has shape {v.Shape}, but the value has shape {value.Shape}.", nameof(value));
        var g = Graph.Default;
        if (g != v.Graph)
            throw new InvalidOperationException($"Assign: variable '{v.Name}' can only be assigned in its own graph, not inside a function graph.");
        return g.AddOperation("Assign", name ?? v.Name + "/Assign", new[] { value }, new[] { (v.DType, v.Shape) },
            new Dictionary<string, object?> { ["variable"] = v }).Outputs[0];
    }

    [OpKernel("Assign", Stateful = true)]
    private static void AssignKernel(OpContext ctx)
    {
        var v = ctx.Attr<Variable>("variable");
        var value = ctx.Input(0);
        ctx.Run.Session.StoreVariable(v, value, $"Assign '{ctx.Op.Name}'");
        ctx.SetOutput(0, value);
    }

    // ---- Capture: inside a function graph, the value of an enclosing graph's tensor (always fed by the caller).
    [OpKernel("Capture")]
    private static void CaptureKernel(OpContext ctx) =>
        ctx.Fail($"captured tensor '{ctx.Attr<string>("outer")}' was not supplied; function graphs run only inside their calling op.");

    // ---- Arg: a function graph's formal argument (loop variables); always fed by the calling op.
    public static Tensor Arg(Graph g, int index, DType dtype, Shape shape, string name) =>
        g.AddOperation("Arg", name, Array.Empty<Tensor>(), new[] { (dtype, shape) },
            new Dictionary<string, object?> { ["index"] = index }).Outputs[0];

    [OpKernel("Arg")]
    private static void ArgKernel(OpContext ctx) =>
        ctx.Fail("function argument was not supplied; function graphs run only inside their calling op.");

    /// <summary>Creates a variable in the root graph with its read op and initializer (TF's <c>get_variable</c> creation path).</summary>
    public static Variable CreateVariable(Graph root, string name, Shape shape, DType dtype, Initializer initializer, bool trainable)
    {
        if (!shape.IsFullyDefined)
            throw new ArgumentException($"Tf.GetVariable: the shape of new variable '{name}' must be fully defined, but got {shape}.", nameof(shape));
        if (dtype == DType.Variant)
            throw new ArgumentException($"Tf.GetVariable: variable '{name}' cannot have dtype Variant.", nameof(dtype));
        var v = new Variable(root, name, shape, dtype, initializer, trainable);
        using (root.AsDefault())
        {
            var read = root.AddOperation("VariableV2", name, Array.Empty<Tensor>(), new[] { (dtype, shape) },
                new Dictionary<string, object?> { ["variable"] = v, ["dtype"] = dtype, ["shape"] = shape }, exactName: true);
            v.Value = read.Outputs[0];
            Tensor init;
            using (root.NameScope(name + "/Initializer/"))
            {
                init = initializer.Build(shape, dtype);
            }
            if (init.DType != dtype || !init.Shape.IsCompatibleWith(shape))
                throw new InvalidOperationException($"Tf.GetVariable: initializer {initializer} produced dtype {init.DType} shape {init.Shape} for variable '{name}' of dtype {dtype} shape {shape}.");
            v.InitialValue = init;
            v.InitializerOp = root.AddOperation("Assign", name + "/Assign", new[] { init }, new[] { (dtype, shape) },
                new Dictionary<string, object?> { ["variable"] = v }, exactName: true);
        }
        root.RegisterVariable(v);
        return v;
    }
}
