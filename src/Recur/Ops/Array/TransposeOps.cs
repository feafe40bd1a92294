namespace Recur;

/// <summary>Transpose: permutes dimensions, y[i_perm(0), …] = x[i_0, …]. Its gradient is the inverse permutation.</summary>
internal static class TransposeOps
{
    // ---- Transpose: y.shape[i] = x.shape[perm[i]] (perm null: reversed dims).  dx = transpose(dy, inverse(perm)).
    public static Tensor Transpose(Tensor x, int[]? perm, string? name)
    {
        ArrayUtil.RequireData("Transpose", x, nameof(x));
        int[]? p = perm is null ? null : (int[])perm.Clone();
        int rank = p?.Length ?? (x.Shape.IsRankKnown ? x.Rank : -1);
        if (p is not null)
        {
            if (x.Shape.IsRankKnown && x.Rank != p.Length)
                throw new ArgumentException(
                    $"Transpose: perm {ArrayUtil.Format(p)} has {p.Length} entries, but x has shape {x.Shape} of rank {x.Rank}.", nameof(perm));
            var seen = new bool[p.Length];
            foreach (int v in p)
            {
                if (v < 0 || v >= p.Length || seen[v])
                    throw new ArgumentException($"Transpose: perm {ArrayUtil.Format(p)} is not a permutation of 0..{p.Length - 1}.", nameof(perm));
                seen[v] = true;
            }
        }
        var outShape = Shape.Unknown;
        if (x.Shape.IsRankKnown)
        {
            var d = new int[rank];
            for (int i = 0; i < rank; i++) d[i] = x.Shape[p is null ? rank - 1 - i : p[i]];
            outShape = new Shape(d);
        }
        else if (rank >= 0)
        {
            outShape = Shape.UnknownOfRank(rank);
        }
        return Graph.Default.AddOperation("Transpose", name ?? "transpose", new[] { x }, new[] { (x.DType, outShape) },
            new Dictionary<string, object?> { ["perm"] = p }).Outputs[0];
    }

    [OpKernel("Transpose")]
    private static void TransposeKernel(OpContext ctx)
    {
        var x = ctx.Input(0);
        int rank = x.Rank;
        var perm = ctx.Attr<int[]?>("perm");
        if (perm is not null && perm.Length != rank)
            ctx.FailArgument($"perm {ArrayUtil.Format(perm)} has {perm.Length} entries, but x has shape {x.Shape} of rank {rank}.");
        var dims = x.Shape.Dims;
        var strides = ArrayUtil.Strides(dims);
        var outDims = new int[rank];
        var srcStrides = new int[rank];
        bool identity = true;
        for (int i = 0; i < rank; i++)
        {
            int a = perm is null ? rank - 1 - i : perm[i];
            identity &= a == i;
            outDims[i] = dims[a];
            srcStrides[i] = strides[a];
        }
        if (identity)
        {
            ctx.SetOutput(0, x);
            return;
        }
        var y = NDArray.Empty(new Shape(outDims), x.DType);
        ArrayUtil.StridedCopy(x, y, 0, outDims, srcStrides);
        ctx.SetOutput(0, y);
    }

    [OpGradient("Transpose")]
    private static Tensor?[] TransposeGrad(Operation op, IReadOnlyList<Tensor?> dy)
    {
        if (dy[0] is not { } g) return new Tensor?[] { null };
        var perm = op.GetAttr<int[]?>("perm");
        if (perm is null) return new Tensor?[] { Transpose(g, null, null) };
        var inv = new int[perm.Length];
        for (int i = 0; i < perm.Length; i++) inv[perm[i]] = i;
        return new Tensor?[] { Transpose(g, inv, null) };
    }
}
