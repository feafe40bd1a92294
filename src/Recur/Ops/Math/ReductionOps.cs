using System.Numerics;
using System.Numerics.Tensors;
using Recur.Kernels;

namespace Recur;

/// <summary>
/// Sum, Mean, Max, Min and Prod over a set of axes (attribute <c>axis</c>: null = all; negative axes count from the
/// end) with <c>keep_dims</c>. Adjacent reduced axes are merged and each remaining group is one
/// [outer, axis, inner] pass; float and double Sum/Max/Min run <see cref="Reduction"/>'s SIMD kernels.
/// Empty reductions give TF's identities: sum 0, prod 1, max -∞ (integer MinValue), min +∞ (integer MaxValue),
/// float mean NaN (0/0), integer mean 0.
/// </summary>
internal static class ReductionOps
{
    private static readonly DType[] Numeric = { DType.Float32, DType.Float64, DType.Int32, DType.Int64 };

    private enum Kind { Sum, Max, Min, Prod }

    public static Tensor Build(string type, Tensor x, int[]? axis, bool keepDims, string? name)
    {
        ArgumentNullException.ThrowIfNull(x);
        BinaryOp.CheckDType(type, x.DType, Numeric);
        Shape shape;
        int[]? axes = axis is null ? null : (int[])axis.Clone();
        if (x.Shape.IsRankKnown)
        {
            var reduced = ReducedDims(x.Rank, axes, msg => throw new ArgumentException($"{type}: {msg}", nameof(axis)), x.Shape);
            shape = OutputShape(x.Shape.ToArray(), reduced, keepDims);
        }
        else
        {
            shape = axes is null && !keepDims ? Shape.Scalar : Shape.Unknown;
        }
        return Graph.Default.AddOperation(type, name ?? type, new[] { x }, new[] { (x.DType, shape) },
            new Dictionary<string, object?> { ["axis"] = axes, ["keep_dims"] = keepDims }).Outputs[0];
    }

    /// <summary>Flags of the reduced dims; reports out-of-range axes through <paramref name="fail"/>.</summary>
    private static bool[] ReducedDims(int rank, int[]? axes, Action<string> fail, Shape shape)
    {
        var reduced = new bool[rank];
        if (axes is null)
        {
            Array.Fill(reduced, true);
            return reduced;
        }
        foreach (int a in axes)
        {
            if (a < -rank || a >= rank)
                fail($"axis {a} is out of range for input of shape {shape} (rank {rank}); expected -{rank} <= axis < {rank}.");
            reduced[a < 0 ? a + rank : a] = true;
        }
        return reduced;
    }

    private static Shape OutputShape(int[] dims, bool[] reduced, bool keepDims)
    {
        var o = new List<int>(dims.Length);
        for (int i = 0; i < dims.Length; i++)
        {
            if (!reduced[i]) o.Add(dims[i]);
            else if (keepDims) o.Add(1);
        }
        return new Shape(o.ToArray());
    }

    // ---- Gradients: Sum and Mean broadcast dy back (Mean / count); Max and Min route dy to the extremes, split among ties.
    [OpGradient("Sum")]
    private static Tensor?[] SumGrad(Operation op, IReadOnlyList<Tensor?> dy) =>
        new[] { dy[0] is { } g ? GradientKernelOps.ReductionGrad(g, op.Inputs[0], op.GetAttr<int[]?>("axis"), op.GetAttr<bool>("keep_dims"), mean: false) : null };

    [OpGradient("Mean")]
    private static Tensor?[] MeanGrad(Operation op, IReadOnlyList<Tensor?> dy) =>
        new[] { dy[0] is { } g ? GradientKernelOps.ReductionGrad(g, op.Inputs[0], op.GetAttr<int[]?>("axis"), op.GetAttr<bool>("keep_dims"), mean: true) : null };

    [OpGradient("Max")]
    [OpGradient("Min")]
    private static Tensor?[] MaxMinGrad(Operation op, IReadOnlyList<Tensor?> dy) =>
        new[] { dy[0] is { } g ? GradientKernelOps.ReduceMaxMinGrad(op.Inputs[0], op.Outputs[0], g, op.GetAttr<int[]?>("axis")) : null };


    [OpKernel("Sum", BorrowsInputs = true)]
    private static void SumKernel(OpContext ctx) => Run(ctx, Kind.Sum, mean: false);

    [OpKernel("Mean", BorrowsInputs = true)]
    private static void MeanKernel(OpContext ctx) => Run(ctx, Kind.Sum, mean: true);

    [OpKernel("Max", BorrowsInputs = true)]
    private static void MaxKernel(OpContext ctx) => Run(ctx, Kind.Max, mean: false);

    [OpKernel("Min", BorrowsInputs = true)]
    private static void MinKernel(OpContext ctx) => Run(ctx, Kind.Min, mean: false);

    [OpKernel("Prod", BorrowsInputs = true)]
    private static void ProdKernel(OpContext ctx) => Run(ctx, Kind.Prod, mean: false);

    private static void Run(OpContext ctx, Kind kind, bool mean)
    {
        var x = ctx.Input(0);
        var reduced = ReducedDims(x.Rank, ctx.Attr<int[]?>("axis"), msg => ctx.FailArgument(msg), x.Shape);
        var outShape = OutputShape(x.Shape.ToArray(), reduced, ctx.Attr<bool>("keep_dims"));

        // Groups of adjacent dims with the same flag: (size, reduced).
        var sizes = new List<long>();
        var flags = new List<bool>();
        long count = 1;
        for (int i = 0; i < x.Rank; i++)
        {
            if (reduced[i]) count *= x.Shape[i];
            if (sizes.Count > 0 && flags[^1] == reduced[i]) sizes[^1] *= x.Shape[i];
            else
            {
                sizes.Add(x.Shape[i]);
                flags.Add(reduced[i]);
            }
        }
        NDArray result = x.DType switch
        {
            DType.Float32 => Reduce<float>(ctx, x, sizes, flags, kind, outShape, count, mean, FloatAxis),
            DType.Float64 => Reduce<double>(ctx, x, sizes, flags, kind, outShape, count, mean, DoubleAxis),
            DType.Int32 => Reduce<int>(ctx, x, sizes, flags, kind, outShape, count, mean, GenericAxis<int>),
            DType.Int64 => Reduce<long>(ctx, x, sizes, flags, kind, outShape, count, mean, GenericAxis<long>),
            _ => throw new InvalidOperationException($"{ctx.Op.Type} '{ctx.Op.Name}': dtype {x.DType} is not supported."),
        };
        ctx.SetOutput(0, result);
    }

    private delegate void AxisFn<T>(T[] x, int outer, int axis, int inner, T[] d, Kind kind);

    private static NDArray Reduce<T>(OpContext ctx, NDArray x, List<long> sizes, List<bool> flags, Kind kind, Shape outShape, long count, bool mean, AxisFn<T> axisFn)
        where T : INumber<T>
    {
        var result = ctx.AllocateOutput(0, outShape, x.DType);
        T[] d = result.Data<T>();
        T[] cur = x.Data<T>();
        int passes = 0;
        foreach (bool f in flags) if (f) passes++;
        if (passes == 0) cur.AsSpan().CopyTo(d);
        // Reduce the innermost reduced group first; each pass removes one group, the last one writes the output.
        while (true)
        {
            int g = flags.LastIndexOf(true);
            if (g < 0) break;
            long outer = 1, inner = 1;
            for (int i = 0; i < g; i++) outer *= sizes[i];
            for (int i = g + 1; i < sizes.Count; i++) inner *= sizes[i];
            var next = --passes == 0 ? d : ctx.RentScratch<T>((int)(outer * inner));
            axisFn(cur, (int)outer, (int)sizes[g], (int)inner, next, kind);
            cur = next;
            sizes.RemoveAt(g);
            flags.RemoveAt(g);
        }
        if (mean)
        {
            if (typeof(T) == typeof(float) || typeof(T) == typeof(double) || count != 0)
                TensorPrimitives.Divide(d, T.CreateTruncating(count), d);
        }
        return result;
    }

    private static void FloatAxis(float[] x, int outer, int axis, int inner, float[] d, Kind kind)
    {
        switch (kind)
        {
            case Kind.Sum: Reduction.SumAxis(x, outer, axis, inner, d); break;
            case Kind.Max: Reduction.MaxAxis(x, outer, axis, inner, d); break;
            case Kind.Min: Reduction.MinAxis(x, outer, axis, inner, d); break;
            default: GenericAxis(x, outer, axis, inner, d, kind); break;
        }
    }

    private static void DoubleAxis(double[] x, int outer, int axis, int inner, double[] d, Kind kind)
    {
        switch (kind)
        {
            case Kind.Sum: Reduction.SumAxis(x, outer, axis, inner, d); break;
            case Kind.Max: Reduction.MaxAxis(x, outer, axis, inner, d); break;
            case Kind.Min: Reduction.MinAxis(x, outer, axis, inner, d); break;
            default: GenericAxis(x, outer, axis, inner, d, kind); break;
        }
    }

    /// <summary>The generic [outer, axis, inner] → [outer, inner] reduction (integers; Prod for every dtype).</summary>
    private static void GenericAxis<T>(T[] x, int outer, int axis, int inner, T[] d, Kind kind)
        where T : INumber<T>
    {
        T identity = kind switch
        {
            Kind.Sum => T.Zero,
            Kind.Prod => T.One,
            Kind.Max => Lowest<T>(),
            _ => Highest<T>(),
        };
        for (int o = 0; o < outer; o++)
        {
            var dst = d.AsSpan(o * inner, inner);
            dst.Fill(identity);
            for (int a = 0; a < axis; a++)
            {
                ReadOnlySpan<T> row = x.AsSpan((o * axis + a) * inner, inner);
                switch (kind)
                {
                    case Kind.Sum: TensorPrimitives.Add(dst, row, dst); break;
                    case Kind.Prod: TensorPrimitives.Multiply(dst, row, dst); break;
                    case Kind.Max: TensorPrimitives.Max(dst, row, dst); break;
                    default: TensorPrimitives.Min(dst, row, dst); break;
                }
            }
        }
    }

    private static T Lowest<T>()
        where T : INumber<T> =>
        typeof(T) == typeof(int) ? T.CreateTruncating(int.MinValue)
        : typeof(T) == typeof(long) ? T.CreateTruncating(long.MinValue)
        : T.CreateTruncating(double.NegativeInfinity);

    private static T Highest<T>()
        where T : INumber<T> =>
        typeof(T) == typeof(int) ? T.CreateTruncating(int.MaxValue)
        : typeof(T) == typeof(long) ? T.CreateTruncating(long.MaxValue)
        : T.CreateTruncating(double.PositiveInfinity);
}
