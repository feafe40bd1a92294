namespace Recur;

/// <summary>
/// Select (TF2's <c>tf.where(condition, x, y)</c>) and Where (<c>tf.where(condition)</c>: the coordinates of the
/// true elements).
/// </summary>
internal static class SelectOps
{
    // ---- Select: out = condition ? x : y, with numpy broadcasting of condition, x and y; a rank-1 condition with
    // rank > 1 values picks whole rows (TF1 Select).  dx = sum-to-x(select(c, dy, 0)), dy = sum-to-y(select(c, 0, dy)).
    public static Tensor Select(Tensor condition, Tensor x, Tensor y, string? name)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArrayUtil.RequireData("Where", x, nameof(x));
        ArrayUtil.RequireData("Where", y, nameof(y));
        if (condition.DType != DType.Bool)
            throw new ArgumentException($"Where: condition must have dtype Bool, but '{condition.Name}' has dtype {condition.DType}.", nameof(condition));
        if (x.DType != y.DType)
            throw new ArgumentException($"Where: x and y must have the same dtype, but x has {x.DType} and y has {y.DType}.", nameof(y));
        var xy = ArrayUtil.BroadcastStatic(x.Shape, y.Shape)
            ?? throw new ArgumentException($"Where: x and y must have broadcastable shapes, but x has shape {x.Shape} and y has {y.Shape}.", nameof(y));
        Shape outShape;
        var c = condition.Shape;
        if (c.IsRankKnown && xy.IsRankKnown && c.Rank == 1 && xy.Rank > 1)
        {
            if (!xy.Slice(0, 1).IsCompatibleWith(c))
                throw new ArgumentException(
                    $"Where: a rank-1 condition selects rows, so its length must equal the first dimension of x and y, but condition has shape {c} and x and y have {xy}.", nameof(condition));
            outShape = xy.WithDim(0, Math.Max(xy[0], c[0]));
        }
        else
        {
            outShape = ArrayUtil.BroadcastStatic(c, xy)
                ?? throw new ArgumentException($"Where: condition of shape {c} does not broadcast with x and y of shape {xy}.", nameof(condition));
        }
        return Graph.Default.AddOperation("Select", name ?? "Select", new[] { condition, x, y }, new[] { (x.DType, outShape) }).Outputs[0];
    }

    [OpKernel("Select", BorrowsInputs = true)]
    private static void SelectKernel(OpContext ctx)
    {
        var c = ctx.Input(0);
        var x = ctx.Input(1);
        var y = ctx.Input(2);
        var xy = ArrayUtil.BroadcastDims(x.Shape.Dims, y.Shape.Dims);
        if (xy is null) ctx.FailArgument($"x and y must have broadcastable shapes, but x has shape {x.Shape} and y has {y.Shape}.");
        bool rows = c.Rank == 1 && xy.Length > 1;
        int[] dims;
        if (rows)
        {
            if (c.Shape[0] != xy[0])
                ctx.FailArgument($"a rank-1 condition selects rows, so its length must equal the first dimension of x and y, but condition has shape {c.Shape} and x and y have {new Shape(xy)}.");
            dims = xy;
        }
        else
        {
            var d = ArrayUtil.BroadcastDims(c.Shape.Dims, xy);
            if (d is null) ctx.FailArgument($"condition of shape {c.Shape} does not broadcast with x and y of shape {new Shape(xy)}.");
            dims = d;
        }
        var outShape = new Shape(dims);
        var result = ctx.AllocateOutput(0, outShape, x.DType);
        ArrayUtil.StridedCopy(x, result, 0, dims, ArrayUtil.BroadcastStrides(x.Shape.Dims, dims));
        var yb = ArrayUtil.BroadcastTo(y, dims);
        var cond = c.Data<bool>();
        if (rows)
        {
            int rowBytes = ArrayUtil.Product(dims, 1) * x.DType.Size();
            var dst = ArrayUtil.Bytes(result);
            var src = ArrayUtil.Bytes(yb);
            for (int r = 0; r < cond.Length; r++)
            {
                if (!cond[r]) src.Slice(r * rowBytes, rowBytes).CopyTo(dst.Slice(r * rowBytes, rowBytes));
            }
        }
        else
        {
            var cb = ArrayUtil.BroadcastTo(c, dims).Data<bool>();
            switch (x.DType.Size())
            {
                case 1: Pick(cb, ArrayUtil.Elements<byte>(yb), ArrayUtil.Elements<byte>(result)); break;
                case 4: Pick(cb, ArrayUtil.Elements<int>(yb), ArrayUtil.Elements<int>(result)); break;
                default: Pick(cb, ArrayUtil.Elements<long>(yb), ArrayUtil.Elements<long>(result)); break;
            }
        }
        ctx.SetOutput(0, result);
    }

    private static void Pick<T>(bool[] cond, ReadOnlySpan<T> y, Span<T> result) where T : unmanaged
    {
        for (int i = 0; i < cond.Length; i++)
        {
            if (!cond[i]) result[i] = y[i];
        }
    }

    [OpGradient("Select")]
    private static Tensor?[] SelectGrad(Operation op, IReadOnlyList<Tensor?> dy)
    {
        if (dy[0] is not { } g) return new Tensor?[3];
        var c = op.Inputs[0];
        var zeros = FillOps.ZerosLike(g, null);
        var dx = SumToShapeOf(Select(c, g, zeros, null), op.Inputs[1]);
        var dyy = SumToShapeOf(Select(c, zeros, g, null), op.Inputs[2]);
        return new Tensor?[] { null, dx, dyy };
    }

    /// <summary>Sums a broadcast gradient back to <paramref name="like"/>'s run-time shape (a no-op when the static shapes agree).</summary>
    internal static Tensor SumToShapeOf(Tensor grad, Tensor like)
    {
        if (grad.Shape.IsFullyDefined && grad.Shape == like.Shape) return grad;
        return Graph.Default.AddOperation("SumToShape", "SumToShape", new[] { grad, ShapeOps.Shape(like, DType.Int32, null) },
            new[] { (grad.DType, like.Shape) }).Outputs[0];
    }

    // ---- SumToShape (internal): reduces a broadcast result (input 0) to the shape (input 1) it was broadcast from.
    [OpKernel("SumToShape")]
    private static void SumToShapeKernel(OpContext ctx)
    {
        var g = ctx.Input(0);
        var dims = ArrayUtil.ReadIntVector(ctx, 1, "shape");
        if (g.Shape.Dims.SequenceEqual(dims))
        {
            ctx.SetOutput(0, g);
            return;
        }
        if (ArrayUtil.BroadcastDims(dims, g.Shape.Dims) is not { } b || !b.AsSpan().SequenceEqual(g.Shape.Dims))
            ctx.FailArgument($"shape {ArrayUtil.Format(dims)} does not broadcast to the gradient's shape {g.Shape}.");
        var result = ctx.AllocateOutput(0, dims, g.DType);
        Array.Clear(result.RawData);
        var map = ArrayUtil.SourceIndexMap(result.Size, 0, g.Shape.Dims, ArrayUtil.BroadcastStrides(dims, g.Shape.Dims));
        ArrayUtil.AccumulateByMap(g, result, map);
        ctx.SetOutput(0, result);
    }

    // ---- Where: the coordinates of the true (non-zero) elements of condition, row-major, as Int64 (count, rank).
    public static Tensor Where(Tensor condition, string? name)
    {
        ArrayUtil.RequireData("Where", condition, nameof(condition));
        int rank = condition.Shape.IsRankKnown ? condition.Rank : -1;
        return Graph.Default.AddOperation("Where", name ?? "Where", new[] { condition }, new[] { (DType.Int64, new Shape(-1, rank)) }).Outputs[0];
    }

    [OpKernel("Where")]
    private static void WhereKernel(OpContext ctx)
    {
        var c = ctx.Input(0);
        int rank = c.Rank;
        var dims = c.Shape.Dims;
        var strides = ArrayUtil.Strides(dims);
        var hits = new List<int>();
        for (int i = 0; i < c.Size; i++)
        {
            if (c.GetDouble(i) != 0) hits.Add(i);
        }
        var r = new long[hits.Count * rank];
        for (int k = 0; k < hits.Count; k++)
        {
            int rest = hits[k];
            for (int d = 0; d < rank; d++)
            {
                r[k * rank + d] = rest / strides[d];
                rest %= strides[d];
            }
        }
        ctx.SetOutput(0, new NDArray(r, new Shape(hits.Count, rank)));
    }
}
