using Recur.Tests.Gradients;

namespace Recur.Tests.Train;

/// <summary>Clipping values and gradients; learning-rate schedules at several steps against their TF1 formulas.</summary>
public class ClippingAndScheduleTests
{
    [Fact]
    public void ClipByValue_ValuesAndGradient_PassOnlyInsideRange()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float64, new Shape(5), "x");
            var y = Tf.ClipByValue(x, -1, 2);
            var dx = Tf.Gradients(Tf.ReduceSum(y * Tf.Constant(new NDArray(1.0, 2.0, 3.0, 4.0, 5.0))), new[] { x })[0]!;
            var yt = Tf.ClipByValue(x, Tf.Constant(new NDArray(0.0, 0.0, 0.0, 0.0, -5.0)), Tf.Constant(1.0));
            using var s = new Session(g);
            var feeds = new FeedDict { [x] = new NDArray(-3.0, -1.0, 0.5, 2.0, 7.0) };
            TestUtil.AssertClose(new[] { -1.0, -1.0, 0.5, 2.0, 2.0 }, s.Run(y, feeds));
            TestUtil.AssertClose(new[] { 0.0, 2.0, 3.0, 4.0, 0.0 }, s.Run(dx, feeds));
            TestUtil.AssertClose(new[] { 0.0, 0.0, 0.5, 1.0, 1.0 }, s.Run(yt, feeds));
            Assert.Throws<ArgumentException>(() => Tf.ClipByValue(x, 2, 1));
            Assert.Throws<ArgumentException>(() => Tf.ClipByValue(x, Tf.Constant(new NDArray(1.0, 2.0)), Tf.Constant(3.0)));
        }
    }

    [Fact]
    public void ClipByNorm_Values_ScaleOnlyAboveClipAndKeepZeros()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var big = Tf.ClipByNorm(Tf.Constant(new NDArray(3.0, 4.0)), 1.0);
            var small = Tf.ClipByNorm(Tf.Constant(new NDArray(0.3, 0.4)), 1.0);
            var zero = Tf.ClipByNorm(Tf.Constant(new NDArray(0.0, 0.0)), 1.0);
            var rows = Tf.ClipByNorm(Tf.Constant(new double[,] { { 3, 4 }, { 0.6, 0.8 } }), 2.0, new[] { 1 });
            using var s = new Session(g);
            TestUtil.AssertClose(new[] { 0.6, 0.8 }, s.Run(big));
            TestUtil.AssertClose(new[] { 0.3, 0.4 }, s.Run(small));
            TestUtil.AssertClose(new[] { 0.0, 0.0 }, s.Run(zero));
            TestUtil.AssertClose(new[] { 1.2, 1.6, 0.6, 0.8 }, s.Run(rows));
        }
    }

    [Fact]
    public void ClipByNorm_Gradient_MatchesFiniteDifferences()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float64, new Shape(2, 3), "x");
            var loss = Tf.ReduceSum(Tf.ClipByNorm(x, 0.5) * Tf.Constant(GradCheck.Rand(4, 2, 3)));
            using var s = new Session(g);
            GradCheck.Placeholders(s, loss, new[] { (x, GradCheck.Rand(3, 2, 3)) });
        }
    }

    [Fact]
    public void ClipByGlobalNorm_Values_MatchTfFormulaAndKeepNulls()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            // Global norm √(3² + 4² + 12²) = 13.
            var a = Tf.Constant(new NDArray(3.0, 4.0));
            var b = Tf.Constant(new NDArray(12.0));
            var (clipped, norm) = Tf.ClipByGlobalNorm(new Tensor?[] { a, null, b }, 6.5);
            var (same, norm2) = Tf.ClipByGlobalNorm(new Tensor?[] { a, b }, 20.0);
            var globalNorm = Tf.GlobalNorm(new Tensor?[] { a, null, b });
            Assert.Null(clipped[1]);
            using var s = new Session(g);
            Assert.Equal(13.0, s.Run(norm).GetScalar<double>(), 12);
            Assert.Equal(13.0, s.Run(globalNorm).GetScalar<double>(), 12);
            Assert.Equal(13.0, s.Run(norm2).GetScalar<double>(), 12);
            TestUtil.AssertClose(new[] { 1.5, 2.0 }, s.Run(clipped[0]!));
            TestUtil.AssertClose(new[] { 6.0 }, s.Run(clipped[2]!));
            TestUtil.AssertClose(new[] { 3.0, 4.0 }, s.Run(same[0]!));
            Assert.Throws<ArgumentException>(() => Tf.ClipByGlobalNorm(new Tensor?[] { a }, 0));
            Assert.Throws<ArgumentException>(() => Tf.GlobalNorm(new Tensor?[] { null }));
        }
    }

    [Fact]
    public void ClipByGlobalNorm_InfiniteOrNanNorm_GivesNaN()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var (clipped, _) = Tf.ClipByGlobalNorm(new Tensor?[] { Tf.Constant(new NDArray(1.0, double.PositiveInfinity)) }, 1.0);
            using var s = new Session(g);
            Assert.All(s.Run(clipped[0]!).ToArray<double>(), v => Assert.True(double.IsNaN(v)));
        }
    }

    [Fact]
    public void ClipByGlobalNorm_Gradient_MatchesFiniteDifferences()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float64, new Shape(3), "x");
            var y = Tf.Placeholder(DType.Float64, new Shape(2, 2), "y");
            var (c, _) = Tf.ClipByGlobalNorm(new Tensor?[] { x, y }, 0.7);
            var loss = Tf.ReduceSum(c[0]! * Tf.Constant(GradCheck.Rand(5, 3))) + Tf.ReduceSum(c[1]! * Tf.Constant(GradCheck.Rand(6, 2, 2)));
            using var s = new Session(g);
            GradCheck.Placeholders(s, loss, new[] { (x, GradCheck.Rand(1, 3)), (y, GradCheck.Rand(2, 2, 2)) });
        }
    }

    private static double[] Evaluate(Func<Tensor, Tensor> schedule, long[] steps)
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var step = Tf.Placeholder(DType.Int64, new Shape(), "step");
            var lr = schedule(step);
            Assert.Equal(new Shape(), lr.Shape);
            using var s = new Session(g);
            return steps.Select(k => s.Run(lr, new FeedDict { [step] = NDArray.Scalar(k) }).GetDouble(0)).ToArray();
        }
    }

    private static readonly long[] Steps = { 0, 1, 5, 10, 25, 100, 150 };

    private static void AssertSchedule(Func<double, double> formula, Func<Tensor, Tensor> schedule)
    {
        var expected = Steps.Select(k => formula(k)).ToArray();
        var actual = Evaluate(schedule, Steps);
        for (int i = 0; i < Steps.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-6 * Math.Abs(expected[i]) + 1e-9, $"step {Steps[i]}: expected {expected[i]}, got {actual[i]}");
    }

    [Fact]
    public void ExponentialDecay_ContinuousAndStaircase_MatchFormula()
    {
        AssertSchedule(k => 0.1 * Math.Pow(0.96, k / 10.0), s => Tf.Train.ExponentialDecay(0.1, s, 10, 0.96));
        AssertSchedule(k => 0.1 * Math.Pow(0.96, Math.Floor(k / 10.0)), s => Tf.Train.ExponentialDecay(0.1, s, 10, 0.96, staircase: true));
        Assert.Equal(new[] { 0.1, 0.1 * 0.5 * 0.5 }, Evaluate(s => Tf.Train.ExponentialDecay(0.1, s, 10, 0.5, true, DType.Float64), new long[] { 9, 29 }));
    }

    [Fact]
    public void InverseTimeAndNaturalExpDecay_MatchFormula()
    {
        AssertSchedule(k => 0.5 / (1 + 0.5 * k / 10.0), s => Tf.Train.InverseTimeDecay(0.5, s, 10, 0.5));
        AssertSchedule(k => 0.5 / (1 + 0.5 * Math.Floor(k / 10.0)), s => Tf.Train.InverseTimeDecay(0.5, s, 10, 0.5, staircase: true));
        AssertSchedule(k => 0.5 * Math.Exp(-0.5 * k / 10.0), s => Tf.Train.NaturalExpDecay(0.5, s, 10, 0.5));
    }

    [Fact]
    public void PiecewiseConstant_BoundariesBelongToTheLowerPiece()
    {
        var values = Evaluate(s => Tf.Train.PiecewiseConstant(s, new[] { 10.0, 100.0 }, new[] { 1.0, 0.5, 0.1 }, DType.Float64),
            new long[] { 0, 10, 11, 100, 101, 1000 });
        Assert.Equal(new[] { 1.0, 1.0, 0.5, 0.5, 0.1, 0.1 }, values);
        var g = new Graph();
        using (g.AsDefault())
        {
            var step = Tf.Placeholder(DType.Int64, new Shape());
            Assert.Throws<ArgumentException>(() => Tf.Train.PiecewiseConstant(step, new[] { 10.0 }, new[] { 1.0 }));
            Assert.Throws<ArgumentException>(() => Tf.Train.PiecewiseConstant(step, new[] { 10.0, 5.0 }, new[] { 1.0, 2.0, 3.0 }));
        }
    }

    [Fact]
    public void PolynomialDecay_LinearPowerAndCycle_MatchFormula()
    {
        AssertSchedule(k => (0.1 - 0.01) * (1 - Math.Min(k, 100) / 100.0) + 0.01, s => Tf.Train.PolynomialDecay(0.1, s, 100, 0.01));
        AssertSchedule(k => (0.1 - 0.01) * Math.Pow(1 - Math.Min(k, 100) / 100.0, 0.5) + 0.01, s => Tf.Train.PolynomialDecay(0.1, s, 100, 0.01, power: 0.5));
        AssertSchedule(k =>
        {
            double steps = 40 * (k == 0 ? 1 : Math.Ceiling(k / 40.0));
            return (0.1 - 0.01) * Math.Pow(1 - k / steps, 2) + 0.01;
        }, s => Tf.Train.PolynomialDecay(0.1, s, 40, 0.01, power: 2, cycle: true));
    }

    [Fact]
    public void CosineDecay_MatchesFormulaAndFloorsAtAlpha()
    {
        AssertSchedule(k => 0.2 * ((1 - 0.1) * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(k, 100) / 100.0)) + 0.1), s => Tf.Train.CosineDecay(0.2, s, 100, alpha: 0.1));
        Assert.Equal(0.02, Evaluate(s => Tf.Train.CosineDecay(0.2, s, 100, 0.1, DType.Float64), new long[] { 500 })[0], 12);
    }

    [Fact]
    public void Schedules_BadArguments_Throw()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var step = Tf.Placeholder(DType.Int64, new Shape());
            Assert.Throws<ArgumentException>(() => Tf.Train.ExponentialDecay(0.1, step, 0, 0.9));
            Assert.Throws<ArgumentException>(() => Tf.Train.CosineDecay(double.NaN, step, 10));
            Assert.Throws<ArgumentException>(() => Tf.Train.ExponentialDecay(0.1, Tf.Placeholder(DType.Int64, new Shape(2)), 10, 0.9));
            Assert.Throws<ArgumentException>(() => Tf.Train.ExponentialDecay(0.1, Tf.Placeholder(DType.Bool, new Shape()), 10, 0.9));
        }
    }
}
