namespace Recur;

/// <summary>
/// Everything the While kernel (and later its gradient) needs: the condition and body function graphs, their
/// formal arguments, their results and the outer tensors they capture.
/// </summary>
internal sealed class WhileInfo
{
    public required Graph CondGraph { get; init; }
    public required Graph BodyGraph { get; init; }
    public required Tensor[] CondArgs { get; init; }
    public required Tensor[] BodyArgs { get; init; }
    public required Tensor CondResult { get; init; }
    public required Tensor[] BodyResults { get; init; }
    public required Tensor[] CondCaptures { get; init; }
    public required Tensor[] BodyCaptures { get; init; }
    public required Shape[] Invariants { get; init; }
    public required bool HasMaximumIterations { get; init; }

    public int LoopVarCount => BodyArgs.Length;

    /// <summary>
    /// Body tensors whose per-iteration values the gradient needs. Filled while gradients are built; when the op's
    /// tape output is read, the kernel records these values at every iteration.
    /// </summary>
    public List<Tensor> SavedTensors { get; } = new();

    public readonly Lock SavedLock = new();
}

/// <summary>The per-iteration values a forward While recorded for its gradient: iteration → saved tensor → value.</summary>
internal sealed class WhileTape(List<NDArray[]> iterations, Tensor[] saved)
{
    public List<NDArray[]> Iterations { get; } = iterations;
    public Tensor[] Saved { get; } = saved;
}

/// <summary>
/// The functional While op (TF2's <c>While</c> / while_v2): the condition and the body are function graphs built
/// once; the kernel runs them as many times as the data needs. Loop variables may be any nest of tensors and
/// tensor arrays; tensors from enclosing graphs used inside are captured as extra inputs.
/// </summary>
internal static class WhileOp
{
    public static IReadOnlyList<Tensor> Build(Func<IReadOnlyList<Tensor>, Tensor> cond,
        Func<IReadOnlyList<Tensor>, IReadOnlyList<Tensor>> body, IReadOnlyList<Tensor> loopVars,
        Tensor? maximumIterations, IReadOnlyList<Shape>? shapeInvariants, string? name)
    {
        var (outputs, _) = BuildCore(
            args => cond(args),
            args => (body(args), null),
            loopVars, maximumIterations, shapeInvariants, name);
        return outputs;
    }

    /// <summary>
    /// Builds the loop over flat loop variables. <paramref name="body"/> returns the flat results and optionally the
    /// nest they came from (so tensor arrays keep the element shapes inferred in the body).
    /// </summary>
    public static (Tensor[] Outputs, object? BodyStructure) BuildCore(Func<Tensor[], Tensor> cond,
        Func<Tensor[], (IReadOnlyList<Tensor> Results, object? Structure)> body, IReadOnlyList<Tensor> loopVars,
        Tensor? maximumIterations, IReadOnlyList<Shape>? shapeInvariants, string? name)
    {
        ArgumentNullException.ThrowIfNull(cond);
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(loopVars);
        if (loopVars.Count == 0)
            throw new ArgumentException("Tf.WhileLoop: no loop variables were given; a loop needs at least one.", nameof(loopVars));
        if (shapeInvariants is not null && shapeInvariants.Count != loopVars.Count)
            throw new ArgumentException($"Tf.WhileLoop: {shapeInvariants.Count} shape invariants were given for {loopVars.Count} loop variables.", nameof(shapeInvariants));
        var outer = Graph.Default;
        var vars = new Tensor[loopVars.Count];
        for (int i = 0; i < vars.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(loopVars[i], nameof(loopVars));
            vars[i] = outer.Resolve(loopVars[i], "While", name);
        }
        if (maximumIterations is not null)
        {
            if (!maximumIterations.DType.IsInteger() || (maximumIterations.Shape.IsRankKnown && maximumIterations.Rank != 0))
                throw new ArgumentException($"Tf.WhileLoop: maximumIterations must be an int32 or int64 scalar, but got dtype {maximumIterations.DType} shape {maximumIterations.Shape}.", nameof(maximumIterations));
            maximumIterations = outer.Resolve(maximumIterations, "While", name);
        }
        var invariants = new Shape[vars.Length];
        for (int i = 0; i < vars.Length; i++)
        {
            invariants[i] = shapeInvariants?[i] ?? vars[i].Shape;
            if (!vars[i].Shape.IsCompatibleWith(invariants[i]))
                throw new ArgumentException($"Tf.WhileLoop: loop variable {i} has shape {vars[i].Shape}, which is not compatible with its shape invariant {invariants[i]}.", nameof(shapeInvariants));
        }

        string loopName = outer.UniqueName(name ?? "while", markAsUsed: true);
        var condGraph = new Graph(outer, loopName + "_cond");
        var condArgs = MakeArgs(condGraph, vars, invariants);
        Tensor condResult;
        using (condGraph.AsDefault())
        using (condGraph.NameScope(loopName + "/cond/"))
        {
            condResult = cond(condArgs) ?? throw new ArgumentException("Tf.WhileLoop: the condition returned null.", nameof(cond));
            condResult = InGraph(condGraph, condResult);
        }
        if (condResult.DType != DType.Bool || (condResult.Shape.IsRankKnown && condResult.Rank != 0))
            throw new ArgumentException($"Tf.WhileLoop: the condition must return a scalar bool, but returned dtype {condResult.DType} shape {condResult.Shape}.", nameof(cond));

        var bodyGraph = new Graph(outer, loopName + "_body");
        var bodyArgs = MakeArgs(bodyGraph, vars, invariants);
        Tensor[] results;
        object? structure;
        using (bodyGraph.AsDefault())
        using (bodyGraph.NameScope(loopName + "/body/"))
        {
            var (r, s) = body(bodyArgs);
            structure = s;
            if (r is null) throw new ArgumentException("Tf.WhileLoop: the body returned null.", nameof(body));
            if (r.Count != vars.Length)
                throw new ArgumentException($"Tf.WhileLoop: the body returned {r.Count} values for {vars.Length} loop variables; it must return one per loop variable.", nameof(body));
            results = new Tensor[r.Count];
            for (int i = 0; i < results.Length; i++) results[i] = InGraph(bodyGraph, r[i]);
        }
        for (int i = 0; i < results.Length; i++)
        {
            if (results[i].DType != vars[i].DType)
                throw new ArgumentException($"Tf.WhileLoop: loop variable {i} enters the loop with dtype {vars[i].DType} but the body returns dtype {results[i].DType}.", nameof(body));
            if (!results[i].Shape.IsCompatibleWith(invariants[i]) || (invariants[i].IsRankKnown && !results[i].Shape.IsRankKnown))
                throw new ArgumentException(
                    $"Tf.WhileLoop: loop variable {i} ('{vars[i].Name}') enters the loop with shape {invariants[i]}, but has shape {results[i].Shape} after one iteration. " +
                    "To allow the shape to vary across iterations, pass shapeInvariants with a less specific shape (-1 for dimensions that change).", nameof(body));
        }

        var condCaptures = condGraph.Captures.Select(c => c.Outer).ToArray();
        var bodyCaptures = bodyGraph.Captures.Select(c => c.Outer).ToArray();
        var inputs = new List<Tensor>(vars);
        inputs.AddRange(condCaptures);
        inputs.AddRange(bodyCaptures);
        if (maximumIterations is not null) inputs.Add(maximumIterations);
        var info = new WhileInfo
        {
            CondGraph = condGraph,
            BodyGraph = bodyGraph,
            CondArgs = condArgs,
            BodyArgs = bodyArgs,
            CondResult = condResult,
            BodyResults = results,
            CondCaptures = condGraph.Captures.Select(c => c.Inner).ToArray(),
            BodyCaptures = bodyGraph.Captures.Select(c => c.Inner).ToArray(),
            Invariants = invariants,
            HasMaximumIterations = maximumIterations is not null,
        };
        var outputs = vars.Select((v, i) => (v.DType, invariants[i])).Append((DType.Variant, Shape.Scalar)).ToArray();
        var op = outer.AddOperation("While", loopName, inputs, outputs,
            new Dictionary<string, object?> { ["info"] = info }, exactName: true);
        return (op.Outputs.Take(vars.Length).ToArray(), structure);
    }

    private static Tensor[] MakeArgs(Graph g, Tensor[] vars, Shape[] invariants)
    {
        var args = new Tensor[vars.Length];
        for (int i = 0; i < vars.Length; i++) args[i] = StateOps.Arg(g, i, vars[i].DType, invariants[i], "arg" + i);
        return args;
    }

    /// <summary>A function's result must be a tensor of the function graph: outer tensors are captured through Identity.</summary>
    private static Tensor InGraph(Graph g, Tensor t)
    {
        ArgumentNullException.ThrowIfNull(t);
        return t.Graph == g ? t : StateOps.Identity(g.Resolve(t, "While", null), null);
    }

    [OpKernel("While")]
    private static void WhileKernel(OpContext ctx)
    {
        var info = ctx.Attr<WhileInfo>("info");
        int n = info.LoopVarCount;
        int nc = info.CondCaptures.Length, nb = info.BodyCaptures.Length;
        long max = long.MaxValue;
        if (info.HasMaximumIterations)
        {
            var m = ctx.Input(n + nc + nb);
            max = m.DType == DType.Int32 ? m.GetScalar<int>() : m.GetScalar<long>();
            if (max < 0) ctx.FailArgument($"maximumIterations must be non-negative, but was fed {max}.");
        }
        var condFeeds = info.CondArgs.Concat(info.CondCaptures).ToArray();
        var bodyFeeds = info.BodyArgs.Concat(info.BodyCaptures).ToArray();
        bool record = ctx.IsOutputNeeded(n);
        Tensor[] saved;
        lock (info.SavedLock) saved = record ? info.SavedTensors.ToArray() : Array.Empty<Tensor>();
        var condPlan = Executor.GetPlan(info.CondGraph, new[] { info.CondResult }, Array.Empty<Operation>(), condFeeds);
        var bodyPlan = Executor.GetPlan(info.BodyGraph, info.BodyResults.Concat(saved).ToArray(), Array.Empty<Operation>(), bodyFeeds);
        var condValues = new NDArray[n + nc];
        var bodyValues = new NDArray[n + nb];
        for (int i = 0; i < nc; i++) condValues[n + i] = ctx.Input(n + i);
        for (int i = 0; i < nb; i++) bodyValues[n + i] = ctx.Input(n + nc + i);
        var values = new NDArray[n];
        for (int i = 0; i < n; i++) values[i] = ctx.Input(i);
        var tape = new List<NDArray[]>();
        // Buffers reused by every iteration; the condition and body reuse their plans' frames too.
        var condResult = new NDArray[1];
        var next = new NDArray[n + saved.Length];
        for (long iter = 0; iter < max; iter++)
        {
            Array.Copy(values, condValues, n);
            Executor.Run(condPlan, condValues, ctx.Run, condResult);
            if (!condResult[0].GetScalar<bool>()) break;
            Array.Copy(values, bodyValues, n);
            Executor.Run(bodyPlan, bodyValues, ctx.Run, next);
            for (int i = 0; i < n; i++)
            {
                if (!next[i].Shape.IsCompatibleWith(info.Invariants[i]))
                    ctx.Fail($"loop variable {i} has shape {next[i].Shape} after iteration {iter + 1}, which is not compatible with its shape invariant {info.Invariants[i]}.");
            }
            if (record) tape.Add(next.AsSpan(n).ToArray());
            Array.Copy(next, values, n);
        }
        ctx.SetOutput(n, NDArray.Variant(new WhileTape(tape, saved)));
        for (int i = 0; i < n; i++) ctx.SetOutput(i, values[i]);
    }
}

public static partial class Tf
{
    /// <summary>
    /// Repeats <paramref name="body"/> while <paramref name="cond"/> is true (TF: <c>tf.while_loop</c>, functional
    /// while_v2). The condition and body are built once, as function graphs; the loop runs as many times as the data
    /// needs. Tensors from outside used inside are captured. With <paramref name="maximumIterations"/> the loop stops
    /// after at most that many iterations.
    /// </summary>
    /// <param name="cond">Loop variables → scalar bool tensor.</param>
    /// <param name="body">Loop variables → new loop variables (same count, dtypes and compatible shapes).</param>
    /// <param name="loopVars">Initial values.</param>
    /// <param name="maximumIterations">Optional int32/int64 scalar tensor bounding the number of iterations.</param>
    /// <param name="shapeInvariants">Optional per-variable shapes (use -1 for dimensions that change across iterations).</param>
    /// <param name="name">Op name (default <c>while</c>).</param>
    /// <returns>The loop variables after the last iteration.</returns>
    /// <exception cref="ArgumentException">The body changes a variable's dtype or its shape beyond the invariant, the
    /// condition is not a scalar bool, or the counts differ.</exception>
    /// <example><code>var (i, acc) = Tf.WhileLoop(v => v.Item1 &lt; n, v => (v.Item1 + 1, v.Item2 * 2.0), (Tf.Constant(0), Tf.Constant(1.0)));</code></example>
    public static IReadOnlyList<Tensor> WhileLoop(Func<IReadOnlyList<Tensor>, Tensor> cond,
        Func<IReadOnlyList<Tensor>, IReadOnlyList<Tensor>> body, IReadOnlyList<Tensor> loopVars,
        Tensor? maximumIterations = null, IReadOnlyList<Recur.Shape>? shapeInvariants = null, string? name = null) =>
        WhileOp.Build(cond, body, loopVars, maximumIterations, shapeInvariants, name);

    /// <summary>
    /// <see cref="WhileLoop(Func{IReadOnlyList{Tensor}, Tensor}, Func{IReadOnlyList{Tensor}, IReadOnlyList{Tensor}}, IReadOnlyList{Tensor}, Tensor?, IReadOnlyList{Recur.Shape}?, string?)"/>
    /// over any nest of loop variables: value tuples, arrays, lists, <see cref="TensorArray"/>s and
    /// <see cref="INestStructure"/> types (TF: loop_vars as a nested structure).
    /// </summary>
    /// <exception cref="ArgumentException">The body returns a different structure.</exception>
    public static T WhileLoop<T>(Func<T, Tensor> cond, Func<T, T> body, T loopVars, Tensor? maximumIterations = null,
        IReadOnlyList<Recur.Shape>? shapeInvariants = null, string? name = null) where T : notnull
    {
        ArgumentNullException.ThrowIfNull(cond);
        ArgumentNullException.ThrowIfNull(body);
        var flat = Nest.Flatten(loopVars);
        var (outputs, structure) = WhileOp.BuildCore(
            args => cond(Nest.PackSequenceAs(loopVars, args)),
            args =>
            {
                var result = body(Nest.PackSequenceAs(loopVars, args));
                Nest.AssertSameStructure(loopVars, result, "Tf.WhileLoop");
                return (Nest.Flatten(result), result);
            },
            flat, maximumIterations, shapeInvariants, name);
        return Nest.PackSequenceAs((T)structure!, outputs);
    }
}
