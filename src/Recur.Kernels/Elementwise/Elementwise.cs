using System.Numerics.Tensors;
using Recur.Kernels.Operators;

namespace Recur.Kernels;

/// <summary>
/// Element-wise kernels over spans (the math behind TF's element-wise ops, <c>tf.math.*</c> and <c>tf.nn.relu</c>).
/// </summary>
/// <remarks>
/// <para>Every method has a float and a double overload. Inputs and the destination are flat spans; the
/// destination must hold at least as many values as <c>x</c> (only that prefix is written) and may be the
/// same span as an input, but must not otherwise overlap one. Binary inputs must have equal lengths.</para>
/// <para>Transcendentals come from <see cref="TensorPrimitives"/>; the rest are SIMD operator loops.</para>
/// <para>Example: <c>Elementwise.Tanh(z, h);</c> then <c>Elementwise.TanhGrad(h, dh, dz);</c>.</para>
/// </remarks>
public static class Elementwise
{
    /// <summary>destination[i] = x[i] + y[i] (TF: <c>tf.math.add</c>).</summary>
    /// <param name="x">The left operand.</param>
    /// <param name="y">The right operand; same length as <paramref name="x"/>.</param>
    /// <param name="destination">Receives the result; at least as long as <paramref name="x"/>; may be <paramref name="x"/> or <paramref name="y"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="y"/> has a different length from <paramref name="x"/>, or <paramref name="destination"/> is too short.</exception>
    public static void Add(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination)
    {
        ElementwiseCore.CheckBinary(x.Length, y.Length, destination.Length, nameof(Add));
        TensorPrimitives.Add(x, y, destination);
    }

    /// <summary>destination[i] = x[i] + y[i] (TF: <c>tf.math.add</c>).</summary>
    /// <param name="x">The left operand.</param>
    /// <param name="y">The right operand; same length as <paramref name="x"/>.</param>
    /// <param name="destination">Receives the result; at least as long as <paramref name="x"/>; may be <paramref name="x"/> or <paramref name="y"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="y"/> has a different length from <paramref name="x"/>, or <paramref name="destination"/> is too short.</exception>
    public static void Add(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> destination)
    {
        ElementwiseCore.CheckBinary(x.Length, y.Length, destination.Length, nameof(Add));
        TensorPrimitives.Add(x, y, destination);
    }

    /// <summary>destination[i] = x[i] - y[i] (TF: <c>tf.math.subtract</c>).</summary>
    /// <param name="x">The left operand.</param>
    /// <param name="y">The right operand; same length as <paramref name="x"/>.</param>
    /// <param name="destination">Receives the result; at least as long as <paramref name="x"/>; may be <paramref name="x"/> or <paramref name="y"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="y"/> has a different length from <paramref name="x"/>, or <paramref name="destination"/> is too short.</exception>
    public static void Subtract(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination)
    {
        ElementwiseCore.CheckBinary(x.Length, y.Length, destination.Length, nameof(Subtract));
        TensorPrimitives.Subtract(x, y, destination);
    }

    /// <summary>destination[i] = x[i] - y[i] (TF: <c>tf.math.subtract</c>).</summary>
    /// <param name="x">The left operand.</param>
    /// <param name="y">The right operand; same length as <paramref name="x"/>.</param>
    /// <param name="destination">Receives the result; at least as long as <paramref name="x"/>; may be <paramref name="x"/> or <paramref name="y"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="y"/> has a different length from <paramref name="x"/>, or <paramref name="destination"/> is too short.</exception>
    public static void Subtract(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> destination)
    {
        ElementwiseCore.CheckBinary(x.Length, y.Length, destination.Length, nameof(Subtract));
        TensorPrimitives.Subtract(x, y, destination);
    }

    /// <summary>destination[i] = x[i] * y[i] (TF: <c>tf.math.multiply</c>).</summary>
    /// <param name="x">The left operand.</param>
    /// <param name="y">The right operand; same length as <paramref name="x"/>.</param>
    /// <param name="destination">Receives the result; at least as long as <paramref name="x"/>; may be <paramref name="x"/> or <paramref name="y"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="y"/> has a different length from <paramref name="x"/>, or <paramref name="destination"/> is too short.</exception>
    public static void Multiply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination)
    {
        ElementwiseCore.CheckBinary(x.Length, y.Length, destination.Length, nameof(Multiply));
        TensorPrimitives.Multiply(x, y, destination);
    }

    /// <summary>destination[i] = x[i] * y[i] (TF: <c>tf.math.multiply</c>).</summary>
    /// <param name="x">The left operand.</param>
    /// <param name="y">The right operand; same length as <paramref name="x"/>.</param>
    /// <param name="destination">Receives the result; at least as long as <paramref name="x"/>; may be <paramref name="x"/> or <paramref name="y"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="y"/> has a different length from <paramref name="x"/>, or <paramref name="destination"/> is too short.</exception>
    public static void Multiply(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> destination)
    {
        ElementwiseCore.CheckBinary(x.Length, y.Length, destination.Length, nameof(Multiply));
        TensorPrimitives.Multiply(x, y, destination);
    }

    /// <summary>destination[i] = x[i] / y[i] (TF: <c>tf.math.divide</c>).</summary>
    /// <param name="x">The left operand.</param>
    /// <param name="y">The right operand; same length as <paramref name="x"/>.</param>
    /// <param name="destination">Receives the result; at least as long as <paramref name="x"/>; may be <paramref name="x"/> or <paramref name="y"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="y"/> has a different length from <paramref name="x"/>, or <paramref name="destination"/> is too short.</exception>
    public static void Divide(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination)
    {
        ElementwiseCore.CheckBinary(x.Length, y.Length, destination.Length, nameof(Divide));
        TensorPrimitives.Divide(x, y, destination);
    }

    /// <summary>destination[i] = x[i] / y[i] (TF: <c>tf.math.divide</c>).</summary>
    /// <param name="x">The left operand.</param>
    /// <param name="y">The right operand; same length as <paramref name="x"/>.</param>
    /// <param name="destination">Receives the result; at least as long as <paramref name="x"/>; may be <paramref name="x"/> or <paramref name="y"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="y"/> has a different length from <paramref name="x"/>, or <paramref name="destination"/> is too short.</exception>
    public static void Divide(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> destination)
    {
        ElementwiseCore.CheckBinary(x.Length, y.Length, destination.Length, nameof(Divide));
        TensorPrimitives.Divide(x, y, destination);
    }

    /// <summary>destination[i] = max(x[i], y[i]) (NaN if either is NaN) (TF: <c>tf.math.maximum</c>).</summary>
    /// <param name="x">The left operand.</param>
    /// <param name="y">The right operand; same length as <paramref name="x"/>.</param>
    /// <param name="destination">Receives the result; at least as long as <paramref name="x"/>; may be <paramref name="x"/> or <paramref name="y"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="y"/> has a different length from <paramref name="x"/>, or <paramref name="destination"/> is too short.</exception>
    public static void Max(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination)
    {
        ElementwiseCore.CheckBinary(x.Length, y.Length, destination.Length, nameof(Max));
        TensorPrimitives.Max(x, y, destination);
    }

    /// <summary>destination[i] = max(x[i], y[i]) (NaN if either is NaN) (TF: <c>tf.math.maximum</c>).</summary>
    /// <param name="x">The left operand.</param>
    /// <param name="y">The right operand; same length as <paramref name="x"/>.</param>
    /// <param name="destination">Receives the result; at least as long as <paramref name="x"/>; may be <paramref name="x"/> or <paramref name="y"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="y"/> has a different length from <paramref name="x"/>, or <paramref name="destination"/> is too short.</exception>
    public static void Max(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> destination)
    {
        ElementwiseCore.CheckBinary(x.Length, y.Length, destination.Length, nameof(Max));
        TensorPrimitives.Max(x, y, destination);
    }

    /// <summary>destination[i] = min(x[i], y[i]) (NaN if either is NaN) (TF: <c>tf.math.minimum</c>).</summary>
    /// <param name="x">The left operand.</param>
    /// <param name="y">The right operand; same length as <paramref name="x"/>.</param>
    /// <param name="destination">Receives the result; at least as long as <paramref name="x"/>; may be <paramref name="x"/> or <paramref name="y"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="y"/> has a different length from <paramref name="x"/>, or <paramref name="destination"/> is too short.</exception>
    public static void Min(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination)
    {
        ElementwiseCore.CheckBinary(x.Length, y.Length, destination.Length, nameof(Min));
        TensorPrimitives.Min(x, y, destination);
    }

    /// <summary>destination[i] = min(x[i], y[i]) (NaN if either is NaN) (TF: <c>tf.math.minimum</c>).</summary>
    /// <param name="x">The left operand.</param>
    /// <param name="y">The right operand; same length as <paramref name="x"/>.</param>
    /// <param name="destination">Receives the result; at least as long as <paramref name="x"/>; may be <paramref name="x"/> or <paramref name="y"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="y"/> has a different length from <paramref name="x"/>, or <paramref name="destination"/> is too short.</exception>
    public static void Min(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> destination)
    {
        ElementwiseCore.CheckBinary(x.Length, y.Length, destination.Length, nameof(Min));
        TensorPrimitives.Min(x, y, destination);
    }

    /// <summary>destination[i] = x[i] + y (TF: <c>tf.math.add with a scalar</c>).</summary>
    /// <param name="x">The span operand.</param>
    /// <param name="y">The scalar operand.</param>
    /// <param name="destination">Receives the result; at least as long as <paramref name="x"/>; may be <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="x"/>.</exception>
    public static void Add(ReadOnlySpan<float> x, float y, Span<float> destination)
    {
        ElementwiseCore.CheckUnary(x.Length, destination.Length, nameof(Add));
        TensorPrimitives.Add(x, y, destination);
    }

    /// <summary>destination[i] = x[i] + y (TF: <c>tf.math.add with a scalar</c>).</summary>
    /// <param name="x">The span operand.</param>
    /// <param name="y">The scalar operand.</param>
    /// <param name="destination">Receives the result; at least as long as <paramref name="x"/>; may be <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="x"/>.</exception>
    public static void Add(ReadOnlySpan<double> x, double y, Span<double> destination)
    {
        ElementwiseCore.CheckUnary(x.Length, destination.Length, nameof(Add));
        TensorPrimitives.Add(x, y, destination);
    }

    /// <summary>destination[i] = x[i] - y (TF: <c>tf.math.subtract with a scalar</c>).</summary>
    /// <param name="x">The span operand.</param>
    /// <param name="y">The scalar operand.</param>
    /// <param name="destination">Receives the result; at least as long as <paramref name="x"/>; may be <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="x"/>.</exception>
    public static void Subtract(ReadOnlySpan<float> x, float y, Span<float> destination)
    {
        ElementwiseCore.CheckUnary(x.Length, destination.Length, nameof(Subtract));
        TensorPrimitives.Subtract(x, y, destination);
    }

    /// <summary>destination[i] = x[i] - y (TF: <c>tf.math.subtract with a scalar</c>).</summary>
    /// <param name="x">The span operand.</param>
    /// <param name="y">The scalar operand.</param>
    /// <param name="destination">Receives the result; at least as long as <paramref name="x"/>; may be <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="x"/>.</exception>
    public static void Subtract(ReadOnlySpan<double> x, double y, Span<double> destination)
    {
        ElementwiseCore.CheckUnary(x.Length, destination.Length, nameof(Subtract));
        TensorPrimitives.Subtract(x, y, destination);
    }

    /// <summary>destination[i] = x[i] * y (TF: <c>tf.math.multiply with a scalar</c>).</summary>
    /// <param name="x">The span operand.</param>
    /// <param name="y">The scalar operand.</param>
    /// <param name="destination">Receives the result; at least as long as <paramref name="x"/>; may be <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="x"/>.</exception>
    public static void Multiply(ReadOnlySpan<float> x, float y, Span<float> destination)
    {
        ElementwiseCore.CheckUnary(x.Length, destination.Length, nameof(Multiply));
        TensorPrimitives.Multiply(x, y, destination);
    }

    /// <summary>destination[i] = x[i] * y (TF: <c>tf.math.multiply with a scalar</c>).</summary>
    /// <param name="x">The span operand.</param>
    /// <param name="y">The scalar operand.</param>
    /// <param name="destination">Receives the result; at least as long as <paramref name="x"/>; may be <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="x"/>.</exception>
    public static void Multiply(ReadOnlySpan<double> x, double y, Span<double> destination)
    {
        ElementwiseCore.CheckUnary(x.Length, destination.Length, nameof(Multiply));
        TensorPrimitives.Multiply(x, y, destination);
    }

    /// <summary>destination[i] = x[i] / y (TF: <c>tf.math.divide with a scalar</c>).</summary>
    /// <param name="x">The span operand.</param>
    /// <param name="y">The scalar operand.</param>
    /// <param name="destination">Receives the result; at least as long as <paramref name="x"/>; may be <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="x"/>.</exception>
    public static void Divide(ReadOnlySpan<float> x, float y, Span<float> destination)
    {
        ElementwiseCore.CheckUnary(x.Length, destination.Length, nameof(Divide));
        TensorPrimitives.Divide(x, y, destination);
    }

    /// <summary>destination[i] = x[i] / y (TF: <c>tf.math.divide with a scalar</c>).</summary>
    /// <param name="x">The span operand.</param>
    /// <param name="y">The scalar operand.</param>
    /// <param name="destination">Receives the result; at least as long as <paramref name="x"/>; may be <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="x"/>.</exception>
    public static void Divide(ReadOnlySpan<double> x, double y, Span<double> destination)
    {
        ElementwiseCore.CheckUnary(x.Length, destination.Length, nameof(Divide));
        TensorPrimitives.Divide(x, y, destination);
    }

    /// <summary>destination[i] = max(x[i], y) (NaN if either is NaN) (TF: <c>tf.math.maximum with a scalar</c>).</summary>
    /// <param name="x">The span operand.</param>
    /// <param name="y">The scalar operand.</param>
    /// <param name="destination">Receives the result; at least as long as <paramref name="x"/>; may be <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="x"/>.</exception>
    public static void Max(ReadOnlySpan<float> x, float y, Span<float> destination)
    {
        ElementwiseCore.CheckUnary(x.Length, destination.Length, nameof(Max));
        TensorPrimitives.Max(x, y, destination);
    }

    /// <summary>destination[i] = max(x[i], y) (NaN if either is NaN) (TF: <c>tf.math.maximum with a scalar</c>).</summary>
    /// <param name="x">The span operand.</param>
    /// <param name="y">The scalar operand.</param>
    /// <param name="destination">Receives the result; at least as long as <paramref name="x"/>; may be <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="x"/>.</exception>
    public static void Max(ReadOnlySpan<double> x, double y, Span<double> destination)
    {
        ElementwiseCore.CheckUnary(x.Length, destination.Length, nameof(Max));
        TensorPrimitives.Max(x, y, destination);
    }

    /// <summary>destination[i] = min(x[i], y) (NaN if either is NaN) (TF: <c>tf.math.minimum with a scalar</c>).</summary>
    /// <param name="x">The span operand.</param>
    /// <param name="y">The scalar operand.</param>
    /// <param name="destination">Receives the result; at least as long as <paramref name="x"/>; may be <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="x"/>.</exception>
    public static void Min(ReadOnlySpan<float> x, float y, Span<float> destination)
    {
        ElementwiseCore.CheckUnary(x.Length, destination.Length, nameof(Min));
        TensorPrimitives.Min(x, y, destination);
    }

    /// <summary>destination[i] = min(x[i], y) (NaN if either is NaN) (TF: <c>tf.math.minimum with a scalar</c>).</summary>
    /// <param name="x">The span operand.</param>
    /// <param name="y">The scalar operand.</param>
    /// <param name="destination">Receives the result; at least as long as <paramref name="x"/>; may be <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="x"/>.</exception>
    public static void Min(ReadOnlySpan<double> x, double y, Span<double> destination)
    {
        ElementwiseCore.CheckUnary(x.Length, destination.Length, nameof(Min));
        TensorPrimitives.Min(x, y, destination);
    }

    /// <summary>destination[i] = -x[i] (TF: <c>tf.math.negative</c>).</summary>
    /// <param name="x">The input.</param>
    /// <param name="destination">Receives the result; at least as long as <paramref name="x"/>; may be <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="x"/>.</exception>
    public static void Negate(ReadOnlySpan<float> x, Span<float> destination)
    {
        ElementwiseCore.CheckUnary(x.Length, destination.Length, nameof(Negate));
        TensorPrimitives.Negate(x, destination);
    }

    /// <summary>destination[i] = -x[i] (TF: <c>tf.math.negative</c>).</summary>
    /// <param name="x">The input.</param>
    /// <param name="destination">Receives the result; at least as long as <paramref name="x"/>; may be <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="x"/>.</exception>
    public static void Negate(ReadOnlySpan<double> x, Span<double> destination)
    {
        ElementwiseCore.CheckUnary(x.Length, destination.Length, nameof(Negate));
        TensorPrimitives.Negate(x, destination);
    }

    /// <summary>destination[i] = |x[i]| (TF: <c>tf.math.abs</c>).</summary>
    /// <param name="x">The input.</param>
    /// <param name="destination">Receives the result; at least as long as <paramref name="x"/>; may be <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="x"/>.</exception>
    public static void Abs(ReadOnlySpan<float> x, Span<float> destination)
    {
        ElementwiseCore.CheckUnary(x.Length, destination.Length, nameof(Abs));
        TensorPrimitives.Abs(x, destination);
    }

    /// <summary>destination[i] = |x[i]| (TF: <c>tf.math.abs</c>).</summary>
    /// <param name="x">The input.</param>
    /// <param name="destination">Receives the result; at least as long as <paramref name="x"/>; may be <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="x"/>.</exception>
    public static void Abs(ReadOnlySpan<double> x, Span<double> destination)
    {
        ElementwiseCore.CheckUnary(x.Length, destination.Length, nameof(Abs));
        TensorPrimitives.Abs(x, destination);
    }

    /// <summary>destination[i] = sign(x[i]): 1 if positive, -1 if negative, x[i] itself for zeros and NaN (TF: <c>tf.math.sign</c>).</summary>
    /// <param name="x">The input.</param>
    /// <param name="destination">Receives the result; at least as long as <paramref name="x"/>; may be <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="x"/>.</exception>
    public static void Sign(ReadOnlySpan<float> x, Span<float> destination)
    {
        ElementwiseCore.CheckUnary(x.Length, destination.Length, nameof(Sign));
        ElementwiseCore.Sign(x, destination);
    }

    /// <summary>destination[i] = sign(x[i]): 1 if positive, -1 if negative, x[i] itself for zeros and NaN (TF: <c>tf.math.sign</c>).</summary>
    /// <param name="x">The input.</param>
    /// <param name="destination">Receives the result; at least as long as <paramref name="x"/>; may be <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="x"/>.</exception>
    public static void Sign(ReadOnlySpan<double> x, Span<double> destination)
    {
        ElementwiseCore.CheckUnary(x.Length, destination.Length, nameof(Sign));
        ElementwiseCore.Sign(x, destination);
    }

    /// <summary>destination[i] = x[i] * x[i] (TF: <c>tf.math.square</c>).</summary>
    /// <param name="x">The input.</param>
    /// <param name="destination">Receives the result; at least as long as <paramref name="x"/>; may be <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="x"/>.</exception>
    public static void Square(ReadOnlySpan<float> x, Span<float> destination)
    {
        ElementwiseCore.CheckUnary(x.Length, destination.Length, nameof(Square));
        ElementwiseCore.Square(x, destination);
    }

    /// <summary>destination[i] = x[i] * x[i] (TF: <c>tf.math.square</c>).</summary>
    /// <param name="x">The input.</param>
    /// <param name="destination">Receives the result; at least as long as <paramref name="x"/>; may be <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="x"/>.</exception>
    public static void Square(ReadOnlySpan<double> x, Span<double> destination)
    {
        ElementwiseCore.CheckUnary(x.Length, destination.Length, nameof(Square));
        ElementwiseCore.Square(x, destination);
    }

    /// <summary>destination[i] = sqrt(x[i]) (TF: <c>tf.math.sqrt</c>).</summary>
    /// <param name="x">The input.</param>
    /// <param name="destination">Receives the result; at least as long as <paramref name="x"/>; may be <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="x"/>.</exception>
    public static void Sqrt(ReadOnlySpan<float> x, Span<float> destination)
    {
        ElementwiseCore.CheckUnary(x.Length, destination.Length, nameof(Sqrt));
        TensorPrimitives.Sqrt(x, destination);
    }

    /// <summary>destination[i] = sqrt(x[i]) (TF: <c>tf.math.sqrt</c>).</summary>
    /// <param name="x">The input.</param>
    /// <param name="destination">Receives the result; at least as long as <paramref name="x"/>; may be <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="x"/>.</exception>
    public static void Sqrt(ReadOnlySpan<double> x, Span<double> destination)
    {
        ElementwiseCore.CheckUnary(x.Length, destination.Length, nameof(Sqrt));
        TensorPrimitives.Sqrt(x, destination);
    }

    /// <summary>destination[i] = e^x[i] (TF: <c>tf.math.exp</c>).</summary>
    /// <param name="x">The input.</param>
    /// <param name="destination">Receives the result; at least as long as <paramref name="x"/>; may be <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="x"/>.</exception>
    public static void Exp(ReadOnlySpan<float> x, Span<float> destination)
    {
        ElementwiseCore.CheckUnary(x.Length, destination.Length, nameof(Exp));
        TensorPrimitives.Exp(x, destination);
    }

    /// <summary>destination[i] = e^x[i] (TF: <c>tf.math.exp</c>).</summary>
    /// <param name="x">The input.</param>
    /// <param name="destination">Receives the result; at least as long as <paramref name="x"/>; may be <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="x"/>.</exception>
    public static void Exp(ReadOnlySpan<double> x, Span<double> destination)
    {
        ElementwiseCore.CheckUnary(x.Length, destination.Length, nameof(Exp));
        TensorPrimitives.Exp(x, destination);
    }

    /// <summary>destination[i] = ln(x[i]) (TF: <c>tf.math.log</c>).</summary>
    /// <param name="x">The input.</param>
    /// <param name="destination">Receives the result; at least as long as <paramref name="x"/>; may be <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="x"/>.</exception>
    public static void Log(ReadOnlySpan<float> x, Span<float> destination)
    {
        ElementwiseCore.CheckUnary(x.Length, destination.Length, nameof(Log));
        TensorPrimitives.Log(x, destination);
    }

    /// <summary>destination[i] = ln(x[i]) (TF: <c>tf.math.log</c>).</summary>
    /// <param name="x">The input.</param>
    /// <param name="destination">Receives the result; at least as long as <paramref name="x"/>; may be <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="x"/>.</exception>
    public static void Log(ReadOnlySpan<double> x, Span<double> destination)
    {
        ElementwiseCore.CheckUnary(x.Length, destination.Length, nameof(Log));
        TensorPrimitives.Log(x, destination);
    }

    /// <summary>destination[i] = 1 / (1 + e^-x[i]) (TF: <c>tf.math.sigmoid</c>).</summary>
    /// <param name="x">The input.</param>
    /// <param name="destination">Receives the result; at least as long as <paramref name="x"/>; may be <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="x"/>.</exception>
    public static void Sigmoid(ReadOnlySpan<float> x, Span<float> destination)
    {
        ElementwiseCore.CheckUnary(x.Length, destination.Length, nameof(Sigmoid));
        if (!x.IsEmpty)
        {
            // TensorPrimitives.Sigmoid rejects empty spans; an empty sigmoid is a no-op here.
            TensorPrimitives.Sigmoid(x, destination);
        }
    }

    /// <summary>destination[i] = 1 / (1 + e^-x[i]) (TF: <c>tf.math.sigmoid</c>).</summary>
    /// <param name="x">The input.</param>
    /// <param name="destination">Receives the result; at least as long as <paramref name="x"/>; may be <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="x"/>.</exception>
    public static void Sigmoid(ReadOnlySpan<double> x, Span<double> destination)
    {
        ElementwiseCore.CheckUnary(x.Length, destination.Length, nameof(Sigmoid));
        if (!x.IsEmpty)
        {
            // TensorPrimitives.Sigmoid rejects empty spans; an empty sigmoid is a no-op here.
            TensorPrimitives.Sigmoid(x, destination);
        }
    }

    /// <summary>destination[i] = tanh(x[i]) (TF: <c>tf.math.tanh</c>).</summary>
    /// <param name="x">The input.</param>
    /// <param name="destination">Receives the result; at least as long as <paramref name="x"/>; may be <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="x"/>.</exception>
    public static void Tanh(ReadOnlySpan<float> x, Span<float> destination)
    {
        ElementwiseCore.CheckUnary(x.Length, destination.Length, nameof(Tanh));
        ElementwiseCore.Tanh(x, destination);
    }

    /// <summary>destination[i] = tanh(x[i]) (TF: <c>tf.math.tanh</c>).</summary>
    /// <param name="x">The input.</param>
    /// <param name="destination">Receives the result; at least as long as <paramref name="x"/>; may be <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="x"/>.</exception>
    /// <remarks>
    /// <c>TensorPrimitives.Tanh(double)</c> loses small inputs (tanh(1e-300) = −0); inputs with |x| &lt; 1/8 are
    /// recomputed with the odd Taylor polynomial of tanh to x¹⁵ (truncation error below 1e-17 relative there).
    /// </remarks>
    public static void Tanh(ReadOnlySpan<double> x, Span<double> destination)
    {
        ElementwiseCore.CheckUnary(x.Length, destination.Length, nameof(Tanh));
        ElementwiseCore.Tanh(x, destination);
    }

    /// <summary>destination[i] = max(x[i], 0) (TF: <c>tf.nn.relu</c>).</summary>
    /// <param name="x">The input.</param>
    /// <param name="destination">Receives the result; at least as long as <paramref name="x"/>; may be <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="x"/>.</exception>
    public static void Relu(ReadOnlySpan<float> x, Span<float> destination)
    {
        ElementwiseCore.CheckUnary(x.Length, destination.Length, nameof(Relu));
        ElementwiseCore.Relu(x, destination);
    }

    /// <summary>destination[i] = max(x[i], 0) (TF: <c>tf.nn.relu</c>).</summary>
    /// <param name="x">The input.</param>
    /// <param name="destination">Receives the result; at least as long as <paramref name="x"/>; may be <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="x"/>.</exception>
    public static void Relu(ReadOnlySpan<double> x, Span<double> destination)
    {
        ElementwiseCore.CheckUnary(x.Length, destination.Length, nameof(Relu));
        ElementwiseCore.Relu(x, destination);
    }

    /// <summary>destination[i] = dy[i] * y[i] * (1 - y[i]), the sigmoid gradient from its output y (TF: the gradient of tf.math.sigmoid (SigmoidGrad)).</summary>
    /// <param name="y">The forward output.</param>
    /// <param name="dy">The gradient of the loss with respect to the forward output; same length as <paramref name="y"/>.</param>
    /// <param name="destination">Receives the gradient with respect to the forward input; at least as long as <paramref name="y"/>; may be an input.</param>
    /// <exception cref="ArgumentException"><paramref name="dy"/> has a different length from <paramref name="y"/>, or <paramref name="destination"/> is too short.</exception>
    public static void SigmoidGrad(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> destination)
    {
        ElementwiseCore.CheckBinary(y.Length, dy.Length, destination.Length, nameof(SigmoidGrad), nameof(dy));
        ElementwiseCore.SigmoidGrad(y, dy, destination);
    }

    /// <summary>destination[i] = dy[i] * y[i] * (1 - y[i]), the sigmoid gradient from its output y (TF: the gradient of tf.math.sigmoid (SigmoidGrad)).</summary>
    /// <param name="y">The forward output.</param>
    /// <param name="dy">The gradient of the loss with respect to the forward output; same length as <paramref name="y"/>.</param>
    /// <param name="destination">Receives the gradient with respect to the forward input; at least as long as <paramref name="y"/>; may be an input.</param>
    /// <exception cref="ArgumentException"><paramref name="dy"/> has a different length from <paramref name="y"/>, or <paramref name="destination"/> is too short.</exception>
    public static void SigmoidGrad(ReadOnlySpan<double> y, ReadOnlySpan<double> dy, Span<double> destination)
    {
        ElementwiseCore.CheckBinary(y.Length, dy.Length, destination.Length, nameof(SigmoidGrad), nameof(dy));
        ElementwiseCore.SigmoidGrad(y, dy, destination);
    }

    /// <summary>destination[i] = dy[i] * (1 - y[i]^2), the tanh gradient from its output y (TF: the gradient of tf.math.tanh (TanhGrad)).</summary>
    /// <param name="y">The forward output.</param>
    /// <param name="dy">The gradient of the loss with respect to the forward output; same length as <paramref name="y"/>.</param>
    /// <param name="destination">Receives the gradient with respect to the forward input; at least as long as <paramref name="y"/>; may be an input.</param>
    /// <exception cref="ArgumentException"><paramref name="dy"/> has a different length from <paramref name="y"/>, or <paramref name="destination"/> is too short.</exception>
    public static void TanhGrad(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> destination)
    {
        ElementwiseCore.CheckBinary(y.Length, dy.Length, destination.Length, nameof(TanhGrad), nameof(dy));
        ElementwiseCore.TanhGrad(y, dy, destination);
    }

    /// <summary>destination[i] = dy[i] * (1 - y[i]^2), the tanh gradient from its output y (TF: the gradient of tf.math.tanh (TanhGrad)).</summary>
    /// <param name="y">The forward output.</param>
    /// <param name="dy">The gradient of the loss with respect to the forward output; same length as <paramref name="y"/>.</param>
    /// <param name="destination">Receives the gradient with respect to the forward input; at least as long as <paramref name="y"/>; may be an input.</param>
    /// <exception cref="ArgumentException"><paramref name="dy"/> has a different length from <paramref name="y"/>, or <paramref name="destination"/> is too short.</exception>
    public static void TanhGrad(ReadOnlySpan<double> y, ReadOnlySpan<double> dy, Span<double> destination)
    {
        ElementwiseCore.CheckBinary(y.Length, dy.Length, destination.Length, nameof(TanhGrad), nameof(dy));
        ElementwiseCore.TanhGrad(y, dy, destination);
    }

    /// <summary>destination[i] = x[i] &gt; 0 ? dy[i] : 0, the ReLU gradient from its input x (TF: the gradient of tf.nn.relu (ReluGrad)).</summary>
    /// <param name="x">The forward input.</param>
    /// <param name="dy">The gradient of the loss with respect to the forward output; same length as <paramref name="x"/>.</param>
    /// <param name="destination">Receives the gradient with respect to the forward input; at least as long as <paramref name="x"/>; may be an input.</param>
    /// <exception cref="ArgumentException"><paramref name="dy"/> has a different length from <paramref name="x"/>, or <paramref name="destination"/> is too short.</exception>
    public static void ReluGrad(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> destination)
    {
        ElementwiseCore.CheckBinary(x.Length, dy.Length, destination.Length, nameof(ReluGrad), nameof(dy));
        ElementwiseCore.ReluGrad(x, dy, destination);
    }

    /// <summary>destination[i] = x[i] &gt; 0 ? dy[i] : 0, the ReLU gradient from its input x (TF: the gradient of tf.nn.relu (ReluGrad)).</summary>
    /// <param name="x">The forward input.</param>
    /// <param name="dy">The gradient of the loss with respect to the forward output; same length as <paramref name="x"/>.</param>
    /// <param name="destination">Receives the gradient with respect to the forward input; at least as long as <paramref name="x"/>; may be an input.</param>
    /// <exception cref="ArgumentException"><paramref name="dy"/> has a different length from <paramref name="x"/>, or <paramref name="destination"/> is too short.</exception>
    public static void ReluGrad(ReadOnlySpan<double> x, ReadOnlySpan<double> dy, Span<double> destination)
    {
        ElementwiseCore.CheckBinary(x.Length, dy.Length, destination.Length, nameof(ReluGrad), nameof(dy));
        ElementwiseCore.ReluGrad(x, dy, destination);
    }

    /// <summary>destination[i] = x[i] + alpha * y[i] (TF: <c>tf.math.add(x, alpha * y) (BLAS axpy)</c>).</summary>
    /// <param name="x">The addend.</param>
    /// <param name="y">The scaled operand; same length as <paramref name="x"/>.</param>
    /// <param name="alpha">The scale of <paramref name="y"/>.</param>
    /// <param name="destination">Receives the result; at least as long as <paramref name="x"/>; may be <paramref name="x"/> or <paramref name="y"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="y"/> has a different length from <paramref name="x"/>, or <paramref name="destination"/> is too short.</exception>
    public static void AddScaled(ReadOnlySpan<float> x, ReadOnlySpan<float> y, float alpha, Span<float> destination)
    {
        ElementwiseCore.CheckBinary(x.Length, y.Length, destination.Length, nameof(AddScaled));
        ElementwiseCore.AddScaled(x, y, alpha, destination);
    }

    /// <summary>destination[i] = x[i] + alpha * y[i] (TF: <c>tf.math.add(x, alpha * y) (BLAS axpy)</c>).</summary>
    /// <param name="x">The addend.</param>
    /// <param name="y">The scaled operand; same length as <paramref name="x"/>.</param>
    /// <param name="alpha">The scale of <paramref name="y"/>.</param>
    /// <param name="destination">Receives the result; at least as long as <paramref name="x"/>; may be <paramref name="x"/> or <paramref name="y"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="y"/> has a different length from <paramref name="x"/>, or <paramref name="destination"/> is too short.</exception>
    public static void AddScaled(ReadOnlySpan<double> x, ReadOnlySpan<double> y, double alpha, Span<double> destination)
    {
        ElementwiseCore.CheckBinary(x.Length, y.Length, destination.Length, nameof(AddScaled));
        ElementwiseCore.AddScaled(x, y, alpha, destination);
    }
}
