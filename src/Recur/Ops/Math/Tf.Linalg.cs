namespace Recur;

public static partial class Tf
{
    /// <summary>
    /// Matrix product (TF: <c>tf.linalg.matmul</c>): <c>c = op(a) · op(b)</c>, where op transposes the last two dims
    /// when asked. Rank-2 inputs build a <c>MatMul</c> op; higher (or unknown) ranks build <c>BatchMatMulV2</c>, whose
    /// leading batch dims broadcast as in numpy.
    /// </summary>
    /// <param name="a">(…, m, k), or (…, k, m) when <paramref name="transposeA"/>; Float32, Float64, Int32 or Int64.</param>
    /// <param name="b">(…, k, n), or (…, n, k) when <paramref name="transposeB"/>; same dtype as a.</param>
    /// <param name="transposeA">Use a transposed (its last two dims).</param>
    /// <param name="transposeB">Use b transposed (its last two dims).</param>
    /// <param name="name">Op name (default <c>MatMul</c>).</param>
    /// <returns>(…, m, n).</returns>
    /// <exception cref="ArgumentException">Dtypes differ or are not numeric, a rank is below 2, the known inner
    /// dimensions differ (<c>MatMul: inner dimensions must agree, but got (2, 3) and (4, 5)…</c>), or the batch dims
    /// cannot broadcast; the same checks run at run time for dims unknown when the graph was built.</exception>
    /// <example><code>var h = Tf.MatMul(x, w);                      // (batch, in) · (in, units)
    /// var g = Tf.MatMul(dy, w, transposeB: true);      // (batch, units) · (in, units)ᵀ</code></example>
    public static Tensor MatMul(Tensor a, Tensor b, bool transposeA = false, bool transposeB = false, string? name = null) =>
        MatMulOps.MatMul(a, b, transposeA, transposeB, name);

    /// <summary>
    /// The element-wise sum of a list of tensors of one shape and dtype (TF: <c>tf.math.add_n</c>); no broadcasting.
    /// </summary>
    /// <param name="inputs">One or more tensors, all of the same (compatible) shape and dtype (Float32, Float64, Int32 or Int64).</param>
    /// <param name="name">Op name (default <c>AddN</c>).</param>
    /// <returns>The common shape.</returns>
    /// <exception cref="ArgumentException">The list is empty, or dtypes or known shapes differ (shapes are checked
    /// again at run time).</exception>
    public static Tensor AddN(IReadOnlyList<Tensor> inputs, string? name = null) => AddNOp.Build(inputs, name);

    /// <summary>
    /// Sum over <paramref name="axis"/> (TF: <c>tf.math.reduce_sum</c>): null reduces every axis; negative axes count
    /// from the end; repeated axes count once. The sum of no elements is 0.
    /// </summary>
    /// <param name="x">Any shape (a scalar too); Float32, Float64, Int32 or Int64.</param>
    /// <param name="axis">The axes to reduce, or null for all.</param>
    /// <param name="keepDims">Keep reduced axes with length 1.</param>
    /// <param name="name">Op name (default <c>Sum</c>).</param>
    /// <returns>x's shape without the reduced axes (or with 1 there when <paramref name="keepDims"/>).</returns>
    /// <exception cref="ArgumentException">x is not numeric, or an axis is out of range (at run time when the rank is
    /// unknown at build time).</exception>
    /// <example><code>var total = Tf.ReduceSum(x);                    // scalar
    /// var perRow = Tf.ReduceSum(x, new[] { -1 });       // (batch,)</code></example>
    public static Tensor ReduceSum(Tensor x, int[]? axis = null, bool keepDims = false, string? name = null) =>
        ReductionOps.Build("Sum", x, axis, keepDims, name);

    /// <summary>
    /// Mean over <paramref name="axis"/> (TF: <c>tf.math.reduce_mean</c>): sum / count. The float mean of no elements
    /// is NaN; integer means divide with truncation (0 for no elements).
    /// </summary>
    /// <param name="x">Any shape; Float32, Float64, Int32 or Int64.</param>
    /// <param name="axis">The axes to reduce, or null for all; negative axes count from the end.</param>
    /// <param name="keepDims">Keep reduced axes with length 1.</param>
    /// <param name="name">Op name (default <c>Mean</c>).</param>
    /// <returns>x's shape without the reduced axes (or with 1 there when <paramref name="keepDims"/>).</returns>
    /// <exception cref="ArgumentException">x is not numeric, or an axis is out of range.</exception>
    public static Tensor ReduceMean(Tensor x, int[]? axis = null, bool keepDims = false, string? name = null) =>
        ReductionOps.Build("Mean", x, axis, keepDims, name);

    /// <summary>
    /// Maximum over <paramref name="axis"/> (TF: <c>tf.math.reduce_max</c>); the maximum of no elements is -∞ (the
    /// lowest value for integers); NaN propagates.
    /// </summary>
    /// <param name="x">Any shape; Float32, Float64, Int32 or Int64.</param>
    /// <param name="axis">The axes to reduce, or null for all; negative axes count from the end.</param>
    /// <param name="keepDims">Keep reduced axes with length 1.</param>
    /// <param name="name">Op name (default <c>Max</c>).</param>
    /// <returns>x's shape without the reduced axes (or with 1 there when <paramref name="keepDims"/>).</returns>
    /// <exception cref="ArgumentException">x is not numeric, or an axis is out of range.</exception>
    public static Tensor ReduceMax(Tensor x, int[]? axis = null, bool keepDims = false, string? name = null) =>
        ReductionOps.Build("Max", x, axis, keepDims, name);

    /// <summary>
    /// Minimum over <paramref name="axis"/> (TF: <c>tf.math.reduce_min</c>); the minimum of no elements is +∞ (the
    /// highest value for integers); NaN propagates.
    /// </summary>
    /// <param name="x">Any shape; Float32, Float64, Int32 or Int64.</param>
    /// <param name="axis">The axes to reduce, or null for all; negative axes count from the end.</param>
    /// <param name="keepDims">Keep reduced axes with length 1.</param>
    /// <param name="name">Op name (default <c>Min</c>).</param>
    /// <returns>x's shape without the reduced axes (or with 1 there when <paramref name="keepDims"/>).</returns>
    /// <exception cref="ArgumentException">x is not numeric, or an axis is out of range.</exception>
    public static Tensor ReduceMin(Tensor x, int[]? axis = null, bool keepDims = false, string? name = null) =>
        ReductionOps.Build("Min", x, axis, keepDims, name);

    /// <summary>Product over <paramref name="axis"/> (TF: <c>tf.math.reduce_prod</c>); the product of no elements is 1.</summary>
    /// <param name="x">Any shape; Float32, Float64, Int32 or Int64.</param>
    /// <param name="axis">The axes to reduce, or null for all; negative axes count from the end.</param>
    /// <param name="keepDims">Keep reduced axes with length 1.</param>
    /// <param name="name">Op name (default <c>Prod</c>).</param>
    /// <returns>x's shape without the reduced axes (or with 1 there when <paramref name="keepDims"/>).</returns>
    /// <exception cref="ArgumentException">x is not numeric, or an axis is out of range.</exception>
    public static Tensor ReduceProd(Tensor x, int[]? axis = null, bool keepDims = false, string? name = null) =>
        ReductionOps.Build("Prod", x, axis, keepDims, name);

    /// <summary>
    /// Index of the largest value along <paramref name="axis"/> (TF: <c>tf.math.argmax</c>); ties give the first index,
    /// and a NaN counts as the largest.
    /// </summary>
    /// <param name="x">Rank ≥ 1; Float32, Float64, Int32 or Int64.</param>
    /// <param name="axis">The axis to search; negative counts from the end.</param>
    /// <param name="outputType">Int64 (TF's default) or Int32.</param>
    /// <param name="name">Op name (default <c>ArgMax</c>).</param>
    /// <returns>x's shape without <paramref name="axis"/>.</returns>
    /// <exception cref="ArgumentException">x is a scalar or not numeric, the axis is out of range, outputType is not an
    /// integer type; at run time, the axis is empty while the output is not.</exception>
    public static Tensor ArgMax(Tensor x, int axis, DType outputType = DType.Int64, string? name = null) =>
        ArgMinMaxOps.Build("ArgMax", x, axis, outputType, name);

    /// <summary>
    /// Index of the smallest value along <paramref name="axis"/> (TF: <c>tf.math.argmin</c>); ties give the first index,
    /// and a NaN counts as the smallest.
    /// </summary>
    /// <param name="x">Rank ≥ 1; Float32, Float64, Int32 or Int64.</param>
    /// <param name="axis">The axis to search; negative counts from the end.</param>
    /// <param name="outputType">Int64 (TF's default) or Int32.</param>
    /// <param name="name">Op name (default <c>ArgMin</c>).</param>
    /// <returns>x's shape without <paramref name="axis"/>.</returns>
    /// <exception cref="ArgumentException">x is a scalar or not numeric, the axis is out of range, outputType is not an
    /// integer type; at run time, the axis is empty while the output is not.</exception>
    public static Tensor ArgMin(Tensor x, int axis, DType outputType = DType.Int64, string? name = null) =>
        ArgMinMaxOps.Build("ArgMin", x, axis, outputType, name);

    /// <summary>
    /// Converts to another dtype (TF: <c>tf.cast</c>): floats to integers truncate toward zero (saturating; NaN → 0),
    /// integers narrow by wrapping, numbers become Bool as <c>x ≠ 0</c>, Bool becomes 1 or 0.
    /// </summary>
    /// <param name="x">Any shape and dtype but Variant.</param>
    /// <param name="dtype">The target dtype.</param>
    /// <param name="name">Op name (default <c>Cast</c>).</param>
    /// <returns>x's shape with dtype <paramref name="dtype"/>.</returns>
    /// <exception cref="ArgumentException">Either dtype is Variant.</exception>
    public static Tensor Cast(Tensor x, DType dtype, string? name = null) => CastOp.Build(x, dtype, name);
}
