namespace Recur;

/// <summary>GatherV2 (tf.gather) and OneHot: selecting slices by index, and indices to one-hot vectors.</summary>
internal static class GatherOps
{
    // ---- GatherV2: y[p…, i…, q…] = params[p…, indices[i…], q…] along axis.  dparams = scatter-add of dy.
    public static Tensor Gather(Tensor parameters, Tensor indices, int axis, string? name)
    {
        ArrayUtil.RequireData("Gather", parameters, "params");
        ArrayUtil.RequireIndex("Gather", indices, nameof(indices));
        var ps = parameters.Shape;
        var outShape = Shape.Unknown;
        if (ps.IsRankKnown)
        {
            if (ps.Rank == 0)
                throw new ArgumentException($"Gather: params must have rank >= 1, but '{parameters.Name}' is a scalar.", "params");
            int ax = ArrayUtil.NormalizeAxis("Gather", axis, ps.Rank);
            if (indices.Shape.IsRankKnown) outShape = ps.Slice(0, ax).Concatenate(indices.Shape).Concatenate(ps.Slice(ax + 1));
        }
        return Graph.Default.AddOperation("GatherV2", name ?? "GatherV2", new[] { parameters, indices }, new[] { (parameters.DType, outShape) },
            new Dictionary<string, object?> { ["axis"] = axis }).Outputs[0];
    }

    private static int RuntimeAxis(OpContext ctx, NDArray p)
    {
        int axis = ctx.Attr<int>("axis");
        if (p.Rank == 0) ctx.FailArgument("params must have rank >= 1, but is a scalar.");
        if (axis < -p.Rank || axis >= p.Rank) ctx.FailArgument($"axis {axis} is out of range for params of rank {p.Rank}.");
        return axis < 0 ? axis + p.Rank : axis;
    }

    private static int[] CheckedIndices(OpContext ctx, NDArray indices, int n)
    {
        var idx = ArrayUtil.ToInts(indices);
        for (int j = 0; j < idx.Length; j++)
        {
            if ((uint)idx[j] >= (uint)n) ctx.FailArgument($"indices[{j}] = {idx[j]} is not in [0, {n}).");
        }
        return idx;
    }

    [OpKernel("GatherV2")]
    private static void GatherKernel(OpContext ctx)
    {
        var p = ctx.Input(0);
        var indices = ctx.Input(1);
        int ax = RuntimeAxis(ctx, p);
        var pd = p.Shape.Dims;
        int n = pd[ax];
        var idx = CheckedIndices(ctx, indices, n);
        var outShape = p.Shape.Slice(0, ax).Concatenate(indices.Shape).Concatenate(p.Shape.Slice(ax + 1));
        var y = NDArray.Empty(outShape, p.DType);
        int outer = ArrayUtil.Product(pd, 0, ax);
        int block = ArrayUtil.Product(pd, ax + 1) * p.DType.Size();
        var src = ArrayUtil.Bytes(p);
        var dst = ArrayUtil.Bytes(y);
        int pos = 0;
        for (int o = 0; o < outer; o++)
        {
            int rowBase = o * n * block;
            foreach (int i in idx)
            {
                src.Slice(rowBase + i * block, block).CopyTo(dst.Slice(pos, block));
                pos += block;
            }
        }
        ctx.SetOutput(0, y);
    }

    [OpGradient("GatherV2")]
    private static Tensor?[] GatherGrad(Operation op, IReadOnlyList<Tensor?> dy)
    {
        if (dy[0] is not { } g) return new Tensor?[2];
        var p = op.Inputs[0];
        var dp = Graph.Default.AddOperation("GatherGrad", "GatherV2_grad", new[] { g, op.Inputs[1], ShapeOps.Shape(p, DType.Int32, null) },
            new[] { (g.DType, p.Shape) }, new Dictionary<string, object?> { ["axis"] = op.GetAttr<int>("axis") }).Outputs[0];
        return new Tensor?[] { dp, null };
    }

    // ---- GatherGrad (internal; TF returns IndexedSlices): zeros of params' shape with dy rows added at the indices.
    [OpKernel("GatherGrad")]
    private static void GatherGradKernel(OpContext ctx)
    {
        var dy = ctx.Input(0);
        var indices = ctx.Input(1);
        var shape = new Shape(ArrayUtil.ReadIntVector(ctx, 2, "shape"));
        var dp = NDArray.Zeros(shape, dy.DType);
        int axis = ctx.Attr<int>("axis");
        int ax = axis < 0 ? axis + shape.Rank : axis;
        int n = shape[ax];
        var idx = CheckedIndices(ctx, indices, n);
        int outer = ArrayUtil.Product(shape.Dims, 0, ax);
        int inner = ArrayUtil.Product(shape.Dims, ax + 1);
        var map = new int[dy.Size];
        int k = 0;
        for (int o = 0; o < outer; o++)
        {
            foreach (int i in idx)
            {
                int b = (o * n + i) * inner;
                for (int q = 0; q < inner; q++) map[k++] = b + q;
            }
        }
        ArrayUtil.AccumulateByMap(dy, dp, map);
        ctx.SetOutput(0, dp);
    }

    // ---- OneHot: y[…, j, …] = onValue where j == indices[…], else offValue (indices out of [0, depth) give all off).
    public static Tensor OneHot(Tensor indices, int depth, double onValue, double offValue, int axis, DType dtype, string? name)
    {
        ArrayUtil.RequireIndex("OneHot", indices, nameof(indices));
        if (depth < 0) throw new ArgumentException($"OneHot: depth must be non-negative, but got {depth}.", nameof(depth));
        if (dtype == DType.Variant) throw new ArgumentException("OneHot: dtype Variant is not supported.", nameof(dtype));
        var outShape = Shape.Unknown;
        if (indices.Shape.IsRankKnown)
        {
            int r = indices.Rank + 1;
            if (axis < -1 || axis >= r)
                throw new ArgumentException($"OneHot: axis must be -1 or in [0, {r}), but got {axis}.", nameof(axis));
            int ax = axis == -1 ? r - 1 : axis;
            var d = new List<int>(indices.Shape.ToArray());
            d.Insert(ax, depth);
            outShape = new Shape(d.ToArray());
        }
        return Graph.Default.AddOperation("OneHot", name ?? "one_hot", new[] { indices }, new[] { (dtype, outShape) },
            new Dictionary<string, object?> { ["depth"] = depth, ["on"] = onValue, ["off"] = offValue, ["axis"] = axis, ["dtype"] = dtype }).Outputs[0];
    }

    [OpKernel("OneHot")]
    private static void OneHotKernel(OpContext ctx)
    {
        var indices = ctx.Input(0);
        int depth = ctx.Attr<int>("depth");
        int axis = ctx.Attr<int>("axis");
        var dtype = ctx.Attr<DType>("dtype");
        int r = indices.Rank + 1;
        if (axis < -1 || axis >= r) ctx.FailArgument($"axis must be -1 or in [0, {r}), but got {axis}.");
        int ax = axis == -1 ? r - 1 : axis;
        var d = new List<int>(indices.Shape.ToArray());
        d.Insert(ax, depth);
        var outShape = new Shape(d.ToArray());
        double off = ctx.Attr<double>("off");
        var y = off == 0 ? NDArray.Zeros(outShape, dtype) : FillOps.Filled(outShape, NDArray.Scalar(off, dtype));
        var on = NDArray.Scalar(ctx.Attr<double>("on"), dtype);
        int outer = ArrayUtil.Product(indices.Shape.Dims, 0, ax);
        int inner = ArrayUtil.Product(indices.Shape.Dims, ax);
        var idx = ArrayUtil.ToInts(indices);
        var map = new List<int>();
        for (int o = 0; o < outer; o++)
        {
            for (int q = 0; q < inner; q++)
            {
                int i = idx[o * inner + q];
                if ((uint)i < (uint)depth) map.Add((o * depth + i) * inner + q);
            }
        }
        int w = dtype.Size();
        var src = ArrayUtil.Bytes(on);
        var dst = ArrayUtil.Bytes(y);
        foreach (int m in map) src.CopyTo(dst.Slice(m * w, w));
        ctx.SetOutput(0, y);
    }
}
