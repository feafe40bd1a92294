namespace Recur;

/// <summary>
/// Fill, ZerosLike, OnesLike and Range: tensors made from a shape (known only at run time, or taken from another
/// tensor's run-time shape) rather than from data.
/// </summary>
internal static class FillOps
{
    // ---- Fill: a tensor of shape dims with every element = value.  (Gradient dvalue = sum(dy) not registered yet: it needs ReduceSum.)
    public static Tensor Fill(Tensor dims, Tensor value, string? name)
    {
        ArrayUtil.RequireIndex("Fill", dims, nameof(dims));
        ArrayUtil.RequireData("Fill", value, nameof(value));
        if (dims.Shape.IsRankKnown && dims.Rank != 1)
            throw new ArgumentException($"Fill: dims must be a vector, but has shape {dims.Shape}.", nameof(dims));
        if (value.Shape.IsRankKnown && value.Rank != 0)
            throw new ArgumentException($"Fill: value must be a scalar, but has shape {value.Shape}.", nameof(value));
        if (ArrayUtil.TryConstantInts(dims) is { } d && d.Any(v => v < 0))
            throw new ArgumentException($"Fill: dims must be non-negative, but got {ArrayUtil.Format(d)}.", nameof(dims));
        return Graph.Default.AddOperation("Fill", name ?? "Fill", new[] { dims, value }, new[] { (value.DType, ArrayUtil.ShapeFromTensor(dims)) }).Outputs[0];
    }

    [OpKernel("Fill", BorrowsInputs = true)]
    private static void FillKernel(OpContext ctx)
    {
        var dims = ArrayUtil.ReadIntVector(ctx, 0, "dims");
        var value = ctx.Input(1);
        if (value.Rank != 0) ctx.FailArgument($"value must be a scalar, but has shape {value.Shape}.");
        foreach (int v in dims)
        {
            if (v < 0) ctx.FailArgument($"dims must be non-negative, but got {ArrayUtil.Format(dims)}.");
        }
        var y = ctx.AllocateOutput(0, dims, value.DType);
        FillWith(y, value);
        ctx.SetOutput(0, y);
    }

    /// <summary>A new array of the given shape with every element equal to the scalar <paramref name="value"/>.</summary>
    public static NDArray Filled(Shape shape, NDArray value)
    {
        var y = NDArray.Empty(shape, value.DType);
        FillWith(y, value);
        return y;
    }

    private static void FillWith(NDArray y, NDArray value)
    {
        switch (value.DType.Size())
        {
            case 1: ArrayUtil.Elements<byte>(y).Fill(ArrayUtil.Elements<byte>(value)[0]); break;
            case 4: ArrayUtil.Elements<int>(y).Fill(ArrayUtil.Elements<int>(value)[0]); break;
            default: ArrayUtil.Elements<long>(y).Fill(ArrayUtil.Elements<long>(value)[0]); break;
        }
    }

    // ---- ZerosLike / OnesLike: same run-time shape and dtype as x.  No gradient (constant in x).
    public static Tensor ZerosLike(Tensor x, string? name)
    {
        ArrayUtil.RequireData("ZerosLike", x, nameof(x));
        return Graph.Default.AddOperation("ZerosLike", name ?? "zeros_like", new[] { x }, new[] { (x.DType, x.Shape) }).Outputs[0];
    }

    [OpKernel("ZerosLike", BorrowsInputs = true)]
    private static void ZerosLikeKernel(OpContext ctx)
    {
        var x = ctx.Input(0);
        var y = ctx.AllocateOutput(0, x.Shape, x.DType);
        Array.Clear(y.RawData);
        ctx.SetOutput(0, y);
    }

    public static Tensor OnesLike(Tensor x, string? name)
    {
        ArrayUtil.RequireData("OnesLike", x, nameof(x));
        return Graph.Default.AddOperation("OnesLike", name ?? "ones_like", new[] { x }, new[] { (x.DType, x.Shape) }).Outputs[0];
    }

    [OpKernel("OnesLike", BorrowsInputs = true)]
    private static void OnesLikeKernel(OpContext ctx)
    {
        var x = ctx.Input(0);
        ctx.SetOutput(0, Filled(x.Shape, NDArray.Scalar(1, x.DType)));
    }

    /// <summary>d Fill (TF's <c>_FillGrad</c>): the dims get none, the scalar value gets Σ dy.</summary>
    [OpGradient("Fill")]
    private static Tensor?[] FillGrad(Operation op, IReadOnlyList<Tensor?> dy) =>
        dy[0] is { } g ? new Tensor?[] { null, Tf.ReduceSum(g) } : new Tensor?[2];

    [OpGradient("ZerosLike")]
    [OpGradient("OnesLike")]
    private static Tensor?[] NoGrad(Operation op, IReadOnlyList<Tensor?> dy) => new Tensor?[op.Inputs.Count];

    // ---- Range: [start, start + delta, …) up to but excluding limit.  No gradient.
    public static Tensor Range(Tensor start, Tensor limit, Tensor delta, string? name)
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(limit);
        ArgumentNullException.ThrowIfNull(delta);
        var dtype = start.DType;
        if (!dtype.IsNumeric())
            throw new ArgumentException($"Range: start must be Int32, Int64, Float32 or Float64, but '{start.Name}' has dtype {dtype}.", nameof(start));
        if (limit.DType != dtype || delta.DType != dtype)
            throw new ArgumentException(
                $"Range: start, limit and delta must have the same dtype, but got {dtype}, {limit.DType} and {delta.DType}.", nameof(limit));
        foreach (var (t, what) in new[] { (start, "start"), (limit, "limit"), (delta, "delta") })
        {
            if (t.Shape.IsRankKnown && t.Rank != 0)
                throw new ArgumentException($"Range: {what} must be a scalar, but has shape {t.Shape}.", what);
        }
        int length = -1;
        if (ConstScalar(start) is { } s && ConstScalar(limit) is { } l && ConstScalar(delta) is { } d)
            length = (int)Length(s, l, d, dtype.IsInteger(), msg => throw new ArgumentException($"Range: {msg}", nameof(delta)));
        return Graph.Default.AddOperation("Range", name ?? "range", new[] { start, limit, delta }, new[] { (dtype, new Shape(length)) }).Outputs[0];
    }

    private static double? ConstScalar(Tensor t) =>
        t.Op.Type == "Const" && t.Op.GetAttr<NDArray>("value") is { Size: 1 } v ? v.GetDouble(0) : null;

    private static long Length(double start, double limit, double delta, bool integral, Action<string> fail)
    {
        if (delta == 0) fail("delta must not be 0.");
        if (delta > 0 && start > limit) fail($"requires start <= limit when delta > 0, but got start {start} and limit {limit}.");
        if (delta < 0 && start < limit) fail($"requires start >= limit when delta < 0, but got start {start} and limit {limit}.");
        double n = integral
            ? Math.Floor((Math.Abs(limit - start) + Math.Abs(delta) - 1) / Math.Abs(delta))
            : Math.Ceiling(Math.Abs((limit - start) / delta));
        if (n > Array.MaxLength) fail($"the range [{start}, {limit}) with delta {delta} has {n} elements, more than an array can hold.");
        return (long)n;
    }

    [OpKernel("Range")]
    private static void RangeKernel(OpContext ctx)
    {
        var dtype = ctx.Input(0).DType;
        for (int i = 0; i < 3; i++)
        {
            if (ctx.Input(i).Rank != 0) ctx.FailArgument($"{(i == 0 ? "start" : i == 1 ? "limit" : "delta")} must be a scalar, but has shape {ctx.Input(i).Shape}.");
        }
        switch (dtype)
        {
            case DType.Int32:
            {
                int s = ctx.Input(0).GetScalar<int>(), l = ctx.Input(1).GetScalar<int>(), d = ctx.Input(2).GetScalar<int>();
                int n = (int)Length(s, l, d, true, ctx.FailArgument);
                var r = new int[n];
                for (int i = 0; i < n; i++) r[i] = s + i * d;
                ctx.SetOutput(0, new NDArray(r, new Shape(n)));
                break;
            }
            case DType.Int64:
            {
                long s = ctx.Input(0).GetScalar<long>(), l = ctx.Input(1).GetScalar<long>(), d = ctx.Input(2).GetScalar<long>();
                int n = (int)Length(s, l, d, true, ctx.FailArgument);
                var r = new long[n];
                for (int i = 0; i < n; i++) r[i] = s + i * d;
                ctx.SetOutput(0, new NDArray(r, new Shape(n)));
                break;
            }
            case DType.Float32:
            {
                float s = ctx.Input(0).GetScalar<float>(), l = ctx.Input(1).GetScalar<float>(), d = ctx.Input(2).GetScalar<float>();
                int n = (int)Length(s, l, d, false, ctx.FailArgument);
                var r = new float[n];
                for (int i = 0; i < n; i++) r[i] = s + i * d;
                ctx.SetOutput(0, new NDArray(r, new Shape(n)));
                break;
            }
            default:
            {
                double s = ctx.Input(0).GetScalar<double>(), l = ctx.Input(1).GetScalar<double>(), d = ctx.Input(2).GetScalar<double>();
                int n = (int)Length(s, l, d, false, ctx.FailArgument);
                var r = new double[n];
                for (int i = 0; i < n; i++) r[i] = s + i * d;
                ctx.SetOutput(0, new NDArray(r, new Shape(n)));
                break;
            }
        }
    }
}
