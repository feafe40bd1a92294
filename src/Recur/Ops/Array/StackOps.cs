namespace Recur;

/// <summary>Pack (tf.stack) and Unpack (tf.unstack): joining equal-shaped tensors along a new axis and the reverse.</summary>
internal static class StackOps
{
    // ---- Pack: y[…, i, …] = values[i] with the new axis at `axis` (in [-rank-1, rank]).  dx_i = unstack(dy)[i].
    public static Tensor Stack(IReadOnlyList<Tensor> values, int axis, string? name)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
            throw new ArgumentException("Stack: values must contain at least one tensor.", nameof(values));
        var shape = Shape.Unknown;
        int from = 0;
        for (int i = 0; i < values.Count; i++)
        {
            ArrayUtil.RequireData("Stack", values[i], nameof(values));
            if (values[i].DType != values[0].DType)
                throw new ArgumentException(
                    $"Stack: inputs must have the same dtype, but input {i} has {values[i].DType} and input 0 has {values[0].DType}.", nameof(values));
            var s = values[i].Shape;
            if (!s.IsCompatibleWith(shape))
                throw new ArgumentException($"Stack: inputs must have the same shape, but input {i} has shape {s} and input {from} has {values[from].Shape}.", nameof(values));
            if (s.IsRankKnown && !shape.IsRankKnown) from = i;
            shape = shape.MergeWith(s);
        }
        var outShape = Shape.Unknown;
        if (shape.IsRankKnown)
        {
            int ax = ArrayUtil.NormalizeAxis("Stack", axis, shape.Rank + 1);
            var d = new List<int>(shape.ToArray());
            d.Insert(ax, values.Count);
            outShape = new Shape(d.ToArray());
        }
        return Graph.Default.AddOperation("Pack", name ?? "stack", values.ToArray(), new[] { (values[0].DType, outShape) },
            new Dictionary<string, object?> { ["axis"] = axis, ["N"] = values.Count }).Outputs[0];
    }

    [OpKernel("Pack")]
    private static void PackKernel(OpContext ctx)
    {
        var x0 = ctx.Input(0);
        int n = ctx.InputCount;
        for (int i = 1; i < n; i++)
        {
            if (ctx.Input(i).Shape != x0.Shape)
                ctx.FailArgument($"inputs must have the same shape, but input {i} has shape {ctx.Input(i).Shape} and input 0 has {x0.Shape}.");
        }
        int axis = ctx.Attr<int>("axis");
        int r = x0.Rank + 1;
        if (axis < -r || axis >= r) ctx.FailArgument($"axis {axis} is out of range for inputs of rank {x0.Rank}; expected a value in [{-r}, {r}).");
        int ax = axis < 0 ? axis + r : axis;
        var d = new List<int>(x0.Shape.ToArray());
        d.Insert(ax, n);
        var y = NDArray.Empty(new Shape(d.ToArray()), x0.DType);
        int outer = ArrayUtil.Product(x0.Shape.Dims, 0, ax);
        int block = ArrayUtil.Product(x0.Shape.Dims, ax) * x0.DType.Size();
        var dst = ArrayUtil.Bytes(y);
        int pos = 0;
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < n; i++)
            {
                ArrayUtil.Bytes(ctx.Input(i)).Slice(o * block, block).CopyTo(dst.Slice(pos, block));
                pos += block;
            }
        }
        ctx.SetOutput(0, y);
    }

    [OpGradient("Pack")]
    private static Tensor?[] PackGrad(Operation op, IReadOnlyList<Tensor?> dy)
    {
        if (dy[0] is not { } g) return new Tensor?[op.Inputs.Count];
        return Unpack(g, op.Inputs.Count, op.GetAttr<int>("axis"), null);
    }

    // ---- Unpack: the num slices of x along axis (num must be the static dim).  dx = stack(dy_i, zeros where none).
    public static Tensor[] Unstack(Tensor x, int axis, string? name)
    {
        ArrayUtil.RequireData("Unstack", x, nameof(x));
        if (!x.Shape.IsRankKnown)
            throw new ArgumentException($"Unstack: cannot infer the number of outputs from '{x.Name}' of unknown rank.", nameof(x));
        if (x.Rank == 0)
            throw new ArgumentException($"Unstack: cannot unstack a scalar (shape {x.Shape}).", nameof(x));
        int ax = ArrayUtil.NormalizeAxis("Unstack", axis, x.Rank);
        int num = x.Shape[ax];
        if (num < 0)
            throw new ArgumentException($"Unstack: cannot infer the number of outputs from shape {x.Shape}: dimension {ax} is unknown.", nameof(x));
        return Unpack(x, num, axis, name);
    }

    private static Tensor[] Unpack(Tensor x, int num, int axis, string? name)
    {
        var outShape = Shape.Unknown;
        if (x.Shape.IsRankKnown)
        {
            int ax = ArrayUtil.NormalizeAxis("Unstack", axis, x.Rank);
            var d = new List<int>(x.Shape.ToArray());
            d.RemoveAt(ax);
            outShape = new Shape(d.ToArray());
        }
        var outs = new (DType, Shape)[num];
        Array.Fill(outs, (x.DType, outShape));
        return Graph.Default.AddOperation("Unpack", name ?? "unstack", new[] { x }, outs,
            new Dictionary<string, object?> { ["axis"] = axis, ["num"] = num }).Outputs.ToArray();
    }

    [OpKernel("Unpack")]
    private static void UnpackKernel(OpContext ctx)
    {
        var x = ctx.Input(0);
        int num = ctx.Attr<int>("num");
        int axis = ctx.Attr<int>("axis");
        if (x.Rank == 0) ctx.FailArgument($"cannot unstack a scalar (shape {x.Shape}).");
        if (axis < -x.Rank || axis >= x.Rank) ctx.FailArgument($"axis {axis} is out of range for a tensor of rank {x.Rank}.");
        int ax = axis < 0 ? axis + x.Rank : axis;
        if (x.Shape[ax] != num)
            ctx.FailArgument($"expected dimension {ax} of the input to be {num}, but the input has shape {x.Shape}.");
        var d = new List<int>(x.Shape.ToArray());
        d.RemoveAt(ax);
        var outShape = new Shape(d.ToArray());
        int outer = ArrayUtil.Product(x.Shape.Dims, 0, ax);
        int block = ArrayUtil.Product(x.Shape.Dims, ax + 1) * x.DType.Size();
        var src = ArrayUtil.Bytes(x);
        for (int i = 0; i < num; i++)
        {
            var y = NDArray.Empty(outShape, x.DType);
            var dst = ArrayUtil.Bytes(y);
            for (int o = 0; o < outer; o++) src.Slice((o * num + i) * block, block).CopyTo(dst.Slice(o * block, block));
            ctx.SetOutput(i, y);
        }
    }

    [OpGradient("Unpack")]
    private static Tensor?[] UnpackGrad(Operation op, IReadOnlyList<Tensor?> dy)
    {
        if (dy.All(g => g is null)) return new Tensor?[] { null };
        var parts = new Tensor[dy.Count];
        for (int i = 0; i < parts.Length; i++) parts[i] = dy[i] ?? FillOps.ZerosLike(op.Outputs[i], null);
        return new Tensor?[] { Stack(parts, op.GetAttr<int>("axis"), null) };
    }
}
