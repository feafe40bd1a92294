using System.Numerics;
using System.Numerics.Tensors;

namespace Recur;

/// <summary>
/// The broadcasting arithmetic ops: Add, Sub, Mul, RealDiv (Div for integers), Maximum, Minimum, Pow. Each op's span
/// forms call <see cref="TensorPrimitives"/>' generic SIMD loops (vectorized for float, double, int and long alike);
/// the broadcast walk lives in <see cref="BinaryOp"/>.
/// </summary>
internal static class ArithmeticOps
{
    public static Tensor Add(Tensor x, Tensor y, string? name) => BinaryOp.Build("Add", x, y, name ?? "add");

    public static Tensor Subtract(Tensor x, Tensor y, string? name) => BinaryOp.Build("Sub", x, y, name ?? "sub");

    public static Tensor Multiply(Tensor x, Tensor y, string? name) => BinaryOp.Build("Mul", x, y, name ?? "mul");

    public static Tensor Divide(Tensor x, Tensor y, string? name)
    {
        ArgumentNullException.ThrowIfNull(x);
        return BinaryOp.Build(x.DType.IsInteger() ? "Div" : "RealDiv", x, y, name ?? "truediv");
    }

    public static Tensor Maximum(Tensor x, Tensor y, string? name) => BinaryOp.Build("Maximum", x, y, name ?? "Maximum");

    public static Tensor Minimum(Tensor x, Tensor y, string? name) => BinaryOp.Build("Minimum", x, y, name ?? "Minimum");

    public static Tensor Pow(Tensor x, Tensor y, string? name) => BinaryOp.Build("Pow", x, y, name ?? "pow");

    public static Tensor SquaredDifference(Tensor x, Tensor y, string? name) =>
        BinaryOp.Build("SquaredDifference", x, y, name ?? "SquaredDifference");

    [OpKernel("Add", BorrowsInputs = true)]
    private static void AddKernel(OpContext ctx) => BinaryOp.RunNumeric<AddOp<float>, AddOp<double>, AddOp<int>, AddOp<long>>(ctx);

    [OpKernel("Sub", BorrowsInputs = true)]
    private static void SubKernel(OpContext ctx) => BinaryOp.RunNumeric<SubOp<float>, SubOp<double>, SubOp<int>, SubOp<long>>(ctx);

    [OpKernel("Mul", BorrowsInputs = true)]
    private static void MulKernel(OpContext ctx) => BinaryOp.RunNumeric<MulOp<float>, MulOp<double>, MulOp<int>, MulOp<long>>(ctx);

    [OpKernel("RealDiv", BorrowsInputs = true)]
    private static void RealDivKernel(OpContext ctx) => BinaryOp.RunNumeric<DivOp<float>, DivOp<double>, DivOp<int>, DivOp<long>>(ctx);

    [OpKernel("Div", BorrowsInputs = true)]
    private static void DivKernel(OpContext ctx)
    {
        try
        {
            BinaryOp.RunNumeric<DivOp<float>, DivOp<double>, DivOp<int>, DivOp<long>>(ctx);
        }
        catch (DivideByZeroException)
        {
            ctx.FailArgument("integer division by zero.");
        }
    }

    [OpKernel("Maximum", BorrowsInputs = true)]
    private static void MaximumKernel(OpContext ctx) => BinaryOp.RunNumeric<MaxOp<float>, MaxOp<double>, MaxOp<int>, MaxOp<long>>(ctx);

    [OpKernel("Minimum", BorrowsInputs = true)]
    private static void MinimumKernel(OpContext ctx) => BinaryOp.RunNumeric<MinOp<float>, MinOp<double>, MinOp<int>, MinOp<long>>(ctx);

    [OpKernel("Pow", BorrowsInputs = true)]
    private static void PowKernel(OpContext ctx)
    {
        try
        {
            BinaryOp.RunNumeric<PowOp<float>, PowOp<double>, IntPowOp<int>, IntPowOp<long>>(ctx);
        }
        catch (ArithmeticException e)
        {
            ctx.FailArgument(e.Message);
        }
    }

    [OpKernel("SquaredDifference", BorrowsInputs = true)]
    private static void SquaredDifferenceKernel(OpContext ctx) =>
        BinaryOp.RunNumeric<SquaredDifferenceOp<float>, SquaredDifferenceOp<double>, SquaredDifferenceOp<int>, SquaredDifferenceOp<long>>(ctx);

    // ---- Gradients (TF math_grad.py). Broadcast inputs get their gradient summed back to their own shape.
    private static Tensor SumTo(Tensor g, Tensor like) => SelectOps.SumToShapeOf(g, like);

    /// <summary>d(x + y) = (dz, dz).</summary>
    [OpGradient("Add")]
    private static Tensor?[] AddGrad(Operation op, IReadOnlyList<Tensor?> dz) =>
        dz[0] is { } g ? new Tensor?[] { SumTo(g, op.Inputs[0]), SumTo(g, op.Inputs[1]) } : new Tensor?[2];

    /// <summary>d(x - y) = (dz, -dz).</summary>
    [OpGradient("Sub")]
    private static Tensor?[] SubGrad(Operation op, IReadOnlyList<Tensor?> dz) =>
        dz[0] is { } g ? new Tensor?[] { SumTo(g, op.Inputs[0]), SumTo(Tf.Negative(g), op.Inputs[1]) } : new Tensor?[2];

    /// <summary>d(x · y) = (dz · y, x · dz).</summary>
    [OpGradient("Mul")]
    private static Tensor?[] MulGrad(Operation op, IReadOnlyList<Tensor?> dz)
    {
        if (dz[0] is not { } g) return new Tensor?[2];
        var (x, y) = (op.Inputs[0], op.Inputs[1]);
        return new Tensor?[] { SumTo(Tf.Multiply(g, y), x), SumTo(Tf.Multiply(x, g), y) };
    }

    /// <summary>d(x / y) = (dz / y, -dz · x / y²).</summary>
    [OpGradient("RealDiv")]
    private static Tensor?[] RealDivGrad(Operation op, IReadOnlyList<Tensor?> dz)
    {
        if (dz[0] is not { } g) return new Tensor?[2];
        var (x, y) = (op.Inputs[0], op.Inputs[1]);
        return new Tensor?[] { SumTo(Tf.Divide(g, y), x), SumTo(Tf.Multiply(g, Tf.Negative(Tf.Divide(Tf.Divide(x, y), y))), y) };
    }

    /// <summary>Integer division has no gradient.</summary>
    [OpGradient("Div")]
    private static Tensor?[] DivGrad(Operation op, IReadOnlyList<Tensor?> dz) => new Tensor?[2];

    /// <summary>d max(x, y) = (dz where x ≥ y, dz where x &lt; y) (ties go to x, as in TF).</summary>
    [OpGradient("Maximum")]
    private static Tensor?[] MaximumGrad(Operation op, IReadOnlyList<Tensor?> dz) =>
        MaxMinGrad(op, dz, Tf.GreaterEqual(op.Inputs[0], op.Inputs[1]));

    /// <summary>d min(x, y) = (dz where x ≤ y, dz where x &gt; y).</summary>
    [OpGradient("Minimum")]
    private static Tensor?[] MinimumGrad(Operation op, IReadOnlyList<Tensor?> dz) =>
        MaxMinGrad(op, dz, Tf.LessEqual(op.Inputs[0], op.Inputs[1]));

    private static Tensor?[] MaxMinGrad(Operation op, IReadOnlyList<Tensor?> dz, Tensor xWins)
    {
        if (dz[0] is not { } g) return new Tensor?[2];
        var (x, y) = (op.Inputs[0], op.Inputs[1]);
        var mask = Tf.Cast(xWins, g.DType);
        var gx = Tf.Multiply(g, mask);
        return new Tensor?[] { SumTo(gx, x), SumTo(Tf.Subtract(g, gx), y) };
    }

    /// <summary>d x^y = (dz · y · x^(y-1), dz · z · log x) with log x taken as 0 where x ≤ 0.</summary>
    [OpGradient("Pow")]
    private static Tensor?[] PowGrad(Operation op, IReadOnlyList<Tensor?> dz)
    {
        if (dz[0] is not { } g || !g.DType.IsFloating()) return new Tensor?[2];
        var (x, y, z) = (op.Inputs[0], op.Inputs[1], op.Outputs[0]);
        var gx = Tf.Multiply(g, Tf.Multiply(y, Tf.Pow(x, Tf.Subtract(y, Tf.ScalarLike(y, 1)))));
        var positive = Tf.Greater(x, Tf.ScalarLike(x, 0));
        var safeX = SelectOps.Select(positive, x, FillOps.OnesLike(x, null), null);
        var logX = SelectOps.Select(positive, Tf.Log(safeX), FillOps.ZerosLike(x, null), null);
        var gy = Tf.Multiply(g, Tf.Multiply(z, logX));
        return new Tensor?[] { SumTo(gx, x), SumTo(gy, y) };
    }

    /// <summary>d (x - y)² = (2 (x - y) dz, -2 (x - y) dz).</summary>
    [OpGradient("SquaredDifference")]
    private static Tensor?[] SquaredDifferenceGrad(Operation op, IReadOnlyList<Tensor?> dz)
    {
        if (dz[0] is not { } g) return new Tensor?[2];
        var (x, y) = (op.Inputs[0], op.Inputs[1]);
        var d = Tf.Multiply(Tf.Multiply(Tf.ScalarLike(g, 2), g), Tf.Subtract(x, y));
        return new Tensor?[] { SumTo(d, x), SumTo(Tf.Negative(d), y) };
    }

    internal readonly struct AddOp<T> : IBinarySpanOp<T, T>
        where T : INumber<T>
    {
        public static T Scalar(T x, T y) => x + y;
        public static void VV(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) => TensorPrimitives.Add(x, y, d);
        public static void VS(ReadOnlySpan<T> x, T y, Span<T> d) => TensorPrimitives.Add(x, y, d);
        public static void SV(T x, ReadOnlySpan<T> y, Span<T> d) => TensorPrimitives.Add(y, x, d);
    }

    internal readonly struct SubOp<T> : IBinarySpanOp<T, T>
        where T : INumber<T>
    {
        public static T Scalar(T x, T y) => x - y;
        public static void VV(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) => TensorPrimitives.Subtract(x, y, d);
        public static void VS(ReadOnlySpan<T> x, T y, Span<T> d) => TensorPrimitives.Subtract(x, y, d);
        public static void SV(T x, ReadOnlySpan<T> y, Span<T> d) => TensorPrimitives.Subtract(x, y, d);
    }

    internal readonly struct MulOp<T> : IBinarySpanOp<T, T>
        where T : INumber<T>
    {
        public static T Scalar(T x, T y) => x * y;
        public static void VV(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) => TensorPrimitives.Multiply(x, y, d);
        public static void VS(ReadOnlySpan<T> x, T y, Span<T> d) => TensorPrimitives.Multiply(x, y, d);
        public static void SV(T x, ReadOnlySpan<T> y, Span<T> d) => TensorPrimitives.Multiply(y, x, d);
    }

    internal readonly struct DivOp<T> : IBinarySpanOp<T, T>
        where T : INumber<T>
    {
        public static T Scalar(T x, T y) => x / y;
        public static void VV(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) => TensorPrimitives.Divide(x, y, d);
        public static void VS(ReadOnlySpan<T> x, T y, Span<T> d) => TensorPrimitives.Divide(x, y, d);
        public static void SV(T x, ReadOnlySpan<T> y, Span<T> d) => TensorPrimitives.Divide(x, y, d);
    }

    internal readonly struct MaxOp<T> : IBinarySpanOp<T, T>
        where T : INumber<T>
    {
        public static T Scalar(T x, T y) => T.Max(x, y);
        public static void VV(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) => TensorPrimitives.Max(x, y, d);
        public static void VS(ReadOnlySpan<T> x, T y, Span<T> d) => TensorPrimitives.Max(x, y, d);
        public static void SV(T x, ReadOnlySpan<T> y, Span<T> d) => TensorPrimitives.Max(y, x, d);
    }

    internal readonly struct MinOp<T> : IBinarySpanOp<T, T>
        where T : INumber<T>
    {
        public static T Scalar(T x, T y) => T.Min(x, y);
        public static void VV(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) => TensorPrimitives.Min(x, y, d);
        public static void VS(ReadOnlySpan<T> x, T y, Span<T> d) => TensorPrimitives.Min(x, y, d);
        public static void SV(T x, ReadOnlySpan<T> y, Span<T> d) => TensorPrimitives.Min(y, x, d);
    }

    internal readonly struct PowOp<T> : IBinarySpanOp<T, T>
        where T : IFloatingPointIeee754<T>
    {
        public static T Scalar(T x, T y) => T.Pow(x, y);
        public static void VV(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) => TensorPrimitives.Pow(x, y, d);
        public static void VS(ReadOnlySpan<T> x, T y, Span<T> d) => TensorPrimitives.Pow(x, y, d);
        public static void SV(T x, ReadOnlySpan<T> y, Span<T> d) => TensorPrimitives.Pow(x, y, d);
    }

    /// <summary>Integer power by repeated squaring (wrapping on overflow, as TF); negative exponents are an error.</summary>
    internal readonly struct IntPowOp<T> : IBinarySpanOp<T, T>
        where T : IBinaryInteger<T>
    {
        public static T Scalar(T x, T y)
        {
            if (y < T.Zero) throw new ArithmeticException("integers to negative integer powers are not allowed.");
            T result = T.One;
            while (y != T.Zero)
            {
                if (!T.IsEvenInteger(y)) result = unchecked(result * x);
                x = unchecked(x * x);
                y >>= 1;
            }
            return result;
        }

        public static void VV(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d)
        {
            for (int i = 0; i < x.Length; i++) d[i] = Scalar(x[i], y[i]);
        }

        public static void VS(ReadOnlySpan<T> x, T y, Span<T> d)
        {
            for (int i = 0; i < x.Length; i++) d[i] = Scalar(x[i], y);
        }

        public static void SV(T x, ReadOnlySpan<T> y, Span<T> d)
        {
            for (int i = 0; i < y.Length; i++) d[i] = Scalar(x, y[i]);
        }
    }

    internal readonly struct SquaredDifferenceOp<T> : IBinarySpanOp<T, T>
        where T : INumber<T>
    {
        public static T Scalar(T x, T y) => (x - y) * (x - y);

        public static void VV(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d)
        {
            TensorPrimitives.Subtract(x, y, d);
            TensorPrimitives.Multiply(d, d, d);
        }

        public static void VS(ReadOnlySpan<T> x, T y, Span<T> d)
        {
            TensorPrimitives.Subtract(x, y, d);
            TensorPrimitives.Multiply(d, d, d);
        }

        public static void SV(T x, ReadOnlySpan<T> y, Span<T> d)
        {
            TensorPrimitives.Subtract(x, y, d);
            TensorPrimitives.Multiply(d, d, d);
        }
    }
}
