using static Recur.Tests.Ops.Math.MathTestUtil;

namespace Recur.Tests.Ops.Math;

public class ReductionTests
{
    /// <summary>The oracle: accumulates every input element into its output slot.</summary>
    private static (double[] Values, int[] Shape) Naive(double[] x, int[] shape, int[]? axes, bool keepDims, Func<double, double, double> combine, double init)
    {
        int rank = shape.Length;
        var reduced = new bool[rank];
        if (axes is null) Array.Fill(reduced, true);
        else foreach (int a in axes) reduced[a < 0 ? a + rank : a] = true;
        var outDims = new List<int>();
        for (int i = 0; i < rank; i++)
        {
            if (!reduced[i]) outDims.Add(shape[i]);
            else if (keepDims) outDims.Add(1);
        }
        int outSize = outDims.Aggregate(1, (a, b) => a * b);
        var r = Enumerable.Repeat(init, outSize).ToArray();
        var idx = new int[rank];
        for (int flat = 0; flat < x.Length; flat++)
        {
            int rem = flat;
            for (int i = rank - 1; i >= 0; i--)
            {
                idx[i] = rem % shape[i];
                rem /= shape[i];
            }
            int o = 0;
            for (int i = 0; i < rank; i++)
            {
                if (!reduced[i]) o = o * shape[i] + idx[i];
            }
            r[o] = combine(r[o], x[flat]);
        }
        return (r, outDims.ToArray());
    }

    private static Tensor Build(string op, Tensor x, int[]? axis, bool keepDims) => op switch
    {
        "Sum" => Tf.ReduceSum(x, axis, keepDims),
        "Mean" => Tf.ReduceMean(x, axis, keepDims),
        "Max" => Tf.ReduceMax(x, axis, keepDims),
        "Min" => Tf.ReduceMin(x, axis, keepDims),
        _ => Tf.ReduceProd(x, axis, keepDims),
    };

    public static TheoryData<string, DType, int[], int[]?, bool> Cases()
    {
        var d = new TheoryData<string, DType, int[], int[]?, bool>();
        var cases = new (int[] Shape, int[]? Axes)[]
        {
            (new[] { 2, 3 }, null),
            (new[] { 2, 3 }, new[] { 0 }),
            (new[] { 2, 3 }, new[] { 1 }),
            (new[] { 2, 3 }, new[] { -1 }),
            (new[] { 2, 3, 4 }, new[] { 0, 2 }),
            (new[] { 2, 3, 4 }, new[] { 0, 1 }),
            (new[] { 2, 3, 4, 5 }, new[] { 1, -1 }),
            (new[] { 2, 3 }, Array.Empty<int>()),
            (Array.Empty<int>(), null),
            (new[] { 7 }, new[] { 0 }),
        };
        foreach (var op in new[] { "Sum", "Mean", "Max", "Min", "Prod" })
        {
            foreach (var dt in new[] { DType.Float32, DType.Float64, DType.Int32, DType.Int64 })
            {
                foreach (var (s, a) in cases)
                {
                    d.Add(op, dt, s, a, false);
                    if (dt == DType.Float64) d.Add(op, dt, s, a, true);
                }
            }
        }
        return d;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Reduce_AxesAndKeepDims_MatchNaiveLoop(string op, DType dtype, int[] shape, int[]? axis, bool keepDims)
    {
        int n = shape.Aggregate(1, (a, b) => a * b);
        bool integer = dtype is DType.Int32 or DType.Int64;
        var values = TestUtil.RandomDoubles(n, n, 0.5, 1.5).Select(v => integer ? System.Math.Round(v * 3) : v).ToArray();
        var input = Arr(dtype, values, shape);
        var xv = Values(input);
        (double[] expected, int[] outShape) = op switch
        {
            "Sum" => Naive(xv, shape, axis, keepDims, (a, b) => a + b, 0),
            "Max" => Naive(xv, shape, axis, keepDims, System.Math.Max, double.NegativeInfinity),
            "Min" => Naive(xv, shape, axis, keepDims, System.Math.Min, double.PositiveInfinity),
            "Prod" => Naive(xv, shape, axis, keepDims, (a, b) => a * b, 1),
            _ => Naive(xv, shape, axis, keepDims, (a, b) => a + b, 0),
        };
        if (op == "Mean")
        {
            int count = expected.Length == 0 ? 0 : n / expected.Length;
            expected = expected.Select(v => integer ? System.Math.Truncate(v / count) : v / count).ToArray();
        }
        var r = TestUtil.Eval(() => Build(op, Tf.Constant(input), axis, keepDims));
        Assert.Equal(dtype, r.DType);
        TestUtil.AssertClose(expected, r, tol: dtype == DType.Float32 ? 1e-5 : 1e-12, shape: new Shape(outShape));
    }

    [Fact]
    public void ReduceSum_HandComputed_RowsAndColumns()
    {
        var x = new double[,] { { 1, 2, 3 }, { 4, 5, 6 } };
        TestUtil.AssertClose(new double[] { 21 }, TestUtil.Eval(() => Tf.ReduceSum(C(x))), shape: Shape.Scalar);
        TestUtil.AssertClose(new double[] { 5, 7, 9 }, TestUtil.Eval(() => Tf.ReduceSum(C(x), new[] { 0 })), shape: new Shape(3));
        TestUtil.AssertClose(new double[] { 6, 15 }, TestUtil.Eval(() => Tf.ReduceSum(C(x), new[] { 1 }, keepDims: true)), shape: new Shape(2, 1));
        TestUtil.AssertClose(new double[] { 2, 5 }, TestUtil.Eval(() => Tf.ReduceMean(C(x), new[] { -1 })), shape: new Shape(2));
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    public void Reduce_EmptyInput_GivesTfIdentities(DType dtype)
    {
        var empty = NDArray.Zeros(new Shape(0, 3), dtype);
        TestUtil.AssertClose(new double[] { 0 }, TestUtil.Eval(() => Tf.ReduceSum(Tf.Constant(empty))), shape: Shape.Scalar);
        TestUtil.AssertClose(new double[] { 0, 0, 0 }, TestUtil.Eval(() => Tf.ReduceSum(Tf.Constant(empty), new[] { 0 })), shape: new Shape(3));
        TestUtil.AssertClose(new[] { double.NaN }, TestUtil.Eval(() => Tf.ReduceMean(Tf.Constant(empty))));
        TestUtil.AssertClose(new[] { double.NegativeInfinity }, TestUtil.Eval(() => Tf.ReduceMax(Tf.Constant(empty))));
        TestUtil.AssertClose(new[] { double.PositiveInfinity }, TestUtil.Eval(() => Tf.ReduceMin(Tf.Constant(empty))));
        TestUtil.AssertClose(new double[] { 1 }, TestUtil.Eval(() => Tf.ReduceProd(Tf.Constant(empty))));
        var rows = TestUtil.Eval(() => Tf.ReduceSum(Tf.Constant(empty), new[] { 1 }));
        Assert.Equal(new Shape(0), rows.Shape);
    }

    [Fact]
    public void Reduce_EmptyIntegers_GiveLowestHighestAndZeroMean()
    {
        var empty = NDArray.Zeros(new Shape(0), DType.Int32);
        Assert.Equal(int.MinValue, TestUtil.Eval(() => Tf.ReduceMax(Tf.Constant(empty))).GetScalar<int>());
        Assert.Equal(int.MaxValue, TestUtil.Eval(() => Tf.ReduceMin(Tf.Constant(empty))).GetScalar<int>());
        Assert.Equal(0, TestUtil.Eval(() => Tf.ReduceMean(Tf.Constant(empty))).GetScalar<int>());
    }

    [Fact]
    public void ReduceMax_NaN_Propagates()
    {
        var r = TestUtil.Eval(() => Tf.ReduceMax(C(new[] { 1.0, double.NaN, 3.0 })));
        Assert.True(double.IsNaN(r.GetScalar<double>()));
    }

    [Fact]
    public void Reduce_AxisOutOfRange_ThrowsAtBuildTime()
    {
        using var _ = new Graph().AsDefault();
        var ex = Assert.Throws<ArgumentException>(() => Tf.ReduceSum(Tf.Placeholder(DType.Float32, new Shape(2, 3)), new[] { 2 }));
        Assert.Contains("Sum", ex.Message);
        Assert.Contains("axis 2", ex.Message);
        Assert.Contains("(2, 3)", ex.Message);
        Assert.Throws<ArgumentException>(() => Tf.ReduceMean(Tf.Placeholder(DType.Float32, new Shape(2, 3)), new[] { -3 }));
        Assert.Throws<ArgumentException>(() => Tf.ReduceSum(Tf.Placeholder(DType.Bool, new Shape(2))));
    }

    [Fact]
    public void Reduce_UnknownRank_InfersAndChecksAtRunTime()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float32);
            var all = Tf.ReduceSum(x);
            var last = Tf.ReduceSum(x, new[] { -1 });
            Assert.Equal(Shape.Scalar, all.Shape);
            Assert.False(last.Shape.IsRankKnown);
            var partial = Tf.ReduceMax(Tf.Placeholder(DType.Float32, new Shape(-1, 4, -1)), new[] { 1 }, keepDims: true);
            Assert.Equal(new Shape(-1, 1, -1), partial.Shape);
            using var s = new Session(g);
            var feed = new FeedDict { [x] = new NDArray(new float[] { 1, 2, 3, 4, 5, 6 }, new Shape(2, 3)) };
            TestUtil.AssertClose(new double[] { 21 }, s.Run(all, feed));
            TestUtil.AssertClose(new double[] { 6, 15 }, s.Run(last, feed), shape: new Shape(2));
            var ex = Assert.Throws<ArgumentException>(() => s.Run(last, new FeedDict { [x] = NDArray.Scalar(1f) }));
            Assert.Contains("axis -1", ex.Message);
        }
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    [InlineData(DType.Int32)]
    [InlineData(DType.Int64)]
    public void ArgMaxArgMin_EachAxis_MatchHandComputed(DType dtype)
    {
        var x = Arr(dtype, new double[] { 3, 9, 2, 9, 1, 7 }, 2, 3);
        Assert.Equal(new long[] { 1, 0 }, TestUtil.Eval(() => Tf.ArgMax(Tf.Constant(x), 1)).ToArray<long>());
        Assert.Equal(new long[] { 1, 0, 1 }, TestUtil.Eval(() => Tf.ArgMax(Tf.Constant(x), 0)).ToArray<long>());
        Assert.Equal(new long[] { 2, 1 }, TestUtil.Eval(() => Tf.ArgMin(Tf.Constant(x), -1)).ToArray<long>());
        Assert.Equal(new long[] { 0, 1, 0 }, TestUtil.Eval(() => Tf.ArgMin(Tf.Constant(x), 0)).ToArray<long>());
        var i32 = TestUtil.Eval(() => Tf.ArgMax(Tf.Constant(x), 1, DType.Int32));
        Assert.Equal(DType.Int32, i32.DType);
        Assert.Equal(new[] { 1, 0 }, i32.ToArray<int>());
    }

    [Fact]
    public void ArgMax_Rank3MiddleAxis_MatchesNaiveLoop()
    {
        var v = TestUtil.RandomDoubles(2 * 5 * 3, 5);
        var r = TestUtil.Eval(() => Tf.ArgMax(Tf.Constant(new NDArray(v, new Shape(2, 5, 3))), 1));
        Assert.Equal(new Shape(2, 3), r.Shape);
        var got = r.ToArray<long>();
        for (int o = 0; o < 2; o++)
        {
            for (int i = 0; i < 3; i++)
            {
                int best = 0;
                for (int k = 1; k < 5; k++) if (v[o * 15 + k * 3 + i] > v[o * 15 + best * 3 + i]) best = k;
                Assert.Equal(best, got[o * 3 + i]);
            }
        }
    }

    [Fact]
    public void ArgMax_EmptyAxisOrScalar_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => TestUtil.Eval(() => Tf.ArgMax(Tf.Constant(NDArray.Zeros(new Shape(2, 0), DType.Float32)), 1)));
        Assert.Contains("empty", ex.Message);
        using var _ = new Graph().AsDefault();
        Assert.Throws<ArgumentException>(() => Tf.ArgMax(Tf.Constant(1f), 0));
        Assert.Throws<ArgumentException>(() => Tf.ArgMin(Tf.Placeholder(DType.Float32, new Shape(2, 3)), 2));
    }
}
