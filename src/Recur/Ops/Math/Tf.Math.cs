namespace Recur;

public static partial class Tf
{
    // ---------------------------------------------------------------- broadcasting arithmetic

    /// <summary>
    /// Element-wise sum with numpy broadcasting (TF: <c>tf.math.add</c>): <c>z = x + y</c>.
    /// </summary>
    /// <param name="x">Any shape; Float32, Float64, Int32 or Int64.</param>
    /// <param name="y">A shape that broadcasts with <paramref name="x"/> (e.g. (2, 3) with (3,), (2, 1) with (1, 3), or a scalar); same dtype.</param>
    /// <param name="name">Op name (default <c>add</c>).</param>
    /// <returns>The broadcast shape of x and y.</returns>
    /// <exception cref="ArgumentException">The dtypes differ or are not numeric, or known dims cannot broadcast. When the
    /// static shapes are partial, incompatible fed shapes raise <see cref="ArgumentException"/> at run time.</exception>
    /// <example><code>var z = Tf.Add(x, b);   // (batch, 3) + (3,)</code></example>
    public static Tensor Add(Tensor x, Tensor y, string? name = null) => ArithmeticOps.Add(x, y, name);

    /// <summary>Element-wise difference with broadcasting (TF: <c>tf.math.subtract</c>): <c>z = x - y</c>.</summary>
    /// <param name="x">Any shape; Float32, Float64, Int32 or Int64.</param>
    /// <param name="y">A shape that broadcasts with <paramref name="x"/>; same dtype.</param>
    /// <param name="name">Op name (default <c>sub</c>).</param>
    /// <returns>The broadcast shape of x and y.</returns>
    /// <exception cref="ArgumentException">Dtype mismatch, non-numeric dtype, or shapes that cannot broadcast.</exception>
    public static Tensor Subtract(Tensor x, Tensor y, string? name = null) => ArithmeticOps.Subtract(x, y, name);

    /// <summary>Element-wise product with broadcasting (TF: <c>tf.math.multiply</c>): <c>z = x · y</c>.</summary>
    /// <param name="x">Any shape; Float32, Float64, Int32 or Int64.</param>
    /// <param name="y">A shape that broadcasts with <paramref name="x"/>; same dtype.</param>
    /// <param name="name">Op name (default <c>mul</c>).</param>
    /// <returns>The broadcast shape of x and y.</returns>
    /// <exception cref="ArgumentException">Dtype mismatch, non-numeric dtype, or shapes that cannot broadcast.</exception>
    public static Tensor Multiply(Tensor x, Tensor y, string? name = null) => ArithmeticOps.Multiply(x, y, name);

    /// <summary>
    /// Element-wise quotient with broadcasting (TF: <c>tf.math.divide</c> for floats, <c>tf.math.truncatediv</c> for
    /// integers): <c>z = x / y</c>. Unlike TF, integer inputs are not promoted to float64: they use C# integer
    /// division, rounding toward zero (op type <c>Div</c>; floats use <c>RealDiv</c>).
    /// </summary>
    /// <param name="x">Any shape; Float32, Float64, Int32 or Int64.</param>
    /// <param name="y">A shape that broadcasts with <paramref name="x"/>; same dtype.</param>
    /// <param name="name">Op name (default <c>truediv</c>).</param>
    /// <returns>The broadcast shape of x and y.</returns>
    /// <exception cref="ArgumentException">Dtype mismatch, non-numeric dtype, or shapes that cannot broadcast; at run
    /// time, an integer division by zero.</exception>
    public static Tensor Divide(Tensor x, Tensor y, string? name = null) => ArithmeticOps.Divide(x, y, name);

    /// <summary>Element-wise maximum with broadcasting (TF: <c>tf.math.maximum</c>); NaN propagates.</summary>
    /// <param name="x">Any shape; Float32, Float64, Int32 or Int64.</param>
    /// <param name="y">A shape that broadcasts with <paramref name="x"/>; same dtype.</param>
    /// <param name="name">Op name (default <c>Maximum</c>).</param>
    /// <returns>The broadcast shape of x and y.</returns>
    /// <exception cref="ArgumentException">Dtype mismatch, non-numeric dtype, or shapes that cannot broadcast.</exception>
    public static Tensor Maximum(Tensor x, Tensor y, string? name = null) => ArithmeticOps.Maximum(x, y, name);

    /// <summary>Element-wise minimum with broadcasting (TF: <c>tf.math.minimum</c>); NaN propagates.</summary>
    /// <param name="x">Any shape; Float32, Float64, Int32 or Int64.</param>
    /// <param name="y">A shape that broadcasts with <paramref name="x"/>; same dtype.</param>
    /// <param name="name">Op name (default <c>Minimum</c>).</param>
    /// <returns>The broadcast shape of x and y.</returns>
    /// <exception cref="ArgumentException">Dtype mismatch, non-numeric dtype, or shapes that cannot broadcast.</exception>
    public static Tensor Minimum(Tensor x, Tensor y, string? name = null) => ArithmeticOps.Minimum(x, y, name);

    /// <summary>
    /// Element-wise power with broadcasting (TF: <c>tf.math.pow</c>): <c>z = x^y</c>. Integer powers wrap on
    /// overflow; a negative integer exponent is an error.
    /// </summary>
    /// <param name="x">The base; any shape; Float32, Float64, Int32 or Int64.</param>
    /// <param name="y">The exponent; broadcasts with <paramref name="x"/>; same dtype.</param>
    /// <param name="name">Op name (default <c>pow</c>).</param>
    /// <returns>The broadcast shape of x and y.</returns>
    /// <exception cref="ArgumentException">Dtype mismatch, non-numeric dtype, shapes that cannot broadcast; at run
    /// time, a negative integer exponent.</exception>
    public static Tensor Pow(Tensor x, Tensor y, string? name = null) => ArithmeticOps.Pow(x, y, name);

    /// <summary>Element-wise <c>(x - y)²</c> with broadcasting (TF: <c>tf.math.squared_difference</c>).</summary>
    /// <param name="x">Any shape; Float32, Float64, Int32 or Int64.</param>
    /// <param name="y">A shape that broadcasts with <paramref name="x"/>; same dtype.</param>
    /// <param name="name">Op name (default <c>SquaredDifference</c>).</param>
    /// <returns>The broadcast shape of x and y.</returns>
    /// <exception cref="ArgumentException">Dtype mismatch, non-numeric dtype, or shapes that cannot broadcast.</exception>
    public static Tensor SquaredDifference(Tensor x, Tensor y, string? name = null) => ArithmeticOps.SquaredDifference(x, y, name);

    // ---------------------------------------------------------------- comparisons and logic

    /// <summary>Element-wise <c>x &lt; y</c> with broadcasting (TF: <c>tf.math.less</c>).</summary>
    /// <param name="x">Any shape; Float32, Float64, Int32 or Int64.</param>
    /// <param name="y">A shape that broadcasts with <paramref name="x"/>; same dtype.</param>
    /// <param name="name">Op name (default <c>less</c>).</param>
    /// <returns>A Bool tensor of the broadcast shape.</returns>
    /// <exception cref="ArgumentException">Dtype mismatch, non-numeric dtype, or shapes that cannot broadcast.</exception>
    public static Tensor Less(Tensor x, Tensor y, string? name = null) => ComparisonOps.Compare("Less", x, y, name ?? "less");

    /// <summary>Element-wise <c>x ≤ y</c> with broadcasting (TF: <c>tf.math.less_equal</c>).</summary>
    /// <param name="x">Any shape; Float32, Float64, Int32 or Int64.</param>
    /// <param name="y">A shape that broadcasts with <paramref name="x"/>; same dtype.</param>
    /// <param name="name">Op name (default <c>less_equal</c>).</param>
    /// <returns>A Bool tensor of the broadcast shape.</returns>
    /// <exception cref="ArgumentException">Dtype mismatch, non-numeric dtype, or shapes that cannot broadcast.</exception>
    public static Tensor LessEqual(Tensor x, Tensor y, string? name = null) => ComparisonOps.Compare("LessEqual", x, y, name ?? "less_equal");

    /// <summary>Element-wise <c>x &gt; y</c> with broadcasting (TF: <c>tf.math.greater</c>).</summary>
    /// <param name="x">Any shape; Float32, Float64, Int32 or Int64.</param>
    /// <param name="y">A shape that broadcasts with <paramref name="x"/>; same dtype.</param>
    /// <param name="name">Op name (default <c>greater</c>).</param>
    /// <returns>A Bool tensor of the broadcast shape.</returns>
    /// <exception cref="ArgumentException">Dtype mismatch, non-numeric dtype, or shapes that cannot broadcast.</exception>
    public static Tensor Greater(Tensor x, Tensor y, string? name = null) => ComparisonOps.Compare("Greater", x, y, name ?? "greater");

    /// <summary>Element-wise <c>x ≥ y</c> with broadcasting (TF: <c>tf.math.greater_equal</c>).</summary>
    /// <param name="x">Any shape; Float32, Float64, Int32 or Int64.</param>
    /// <param name="y">A shape that broadcasts with <paramref name="x"/>; same dtype.</param>
    /// <param name="name">Op name (default <c>greater_equal</c>).</param>
    /// <returns>A Bool tensor of the broadcast shape.</returns>
    /// <exception cref="ArgumentException">Dtype mismatch, non-numeric dtype, or shapes that cannot broadcast.</exception>
    public static Tensor GreaterEqual(Tensor x, Tensor y, string? name = null) => ComparisonOps.Compare("GreaterEqual", x, y, name ?? "greater_equal");

    /// <summary>Element-wise <c>x == y</c> with broadcasting (TF: <c>tf.math.equal</c>); NaN equals nothing.</summary>
    /// <param name="x">Any shape; any dtype but Variant.</param>
    /// <param name="y">A shape that broadcasts with <paramref name="x"/>; same dtype.</param>
    /// <param name="name">Op name (default <c>Equal</c>).</param>
    /// <returns>A Bool tensor of the broadcast shape.</returns>
    /// <exception cref="ArgumentException">Dtype mismatch or shapes that cannot broadcast.</exception>
    public static Tensor Equal(Tensor x, Tensor y, string? name = null) => ComparisonOps.Compare("Equal", x, y, name ?? "Equal");

    /// <summary>Element-wise <c>x ≠ y</c> with broadcasting (TF: <c>tf.math.not_equal</c>).</summary>
    /// <param name="x">Any shape; any dtype but Variant.</param>
    /// <param name="y">A shape that broadcasts with <paramref name="x"/>; same dtype.</param>
    /// <param name="name">Op name (default <c>NotEqual</c>).</param>
    /// <returns>A Bool tensor of the broadcast shape.</returns>
    /// <exception cref="ArgumentException">Dtype mismatch or shapes that cannot broadcast.</exception>
    public static Tensor NotEqual(Tensor x, Tensor y, string? name = null) => ComparisonOps.Compare("NotEqual", x, y, name ?? "NotEqual");

    /// <summary>Element-wise <c>x ∧ y</c> with broadcasting (TF: <c>tf.math.logical_and</c>).</summary>
    /// <param name="x">Bool, any shape.</param>
    /// <param name="y">Bool, a shape that broadcasts with <paramref name="x"/>.</param>
    /// <param name="name">Op name (default <c>LogicalAnd</c>).</param>
    /// <returns>A Bool tensor of the broadcast shape.</returns>
    /// <exception cref="ArgumentException">An input is not Bool, or the shapes cannot broadcast.</exception>
    public static Tensor LogicalAnd(Tensor x, Tensor y, string? name = null) => ComparisonOps.Logical("LogicalAnd", x, y, name ?? "LogicalAnd");

    /// <summary>Element-wise <c>x ∨ y</c> with broadcasting (TF: <c>tf.math.logical_or</c>).</summary>
    /// <param name="x">Bool, any shape.</param>
    /// <param name="y">Bool, a shape that broadcasts with <paramref name="x"/>.</param>
    /// <param name="name">Op name (default <c>LogicalOr</c>).</param>
    /// <returns>A Bool tensor of the broadcast shape.</returns>
    /// <exception cref="ArgumentException">An input is not Bool, or the shapes cannot broadcast.</exception>
    public static Tensor LogicalOr(Tensor x, Tensor y, string? name = null) => ComparisonOps.Logical("LogicalOr", x, y, name ?? "LogicalOr");

    /// <summary>Element-wise <c>¬x</c> (TF: <c>tf.math.logical_not</c>).</summary>
    /// <param name="x">Bool, any shape.</param>
    /// <param name="name">Op name (default <c>LogicalNot</c>).</param>
    /// <returns>Bool, the shape of x.</returns>
    /// <exception cref="ArgumentException">x is not Bool.</exception>
    public static Tensor LogicalNot(Tensor x, string? name = null) => ComparisonOps.LogicalNot(x, name);

    // ---------------------------------------------------------------- unary

    /// <summary>Element-wise <c>-x</c> (TF: <c>tf.math.negative</c>).</summary>
    /// <param name="x">Any shape; Float32, Float64, Int32 or Int64.</param>
    /// <param name="name">Op name (default <c>Neg</c>).</param>
    /// <returns>The shape and dtype of x.</returns>
    /// <exception cref="ArgumentException">x is not numeric.</exception>
    public static Tensor Negative(Tensor x, string? name = null) => UnaryOps.Build("Neg", x, name);

    /// <summary>Element-wise logistic sigmoid <c>1 / (1 + e^-x)</c> (TF: <c>tf.math.sigmoid</c>).</summary>
    /// <param name="x">Any shape; Float32 or Float64.</param>
    /// <param name="name">Op name (default <c>Sigmoid</c>).</param>
    /// <returns>The shape and dtype of x.</returns>
    /// <exception cref="ArgumentException">x is not floating point.</exception>
    public static Tensor Sigmoid(Tensor x, string? name = null) => UnaryOps.Build("Sigmoid", x, name);

    /// <summary>Element-wise hyperbolic tangent (TF: <c>tf.math.tanh</c>).</summary>
    /// <param name="x">Any shape; Float32 or Float64.</param>
    /// <param name="name">Op name (default <c>Tanh</c>).</param>
    /// <returns>The shape and dtype of x.</returns>
    /// <exception cref="ArgumentException">x is not floating point.</exception>
    public static Tensor Tanh(Tensor x, string? name = null) => UnaryOps.Build("Tanh", x, name);

    /// <summary>Element-wise <c>max(x, 0)</c> (TF: <c>tf.nn.relu</c>; also <see cref="Nn.Relu(Tensor)"/>).</summary>
    /// <param name="x">Any shape; Float32, Float64, Int32 or Int64.</param>
    /// <param name="name">Op name (default <c>Relu</c>).</param>
    /// <returns>The shape and dtype of x.</returns>
    /// <exception cref="ArgumentException">x is not numeric.</exception>
    public static Tensor Relu(Tensor x, string? name = null) => UnaryOps.Build("Relu", x, name);

    /// <summary>Element-wise <c>e^x</c> (TF: <c>tf.math.exp</c>).</summary>
    /// <param name="x">Any shape; Float32 or Float64.</param>
    /// <param name="name">Op name (default <c>Exp</c>).</param>
    /// <returns>The shape and dtype of x.</returns>
    /// <exception cref="ArgumentException">x is not floating point.</exception>
    public static Tensor Exp(Tensor x, string? name = null) => UnaryOps.Build("Exp", x, name);

    /// <summary>Element-wise natural logarithm (TF: <c>tf.math.log</c>); log 0 = -∞, log of a negative = NaN.</summary>
    /// <param name="x">Any shape; Float32 or Float64.</param>
    /// <param name="name">Op name (default <c>Log</c>).</param>
    /// <returns>The shape and dtype of x.</returns>
    /// <exception cref="ArgumentException">x is not floating point.</exception>
    public static Tensor Log(Tensor x, string? name = null) => UnaryOps.Build("Log", x, name);

    /// <summary>Element-wise square root (TF: <c>tf.math.sqrt</c>); negative inputs give NaN.</summary>
    /// <param name="x">Any shape; Float32 or Float64.</param>
    /// <param name="name">Op name (default <c>Sqrt</c>).</param>
    /// <returns>The shape and dtype of x.</returns>
    /// <exception cref="ArgumentException">x is not floating point.</exception>
    public static Tensor Sqrt(Tensor x, string? name = null) => UnaryOps.Build("Sqrt", x, name);

    /// <summary>Element-wise <c>1 / √x</c> (TF: <c>tf.math.rsqrt</c>).</summary>
    /// <param name="x">Any shape; Float32 or Float64.</param>
    /// <param name="name">Op name (default <c>Rsqrt</c>).</param>
    /// <returns>The shape and dtype of x.</returns>
    /// <exception cref="ArgumentException">x is not floating point.</exception>
    public static Tensor Rsqrt(Tensor x, string? name = null) => UnaryOps.Build("Rsqrt", x, name);

    /// <summary>Element-wise <c>x²</c> (TF: <c>tf.math.square</c>).</summary>
    /// <param name="x">Any shape; Float32, Float64, Int32 or Int64.</param>
    /// <param name="name">Op name (default <c>Square</c>).</param>
    /// <returns>The shape and dtype of x.</returns>
    /// <exception cref="ArgumentException">x is not numeric.</exception>
    public static Tensor Square(Tensor x, string? name = null) => UnaryOps.Build("Square", x, name);

    /// <summary>Element-wise <c>|x|</c> (TF: <c>tf.math.abs</c>); integer MinValue wraps to itself.</summary>
    /// <param name="x">Any shape; Float32, Float64, Int32 or Int64.</param>
    /// <param name="name">Op name (default <c>Abs</c>).</param>
    /// <returns>The shape and dtype of x.</returns>
    /// <exception cref="ArgumentException">x is not numeric.</exception>
    public static Tensor Abs(Tensor x, string? name = null) => UnaryOps.Build("Abs", x, name);

    /// <summary>Element-wise sign: -1, 0 or 1 (NaN stays NaN) (TF: <c>tf.math.sign</c>).</summary>
    /// <param name="x">Any shape; Float32, Float64, Int32 or Int64.</param>
    /// <param name="name">Op name (default <c>Sign</c>).</param>
    /// <returns>The shape and dtype of x.</returns>
    /// <exception cref="ArgumentException">x is not numeric.</exception>
    public static Tensor Sign(Tensor x, string? name = null) => UnaryOps.Build("Sign", x, name);

    /// <summary>Element-wise <c>1 / x</c> (TF: <c>tf.math.reciprocal</c>).</summary>
    /// <param name="x">Any shape; Float32 or Float64.</param>
    /// <param name="name">Op name (default <c>Reciprocal</c>).</param>
    /// <returns>The shape and dtype of x.</returns>
    /// <exception cref="ArgumentException">x is not floating point.</exception>
    public static Tensor Reciprocal(Tensor x, string? name = null) => UnaryOps.Build("Reciprocal", x, name);
}
