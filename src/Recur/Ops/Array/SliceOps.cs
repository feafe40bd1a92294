namespace Recur;

/// <summary>
/// Slice, StridedSlice and Pad: reading a (strided) box out of a tensor, and writing a tensor into a larger one.
/// The gradient of a slice writes dy back into zeros of x's shape; the gradient of Pad slices dy.
/// </summary>
internal static class SliceOps
{
    // ---- Slice: y = x[begin_0 : begin_0 + size_0, …]; size -1 means "to the end".  dx = zeros with dy at begin.
    public static Tensor Slice(Tensor x, Tensor begin, Tensor size, string? name)
    {
        ArrayUtil.RequireData("Slice", x, nameof(x));
        ArrayUtil.RequireIndex("Slice", begin, nameof(begin));
        ArrayUtil.RequireIndex("Slice", size, nameof(size));
        var b = ArrayUtil.TryConstantInts(begin);
        var s = ArrayUtil.TryConstantInts(size);
        int rank = x.Shape.IsRankKnown ? x.Rank
            : b?.Length ?? s?.Length ?? (begin.Shape.IsRankKnown && begin.Rank == 1 ? begin.Shape[0] : -1);
        if (b is not null && b.Length != rank && rank >= 0 || s is not null && s.Length != rank && rank >= 0 || b is not null && s is not null && b.Length != s.Length)
            throw new ArgumentException(
                $"Slice: begin and size must have one entry per dimension of x (shape {x.Shape}), but begin is {Fmt(b)} and size is {Fmt(s)}.", nameof(begin));
        var outShape = rank < 0 ? Shape.Unknown : Shape.UnknownOfRank(rank);
        if (rank >= 0 && s is not null)
        {
            var d = new int[rank];
            for (int i = 0; i < rank; i++)
            {
                int dim = x.Shape.IsRankKnown ? x.Shape[i] : -1;
                int bi = b?[i] ?? -1;
                if (s[i] < -1 || b is not null && bi < 0)
                    throw new ArgumentException($"Slice: begin must be >= 0 and size >= -1, but begin is {Fmt(b)} and size is {Fmt(s)}.", nameof(size));
                if (dim >= 0 && b is not null && (bi > dim || s[i] >= 0 && bi + s[i] > dim))
                    throw new ArgumentException(
                        $"Slice: dimension {i} of shape {x.Shape} is {dim}, but the slice with begin {Fmt(b)} and size {Fmt(s)} reaches past it.", nameof(size));
                d[i] = s[i] >= 0 ? s[i] : dim >= 0 && b is not null ? dim - bi : -1;
            }
            outShape = new Shape(d);
        }
        return Graph.Default.AddOperation("Slice", name ?? "Slice", new[] { x, begin, size }, new[] { (x.DType, outShape) }).Outputs[0];
    }

    private static string Fmt(int[]? v) => v is null ? "(unknown)" : ArrayUtil.Format(v);

    /// <summary>Resolves begin/size against a concrete shape, returning the output dims and the flat offset.</summary>
    private static (int[] Dims, int Offset) ResolveSlice(OpContext ctx, Shape shape, int[] begin, int[] size)
    {
        int rank = shape.Rank;
        if (begin.Length != rank || size.Length != rank)
            ctx.FailArgument($"begin and size must have one entry per dimension of x (shape {shape}), but begin is {Fmt(begin)} and size is {Fmt(size)}.");
        var strides = ArrayUtil.Strides(shape.Dims);
        var dims = new int[rank];
        int offset = 0;
        for (int i = 0; i < rank; i++)
        {
            int dim = shape[i];
            int sz = size[i] == -1 ? dim - begin[i] : size[i];
            if (begin[i] < 0 || size[i] < -1 || sz < 0 || begin[i] + sz > dim)
                ctx.FailArgument($"the slice with begin {Fmt(begin)} and size {Fmt(size)} does not fit in shape {shape} (dimension {i}).");
            dims[i] = sz;
            offset += begin[i] * strides[i];
        }
        return (dims, offset);
    }

    [OpKernel("Slice", BorrowsInputs = true)]
    private static void SliceKernel(OpContext ctx)
    {
        var x = ctx.Input(0);
        var (dims, offset) = ResolveSlice(ctx, x.Shape, ArrayUtil.ReadIntVector(ctx, 1, "begin"), ArrayUtil.ReadIntVector(ctx, 2, "size"));
        var y = ctx.AllocateOutput(0, dims, x.DType);
        ArrayUtil.StridedCopy(x, y, offset, dims, ArrayUtil.Strides(x.Shape.Dims));
        ctx.SetOutput(0, y);
    }

    [OpGradient("Slice")]
    private static Tensor?[] SliceGrad(Operation op, IReadOnlyList<Tensor?> dy)
    {
        if (dy[0] is not { } g) return new Tensor?[3];
        var x = op.Inputs[0];
        var dx = Graph.Default.AddOperation("SliceGrad", "Slice_grad", new[] { g, ShapeOps.Shape(x, DType.Int32, null), op.Inputs[1] },
            new[] { (g.DType, x.Shape) }).Outputs[0];
        return new Tensor?[] { dx, null, null };
    }

    // ---- SliceGrad (internal): zeros of shape input 1 with input 0 written at begin (input 2).
    [OpKernel("SliceGrad", BorrowsInputs = true)]
    private static void SliceGradKernel(OpContext ctx)
    {
        var dy = ctx.Input(0);
        var shape = new Shape(ArrayUtil.ReadIntVector(ctx, 1, "shape"));
        var begin = ArrayUtil.ReadIntVector(ctx, 2, "begin");
        var (dims, offset) = ResolveSlice(ctx, shape, begin, dy.Shape.ToArray());
        var dx = ctx.AllocateOutput(0, shape, dy.DType);
        Array.Clear(dx.RawData);
        ArrayUtil.StridedScatter(dy, dx, offset, dims, ArrayUtil.Strides(shape.Dims));
        ctx.SetOutput(0, dx);
    }

    // ---- StridedSlice: numpy basic indexing x[b:e:s, …, newaxis, i].  dx = StridedSliceGrad(shape(x), dy).
    public static Tensor StridedSlice(Tensor x, int[] begin, int[] end, int[] strides, int beginMask, int endMask,
        int ellipsisMask, int newAxisMask, int shrinkAxisMask, string? name)
    {
        ArrayUtil.RequireData("StridedSlice", x, nameof(x));
        ArgumentNullException.ThrowIfNull(begin);
        ArgumentNullException.ThrowIfNull(end);
        ArgumentNullException.ThrowIfNull(strides);
        if (begin.Length != end.Length || begin.Length != strides.Length)
            throw new ArgumentException(
                $"StridedSlice: begin, end and strides must have the same length, but got {Fmt(begin)}, {Fmt(end)} and {Fmt(strides)}.", nameof(strides));
        if (begin.Length > 30)
            throw new ArgumentException($"StridedSlice: at most 30 slice entries are supported, but got {begin.Length}.", nameof(begin));
        var spec = new Spec(begin, end, strides, beginMask, endMask, ellipsisMask, newAxisMask, shrinkAxisMask);
        var outShape = Shape.Unknown;
        if (x.Shape.IsRankKnown)
        {
            var r = Canonicalize(x.Shape.Dims, spec, msg => throw new ArgumentException($"StridedSlice: {msg} (input shape {x.Shape}).", nameof(begin)));
            outShape = new Shape(r.FinalShape);
        }
        return Graph.Default.AddOperation("StridedSlice", name ?? "strided_slice", new[] { x }, new[] { (x.DType, outShape) },
            new Dictionary<string, object?> { ["spec"] = spec }).Outputs[0];
    }

    /// <summary>The slice as written by the caller (TF's sparse spec).</summary>
    internal sealed record Spec(int[] Begin, int[] End, int[] Strides, int BeginMask, int EndMask, int EllipsisMask, int NewAxisMask, int ShrinkAxisMask);

    /// <summary>The slice resolved against the input dims: per input dim begin, stride and size; and the output shape.</summary>
    private readonly record struct Resolved(int[] Begin, int[] Stride, int[] Size, int[] FinalShape);

    private const int NewAxis = -1, ShrinkAxis = -2;

    /// <summary>
    /// TF's <c>ValidateStridedSliceOp</c>: expands the ellipsis (an implicit one at the end when none is given),
    /// places new axes, then clamps each dimension's begin and end as Python does. Static dims of -1 give -1 sizes.
    /// </summary>
    private static Resolved Canonicalize(ReadOnlySpan<int> dims, Spec spec, Action<string> fail)
    {
        int n = spec.Begin.Length;
        int ellipsis = spec.EllipsisMask & ((1 << n) - 1);
        if ((ellipsis & (ellipsis - 1)) != 0) fail("only one ellipsis (ellipsisMask bit) is allowed");
        int sparseDims = n;
        if (ellipsis == 0)
        {
            ellipsis = 1 << n;
            sparseDims = n + 1;
        }
        int newAxisAfterEllipsis = 0;
        bool seen = false;
        for (int i = 0; i < sparseDims; i++)
        {
            if (seen && (spec.NewAxisMask & (1 << i)) != 0) newAxisAfterEllipsis++;
            if ((ellipsis & (1 << i)) != 0) seen = true;
        }
        int rank = dims.Length;
        var dBegin = new int[rank];
        var dEnd = new int[rank];
        var dStride = new int[rank];
        var dBeginMask = new bool[rank];
        var dEndMask = new bool[rank];
        var dShrink = new bool[rank];
        var gather = new List<int>();
        int full = 0;
        for (int i = 0; i < sparseDims; i++)
        {
            int bit = 1 << i;
            if ((ellipsis & bit) != 0)
            {
                int next = Math.Min(rank - (sparseDims - i) + 1 + newAxisAfterEllipsis, rank);
                for (; full < next; full++)
                {
                    dStride[full] = 1;
                    dBeginMask[full] = dEndMask[full] = true;
                    gather.Add(full);
                }
            }
            else if ((spec.NewAxisMask & bit) != 0)
            {
                gather.Add(NewAxis);
            }
            else
            {
                if (full >= rank) fail($"too many indices ({Fmt(spec.Begin)}) for a tensor of rank {rank}");
                dBegin[full] = spec.Begin[i];
                dEnd[full] = spec.End[i];
                dStride[full] = spec.Strides[i];
                dBeginMask[full] = (spec.BeginMask & bit) != 0;
                dEndMask[full] = (spec.EndMask & bit) != 0;
                if ((spec.ShrinkAxisMask & bit) != 0)
                {
                    dShrink[full] = true;
                    gather.Add(ShrinkAxis);
                }
                else
                {
                    gather.Add(full);
                }
                full++;
            }
        }
        var begin = new int[rank];
        var size = new int[rank];
        for (int d = 0; d < rank; d++)
        {
            int dim = dims[d], s = dStride[d];
            if (s == 0) fail($"strides must be non-zero, but the stride for dimension {d} is 0");
            if (dShrink[d] && s < 0) fail($"only a positive stride is allowed with shrinkAxisMask, but dimension {d} has stride {s}");
            if (dim < 0)
            {
                size[d] = dShrink[d] ? 1 : -1;
                continue;
            }
            if (dShrink[d])
            {
                int b = dBegin[d] < 0 ? dBegin[d] + dim : dBegin[d];
                if (b < 0 || b >= dim) fail($"index {dBegin[d]} is out of bounds for dimension {d} of size {dim}");
                begin[d] = b;
                size[d] = 1;
                continue;
            }
            int lo = s > 0 ? 0 : -1, hi = s > 0 ? dim : dim - 1;
            int bb = dBeginMask[d] ? (s > 0 ? lo : hi) : Math.Clamp(dBegin[d] < 0 ? dBegin[d] + dim : dBegin[d], lo, hi);
            int ee = dEndMask[d] ? (s > 0 ? hi : lo) : Math.Clamp(dEnd[d] < 0 ? dEnd[d] + dim : dEnd[d], lo, hi);
            int len = ee - bb;
            begin[d] = bb;
            size[d] = len == 0 || (len < 0) != (s < 0) ? 0 : len / s + (len % s != 0 ? 1 : 0);
        }
        var final = new List<int>();
        foreach (int gi in gather)
        {
            if (gi == NewAxis) final.Add(1);
            else if (gi != ShrinkAxis) final.Add(size[gi]);
        }
        return new Resolved(begin, dStride, size, final.ToArray());
    }

    /// <summary>The flat offset and element strides that read the resolved slice out of an array of <paramref name="dims"/>.</summary>
    private static (int Offset, int[] Strides) Addressing(ReadOnlySpan<int> dims, Resolved r)
    {
        var strides = ArrayUtil.Strides(dims);
        int offset = 0;
        var s = new int[dims.Length];
        for (int d = 0; d < dims.Length; d++)
        {
            if (r.Size[d] > 0) offset += r.Begin[d] * strides[d];
            s[d] = strides[d] * r.Stride[d];
        }
        return (offset, s);
    }

    [OpKernel("StridedSlice", BorrowsInputs = true)]
    private static void StridedSliceKernel(OpContext ctx)
    {
        var x = ctx.Input(0);
        var r = Canonicalize(x.Shape.Dims, ctx.Attr<Spec>("spec"), msg => ctx.FailArgument($"{msg} (input shape {x.Shape})."));
        var y = ctx.AllocateOutput(0, r.FinalShape, x.DType);
        var (offset, strides) = Addressing(x.Shape.Dims, r);
        ArrayUtil.StridedCopy(x, y, offset, r.Size, strides);
        ctx.SetOutput(0, y);
    }

    [OpGradient("StridedSlice")]
    private static Tensor?[] StridedSliceGrad(Operation op, IReadOnlyList<Tensor?> dy)
    {
        if (dy[0] is not { } g) return new Tensor?[1];
        var x = op.Inputs[0];
        var dx = Graph.Default.AddOperation("StridedSliceGrad", "StridedSlice_grad", new[] { ShapeOps.Shape(x, DType.Int32, null), g },
            new[] { (g.DType, x.Shape) }, new Dictionary<string, object?> { ["spec"] = op.GetAttr<Spec>("spec") }).Outputs[0];
        return new Tensor?[] { dx };
    }

    // ---- StridedSliceGrad: zeros of shape input 0 with dy (input 1) written where the slice read.
    [OpKernel("StridedSliceGrad", BorrowsInputs = true)]
    private static void StridedSliceGradKernel(OpContext ctx)
    {
        var shape = new Shape(ArrayUtil.ReadIntVector(ctx, 0, "shape"));
        var dy = ctx.Input(1);
        var r = Canonicalize(shape.Dims, ctx.Attr<Spec>("spec"), msg => ctx.FailArgument($"{msg} (input shape {shape})."));
        if (ArrayUtil.Product(r.FinalShape) != dy.Size)
            ctx.FailArgument($"dy has shape {dy.Shape}, but the slice of shape {shape} has shape {new Shape(r.FinalShape)}.");
        var dx = ctx.AllocateOutput(0, shape, dy.DType);
        Array.Clear(dx.RawData);
        var (offset, strides) = Addressing(shape.Dims, r);
        ArrayUtil.StridedScatter(dy, dx, offset, r.Size, strides);
        ctx.SetOutput(0, dx);
    }

    // ---- Pad: y = x surrounded by paddings[i, 0] values before and paddings[i, 1] after in dimension i.
    // dx = slice(dy, paddings[:, 0], shape(x)).
    public static Tensor Pad(Tensor x, Tensor paddings, double constantValue, string? name)
    {
        ArrayUtil.RequireData("Pad", x, nameof(x));
        ArrayUtil.RequireIndex("Pad", paddings, nameof(paddings));
        var ps = paddings.Shape;
        if (ps.IsRankKnown && (ps.Rank != 2 || ps[1] >= 0 && ps[1] != 2 || ps[0] >= 0 && x.Shape.IsRankKnown && ps[0] != x.Rank))
            throw new ArgumentException($"Pad: paddings must have shape ({(x.Shape.IsRankKnown ? x.Rank.ToString(System.Globalization.CultureInfo.InvariantCulture) : "rank")}, 2), one row per dimension of x (shape {x.Shape}), but has shape {ps}.", nameof(paddings));
        int rank = x.Shape.IsRankKnown ? x.Rank : ps.IsRankKnown && ps[0] >= 0 ? ps[0] : -1;
        var outShape = rank < 0 ? Shape.Unknown : Shape.UnknownOfRank(rank);
        if (rank >= 0 && ArrayUtil.TryConstantInts(paddings) is { } p)
        {
            var d = new int[rank];
            for (int i = 0; i < rank; i++)
            {
                if (p[2 * i] < 0 || p[2 * i + 1] < 0)
                    throw new ArgumentException($"Pad: paddings must be non-negative, but got {ArrayUtil.Format(p)}.", nameof(paddings));
                int dim = x.Shape.IsRankKnown ? x.Shape[i] : -1;
                d[i] = dim < 0 ? -1 : dim + p[2 * i] + p[2 * i + 1];
            }
            outShape = new Shape(d);
        }
        return Graph.Default.AddOperation("Pad", name ?? "Pad", new[] { x, paddings }, new[] { (x.DType, outShape) },
            new Dictionary<string, object?> { ["constant_value"] = constantValue }).Outputs[0];
    }

    [OpKernel("Pad")]
    private static void PadKernel(OpContext ctx)
    {
        var x = ctx.Input(0);
        var pa = ctx.Input(1);
        int rank = x.Rank;
        if (pa.Rank != 2 || pa.Shape[0] != rank || pa.Shape[1] != 2)
            ctx.FailArgument($"paddings must have shape ({rank}, 2), but has shape {pa.Shape}.");
        var p = ArrayUtil.ToInts(pa);
        var dims = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            if (p[2 * i] < 0 || p[2 * i + 1] < 0) ctx.FailArgument($"paddings must be non-negative, but got {ArrayUtil.Format(p)}.");
            dims[i] = x.Shape[i] + p[2 * i] + p[2 * i + 1];
        }
        var outShape = new Shape(dims);
        double c = ctx.Attr<double>("constant_value");
        var y = c == 0 ? NDArray.Zeros(outShape, x.DType) : FillOps.Filled(outShape, NDArray.Scalar(c, x.DType));
        var strides = ArrayUtil.Strides(dims);
        int offset = 0;
        for (int i = 0; i < rank; i++) offset += p[2 * i] * strides[i];
        ArrayUtil.StridedScatter(x, y, offset, x.Shape.Dims, strides);
        ctx.SetOutput(0, y);
    }

    [OpGradient("Pad")]
    private static Tensor?[] PadGrad(Operation op, IReadOnlyList<Tensor?> dy)
    {
        if (dy[0] is not { } g) return new Tensor?[2];
        var x = op.Inputs[0];
        var before = StridedSlice(op.Inputs[1], new[] { 0, 0 }, new[] { 0, 1 }, new[] { 1, 1 }, 1, 1, 0, 0, 2, null);
        var dx = Slice(g, before, ShapeOps.Shape(x, DType.Int32, null), null);
        return new Tensor?[] { dx, null };
    }
}
