namespace Recur.Tests.Train;

/// <summary>The numerics guard: the CheckNumerics op, AddCheckNumericsOps and Session.CheckNumerics.</summary>
public class CheckNumericsTests
{
    [Fact]
    public void CheckNumerics_FiniteInput_PassesThroughWithIdentityGradient()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float64, new Shape(2), "x");
            var y = Tf.CheckNumerics(x * 3.0, "scaled");
            var dx = Tf.Gradients(Tf.ReduceSum(y), new[] { x })[0]!;
            using var s = new Session(g);
            var feeds = new FeedDict { [x] = new NDArray(1.0, -2.0) };
            TestUtil.AssertClose(new[] { 3.0, -6.0 }, s.Run(y, feeds));
            TestUtil.AssertClose(new[] { 3.0, 3.0 }, s.Run(dx, feeds));
        }
    }

    [Theory]
    [InlineData(-1.0, "NaN")]
    [InlineData(0.0, "Inf")]
    public void CheckNumerics_NaNOrInf_ThrowsNamingOpMessageAndKind(double value, string kind)
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(3), "x");
            var y = Tf.CheckNumerics(Tf.Log(x), "log of x", name: "check_log");
            using var s = new Session(g);
            var e = Assert.Throws<InvalidOperationException>(() => s.Run(y, new FeedDict { [x] = new NDArray(1f, 2f, (float)value) }));
            Assert.Contains("'check_log'", e.Message);
            Assert.Contains("log of x", e.Message);
            Assert.Contains($"Tensor had {kind} values", e.Message);
            Assert.Contains("index 2", e.Message);
            Assert.Throws<ArgumentException>(() => Tf.CheckNumerics(Tf.Placeholder(DType.Int32, new Shape(1)), "ints"));
        }
    }

    [Fact]
    public void AddCheckNumericsOps_NaNInMiddle_NamesFirstProducingOp()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float64, new Shape(2), "x");
            var w = Tf.GetVariable("w", new Shape(2), DType.Float64, Initializers.Ones());
            var h = Tf.Sqrt(x * w, "root");           // NaN for negative x
            var y = Tf.ReduceSum(Tf.Tanh(h, "squash") * 2.0);
            var check = Tf.AddCheckNumericsOps();
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            s.Run(Array.Empty<Tensor>(), new[] { check }, new FeedDict { [x] = new NDArray(1.0, 4.0) });
            var e = Assert.Throws<InvalidOperationException>(() =>
                s.Run(new[] { y }, new[] { check }, new FeedDict { [x] = new NDArray(1.0, -4.0) }));
            Assert.Contains("root:0 : Tensor had NaN values", e.Message);
            // The variable is still usable: the check did not re-run the initializer.
            TestUtil.AssertClose(new[] { 1.0, 1.0 }, s.Run(w));
        }
    }

    [Fact]
    public void SessionCheckNumerics_NaNDuringTraining_StopsBeforeUpdateNamingOp()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float64, new Shape(2), "x");
            var w = Tf.GetVariable("w", new Shape(2), DType.Float64, Initializers.Ones());
            var loss = Tf.ReduceSum(Tf.Square(Tf.Log(x * w, "log_xw")));
            var train = new Tf.Train.GradientDescentOptimizer(0.1).Minimize(loss);
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            s.CheckNumerics = true;
            s.Run(train, new FeedDict { [x] = new NDArray(2.0, 3.0) });
            var after = s.Run(w).ToArray<double>();
            var e = Assert.Throws<InvalidOperationException>(() => s.Run(train, new FeedDict { [x] = new NDArray(2.0, -3.0) }));
            Assert.Contains("Log 'log_xw'", e.Message);
            Assert.Contains("NaN", e.Message);
            TestUtil.AssertClose(after, s.Run(w));   // no update ran
            s.CheckNumerics = false;
            s.Run(train, new FeedDict { [x] = new NDArray(2.0, -3.0) });
            Assert.Contains(s.Run(w).ToArray<double>(), double.IsNaN);
        }
    }

    [Fact]
    public void SessionCheckNumerics_InsideWhileLoop_NamesBodyOp()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float64, new Shape(), "x");
            var result = Tf.WhileLoop(v => Tf.Less(v[0], Tf.Constant(3)),
                v => new[] { v[0] + Tf.Constant(1), Tf.Multiply(v[1], v[1], "square_in_body") },
                new[] { Tf.Constant(0), x });
            using var s = new Session(g) { CheckNumerics = true };
            Assert.Equal(256.0, s.Run(result[1], new FeedDict { [x] = NDArray.Scalar(2.0) }).GetScalar<double>());
            var e = Assert.Throws<InvalidOperationException>(() => s.Run(result[1], new FeedDict { [x] = NDArray.Scalar(1e200) }));
            Assert.Contains("square_in_body", e.Message);
            Assert.Contains("Inf", e.Message);
        }
    }
}
