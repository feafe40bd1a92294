namespace Recur;

public static partial class Tf
{
    /// <summary>
    /// Clips every element into [min, max] (TF: <c>tf.clip_by_value</c>): <c>maximum(minimum(t, max), min)</c>.
    /// Gradient: dy where min ≤ t ≤ max (ties pass the gradient), 0 elsewhere.
    /// </summary>
    /// <param name="t">Any shape; numeric.</param>
    /// <param name="clipValueMin">The lower bound.</param>
    /// <param name="clipValueMax">The upper bound (≥ min).</param>
    /// <param name="name">Name scope (default <c>clip_by_value</c>).</param>
    /// <returns>The shape and dtype of <paramref name="t"/>.</returns>
    /// <exception cref="ArgumentException">t is not numeric, or min &gt; max.</exception>
    /// <example><code>var g = Tf.ClipByValue(grad, -5, 5);</code></example>
    public static Tensor ClipByValue(Tensor t, double clipValueMin, double clipValueMax, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(t);
        if (!(clipValueMin <= clipValueMax))
            throw new ArgumentException($"Tf.ClipByValue: clipValueMin ({clipValueMin}) must be <= clipValueMax ({clipValueMax}).", nameof(clipValueMin));
        using var scope = NameScope(name ?? "clip_by_value");
        return Maximum(Minimum(t, ScalarLike(t, clipValueMax)), ScalarLike(t, clipValueMin), "clip_by_value");
    }

    /// <summary>
    /// Clips every element into [min, max] with tensor bounds (TF: <c>tf.clip_by_value(t, min_tensor, max_tensor)</c>);
    /// the bounds broadcast against t and must not widen its shape.
    /// </summary>
    /// <param name="t">Any shape; numeric.</param>
    /// <param name="clipValueMin">A scalar or a tensor broadcastable to t, t's dtype.</param>
    /// <param name="clipValueMax">A scalar or a tensor broadcastable to t, t's dtype.</param>
    /// <param name="name">Name scope (default <c>clip_by_value</c>).</param>
    /// <returns>The shape and dtype of <paramref name="t"/>.</returns>
    /// <exception cref="ArgumentException">Dtypes differ, or a bound does not broadcast to t's shape.</exception>
    public static Tensor ClipByValue(Tensor t, Tensor clipValueMin, Tensor clipValueMax, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(t);
        ArgumentNullException.ThrowIfNull(clipValueMin);
        ArgumentNullException.ThrowIfNull(clipValueMax);
        foreach (var b in new[] { clipValueMin, clipValueMax })
        {
            if (b.DType != t.DType)
                throw new ArgumentException($"Tf.ClipByValue: bound '{b.Name}' has dtype {b.DType}, but t has {t.DType}.", nameof(t));
            var s = ArrayUtil.BroadcastStatic(t.Shape, b.Shape);
            if (s is null || !s.Value.IsCompatibleWith(t.Shape))
                throw new ArgumentException($"Tf.ClipByValue: bound '{b.Name}' of shape {b.Shape} does not broadcast to t's shape {t.Shape}.", nameof(t));
        }
        using var scope = NameScope(name ?? "clip_by_value");
        return Maximum(Minimum(t, clipValueMax), clipValueMin, "clip_by_value");
    }

    /// <summary>
    /// Rescales <paramref name="t"/> so that its L2 norm (over <paramref name="axes"/>, default all) is at most
    /// <paramref name="clipNorm"/> (TF: <c>tf.clip_by_norm</c>): <c>t · clip_norm / max(‖t‖₂, clip_norm)</c>, with
    /// TF's safe norm (a zero tensor stays zero and has a finite gradient).
    /// </summary>
    /// <param name="t">Any shape; Float32 or Float64.</param>
    /// <param name="clipNorm">The maximum norm (&gt; 0).</param>
    /// <param name="axes">Axes of the norm (default: all, one norm for the whole tensor).</param>
    /// <param name="name">Name scope (default <c>clip_by_norm</c>).</param>
    /// <returns>The shape of <paramref name="t"/>.</returns>
    /// <exception cref="ArgumentException">t is not floating point, or clipNorm is not positive.</exception>
    public static Tensor ClipByNorm(Tensor t, double clipNorm, int[]? axes = null, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(t);
        CheckFloating("Tf.ClipByNorm", t);
        if (!(clipNorm > 0) || !double.IsFinite(clipNorm))
            throw new ArgumentException($"Tf.ClipByNorm: clipNorm must be positive and finite, but got {clipNorm}.", nameof(clipNorm));
        using var scope = NameScope(name ?? "clip_by_norm");
        var l2sum = ReduceSum(Multiply(t, t), axes, keepDims: true);
        var positive = Greater(l2sum, ScalarLike(l2sum, 0));
        var l2sumSafe = Where(positive, l2sum, OnesLike(l2sum));
        var l2norm = Where(positive, Sqrt(l2sumSafe), l2sum);
        var clip = ScalarLike(t, clipNorm);
        return Identity(Divide(Multiply(t, clip), Maximum(l2norm, clip)), "clip_by_norm");
    }

    /// <summary>
    /// The global L2 norm of several tensors (TF: <c>tf.linalg.global_norm</c>):
    /// <c>√(Σ_i ‖t_i‖₂²)</c>; null entries are ignored.
    /// </summary>
    /// <param name="tList">Float32 or Float64 tensors of any shapes (null allowed), computed in the dtype of the first.</param>
    /// <param name="name">Name scope (default <c>global_norm</c>).</param>
    /// <returns>A scalar of the first tensor's dtype.</returns>
    /// <exception cref="ArgumentException">The list has no tensor, or a tensor is not floating point.</exception>
    public static Tensor GlobalNorm(IReadOnlyList<Tensor?> tList, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(tList);
        var ts = tList.Where(t => t is not null).Select(t => t!).ToList();
        if (ts.Count == 0) throw new ArgumentException("Tf.GlobalNorm: tList has no tensors.", nameof(tList));
        foreach (var t in ts) CheckFloating("Tf.GlobalNorm", t);
        using var scope = NameScope(name ?? "global_norm");
        var dtype = ts[0].DType;
        var squares = ts.Select(t =>
        {
            var s = ReduceSum(Multiply(t, t));
            return s.DType == dtype ? s : Cast(s, dtype);
        }).ToList();
        var total = squares.Count == 1 ? squares[0] : AddN(squares);
        return Sqrt(total, "global_norm");
    }

    /// <summary>
    /// Clips several tensors by the ratio of their global norm (TF: <c>tf.clip_by_global_norm</c>):
    /// <c>t_i · clip_norm / max(global_norm, clip_norm)</c>; if the global norm is NaN or infinite every clipped
    /// tensor is NaN (TF's behaviour, so the problem is not hidden). Null entries stay null.
    /// </summary>
    /// <param name="tList">The tensors (e.g. gradients), Float32 or Float64, null allowed.</param>
    /// <param name="clipNorm">The maximum global norm (&gt; 0).</param>
    /// <param name="useNorm">A precomputed global norm, or null to compute <see cref="GlobalNorm"/>.</param>
    /// <param name="name">Name scope (default <c>clip_by_global_norm</c>).</param>
    /// <returns>The clipped list (same order, nulls kept) and the global norm before clipping.</returns>
    /// <exception cref="ArgumentException">The list has no tensor, a tensor is not floating point, or clipNorm is not positive.</exception>
    /// <example><code>var gv = opt.ComputeGradients(loss);
    /// var (clipped, norm) = Tf.ClipByGlobalNorm(gv.Select(p => p.Gradient).ToList(), 5.0);
    /// var train = opt.ApplyGradients(clipped.Zip(gv, (g, p) => (g, p.Variable)));</code></example>
    public static (IReadOnlyList<Tensor?> Clipped, Tensor GlobalNorm) ClipByGlobalNorm(IReadOnlyList<Tensor?> tList, double clipNorm, Tensor? useNorm = null, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(tList);
        if (!(clipNorm > 0) || !double.IsFinite(clipNorm))
            throw new ArgumentException($"Tf.ClipByGlobalNorm: clipNorm must be positive and finite, but got {clipNorm}.", nameof(clipNorm));
        using var scope = NameScope(name ?? "clip_by_global_norm");
        var norm = useNorm ?? GlobalNorm(tList);
        // scale = clip_norm · min(1 / norm, 1 / clip_norm), plus (norm − norm) to turn an infinite or NaN norm into NaN.
        var scale = Multiply(ScalarLike(norm, clipNorm), Minimum(Divide(ScalarLike(norm, 1), norm), ScalarLike(norm, 1 / clipNorm)));
        scale = Add(scale, Subtract(norm, norm));
        var clipped = new Tensor?[tList.Count];
        for (int i = 0; i < clipped.Length; i++)
        {
            if (tList[i] is not { } t) continue;
            var s = t.DType == scale.DType ? scale : Cast(scale, t.DType);
            clipped[i] = Identity(Multiply(t, s), $"clip_by_global_norm_{i}");
        }
        return (clipped, norm);
    }

    private static void CheckFloating(string who, Tensor t)
    {
        if (!t.DType.IsFloating())
            throw new ArgumentException($"{who}: tensor '{t.Name}' has dtype {t.DType}; expected Float32 or Float64.", nameof(t));
    }
}
