using Recur.Rnn;

namespace Recur.Tests.Train;

/// <summary>
/// Optimizer updates against TF1's formulas written out independently here, slot naming, the global step, and
/// Minimize on real problems. The test problem: loss = Σ ½·a·w² + b·w, so g = a·w + b.
/// </summary>
public class OptimizerTests
{
    private static readonly double[] W0 = { 1.0, -2.0, 0.5 };
    private static readonly double[] A = { 1.0, 0.5, 3.0 };
    private static readonly double[] B = { 0.25, -1.0, 0.0 };

    private static double[] Grad(double[] w) => w.Select((x, i) => A[i] * x + B[i]).ToArray();

    /// <summary>Builds the quadratic problem in a new graph, builds the optimizer's train op and runs <paramref name="steps"/> steps.</summary>
    private static List<double[]> RunSteps(Func<Tf.Train.Optimizer> make, int steps, DType dtype = DType.Float64, Action<Graph, Tf.Train.Optimizer, Variable>? inspect = null)
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var w = Tf.GetVariable("w", new Shape(3), dtype, Initializers.Constant(new NDArray(W0, new Shape(3))));
            var a = Tf.Cast(Tf.Constant(new NDArray(A, new Shape(3))), dtype);
            var b = Tf.Cast(Tf.Constant(new NDArray(B, new Shape(3))), dtype);
            var loss = Tf.ReduceSum(a * w * w * 0.5 + b * w);
            var opt = make();
            var train = opt.Minimize(loss);
            inspect?.Invoke(g, opt, w);
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            var history = new List<double[]>();
            for (int i = 0; i < steps; i++)
            {
                s.Run(train);
                var v = s.Run(w);
                history.Add(Enumerable.Range(0, 3).Select(v.GetDouble).ToArray());
            }
            return history;
        }
    }

    private static void AssertHistory(List<double[]> expected, List<double[]> actual, double tol)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int t = 0; t < expected.Count; t++)
            for (int i = 0; i < expected[t].Length; i++)
                Assert.True(Math.Abs(expected[t][i] - actual[t][i]) <= tol * (1 + Math.Abs(expected[t][i])),
                    $"step {t + 1}, w[{i}]: expected {expected[t][i]}, got {actual[t][i]}");
    }

    [Fact]
    public void GradientDescent_ThreeSteps_MatchesHandComputedUpdates()
    {
        const double lr = 0.1;
        var w = (double[])W0.Clone();
        var expected = new List<double[]>();
        for (int t = 0; t < 3; t++)
        {
            var g = Grad(w);
            w = w.Select((x, i) => x - lr * g[i]).ToArray();
            expected.Add(w);
        }
        // Step 1 by hand: g = (1.25, -2, 1.5), w = (0.875, -1.8, 0.35).
        TestUtil.AssertClose(new[] { 0.875, -1.8, 0.35 }, new NDArray(expected[0], new Shape(3)));
        AssertHistory(expected, RunSteps(() => new Tf.Train.GradientDescentOptimizer(lr), 3), 1e-12);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Momentum_ThreeSteps_MatchesHandComputedUpdates(bool nesterov)
    {
        const double lr = 0.1, mu = 0.9;
        var w = (double[])W0.Clone();
        var acc = new double[3];
        var expected = new List<double[]>();
        for (int t = 0; t < 3; t++)
        {
            var g = Grad(w);
            for (int i = 0; i < 3; i++)
            {
                acc[i] = mu * acc[i] + g[i];
                w[i] -= nesterov ? lr * (g[i] + mu * acc[i]) : lr * acc[i];
            }
            expected.Add((double[])w.Clone());
        }
        AssertHistory(expected, RunSteps(() => new Tf.Train.MomentumOptimizer(lr, mu, useNesterov: nesterov), 3), 1e-12);
    }

    [Fact]
    public void Adam_ThreeSteps_MatchesTf1Formula()
    {
        const double lr = 0.05, b1 = 0.9, b2 = 0.999, eps = 1e-8;
        var w = (double[])W0.Clone();
        var m = new double[3];
        var v = new double[3];
        var expected = new List<double[]>();
        for (int t = 1; t <= 3; t++)
        {
            var g = Grad(w);
            double lrT = lr * Math.Sqrt(1 - Math.Pow(b2, t)) / (1 - Math.Pow(b1, t));
            for (int i = 0; i < 3; i++)
            {
                m[i] = b1 * m[i] + (1 - b1) * g[i];
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                w[i] -= lrT * m[i] / (Math.Sqrt(v[i]) + eps);
            }
            expected.Add((double[])w.Clone());
        }
        // The first Adam step moves every coordinate by ~lr against the gradient's sign.
        Assert.True(Math.Abs(expected[0][0] - (1.0 - lr)) < 1e-6);
        AssertHistory(expected, RunSteps(() => new Tf.Train.AdamOptimizer(lr, b1, b2, eps), 3), 1e-12);
    }

    [Fact]
    public void Adam_Float32_MatchesFormulaWithinFloatTolerance()
    {
        const double lr = 0.05;
        var w = (double[])W0.Clone();
        var m = new double[3];
        var v = new double[3];
        var expected = new List<double[]>();
        for (int t = 1; t <= 3; t++)
        {
            var g = Grad(w);
            double lrT = lr * Math.Sqrt(1 - Math.Pow(0.999, t)) / (1 - Math.Pow(0.9, t));
            for (int i = 0; i < 3; i++)
            {
                m[i] = 0.9 * m[i] + 0.1 * g[i];
                v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
                w[i] -= lrT * m[i] / (Math.Sqrt(v[i]) + 1e-8);
            }
            expected.Add((double[])w.Clone());
        }
        AssertHistory(expected, RunSteps(() => new Tf.Train.AdamOptimizer(lr), 3, DType.Float32), 1e-5);
    }

    [Theory]
    [InlineData(false, 0.0)]
    [InlineData(false, 0.5)]
    [InlineData(true, 0.5)]
    public void RmsProp_ThreeSteps_MatchesTf1Formula(bool centered, double momentum)
    {
        const double lr = 0.01, rho = 0.9, eps = 1e-10;
        var w = (double[])W0.Clone();
        var ms = new double[] { 1, 1, 1 };   // TF1 initializes rms to ones
        var mg = new double[3];
        var mom = new double[3];
        var expected = new List<double[]>();
        for (int t = 0; t < 3; t++)
        {
            var g = Grad(w);
            for (int i = 0; i < 3; i++)
            {
                ms[i] = rho * ms[i] + (1 - rho) * g[i] * g[i];
                double denom = ms[i] + eps;
                if (centered)
                {
                    mg[i] = rho * mg[i] + (1 - rho) * g[i];
                    denom = ms[i] - mg[i] * mg[i] + eps;
                }
                mom[i] = momentum * mom[i] + lr * g[i] / Math.Sqrt(denom);
                w[i] -= mom[i];
            }
            expected.Add((double[])w.Clone());
        }
        AssertHistory(expected, RunSteps(() => new Tf.Train.RmsPropOptimizer(lr, rho, momentum, eps, centered), 3), 1e-12);
    }

    [Fact]
    public void Adagrad_ThreeSteps_MatchesTf1Formula()
    {
        const double lr = 0.2, init = 0.1;
        var w = (double[])W0.Clone();
        var acc = new[] { init, init, init };
        var expected = new List<double[]>();
        for (int t = 0; t < 3; t++)
        {
            var g = Grad(w);
            for (int i = 0; i < 3; i++)
            {
                acc[i] += g[i] * g[i];
                w[i] -= lr * g[i] / Math.Sqrt(acc[i]);
            }
            expected.Add((double[])w.Clone());
        }
        AssertHistory(expected, RunSteps(() => new Tf.Train.AdagradOptimizer(lr, init), 3), 1e-12);
    }

    [Fact]
    public void Adam_Slots_NamedLikeTfAndNonTrainable()
    {
        RunSteps(() => new Tf.Train.AdamOptimizer(), 1, inspect: (g, opt, w) =>
        {
            Assert.Equal(new[] { "m", "v" }, opt.GetSlotNames());
            Assert.Equal("w/Adam", opt.GetSlot(w, "m")!.Name);
            Assert.Equal("w/Adam_1", opt.GetSlot(w, "v")!.Name);
            Assert.Null(opt.GetSlot(w, "momentum"));
            var (b1, b2) = ((Tf.Train.AdamOptimizer)opt).BetaAccumulators!.Value;
            Assert.Equal("beta1_power", b1.Name);
            Assert.Equal("beta2_power", b2.Name);
            Assert.Equal(new[] { "w" }, g.TrainableVariables.Select(v => v.Name));
            Assert.Equal(new[] { "w", "beta1_power", "beta2_power", "w/Adam", "w/Adam_1" }, g.Variables.Select(v => v.Name));
            Assert.All(opt.Variables(), v => Assert.False(v.Trainable));
            Assert.Equal("Adam", g.Operations[^1].Name);
            Assert.Contains(g.Operations, o => o.Name == "Adam/update_w/ApplyAdam");
        });
    }

    [Fact]
    public void Adam_BetaPowers_AdvanceEachStep()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var w = Tf.GetVariable("w", new Shape(2), DType.Float64, Initializers.Ones());
            var opt = new Tf.Train.AdamOptimizer();
            var train = opt.Minimize(Tf.ReduceSum(w.Value * w.Value));
            var (b1, b2) = opt.BetaAccumulators!.Value;
            Assert.Equal(DType.Float64, b1.DType);
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            s.Run(train);
            s.Run(train);
            Assert.Equal(0.9 * 0.9 * 0.9, s.Run(b1).GetScalar<double>(), 12);
            Assert.Equal(0.999 * 0.999 * 0.999, s.Run(b2).GetScalar<double>(), 12);
        }
    }

    [Fact]
    public void OtherOptimizers_Slots_NamedLikeTf()
    {
        RunSteps(() => new Tf.Train.MomentumOptimizer(0.1, 0.9), 1, inspect: (g, opt, w) =>
            Assert.Equal("w/Momentum", opt.GetSlot(w, "momentum")!.Name));
        RunSteps(() => new Tf.Train.RmsPropOptimizer(0.1), 1, inspect: (g, opt, w) =>
        {
            Assert.Equal("w/RMSProp", opt.GetSlot(w, "rms")!.Name);
            Assert.Equal("w/RMSProp_1", opt.GetSlot(w, "momentum")!.Name);
        });
        RunSteps(() => new Tf.Train.RmsPropOptimizer(0.1, centered: true), 1, inspect: (g, opt, w) =>
        {
            Assert.Equal(new[] { "mg", "momentum", "rms" }, opt.GetSlotNames());
            Assert.Equal("w/RMSProp_1", opt.GetSlot(w, "mg")!.Name);
            Assert.Equal("w/RMSProp_2", opt.GetSlot(w, "momentum")!.Name);
        });
        RunSteps(() => new Tf.Train.AdagradOptimizer(0.1), 1, inspect: (g, opt, w) =>
            Assert.Equal("w/Adagrad", opt.GetSlot(w, "accumulator")!.Name));
        RunSteps(() => new Tf.Train.GradientDescentOptimizer(0.1), 1, inspect: (g, opt, w) =>
        {
            Assert.Empty(opt.GetSlotNames());
            Assert.Single(g.Variables);
        });
    }

    [Fact]
    public void Minimize_WithGlobalStep_IncrementsOncePerRun()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var w = Tf.GetVariable("w", new Shape(2), DType.Float64, Initializers.Ones());
            var step = Tf.Train.GetOrCreateGlobalStep();
            Assert.Same(step, Tf.Train.GetOrCreateGlobalStep());
            Assert.Equal("global_step", step.Name);
            Assert.Equal(DType.Int64, step.DType);
            Assert.False(step.Trainable);
            Assert.Throws<InvalidOperationException>(() => Tf.Train.CreateGlobalStep());
            var train = new Tf.Train.GradientDescentOptimizer(0.1).Minimize(Tf.ReduceSum(w.Value * w.Value), globalStep: step);
            Assert.Equal("GradientDescent", train.Name);
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            for (int i = 0; i < 3; i++) s.Run(train);
            Assert.Equal(3L, Tf.Train.GlobalStep(s, step));
            TestUtil.AssertClose(new[] { 0.512, 0.512 }, s.Run(w));   // w ← 0.8·w three times
        }
    }

    [Fact]
    public void GlobalStep_CreatedInsideVariableScope_IsAtRoot()
    {
        var g = new Graph();
        using (g.AsDefault())
        using (Tf.VariableScope("model"))
        {
            Assert.Null(Tf.Train.GetGlobalStep());
            Assert.Equal("global_step", Tf.Train.CreateGlobalStep().Name);
        }
    }

    [Fact]
    public void Minimize_LearningRateTensor_UsesDecayedRateEachStep()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var w = Tf.GetVariable("w", new Shape(1), DType.Float64, Initializers.Ones());
            var step = Tf.Train.CreateGlobalStep();
            var lr = Tf.Train.ExponentialDecay(0.1, step, decaySteps: 1, decayRate: 0.5);
            var train = new Tf.Train.GradientDescentOptimizer(lr).Minimize(Tf.ReduceSum(w), globalStep: step);
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            for (int i = 0; i < 3; i++) s.Run(train);
            // g = 1 each step; rates 0.1, 0.05, 0.025 (the schedule reads the step before it is incremented).
            Assert.Equal(1 - 0.175, s.Run(w).GetDouble(0), 6);
        }
    }

    [Fact]
    public void ComputeGradients_ThenClippedApply_UpdatesWithClippedGradient()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var w = Tf.GetVariable("w", new Shape(2), DType.Float64, Initializers.Constant(new NDArray(new[] { 3.0, 4.0 })));
            var unused = Tf.GetVariable("unused", new Shape(1), DType.Float64, Initializers.Zeros());
            var opt = new Tf.Train.GradientDescentOptimizer(1.0);
            var gv = opt.ComputeGradients(Tf.ReduceSum(w.Value * w * 0.5));
            Assert.Equal(2, gv.Count);
            Assert.Same(w, gv[0].Variable);
            Assert.Null(gv[1].Gradient);
            var (clipped, norm) = Tf.ClipByGlobalNorm(gv.Select(p => p.Gradient).ToList(), 1.0);
            var train = opt.ApplyGradients(clipped.Zip(gv, (c, p) => (c, p.Variable)));
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            Assert.Equal(5.0, s.Run(norm).GetScalar<double>(), 12);
            s.Run(train);
            TestUtil.AssertClose(new[] { 3 - 0.6, 4 - 0.8 }, s.Run(w));
        }
    }

    [Fact]
    public void Minimize_SeveralVariablesInOneRun_UseGradientsFromTheSameRun()
    {
        // loss = (x·y − 1)²: both updates must use the pre-step values of x and y.
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.GetVariable("x", new Shape(), DType.Float64, Initializers.Constant(2.0));
            var y = Tf.GetVariable("y", new Shape(), DType.Float64, Initializers.Constant(3.0));
            var r = x.Value * y - 1.0;
            var train = new Tf.Train.GradientDescentOptimizer(0.01).Minimize(r * r);
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            s.Run(train);
            Assert.Equal(2 - 0.01 * 2 * 5 * 3, s.Run(x).GetScalar<double>(), 12);
            Assert.Equal(3 - 0.01 * 2 * 5 * 2, s.Run(y).GetScalar<double>(), 12);
        }
    }

    [Fact]
    public void Minimize_FetchedValueBeforeStep_IsNotMutated()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var w = Tf.GetVariable("w", new Shape(2), DType.Float64, Initializers.Ones());
            var train = new Tf.Train.AdamOptimizer(0.1).Minimize(Tf.ReduceSum(w.Value * w.Value));
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            var before = s.Run(w);
            s.Run(train);
            TestUtil.AssertClose(new[] { 1.0, 1.0 }, before);
            Assert.True(s.Run(w).GetDouble(0) < 1.0);
        }
    }

    [Fact]
    public void Minimize_UnderControlDependencies_SlotInitializersDoNotDependOnThem()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var w = Tf.GetVariable("w", new Shape(2), DType.Float64, Initializers.Ones());
            var before = Tf.NoOp("before");
            using (g.ControlDependencies(new[] { before }))
                new Tf.Train.AdamOptimizer().Minimize(Tf.ReduceSum(w.Value * w.Value), globalStep: Tf.Train.CreateGlobalStep());
            Assert.Contains(g.Operations, o => o.Name == "Adam/update_w/ApplyAdam" && o.ControlInputs.Contains(before));
            Assert.All(g.Variables, v => Assert.Empty(v.InitializerOp.ControlInputs));
        }
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("momentum")]
    [InlineData("adam")]
    [InlineData("rmsprop")]
    [InlineData("adagrad")]
    public void Minimize_LinearRegression_RecoversWeights(string which)
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            const int n = 32;
            var xs = TestUtil.RandomDoubles(n * 3, 7);
            double[] trueW = { 1.5, -2.0, 0.5 };
            const double trueB = 0.3;
            var ys = new double[n];
            for (int i = 0; i < n; i++) ys[i] = xs[3 * i] * trueW[0] + xs[3 * i + 1] * trueW[1] + xs[3 * i + 2] * trueW[2] + trueB;
            var x = Tf.Constant(new NDArray(xs, new Shape(n, 3)));
            var y = Tf.Constant(new NDArray(ys, new Shape(n, 1)));
            var w = Tf.GetVariable("w", new Shape(3, 1), DType.Float64, Initializers.Zeros());
            var b = Tf.GetVariable("b", new Shape(1), DType.Float64, Initializers.Zeros());
            var loss = Tf.Losses.MeanSquaredError(y, Tf.MatMul(x, w) + b);
            Tf.Train.Optimizer opt = which switch
            {
                "sgd" => new Tf.Train.GradientDescentOptimizer(0.5),
                "momentum" => new Tf.Train.MomentumOptimizer(0.1, 0.9),
                "adam" => new Tf.Train.AdamOptimizer(0.05),
                "rmsprop" => new Tf.Train.RmsPropOptimizer(0.01, momentum: 0.5),
                _ => new Tf.Train.AdagradOptimizer(0.5),
            };
            var train = opt.Minimize(loss);
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            double first = s.Run(loss).GetScalar<double>();
            for (int i = 0; i < 600; i++) s.Run(train);
            double last = s.Run(loss).GetScalar<double>();
            Assert.True(last < 1e-4 * first, $"{which}: loss {first} → {last}");
            TestUtil.AssertClose(trueW, s.Run(w), 2e-2);
            Assert.Equal(trueB, s.Run(b).GetDouble(0), 1);
        }
    }

    [Fact]
    public void Minimize_LstmThroughDynamicRnn_ReducesLoss()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            g.Seed = 3;
            var x = Tf.Constant(new NDArray(TestUtil.RandomFloats(4 * 5 * 3, 11), new Shape(4, 5, 3)));
            var target = Tf.Constant(new NDArray(TestUtil.RandomFloats(4 * 2, 12), new Shape(4, 2)));
            var cell = new LstmCell(2);
            var (_, state) = Tf.Nn.DynamicRnn(cell, x, sequenceLength: Tf.Constant(new NDArray(5, 3, 1, 4)), dtype: DType.Float32);
            var loss = Tf.Losses.MeanSquaredError(target, ((LstmStateTuple)state).H);
            var train = new Tf.Train.AdamOptimizer(0.05).Minimize(loss);
            Assert.Equal(2, g.TrainableVariables.Count);
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            double first = s.Run(loss).GetScalar<float>();
            for (int i = 0; i < 60; i++) s.Run(train);
            double last = s.Run(loss).GetScalar<float>();
            Assert.True(last < 0.5 * first, $"loss {first} → {last}");
        }
    }

    [Fact]
    public void Minimize_LossIndependentOfVariables_ThrowsNamingThem()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var w = Tf.GetVariable("w", new Shape(2), DType.Float64, Initializers.Ones());
            var c = Tf.Constant(new NDArray(1.0, 2.0));
            var e = Assert.Throws<ArgumentException>(() => new Tf.Train.AdamOptimizer().Minimize(Tf.ReduceSum(c * c)));
            Assert.Contains("no gradients", e.Message);
            Assert.Contains("w", e.Message);
            Assert.DoesNotContain(g.Variables, v => v.Name.Contains("Adam", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void ApplyGradients_BadArguments_Throw()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var w = Tf.GetVariable("w", new Shape(2), DType.Float64, Initializers.Ones());
            var step32 = Tf.GetVariable("f", new Shape(), DType.Float64, Initializers.Zeros(), trainable: false);
            var opt = new Tf.Train.GradientDescentOptimizer(0.1);
            Assert.Throws<ArgumentException>(() => opt.ApplyGradients(Array.Empty<(Tensor?, Variable)>()));
            Assert.Throws<ArgumentException>(() => opt.ApplyGradients(new (Tensor?, Variable)[] { (null, w) }));
            var wrongShape = Tf.Constant(new NDArray(1.0, 2.0, 3.0));
            Assert.Contains("shape", Assert.Throws<ArgumentException>(() => opt.ApplyGradients(new (Tensor?, Variable)[] { (wrongShape, w) })).Message);
            var wrongType = Tf.Constant(new NDArray(1f, 2f));
            Assert.Contains("dtype", Assert.Throws<ArgumentException>(() => opt.ApplyGradients(new (Tensor?, Variable)[] { (wrongType, w) })).Message);
            var good = Tf.Constant(new NDArray(1.0, 2.0));
            Assert.Throws<ArgumentException>(() => opt.ApplyGradients(new (Tensor?, Variable)[] { (good, w) }, globalStep: step32));
            var intVar = Tf.GetVariable("i", new Shape(2), DType.Int32, Initializers.Zeros());
            Assert.Throws<ArgumentException>(() => opt.ComputeGradients(Tf.ReduceSum(w), new[] { intVar }));
            Assert.Throws<ArgumentException>(() => opt.ComputeGradients(Tf.ReduceSum(Tf.Cast(w, DType.Int32))));
        }
    }

    [Fact]
    public void Constructors_BadHyperParameters_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Tf.Train.GradientDescentOptimizer(double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Tf.Train.AdamOptimizer(beta1: 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Tf.Train.AdamOptimizer(epsilon: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Tf.Train.RmsPropOptimizer(0.1, decay: 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Tf.Train.AdagradOptimizer(0.1, initialAccumulatorValue: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Tf.Train.MomentumOptimizer(0.1, double.PositiveInfinity));
        var g = new Graph();
        using (g.AsDefault())
        {
            Assert.Throws<ArgumentException>(() => new Tf.Train.AdamOptimizer(Tf.Constant(new NDArray(0.1, 0.2))));
            Assert.Throws<ArgumentException>(() => new Tf.Train.AdamOptimizer(Tf.Constant(1)));
        }
    }
}
