using static Recur.Tests.Ops.Math.MathTestUtil;

namespace Recur.Tests.Ops.Math;

public class MatMulTests
{
    /// <summary>The oracle: c = op(a) · op(b) by a naive triple loop.</summary>
    private static double[] Naive(double[] a, double[] b, int m, int n, int k, bool ta, bool tb)
    {
        var c = new double[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++) s += (ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
                c[i * n + j] = s;
            }
        }
        return c;
    }

    public static TheoryData<DType, int, int, int, bool, bool> Cases()
    {
        var d = new TheoryData<DType, int, int, int, bool, bool>();
        foreach (var dt in new[] { DType.Float32, DType.Float64, DType.Int32, DType.Int64 })
        {
            foreach (var (m, n, k) in new[] { (1, 1, 1), (2, 3, 4), (7, 5, 17), (33, 9, 3), (0, 3, 2), (2, 3, 0) })
            {
                foreach (bool ta in new[] { false, true })
                {
                    foreach (bool tb in new[] { false, true }) d.Add(dt, m, n, k, ta, tb);
                }
            }
        }
        return d;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatMul_AllTransposes_MatchesNaiveLoop(DType dtype, int m, int n, int k, bool ta, bool tb)
    {
        bool integer = dtype is DType.Int32 or DType.Int64;
        var av = TestUtil.RandomDoubles(m * k, 11).Select(v => integer ? System.Math.Round(v * 5) : v).ToArray();
        var bv = TestUtil.RandomDoubles(k * n, 12).Select(v => integer ? System.Math.Round(v * 5) : v).ToArray();
        var a = Arr(dtype, av, ta ? new[] { k, m } : new[] { m, k });
        var b = Arr(dtype, bv, tb ? new[] { n, k } : new[] { k, n });
        var r = TestUtil.Eval(() => Tf.MatMul(Tf.Constant(a), Tf.Constant(b), transposeA: ta, transposeB: tb));
        Assert.Equal(dtype, r.DType);
        TestUtil.AssertClose(Naive(Values(a), Values(b), m, n, k, ta, tb), r, tol: dtype == DType.Float32 ? 1e-5 : 1e-12, shape: new Shape(m, n));
    }

    [Fact]
    public void MatMul_HandComputed_2x3Times3x2()
    {
        var r = TestUtil.Eval(() => Tf.MatMul(Tf.Constant(new float[,] { { 1, 2, 3 }, { 4, 5, 6 } }), Tf.Constant(new float[,] { { 7, 8 }, { 9, 10 }, { 11, 12 } })));
        TestUtil.AssertClose(new double[] { 58, 64, 139, 154 }, r, shape: new Shape(2, 2));
    }

    [Fact]
    public void MatMul_InnerDimensionMismatch_ThrowsNamingBothShapes()
    {
        using var _ = new Graph().AsDefault();
        var ex = Assert.Throws<ArgumentException>(() => Tf.MatMul(Tf.Placeholder(DType.Float32, new Shape(2, 3)), Tf.Placeholder(DType.Float32, new Shape(4, 5))));
        Assert.Contains("MatMul: inner dimensions must agree", ex.Message);
        Assert.Contains("(2, 3)", ex.Message);
        Assert.Contains("(4, 5)", ex.Message);
    }

    [Fact]
    public void MatMul_DTypeMismatchOrRank1_Throws()
    {
        using var _ = new Graph().AsDefault();
        var ex = Assert.Throws<ArgumentException>(() => Tf.MatMul(Tf.Placeholder(DType.Float32, new Shape(2, 3)), Tf.Placeholder(DType.Float64, new Shape(3, 5))));
        Assert.Contains("Float32", ex.Message);
        Assert.Contains("Float64", ex.Message);
        Assert.Throws<ArgumentException>(() => Tf.MatMul(Tf.Placeholder(DType.Float32, new Shape(3)), Tf.Placeholder(DType.Float32, new Shape(3, 5))));
    }

    [Fact]
    public void MatMul_PartialShapes_InferAndCheckAtRunTime()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float64, new Shape(-1, -1));
            var w = Tf.Constant(new double[,] { { 1, 2 }, { 3, 4 }, { 5, 6 } });
            var y = Tf.MatMul(x, w);
            Assert.Equal(new Shape(-1, 2), y.Shape);
            using var s = new Session(g);
            var r = s.Run(y, new FeedDict { [x] = new NDArray(new double[] { 1, 0, 1 }, new Shape(1, 3)) });
            TestUtil.AssertClose(new double[] { 6, 8 }, r, shape: new Shape(1, 2));
            var ex = Assert.Throws<ArgumentException>(() => s.Run(y, new FeedDict { [x] = new NDArray(new double[4], new Shape(2, 2)) }));
            Assert.Contains("inner dimensions must agree", ex.Message);
            Assert.Contains("(2, 2)", ex.Message);
            Assert.Contains("(3, 2)", ex.Message);
        }
    }

    [Theory]
    [InlineData(DType.Float32, false, false)]
    [InlineData(DType.Float64, true, false)]
    [InlineData(DType.Float64, false, true)]
    [InlineData(DType.Int32, true, true)]
    public void BatchMatMul_Rank3WithBroadcastBatch_MatchesPerBatchLoop(DType dtype, bool ta, bool tb)
    {
        int m = 3, n = 4, k = 5;
        bool integer = dtype == DType.Int32;
        var av = TestUtil.RandomDoubles(2 * m * k, 21).Select(v => integer ? System.Math.Round(v * 4) : v).ToArray();
        var bv = TestUtil.RandomDoubles(k * n, 22).Select(v => integer ? System.Math.Round(v * 4) : v).ToArray();
        var a = Arr(dtype, av, ta ? new[] { 2, k, m } : new[] { 2, m, k });
        var b = Arr(dtype, bv, tb ? new[] { 1, n, k } : new[] { 1, k, n });
        var r = TestUtil.Eval(() => Tf.MatMul(Tf.Constant(a), Tf.Constant(b), ta, tb));
        var aa = Values(a);
        var expected = Naive(aa.Take(m * k).ToArray(), Values(b), m, n, k, ta, tb)
            .Concat(Naive(aa.Skip(m * k).ToArray(), Values(b), m, n, k, ta, tb)).ToArray();
        TestUtil.AssertClose(expected, r, tol: dtype == DType.Float32 ? 1e-5 : 1e-12, shape: new Shape(2, m, n));
    }

    [Fact]
    public void BatchMatMul_StaticShape_BroadcastsBatchDims()
    {
        using var _ = new Graph().AsDefault();
        var y = Tf.MatMul(Tf.Placeholder(DType.Float32, new Shape(-1, 1, 3, 4)), Tf.Placeholder(DType.Float32, new Shape(5, 4, 2)));
        Assert.Equal(new Shape(-1, 5, 3, 2), y.Shape);
        Assert.Equal("BatchMatMulV2", y.Op.Type);
    }
}
