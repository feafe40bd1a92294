using System.Numerics;
using Recur.Kernels;

namespace Recur;

/// <summary>
/// MatMul (rank 2) and BatchMatMulV2 (rank ≥ 2, batch dims broadcast). Float and double run the packed GEMM of
/// <see cref="Gemm"/>; integers run a plain triple loop (wrapping on overflow).
/// </summary>
internal static class MatMulOps
{
    private static readonly DType[] Numeric = { DType.Float32, DType.Float64, DType.Int32, DType.Int64 };

    public static Tensor MatMul(Tensor a, Tensor b, bool transposeA, bool transposeB, string? name)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.DType != b.DType)
            throw new ArgumentException($"MatMul: both inputs must have the same dtype, but got {a.DType} and {b.DType}.");
        BinaryOp.CheckDType("MatMul", a.DType, Numeric);
        if ((a.Rank >= 0 && a.Rank < 2) || (b.Rank >= 0 && b.Rank < 2))
            throw new ArgumentException($"MatMul: both inputs must have rank >= 2, but got shapes {a.Shape} and {b.Shape}.");
        bool plain = a.Rank == 2 && b.Rank == 2;
        string type = plain ? "MatMul" : "BatchMatMulV2";
        Shape shape;
        if (!a.Shape.IsRankKnown || !b.Shape.IsRankKnown)
        {
            shape = Shape.Unknown;
        }
        else
        {
            int m = a.Shape[transposeA ? -1 : -2], ka = a.Shape[transposeA ? -2 : -1];
            int kb = b.Shape[transposeB ? -1 : -2], n = b.Shape[transposeB ? -2 : -1];
            if (ka >= 0 && kb >= 0 && ka != kb)
                throw new ArgumentException(
                    $"MatMul: inner dimensions must agree, but got {a.Shape} and {b.Shape} (transposeA={transposeA}, transposeB={transposeB}: {ka} vs {kb}).");
            var batch = Broadcast.StaticShape(a.Shape.Slice(0, a.Rank - 2), b.Shape.Slice(0, b.Rank - 2), "MatMul");
            shape = batch.Concatenate(new Shape(m, n));
        }
        return Graph.Default.AddOperation(type, name ?? "MatMul", new[] { a, b }, new[] { (a.DType, shape) },
            new Dictionary<string, object?> { ["transpose_a"] = transposeA, ["transpose_b"] = transposeB }).Outputs[0];
    }

    /// <summary>The batch offsets of a plain (rank-2) product: one matrix each.</summary>
    private static readonly int[] SingleBatch = { 0 };

    [OpKernel("MatMul", BorrowsInputs = true)]
    private static void MatMulKernel(OpContext ctx) => Run(ctx);

    [OpKernel("BatchMatMulV2", BorrowsInputs = true)]
    private static void BatchMatMulKernel(OpContext ctx) => Run(ctx);

    private static void Run(OpContext ctx)
    {
        var a = ctx.Input(0);
        var b = ctx.Input(1);
        bool ta = ctx.Attr<bool>("transpose_a"), tb = ctx.Attr<bool>("transpose_b");
        if (a.Rank < 2 || b.Rank < 2)
            ctx.FailArgument($"both inputs must have rank >= 2, but got shapes {a.Shape} and {b.Shape}.");
        int m = a.Shape[ta ? -1 : -2], k = a.Shape[ta ? -2 : -1];
        int kb = b.Shape[tb ? -1 : -2], n = b.Shape[tb ? -2 : -1];
        if (k != kb)
            ctx.FailArgument($"inner dimensions must agree, but got {a.Shape} and {b.Shape} (transposeA={ta}, transposeB={tb}: {k} vs {kb}).");
        NDArray result;
        int batchCount;
        int[] aIdx, bIdx;
        if (a.Rank == 2 && b.Rank == 2)
        {
            // The common case: one product, no batch bookkeeping, no new Shape when the pooled array already fits.
            result = ctx.AllocateOutput(0, [m, n], a.DType);
            batchCount = 1;
            aIdx = bIdx = SingleBatch;
        }
        else
        {
            var aBatch = a.Shape.Slice(0, a.Rank - 2);
            var bBatch = b.Shape.Slice(0, b.Rank - 2);
            if (!Broadcast.TryShape(aBatch, bBatch, out var batch))
                ctx.FailArgument($"batch dimensions cannot broadcast: {a.Shape} and {b.Shape}.");
            result = ctx.AllocateOutput(0, batch.Concatenate(new Shape(m, n)), a.DType);
            batchCount = (int)batch.NumElements;
            // Batch offsets (in matrices) of a and b for each output batch index, via the broadcast odometer.
            aIdx = new int[batchCount];
            bIdx = new int[batchCount];
            if (batchCount > 0) BatchIndices(aBatch, bBatch, batch, aIdx, bIdx);
        }
        switch (a.DType)
        {
            case DType.Float32: Float(a.Data<float>(), b.Data<float>(), result.Data<float>()); break;
            case DType.Float64: Double(a.Data<double>(), b.Data<double>(), result.Data<double>()); break;
            case DType.Int32: Integer(a.Data<int>(), b.Data<int>(), result.Data<int>(), m, n, k, ta, tb, aIdx, bIdx); break;
            case DType.Int64: Integer(a.Data<long>(), b.Data<long>(), result.Data<long>(), m, n, k, ta, tb, aIdx, bIdx); break;
            default: ctx.Fail($"dtype {a.DType} is not supported."); break;
        }
        ctx.SetOutput(0, result);

        void Float(float[] ad, float[] bd, float[] cd)
        {
            for (int i = 0; i < batchCount; i++)
            {
                var c = cd.AsSpan(i * m * n, m * n);
                if (c.IsEmpty) continue;
                if (k == 0) { c.Clear(); continue; }
                Gemm.Multiply(ta, tb, m, n, k, 1f, ad.AsSpan(aIdx[i] * m * k, m * k), Math.Max(1, ta ? m : k),
                    bd.AsSpan(bIdx[i] * k * n, k * n), Math.Max(1, tb ? k : n), 0f, c, Math.Max(1, n));
            }
        }

        void Double(double[] ad, double[] bd, double[] cd)
        {
            for (int i = 0; i < batchCount; i++)
            {
                var c = cd.AsSpan(i * m * n, m * n);
                if (c.IsEmpty) continue;
                if (k == 0) { c.Clear(); continue; }
                Gemm.Multiply(ta, tb, m, n, k, 1d, ad.AsSpan(aIdx[i] * m * k, m * k), Math.Max(1, ta ? m : k),
                    bd.AsSpan(bIdx[i] * k * n, k * n), Math.Max(1, tb ? k : n), 0d, c, Math.Max(1, n));
            }
        }
    }

    // ---- Gradients (TF math_grad.py _MatMulGrad / _BatchMatMulV2Grad), one case per transpose pair.
    [OpGradient("MatMul")]
    [OpGradient("BatchMatMulV2")]
    private static Tensor?[] MatMulGrad(Operation op, IReadOnlyList<Tensor?> dc)
    {
        if (dc[0] is not { } g || !g.DType.IsFloating()) return new Tensor?[2];
        var (a, b) = (op.Inputs[0], op.Inputs[1]);
        bool ta = op.GetAttr<bool>("transpose_a"), tb = op.GetAttr<bool>("transpose_b");
        Tensor da, db;
        if (!ta && !tb) { da = MatMul(g, b, false, true, null); db = MatMul(a, g, true, false, null); }
        else if (!ta) { da = MatMul(g, b, false, false, null); db = MatMul(g, a, true, false, null); }
        else if (!tb) { da = MatMul(b, g, false, true, null); db = MatMul(a, g, false, false, null); }
        else { da = MatMul(b, g, true, true, null); db = MatMul(g, a, true, true, null); }
        if (op.Type == "BatchMatMulV2")
        {
            da = SelectOps.SumToShapeOf(da, a);
            db = SelectOps.SumToShapeOf(db, b);
        }
        return new Tensor?[] { da, db };
    }


    /// <summary>For each output batch position, the flat batch index into a and into b (broadcast dims repeat).</summary>
    private static void BatchIndices(Shape aBatch, Shape bBatch, Shape batch, int[] aIdx, int[] bIdx)
    {
        int rank = batch.Rank;
        var aStride = new int[rank];
        var bStride = new int[rank];
        int sa = 1, sb = 1;
        for (int i = rank - 1; i >= 0; i--)
        {
            int da = i < rank - aBatch.Rank ? 1 : aBatch[i - (rank - aBatch.Rank)];
            int db = i < rank - bBatch.Rank ? 1 : bBatch[i - (rank - bBatch.Rank)];
            aStride[i] = da == 1 ? 0 : sa;
            bStride[i] = db == 1 ? 0 : sb;
            sa *= da;
            sb *= db;
        }
        var counter = new int[rank];
        int ao = 0, bo = 0;
        for (int p = 0; p < aIdx.Length; p++)
        {
            aIdx[p] = ao;
            bIdx[p] = bo;
            for (int j = rank - 1; j >= 0; j--)
            {
                ao += aStride[j];
                bo += bStride[j];
                if (++counter[j] < batch[j]) break;
                ao -= aStride[j] * batch[j];
                bo -= bStride[j] * batch[j];
                counter[j] = 0;
            }
        }
    }

    /// <summary>The integer oracle: c[i, j] = Σ_p op(a)[i, p] · op(b)[p, j], wrapping on overflow.</summary>
    private static void Integer<T>(T[] a, T[] b, T[] c, int m, int n, int k, bool ta, bool tb, int[] aIdx, int[] bIdx)
        where T : IBinaryInteger<T>
    {
        for (int bi = 0; bi < aIdx.Length; bi++)
        {
            int ao = aIdx[bi] * m * k, bo = bIdx[bi] * k * n, co = bi * m * n;
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    T s = T.Zero;
                    for (int p = 0; p < k; p++)
                    {
                        T av = a[ao + (ta ? p * m + i : i * k + p)];
                        T bv = b[bo + (tb ? j * k + p : p * n + j)];
                        s = unchecked(s + av * bv);
                    }
                    c[co + i * n + j] = s;
                }
            }
        }
    }
}
