using static Recur.Tests.Ops.Math.MathTestUtil;

namespace Recur.Tests.Ops.Math;

public class BinaryOpsTests
{
    private static readonly Dictionary<string, (Func<Tensor, Tensor, Tensor> Op, Func<double, double, double> Ref)> Arith = new()
    {
        ["Add"] = ((x, y) => Tf.Add(x, y), (a, b) => a + b),
        ["Subtract"] = ((x, y) => Tf.Subtract(x, y), (a, b) => a - b),
        ["Multiply"] = ((x, y) => Tf.Multiply(x, y), (a, b) => a * b),
        ["Divide"] = ((x, y) => Tf.Divide(x, y), (a, b) => a / b),
        ["Maximum"] = ((x, y) => Tf.Maximum(x, y), System.Math.Max),
        ["Minimum"] = ((x, y) => Tf.Minimum(x, y), System.Math.Min),
        ["Pow"] = ((x, y) => Tf.Pow(x, y), System.Math.Pow),
        ["SquaredDifference"] = ((x, y) => Tf.SquaredDifference(x, y), (a, b) => (a - b) * (a - b)),
    };

    public static TheoryData<string, DType, int[], int[]> BroadcastCases()
    {
        var data = new TheoryData<string, DType, int[], int[]>();
        var shapes = new (int[], int[])[]
        {
            (new[] { 2, 3 }, new[] { 2, 3 }),
            (new[] { 2, 3 }, new[] { 3 }),
            (new[] { 3 }, new[] { 2, 3 }),
            (new[] { 2, 1 }, new[] { 1, 3 }),
            (new[] { 2, 3 }, Array.Empty<int>()),
            (Array.Empty<int>(), new[] { 2, 3 }),
            (Array.Empty<int>(), Array.Empty<int>()),
            (new[] { 0, 3 }, new[] { 3 }),
            (new[] { 2, 1, 4 }, new[] { 3, 1 }),
            (new[] { 4, 1, 3, 1 }, new[] { 1, 5, 1, 2 }),
            (new[] { 2, 3, 4 }, new[] { 2, 1, 4 }),
            (new[] { 1, 1 }, new[] { 5 }),
        };
        foreach (var op in Arith.Keys)
        {
            foreach (var dt in new[] { DType.Float32, DType.Float64 })
            {
                foreach (var (a, b) in shapes) data.Add(op, dt, a, b);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(BroadcastCases))]
    public void Arithmetic_BroadcastShapes_MatchesNaiveLoop(string op, DType dtype, int[] xs, int[] ys)
    {
        int nx = xs.Aggregate(1, (a, b) => a * b), ny = ys.Aggregate(1, (a, b) => a * b);
        var xv = TestUtil.RandomDoubles(nx, 1, 0.5, 2);
        var yv = TestUtil.RandomDoubles(ny, 2, 0.5, 2);
        var (f, reference) = Arith[op];
        var (expected, shape) = NaiveBroadcast(
            Values(Arr(dtype, xv, xs)), xs, Values(Arr(dtype, yv, ys)), ys, reference);
        var result = TestUtil.Eval(() => f(Tf.Constant(Arr(dtype, xv, xs)), Tf.Constant(Arr(dtype, yv, ys))));
        Assert.Equal(dtype, result.DType);
        TestUtil.AssertClose(expected, result, shape: new Shape(shape));
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    public void Add_RowVectorBias_AddsBiasToEveryRow(DType dtype)
    {
        var r = TestUtil.Eval(() => Tf.Add(
            Tf.Constant(Arr(dtype, new double[] { 1, 2, 3, 4, 5, 6 }, 2, 3)),
            Tf.Constant(Arr(dtype, new double[] { 10, 20, 30 }, 3))));
        TestUtil.AssertClose(new double[] { 11, 22, 33, 14, 25, 36 }, r, shape: new Shape(2, 3));
    }

    [Fact]
    public void Add_ColumnPlusRow_GivesOuterSum()
    {
        var r = TestUtil.Eval(() => Tf.Add(
            C(new double[,] { { 1 }, { 2 } }),
            C(new double[,] { { 10, 20, 30 } })));
        TestUtil.AssertClose(new double[] { 11, 21, 31, 12, 22, 32 }, r, shape: new Shape(2, 3));
    }

    [Fact]
    public void Add_EmptyRowsPlusVector_GivesEmptyResult()
    {
        var r = TestUtil.Eval(() => Tf.Add(Tf.Constant(NDArray.Zeros(new Shape(0, 3), DType.Float32)), C(new float[] { 1, 2, 3 })));
        Assert.Equal(new Shape(0, 3), r.Shape);
        Assert.Equal(0, r.Size);
    }

    [Theory]
    [InlineData(DType.Int32)]
    [InlineData(DType.Int64)]
    public void Arithmetic_Integers_UseIntegerMath(DType dtype)
    {
        var x = Arr(dtype, new double[] { 7, -7, 9, 2 }, 2, 2);
        var y = Arr(dtype, new double[] { 2, 3 }, 2);
        Assert.Equal(new double[] { 9, -4, 11, 5 }, Values(TestUtil.Eval(() => Tf.Add(Tf.Constant(x), Tf.Constant(y)))));
        Assert.Equal(new double[] { 5, -10, 7, -1 }, Values(TestUtil.Eval(() => Tf.Subtract(Tf.Constant(x), Tf.Constant(y)))));
        Assert.Equal(new double[] { 14, -21, 18, 6 }, Values(TestUtil.Eval(() => Tf.Multiply(Tf.Constant(x), Tf.Constant(y)))));
        Assert.Equal(new double[] { 3, -2, 4, 0 }, Values(TestUtil.Eval(() => Tf.Divide(Tf.Constant(x), Tf.Constant(y)))));
        Assert.Equal(new double[] { 7, 3, 9, 3 }, Values(TestUtil.Eval(() => Tf.Maximum(Tf.Constant(x), Tf.Constant(y)))));
        Assert.Equal(new double[] { 2, -7, 2, 2 }, Values(TestUtil.Eval(() => Tf.Minimum(Tf.Constant(x), Tf.Constant(y)))));
        Assert.Equal(new double[] { 49, -343, 81, 8 }, Values(TestUtil.Eval(() => Tf.Pow(Tf.Constant(x), Tf.Constant(y)))));
        var r = TestUtil.Eval(() => Tf.Add(Tf.Constant(x), Tf.Constant(y)));
        Assert.Equal(dtype, r.DType);
    }

    [Fact]
    public void Divide_IntegerByZero_ThrowsArgumentException()
    {
        var ex = Assert.Throws<ArgumentException>(() => TestUtil.Eval(() => Tf.Divide(C(new[] { 1, 2 }), C(new[] { 1, 0 }))));
        Assert.Contains("division by zero", ex.Message);
    }

    [Fact]
    public void Pow_NegativeIntegerExponent_ThrowsArgumentException()
    {
        var ex = Assert.Throws<ArgumentException>(() => TestUtil.Eval(() => Tf.Pow(C(new[] { 2 }), C(new[] { -1 }))));
        Assert.Contains("negative integer powers", ex.Message);
    }

    [Fact]
    public void Divide_FloatByZero_GivesInfinityAndNaN()
    {
        var r = TestUtil.Eval(() => Tf.Divide(C(new[] { 1.0, -1.0, 0.0 }), Tf.Constant(0.0)));
        TestUtil.AssertClose(new[] { double.PositiveInfinity, double.NegativeInfinity, double.NaN }, r);
    }

    [Fact]
    public void Add_DTypeMismatch_ThrowsNamingOpAndDTypes()
    {
        using var _ = new Graph().AsDefault();
        var ex = Assert.Throws<ArgumentException>(() => Tf.Add(Tf.Constant(1f), Tf.Constant(1.0)));
        Assert.Contains("Add", ex.Message);
        Assert.Contains("Float32", ex.Message);
        Assert.Contains("Float64", ex.Message);
    }

    [Fact]
    public void Add_BoolInputs_ThrowsUnsupportedDType()
    {
        using var _ = new Graph().AsDefault();
        var ex = Assert.Throws<ArgumentException>(() => Tf.Add(Tf.Constant(true), Tf.Constant(false)));
        Assert.Contains("Bool", ex.Message);
    }

    [Fact]
    public void Multiply_IncompatibleStaticShapes_ThrowsAtBuildTimeNamingBothShapes()
    {
        using var _ = new Graph().AsDefault();
        var ex = Assert.Throws<ArgumentException>(() =>
            Tf.Multiply(Tf.Placeholder(DType.Float32, new Shape(2, 3)), Tf.Placeholder(DType.Float32, new Shape(4))));
        Assert.Contains("Mul", ex.Message);
        Assert.Contains("(2, 3)", ex.Message);
        Assert.Contains("(4", ex.Message);
    }

    [Fact]
    public void Add_PartialShapes_InfersBroadcastStaticShape()
    {
        using var _ = new Graph().AsDefault();
        var x = Tf.Placeholder(DType.Float32, new Shape(-1, 3));
        Assert.Equal(new Shape(-1, 3), Tf.Add(x, Tf.Placeholder(DType.Float32, new Shape(3))).Shape);
        Assert.Equal(new Shape(-1, 3), Tf.Add(x, Tf.Placeholder(DType.Float32, new Shape(-1, 1))).Shape);
        Assert.Equal(new Shape(5, 3), Tf.Add(x, Tf.Placeholder(DType.Float32, new Shape(5, 1))).Shape);
        Assert.Equal(new Shape(4, -1, 3), Tf.Add(x, Tf.Placeholder(DType.Float32, new Shape(4, 1, -1))).Shape);
        Assert.False(Tf.Add(x, Tf.Placeholder(DType.Float32)).Shape.IsRankKnown);
        Assert.Equal(DType.Bool, Tf.Less(x, x).DType);
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    public void Add_PlaceholdersFedAtRunTime_Broadcasts(DType dtype)
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(dtype, new Shape(-1, -1));
            var y = Tf.Placeholder(dtype, new Shape(-1));
            var z = Tf.Add(x, y);
            using var s = new Session(g);
            var r = s.Run(z, new FeedDict { [x] = Arr(dtype, new double[] { 1, 2, 3, 4, 5, 6 }, 3, 2), [y] = Arr(dtype, new double[] { 100, 200 }, 2) });
            TestUtil.AssertClose(new double[] { 101, 202, 103, 204, 105, 206 }, r, shape: new Shape(3, 2));
            var r2 = s.Run(z, new FeedDict { [x] = Arr(dtype, new double[] { 1, 2 }, 2, 1), [y] = Arr(dtype, new double[] { 10, 20, 30 }, 3) });
            TestUtil.AssertClose(new double[] { 11, 21, 31, 12, 22, 32 }, r2, shape: new Shape(2, 3));
        }
    }

    [Fact]
    public void Add_IncompatibleFedShapes_ThrowsAtRunTimeNamingBothShapes()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(-1, -1));
            var y = Tf.Placeholder(DType.Float32, new Shape(-1));
            var z = Tf.Add(x, y);
            using var s = new Session(g);
            var ex = Assert.Throws<ArgumentException>(() => s.Run(z, new FeedDict { [x] = new NDArray(new float[6], new Shape(2, 3)), [y] = new NDArray(new float[4]) }));
            Assert.Contains("Add", ex.Message);
            Assert.Contains("(2, 3)", ex.Message);
            Assert.Contains("(4", ex.Message);
        }
    }

    public static TheoryData<string, DType> CompareCases()
    {
        var d = new TheoryData<string, DType>();
        foreach (var op in new[] { "Less", "LessEqual", "Greater", "GreaterEqual", "Equal", "NotEqual" })
        {
            foreach (var dt in new[] { DType.Float32, DType.Float64, DType.Int32, DType.Int64 }) d.Add(op, dt);
        }
        return d;
    }

    [Theory]
    [MemberData(nameof(CompareCases))]
    public void Comparison_Broadcast_MatchesNaiveLoop(string op, DType dtype)
    {
        Func<Tensor, Tensor, Tensor> f = op switch
        {
            "Less" => (a, b) => Tf.Less(a, b),
            "LessEqual" => (a, b) => Tf.LessEqual(a, b),
            "Greater" => (a, b) => Tf.Greater(a, b),
            "GreaterEqual" => (a, b) => Tf.GreaterEqual(a, b),
            "Equal" => (a, b) => Tf.Equal(a, b),
            _ => (a, b) => Tf.NotEqual(a, b),
        };
        Func<double, double, bool> reference = op switch
        {
            "Less" => (a, b) => a < b,
            "LessEqual" => (a, b) => a <= b,
            "Greater" => (a, b) => a > b,
            "GreaterEqual" => (a, b) => a >= b,
            "Equal" => (a, b) => a == b,
            _ => (a, b) => a != b,
        };
        var xv = new double[] { 1, 2, 3, 4, 5, 6 };
        var yv = new double[] { 2, 5, 6 };
        foreach (var (xs, ys, yvals) in new[] { (new[] { 2, 3 }, new[] { 3 }, yv), (new[] { 2, 3 }, Array.Empty<int>(), new double[] { 3 }), (new[] { 2, 3 }, new[] { 2, 3 }, new double[] { 1, 0, 3, 9, 5, 0 }) })
        {
            var (expected, shape) = NaiveBroadcast(xv, xs, yvals, ys, (a, b) => reference(a, b) ? 1 : 0);
            var r = TestUtil.Eval(() => f(Tf.Constant(Arr(dtype, xv, xs)), Tf.Constant(Arr(dtype, yvals, ys))));
            Assert.Equal(DType.Bool, r.DType);
            Assert.Equal(new Shape(shape), r.Shape);
            Assert.Equal(expected, Values(r));
        }
    }

    [Fact]
    public void Equal_NaN_IsNotEqualToItself()
    {
        var r = TestUtil.Eval(() => Tf.Equal(C(new[] { double.NaN, 1 }), C(new[] { double.NaN, 1 })));
        Assert.Equal(new[] { false, true }, r.ToArray<bool>());
        var n = TestUtil.Eval(() => Tf.NotEqual(C(new[] { double.NaN, 1 }), C(new[] { double.NaN, 1 })));
        Assert.Equal(new[] { true, false }, n.ToArray<bool>());
    }

    [Fact]
    public void Equal_BoolInputs_ComparesElementwise()
    {
        var r = TestUtil.Eval(() => Tf.Equal(Tf.Constant(new NDArray(true, false, true)), Tf.Constant(true)));
        Assert.Equal(new[] { true, false, true }, r.ToArray<bool>());
    }

    [Fact]
    public void Less_BoolInputs_ThrowsUnsupportedDType()
    {
        using var _ = new Graph().AsDefault();
        var ex = Assert.Throws<ArgumentException>(() => Tf.Less(Tf.Constant(true), Tf.Constant(false)));
        Assert.Contains("Less", ex.Message);
        Assert.Contains("Bool", ex.Message);
    }

    [Fact]
    public void Logical_TruthTables_MatchBooleanAlgebra()
    {
        var a = new NDArray(new[] { true, true, false, false }, new Shape(2, 2));
        var b = new NDArray(new[] { true, false }, new Shape(2));
        Assert.Equal(new[] { true, false, false, false }, TestUtil.Eval(() => Tf.LogicalAnd(Tf.Constant(a), Tf.Constant(b))).ToArray<bool>());
        Assert.Equal(new[] { true, true, true, false }, TestUtil.Eval(() => Tf.LogicalOr(Tf.Constant(a), Tf.Constant(b))).ToArray<bool>());
        Assert.Equal(new[] { false, false, true, true }, TestUtil.Eval(() => Tf.LogicalNot(Tf.Constant(a))).ToArray<bool>());
    }

    [Fact]
    public void LogicalAnd_FloatInputs_ThrowsUnsupportedDType()
    {
        using var _ = new Graph().AsDefault();
        var ex = Assert.Throws<ArgumentException>(() => Tf.LogicalAnd(Tf.Constant(1f), Tf.Constant(1f)));
        Assert.Contains("LogicalAnd", ex.Message);
        Assert.Throws<ArgumentException>(() => Tf.LogicalNot(Tf.Constant(1f)));
    }

    [Fact]
    public void Operators_TensorAndScalar_BuildArithmeticAndComparisons()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = C(new float[] { 1, 2, 3 });
            var y = C(new float[] { 4, 5, 6 });
            using var s = new Session(g);
            TestUtil.AssertClose(new double[] { 5, 7, 9 }, s.Run(x + y));
            TestUtil.AssertClose(new double[] { -3, -3, -3 }, s.Run(x - y));
            TestUtil.AssertClose(new double[] { 4, 10, 18 }, s.Run(x * y));
            TestUtil.AssertClose(new double[] { 0.25, 0.4, 0.5 }, s.Run(x / y));
            TestUtil.AssertClose(new double[] { -1, -2, -3 }, s.Run(-x));
            TestUtil.AssertClose(new double[] { 3, 5, 7 }, s.Run(x * 2 + 1));
            TestUtil.AssertClose(new double[] { 9, 8, 7 }, s.Run(10 - x));
            TestUtil.AssertClose(new double[] { 6, 3, 2 }, s.Run(6 / x));
            TestUtil.AssertClose(new double[] { 0.5, 1, 1.5 }, s.Run(x / 2));
            Assert.Equal(new[] { true, false, false }, s.Run(x < 2).ToArray<bool>());
            Assert.Equal(new[] { false, false, true }, s.Run(x > 2).ToArray<bool>());
            Assert.Equal(new[] { true, true, true }, s.Run(x < y).ToArray<bool>());
            Assert.Equal(new[] { false, false, false }, s.Run(x > y).ToArray<bool>());
            Assert.Equal(DType.Float32, (x + 1).DType);
        }
    }
}
