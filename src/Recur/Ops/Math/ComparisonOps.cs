using System.Numerics;

namespace Recur;

/// <summary>
/// The broadcasting comparisons (Less, LessEqual, Greater, GreaterEqual, Equal, NotEqual → Bool) and the logical ops
/// (LogicalAnd, LogicalOr, LogicalNot on Bool). Equal and NotEqual also accept Bool inputs, as in TF.
/// </summary>
internal static class ComparisonOps
{
    private static readonly DType[] Ordered = { DType.Float32, DType.Float64, DType.Int32, DType.Int64 };
    private static readonly DType[] Any = { DType.Float32, DType.Float64, DType.Int32, DType.Int64, DType.Bool };
    private static readonly DType[] BoolOnly = { DType.Bool };

    public static Tensor Compare(string type, Tensor x, Tensor y, string? name) =>
        BinaryOp.Build(type, x, y, name, type is "Equal" or "NotEqual" ? Any : Ordered, DType.Bool);

    public static Tensor Logical(string type, Tensor x, Tensor y, string? name) => BinaryOp.Build(type, x, y, name, BoolOnly);

    public static Tensor LogicalNot(Tensor x, string? name)
    {
        ArgumentNullException.ThrowIfNull(x);
        BinaryOp.CheckDType("LogicalNot", x.DType, BoolOnly);
        return Graph.Default.AddOperation("LogicalNot", name ?? "LogicalNot", new[] { x }, new[] { (DType.Bool, x.Shape) }).Outputs[0];
    }

    [OpKernel("Less", BorrowsInputs = true)]
    private static void LessKernel(OpContext ctx) => BinaryOp.RunCompare<LessOp<float>, LessOp<double>, LessOp<int>, LessOp<long>>(ctx);

    [OpKernel("LessEqual", BorrowsInputs = true)]
    private static void LessEqualKernel(OpContext ctx) => BinaryOp.RunCompare<LessEqualOp<float>, LessEqualOp<double>, LessEqualOp<int>, LessEqualOp<long>>(ctx);

    [OpKernel("Greater", BorrowsInputs = true)]
    private static void GreaterKernel(OpContext ctx) => BinaryOp.RunCompare<GreaterOp<float>, GreaterOp<double>, GreaterOp<int>, GreaterOp<long>>(ctx);

    [OpKernel("GreaterEqual", BorrowsInputs = true)]
    private static void GreaterEqualKernel(OpContext ctx) => BinaryOp.RunCompare<GreaterEqualOp<float>, GreaterEqualOp<double>, GreaterEqualOp<int>, GreaterEqualOp<long>>(ctx);

    [OpKernel("Equal", BorrowsInputs = true)]
    private static void EqualKernel(OpContext ctx)
    {
        if (ctx.Input(0).DType == DType.Bool) BinaryOp.Run<BoolEqualOp, bool, bool>(ctx);
        else BinaryOp.RunCompare<EqualOp<float>, EqualOp<double>, EqualOp<int>, EqualOp<long>>(ctx);
    }

    [OpKernel("NotEqual", BorrowsInputs = true)]
    private static void NotEqualKernel(OpContext ctx)
    {
        if (ctx.Input(0).DType == DType.Bool) BinaryOp.Run<BoolNotEqualOp, bool, bool>(ctx);
        else BinaryOp.RunCompare<NotEqualOp<float>, NotEqualOp<double>, NotEqualOp<int>, NotEqualOp<long>>(ctx);
    }

    [OpKernel("LogicalAnd", BorrowsInputs = true)]
    private static void LogicalAndKernel(OpContext ctx) => BinaryOp.Run<AndOp, bool, bool>(ctx);

    [OpKernel("LogicalOr", BorrowsInputs = true)]
    private static void LogicalOrKernel(OpContext ctx) => BinaryOp.Run<OrOp, bool, bool>(ctx);

    [OpKernel("LogicalNot", BorrowsInputs = true)]
    private static void LogicalNotKernel(OpContext ctx)
    {
        var x = ctx.Input(0);
        var r = ctx.AllocateOutput(0, x.Shape, DType.Bool);
        var xs = x.Data<bool>();
        var d = r.Data<bool>();
        for (int i = 0; i < xs.Length; i++) d[i] = !xs[i];
        ctx.SetOutput(0, r);
    }

    /// <summary>Comparisons and logical ops are not differentiable (TF: <c>ops.NotDifferentiable</c>).</summary>
    [OpGradient("Less")]
    [OpGradient("LessEqual")]
    [OpGradient("Greater")]
    [OpGradient("GreaterEqual")]
    [OpGradient("Equal")]
    [OpGradient("NotEqual")]
    [OpGradient("LogicalAnd")]
    [OpGradient("LogicalOr")]
    [OpGradient("LogicalNot")]
    private static Tensor?[] NoGradient(Operation op, IReadOnlyList<Tensor?> dz) => new Tensor?[op.Inputs.Count];

    /// <summary>Span forms for a comparison given by its scalar predicate (comparisons are not hot; plain loops).</summary>
    private static class Loops<TOp, T>
        where TOp : IBinarySpanOp<T, bool>
    {
        public static void VV(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<bool> d)
        {
            for (int i = 0; i < x.Length; i++) d[i] = TOp.Scalar(x[i], y[i]);
        }

        public static void VS(ReadOnlySpan<T> x, T y, Span<bool> d)
        {
            for (int i = 0; i < x.Length; i++) d[i] = TOp.Scalar(x[i], y);
        }

        public static void SV(T x, ReadOnlySpan<T> y, Span<bool> d)
        {
            for (int i = 0; i < y.Length; i++) d[i] = TOp.Scalar(x, y[i]);
        }
    }

    internal readonly struct LessOp<T> : IBinarySpanOp<T, bool>
        where T : INumber<T>
    {
        public static bool Scalar(T x, T y) => x < y;
        public static void VV(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<bool> d) => Loops<LessOp<T>, T>.VV(x, y, d);
        public static void VS(ReadOnlySpan<T> x, T y, Span<bool> d) => Loops<LessOp<T>, T>.VS(x, y, d);
        public static void SV(T x, ReadOnlySpan<T> y, Span<bool> d) => Loops<LessOp<T>, T>.SV(x, y, d);
    }

    internal readonly struct LessEqualOp<T> : IBinarySpanOp<T, bool>
        where T : INumber<T>
    {
        public static bool Scalar(T x, T y) => x <= y;
        public static void VV(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<bool> d) => Loops<LessEqualOp<T>, T>.VV(x, y, d);
        public static void VS(ReadOnlySpan<T> x, T y, Span<bool> d) => Loops<LessEqualOp<T>, T>.VS(x, y, d);
        public static void SV(T x, ReadOnlySpan<T> y, Span<bool> d) => Loops<LessEqualOp<T>, T>.SV(x, y, d);
    }

    internal readonly struct GreaterOp<T> : IBinarySpanOp<T, bool>
        where T : INumber<T>
    {
        public static bool Scalar(T x, T y) => x > y;
        public static void VV(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<bool> d) => Loops<GreaterOp<T>, T>.VV(x, y, d);
        public static void VS(ReadOnlySpan<T> x, T y, Span<bool> d) => Loops<GreaterOp<T>, T>.VS(x, y, d);
        public static void SV(T x, ReadOnlySpan<T> y, Span<bool> d) => Loops<GreaterOp<T>, T>.SV(x, y, d);
    }

    internal readonly struct GreaterEqualOp<T> : IBinarySpanOp<T, bool>
        where T : INumber<T>
    {
        public static bool Scalar(T x, T y) => x >= y;
        public static void VV(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<bool> d) => Loops<GreaterEqualOp<T>, T>.VV(x, y, d);
        public static void VS(ReadOnlySpan<T> x, T y, Span<bool> d) => Loops<GreaterEqualOp<T>, T>.VS(x, y, d);
        public static void SV(T x, ReadOnlySpan<T> y, Span<bool> d) => Loops<GreaterEqualOp<T>, T>.SV(x, y, d);
    }

    /// <summary>x == y; NaN is unequal to everything, as IEEE (and TF) say.</summary>
    internal readonly struct EqualOp<T> : IBinarySpanOp<T, bool>
        where T : INumber<T>
    {
        public static bool Scalar(T x, T y) => x == y;
        public static void VV(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<bool> d) => Loops<EqualOp<T>, T>.VV(x, y, d);
        public static void VS(ReadOnlySpan<T> x, T y, Span<bool> d) => Loops<EqualOp<T>, T>.VS(x, y, d);
        public static void SV(T x, ReadOnlySpan<T> y, Span<bool> d) => Loops<EqualOp<T>, T>.SV(x, y, d);
    }

    internal readonly struct NotEqualOp<T> : IBinarySpanOp<T, bool>
        where T : INumber<T>
    {
        public static bool Scalar(T x, T y) => x != y;
        public static void VV(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<bool> d) => Loops<NotEqualOp<T>, T>.VV(x, y, d);
        public static void VS(ReadOnlySpan<T> x, T y, Span<bool> d) => Loops<NotEqualOp<T>, T>.VS(x, y, d);
        public static void SV(T x, ReadOnlySpan<T> y, Span<bool> d) => Loops<NotEqualOp<T>, T>.SV(x, y, d);
    }

    internal readonly struct BoolEqualOp : IBinarySpanOp<bool, bool>
    {
        public static bool Scalar(bool x, bool y) => x == y;
        public static void VV(ReadOnlySpan<bool> x, ReadOnlySpan<bool> y, Span<bool> d) => Loops<BoolEqualOp, bool>.VV(x, y, d);
        public static void VS(ReadOnlySpan<bool> x, bool y, Span<bool> d) => Loops<BoolEqualOp, bool>.VS(x, y, d);
        public static void SV(bool x, ReadOnlySpan<bool> y, Span<bool> d) => Loops<BoolEqualOp, bool>.SV(x, y, d);
    }

    internal readonly struct BoolNotEqualOp : IBinarySpanOp<bool, bool>
    {
        public static bool Scalar(bool x, bool y) => x != y;
        public static void VV(ReadOnlySpan<bool> x, ReadOnlySpan<bool> y, Span<bool> d) => Loops<BoolNotEqualOp, bool>.VV(x, y, d);
        public static void VS(ReadOnlySpan<bool> x, bool y, Span<bool> d) => Loops<BoolNotEqualOp, bool>.VS(x, y, d);
        public static void SV(bool x, ReadOnlySpan<bool> y, Span<bool> d) => Loops<BoolNotEqualOp, bool>.SV(x, y, d);
    }

    internal readonly struct AndOp : IBinarySpanOp<bool, bool>
    {
        public static bool Scalar(bool x, bool y) => x && y;
        public static void VV(ReadOnlySpan<bool> x, ReadOnlySpan<bool> y, Span<bool> d) => Loops<AndOp, bool>.VV(x, y, d);
        public static void VS(ReadOnlySpan<bool> x, bool y, Span<bool> d) => Loops<AndOp, bool>.VS(x, y, d);
        public static void SV(bool x, ReadOnlySpan<bool> y, Span<bool> d) => Loops<AndOp, bool>.SV(x, y, d);
    }

    internal readonly struct OrOp : IBinarySpanOp<bool, bool>
    {
        public static bool Scalar(bool x, bool y) => x || y;
        public static void VV(ReadOnlySpan<bool> x, ReadOnlySpan<bool> y, Span<bool> d) => Loops<OrOp, bool>.VV(x, y, d);
        public static void VS(ReadOnlySpan<bool> x, bool y, Span<bool> d) => Loops<OrOp, bool>.VS(x, y, d);
        public static void SV(bool x, ReadOnlySpan<bool> y, Span<bool> d) => Loops<OrOp, bool>.SV(x, y, d);
    }
}
