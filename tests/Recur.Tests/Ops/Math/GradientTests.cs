using static Recur.Tests.Ops.Math.MathTestUtil;

namespace Recur.Tests.Ops.Math;

/// <summary>
/// Float64 central-difference checks of every math/nn gradient rule: the rule of the op that <c>f</c> builds is
/// called directly with a random upstream gradient dy, and each input's result is compared with
/// ∂/∂x Σ dy · f(x) computed numerically.
/// </summary>
public class GradientTests
{
    private const double H = 1e-6;

    private static void CheckGrad(Func<Tensor[], Tensor> f, params NDArray[] inputs) => CheckGrad(f, partialFirst: false, inputs);

    private static void CheckGrad(Func<Tensor[], Tensor> f, bool partialFirst, params NDArray[] inputs)
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var ps = inputs.Select((a, i) => Tf.Placeholder(DType.Float64,
                partialFirst && a.Rank > 0 ? a.Shape.WithDim(0, -1) : a.Shape, $"x{i}")).ToArray();
            var y = f(ps);
            using var s = new Session(g);
            var feeds = new FeedDict();
            for (int i = 0; i < ps.Length; i++) feeds[ps[i]] = inputs[i];
            var y0 = s.Run(y, feeds);
            var dyv = new NDArray(TestUtil.RandomDoubles(y0.Size, 99), y0.Shape);
            var dy = Tf.Constant(dyv);
            var rule = y.Op.Def.Gradient;
            Assert.NotNull(rule);
            var grads = rule!(y.Op, new Tensor?[] { dy });
            Assert.Equal(y.Op.Inputs.Count, grads.Length);
            for (int k = 0; k < ps.Length; k++)
            {
                int slot = y.Op.Inputs.ToList().IndexOf(ps[k]);
                Assert.True(slot >= 0, $"input {k} is not a direct input of {y.Op.Type}");
                Assert.NotNull(grads[slot]);
                var analytic = s.Run(grads[slot]!, feeds);
                Assert.Equal(inputs[k].Shape, analytic.Shape);
                var x = inputs[k].ToArray<double>();
                var numeric = new double[x.Length];
                for (int j = 0; j < x.Length; j++)
                {
                    double Loss(double v)
                    {
                        var xp = (double[])x.Clone();
                        xp[j] = v;
                        feeds[ps[k]] = new NDArray(xp, inputs[k].Shape);
                        var yv = s.Run(y, feeds).ToArray<double>();
                        double l = 0;
                        for (int t = 0; t < yv.Length; t++) l += yv[t] * dyv.GetDouble(t);
                        return l;
                    }
                    numeric[j] = (Loss(x[j] + H) - Loss(x[j] - H)) / (2 * H);
                }
                feeds[ps[k]] = inputs[k];
                TestUtil.AssertClose(numeric, analytic, TestUtil.Tol(DType.Float64, TolKind.Gradient));
            }
        }
    }

    private static NDArray Rand(int seed, double lo, double hi, params int[] shape) =>
        new(TestUtil.RandomDoubles(shape.Aggregate(1, (a, b) => a * b), seed, lo, hi), new Shape(shape));

    public static TheoryData<string, int[], int[]> BinaryCases()
    {
        var d = new TheoryData<string, int[], int[]>();
        foreach (var op in new[] { "Add", "Sub", "Mul", "RealDiv", "Maximum", "Minimum", "Pow", "SquaredDifference" })
        {
            d.Add(op, new[] { 2, 3 }, new[] { 2, 3 });
            d.Add(op, new[] { 2, 3 }, new[] { 3 });
            d.Add(op, new[] { 2, 1 }, new[] { 1, 3 });
            d.Add(op, Array.Empty<int>(), new[] { 2, 2 });
        }
        return d;
    }

    [Theory]
    [MemberData(nameof(BinaryCases))]
    public void BinaryGradient_Broadcast_MatchesCentralDifference(string op, int[] xs, int[] ys)
    {
        Func<Tensor[], Tensor> f = op switch
        {
            "Add" => p => Tf.Add(p[0], p[1]),
            "Sub" => p => Tf.Subtract(p[0], p[1]),
            "Mul" => p => Tf.Multiply(p[0], p[1]),
            "RealDiv" => p => Tf.Divide(p[0], p[1]),
            "Maximum" => p => Tf.Maximum(p[0], p[1]),
            "Minimum" => p => Tf.Minimum(p[0], p[1]),
            "Pow" => p => Tf.Pow(p[0], p[1]),
            _ => p => Tf.SquaredDifference(p[0], p[1]),
        };
        CheckGrad(f, Rand(1, 0.5, 2, xs), Rand(2, 0.5, 2, ys));
    }

    [Fact]
    public void AddGradient_PartialStaticShapes_SumsAtRunTime()
    {
        CheckGrad(p => Tf.Multiply(p[0], p[1]), partialFirst: true, Rand(3, -1, 1, 4, 3), Rand(4, -1, 1, 1, 3));
        CheckGrad(p => Tf.Add(p[0], p[1]), partialFirst: true, Rand(3, -1, 1, 4, 1), Rand(4, -1, 1, 1, 3));
    }

    [Fact]
    public void PowGradient_NonPositiveBase_UsesZeroLogTerm()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var z = Tf.Pow(Tf.Constant(new NDArray(new[] { -1.5, 2.0 })), Tf.Constant(new NDArray(new[] { 2.0, 3.0 })));
            var grads = z.Op.Def.Gradient!(z.Op, new Tensor?[] { Tf.Constant(new NDArray(new[] { 1.0, 1.0 })) });
            using var s = new Session(g);
            TestUtil.AssertClose(new[] { -3.0, 12.0 }, s.Run(grads[0]!));
            TestUtil.AssertClose(new[] { 0.0, 8 * System.Math.Log(2) }, s.Run(grads[1]!));
        }
    }

    public static TheoryData<string> UnaryCases() => new() { "Neg", "Abs", "Square", "Relu", "Sigmoid", "Tanh", "Exp", "Log", "Sqrt", "Rsqrt", "Reciprocal", "Sign" };

    [Theory]
    [MemberData(nameof(UnaryCases))]
    public void UnaryGradient_MatchesCentralDifference(string op)
    {
        Func<Tensor[], Tensor> f = op switch
        {
            "Neg" => p => Tf.Negative(p[0]),
            "Abs" => p => Tf.Abs(p[0]),
            "Square" => p => Tf.Square(p[0]),
            "Relu" => p => Tf.Nn.Relu(p[0]),
            "Sigmoid" => p => Tf.Nn.Sigmoid(p[0]),
            "Tanh" => p => Tf.Nn.Tanh(p[0]),
            "Exp" => p => Tf.Exp(p[0]),
            "Log" => p => Tf.Log(p[0]),
            "Sqrt" => p => Tf.Sqrt(p[0]),
            "Rsqrt" => p => Tf.Rsqrt(p[0]),
            "Sign" => p => Tf.Sign(p[0]),
            _ => p => Tf.Reciprocal(p[0]),
        };
        bool positive = op is "Log" or "Sqrt" or "Rsqrt" or "Reciprocal";
        var x = positive ? Rand(5, 0.5, 2, 2, 3) : new NDArray(new[] { -1.5, -0.7, -0.2, 0.3, 0.8, 1.9 }, new Shape(2, 3));
        CheckGrad(f, x);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void MatMulGradient_AllTransposes_MatchesCentralDifference(bool ta, bool tb)
    {
        CheckGrad(p => Tf.MatMul(p[0], p[1], ta, tb), Rand(6, -1, 1, ta ? new[] { 4, 3 } : new[] { 3, 4 }), Rand(7, -1, 1, tb ? new[] { 2, 4 } : new[] { 4, 2 }));
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void BatchMatMulGradient_BroadcastBatch_MatchesCentralDifference(bool ta, bool tb)
    {
        CheckGrad(p => Tf.MatMul(p[0], p[1], ta, tb), Rand(8, -1, 1, ta ? new[] { 2, 4, 3 } : new[] { 2, 3, 4 }), Rand(9, -1, 1, tb ? new[] { 1, 2, 4 } : new[] { 1, 4, 2 }));
    }

    [Fact]
    public void BiasAddAndAddNGradients_MatchCentralDifference()
    {
        CheckGrad(p => Tf.Nn.BiasAdd(p[0], p[1]), Rand(10, -1, 1, 2, 3, 4), Rand(11, -1, 1, 4));
        CheckGrad(p => Tf.AddN(p), Rand(12, -1, 1, 2, 3), Rand(13, -1, 1, 2, 3), Rand(14, -1, 1, 2, 3));
    }

    public static TheoryData<string, int[]?, bool> ReductionCases()
    {
        var d = new TheoryData<string, int[]?, bool>();
        foreach (var op in new[] { "Sum", "Mean", "Max", "Min" })
        {
            d.Add(op, null, false);
            d.Add(op, new[] { 1 }, false);
            d.Add(op, new[] { 0, 2 }, true);
            d.Add(op, new[] { -1 }, true);
        }
        return d;
    }

    [Theory]
    [MemberData(nameof(ReductionCases))]
    public void ReductionGradient_AxesAndKeepDims_MatchesCentralDifference(string op, int[]? axis, bool keepDims)
    {
        Func<Tensor[], Tensor> f = op switch
        {
            "Sum" => p => Tf.ReduceSum(p[0], axis, keepDims),
            "Mean" => p => Tf.ReduceMean(p[0], axis, keepDims),
            "Max" => p => Tf.ReduceMax(p[0], axis, keepDims),
            _ => p => Tf.ReduceMin(p[0], axis, keepDims),
        };
        CheckGrad(f, Rand(15, -1, 1, 2, 3, 4));
    }

    [Fact]
    public void ReduceMaxGradient_Ties_SplitEvenly()
    {
        var r = TestUtil.Eval(() =>
        {
            var x = Tf.Constant(new NDArray(new[] { 1.0, 3.0, 3.0, 2.0 }, new Shape(1, 4)));
            var y = Tf.ReduceMax(x, new[] { 1 });
            return y.Op.Def.Gradient!(y.Op, new Tensor?[] { Tf.Constant(new NDArray(new[] { 1.0 })) })[0]!;
        });
        TestUtil.AssertClose(new[] { 0, 0.5, 0.5, 0 }, r, shape: new Shape(1, 4));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SoftmaxGradient_MatchesCentralDifference(bool log)
    {
        CheckGrad(p => log ? Tf.Nn.LogSoftmax(p[0]) : Tf.Nn.Softmax(p[0]), Rand(16, -2, 2, 3, 5));
    }

    [Fact]
    public void GradOpGradients_SecondOrder_MatchCentralDifference()
    {
        CheckGrad(p => GradientKernelOps.SigmoidGrad(p[0], p[1]), Rand(17, 0.1, 0.9, 2, 3), Rand(18, -1, 1, 2, 3));
        CheckGrad(p => GradientKernelOps.TanhGrad(p[0], p[1]), Rand(19, -0.9, 0.9, 2, 3), Rand(20, -1, 1, 2, 3));
        CheckGrad(p => GradientKernelOps.BiasAddGrad(p[0]), Rand(21, -1, 1, 4, 3));
    }

    [Fact]
    public void CastGradient_FloatToFloat_CastsBackAndIntegerHasNone()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Constant(new NDArray(new[] { 1.5f, -2f }));
            var y = Tf.Cast(x, DType.Float64);
            var dx = y.Op.Def.Gradient!(y.Op, new Tensor?[] { Tf.Constant(new NDArray(new[] { 3.0, 4.0 })) })[0];
            Assert.NotNull(dx);
            Assert.Equal(DType.Float32, dx!.DType);
            using var s = new Session(g);
            Assert.Equal(new[] { 3f, 4f }, s.Run(dx).ToArray<float>());
            var z = Tf.Cast(x, DType.Int32);
            Assert.Null(z.Op.Def.Gradient!(z.Op, new Tensor?[] { Tf.Constant(new NDArray(1, 2)) })[0]);
        }
    }

    [Fact]
    public void NonDifferentiableOps_ReturnNoGradient()
    {
        using var _ = new Graph().AsDefault();
        var x = Tf.Constant(new NDArray(new[] { 1.0, 2.0 }));
        foreach (var t in new[] { Tf.Less(x, x), Tf.Equal(x, x), Tf.ArgMax(x, 0) })
        {
            var grads = t.Op.Def.Gradient!(t.Op, new Tensor?[] { null });
            Assert.All(grads, Assert.Null);
        }
    }
}
