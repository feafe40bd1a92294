using System.Numerics;
using Recur.Kernels;

namespace Recur;

/// <summary>
/// ArgMax and ArgMin over one axis (TF: <c>tf.math.argmax</c>, <c>tf.math.argmin</c>): the index of the first
/// extreme value along the axis; a NaN counts as the extreme (the first NaN wins), as in
/// <see cref="Reduction.ArgMaxAxis(ReadOnlySpan{float}, int, int, int, Span{long})"/>.
/// </summary>
internal static class ArgMinMaxOps
{
    private static readonly DType[] Numeric = { DType.Float32, DType.Float64, DType.Int32, DType.Int64 };

    public static Tensor Build(string type, Tensor x, int axis, DType outputType, string? name)
    {
        ArgumentNullException.ThrowIfNull(x);
        BinaryOp.CheckDType(type, x.DType, Numeric);
        if (outputType is not (DType.Int32 or DType.Int64))
            throw new ArgumentException($"{type}: outputType must be Int32 or Int64, but got {outputType}.", nameof(outputType));
        Shape shape = Shape.Unknown;
        if (x.Shape.IsRankKnown)
        {
            int r = x.Rank;
            if (r == 0)
                throw new ArgumentException($"{type}: input must have rank >= 1, but got a scalar.", nameof(x));
            if (axis < -r || axis >= r)
                throw new ArgumentException($"{type}: axis {axis} is out of range for input of shape {x.Shape} (rank {r}); expected -{r} <= axis < {r}.", nameof(axis));
            int a = axis < 0 ? axis + r : axis;
            var dims = x.Shape.ToArray().ToList();
            dims.RemoveAt(a);
            shape = new Shape(dims.ToArray());
        }
        return Graph.Default.AddOperation(type, name ?? type, new[] { x }, new[] { (outputType, shape) },
            new Dictionary<string, object?> { ["axis"] = axis, ["output_type"] = outputType }).Outputs[0];
    }

    [OpKernel("ArgMax")]
    private static void ArgMaxKernel(OpContext ctx) => Run(ctx, max: true);

    [OpKernel("ArgMin")]
    private static void ArgMinKernel(OpContext ctx) => Run(ctx, max: false);

    private static void Run(OpContext ctx, bool max)
    {
        var x = ctx.Input(0);
        int r = x.Rank, axis = ctx.Attr<int>("axis");
        if (r == 0 || axis < -r || axis >= r)
            ctx.FailArgument($"axis {axis} is out of range for input of shape {x.Shape} (rank {r}).");
        int a = axis < 0 ? axis + r : axis;
        int outer = 1, inner = 1, n = x.Shape[a];
        for (int i = 0; i < a; i++) outer *= x.Shape[i];
        for (int i = a + 1; i < r; i++) inner *= x.Shape[i];
        if (n == 0 && outer * inner > 0)
            ctx.FailArgument($"reduction axis {axis} is empty in shape {x.Shape}.");
        var dims = x.Shape.ToArray().ToList();
        dims.RemoveAt(a);
        var idx = new long[outer * inner];
        switch (x.DType)
        {
            case DType.Float32 when max: Reduction.ArgMaxAxis(x.Data<float>(), outer, n, inner, idx); break;
            case DType.Float64 when max: Reduction.ArgMaxAxis(x.Data<double>(), outer, n, inner, idx); break;
            case DType.Float32: Generic(x.Data<float>(), outer, n, inner, idx, max); break;
            case DType.Float64: Generic(x.Data<double>(), outer, n, inner, idx, max); break;
            case DType.Int32: Generic(x.Data<int>(), outer, n, inner, idx, max); break;
            case DType.Int64: Generic(x.Data<long>(), outer, n, inner, idx, max); break;
            default: ctx.Fail($"dtype {x.DType} is not supported."); break;
        }
        var shape = new Shape(dims.ToArray());
        if (ctx.Attr<DType>("output_type") == DType.Int64)
        {
            ctx.SetOutput(0, NDArray.Wrap(idx, shape));
        }
        else
        {
            var i32 = new int[idx.Length];
            for (int i = 0; i < idx.Length; i++) i32[i] = (int)idx[i];
            ctx.SetOutput(0, NDArray.Wrap(i32, shape));
        }
    }

    /// <summary>Indices are not differentiable.</summary>
    [OpGradient("ArgMax")]
    [OpGradient("ArgMin")]
    private static Tensor?[] NoGradient(Operation op, IReadOnlyList<Tensor?> dy) => new Tensor?[1];


    /// <summary>The scalar oracle: the first index of the extreme (or of the first NaN) along the middle axis.</summary>
    private static void Generic<T>(T[] x, int outer, int n, int inner, long[] d, bool max)
        where T : INumber<T>
    {
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                int baseIdx = o * n * inner + i;
                T best = x[baseIdx];
                long bestIdx = 0;
                if (!T.IsNaN(best))
                {
                    for (int k = 1; k < n; k++)
                    {
                        T v = x[baseIdx + k * inner];
                        if (T.IsNaN(v))
                        {
                            bestIdx = k;
                            break;
                        }
                        if (max ? v > best : v < best)
                        {
                            best = v;
                            bestIdx = k;
                        }
                    }
                }
                d[o * inner + i] = bestIdx;
            }
        }
    }
}
