namespace Recur;

/// <summary>What <see cref="Tf.Gradients(IReadOnlyList{Tensor}, IReadOnlyList{Tensor}, IReadOnlyList{Tensor?}?, UnconnectedGradients)"/>
/// returns for an x that no y depends on (TF: <c>tf.UnconnectedGradients</c>).</summary>
public enum UnconnectedGradients
{
    /// <summary>null (TF's <c>None</c>).</summary>
    None,
    /// <summary>Zeros shaped like x.</summary>
    Zero,
}

/// <summary>
/// The symbolic gradient builder (TF1's <c>gradients_impl</c>): gradient ops are added to the graph, summed over all
/// paths, in one reverse pass over the ops between xs and ys. Creation order is topological, so visiting ops by
/// descending creation index sees every consumer before its producer: no recursion, no pending counts.
/// </summary>
internal static class GradientBuilder
{
    public static Tensor?[] Build(IReadOnlyList<Tensor> ys, IReadOnlyList<Tensor> xs, IReadOnlyList<Tensor?>? gradYs, UnconnectedGradients unconnected)
        => Build(ys, xs, gradYs, unconnected, null);

    /// <summary>
    /// Builds the gradient ops in <paramref name="target"/> (default: the ys' graph). A loop-gradient graph passes itself
    /// as the target: the forward graph is only read, and forward tensors are mapped in through its resolver.
    /// </summary>
    public static Tensor?[] Build(IReadOnlyList<Tensor> ys, IReadOnlyList<Tensor> xs, IReadOnlyList<Tensor?>? gradYs, UnconnectedGradients unconnected, Graph? target)
    {
        ArgumentNullException.ThrowIfNull(ys);
        ArgumentNullException.ThrowIfNull(xs);
        if (ys.Count == 0) throw new ArgumentException("Tf.Gradients: ys must not be empty.", nameof(ys));
        if (gradYs is not null && gradYs.Count != ys.Count)
            throw new ArgumentException($"Tf.Gradients: {gradYs.Count} gradYs were given for {ys.Count} ys.", nameof(gradYs));
        var graph = ys[0].Graph;
        foreach (var t in ys.Concat(xs))
        {
            ArgumentNullException.ThrowIfNull(t);
            if (t.Graph != graph)
                throw new ArgumentException($"Tf.Gradients: tensor '{t.Name}' belongs to a different graph than ys[0] '{ys[0].Name}'.");
        }
        var build = target ?? graph;
        using (build.AsDefault())
        using (build.NameScope(target is null ? "gradients" : null))
        {
            return BuildCore(graph, build, ys, xs, gradYs, unconnected);
        }
    }

    private static Tensor?[] BuildCore(Graph graph, Graph build, IReadOnlyList<Tensor> ys, IReadOnlyList<Tensor> xs, IReadOnlyList<Tensor?>? gradYs, UnconnectedGradients unconnected)
    {
        // Consumers of every tensor (one scan of the graph).
        var ops = graph.Operations;
        var consumers = new Dictionary<Tensor, List<Operation>>();
        foreach (var op in ops)
        {
            foreach (var input in op.InputArray)
            {
                if (!consumers.TryGetValue(input, out var list)) consumers[input] = list = new List<Operation>();
                list.Add(op);
            }
        }
        // Forward from xs.
        var reachable = new HashSet<Operation>();
        var stack = new Stack<Operation>();
        foreach (var x in xs)
        {
            if (consumers.TryGetValue(x, out var cs))
                foreach (var c in cs) if (reachable.Add(c)) stack.Push(c);
        }
        while (stack.Count > 0)
        {
            var op = stack.Pop();
            foreach (var o in op.Outputs)
            {
                if (consumers.TryGetValue(o, out var cs))
                    foreach (var c in cs) if (reachable.Add(c)) stack.Push(c);
            }
        }
        // Backward from ys, restricted to what xs reach.
        var between = new HashSet<Operation>();
        foreach (var y in ys)
        {
            if (reachable.Contains(y.Op) && between.Add(y.Op)) stack.Push(y.Op);
        }
        while (stack.Count > 0)
        {
            var op = stack.Pop();
            foreach (var input in op.InputArray)
            {
                if (reachable.Contains(input.Op) && between.Add(input.Op)) stack.Push(input.Op);
            }
        }

        var grads = new Dictionary<Tensor, List<Tensor>>();
        void Add(Tensor t, Tensor g)
        {
            if (!grads.TryGetValue(t, out var l)) grads[t] = l = new List<Tensor>();
            l.Add(g);
        }
        for (int i = 0; i < ys.Count; i++)
        {
            var y = ys[i];
            var gy = gradYs?[i];
            if (gy is not null)
            {
                if (build == graph && gy.Graph != graph)
                    throw new ArgumentException($"Tf.Gradients: gradYs[{i}] belongs to a different graph than ys.", nameof(gradYs));
                if (gy.DType != y.DType)
                    throw new ArgumentException($"Tf.Gradients: gradYs[{i}] has dtype {gy.DType}, but ys[{i}] '{y.Name}' has dtype {y.DType}.", nameof(gradYs));
                if (!gy.Shape.IsCompatibleWith(y.Shape))
                    throw new ArgumentException($"Tf.Gradients: gradYs[{i}] has shape {gy.Shape}, but ys[{i}] '{y.Name}' has shape {y.Shape}.", nameof(gradYs));
            }
            if (!IsDifferentiable(y.DType)) continue;
            Add(y, gy ?? Tf.OnesLike(y, name: "grad_ys_" + i));
        }

        var order = between.ToArray();
        Array.Sort(order, (a, b) => b.Id.CompareTo(a.Id));
        foreach (var op in order)
        {
            var outGrads = new Tensor?[op.Outputs.Count];
            bool any = false;
            for (int k = 0; k < outGrads.Length; k++)
            {
                if (grads.TryGetValue(op.Outputs[k], out var l))
                {
                    outGrads[k] = Sum(l);
                    grads[op.Outputs[k]] = new List<Tensor> { outGrads[k]! };
                    any = true;
                }
            }
            if (!any) continue;
            var fn = op.Def.Gradient;
            if (fn is null)
            {
                if (op.InputArray.All(i => !IsDifferentiable(i.DType))) continue;
                if (op.Type == "StopGradient") continue;
                throw new InvalidOperationException($"Tf.Gradients: no gradient defined for operation '{op.Name}' (op type: {op.Type}).");
            }
            Tensor?[] inGrads;
            using (build.NameScope(op.Name.Replace('/', '_') + "_grad"))
                inGrads = fn(op, outGrads);
            if (inGrads.Length != op.InputArray.Length)
                throw new InvalidOperationException($"Tf.Gradients: the gradient of '{op.Name}' ({op.Type}) returned {inGrads.Length} values for {op.InputArray.Length} inputs.");
            for (int j = 0; j < inGrads.Length; j++)
            {
                var g = inGrads[j];
                var input = op.InputArray[j];
                if (g is null || !IsDifferentiable(input.DType) || !reachable.Contains(input.Op) && !xs.Contains(input)) continue;
                Add(input, g);
            }
        }

        var result = new Tensor?[xs.Count];
        for (int i = 0; i < xs.Count; i++)
        {
            if (grads.TryGetValue(xs[i], out var l)) result[i] = Sum(l);
            else if (unconnected == UnconnectedGradients.Zero) result[i] = Tf.ZerosLike(xs[i]);
        }
        return result;
    }

    /// <summary>Float tensors and list handles carry gradients; integers and bools do not.</summary>
    internal static bool IsDifferentiable(DType dtype) => dtype.IsFloating() || dtype == DType.Variant;

    /// <summary>Sums the gradient contributions of one tensor (TF's <c>_AggregatedGrads</c>).</summary>
    internal static Tensor Sum(List<Tensor> grads)
    {
        if (grads.Count == 1) return grads[0];
        if (grads[0].DType == DType.Variant) return TensorListGrads.AddLists(grads);
        return Tf.AddN(grads);
    }
}

public static partial class Tf
{
    /// <summary>
    /// The symbolic derivative of <paramref name="y"/> with respect to each of <paramref name="xs"/> (TF:
    /// <c>tf.gradients(y, xs, grad_ys)</c>): gradient ops are added to the graph; run them with a <see cref="Session"/>.
    /// </summary>
    /// <param name="y">A floating-point tensor; without <paramref name="gradY"/> its gradient is ones (so a non-scalar y is summed).</param>
    /// <param name="xs">The tensors to differentiate with respect to (placeholders, variables' values, any tensor).</param>
    /// <param name="gradY">The incoming gradient of y (TF's grad_ys).</param>
    /// <returns>One gradient per x, shaped like x; null where y does not depend on x (TF's None).</returns>
    /// <exception cref="InvalidOperationException">An op on the path has no gradient.</exception>
    /// <example><code>var loss = Tf.ReduceSum(Tf.Square(y - target));
    /// var grads = Tf.Gradients(loss, new Tensor[] { w, b });</code></example>
    public static Tensor?[] Gradients(Tensor y, IReadOnlyList<Tensor> xs, Tensor? gradY = null) =>
        GradientBuilder.Build(new[] { y }, xs, new[] { gradY }, UnconnectedGradients.None);

    /// <summary>
    /// The sum over <paramref name="ys"/> of their derivatives with respect to each of <paramref name="xs"/> (TF:
    /// <c>tf.gradients(ys, xs, grad_ys)</c>); null where unconnected (TF's None).
    /// </summary>
    public static Tensor?[] Gradients(IReadOnlyList<Tensor> ys, IReadOnlyList<Tensor> xs, IReadOnlyList<Tensor?>? gradYs = null) =>
        GradientBuilder.Build(ys, xs, gradYs, UnconnectedGradients.None);

    /// <summary>As <see cref="Gradients(IReadOnlyList{Tensor}, IReadOnlyList{Tensor}, IReadOnlyList{Tensor?}?)"/>, with zeros for unconnected xs on request (TF: <c>unconnected_gradients</c>).</summary>
    public static Tensor?[] Gradients(IReadOnlyList<Tensor> ys, IReadOnlyList<Tensor> xs, IReadOnlyList<Tensor?>? gradYs, UnconnectedGradients unconnected) =>
        GradientBuilder.Build(ys, xs, gradYs, unconnected);

    /// <summary>y = x in the forward pass; no gradient flows back through it (TF: <c>tf.stop_gradient</c>).</summary>
    public static Tensor StopGradient(Tensor x, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        return Graph.Default.AddOperation("StopGradient", name ?? "StopGradient", new[] { x }, new[] { (x.DType, x.Shape) }).Outputs[0];
    }
}

internal static class StopGradientOp
{
    [OpKernel("StopGradient")]
    private static void Kernel(OpContext ctx) => ctx.SetOutput(0, ctx.Input(0));
}
