using System.Diagnostics;
using System.Numerics;
using System.Numerics.Tensors;

namespace Recur.Kernels.Operators;

/// <summary>Generic implementations behind <see cref="Kernels.Elementwise"/>: validate, then one TensorPrimitives call or operator loop.</summary>
internal static class ElementwiseCore
{
    private const string Owner = "Elementwise";

    // The owner name is formatted only on failure: these checks run on every element-wise call.
    public static void CheckUnary(int xLength, int destinationLength, string method)
    {
        if (destinationLength < xLength)
            ThrowHelper.CheckDestination(destinationLength, xLength, $"{Owner}.{method}", "destination");
    }

    public static void CheckBinary(int xLength, int yLength, int destinationLength, string method, string yName = "y")
    {
        if (yLength != xLength)
            ThrowHelper.CheckLength(yLength, xLength, $"{Owner}.{method}", yName);
        if (destinationLength < xLength)
            ThrowHelper.CheckDestination(destinationLength, xLength, $"{Owner}.{method}", "destination");
    }

    /// <summary>Taylor coefficients of tanh: tanh(x) = x * sum_i c[i] * x^(2i).</summary>
    private static readonly double[] TanhSeries =
        [1.0, -1.0 / 3, 2.0 / 15, -17.0 / 315, 62.0 / 2835, -1382.0 / 155925, 21844.0 / 6081075, -929569.0 / 638512875];

    /// <summary>
    /// tanh through TensorPrimitives, with small inputs recomputed from the Taylor series (TensorPrimitives
    /// has an absolute error near 0: tanh(0f) = -5.96e-8, tanh(1e-300) = -0). Float: |x| &lt; 1/4, terms to
    /// x^9; double: |x| &lt; 1/8, terms to x^15. The input is copied block-wise first, so destination may be x.
    /// </summary>
    public static void Tanh<T>(ReadOnlySpan<T> x, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int Block = 256;
        Span<T> copy = stackalloc T[Block];
        for (int start = 0; start < x.Length; start += Block)
        {
            int n = Math.Min(Block, x.Length - start);
            Span<T> xs = copy[..n];
            x.Slice(start, n).CopyTo(xs);
            Span<T> ys = destination.Slice(start, n);
            TensorPrimitives.Tanh(xs, ys);
            FixSmallTanh(xs, ys);
        }
    }

    private static void FixSmallTanh<T>(ReadOnlySpan<T> x, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool single = typeof(T) == typeof(float);
        T limit = T.CreateTruncating(single ? 0.25 : 0.125);
        int terms = single ? 5 : 8;
        int i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            var vLimit = new Vector<T>(limit);
            for (int w = Vector<T>.Count; i + w <= x.Length; i += w)
            {
                var v = Vector.Create<T>(x.Slice(i, w));
                Vector<T> small = Vector.LessThan(Vector.Abs(v), vLimit);
                if (small == Vector<T>.Zero)
                {
                    continue;
                }

                Vector<T> v2 = v * v;
                var poly = new Vector<T>(T.CreateTruncating(TanhSeries[terms - 1]));
                for (int t = terms - 2; t >= 0; t--)
                {
                    poly = (poly * v2) + new Vector<T>(T.CreateTruncating(TanhSeries[t]));
                }

                Vector.ConditionalSelect(small, v * poly, Vector.Create<T>(y.Slice(i, w))).CopyTo(y.Slice(i, w));
            }
        }

        for (; i < x.Length; i++)
        {
            T v = x[i];
            if (T.Abs(v) < limit)
            {
                T v2 = v * v;
                T poly = T.CreateTruncating(TanhSeries[terms - 1]);
                for (int t = terms - 2; t >= 0; t--)
                {
                    poly = (poly * v2) + T.CreateTruncating(TanhSeries[t]);
                }

                y[i] = v * poly;
            }
        }
    }

    public static void Square<T>(ReadOnlySpan<T> x, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Multiply(x, x, destination);

    public static void Relu<T>(ReadOnlySpan<T> x, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Max(x, T.Zero, destination);

    public static void Sign<T>(ReadOnlySpan<T> x, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T> => OperatorLoops.Unary<T, SignOperator<T>>(x, destination);

    public static void SigmoidGrad<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T> => OperatorLoops.Binary<T, SigmoidGradOperator<T>>(y, dy, destination);

    public static void TanhGrad<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T> => OperatorLoops.Binary<T, TanhGradOperator<T>>(y, dy, destination);

    public static void ReluGrad<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T> => OperatorLoops.Binary<T, ReluGradOperator<T>>(x, dy, destination);

    public static void AddScaled<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, T alpha, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Debug.Assert(x.Length == y.Length, "validated at the entry");
        TensorPrimitives.MultiplyAdd(y, alpha, x, destination);
    }
}
