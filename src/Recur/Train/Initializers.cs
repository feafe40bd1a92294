namespace Recur;

/// <summary>
/// Produces a variable's initial value. TF equivalent: <c>tf.keras.initializers.Initializer</c> /
/// the TF1 <c>tf.*_initializer</c> objects. Create them through <see cref="Initializers"/>.
/// </summary>
public abstract class Initializer
{
    /// <summary>Builds ops on the default graph that produce a value of <paramref name="shape"/> and <paramref name="dtype"/>.</summary>
    internal abstract Tensor Build(Shape shape, DType dtype);

    /// <summary>A short description such as <c>GlorotUniform(seed=1)</c>.</summary>
    public abstract override string ToString();
}

/// <summary>
/// The standard initializers. TF equivalents: <c>tf.zeros_initializer</c>, <c>tf.ones_initializer</c>,
/// <c>tf.constant_initializer</c>, <c>tf.random_uniform_initializer</c>, <c>tf.random_normal_initializer</c>,
/// <c>tf.truncated_normal_initializer</c>, <c>tf.glorot_uniform_initializer</c>, <c>tf.orthogonal_initializer</c>.
/// Seeded initializers give the same values for the same seed in every session.
/// </summary>
public static class Initializers
{
    /// <summary>All zeros.</summary>
    public static Initializer Zeros() => new ConstantInit(0, null);

    /// <summary>All ones.</summary>
    public static Initializer Ones() => new ConstantInit(1, null);

    /// <summary>Every element equal to <paramref name="value"/>.</summary>
    public static Initializer Constant(double value) => new ConstantInit(value, null);

    /// <summary>
    /// A fixed array (TF: <c>tf.constant_initializer(numpy_array)</c>): its size must equal the variable's; it is
    /// reshaped to the variable's shape and cast to its dtype.
    /// </summary>
    public static Initializer Constant(NDArray value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new ConstantInit(0, value);
    }

    /// <summary>Uniform in [<paramref name="minval"/>, <paramref name="maxval"/>).</summary>
    public static Initializer RandomUniform(double minval = -0.05, double maxval = 0.05, int? seed = null)
    {
        if (!(maxval > minval))
            throw new ArgumentException($"Initializers.RandomUniform: maxval ({maxval}) must be greater than minval ({minval}).", nameof(maxval));
        return new RandomInit(RandomKind.Uniform, minval, maxval, seed);
    }

    /// <summary>Normal with the given mean and standard deviation.</summary>
    public static Initializer RandomNormal(double mean = 0.0, double stddev = 0.05, int? seed = null)
    {
        if (stddev < 0) throw new ArgumentException($"Initializers.RandomNormal: stddev must be >= 0, but got {stddev}.", nameof(stddev));
        return new RandomInit(RandomKind.Normal, mean, stddev, seed);
    }

    /// <summary>Normal, with values more than two standard deviations from the mean redrawn.</summary>
    public static Initializer TruncatedNormal(double mean = 0.0, double stddev = 0.05, int? seed = null)
    {
        if (stddev < 0) throw new ArgumentException($"Initializers.TruncatedNormal: stddev must be >= 0, but got {stddev}.", nameof(stddev));
        return new RandomInit(RandomKind.TruncatedNormal, mean, stddev, seed);
    }

    /// <summary>
    /// Glorot (Xavier) uniform: U(-l, l) with l = sqrt(6 / (fan_in + fan_out)); fans as TF computes them
    /// (for rank ≥ 2: fan_in = shape[-2]·receptive, fan_out = shape[-1]·receptive). TF1's default for <c>get_variable</c>.
    /// </summary>
    public static Initializer GlorotUniform(int? seed = null) => new GlorotInit(seed);

    /// <summary>
    /// A (semi-)orthogonal matrix times <paramref name="gain"/>, from the QR decomposition of a normal matrix with
    /// the signs of R's diagonal folded in (TF's <c>orthogonal_initializer</c>); the shape is flattened to
    /// (prod(shape[:-1]), shape[-1]).
    /// </summary>
    public static Initializer Orthogonal(double gain = 1.0, int? seed = null) => new OrthogonalInit(gain, seed);

    internal enum RandomKind { Uniform, Normal, TruncatedNormal }

    private sealed class ConstantInit(double value, NDArray? array) : Initializer
    {
        internal override Tensor Build(Shape shape, DType dtype)
        {
            if (array is null) return Tf.Fill(shape, value, dtype);
            if (array.Size != shape.NumElements)
                throw new ArgumentException($"Initializers.Constant: the array has {array.Size} elements (shape {array.Shape}), but the variable's shape {shape} needs {shape.NumElements}.");
            var v = array.DType == dtype ? array : array.AsType(dtype);
            return Tf.Constant(v.Reshape(shape));
        }

        public override string ToString() => array is null ? $"Constant({value})" : $"Constant(array {array.Shape})";
    }

    private sealed class RandomInit(RandomKind kind, double a, double b, int? seed) : Initializer
    {
        internal override Tensor Build(Shape shape, DType dtype) => RandomOps.Random(kind, shape, dtype, a, b, seed);

        public override string ToString() => $"{kind}({a}, {b}, seed={seed?.ToString() ?? "None"})";
    }

    private sealed class GlorotInit(int? seed) : Initializer
    {
        internal override Tensor Build(Shape shape, DType dtype)
        {
            var (fanIn, fanOut) = Fans(shape);
            double limit = Math.Sqrt(6.0 / Math.Max(1.0, fanIn + fanOut));
            return RandomOps.Random(RandomKind.Uniform, shape, dtype, -limit, limit, seed);
        }

        public override string ToString() => $"GlorotUniform(seed={seed?.ToString() ?? "None"})";
    }

    private sealed class OrthogonalInit(double gain, int? seed) : Initializer
    {
        internal override Tensor Build(Shape shape, DType dtype) => RandomOps.Orthogonal(shape, dtype, gain, seed);

        public override string ToString() => $"Orthogonal(gain={gain}, seed={seed?.ToString() ?? "None"})";
    }

    /// <summary>TF's <c>_compute_fans</c>.</summary>
    internal static (double FanIn, double FanOut) Fans(Shape shape)
    {
        var d = shape.Dims;
        if (d.Length < 1) return (1, 1);
        if (d.Length == 1) return (d[0], d[0]);
        if (d.Length == 2) return (d[0], d[1]);
        double receptive = 1;
        for (int i = 0; i < d.Length - 2; i++) receptive *= d[i];
        return (d[^2] * receptive, d[^1] * receptive);
    }
}
