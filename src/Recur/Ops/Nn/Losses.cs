namespace Recur;

public static partial class Tf
{
    public static partial class Nn
    {
        /// <summary>
        /// Softmax cross-entropy per example (TF: <c>tf.nn.softmax_cross_entropy_with_logits</c>, the v2 op):
        /// <c>loss = −Σ_j labels_j · log_softmax(logits)_j</c> over the last axis, computed stably in one fused op.
        /// </summary>
        /// <remarks>
        /// Gradients: d logits = softmax(logits)·Σ_j labels_j − labels (softmax − labels for distributions); as in
        /// TF's v2 op the labels get a gradient too (<c>−log_softmax(logits)</c>); wrap them in
        /// <see cref="StopGradient"/> for TF1's <c>softmax_cross_entropy_with_logits</c> behaviour.
        /// </remarks>
        /// <param name="labels">(…, classes), the dtype of logits; each row usually a probability distribution.</param>
        /// <param name="logits">(…, classes); Float32 or Float64; rank ≥ 1.</param>
        /// <param name="name">Op name (default <c>SoftmaxCrossEntropyWithLogits</c>).</param>
        /// <returns>(…): one loss per row.</returns>
        /// <exception cref="ArgumentException">Dtypes differ or are not floating point, logits is a scalar, or the
        /// shapes differ (checked again at run time).</exception>
        /// <example><code>var loss = Tf.ReduceMean(Tf.Nn.SoftmaxCrossEntropyWithLogits(oneHot, logits));</code></example>
        public static Tensor SoftmaxCrossEntropyWithLogits(Tensor labels, Tensor logits, string? name = null) =>
            LossesCrossEntropyOps.SoftmaxCrossEntropy(labels, logits, name);

        /// <summary>
        /// Sparse softmax cross-entropy per example (TF: <c>tf.nn.sparse_softmax_cross_entropy_with_logits</c>):
        /// <c>loss = −log_softmax(logits)[label]</c> over the last axis, in one fused op.
        /// Gradient: d logits = softmax(logits) − one_hot(label); the integer labels get none.
        /// </summary>
        /// <param name="labels">(…): class indices in [0, classes); Int32 or Int64.</param>
        /// <param name="logits">(…, classes); Float32 or Float64; rank ≥ 1.</param>
        /// <param name="name">Op name (default <c>SparseSoftmaxCrossEntropyWithLogits</c>).</param>
        /// <returns>(…): the shape of labels.</returns>
        /// <exception cref="ArgumentException">At build time: labels are not integers, logits are not floating point,
        /// or labels' shape is not logits' shape without the last dimension. At run time (from
        /// <see cref="Session.Run(Tensor, FeedDict?)"/>): a label outside [0, classes), naming the op, the value and
        /// its position.</exception>
        /// <example><code>var loss = Tf.ReduceMean(Tf.Nn.SparseSoftmaxCrossEntropyWithLogits(classIds, logits));</code></example>
        public static Tensor SparseSoftmaxCrossEntropyWithLogits(Tensor labels, Tensor logits, string? name = null) =>
            LossesCrossEntropyOps.SparseSoftmaxCrossEntropy(labels, logits, name);

        /// <summary>
        /// Element-wise logistic loss (TF: <c>tf.nn.sigmoid_cross_entropy_with_logits</c>) in TF's stable form
        /// <c>max(x, 0) − x·z + log(1 + e^(−|x|))</c> for logits x and labels z
        /// (= <c>−z·log σ(x) − (1 − z)·log(1 − σ(x))</c>).
        /// Gradients: d x = σ(x) − z, d z = −x.
        /// </summary>
        /// <param name="labels">The shape and dtype of logits; usually in [0, 1].</param>
        /// <param name="logits">Any shape; Float32 or Float64.</param>
        /// <param name="name">Op name (default <c>logistic_loss</c>).</param>
        /// <returns>The shape of logits.</returns>
        /// <exception cref="ArgumentException">Dtypes differ or are not floating point, or the shapes differ.</exception>
        /// <example><code>var loss = Tf.ReduceMean(Tf.Nn.SigmoidCrossEntropyWithLogits(targets, logits));</code></example>
        public static Tensor SigmoidCrossEntropyWithLogits(Tensor labels, Tensor logits, string? name = null) =>
            LossesCrossEntropyOps.SigmoidCrossEntropy(labels, logits, name);
    }

    /// <summary>
    /// Loss functions reduced to a scalar (TF: <c>tf.compat.v1.losses</c>), plus the masked sequence loss of
    /// <c>tf.contrib.seq2seq.sequence_loss</c>. Each computes per-element losses, multiplies by
    /// <c>weights</c> and reduces per <see cref="Reduction"/> (default <see cref="Reduction.SumByNonzeroWeights"/>,
    /// TF's default). Unlike TF, which casts to Float32 internally, the arithmetic stays in the input dtype.
    /// </summary>
    public static partial class Losses
    {
        /// <summary>How weighted per-element losses become the result (TF: <c>tf.compat.v1.losses.Reduction</c>).</summary>
        public enum Reduction
        {
            /// <summary>No reduction: the weighted losses, shaped like the losses (TF: <c>NONE</c>).</summary>
            None,
            /// <summary>Σ weighted losses (TF: <c>SUM</c>).</summary>
            Sum,
            /// <summary>Σ weighted losses / Σ weights broadcast to the losses' shape (TF: <c>MEAN</c>).</summary>
            Mean,
            /// <summary>Σ weighted losses / number of loss elements (TF: <c>SUM_OVER_BATCH_SIZE</c>).</summary>
            SumOverBatchSize,
            /// <summary>Σ weighted losses / number of non-zero weights broadcast to the losses' shape; 0 when there
            /// are none (TF: <c>SUM_BY_NONZERO_WEIGHTS</c>, the default).</summary>
            SumByNonzeroWeights,
        }

        /// <summary>
        /// Weights and reduces per-element losses (TF: <c>tf.compat.v1.losses.compute_weighted_loss</c>).
        /// </summary>
        /// <param name="losses">Any shape; Float32 or Float64.</param>
        /// <param name="weights">null (weight 1), a scalar, or a tensor that broadcasts to losses' shape; cast to
        /// losses' dtype.</param>
        /// <param name="reduction">How to reduce (default: mean over non-zero weights).</param>
        /// <returns>A scalar, or with <see cref="Reduction.None"/> the weighted losses.</returns>
        /// <exception cref="ArgumentException">losses is not floating point or weights do not broadcast to losses.</exception>
        public static Tensor ComputeWeightedLoss(Tensor losses, Tensor? weights = null, Reduction reduction = Reduction.SumByNonzeroWeights)
        {
            ArgumentNullException.ThrowIfNull(losses);
            if (!losses.DType.IsFloating())
                throw new ArgumentException($"Tf.Losses.ComputeWeightedLoss: losses must be Float32 or Float64, but '{losses.Name}' has dtype {losses.DType}.", nameof(losses));
            if (weights is not null)
            {
                if (weights.DType != losses.DType) weights = Tf.Cast(weights, losses.DType);
                if (losses.Shape.IsRankKnown && weights.Shape.IsRankKnown)
                {
                    var b = ArrayUtil.BroadcastStatic(weights.Shape, losses.Shape);
                    if (b is null || !b.Value.IsCompatibleWith(losses.Shape))
                        throw new ArgumentException($"Tf.Losses: weights of shape {weights.Shape} do not broadcast to the losses' shape {losses.Shape}.", nameof(weights));
                }
            }
            using var scope = Tf.NameScope("weighted_loss");
            var weighted = weights is null ? losses : Tf.Multiply(losses, weights);
            if (reduction == Reduction.None) return weighted;
            var total = Tf.ReduceSum(weighted);
            if (reduction == Reduction.Sum) return total;
            var dt = losses.DType;
            Tensor count = reduction switch
            {
                Reduction.Mean => weights is null ? Tf.Cast(Tf.Size(losses), dt) : Tf.ReduceSum(Tf.Multiply(Tf.OnesLike(losses), weights)),
                Reduction.SumOverBatchSize => Tf.Cast(Tf.Size(losses), dt),
                Reduction.SumByNonzeroWeights => weights is null
                    ? Tf.Cast(Tf.Size(losses), dt)
                    : Tf.ReduceSum(Tf.Multiply(Tf.OnesLike(losses), Tf.Cast(Tf.NotEqual(weights, Tf.ScalarLike(weights, 0)), dt)), name: "num_present"),
                _ => throw new ArgumentOutOfRangeException(nameof(reduction), reduction, "Tf.Losses: unknown reduction."),
            };
            return DivNoNan(total, count);
        }

        /// <summary>x / y, or 0 where y = 0 (TF: <c>tf.math.divide_no_nan</c>, used by TF's <c>_safe_mean</c>).</summary>
        private static Tensor DivNoNan(Tensor x, Tensor y)
        {
            var zero = Tf.Equal(y, Tf.ScalarLike(y, 0));
            var safe = Tf.Where(zero, Tf.OnesLike(y), y);
            return Tf.Where(zero, Tf.ZerosLike(x), Tf.Divide(x, safe), name: "value");
        }

        /// <summary>
        /// Mean squared error (TF: <c>tf.compat.v1.losses.mean_squared_error</c>): per element
        /// <c>(predictions − labels)²</c>, weighted and reduced.
        /// </summary>
        /// <param name="labels">The shape and dtype of predictions.</param>
        /// <param name="predictions">Any shape; Float32 or Float64.</param>
        /// <param name="weights">null (1), a scalar, or broadcastable to the shape of predictions.</param>
        /// <param name="reduction">Default: mean over non-zero weights.</param>
        /// <returns>A scalar (or the weighted squared errors for <see cref="Reduction.None"/>).</returns>
        /// <exception cref="ArgumentException">Dtypes differ or are not floating point, or shapes are incompatible.</exception>
        /// <example><code>var loss = Tf.Losses.MeanSquaredError(y, prediction);</code></example>
        public static Tensor MeanSquaredError(Tensor labels, Tensor predictions, Tensor? weights = null, Reduction reduction = Reduction.SumByNonzeroWeights)
        {
            CheckPair("MeanSquaredError", labels, predictions, nameof(predictions));
            using var scope = Tf.NameScope("mean_squared_error");
            return ComputeWeightedLoss(Tf.SquaredDifference(predictions, labels), weights, reduction);
        }

        /// <summary>
        /// Mean absolute error (TF: <c>tf.compat.v1.losses.absolute_difference</c>): per element
        /// <c>|predictions − labels|</c>, weighted and reduced.
        /// </summary>
        /// <param name="labels">The shape and dtype of predictions.</param>
        /// <param name="predictions">Any shape; Float32 or Float64.</param>
        /// <param name="weights">null (1), a scalar, or broadcastable to the shape of predictions.</param>
        /// <param name="reduction">Default: mean over non-zero weights.</param>
        /// <exception cref="ArgumentException">Dtypes differ or are not floating point, or shapes are incompatible.</exception>
        public static Tensor AbsoluteDifference(Tensor labels, Tensor predictions, Tensor? weights = null, Reduction reduction = Reduction.SumByNonzeroWeights)
        {
            CheckPair("AbsoluteDifference", labels, predictions, nameof(predictions));
            using var scope = Tf.NameScope("absolute_difference");
            return ComputeWeightedLoss(Tf.Abs(Tf.Subtract(predictions, labels)), weights, reduction);
        }

        /// <summary>
        /// Softmax cross-entropy (TF: <c>tf.compat.v1.losses.softmax_cross_entropy</c>): with label smoothing s
        /// and C classes the labels become <c>labels·(1 − s) + s/C</c>; the labels get no gradient (TF stops it);
        /// per example <see cref="Nn.SoftmaxCrossEntropyWithLogits"/>, weighted and reduced.
        /// </summary>
        /// <param name="onehotLabels">(batch, classes), the dtype of logits.</param>
        /// <param name="logits">(batch, classes) (any rank ≥ 1); Float32 or Float64.</param>
        /// <param name="weights">null, a scalar, or (batch).</param>
        /// <param name="labelSmoothing">s in [0, 1].</param>
        /// <param name="reduction">Default: mean over non-zero weights.</param>
        /// <exception cref="ArgumentException">Dtypes or shapes differ, labelSmoothing is outside [0, 1], or the
        /// class count is unknown at build time while smoothing.</exception>
        public static Tensor SoftmaxCrossEntropy(Tensor onehotLabels, Tensor logits, Tensor? weights = null, double labelSmoothing = 0,
            Reduction reduction = Reduction.SumByNonzeroWeights)
        {
            CheckPair("SoftmaxCrossEntropy", onehotLabels, logits, nameof(logits));
            using var scope = Tf.NameScope("softmax_cross_entropy_loss");
            var labels = Smooth("SoftmaxCrossEntropy", onehotLabels, labelSmoothing, perClass: true);
            labels = Tf.StopGradient(labels, "labels_stop_gradient");
            return ComputeWeightedLoss(Nn.SoftmaxCrossEntropyWithLogits(labels, logits), weights, reduction);
        }

        /// <summary>
        /// Sparse softmax cross-entropy (TF: <c>tf.compat.v1.losses.sparse_softmax_cross_entropy</c>): per example
        /// <see cref="Nn.SparseSoftmaxCrossEntropyWithLogits"/>, weighted and reduced.
        /// </summary>
        /// <param name="labels">(batch): Int32 or Int64 class indices.</param>
        /// <param name="logits">(batch, classes); Float32 or Float64.</param>
        /// <param name="weights">null, a scalar, or (batch).</param>
        /// <param name="reduction">Default: mean over non-zero weights.</param>
        /// <exception cref="ArgumentException">As for <see cref="Nn.SparseSoftmaxCrossEntropyWithLogits"/>.</exception>
        public static Tensor SparseSoftmaxCrossEntropy(Tensor labels, Tensor logits, Tensor? weights = null, Reduction reduction = Reduction.SumByNonzeroWeights)
        {
            using var scope = Tf.NameScope("sparse_softmax_cross_entropy_loss");
            return ComputeWeightedLoss(Nn.SparseSoftmaxCrossEntropyWithLogits(labels, logits), weights, reduction);
        }

        /// <summary>
        /// Sigmoid cross-entropy (TF: <c>tf.compat.v1.losses.sigmoid_cross_entropy</c>): with label smoothing s the
        /// labels become <c>labels·(1 − s) + s/2</c>; per element <see cref="Nn.SigmoidCrossEntropyWithLogits"/>,
        /// weighted and reduced.
        /// </summary>
        /// <param name="multiClassLabels">The shape of logits; cast to its dtype.</param>
        /// <param name="logits">Any shape; Float32 or Float64.</param>
        /// <param name="weights">null, a scalar, or broadcastable to logits' shape.</param>
        /// <param name="labelSmoothing">s in [0, 1].</param>
        /// <param name="reduction">Default: mean over non-zero weights.</param>
        /// <exception cref="ArgumentException">Shapes differ, logits are not floating point, or labelSmoothing is outside [0, 1].</exception>
        public static Tensor SigmoidCrossEntropy(Tensor multiClassLabels, Tensor logits, Tensor? weights = null, double labelSmoothing = 0,
            Reduction reduction = Reduction.SumByNonzeroWeights)
        {
            ArgumentNullException.ThrowIfNull(multiClassLabels);
            ArgumentNullException.ThrowIfNull(logits);
            using var scope = Tf.NameScope("sigmoid_cross_entropy_loss");
            var labels = multiClassLabels.DType == logits.DType || !logits.DType.IsFloating() ? multiClassLabels : Tf.Cast(multiClassLabels, logits.DType);
            labels = Smooth("SigmoidCrossEntropy", labels, labelSmoothing, perClass: false);
            return ComputeWeightedLoss(Nn.SigmoidCrossEntropyWithLogits(labels, logits), weights, reduction);
        }

        private static Tensor Smooth(string who, Tensor labels, double s, bool perClass)
        {
            if (!(s >= 0 && s <= 1))
                throw new ArgumentOutOfRangeException(nameof(s), s, $"Tf.Losses.{who}: labelSmoothing must be in [0, 1].");
            if (s == 0) return labels;
            double negative;
            if (perClass)
            {
                int classes = labels.Shape.IsRankKnown && labels.Rank > 0 ? labels.Shape[-1] : -1;
                if (classes < 0)
                    throw new ArgumentException($"Tf.Losses.{who}: label smoothing needs the class count, but labels have shape {labels.Shape}.", nameof(labels));
                negative = s / classes;
            }
            else
            {
                negative = 0.5 * s;
            }
            return labels * (1 - s) + negative;
        }

        private static void CheckPair(string who, Tensor labels, Tensor other, string otherName)
        {
            ArgumentNullException.ThrowIfNull(labels);
            ArgumentNullException.ThrowIfNull(other);
            if (!other.DType.IsFloating())
                throw new ArgumentException($"Tf.Losses.{who}: {otherName} must be Float32 or Float64, but '{other.Name}' has dtype {other.DType}.", otherName);
            if (labels.DType != other.DType)
                throw new ArgumentException($"Tf.Losses.{who}: labels have dtype {labels.DType}, but {otherName} have {other.DType}.", nameof(labels));
            if (!labels.Shape.IsCompatibleWith(other.Shape))
                throw new ArgumentException($"Tf.Losses.{who}: labels have shape {labels.Shape}, but {otherName} have shape {other.Shape}.", nameof(labels));
        }
    }
}
