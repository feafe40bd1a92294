using System.Numerics;
using System.Numerics.Tensors;
using Recur.Kernels;

namespace Recur;

/// <summary>
/// The fused cross-entropy ops (TF: <c>SoftmaxCrossEntropyWithLogits</c>, <c>SparseSoftmaxCrossEntropyWithLogits</c>
/// and the composed <c>sigmoid_cross_entropy_with_logits</c>, fused here). The softmax ops compute a stable
/// log-softmax per row of the last axis and output both the loss and the backprop (the gradient of the loss with
/// respect to the logits) in one pass, as TF's kernels do; the gradient rules scale the backprop.
/// </summary>
internal static class LossesCrossEntropyOps
{
    private static readonly DType[] Floating = { DType.Float32, DType.Float64 };

    // ---- SoftmaxCrossEntropyWithLogits: loss = -Σ_j labels_j · log_softmax(logits)_j over the last axis;
    // backprop = softmax(logits) · Σ_j labels_j - labels (= softmax - labels for distributions).
    public static Tensor SoftmaxCrossEntropy(Tensor labels, Tensor logits, string? name)
    {
        const string who = "SoftmaxCrossEntropyWithLogits";
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(logits);
        BinaryOp.CheckDType(who, logits.DType, Floating);
        if (labels.DType != logits.DType)
            throw new ArgumentException($"{who}: labels must have the dtype of logits ({logits.DType}), but have {labels.DType}.", nameof(labels));
        if (logits.Shape.IsRankKnown && logits.Rank == 0)
            throw new ArgumentException($"{who}: logits must have rank >= 1, but got a scalar.", nameof(logits));
        if (!labels.Shape.IsCompatibleWith(logits.Shape))
            throw new ArgumentException($"{who}: labels must have the shape of logits, but labels have shape {labels.Shape} and logits {logits.Shape}.", nameof(labels));
        var shape = logits.Shape.MergeWith(labels.Shape);
        return Graph.Default.AddOperation(who, name ?? who, new[] { logits, labels },
            new[] { (logits.DType, LossShape(shape)), (logits.DType, shape) }).Outputs[0];
    }

    [OpKernel("SoftmaxCrossEntropyWithLogits")]
    private static void SoftmaxCrossEntropyKernel(OpContext ctx)
    {
        var logits = ctx.Input(0);
        var labels = ctx.Input(1);
        if (logits.Rank == 0) ctx.FailArgument("logits must have rank >= 1, but got a scalar.");
        if (labels.Shape != logits.Shape)
            ctx.FailArgument($"labels must have the shape of logits, but labels have shape {labels.Shape} and logits {logits.Shape}.");
        var loss = NDArray.Empty(logits.Shape.Slice(0, logits.Rank - 1), logits.DType);
        var backprop = NDArray.Empty(logits.Shape, logits.DType);
        if (logits.DType == DType.Float32)
            Dense(logits.Data<float>(), labels.Data<float>(), logits.Shape[-1], loss.Data<float>(), backprop.Data<float>(), Reduction.LogSoftmax);
        else
            Dense(logits.Data<double>(), labels.Data<double>(), logits.Shape[-1], loss.Data<double>(), backprop.Data<double>(), Reduction.LogSoftmax);
        ctx.SetOutput(0, loss);
        ctx.SetOutput(1, backprop);
    }

    private delegate void LogSoftmaxFn<T>(ReadOnlySpan<T> x, int rows, int cols, Span<T> destination);

    private static void Dense<T>(T[] logits, T[] labels, int cols, T[] loss, T[] backprop, LogSoftmaxFn<T> logSoftmax)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = loss.Length;
        if (cols == 0)
        {
            Array.Fill(loss, T.Zero);
            return;
        }
        logSoftmax(logits, rows, cols, backprop);
        for (int r = 0; r < rows; r++)
        {
            var ls = backprop.AsSpan(r * cols, cols);
            var z = labels.AsSpan(r * cols, cols);
            loss[r] = -TensorPrimitives.Dot<T>(z, ls);
            T total = TensorPrimitives.Sum<T>(z);
            TensorPrimitives.Exp<T>(ls, ls);
            for (int j = 0; j < cols; j++) ls[j] = ls[j] * total - z[j];
        }
    }

    /// <summary>
    /// d logits = dloss[…, None] · backprop; d labels = -dloss[…, None] · log_softmax(logits) (TF's v2 op passes
    /// gradients to the labels). A gradient flowing into the backprop output (second order) adds its
    /// vector-Jacobian product: d logits += Σlabels·(g − Σ g·s)·s, d labels += Σ g·s − g, with s = softmax(logits).
    /// </summary>
    [OpGradient("SoftmaxCrossEntropyWithLogits")]
    private static Tensor?[] SoftmaxCrossEntropyGrad(Operation op, IReadOnlyList<Tensor?> dy)
    {
        var (logits, labels) = (op.Inputs[0], op.Inputs[1]);
        Tensor? dLogits = null, dLabels = null;
        if (dy[0] is { } g0)
        {
            var e = Tf.ExpandDims(g0, -1);
            dLogits = Tf.Multiply(e, op.Outputs[1]);
            dLabels = Tf.Multiply(Tf.Negative(e), Tf.Nn.LogSoftmax(logits));
        }
        if (dy[1] is { } g1)
        {
            var s = Tf.Nn.Softmax(logits);
            var gs = Tf.ReduceSum(Tf.Multiply(g1, s), new[] { -1 }, keepDims: true);
            var total = Tf.ReduceSum(labels, new[] { -1 }, keepDims: true);
            var l2 = Tf.Multiply(total, Tf.Multiply(Tf.Subtract(g1, gs), s));
            var z2 = Tf.Subtract(gs, g1);
            dLogits = dLogits is null ? l2 : Tf.Add(dLogits, l2);
            dLabels = dLabels is null ? z2 : Tf.Add(dLabels, z2);
        }
        return new[] { dLogits, dLabels };
    }

    // ---- SparseSoftmaxCrossEntropyWithLogits: loss = -log_softmax(logits)[label] over the last axis;
    // backprop = softmax(logits) - one_hot(label).
    public static Tensor SparseSoftmaxCrossEntropy(Tensor labels, Tensor logits, string? name)
    {
        const string who = "SparseSoftmaxCrossEntropyWithLogits";
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(logits);
        BinaryOp.CheckDType(who, logits.DType, Floating);
        if (labels.DType is not (DType.Int32 or DType.Int64))
            throw new ArgumentException($"{who}: labels must be Int32 or Int64 class indices, but '{labels.Name}' has dtype {labels.DType}.", nameof(labels));
        if (logits.Shape.IsRankKnown && logits.Rank == 0)
            throw new ArgumentException($"{who}: logits must have rank >= 1, but got a scalar.", nameof(logits));
        var shape = logits.Shape;
        if (shape.IsRankKnown && labels.Shape.IsRankKnown)
        {
            if (labels.Rank != shape.Rank - 1 || !labels.Shape.IsCompatibleWith(LossShape(shape)))
                throw new ArgumentException(
                    $"{who}: labels must have the shape of logits without the last dimension, but labels have shape {labels.Shape} and logits {shape}.", nameof(labels));
            var lossShape = LossShape(shape).MergeWith(labels.Shape);
            shape = lossShape.Concatenate(new Shape(shape[-1]));
        }
        return Graph.Default.AddOperation(who, name ?? who, new[] { logits, labels },
            new[] { (logits.DType, LossShape(shape)), (logits.DType, shape) }).Outputs[0];
    }

    [OpKernel("SparseSoftmaxCrossEntropyWithLogits")]
    private static void SparseSoftmaxCrossEntropyKernel(OpContext ctx)
    {
        var logits = ctx.Input(0);
        var labels = ctx.Input(1);
        if (logits.Rank == 0) ctx.FailArgument("logits must have rank >= 1, but got a scalar.");
        var lossShape = logits.Shape.Slice(0, logits.Rank - 1);
        if (labels.Shape != lossShape)
            ctx.FailArgument($"labels must have the shape of logits without the last dimension, but labels have shape {labels.Shape} and logits {logits.Shape}.");
        int cols = logits.Shape[-1];
        var index = new int[labels.Size];
        for (int r = 0; r < index.Length; r++)
        {
            long label = labels.DType == DType.Int32 ? labels.Data<int>()[r] : labels.Data<long>()[r];
            if (label < 0 || label >= cols)
                ctx.FailArgument($"received a label value of {label} at position {r}, which is outside the valid range of [0, {cols}).");
            index[r] = (int)label;
        }
        var loss = NDArray.Empty(lossShape, logits.DType);
        var backprop = NDArray.Empty(logits.Shape, logits.DType);
        if (logits.DType == DType.Float32)
            Sparse(logits.Data<float>(), index, cols, loss.Data<float>(), backprop.Data<float>(), Reduction.LogSoftmax);
        else
            Sparse(logits.Data<double>(), index, cols, loss.Data<double>(), backprop.Data<double>(), Reduction.LogSoftmax);
        ctx.SetOutput(0, loss);
        ctx.SetOutput(1, backprop);
    }

    private static void Sparse<T>(T[] logits, int[] index, int cols, T[] loss, T[] backprop, LogSoftmaxFn<T> logSoftmax)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = loss.Length;
        if (rows == 0) return;
        logSoftmax(logits, rows, cols, backprop);
        for (int r = 0; r < rows; r++)
        {
            var ls = backprop.AsSpan(r * cols, cols);
            loss[r] = -ls[index[r]];
            TensorPrimitives.Exp<T>(ls, ls);
            ls[index[r]] -= T.One;
        }
    }

    /// <summary>
    /// d logits = dloss[…, None] · backprop; labels (indices) get none. A gradient g flowing into the backprop output
    /// adds the softmax's vector-Jacobian product (g − Σ g·s)·s.
    /// </summary>
    [OpGradient("SparseSoftmaxCrossEntropyWithLogits")]
    private static Tensor?[] SparseSoftmaxCrossEntropyGrad(Operation op, IReadOnlyList<Tensor?> dy)
    {
        Tensor? dLogits = null;
        if (dy[0] is { } g0) dLogits = Tf.Multiply(Tf.ExpandDims(g0, -1), op.Outputs[1]);
        if (dy[1] is { } g1)
        {
            var s = Tf.Nn.Softmax(op.Inputs[0]);
            var gs = Tf.ReduceSum(Tf.Multiply(g1, s), new[] { -1 }, keepDims: true);
            var l2 = Tf.Multiply(Tf.Subtract(g1, gs), s);
            dLogits = dLogits is null ? l2 : Tf.Add(dLogits, l2);
        }
        return new[] { dLogits, null };
    }

    // ---- SigmoidCrossEntropyWithLogits (element-wise): loss = max(x, 0) − x·z + log(1 + e^(−|x|)).
    public static Tensor SigmoidCrossEntropy(Tensor labels, Tensor logits, string? name)
    {
        const string who = "SigmoidCrossEntropyWithLogits";
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(logits);
        BinaryOp.CheckDType(who, logits.DType, Floating);
        if (labels.DType != logits.DType)
            throw new ArgumentException($"{who}: labels must have the dtype of logits ({logits.DType}), but have {labels.DType}.", nameof(labels));
        if (!labels.Shape.IsCompatibleWith(logits.Shape))
            throw new ArgumentException($"{who}: logits and labels must have the same shape, but logits have {logits.Shape} and labels {labels.Shape}.", nameof(labels));
        return Graph.Default.AddOperation(who, name ?? "logistic_loss", new[] { logits, labels },
            new[] { (logits.DType, logits.Shape.MergeWith(labels.Shape)) }).Outputs[0];
    }

    [OpKernel("SigmoidCrossEntropyWithLogits")]
    private static void SigmoidCrossEntropyKernel(OpContext ctx)
    {
        var logits = ctx.Input(0);
        var labels = ctx.Input(1);
        if (labels.Shape != logits.Shape)
            ctx.FailArgument($"logits and labels must have the same shape, but logits have {logits.Shape} and labels {labels.Shape}.");
        var loss = NDArray.Empty(logits.Shape, logits.DType);
        if (logits.DType == DType.Float32) Sigmoid(logits.Data<float>(), labels.Data<float>(), loss.Data<float>());
        else Sigmoid(logits.Data<double>(), labels.Data<double>(), loss.Data<double>());
        ctx.SetOutput(0, loss);
    }

    private static void Sigmoid<T>(T[] x, T[] z, T[] loss) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++)
            loss[i] = T.Max(x[i], T.Zero) - x[i] * z[i] + T.LogP1(T.Exp(-T.Abs(x[i])));
    }

    /// <summary>d logits = dy · (sigmoid(x) − z); d labels = −dy · x.</summary>
    [OpGradient("SigmoidCrossEntropyWithLogits")]
    private static Tensor?[] SigmoidCrossEntropyGrad(Operation op, IReadOnlyList<Tensor?> dy)
    {
        if (dy[0] is not { } g) return new Tensor?[2];
        var (x, z) = (op.Inputs[0], op.Inputs[1]);
        return new[] { Tf.Multiply(g, Tf.Subtract(Tf.Sigmoid(x), z)), Tf.Multiply(Tf.Negative(g), x) };
    }

    private static Shape LossShape(Shape logits) => logits.IsRankKnown ? logits.Slice(0, logits.Rank - 1) : Shape.Unknown;
}
