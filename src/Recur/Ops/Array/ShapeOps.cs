namespace Recur;

/// <summary>
/// Shape, Size and Rank: a tensor's run-time shape, element count and rank as integer tensors. They are real ops
/// (run-time values), but when the static shape is fully defined builders can read their value at build time
/// (<see cref="ArrayUtil.TryConstantInts"/>). No gradient: their outputs do not depend on the input's values.
/// </summary>
internal static class ShapeOps
{
    // ---- Shape: the dims of x as an Int32 (or Int64) vector.
    public static Tensor Shape(Tensor x, DType outType, string? name)
    {
        ArgumentNullException.ThrowIfNull(x);
        RequireOutType("Shape", outType);
        var outShape = x.Shape.IsRankKnown ? new Shape(x.Rank) : new Shape(-1);
        return Graph.Default.AddOperation("Shape", name ?? "Shape", new[] { x }, new[] { (outType, outShape) },
            new Dictionary<string, object?> { ["out_type"] = outType }).Outputs[0];
    }

    [OpKernel("Shape", BorrowsInputs = true)]
    private static void ShapeKernel(OpContext ctx)
    {
        var dims = ctx.Input(0).Shape.ToArray();
        ctx.SetOutput(0, ctx.Attr<DType>("out_type") == DType.Int64
            ? new NDArray(dims.Select(d => (long)d).ToArray(), new Shape(dims.Length))
            : new NDArray(dims, new Shape(dims.Length)));
    }

    // ---- Size: the number of elements of x, a scalar.
    public static Tensor Size(Tensor x, DType outType, string? name)
    {
        ArgumentNullException.ThrowIfNull(x);
        RequireOutType("Size", outType);
        return Graph.Default.AddOperation("Size", name ?? "Size", new[] { x }, new[] { (outType, Recur.Shape.Scalar) },
            new Dictionary<string, object?> { ["out_type"] = outType }).Outputs[0];
    }

    [OpKernel("Size", BorrowsInputs = true)]
    private static void SizeKernel(OpContext ctx)
    {
        int n = ctx.Input(0).Size;
        ctx.SetOutput(0, ctx.Attr<DType>("out_type") == DType.Int64 ? NDArray.Scalar((long)n) : NDArray.Scalar(n));
    }

    // ---- Rank: the rank of x, an Int32 scalar.
    public static Tensor Rank(Tensor x, string? name)
    {
        ArgumentNullException.ThrowIfNull(x);
        return Graph.Default.AddOperation("Rank", name ?? "Rank", new[] { x }, new[] { (DType.Int32, Recur.Shape.Scalar) }).Outputs[0];
    }

    [OpKernel("Rank", BorrowsInputs = true)]
    private static void RankKernel(OpContext ctx) => ctx.SetOutput(0, NDArray.Scalar(ctx.Input(0).Rank));

    private static void RequireOutType(string op, DType outType)
    {
        if (outType is not (DType.Int32 or DType.Int64))
            throw new ArgumentException($"{op}: outType must be Int32 or Int64, but got {outType}.", nameof(outType));
    }
}
