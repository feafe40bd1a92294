using System.Numerics;
using System.Numerics.Tensors;
using Recur.Kernels;

namespace Recur;

/// <summary>
/// The fused ops that gradient rules of the math and nn ops build (TF's <c>SigmoidGrad</c>, <c>TanhGrad</c>,
/// <c>ReluGrad</c>, <c>BiasAddGrad</c>) plus two reduction-gradient ops: <c>ReductionGrad</c> (Sum and Mean: broadcast
/// dy back over the reduced axes, divided by the count for Mean) and <c>ReduceMaxMinGrad</c> (dy routed to the
/// elements equal to the extreme, split evenly among ties, as TF does).
/// </summary>
internal static class GradientKernelOps
{
    private static Tensor Add2(string type, Tensor a, Tensor b, Shape shape, Dictionary<string, object?>? attrs = null) =>
        Graph.Default.AddOperation(type, type, new[] { a, b }, new[] { (a.DType, shape) }, attrs).Outputs[0];

    // ---- SigmoidGrad(y, dy) = dy · y · (1 - y).   d/dy: g · dy · (1 - 2y);  d/d(dy): SigmoidGrad(y, g).
    public static Tensor SigmoidGrad(Tensor y, Tensor dy) => Add2("SigmoidGrad", y, dy, y.Shape.MostSpecificCompatible(dy.Shape));

    [OpKernel("SigmoidGrad", BorrowsInputs = true)]
    private static void SigmoidGradKernel(OpContext ctx) => RunPair(ctx, Elementwise.SigmoidGrad, Elementwise.SigmoidGrad);

    [OpGradient("SigmoidGrad")]
    private static Tensor?[] SigmoidGradGrad(Operation op, IReadOnlyList<Tensor?> grads)
    {
        if (grads[0] is not { } g) return new Tensor?[2];
        var y = op.Inputs[0];
        var dy = op.Inputs[1];
        var oneMinus2Y = Tf.Subtract(Tf.ScalarLike(y, 1), Tf.Multiply(Tf.ScalarLike(y, 2), y));
        return new Tensor?[] { Tf.Multiply(Tf.Multiply(g, dy), oneMinus2Y), SigmoidGrad(y, g) };
    }

    // ---- TanhGrad(y, dy) = dy · (1 - y²).   d/dy: -2 · g · dy · y;  d/d(dy): TanhGrad(y, g).
    public static Tensor TanhGrad(Tensor y, Tensor dy) => Add2("TanhGrad", y, dy, y.Shape.MostSpecificCompatible(dy.Shape));

    [OpKernel("TanhGrad", BorrowsInputs = true)]
    private static void TanhGradKernel(OpContext ctx) => RunPair(ctx, Elementwise.TanhGrad, Elementwise.TanhGrad);

    [OpGradient("TanhGrad")]
    private static Tensor?[] TanhGradGrad(Operation op, IReadOnlyList<Tensor?> grads)
    {
        if (grads[0] is not { } g) return new Tensor?[2];
        var y = op.Inputs[0];
        var dy = op.Inputs[1];
        return new Tensor?[] { Tf.Multiply(Tf.Multiply(g, dy), Tf.Multiply(Tf.ScalarLike(y, -2), y)), TanhGrad(y, g) };
    }

    // ---- ReluGrad(dy, features) = dy where features > 0, else 0.   d/d(dy): ReluGrad(g, features); d/dfeatures: 0.
    public static Tensor ReluGrad(Tensor dy, Tensor features) => Add2("ReluGrad", dy, features, dy.Shape.MostSpecificCompatible(features.Shape));

    [OpKernel("ReluGrad", BorrowsInputs = true)]
    private static void ReluGradKernel(OpContext ctx)
    {
        var dy = ctx.Input(0);
        var x = ctx.Input(1);
        if (dy.Shape != x.Shape) ctx.FailArgument($"gradients and features must have the same shape, but got {dy.Shape} and {x.Shape}.");
        var r = ctx.AllocateOutput(0, x.Shape, x.DType);
        switch (x.DType)
        {
            case DType.Float32: Elementwise.ReluGrad(x.Data<float>(), dy.Data<float>(), r.Data<float>()); break;
            case DType.Float64: Elementwise.ReluGrad(x.Data<double>(), dy.Data<double>(), r.Data<double>()); break;
            case DType.Int32: IntReluGrad(x.Data<int>(), dy.Data<int>(), r.Data<int>()); break;
            case DType.Int64: IntReluGrad(x.Data<long>(), dy.Data<long>(), r.Data<long>()); break;
            default: ctx.Fail($"dtype {x.DType} is not supported."); break;
        }
        ctx.SetOutput(0, r);
    }

    private static void IntReluGrad<T>(T[] x, T[] dy, T[] d)
        where T : INumber<T>
    {
        for (int i = 0; i < x.Length; i++) d[i] = x[i] > T.Zero ? dy[i] : T.Zero;
    }

    [OpGradient("ReluGrad")]
    private static Tensor?[] ReluGradGrad(Operation op, IReadOnlyList<Tensor?> grads)
    {
        if (grads[0] is not { } g) return new Tensor?[2];
        return new Tensor?[] { ReluGrad(g, op.Inputs[1]), FillOps.ZerosLike(op.Inputs[1], null) };
    }

    private delegate void PairFn<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> destination);

    private static void RunPair(OpContext ctx, PairFn<float> f, PairFn<double> d)
    {
        var a = ctx.Input(0);
        var b = ctx.Input(1);
        if (a.Shape != b.Shape) ctx.FailArgument($"both inputs must have the same shape, but got {a.Shape} and {b.Shape}.");
        var r = ctx.AllocateOutput(0, a.Shape, a.DType);
        switch (a.DType)
        {
            case DType.Float32: f(a.Data<float>(), b.Data<float>(), r.Data<float>()); break;
            case DType.Float64: d(a.Data<double>(), b.Data<double>(), r.Data<double>()); break;
            default: ctx.Fail($"dtype {a.DType} is not supported."); break;
        }
        ctx.SetOutput(0, r);
    }

    // ---- BiasAddGrad(dy) = Σ over every axis but the last.   Its gradient: broadcast g back over dy's shape.
    public static Tensor BiasAddGrad(Tensor dy)
    {
        var shape = dy.Shape.IsRankKnown ? new Shape(dy.Shape[-1]) : new Shape(-1);
        return Graph.Default.AddOperation("BiasAddGrad", "BiasAddGrad", new[] { dy }, new[] { (dy.DType, shape) }).Outputs[0];
    }

    [OpKernel("BiasAddGrad", BorrowsInputs = true)]
    private static void BiasAddGradKernel(OpContext ctx)
    {
        var dy = ctx.Input(0);
        if (dy.Rank < 1) ctx.FailArgument($"input must have rank >= 1, but got shape {dy.Shape}.");
        int cols = dy.Shape[-1];
        int rows = cols == 0 ? 0 : dy.Size / cols;
        var r = ctx.AllocateOutput(0, [cols], dy.DType);
        switch (dy.DType)
        {
            case DType.Float32: Reduction.SumRows(dy.Data<float>(), rows, cols, r.Data<float>()); break;
            case DType.Float64: Reduction.SumRows(dy.Data<double>(), rows, cols, r.Data<double>()); break;
            default: ctx.Fail($"dtype {dy.DType} is not supported."); break;
        }
        ctx.SetOutput(0, r);
    }

    [OpGradient("BiasAddGrad")]
    private static Tensor?[] BiasAddGradGrad(Operation op, IReadOnlyList<Tensor?> grads)
    {
        if (grads[0] is not { } g) return new Tensor?[1];
        return new Tensor?[] { BiasAddOp.Build(FillOps.ZerosLike(op.Inputs[0], null), g, null) };
    }

    // ---- ReductionGrad(dy, shape(x)): dy (the reduced shape) broadcast back to x's shape, / count for Mean.
    public static Tensor ReductionGrad(Tensor dy, Tensor x, int[]? axis, bool keepDims, bool mean) =>
        Graph.Default.AddOperation("ReductionGrad", mean ? "MeanGrad" : "SumGrad", new[] { dy, ShapeOps.Shape(x, DType.Int32, null) },
            new[] { (dy.DType, x.Shape) },
            new Dictionary<string, object?> { ["axis"] = axis, ["keep_dims"] = keepDims, ["mean"] = mean }).Outputs[0];

    [OpKernel("ReductionGrad", BorrowsInputs = true)]
    private static void ReductionGradKernel(OpContext ctx)
    {
        var dy = ctx.Input(0);
        var dims = ctx.Input(1).ToArray<int>();
        var (kept, count) = KeptShape(ctx, dims, ctx.Attr<int[]?>("axis"));
        if (kept.NumElements != dy.Size)
            ctx.FailArgument($"gradient of shape {dy.Shape} does not match the reduced shape {kept} of an input of shape {new Shape(dims)}.");
        var outShape = new Shape(dims);
        var r = ctx.AllocateOutput(0, outShape, dy.DType);
        switch (dy.DType)
        {
            case DType.Float32: Spread<float>(dy, kept, r, ctx.Attr<bool>("mean"), count); break;
            case DType.Float64: Spread<double>(dy, kept, r, ctx.Attr<bool>("mean"), count); break;
            case DType.Int32: Spread<int>(dy, kept, r, ctx.Attr<bool>("mean"), count); break;
            case DType.Int64: Spread<long>(dy, kept, r, ctx.Attr<bool>("mean"), count); break;
            default: ctx.Fail($"dtype {dy.DType} is not supported."); break;
        }
        ctx.SetOutput(0, r);
    }

    private static (Shape Kept, long Count) KeptShape(OpContext ctx, int[] dims, int[]? axis)
    {
        int rank = dims.Length;
        var kept = (int[])dims.Clone();
        long count = 1;
        var reduced = new bool[rank];
        if (axis is null) Array.Fill(reduced, true);
        else
        {
            foreach (int a in axis)
            {
                if (a < -rank || a >= rank) ctx.FailArgument($"axis {a} is out of range for input of rank {rank}.");
                reduced[a < 0 ? a + rank : a] = true;
            }
        }
        for (int i = 0; i < rank; i++)
        {
            if (!reduced[i]) continue;
            count *= dims[i];
            kept[i] = 1;
        }
        return (new Shape(kept), count);
    }

    private static void Spread<T>(NDArray dy, Shape kept, NDArray r, bool mean, long count)
        where T : INumber<T>
    {
        var src = dy.Data<T>();
        var d = r.Data<T>();
        BinaryOp.Apply<TakeFirst<T>, T, T>(src, kept, new[] { T.Zero }, Shape.Scalar, d, r.Shape);
        if (mean && count > 0) TensorPrimitives.Divide(d, T.CreateTruncating(count), d);
    }

    /// <summary>f(x, y) = x: with a scalar y this is numpy's broadcast_to of x.</summary>
    private readonly struct TakeFirst<T> : IBinarySpanOp<T, T>
    {
        public static T Scalar(T x, T y) => x;
        public static void VV(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) => x.CopyTo(d);
        public static void VS(ReadOnlySpan<T> x, T y, Span<T> d) => x.CopyTo(d);
        public static void SV(T x, ReadOnlySpan<T> y, Span<T> d) => d.Fill(x);
    }

    // ---- ReduceMaxMinGrad(x, y, dy): dy broadcast to x, masked to x == y, divided by the number of ties.
    public static Tensor ReduceMaxMinGrad(Tensor x, Tensor y, Tensor dy, int[]? axis) =>
        Graph.Default.AddOperation("ReduceMaxMinGrad", "MaxMinGrad", new[] { x, y, dy }, new[] { (dy.DType, x.Shape) },
            new Dictionary<string, object?> { ["axis"] = axis }).Outputs[0];

    [OpKernel("ReduceMaxMinGrad", BorrowsInputs = true)]
    private static void ReduceMaxMinGradKernel(OpContext ctx)
    {
        var x = ctx.Input(0);
        var (kept, _) = KeptShape(ctx, x.Shape.ToArray(), ctx.Attr<int[]?>("axis"));
        if (ctx.Input(1).Size != kept.NumElements || ctx.Input(2).Size != kept.NumElements)
            ctx.FailArgument($"the reduced value {ctx.Input(1).Shape} and gradient {ctx.Input(2).Shape} do not match the reduced shape {kept} of {x.Shape}.");
        var r = ctx.AllocateOutput(0, x.Shape, x.DType);
        switch (x.DType)
        {
            case DType.Float32: MaxMinGrad<float>(x, ctx.Input(1), ctx.Input(2), kept, r); break;
            case DType.Float64: MaxMinGrad<double>(x, ctx.Input(1), ctx.Input(2), kept, r); break;
            default: ctx.Fail($"dtype {x.DType} is not supported."); break;
        }
        ctx.SetOutput(0, r);
    }

    private static void MaxMinGrad<T>(NDArray x, NDArray y, NDArray dy, Shape kept, NDArray r)
        where T : INumber<T>
    {
        var xs = x.Data<T>();
        var yb = new T[xs.Length];
        var dyb = new T[xs.Length];
        BinaryOp.Apply<TakeFirst<T>, T, T>(y.Data<T>(), kept, new[] { T.Zero }, Shape.Scalar, yb, x.Shape);
        BinaryOp.Apply<TakeFirst<T>, T, T>(dy.Data<T>(), kept, new[] { T.Zero }, Shape.Scalar, dyb, x.Shape);
        // mask, then the tie count per reduced slice (summed over the reduced axes, broadcast back).
        var mask = new T[xs.Length];
        for (int i = 0; i < xs.Length; i++) mask[i] = xs[i] == yb[i] ? T.One : T.Zero;
        var counts = new T[kept.NumElements];
        var dims = x.Shape.ToArray();
        var keptDims = kept.ToArray();
        var idx = new int[dims.Length];
        for (int flat = 0; flat < xs.Length; flat++)
        {
            int rem = flat, k = 0;
            for (int i = dims.Length - 1; i >= 0; i--)
            {
                idx[i] = rem % dims[i];
                rem /= dims[i];
            }
            for (int i = 0; i < dims.Length; i++) k = k * keptDims[i] + (keptDims[i] == 1 ? 0 : idx[i]);
            counts[k] += mask[flat];
        }
        var cb = new T[xs.Length];
        BinaryOp.Apply<TakeFirst<T>, T, T>(counts, kept, new[] { T.Zero }, Shape.Scalar, cb, x.Shape);
        var d = r.Data<T>();
        for (int i = 0; i < xs.Length; i++) d[i] = T.IsZero(mask[i]) ? T.Zero : dyb[i] / cb[i];
    }
}
