namespace Recur;

/// <summary>
/// Reshape, ExpandDims and Squeeze: the same elements in the same order under another shape. The kernels share the
/// input's storage (arrays are immutable); the gradient of each is a reshape of dy back to x's run-time shape.
/// </summary>
internal static class ReshapeOps
{
    // ---- Reshape: y = x viewed with shape (one dim may be -1: inferred).  dx = reshape(dy, shape(x)).
    public static Tensor Reshape(Tensor x, Tensor shape, string? name)
    {
        ArrayUtil.RequireData("Reshape", x, nameof(x));
        ArrayUtil.RequireIndex("Reshape", shape, nameof(shape));
        if (shape.Shape.IsRankKnown && shape.Rank != 1)
            throw new ArgumentException($"Reshape: shape must be a vector, but '{shape.Name}' has shape {shape.Shape}.", nameof(shape));
        Shape outShape;
        if (ArrayUtil.TryConstantInts(shape) is { } target)
        {
            var resolved = Resolve(target, x.Shape.IsFullyDefined ? x.Shape.NumElements : -1,
                msg => throw new ArgumentException($"Reshape: {msg}", nameof(shape)), x.Shape);
            outShape = new Shape(resolved);
        }
        else
        {
            outShape = ArrayUtil.ShapeFromTensor(shape);
        }
        return Graph.Default.AddOperation("Reshape", name ?? "Reshape", new[] { x, shape }, new[] { (x.DType, outShape) }).Outputs[0];
    }

    /// <summary>
    /// Validates a target shape and fills in its -1 when the element count is known (≥ 0); otherwise the -1 stays.
    /// </summary>
    private static int[] Resolve(int[] target, long count, Action<string> fail, Shape inputShape)
    {
        int unknownAt = -1;
        long known = 1;
        for (int i = 0; i < target.Length; i++)
        {
            if (target[i] == -1)
            {
                if (unknownAt >= 0) fail($"at most one dimension may be -1, but the requested shape is {ArrayUtil.Format(target)}.");
                unknownAt = i;
            }
            else if (target[i] < 0)
            {
                fail($"dimensions must be >= 0 or -1, but the requested shape is {ArrayUtil.Format(target)}.");
            }
            else
            {
                known *= target[i];
            }
        }
        var r = (int[])target.Clone();
        if (count < 0) return r;
        if (unknownAt < 0)
        {
            if (known != count)
                fail($"cannot reshape a tensor of shape {inputShape} ({count} elements) to shape {ArrayUtil.Format(target)} ({known} elements).");
        }
        else
        {
            if (known == 0)
            {
                if (count != 0)
                    fail($"cannot reshape a tensor of shape {inputShape} ({count} elements) to shape {ArrayUtil.Format(target)}.");
                fail($"cannot infer the -1 dimension of shape {ArrayUtil.Format(target)} for a tensor with 0 elements when another dimension is 0.");
            }
            if (count % known != 0)
                fail($"cannot reshape a tensor of shape {inputShape} ({count} elements) to shape {ArrayUtil.Format(target)}: {count} is not a multiple of {known}.");
            r[unknownAt] = (int)(count / known);
        }
        return r;
    }

    [OpKernel("Reshape")]
    private static void ReshapeKernel(OpContext ctx)
    {
        var x = ctx.Input(0);
        var target = ArrayUtil.ReadIntVector(ctx, 1, "shape");
        var dims = Resolve(target, x.Size, ctx.FailArgument, x.Shape);
        ctx.SetOutput(0, x.Reshape(new Shape(dims)));
    }

    [OpGradient("Reshape")]
    [OpGradient("ExpandDims")]
    [OpGradient("Squeeze")]
    private static Tensor?[] ReshapeGrad(Operation op, IReadOnlyList<Tensor?> dy)
    {
        var grads = new Tensor?[op.Inputs.Count];
        if (dy[0] is { } g) grads[0] = ReshapeLike(g, op.Inputs[0]);
        return grads;
    }

    /// <summary>Reshapes <paramref name="x"/> to <paramref name="like"/>'s run-time shape (static shape known at build time when defined).</summary>
    public static Tensor ReshapeLike(Tensor x, Tensor like)
    {
        var shape = like.Shape.IsFullyDefined ? ArrayUtil.IntConst(like.Shape.ToArray(), "Shape") : ShapeOps.Shape(like, DType.Int32, null);
        return Reshape(x, shape, null);
    }

    // ---- ExpandDims: inserts a dimension of size 1 at axis (in [-rank-1, rank]).  dx = reshape(dy, shape(x)).
    public static Tensor ExpandDims(Tensor x, int axis, string? name)
    {
        ArrayUtil.RequireData("ExpandDims", x, nameof(x));
        var outShape = Shape.Unknown;
        if (x.Shape.IsRankKnown)
        {
            int ax = ArrayUtil.NormalizeAxis("ExpandDims", axis, x.Rank + 1);
            var d = new List<int>(x.Shape.ToArray());
            d.Insert(ax, 1);
            outShape = new Shape(d.ToArray());
        }
        return Graph.Default.AddOperation("ExpandDims", name ?? "ExpandDims", new[] { x }, new[] { (x.DType, outShape) },
            new Dictionary<string, object?> { ["axis"] = axis }).Outputs[0];
    }

    [OpKernel("ExpandDims")]
    private static void ExpandDimsKernel(OpContext ctx)
    {
        var x = ctx.Input(0);
        int axis = ctx.Attr<int>("axis");
        int r = x.Rank + 1;
        if (axis < -r || axis >= r) ctx.FailArgument($"axis {axis} is out of range for a tensor of rank {x.Rank}; expected a value in [{-r}, {r}).");
        var d = new List<int>(x.Shape.ToArray());
        d.Insert(axis < 0 ? axis + r : axis, 1);
        ctx.SetOutput(0, x.Reshape(new Shape(d.ToArray())));
    }

    // ---- Squeeze: removes size-1 dimensions (all of them, or those listed).  dx = reshape(dy, shape(x)).
    public static Tensor Squeeze(Tensor x, int[]? axis, string? name)
    {
        ArrayUtil.RequireData("Squeeze", x, nameof(x));
        var axes = axis is null ? Array.Empty<int>() : (int[])axis.Clone();
        var outShape = Shape.Unknown;
        if (x.Shape.IsRankKnown)
        {
            var keep = new bool[x.Rank];
            Array.Fill(keep, true);
            if (axes.Length == 0)
            {
                bool anyUnknown = false;
                for (int i = 0; i < x.Rank; i++)
                {
                    if (x.Shape[i] == 1) keep[i] = false;
                    else if (x.Shape[i] < 0) anyUnknown = true;
                }
                if (!anyUnknown) outShape = Pick(x.Shape, keep);
            }
            else
            {
                foreach (int a in axes)
                {
                    int ax = ArrayUtil.NormalizeAxis("Squeeze", a, x.Rank);
                    if (x.Shape[ax] > 1 || x.Shape[ax] == 0)
                        throw new ArgumentException(
                            $"Squeeze: cannot squeeze dimension {ax} of shape {x.Shape}: expected a dimension of size 1, but got {x.Shape[ax]}.", nameof(axis));
                    keep[ax] = false;
                }
                outShape = Pick(x.Shape, keep);
            }
        }
        return Graph.Default.AddOperation("Squeeze", name ?? "Squeeze", new[] { x }, new[] { (x.DType, outShape) },
            new Dictionary<string, object?> { ["squeeze_dims"] = axes }).Outputs[0];
    }

    private static Shape Pick(Shape s, bool[] keep)
    {
        var d = new List<int>();
        for (int i = 0; i < keep.Length; i++) if (keep[i]) d.Add(s[i]);
        return new Shape(d.ToArray());
    }

    [OpKernel("Squeeze")]
    private static void SqueezeKernel(OpContext ctx)
    {
        var x = ctx.Input(0);
        var axes = ctx.Attr<int[]>("squeeze_dims");
        var keep = new bool[x.Rank];
        Array.Fill(keep, true);
        if (axes.Length == 0)
        {
            for (int i = 0; i < x.Rank; i++) if (x.Shape[i] == 1) keep[i] = false;
        }
        else
        {
            foreach (int a in axes)
            {
                if (a < -x.Rank || a >= x.Rank) ctx.FailArgument($"axis {a} is out of range for a tensor of rank {x.Rank}.");
                int ax = a < 0 ? a + x.Rank : a;
                if (x.Shape[ax] != 1)
                    ctx.FailArgument($"cannot squeeze dimension {ax} of shape {x.Shape}: expected a dimension of size 1, but got {x.Shape[ax]}.");
                keep[ax] = false;
            }
        }
        ctx.SetOutput(0, x.Reshape(Pick(x.Shape, keep)));
    }
}
