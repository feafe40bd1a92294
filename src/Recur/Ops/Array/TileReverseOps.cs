namespace Recur;

/// <summary>Tile, ReverseV2 (tf.reverse) and ReverseSequence: copies that repeat or reorder elements.</summary>
internal static class TileReverseOps
{
    // ---- Tile: y = x repeated multiples[i] times along dimension i.  dx = the sum of dy over the copies.
    public static Tensor Tile(Tensor x, Tensor multiples, string? name)
    {
        ArrayUtil.RequireData("Tile", x, nameof(x));
        ArrayUtil.RequireIndex("Tile", multiples, nameof(multiples));
        if (multiples.Shape.IsRankKnown && multiples.Rank != 1)
            throw new ArgumentException($"Tile: multiples must be a vector, but has shape {multiples.Shape}.", nameof(multiples));
        var m = ArrayUtil.TryConstantInts(multiples);
        int rank = x.Shape.IsRankKnown ? x.Rank : m?.Length ?? (multiples.Shape.IsRankKnown && multiples.Shape[0] >= 0 ? multiples.Shape[0] : -1);
        if (m is not null)
        {
            if (m.Length != rank)
                throw new ArgumentException($"Tile: multiples must have one entry per dimension of x (shape {x.Shape}), but is {ArrayUtil.Format(m)}.", nameof(multiples));
            if (m.Any(v => v < 0))
                throw new ArgumentException($"Tile: multiples must be non-negative, but is {ArrayUtil.Format(m)}.", nameof(multiples));
        }
        else if (rank >= 0 && multiples.Shape.IsRankKnown && multiples.Shape[0] >= 0 && multiples.Shape[0] != rank)
        {
            throw new ArgumentException($"Tile: multiples must have one entry per dimension of x (shape {x.Shape}), but has shape {multiples.Shape}.", nameof(multiples));
        }
        var outShape = rank < 0 ? Shape.Unknown : Shape.UnknownOfRank(rank);
        if (rank >= 0)
        {
            var d = new int[rank];
            for (int i = 0; i < rank; i++) d[i] = ArrayUtil.MulDims(x.Shape.IsRankKnown ? x.Shape[i] : -1, m?[i] ?? -1);
            outShape = new Shape(d);
        }
        return Graph.Default.AddOperation("Tile", name ?? "Tile", new[] { x, multiples }, new[] { (x.DType, outShape) }).Outputs[0];
    }

    /// <summary>The view that reads a tiled array: dims (m_0, d_0, m_1, d_1, …) with strides (0, s_0, 0, s_1, …).</summary>
    private static (int[] Dims, int[] Strides, int[] OutDims) TileView(OpContext ctx, Shape shape, int[] m)
    {
        int rank = shape.Rank;
        if (m.Length != rank) ctx.FailArgument($"multiples must have one entry per dimension of x (shape {shape}), but is {ArrayUtil.Format(m)}.");
        var s = ArrayUtil.Strides(shape.Dims);
        var dims = new int[2 * rank];
        var strides = new int[2 * rank];
        var outDims = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            if (m[i] < 0) ctx.FailArgument($"multiples must be non-negative, but is {ArrayUtil.Format(m)}.");
            dims[2 * i] = m[i];
            dims[2 * i + 1] = shape[i];
            strides[2 * i + 1] = s[i];
            outDims[i] = m[i] * shape[i];
        }
        return (dims, strides, outDims);
    }

    [OpKernel("Tile")]
    private static void TileKernel(OpContext ctx)
    {
        var x = ctx.Input(0);
        var (dims, strides, outDims) = TileView(ctx, x.Shape, ArrayUtil.ReadIntVector(ctx, 1, "multiples"));
        var y = NDArray.Empty(new Shape(outDims), x.DType);
        ArrayUtil.StridedCopy(x, y, 0, dims, strides);
        ctx.SetOutput(0, y);
    }

    [OpGradient("Tile")]
    private static Tensor?[] TileGrad(Operation op, IReadOnlyList<Tensor?> dy)
    {
        if (dy[0] is not { } g) return new Tensor?[2];
        var x = op.Inputs[0];
        var dx = Graph.Default.AddOperation("TileGrad", "Tile_grad", new[] { g, ShapeOps.Shape(x, DType.Int32, null), op.Inputs[1] },
            new[] { (g.DType, x.Shape) }).Outputs[0];
        return new Tensor?[] { dx, null };
    }

    // ---- TileGrad (internal): dx[i] = Σ over the copies of element i of dy.
    [OpKernel("TileGrad")]
    private static void TileGradKernel(OpContext ctx)
    {
        var g = ctx.Input(0);
        var shape = new Shape(ArrayUtil.ReadIntVector(ctx, 1, "shape"));
        var (dims, strides, outDims) = TileView(ctx, shape, ArrayUtil.ReadIntVector(ctx, 2, "multiples"));
        if (!g.Shape.Dims.SequenceEqual(outDims)) ctx.FailArgument($"dy has shape {g.Shape}, but the tiled shape is {new Shape(outDims)}.");
        var dx = NDArray.Zeros(shape, g.DType);
        ArrayUtil.AccumulateByMap(g, dx, ArrayUtil.SourceIndexMap(dx.Size, 0, dims, strides));
        ctx.SetOutput(0, dx);
    }

    // ---- ReverseV2: reverses the listed dimensions.  dx = reverse(dy, axis).
    public static Tensor Reverse(Tensor x, int[] axis, string? name)
    {
        ArrayUtil.RequireData("Reverse", x, nameof(x));
        ArgumentNullException.ThrowIfNull(axis);
        if (x.Shape.IsRankKnown)
        {
            var seen = new bool[x.Rank];
            foreach (int a in axis)
            {
                int ax = ArrayUtil.NormalizeAxis("Reverse", a, x.Rank);
                if (seen[ax]) throw new ArgumentException($"Reverse: axis {ArrayUtil.Format(axis)} lists dimension {ax} more than once.", nameof(axis));
                seen[ax] = true;
            }
        }
        return Graph.Default.AddOperation("ReverseV2", name ?? "ReverseV2", new[] { x }, new[] { (x.DType, x.Shape) },
            new Dictionary<string, object?> { ["axis"] = (int[])axis.Clone() }).Outputs[0];
    }

    [OpKernel("ReverseV2")]
    private static void ReverseKernel(OpContext ctx)
    {
        var x = ctx.Input(0);
        int rank = x.Rank;
        var dims = x.Shape.Dims;
        var strides = ArrayUtil.Strides(dims);
        var seen = new bool[rank];
        int offset = 0;
        foreach (int a in ctx.Attr<int[]>("axis"))
        {
            if (a < -rank || a >= rank) ctx.FailArgument($"axis {a} is out of range for a tensor of rank {rank}.");
            int ax = a < 0 ? a + rank : a;
            if (seen[ax]) ctx.FailArgument($"dimension {ax} is listed more than once.");
            seen[ax] = true;
            if (dims[ax] > 0) offset += (dims[ax] - 1) * strides[ax];
            strides[ax] = -strides[ax];
        }
        var y = NDArray.Empty(x.Shape, x.DType);
        ArrayUtil.StridedCopy(x, y, offset, dims, strides);
        ctx.SetOutput(0, y);
    }

    [OpGradient("ReverseV2")]
    private static Tensor?[] ReverseGrad(Operation op, IReadOnlyList<Tensor?> dy) =>
        new Tensor?[] { dy[0] is { } g ? Reverse(g, op.GetAttr<int[]>("axis"), null) : null };

    // ---- ReverseSequence: for each batch entry b, reverses the first seqLengths[b] elements along seqAxis and keeps
    // the rest.  dx = reverse_sequence(dy, seqLengths).
    public static Tensor ReverseSequence(Tensor input, Tensor seqLengths, int seqAxis, int batchAxis, string? name)
    {
        ArrayUtil.RequireData("ReverseSequence", input, nameof(input));
        ArrayUtil.RequireIndex("ReverseSequence", seqLengths, nameof(seqLengths));
        if (seqLengths.Shape.IsRankKnown && seqLengths.Rank != 1)
            throw new ArgumentException($"ReverseSequence: seqLengths must be a vector, but has shape {seqLengths.Shape}.", nameof(seqLengths));
        if (input.Shape.IsRankKnown)
        {
            int r = input.Rank;
            int sa = ArrayUtil.NormalizeAxis("ReverseSequence", seqAxis, r, nameof(seqAxis));
            int ba = ArrayUtil.NormalizeAxis("ReverseSequence", batchAxis, r, nameof(batchAxis));
            if (sa == ba)
                throw new ArgumentException($"ReverseSequence: seqAxis and batchAxis must differ, but both are {sa}.", nameof(batchAxis));
            int batch = input.Shape[ba];
            int n = seqLengths.Shape.IsRankKnown ? seqLengths.Shape[0] : -1;
            if (batch >= 0 && n >= 0 && batch != n)
                throw new ArgumentException(
                    $"ReverseSequence: seqLengths must have one entry per batch entry (dimension {ba} of shape {input.Shape} is {batch}), but has shape {seqLengths.Shape}.", nameof(seqLengths));
            var outShape = batch < 0 && n >= 0 ? input.Shape.WithDim(ba, n) : input.Shape;
            return Add(input, seqLengths, seqAxis, batchAxis, outShape, name);
        }
        return Add(input, seqLengths, seqAxis, batchAxis, input.Shape, name);
    }

    private static Tensor Add(Tensor input, Tensor seqLengths, int seqAxis, int batchAxis, Shape outShape, string? name) =>
        Graph.Default.AddOperation("ReverseSequence", name ?? "ReverseSequence", new[] { input, seqLengths }, new[] { (input.DType, outShape) },
            new Dictionary<string, object?> { ["seq_dim"] = seqAxis, ["batch_dim"] = batchAxis }).Outputs[0];

    [OpKernel("ReverseSequence")]
    private static void ReverseSequenceKernel(OpContext ctx)
    {
        var x = ctx.Input(0);
        int rank = x.Rank;
        int sa = ctx.Attr<int>("seq_dim"), ba = ctx.Attr<int>("batch_dim");
        if (sa < -rank || sa >= rank || ba < -rank || ba >= rank)
            ctx.FailArgument($"seqAxis {sa} and batchAxis {ba} must be in [{-rank}, {rank}) for an input of shape {x.Shape}.");
        if (sa < 0) sa += rank;
        if (ba < 0) ba += rank;
        if (sa == ba) ctx.FailArgument($"seqAxis and batchAxis must differ, but both are {sa}.");
        var lengths = ArrayUtil.ReadIntVector(ctx, 1, "seqLengths");
        var dims = x.Shape.Dims;
        if (lengths.Length != dims[ba])
            ctx.FailArgument($"seqLengths must have one entry per batch entry (dimension {ba} of shape {x.Shape} is {dims[ba]}), but has {lengths.Length}.");
        for (int b = 0; b < lengths.Length; b++)
        {
            if (lengths[b] < 0) ctx.FailArgument($"seqLengths[{b}] = {lengths[b]} is negative.");
            if (lengths[b] > dims[sa])
                ctx.FailArgument($"seqLengths[{b}] = {lengths[b]} is greater than dimension {sa} of the input (shape {x.Shape}).");
        }
        var y = NDArray.Empty(x.Shape, x.DType);
        switch (x.DType.Size())
        {
            case 1: ReverseSeq(ArrayUtil.Elements<byte>(x), ArrayUtil.Elements<byte>(y), dims, sa, ba, lengths); break;
            case 4: ReverseSeq(ArrayUtil.Elements<int>(x), ArrayUtil.Elements<int>(y), dims, sa, ba, lengths); break;
            default: ReverseSeq(ArrayUtil.Elements<long>(x), ArrayUtil.Elements<long>(y), dims, sa, ba, lengths); break;
        }
        ctx.SetOutput(0, y);
    }

    /// <summary>
    /// Views the input as (outer, seq, inner) blocks around the sequence axis; each block of inner elements is
    /// moved whole, with the batch coordinate read from the block's position.
    /// </summary>
    private static void ReverseSeq<T>(ReadOnlySpan<T> x, Span<T> y, ReadOnlySpan<int> dims, int sa, int ba, int[] lengths) where T : unmanaged
    {
        x.CopyTo(y);
        var strides = ArrayUtil.Strides(dims);
        int seq = dims[sa];
        int inner = strides[sa];
        int outer = ArrayUtil.Product(dims, 0, sa);
        for (int o = 0; o < outer; o++)
        {
            int blockBase = o * seq * inner;
            if (ba < sa)
            {
                // The batch coordinate is fixed for the whole (seq, inner) slab.
                int b = blockBase / strides[ba] % dims[ba];
                int len = lengths[b];
                for (int t = 0; t < len; t++)
                    x.Slice(blockBase + (len - 1 - t) * inner, inner).CopyTo(y.Slice(blockBase + t * inner, inner));
            }
            else
            {
                // The batch coordinate varies inside each inner block.
                for (int t = 0; t < seq; t++)
                {
                    int dst = blockBase + t * inner;
                    for (int q = 0; q < inner; q++)
                    {
                        int b = q / strides[ba] % dims[ba];
                        int len = lengths[b];
                        if (t < len) y[dst + q] = x[blockBase + (len - 1 - t) * inner + q];
                    }
                }
            }
        }
    }

    [OpGradient("ReverseSequence")]
    private static Tensor?[] ReverseSequenceGrad(Operation op, IReadOnlyList<Tensor?> dy)
    {
        if (dy[0] is not { } g) return new Tensor?[2];
        return new Tensor?[] { Add(g, op.Inputs[1], op.GetAttr<int>("seq_dim"), op.GetAttr<int>("batch_dim"), op.Inputs[0].Shape, null), null };
    }
}
