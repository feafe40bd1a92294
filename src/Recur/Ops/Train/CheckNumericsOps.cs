using System.Numerics;
using System.Numerics.Tensors;

namespace Recur;

/// <summary>
/// The numerics guard (TF: <c>tf.debugging.check_numerics</c>, <c>tf.compat.v1.add_check_numerics_ops</c>): the
/// <c>CheckNumerics</c> op passes its input through and fails the run on the first NaN or infinity; the session
/// option <see cref="Session.CheckNumerics"/> does the same check on every floating-point output the executor
/// produces.
/// </summary>
internal static class CheckNumericsOps
{
    // ---- CheckNumerics: y = x, failing on NaN/Inf.  dx = dy.
    public static Tensor Build(Tensor x, string message, string? name)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(message);
        if (!x.DType.IsFloating())
            throw new ArgumentException($"Tf.CheckNumerics: tensor '{x.Name}' has dtype {x.DType}; only Float32 and Float64 can hold NaN or Inf.", nameof(x));
        return Graph.Default.AddOperation("CheckNumerics", name ?? "CheckNumerics", new[] { x }, new[] { (x.DType, x.Shape) },
            new Dictionary<string, object?> { ["message"] = message }).Outputs[0];
    }

    [OpKernel("CheckNumerics")]
    private static void Kernel(OpContext ctx)
    {
        var x = ctx.Input(0);
        if (FindNonFinite(x) is { } bad)
            ctx.Fail($"{ctx.Attr<string>("message")} : Tensor had {bad.Kind} values (first at flat index {bad.Index} of shape {x.Shape}).");
        ctx.SetOutput(0, x);
    }

    /// <summary>dx = dy (TF: CheckNumerics' gradient checks dy too; Recur passes it through).</summary>
    [OpGradient("CheckNumerics")]
    private static Tensor?[] Grad(Operation op, IReadOnlyList<Tensor?> dy) => new[] { dy[0] };

    /// <summary>Adds a check after every floating-point output of the root graph's eligible ops and groups them.</summary>
    public static Operation AddAll(Graph graph)
    {
        var root = graph.Root;
        if (graph != root)
            throw new InvalidOperationException("Tf.AddCheckNumericsOps: cannot be built inside a loop body or other function graph.");
        var initScopes = root.Variables.Select(v => v.Name + "/Initializer/").ToList();
        var initOps = new HashSet<Operation>(root.Variables.Select(v => v.InitializerOp));
        var ops = root.Operations.ToList();
        var checks = new List<Operation>();
        using (root.AsDefault())
        using (root.NameScope("check_numerics"))
        {
            foreach (var op in ops)
            {
                if (op.Def.Stateful || op.Type is "Placeholder" or "CheckNumerics" || initOps.Contains(op)) continue;
                if (initScopes.Any(s => op.Name.StartsWith(s, StringComparison.Ordinal))) continue;
                for (int k = 0; k < op.Outputs.Count; k++)
                {
                    var t = op.Outputs[k];
                    if (!t.DType.IsFloating()) continue;
                    checks.Add(Build(t, $"{op.Name}:{k}", "CheckNumerics").Op);
                }
            }
            return StateOps.NoOp(checks, "check_numerics_group");
        }
    }

    /// <summary>The executor's per-output check when <see cref="Session.CheckNumerics"/> is on.</summary>
    public static void CheckOutputs(Operation op, NDArray?[] outputs)
    {
        for (int k = 0; k < outputs.Length; k++)
        {
            if (outputs[k] is not { } v || !v.DType.IsFloating()) continue;
            if (FindNonFinite(v) is { } bad)
                throw new InvalidOperationException(
                    $"Session.Run (CheckNumerics): {op.Type} '{op.Name}' produced {bad.Kind} in output {k} (first at flat index {bad.Index} of shape {v.Shape}).");
        }
    }

    private static (string Kind, int Index)? FindNonFinite(NDArray x) => x.DType switch
    {
        DType.Float32 => Find(x.Data<float>()),
        DType.Float64 => Find(x.Data<double>()),
        _ => null,
    };

    private static (string Kind, int Index)? Find<T>(T[] data) where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Fast path: a finite sum means every element is finite (a large finite sum may overflow; the scan decides).
        if (T.IsFinite(TensorPrimitives.Sum<T>(data))) return null;
        for (int i = 0; i < data.Length; i++)
        {
            if (T.IsNaN(data[i])) return ("NaN", i);
            if (T.IsInfinity(data[i])) return ("Inf", i);
        }
        return null;
    }
}

public static partial class Tf
{
    /// <summary>
    /// Passes <paramref name="x"/> through, failing the run if it holds a NaN or an infinity (TF:
    /// <c>tf.debugging.check_numerics</c>). Gradient: identity.
    /// </summary>
    /// <param name="x">Any shape; Float32 or Float64.</param>
    /// <param name="message">Put first in the error, e.g. where the tensor comes from.</param>
    /// <param name="name">Op name (default <c>CheckNumerics</c>).</param>
    /// <returns>x, unchanged.</returns>
    /// <exception cref="ArgumentException">x is not floating point (at build time).</exception>
    /// <exception cref="InvalidOperationException">From <see cref="Session.Run(Tensor, FeedDict?)"/>: x holds a NaN or an
    /// infinity; the message names the op, <paramref name="message"/>, the kind (NaN or Inf) and the first index.</exception>
    /// <example><code>var logits = Tf.CheckNumerics(Tf.MatMul(h, w), "logits");</code></example>
    public static Tensor CheckNumerics(Tensor x, string message, string? name = null) => CheckNumericsOps.Build(x, message, name);

    /// <summary>
    /// Adds a <see cref="CheckNumerics"/> op after every Float32/Float64 output of every op of the default graph and
    /// returns a group of them (TF: <c>tf.compat.v1.add_check_numerics_ops</c>); each check's message is
    /// <c>op_name:output_index</c>, as in TF. Checks run in creation order, which is topological, so the error names
    /// the first op that produced a NaN or infinity.
    /// </summary>
    /// <remarks>
    /// Skipped: placeholders (a fed NaN is reported by its first consumer; checking them would force every
    /// placeholder to be fed), stateful ops (variable reads and assignments, optimizer updates, random ops — TF skips
    /// the reference-typed outputs of the first three) and variable initializers (running them would re-initialize
    /// variables). Ops added later are not checked; build this op last. Run it together with the training op, with
    /// the same feeds: <c>sess.Run(new Tensor[0], new[] { train, check }, feeds)</c>. The cheaper alternative that
    /// stops a run at the failing op before later ops (and updates) run is <see cref="Session.CheckNumerics"/>.
    /// </remarks>
    /// <returns>A NoOp depending on every check.</returns>
    /// <exception cref="InvalidOperationException">The default graph is a loop body or other function graph.</exception>
    public static Operation AddCheckNumericsOps() => CheckNumericsOps.AddAll(Graph.Default);
}
