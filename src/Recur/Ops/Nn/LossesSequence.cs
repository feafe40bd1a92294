namespace Recur;

public static partial class Tf
{
    /// <summary>
    /// The mask of the first <c>lengths[i]</c> positions of each row (TF: <c>tf.sequence_mask</c>):
    /// <c>mask[i…, j] = j &lt; lengths[i…]</c>.
    /// </summary>
    /// <param name="lengths">Any shape (usually (batch)); Int32 or Int64.</param>
    /// <param name="maxlen">The mask width; default: the largest length (computed at run time).</param>
    /// <param name="dtype">Bool (default) or a numeric dtype (1 and 0).</param>
    /// <param name="name">Name scope (default <c>SequenceMask</c>).</param>
    /// <returns>(lengths…, maxlen) of <paramref name="dtype"/>.</returns>
    /// <exception cref="ArgumentException">lengths is not an integer tensor, maxlen is negative, or dtype is Variant.</exception>
    /// <example><code>var mask = Tf.SequenceMask(Tf.Constant(new[] { 1, 3, 2 }), 5, DType.Float32);
    /// // [[1,0,0,0,0], [1,1,1,0,0], [1,1,0,0,0]]</code></example>
    public static Tensor SequenceMask(Tensor lengths, int? maxlen = null, DType dtype = DType.Bool, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        if (maxlen < 0) throw new ArgumentOutOfRangeException(nameof(maxlen), maxlen, "Tf.SequenceMask: maxlen must be >= 0.");
        CheckMaskArgs(lengths, dtype);
        using var scope = NameScope(name ?? "SequenceMask");
        var limit = maxlen is { } m
            ? StateOps.Const(NDArray.Scalar(m, lengths.DType), "maxlen")
            : ReduceMax(lengths, name: "maxlen");
        return MaskCore(lengths, limit, dtype);
    }

    /// <summary>
    /// <see cref="SequenceMask(Tensor, int?, DType, string?)"/> with the width given as a scalar tensor (TF:
    /// <c>tf.sequence_mask(lengths, maxlen_tensor)</c>).
    /// </summary>
    /// <param name="lengths">Any shape; Int32 or Int64.</param>
    /// <param name="maxlen">An integer scalar (cast to lengths' dtype).</param>
    /// <param name="dtype">Bool or a numeric dtype.</param>
    /// <param name="name">Name scope.</param>
    /// <returns>(lengths…, maxlen).</returns>
    /// <exception cref="ArgumentException">lengths or maxlen is not an integer tensor, or maxlen is not a scalar.</exception>
    public static Tensor SequenceMask(Tensor lengths, Tensor maxlen, DType dtype = DType.Bool, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        ArgumentNullException.ThrowIfNull(maxlen);
        CheckMaskArgs(lengths, dtype);
        if (maxlen.DType is not (DType.Int32 or DType.Int64) || (maxlen.Shape.IsRankKnown && maxlen.Rank != 0))
            throw new ArgumentException($"Tf.SequenceMask: maxlen must be an integer scalar, but '{maxlen.Name}' has dtype {maxlen.DType} and shape {maxlen.Shape}.", nameof(maxlen));
        using var scope = NameScope(name ?? "SequenceMask");
        return MaskCore(lengths, maxlen.DType == lengths.DType ? maxlen : Cast(maxlen, lengths.DType), dtype);
    }

    private static void CheckMaskArgs(Tensor lengths, DType dtype)
    {
        if (lengths.DType is not (DType.Int32 or DType.Int64))
            throw new ArgumentException($"Tf.SequenceMask: lengths must be Int32 or Int64, but '{lengths.Name}' has dtype {lengths.DType}.", nameof(lengths));
        if (dtype == DType.Variant)
            throw new ArgumentException("Tf.SequenceMask: dtype must be Bool or numeric.", nameof(dtype));
    }

    private static Tensor MaskCore(Tensor lengths, Tensor limit, DType dtype)
    {
        var row = Range(limit);
        var mask = Less(row, ExpandDims(lengths, -1));
        return dtype == DType.Bool ? mask : Cast(mask, dtype);
    }

    public static partial class Losses
    {
        /// <summary>
        /// Weighted cross-entropy of a batch of sequences (TF: <c>tf.contrib.seq2seq.sequence_loss</c>):
        /// <c>ce[b, t] = sparse_softmax_cross_entropy(targets[b, t], logits[b, t, :]) · weights[b, t]</c>, then
        /// averaged as the flags say, each average dividing by the matching sum of weights plus 1e-12:
        /// both → <c>Σ ce / (Σ w + 1e-12)</c> (a scalar); timesteps only → per row (batch); batch only → per step
        /// (time); neither → ce (batch, time). With a 0/1 <paramref name="weights"/> mask (e.g.
        /// <see cref="SequenceMask(Tensor, int?, DType, string?)"/>) padded steps contribute nothing.
        /// </summary>
        /// <param name="logits">(batch, time, classes); Float32 or Float64.</param>
        /// <param name="targets">(batch, time): Int32 or Int64 class indices.</param>
        /// <param name="weights">(batch, time); cast to logits' dtype.</param>
        /// <param name="averageAcrossTimesteps">Sum over time and divide by the total weight per row.</param>
        /// <param name="averageAcrossBatch">Sum over the batch and divide by the total weight per step.</param>
        /// <param name="name">Name scope (default <c>sequence_loss</c>).</param>
        /// <returns>A scalar, (batch), (time) or (batch, time), per the flags.</returns>
        /// <exception cref="ArgumentException">A rank is wrong (the message names the expected layout), logits are not
        /// floating point, targets are not integers, or shapes disagree. Out-of-range targets fail at run time.</exception>
        /// <example><code>var mask = Tf.SequenceMask(lengths, maxTime, DType.Float32);
        /// var loss = Tf.Losses.SequenceLoss(logits, targets, mask);</code></example>
        public static Tensor SequenceLoss(Tensor logits, Tensor targets, Tensor weights, bool averageAcrossTimesteps = true, bool averageAcrossBatch = true,
            string? name = null)
        {
            ArgumentNullException.ThrowIfNull(logits);
            ArgumentNullException.ThrowIfNull(targets);
            ArgumentNullException.ThrowIfNull(weights);
            if (logits.Shape.IsRankKnown && logits.Rank != 3)
                throw new ArgumentException($"Tf.Losses.SequenceLoss: logits must be a (batch, time, classes) tensor, but have shape {logits.Shape}.", nameof(logits));
            if (targets.Shape.IsRankKnown && targets.Rank != 2)
                throw new ArgumentException($"Tf.Losses.SequenceLoss: targets must be a (batch, time) tensor, but have shape {targets.Shape}.", nameof(targets));
            if (weights.Shape.IsRankKnown && weights.Rank != 2)
                throw new ArgumentException($"Tf.Losses.SequenceLoss: weights must be a (batch, time) tensor, but have shape {weights.Shape}.", nameof(weights));
            if (!logits.DType.IsFloating())
                throw new ArgumentException($"Tf.Losses.SequenceLoss: logits must be Float32 or Float64, but have dtype {logits.DType}.", nameof(logits));
            if (logits.Shape.IsRankKnown && !weights.Shape.IsCompatibleWith(logits.Shape.Slice(0, 2)))
                throw new ArgumentException($"Tf.Losses.SequenceLoss: weights have shape {weights.Shape}, but logits have shape {logits.Shape}.", nameof(weights));
            using var scope = Tf.NameScope(name ?? "sequence_loss");
            var w = weights.DType == logits.DType ? weights : Tf.Cast(weights, logits.DType);
            var crossent = Tf.Multiply(Nn.SparseSoftmaxCrossEntropyWithLogits(targets, logits), w);
            if (averageAcrossTimesteps && averageAcrossBatch)
                return Tf.Divide(Tf.ReduceSum(crossent), Tf.ReduceSum(w) + 1e-12);
            if (averageAcrossTimesteps)
                return Tf.Divide(Tf.ReduceSum(crossent, new[] { 1 }), Tf.ReduceSum(w, new[] { 1 }) + 1e-12);
            if (averageAcrossBatch)
                return Tf.Divide(Tf.ReduceSum(crossent, new[] { 0 }), Tf.ReduceSum(w, new[] { 0 }) + 1e-12);
            return crossent;
        }
    }
}
