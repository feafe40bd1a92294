using System.Numerics;
using System.Numerics.Tensors;
using Recur.Kernels;

namespace Recur;

/// <summary>
/// The element-wise unary ops: Neg, Abs, Sign, Square (all numeric dtypes), Relu (numeric), and the floating-only
/// Sigmoid, Tanh, Exp, Log, Sqrt, Rsqrt, Reciprocal. Float and double run the SIMD kernels of
/// <see cref="Elementwise"/>; integers run generic loops.
/// </summary>
internal static class UnaryOps
{
    private static readonly DType[] Numeric = { DType.Float32, DType.Float64, DType.Int32, DType.Int64 };
    private static readonly DType[] Floating = { DType.Float32, DType.Float64 };

    private delegate void SpanFn<T>(ReadOnlySpan<T> x, Span<T> destination);

    public static Tensor Build(string type, Tensor x, string? name)
    {
        ArgumentNullException.ThrowIfNull(x);
        BinaryOp.CheckDType(type, x.DType, type is "Neg" or "Abs" or "Sign" or "Square" or "Relu" ? Numeric : Floating);
        return Graph.Default.AddOperation(type, name ?? type, new[] { x }, new[] { (x.DType, x.Shape) }).Outputs[0];
    }

    [OpKernel("Neg", BorrowsInputs = true)]
    private static void NegKernel(OpContext ctx) =>
        Run(ctx, Elementwise.Negate, Elementwise.Negate, TensorPrimitives.Negate, TensorPrimitives.Negate);

    [OpKernel("Abs", BorrowsInputs = true)]
    private static void AbsKernel(OpContext ctx) => Run(ctx, Elementwise.Abs, Elementwise.Abs, IntAbs, IntAbs);

    [OpKernel("Sign", BorrowsInputs = true)]
    private static void SignKernel(OpContext ctx) => Run(ctx, Elementwise.Sign, Elementwise.Sign, IntSign, IntSign);

    [OpKernel("Square", BorrowsInputs = true)]
    private static void SquareKernel(OpContext ctx) => Run(ctx, Elementwise.Square, Elementwise.Square, IntSquare, IntSquare);

    [OpKernel("Relu", BorrowsInputs = true)]
    private static void ReluKernel(OpContext ctx) => Run(ctx, Elementwise.Relu, Elementwise.Relu, IntRelu, IntRelu);

    [OpKernel("Sigmoid", BorrowsInputs = true)]
    private static void SigmoidKernel(OpContext ctx) => Run(ctx, Elementwise.Sigmoid, Elementwise.Sigmoid, null, null);

    [OpKernel("Tanh", BorrowsInputs = true)]
    private static void TanhKernel(OpContext ctx) => Run(ctx, Elementwise.Tanh, Elementwise.Tanh, null, null);

    [OpKernel("Exp", BorrowsInputs = true)]
    private static void ExpKernel(OpContext ctx) => Run(ctx, Elementwise.Exp, Elementwise.Exp, null, null);

    [OpKernel("Log", BorrowsInputs = true)]
    private static void LogKernel(OpContext ctx) => Run(ctx, Elementwise.Log, Elementwise.Log, null, null);

    [OpKernel("Sqrt", BorrowsInputs = true)]
    private static void SqrtKernel(OpContext ctx) => Run(ctx, Elementwise.Sqrt, Elementwise.Sqrt, null, null);

    [OpKernel("Rsqrt", BorrowsInputs = true)]
    private static void RsqrtKernel(OpContext ctx) => Run(ctx, TensorPrimitives.ReciprocalSqrt, TensorPrimitives.ReciprocalSqrt, null, null);

    [OpKernel("Reciprocal", BorrowsInputs = true)]
    private static void ReciprocalKernel(OpContext ctx) => Run(ctx, TensorPrimitives.Reciprocal, TensorPrimitives.Reciprocal, null, null);

    // ---- Gradients (TF math_grad.py), reusing the forward output where TF does.
    [OpGradient("Neg")]
    private static Tensor?[] NegGrad(Operation op, IReadOnlyList<Tensor?> dy) => new[] { dy[0] is { } g ? Tf.Negative(g) : null };

    /// <summary>d|x| = dy · sign(x).</summary>
    [OpGradient("Abs")]
    private static Tensor?[] AbsGrad(Operation op, IReadOnlyList<Tensor?> dy) => new[] { dy[0] is { } g ? Tf.Multiply(g, Tf.Sign(op.Inputs[0])) : null };

    /// <summary>d sign(x) = 0.</summary>
    [OpGradient("Sign")]
    private static Tensor?[] SignGrad(Operation op, IReadOnlyList<Tensor?> dy) => new[] { dy[0] is null ? null : FillOps.ZerosLike(op.Inputs[0], null) };

    /// <summary>d x² = 2x · dy.</summary>
    [OpGradient("Square")]
    private static Tensor?[] SquareGrad(Operation op, IReadOnlyList<Tensor?> dy)
    {
        var x = op.Inputs[0];
        return new[] { dy[0] is { } g ? Tf.Multiply(g, Tf.Multiply(Tf.ScalarLike(x, 2), x)) : null };
    }

    /// <summary>d relu(x) = dy where y &gt; 0 (the output decides, as in TF).</summary>
    [OpGradient("Relu")]
    private static Tensor?[] ReluGrad(Operation op, IReadOnlyList<Tensor?> dy) => new[] { dy[0] is { } g ? GradientKernelOps.ReluGrad(g, op.Outputs[0]) : null };

    /// <summary>d σ(x) = dy · y (1 - y).</summary>
    [OpGradient("Sigmoid")]
    private static Tensor?[] SigmoidGrad(Operation op, IReadOnlyList<Tensor?> dy) => new[] { dy[0] is { } g ? GradientKernelOps.SigmoidGrad(op.Outputs[0], g) : null };

    /// <summary>d tanh(x) = dy · (1 - y²).</summary>
    [OpGradient("Tanh")]
    private static Tensor?[] TanhGrad(Operation op, IReadOnlyList<Tensor?> dy) => new[] { dy[0] is { } g ? GradientKernelOps.TanhGrad(op.Outputs[0], g) : null };

    /// <summary>d eˣ = dy · y.</summary>
    [OpGradient("Exp")]
    private static Tensor?[] ExpGrad(Operation op, IReadOnlyList<Tensor?> dy) => new[] { dy[0] is { } g ? Tf.Multiply(g, op.Outputs[0]) : null };

    /// <summary>d log x = dy / x.</summary>
    [OpGradient("Log")]
    private static Tensor?[] LogGrad(Operation op, IReadOnlyList<Tensor?> dy) => new[] { dy[0] is { } g ? Tf.Multiply(g, Tf.Reciprocal(op.Inputs[0])) : null };

    /// <summary>d √x = dy · 0.5 / y.</summary>
    [OpGradient("Sqrt")]
    private static Tensor?[] SqrtGrad(Operation op, IReadOnlyList<Tensor?> dy)
    {
        var y = op.Outputs[0];
        return new[] { dy[0] is { } g ? Tf.Divide(Tf.Multiply(g, Tf.ScalarLike(y, 0.5)), y) : null };
    }

    /// <summary>d x^-½ = dy · -0.5 · y³.</summary>
    [OpGradient("Rsqrt")]
    private static Tensor?[] RsqrtGrad(Operation op, IReadOnlyList<Tensor?> dy)
    {
        var y = op.Outputs[0];
        return new[] { dy[0] is { } g ? Tf.Multiply(Tf.Multiply(g, Tf.ScalarLike(y, -0.5)), Tf.Multiply(y, Tf.Square(y))) : null };
    }

    /// <summary>d (1/x) = -dy · y².</summary>
    [OpGradient("Reciprocal")]
    private static Tensor?[] ReciprocalGrad(Operation op, IReadOnlyList<Tensor?> dy) =>
        new[] { dy[0] is { } g ? Tf.Negative(Tf.Multiply(g, Tf.Square(op.Outputs[0]))) : null };


    private static void Run(OpContext ctx, SpanFn<float> f, SpanFn<double> d, SpanFn<int>? i, SpanFn<long>? l)
    {
        var x = ctx.Input(0);
        var r = ctx.AllocateOutput(0, x.Shape, x.DType);
        switch (x.DType)
        {
            case DType.Float32: f(x.Data<float>(), r.Data<float>()); break;
            case DType.Float64: d(x.Data<double>(), r.Data<double>()); break;
            case DType.Int32 when i is not null: i(x.Data<int>(), r.Data<int>()); break;
            case DType.Int64 when l is not null: l(x.Data<long>(), r.Data<long>()); break;
            default: ctx.Fail($"dtype {x.DType} is not supported."); break;
        }
        ctx.SetOutput(0, r);
    }

    /// <summary>|x|, wrapping for MinValue as two's complement (and TF) do.</summary>
    private static void IntAbs<T>(ReadOnlySpan<T> x, Span<T> d)
        where T : IBinaryInteger<T>
    {
        for (int k = 0; k < x.Length; k++) d[k] = T.IsNegative(x[k]) ? unchecked(T.Zero - x[k]) : x[k];
    }

    private static void IntSign<T>(ReadOnlySpan<T> x, Span<T> d)
        where T : IBinaryInteger<T>
    {
        for (int k = 0; k < x.Length; k++) d[k] = T.CreateTruncating(T.Sign(x[k]));
    }

    private static void IntSquare<T>(ReadOnlySpan<T> x, Span<T> d)
        where T : IBinaryInteger<T> => TensorPrimitives.Multiply(x, x, d);

    private static void IntRelu<T>(ReadOnlySpan<T> x, Span<T> d)
        where T : IBinaryInteger<T> => TensorPrimitives.Max(x, T.Zero, d);
}
