namespace Recur;

/// <summary>
/// ConcatV2, Split and SplitV: joining tensors along an existing axis and cutting one tensor into pieces along
/// an axis. The gradient of one is the other.
/// </summary>
internal static class ConcatSplitOps
{
    // ---- ConcatV2: y = [x0, x1, …] along axis.  dx_i = the slice of dy that x_i occupies.
    public static Tensor Concat(IReadOnlyList<Tensor> values, int axis, string? name)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
            throw new ArgumentException("Concat: values must contain at least one tensor.", nameof(values));
        for (int i = 0; i < values.Count; i++)
        {
            ArrayUtil.RequireData("Concat", values[i], nameof(values));
            if (values[i].DType != values[0].DType)
                throw new ArgumentException(
                    $"Concat: inputs must have the same dtype, but input {i} has {values[i].DType} and input 0 has {values[0].DType}.", nameof(values));
        }
        int rank = -1, rankFrom = -1;
        for (int i = 0; i < values.Count; i++)
        {
            var s = values[i].Shape;
            if (!s.IsRankKnown) continue;
            if (rank < 0)
            {
                rank = s.Rank;
                rankFrom = i;
            }
            else if (s.Rank != rank)
            {
                throw new ArgumentException(
                    $"Concat: inputs must have the same rank, but input {i} has shape {s} and input {rankFrom} has {values[rankFrom].Shape}.", nameof(values));
            }
        }
        if (rank == 0)
            throw new ArgumentException("Concat: cannot concatenate scalars (rank 0); use Tf.Stack instead.", nameof(values));
        Shape outShape = Shape.Unknown;
        if (rank > 0)
        {
            int ax = ArrayUtil.NormalizeAxis("Concat", axis, rank);
            var dims = new int[rank];
            Array.Fill(dims, -1);
            var from = new int[rank];
            int sum = 0;
            for (int i = 0; i < values.Count; i++)
            {
                var s = values[i].Shape;
                if (!s.IsRankKnown)
                {
                    sum = -1;
                    continue;
                }
                for (int d = 0; d < rank; d++)
                {
                    if (d == ax || s[d] < 0) continue;
                    if (dims[d] < 0)
                    {
                        dims[d] = s[d];
                        from[d] = i;
                    }
                    else if (dims[d] != s[d])
                    {
                        throw new ArgumentException(
                            $"Concat: inputs must match in every dimension except axis {ax}, but input {i} has shape {s} and input {from[d]} has {values[from[d]].Shape}.", nameof(values));
                    }
                }
                sum = ArrayUtil.AddDims(sum, s[ax]);
            }
            dims[ax] = sum;
            outShape = new Shape(dims);
        }
        return Graph.Default.AddOperation("ConcatV2", name ?? "concat", values.ToArray(), new[] { (values[0].DType, outShape) },
            new Dictionary<string, object?> { ["axis"] = axis }).Outputs[0];
    }

    [OpKernel("ConcatV2", BorrowsInputs = true)]
    private static void ConcatKernel(OpContext ctx)
    {
        var x0 = ctx.Input(0);
        int rank = x0.Rank;
        if (rank == 0) ctx.FailArgument("cannot concatenate scalars (rank 0).");
        int axis = ctx.Attr<int>("axis");
        if (axis < -rank || axis >= rank) ctx.FailArgument($"axis {axis} is out of range for inputs of rank {rank}.");
        int ax = axis < 0 ? axis + rank : axis;
        Span<int> dims = rank <= 8 ? stackalloc int[rank] : new int[rank];
        x0.Shape.Dims.CopyTo(dims);
        int total = 0;
        for (int i = 0; i < ctx.InputCount; i++)
        {
            var s = ctx.Input(i).Shape;
            bool ok = s.Rank == rank;
            for (int d = 0; ok && d < rank; d++) ok = d == ax || s[d] == dims[d];
            if (!ok)
                ctx.FailArgument($"inputs must match in every dimension except axis {ax}, but input {i} has shape {s} and input 0 has {x0.Shape}.");
            total += s[ax];
        }
        dims[ax] = total;
        var y = ctx.AllocateOutput(0, dims, x0.DType);
        int outer = ArrayUtil.Product(dims, 0, ax);
        int innerBytes = ArrayUtil.Product(dims, ax + 1) * x0.DType.Size();
        var dst = ArrayUtil.Bytes(y);
        int pos = 0;
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < ctx.InputCount; i++)
            {
                var x = ctx.Input(i);
                int block = x.Shape[ax] * innerBytes;
                ArrayUtil.Bytes(x).Slice(o * block, block).CopyTo(dst.Slice(pos, block));
                pos += block;
            }
        }
        ctx.SetOutput(0, y);
    }

    [OpGradient("ConcatV2")]
    private static Tensor?[] ConcatGrad(Operation op, IReadOnlyList<Tensor?> dy)
    {
        var grads = new Tensor?[op.Inputs.Count];
        if (dy[0] is not { } g) return grads;
        int axis = op.GetAttr<int>("axis");
        if (op.Inputs.Count == 1) return new Tensor?[] { g };
        // Split dy by the run-time sizes of the inputs along the axis.
        var pieces = SplitLike(g, op.Inputs, axis);
        for (int i = 0; i < pieces.Length; i++) grads[i] = pieces[i];
        return grads;
    }

    /// <summary>Splits <paramref name="x"/> along <paramref name="axis"/> into pieces shaped like <paramref name="like"/>.</summary>
    private static Tensor[] SplitLike(Tensor x, IReadOnlyList<Tensor> like, int axis)
    {
        var outShapes = new (DType, Shape)[like.Count];
        var inputs = new Tensor[like.Count + 1];
        inputs[0] = x;
        for (int i = 0; i < like.Count; i++)
        {
            outShapes[i] = (x.DType, like[i].Shape);
            inputs[i + 1] = ShapeOps.Shape(like[i], DType.Int32, null);
        }
        return Graph.Default.AddOperation("SplitLike", "split_like", inputs, outShapes,
            new Dictionary<string, object?> { ["axis"] = axis }).Outputs.ToArray();
    }

    // ---- SplitLike (internal, gradient of ConcatV2): splits input 0 along axis into pieces whose sizes are the axis
    // dims of the shape vectors given as inputs 1..n.
    [OpKernel("SplitLike", BorrowsInputs = true)]
    private static void SplitLikeKernel(OpContext ctx)
    {
        var x = ctx.Input(0);
        int rank = x.Rank;
        int axis = ctx.Attr<int>("axis");
        int ax = axis < 0 ? axis + rank : axis;
        var sizes = new int[ctx.InputCount - 1];
        for (int i = 0; i < sizes.Length; i++) sizes[i] = ArrayUtil.ReadIntVector(ctx, i + 1, "shape")[ax];
        SplitInto(ctx, x, ax, sizes);
    }

    // ---- Split: numSplit equal pieces along axis.  dx = concat(dy_i) (zeros for pieces with no gradient).
    public static Tensor[] Split(Tensor x, int numSplit, int axis, string? name)
    {
        ArrayUtil.RequireData("Split", x, nameof(x));
        if (numSplit < 1)
            throw new ArgumentException($"Split: numSplit must be at least 1, but got {numSplit}.", nameof(numSplit));
        var outShape = Shape.Unknown;
        if (x.Shape.IsRankKnown)
        {
            if (x.Rank == 0)
                throw new ArgumentException($"Split: cannot split a scalar (shape {x.Shape}).", nameof(x));
            int ax = ArrayUtil.NormalizeAxis("Split", axis, x.Rank);
            int dim = x.Shape[ax];
            if (dim >= 0 && dim % numSplit != 0)
                throw new ArgumentException(
                    $"Split: dimension {ax} of shape {x.Shape} is {dim}, which is not evenly divisible by numSplit {numSplit}.", nameof(numSplit));
            outShape = x.Shape.WithDim(ax, dim < 0 ? -1 : dim / numSplit);
        }
        var outs = new (DType, Shape)[numSplit];
        Array.Fill(outs, (x.DType, outShape));
        return Graph.Default.AddOperation("Split", name ?? "split", new[] { x }, outs,
            new Dictionary<string, object?> { ["num_split"] = numSplit, ["axis"] = axis }).Outputs.ToArray();
    }

    [OpKernel("Split", BorrowsInputs = true)]
    private static void SplitKernel(OpContext ctx)
    {
        var x = ctx.Input(0);
        int n = ctx.Attr<int>("num_split");
        int ax = RuntimeAxis(ctx, x);
        int dim = x.Shape[ax];
        if (dim % n != 0)
            ctx.FailArgument($"dimension {ax} of shape {x.Shape} is {dim}, which is not evenly divisible by numSplit {n}.");
        var sizes = new int[n];
        Array.Fill(sizes, dim / n);
        SplitInto(ctx, x, ax, sizes);
    }

    // ---- SplitV: pieces of the given sizes (one may be -1: the rest).  dx = concat(dy_i).
    public static Tensor[] SplitV(Tensor x, int[] sizes, int axis, string? name)
    {
        ArrayUtil.RequireData("Split", x, nameof(x));
        ArgumentNullException.ThrowIfNull(sizes);
        if (sizes.Length == 0)
            throw new ArgumentException("Split: sizes must contain at least one entry.", nameof(sizes));
        int unknownAt = -1, known = 0;
        for (int i = 0; i < sizes.Length; i++)
        {
            if (sizes[i] == -1)
            {
                if (unknownAt >= 0)
                    throw new ArgumentException($"Split: at most one size may be -1, but sizes is {ArrayUtil.Format(sizes)}.", nameof(sizes));
                unknownAt = i;
            }
            else if (sizes[i] < 0)
            {
                throw new ArgumentException($"Split: sizes must be >= 0 (or -1 once), but sizes is {ArrayUtil.Format(sizes)}.", nameof(sizes));
            }
            else
            {
                known += sizes[i];
            }
        }
        var shapes = new (DType, Shape)[sizes.Length];
        if (x.Shape.IsRankKnown)
        {
            if (x.Rank == 0)
                throw new ArgumentException($"Split: cannot split a scalar (shape {x.Shape}).", nameof(x));
            int ax = ArrayUtil.NormalizeAxis("Split", axis, x.Rank);
            int dim = x.Shape[ax];
            var resolved = (int[])sizes.Clone();
            if (dim >= 0)
            {
                if (unknownAt < 0 ? known != dim : known > dim)
                    throw new ArgumentException(
                        $"Split: sizes {ArrayUtil.Format(sizes)} must sum to dimension {ax} of shape {x.Shape} ({dim})" +
                        (unknownAt >= 0 ? " or less, since one size is -1." : "."), nameof(sizes));
                if (unknownAt >= 0) resolved[unknownAt] = dim - known;
            }
            for (int i = 0; i < sizes.Length; i++) shapes[i] = (x.DType, x.Shape.WithDim(ax, resolved[i]));
        }
        else
        {
            Array.Fill(shapes, (x.DType, Shape.Unknown));
        }
        return Graph.Default.AddOperation("SplitV", name ?? "split", new[] { x }, shapes,
            new Dictionary<string, object?> { ["size_splits"] = (int[])sizes.Clone(), ["axis"] = axis }).Outputs.ToArray();
    }

    [OpKernel("SplitV", BorrowsInputs = true)]
    private static void SplitVKernel(OpContext ctx)
    {
        var x = ctx.Input(0);
        int ax = RuntimeAxis(ctx, x);
        int dim = x.Shape[ax];
        var sizes = (int[])ctx.Attr<int[]>("size_splits").Clone();
        int unknownAt = Array.IndexOf(sizes, -1);
        int known = 0;
        foreach (int s in sizes) if (s >= 0) known += s;
        if (unknownAt < 0 ? known != dim : known > dim)
            ctx.FailArgument($"sizes {ArrayUtil.Format(ctx.Attr<int[]>("size_splits"))} must sum to dimension {ax} of shape {x.Shape} ({dim}).");
        if (unknownAt >= 0) sizes[unknownAt] = dim - known;
        SplitInto(ctx, x, ax, sizes);
    }

    [OpGradient("Split")]
    [OpGradient("SplitV")]
    private static Tensor?[] SplitGrad(Operation op, IReadOnlyList<Tensor?> dy)
    {
        if (dy.All(g => g is null)) return new Tensor?[] { null };
        var parts = new Tensor[dy.Count];
        for (int i = 0; i < parts.Length; i++) parts[i] = dy[i] ?? FillOps.ZerosLike(op.Outputs[i], null);
        return new Tensor?[] { Concat(parts, op.GetAttr<int>("axis"), null) };
    }

    private static int RuntimeAxis(OpContext ctx, NDArray x)
    {
        int rank = x.Rank;
        if (rank == 0) ctx.FailArgument($"cannot split a scalar (shape {x.Shape}).");
        int axis = ctx.Attr<int>("axis");
        if (axis < -rank || axis >= rank) ctx.FailArgument($"axis {axis} is out of range for a tensor of rank {rank}.");
        return axis < 0 ? axis + rank : axis;
    }

    /// <summary>Writes output i = the slab of <paramref name="x"/> of size sizes[i] along axis <paramref name="ax"/>.</summary>
    private static void SplitInto(OpContext ctx, NDArray x, int ax, int[] sizes)
    {
        var dims = x.Shape.ToArray();
        int outer = ArrayUtil.Product(dims, 0, ax);
        int innerBytes = ArrayUtil.Product(dims, ax + 1) * x.DType.Size();
        int rowBytes = dims[ax] * innerBytes;
        var src = ArrayUtil.Bytes(x);
        int start = 0;
        for (int i = 0; i < sizes.Length; i++)
        {
            dims[ax] = sizes[i];
            var y = ctx.AllocateOutput(i, dims, x.DType);
            var dst = ArrayUtil.Bytes(y);
            int block = sizes[i] * innerBytes;
            for (int o = 0; o < outer; o++) src.Slice(o * rowBytes + start, block).CopyTo(dst.Slice(o * block, block));
            start += block;
            ctx.SetOutput(i, y);
        }
    }
}
