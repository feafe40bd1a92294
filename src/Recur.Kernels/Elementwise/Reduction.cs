using System.Numerics.Tensors;
using Recur.Kernels.Operators;

namespace Recur.Kernels;

/// <summary>
/// Reduction kernels over spans: whole-span and per-axis sums and extrema (TF: <c>tf.math.reduce_sum</c>,
/// <c>reduce_max</c>, <c>reduce_min</c>, <c>tf.math.argmax</c>), row-wise softmax (<c>tf.nn.softmax</c>,
/// <c>tf.nn.log_softmax</c>), and the bias pair <c>tf.nn.bias_add</c> and its gradient.
/// </summary>
/// <remarks>
/// <para>Axis reductions view <c>x</c> as a contiguous row-major [outer, axis, inner] array and reduce
/// the middle dimension: <c>destination[o * inner + i] = reduce over a of x[(o * axis + a) * inner + i]</c>.
/// Destinations of axis reductions and <c>SumRows</c> must not overlap <c>x</c>; softmax and bias-add
/// destinations may be <c>x</c> itself. Floating-point max/min propagate NaN.</para>
/// <para>Example: <c>Reduction.SumAxis(x, outer: 2, axis: 3, inner: 4, dst)</c> sums a (2, 3, 4) array over axis 1 into (2, 4).</para>
/// </remarks>
public static class Reduction
{
    /// <summary>Returns the sum of all values (0 for an empty span) (TF: <c>tf.math.reduce_sum</c> over all axes).</summary>
    /// <param name="x">The values.</param>
    /// <returns>The sum.</returns>
    public static float Sum(ReadOnlySpan<float> x) => TensorPrimitives.Sum(x);

    /// <summary>Returns the largest value (-infinity for an empty span; NaN if any value is NaN) (TF: <c>tf.math.reduce_max</c> over all axes).</summary>
    /// <param name="x">The values.</param>
    /// <returns>The max.</returns>
    public static float Max(ReadOnlySpan<float> x) => ReductionCore.Max(x);

    /// <summary>Returns the smallest value (+infinity for an empty span; NaN if any value is NaN) (TF: <c>tf.math.reduce_min</c> over all axes).</summary>
    /// <param name="x">The values.</param>
    /// <returns>The min.</returns>
    public static float Min(ReadOnlySpan<float> x) => ReductionCore.Min(x);

    /// <summary>Returns the sum of all values (0 for an empty span) (TF: <c>tf.math.reduce_sum</c> over all axes).</summary>
    /// <param name="x">The values.</param>
    /// <returns>The sum.</returns>
    public static double Sum(ReadOnlySpan<double> x) => TensorPrimitives.Sum(x);

    /// <summary>Returns the largest value (-infinity for an empty span; NaN if any value is NaN) (TF: <c>tf.math.reduce_max</c> over all axes).</summary>
    /// <param name="x">The values.</param>
    /// <returns>The max.</returns>
    public static double Max(ReadOnlySpan<double> x) => ReductionCore.Max(x);

    /// <summary>Returns the smallest value (+infinity for an empty span; NaN if any value is NaN) (TF: <c>tf.math.reduce_min</c> over all axes).</summary>
    /// <param name="x">The values.</param>
    /// <returns>The min.</returns>
    public static double Min(ReadOnlySpan<double> x) => ReductionCore.Min(x);

    /// <summary>Reduces [outer, axis, inner] to [outer, inner]: sums over the middle axis (0 where axis = 0) (TF: <c>tf.math.reduce_sum(x, axis)</c>).</summary>
    /// <param name="x">The input, outer * axis * inner values.</param>
    /// <param name="outer">Product of the dimensions before the reduced one.</param>
    /// <param name="axis">Length of the reduced dimension.</param>
    /// <param name="inner">Product of the dimensions after the reduced one.</param>
    /// <param name="destination">Receives outer * inner results; must not overlap <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException">A dimension is negative, <paramref name="x"/> does not have outer * axis * inner values, or <paramref name="destination"/> is too short.</exception>
    public static void SumAxis(ReadOnlySpan<float> x, int outer, int axis, int inner, Span<float> destination)
    {
        ReductionCore.CheckAxis(x.Length, outer, axis, inner, destination.Length, nameof(SumAxis));
        ReductionCore.ReduceAxis(x, outer, axis, inner, destination, ReductionCore.AxisOp.Sum);
    }

    /// <summary>Reduces [outer, axis, inner] to [outer, inner]: takes the maximum over the middle axis (-infinity where axis = 0) (TF: <c>tf.math.reduce_max(x, axis)</c>).</summary>
    /// <param name="x">The input, outer * axis * inner values.</param>
    /// <param name="outer">Product of the dimensions before the reduced one.</param>
    /// <param name="axis">Length of the reduced dimension.</param>
    /// <param name="inner">Product of the dimensions after the reduced one.</param>
    /// <param name="destination">Receives outer * inner results; must not overlap <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException">A dimension is negative, <paramref name="x"/> does not have outer * axis * inner values, or <paramref name="destination"/> is too short.</exception>
    public static void MaxAxis(ReadOnlySpan<float> x, int outer, int axis, int inner, Span<float> destination)
    {
        ReductionCore.CheckAxis(x.Length, outer, axis, inner, destination.Length, nameof(MaxAxis));
        ReductionCore.ReduceAxis(x, outer, axis, inner, destination, ReductionCore.AxisOp.Max);
    }

    /// <summary>Reduces [outer, axis, inner] to [outer, inner]: takes the minimum over the middle axis (+infinity where axis = 0) (TF: <c>tf.math.reduce_min(x, axis)</c>).</summary>
    /// <param name="x">The input, outer * axis * inner values.</param>
    /// <param name="outer">Product of the dimensions before the reduced one.</param>
    /// <param name="axis">Length of the reduced dimension.</param>
    /// <param name="inner">Product of the dimensions after the reduced one.</param>
    /// <param name="destination">Receives outer * inner results; must not overlap <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException">A dimension is negative, <paramref name="x"/> does not have outer * axis * inner values, or <paramref name="destination"/> is too short.</exception>
    public static void MinAxis(ReadOnlySpan<float> x, int outer, int axis, int inner, Span<float> destination)
    {
        ReductionCore.CheckAxis(x.Length, outer, axis, inner, destination.Length, nameof(MinAxis));
        ReductionCore.ReduceAxis(x, outer, axis, inner, destination, ReductionCore.AxisOp.Min);
    }

    /// <summary>Index of the maximum over the middle axis of [outer, axis, inner] (TF: <c>tf.math.argmax(x, axis)</c>): the first occurrence of the maximum, or of the first NaN.</summary>
    /// <param name="x">The input, outer * axis * inner values.</param>
    /// <param name="outer">Product of the dimensions before the reduced one.</param>
    /// <param name="axis">Length of the reduced dimension.</param>
    /// <param name="inner">Product of the dimensions after the reduced one.</param>
    /// <param name="destination">Receives outer * inner indexes in [0, axis).</param>
    /// <exception cref="ArgumentException">A dimension is negative, <paramref name="x"/> does not have outer * axis * inner values, <paramref name="destination"/> is too short, or <paramref name="axis"/> is 0 with a non-empty result.</exception>
    public static void ArgMaxAxis(ReadOnlySpan<float> x, int outer, int axis, int inner, Span<long> destination)
    {
        ReductionCore.CheckAxis(x.Length, outer, axis, inner, destination.Length, nameof(ArgMaxAxis));
        ReductionCore.ArgMaxAxis(x, outer, axis, inner, destination);
    }

    /// <summary>Row-wise softmax of a (rows, cols) matrix, max-subtracted for stability: destination[r, j] = exp(x[r, j] - max_r) / sum_j exp(x[r, j] - max_r) (TF: <c>tf.nn.softmax</c> on the last axis).</summary>
    /// <param name="x">The logits, (rows, cols) row-major.</param>
    /// <param name="rows">Number of rows.</param>
    /// <param name="cols">Number of classes per row.</param>
    /// <param name="destination">Receives (rows, cols) values; may be <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException">A dimension is negative, <paramref name="x"/> does not have rows * cols values, or <paramref name="destination"/> is too short.</exception>
    public static void Softmax(ReadOnlySpan<float> x, int rows, int cols, Span<float> destination)
    {
        ReductionCore.CheckRows(x.Length, rows, cols, destination.Length, rows * cols, nameof(Softmax));
        ReductionCore.Softmax(x, rows, cols, destination, log: false);
    }

    /// <summary>Row-wise logsoftmax of a (rows, cols) matrix, max-subtracted for stability: destination[r, j] = x[r, j] - max_r - log(sum_j exp(x[r, j] - max_r)) (TF: <c>tf.nn.log_softmax</c> on the last axis).</summary>
    /// <param name="x">The logits, (rows, cols) row-major.</param>
    /// <param name="rows">Number of rows.</param>
    /// <param name="cols">Number of classes per row.</param>
    /// <param name="destination">Receives (rows, cols) values; may be <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException">A dimension is negative, <paramref name="x"/> does not have rows * cols values, or <paramref name="destination"/> is too short.</exception>
    public static void LogSoftmax(ReadOnlySpan<float> x, int rows, int cols, Span<float> destination)
    {
        ReductionCore.CheckRows(x.Length, rows, cols, destination.Length, rows * cols, nameof(LogSoftmax));
        ReductionCore.Softmax(x, rows, cols, destination, log: true);
    }

    /// <summary>Adds the bias row to every row of a (rows, cols) matrix, cols = bias.Length (TF: <c>tf.nn.bias_add</c>).</summary>
    /// <param name="x">The input, (rows, bias.Length) row-major.</param>
    /// <param name="bias">The bias, (cols).</param>
    /// <param name="rows">Number of rows.</param>
    /// <param name="destination">Receives (rows, cols) values; may be <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="rows"/> is negative, <paramref name="x"/> does not have rows * bias.Length values, or <paramref name="destination"/> is too short.</exception>
    public static void BiasAdd(ReadOnlySpan<float> x, ReadOnlySpan<float> bias, int rows, Span<float> destination)
    {
        ReductionCore.CheckRows(x.Length, rows, bias.Length, destination.Length, rows * bias.Length, nameof(BiasAdd), "bias.Length");
        ReductionCore.BiasAdd(x, bias, rows, destination);
    }

    /// <summary>Column sums of a (rows, cols) matrix: destination[j] = sum_r x[r, j] (TF: the gradient of <c>tf.nn.bias_add</c>, <c>BiasAddGrad</c>).</summary>
    /// <param name="x">The input, (rows, cols) row-major.</param>
    /// <param name="rows">Number of rows.</param>
    /// <param name="cols">Number of columns.</param>
    /// <param name="destination">Receives cols sums (zeros when rows = 0); must not overlap <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException">A dimension is negative, <paramref name="x"/> does not have rows * cols values, or <paramref name="destination"/> is shorter than cols.</exception>
    public static void SumRows(ReadOnlySpan<float> x, int rows, int cols, Span<float> destination)
    {
        ReductionCore.CheckRows(x.Length, rows, cols, destination.Length, cols, nameof(SumRows));
        ReductionCore.SumRows(x, rows, cols, destination);
    }

    /// <summary>Reduces [outer, axis, inner] to [outer, inner]: sums over the middle axis (0 where axis = 0) (TF: <c>tf.math.reduce_sum(x, axis)</c>).</summary>
    /// <param name="x">The input, outer * axis * inner values.</param>
    /// <param name="outer">Product of the dimensions before the reduced one.</param>
    /// <param name="axis">Length of the reduced dimension.</param>
    /// <param name="inner">Product of the dimensions after the reduced one.</param>
    /// <param name="destination">Receives outer * inner results; must not overlap <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException">A dimension is negative, <paramref name="x"/> does not have outer * axis * inner values, or <paramref name="destination"/> is too short.</exception>
    public static void SumAxis(ReadOnlySpan<double> x, int outer, int axis, int inner, Span<double> destination)
    {
        ReductionCore.CheckAxis(x.Length, outer, axis, inner, destination.Length, nameof(SumAxis));
        ReductionCore.ReduceAxis(x, outer, axis, inner, destination, ReductionCore.AxisOp.Sum);
    }

    /// <summary>Reduces [outer, axis, inner] to [outer, inner]: takes the maximum over the middle axis (-infinity where axis = 0) (TF: <c>tf.math.reduce_max(x, axis)</c>).</summary>
    /// <param name="x">The input, outer * axis * inner values.</param>
    /// <param name="outer">Product of the dimensions before the reduced one.</param>
    /// <param name="axis">Length of the reduced dimension.</param>
    /// <param name="inner">Product of the dimensions after the reduced one.</param>
    /// <param name="destination">Receives outer * inner results; must not overlap <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException">A dimension is negative, <paramref name="x"/> does not have outer * axis * inner values, or <paramref name="destination"/> is too short.</exception>
    public static void MaxAxis(ReadOnlySpan<double> x, int outer, int axis, int inner, Span<double> destination)
    {
        ReductionCore.CheckAxis(x.Length, outer, axis, inner, destination.Length, nameof(MaxAxis));
        ReductionCore.ReduceAxis(x, outer, axis, inner, destination, ReductionCore.AxisOp.Max);
    }

    /// <summary>Reduces [outer, axis, inner] to [outer, inner]: takes the minimum over the middle axis (+infinity where axis = 0) (TF: <c>tf.math.reduce_min(x, axis)</c>).</summary>
    /// <param name="x">The input, outer * axis * inner values.</param>
    /// <param name="outer">Product of the dimensions before the reduced one.</param>
    /// <param name="axis">Length of the reduced dimension.</param>
    /// <param name="inner">Product of the dimensions after the reduced one.</param>
    /// <param name="destination">Receives outer * inner results; must not overlap <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException">A dimension is negative, <paramref name="x"/> does not have outer * axis * inner values, or <paramref name="destination"/> is too short.</exception>
    public static void MinAxis(ReadOnlySpan<double> x, int outer, int axis, int inner, Span<double> destination)
    {
        ReductionCore.CheckAxis(x.Length, outer, axis, inner, destination.Length, nameof(MinAxis));
        ReductionCore.ReduceAxis(x, outer, axis, inner, destination, ReductionCore.AxisOp.Min);
    }

    /// <summary>Index of the maximum over the middle axis of [outer, axis, inner] (TF: <c>tf.math.argmax(x, axis)</c>): the first occurrence of the maximum, or of the first NaN.</summary>
    /// <param name="x">The input, outer * axis * inner values.</param>
    /// <param name="outer">Product of the dimensions before the reduced one.</param>
    /// <param name="axis">Length of the reduced dimension.</param>
    /// <param name="inner">Product of the dimensions after the reduced one.</param>
    /// <param name="destination">Receives outer * inner indexes in [0, axis).</param>
    /// <exception cref="ArgumentException">A dimension is negative, <paramref name="x"/> does not have outer * axis * inner values, <paramref name="destination"/> is too short, or <paramref name="axis"/> is 0 with a non-empty result.</exception>
    public static void ArgMaxAxis(ReadOnlySpan<double> x, int outer, int axis, int inner, Span<long> destination)
    {
        ReductionCore.CheckAxis(x.Length, outer, axis, inner, destination.Length, nameof(ArgMaxAxis));
        ReductionCore.ArgMaxAxis(x, outer, axis, inner, destination);
    }

    /// <summary>Row-wise softmax of a (rows, cols) matrix, max-subtracted for stability: destination[r, j] = exp(x[r, j] - max_r) / sum_j exp(x[r, j] - max_r) (TF: <c>tf.nn.softmax</c> on the last axis).</summary>
    /// <param name="x">The logits, (rows, cols) row-major.</param>
    /// <param name="rows">Number of rows.</param>
    /// <param name="cols">Number of classes per row.</param>
    /// <param name="destination">Receives (rows, cols) values; may be <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException">A dimension is negative, <paramref name="x"/> does not have rows * cols values, or <paramref name="destination"/> is too short.</exception>
    public static void Softmax(ReadOnlySpan<double> x, int rows, int cols, Span<double> destination)
    {
        ReductionCore.CheckRows(x.Length, rows, cols, destination.Length, rows * cols, nameof(Softmax));
        ReductionCore.Softmax(x, rows, cols, destination, log: false);
    }

    /// <summary>Row-wise logsoftmax of a (rows, cols) matrix, max-subtracted for stability: destination[r, j] = x[r, j] - max_r - log(sum_j exp(x[r, j] - max_r)) (TF: <c>tf.nn.log_softmax</c> on the last axis).</summary>
    /// <param name="x">The logits, (rows, cols) row-major.</param>
    /// <param name="rows">Number of rows.</param>
    /// <param name="cols">Number of classes per row.</param>
    /// <param name="destination">Receives (rows, cols) values; may be <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException">A dimension is negative, <paramref name="x"/> does not have rows * cols values, or <paramref name="destination"/> is too short.</exception>
    public static void LogSoftmax(ReadOnlySpan<double> x, int rows, int cols, Span<double> destination)
    {
        ReductionCore.CheckRows(x.Length, rows, cols, destination.Length, rows * cols, nameof(LogSoftmax));
        ReductionCore.Softmax(x, rows, cols, destination, log: true);
    }

    /// <summary>Adds the bias row to every row of a (rows, cols) matrix, cols = bias.Length (TF: <c>tf.nn.bias_add</c>).</summary>
    /// <param name="x">The input, (rows, bias.Length) row-major.</param>
    /// <param name="bias">The bias, (cols).</param>
    /// <param name="rows">Number of rows.</param>
    /// <param name="destination">Receives (rows, cols) values; may be <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="rows"/> is negative, <paramref name="x"/> does not have rows * bias.Length values, or <paramref name="destination"/> is too short.</exception>
    public static void BiasAdd(ReadOnlySpan<double> x, ReadOnlySpan<double> bias, int rows, Span<double> destination)
    {
        ReductionCore.CheckRows(x.Length, rows, bias.Length, destination.Length, rows * bias.Length, nameof(BiasAdd), "bias.Length");
        ReductionCore.BiasAdd(x, bias, rows, destination);
    }

    /// <summary>Column sums of a (rows, cols) matrix: destination[j] = sum_r x[r, j] (TF: the gradient of <c>tf.nn.bias_add</c>, <c>BiasAddGrad</c>).</summary>
    /// <param name="x">The input, (rows, cols) row-major.</param>
    /// <param name="rows">Number of rows.</param>
    /// <param name="cols">Number of columns.</param>
    /// <param name="destination">Receives cols sums (zeros when rows = 0); must not overlap <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException">A dimension is negative, <paramref name="x"/> does not have rows * cols values, or <paramref name="destination"/> is shorter than cols.</exception>
    public static void SumRows(ReadOnlySpan<double> x, int rows, int cols, Span<double> destination)
    {
        ReductionCore.CheckRows(x.Length, rows, cols, destination.Length, cols, nameof(SumRows));
        ReductionCore.SumRows(x, rows, cols, destination);
    }
}
