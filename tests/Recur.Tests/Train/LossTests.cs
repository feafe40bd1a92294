using Recur.Tests.Gradients;

namespace Recur.Tests.Train;

/// <summary>Loss values against hand computation, their gradients against float64 central differences, and errors.</summary>
public class LossTests
{
    private static double[] LogSoftmax(double[] x)
    {
        double max = x.Max();
        double lse = Math.Log(x.Sum(v => Math.Exp(v - max))) + max;
        return x.Select(v => v - lse).ToArray();
    }

    private static double[] Row(double[] flat, int r, int cols) => flat.Skip(r * cols).Take(cols).ToArray();

    [Fact]
    public void SoftmaxCrossEntropyWithLogits_Values_MatchHandComputation()
    {
        double[] logits = { 1, 2, 3, 0.5, -1, 2 };
        double[] labels = { 0, 0, 1, 0.2, 0.3, 0.5 };
        var expected = new double[2];
        for (int r = 0; r < 2; r++)
        {
            var ls = LogSoftmax(Row(logits, r, 3));
            expected[r] = -Enumerable.Range(0, 3).Sum(j => labels[r * 3 + j] * ls[j]);
        }
        // Row 0 by hand: log(e + e² + e³) − 3 = 0.40760596444.
        Assert.Equal(0.40760596444438, expected[0], 10);
        var y = TestUtil.Eval(() => Tf.Nn.SoftmaxCrossEntropyWithLogits(
            Tf.Constant(new NDArray(labels, new Shape(2, 3))), Tf.Constant(new NDArray(logits, new Shape(2, 3)))));
        TestUtil.AssertClose(expected, y, shape: new Shape(2));
    }

    [Fact]
    public void SoftmaxCrossEntropyWithLogits_Float32AndHigherRank_MatchFloat64()
    {
        var logits = TestUtil.RandomDoubles(2 * 3 * 5, 1, -3, 3);
        var labels = TestUtil.RandomDoubles(2 * 3 * 5, 2, 0, 1);
        var r64 = TestUtil.Eval(() => Tf.Nn.SoftmaxCrossEntropyWithLogits(
            Tf.Constant(new NDArray(labels, new Shape(2, 3, 5))), Tf.Constant(new NDArray(logits, new Shape(2, 3, 5)))));
        var r32 = TestUtil.Eval(() => Tf.Nn.SoftmaxCrossEntropyWithLogits(
            Tf.Constant(new NDArray(labels.Select(v => (float)v).ToArray(), new Shape(2, 3, 5))),
            Tf.Constant(new NDArray(logits.Select(v => (float)v).ToArray(), new Shape(2, 3, 5)))));
        Assert.Equal(new Shape(2, 3), r64.Shape);
        TestUtil.AssertClose(r64, r32, 1e-5);
    }

    [Fact]
    public void SoftmaxCrossEntropyWithLogits_Gradients_MatchFiniteDifferences()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var logits = Tf.Placeholder(DType.Float64, new Shape(3, 4), "logits");
            var labels = Tf.Placeholder(DType.Float64, new Shape(3, 4), "labels");
            var r = Tf.Constant(GradCheck.Rand(9, 3));
            var loss = Tf.ReduceSum(Tf.Nn.SoftmaxCrossEntropyWithLogits(labels, logits) * r);
            using var s = new Session(g);
            // Unnormalized labels on purpose: the backprop is softmax·Σlabels − labels.
            GradCheck.Placeholders(s, loss, new[] { (logits, GradCheck.Rand(1, 3, 4)), (labels, GradCheck.Rand(2, 3, 4)) });
        }
    }

    [Fact]
    public void SoftmaxCrossEntropyWithLogits_SecondOrder_MatchesFiniteDifferencesOfGradient()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var logits = Tf.Placeholder(DType.Float64, new Shape(2, 3), "logits");
            var labels = Tf.Placeholder(DType.Float64, new Shape(2, 3), "labels");
            // gradY instead of a weighted ReduceSum keeps the first gradient free of ops without second derivatives.
            var ce = Tf.Nn.SoftmaxCrossEntropyWithLogits(labels, logits);
            var dLogits = Tf.Gradients(ce, new[] { logits }, Tf.Constant(new NDArray(0.7, -1.3)))[0]!;
            var h = Tf.ReduceSum(dLogits * Tf.Constant(GradCheck.Rand(5, 2, 3)));
            using var s = new Session(g);
            GradCheck.Placeholders(s, h, new[] { (logits, GradCheck.Rand(3, 2, 3)), (labels, GradCheck.Rand(4, 2, 3)) });
        }
    }

    [Fact]
    public void SparseSoftmaxCrossEntropyWithLogits_Values_MatchHandComputation()
    {
        double[] logits = { 1, 2, 3, 0.5, -1, 2 };
        var expected = new[] { -LogSoftmax(Row(logits, 0, 3))[2], -LogSoftmax(Row(logits, 1, 3))[0] };
        foreach (var labels in new[] { new NDArray(2, 0), new NDArray(2L, 0L) })
        {
            var y = TestUtil.Eval(() => Tf.Nn.SparseSoftmaxCrossEntropyWithLogits(Tf.Constant(labels), Tf.Constant(new NDArray(logits, new Shape(2, 3)))));
            TestUtil.AssertClose(expected, y, shape: new Shape(2));
        }
    }

    [Fact]
    public void SparseSoftmaxCrossEntropyWithLogits_Gradient_MatchesFiniteDifferencesAndOneHotForm()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var logits = Tf.Placeholder(DType.Float64, new Shape(2, 3, 4), "logits");
            var labels = Tf.Constant(new NDArray(new[] { 0, 3, 1, 2, 2, 0 }, new Shape(2, 3)));
            var r = Tf.Constant(GradCheck.Rand(6, 2, 3));
            var sparse = Tf.ReduceSum(Tf.Nn.SparseSoftmaxCrossEntropyWithLogits(labels, logits) * r);
            var dense = Tf.ReduceSum(Tf.Nn.SoftmaxCrossEntropyWithLogits(Tf.OneHot(labels, 4, dtype: DType.Float64), logits) * r);
            var grads = Tf.Gradients(sparse, new[] { logits });
            var gradsDense = Tf.Gradients(dense, new[] { logits });
            Assert.Null(Tf.Gradients(sparse, new[] { labels })[0]);
            using var s = new Session(g);
            var value = GradCheck.Rand(1, 2, 3, 4);
            var feeds = new FeedDict { [logits] = value };
            TestUtil.AssertClose(s.Run(dense, feeds), s.Run(sparse, feeds));
            TestUtil.AssertClose(s.Run(gradsDense[0]!, feeds), s.Run(grads[0]!, feeds));
            GradCheck.Placeholders(s, sparse, new[] { (logits, value) });
            // Second order: the gradient of (d ce / d logits)·R, with the first gradient seeded by gradY = r.
            var first = Tf.Gradients(Tf.Nn.SparseSoftmaxCrossEntropyWithLogits(labels, logits), new[] { logits }, r)[0]!;
            var h = Tf.ReduceSum(first * Tf.Constant(GradCheck.Rand(8, 2, 3, 4)));
            GradCheck.Placeholders(s, h, new[] { (logits, value) });
        }
    }

    [Theory]
    [InlineData(3)]
    [InlineData(-1)]
    public void SparseSoftmaxCrossEntropyWithLogits_LabelOutOfRange_ThrowsAtRunTimeNamingValueAndRange(int bad)
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var labels = Tf.Placeholder(DType.Int64, new Shape(2), "labels");
            var loss = Tf.Nn.SparseSoftmaxCrossEntropyWithLogits(labels, Tf.Constant(new NDArray(new double[6], new Shape(2, 3))), name: "xent");
            using var s = new Session(g);
            var e = Assert.Throws<ArgumentException>(() => s.Run(loss, new FeedDict { [labels] = new NDArray(0L, bad) }));
            Assert.Contains("'xent'", e.Message);
            Assert.Contains($"label value of {bad}", e.Message);
            Assert.Contains("[0, 3)", e.Message);
        }
    }

    [Fact]
    public void SparseSoftmaxCrossEntropyWithLogits_BadBuildArguments_Throw()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var logits = Tf.Placeholder(DType.Float32, new Shape(2, 3));
            Assert.Throws<ArgumentException>(() => Tf.Nn.SparseSoftmaxCrossEntropyWithLogits(Tf.Placeholder(DType.Float32, new Shape(2)), logits));
            Assert.Throws<ArgumentException>(() => Tf.Nn.SparseSoftmaxCrossEntropyWithLogits(Tf.Placeholder(DType.Int32, new Shape(2, 3)), logits));
            Assert.Throws<ArgumentException>(() => Tf.Nn.SparseSoftmaxCrossEntropyWithLogits(Tf.Placeholder(DType.Int32, new Shape(3)), logits));
            Assert.Throws<ArgumentException>(() => Tf.Nn.SoftmaxCrossEntropyWithLogits(Tf.Placeholder(DType.Float32, new Shape(2, 4)), logits));
            Assert.Throws<ArgumentException>(() => Tf.Nn.SoftmaxCrossEntropyWithLogits(Tf.Placeholder(DType.Float64, new Shape(2, 3)), logits));
            Assert.Throws<ArgumentException>(() => Tf.Nn.SigmoidCrossEntropyWithLogits(Tf.Placeholder(DType.Float32, new Shape(3, 2)), logits));
        }
    }

    [Fact]
    public void SigmoidCrossEntropyWithLogits_Values_MatchNaiveFormulaAndStayStable()
    {
        double[] x = { -100, -1, 0, 0.5, 3, 100 };
        double[] z = { 1, 0, 0.5, 1, 0.25, 0 };
        var expected = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            double sig = 1 / (1 + Math.Exp(-x[i]));
            expected[i] = Math.Abs(x[i]) == 100 ? 100 : -z[i] * Math.Log(sig) - (1 - z[i]) * Math.Log(1 - sig);
        }
        var y = TestUtil.Eval(() => Tf.Nn.SigmoidCrossEntropyWithLogits(Tf.Constant(new NDArray(z)), Tf.Constant(new NDArray(x))));
        TestUtil.AssertClose(expected, y);
        var y32 = TestUtil.Eval(() => Tf.Nn.SigmoidCrossEntropyWithLogits(
            Tf.Constant(new NDArray(z.Select(v => (float)v).ToArray())), Tf.Constant(new NDArray(x.Select(v => (float)v).ToArray()))));
        TestUtil.AssertClose(expected, y32, 1e-5);
    }

    [Fact]
    public void SigmoidCrossEntropyWithLogits_Gradients_MatchFiniteDifferencesIncludingZero()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float64, new Shape(5), "x");
            var z = Tf.Placeholder(DType.Float64, new Shape(5), "z");
            var loss = Tf.ReduceSum(Tf.Nn.SigmoidCrossEntropyWithLogits(z, x) * Tf.Constant(GradCheck.Rand(3, 5)));
            using var s = new Session(g);
            GradCheck.Placeholders(s, loss, new[] { (x, new NDArray(-2.0, 0.0, 0.3, 1.5, 4.0)), (z, GradCheck.Rand(2, 5)) });
        }
    }

    [Fact]
    public void MeanSquaredError_WeightsAndReductions_MatchHandComputation()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var labels = Tf.Constant(new double[,] { { 1, 2 }, { 3, 4 } });
            var pred = Tf.Constant(new double[,] { { 1.5, 2 }, { 2, 5 } });
            var w = Tf.Constant(new double[,] { { 1, 0 }, { 2, 1 } });
            var wRows = Tf.Constant(new double[,] { { 1 }, { 0 } });
            var wZero = Tf.Constant(0.0);
            // Squared errors 0.25, 0, 1, 1; weighted 0.25, 0, 2, 1 (sum 3.25, three non-zero weights, weight sum 4).
            var cases = new (Tensor Loss, double[] Expected)[]
            {
                (Tf.Losses.MeanSquaredError(labels, pred), new[] { 2.25 / 4 }),
                (Tf.Losses.MeanSquaredError(labels, pred, w), new[] { 3.25 / 3 }),
                (Tf.Losses.MeanSquaredError(labels, pred, w, Tf.Losses.Reduction.Sum), new[] { 3.25 }),
                (Tf.Losses.MeanSquaredError(labels, pred, w, Tf.Losses.Reduction.Mean), new[] { 3.25 / 4 }),
                (Tf.Losses.MeanSquaredError(labels, pred, w, Tf.Losses.Reduction.SumOverBatchSize), new[] { 3.25 / 4 }),
                (Tf.Losses.MeanSquaredError(labels, pred, w, Tf.Losses.Reduction.None), new[] { 0.25, 0, 2, 1 }),
                (Tf.Losses.MeanSquaredError(labels, pred, wRows), new[] { 0.25 / 2 }),
                (Tf.Losses.MeanSquaredError(labels, pred, wZero), new[] { 0.0 }),
                (Tf.Losses.AbsoluteDifference(labels, pred, w), new[] { (0.5 + 2 + 1) / 3 }),
            };
            using var s = new Session(g);
            foreach (var (loss, expected) in cases) TestUtil.AssertClose(expected, s.Run(loss));
            Assert.Throws<ArgumentException>(() => Tf.Losses.MeanSquaredError(labels, Tf.Constant(new NDArray(1.0, 2.0))));
            Assert.Throws<ArgumentException>(() => Tf.Losses.MeanSquaredError(labels, pred, Tf.Constant(new NDArray(1.0, 2.0, 3.0))));
        }
    }

    [Fact]
    public void MeanSquaredError_Gradient_MatchesFiniteDifferences()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var pred = Tf.Placeholder(DType.Float64, new Shape(2, 3), "pred");
            var loss = Tf.Losses.MeanSquaredError(Tf.Constant(GradCheck.Rand(1, 2, 3)), pred, Tf.Constant(new double[,] { { 1 }, { 2 } }));
            using var s = new Session(g);
            GradCheck.Placeholders(s, loss, new[] { (pred, GradCheck.Rand(2, 2, 3)) });
        }
    }

    [Fact]
    public void LossesSoftmaxCrossEntropy_LabelSmoothing_StopsLabelGradient()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            double[] logits = { 1, 2, 3, 0.5, -1, 2 };
            double[] onehot = { 0, 0, 1, 1, 0, 0 };
            var labels = Tf.Constant(new NDArray(onehot, new Shape(2, 3)));
            var x = Tf.Constant(new NDArray(logits, new Shape(2, 3)));
            var loss = Tf.Losses.SoftmaxCrossEntropy(labels, x, labelSmoothing: 0.3);
            Assert.Null(Tf.Gradients(loss, new[] { labels })[0]);
            double total = 0;
            for (int r = 0; r < 2; r++)
            {
                var ls = LogSoftmax(Row(logits, r, 3));
                for (int j = 0; j < 3; j++) total -= (onehot[r * 3 + j] * 0.7 + 0.1) * ls[j];
            }
            using var s = new Session(g);
            Assert.Equal(total / 2, s.Run(loss).GetScalar<double>(), 12);
        }
    }

    [Fact]
    public void LossesSparseAndSigmoid_WithWeightsAndSmoothing_MatchHandComputation()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            double[] logits = { 1, 2, 3, 0.5, -1, 2 };
            var x = Tf.Constant(new NDArray(logits, new Shape(2, 3)));
            var sparse = Tf.Losses.SparseSoftmaxCrossEntropy(Tf.Constant(new NDArray(2, 1)), x, Tf.Constant(new NDArray(2.0, 0.0)));
            double[] z = { 1, 0, 1, 0, 0, 1 };
            var sigmoid = Tf.Losses.SigmoidCrossEntropy(Tf.Constant(new NDArray(z, new Shape(2, 3))), x, labelSmoothing: 0.2);
            double sig = 0;
            for (int i = 0; i < 6; i++)
            {
                double zs = z[i] * 0.8 + 0.1, p = 1 / (1 + Math.Exp(-logits[i]));
                sig += -zs * Math.Log(p) - (1 - zs) * Math.Log(1 - p);
            }
            using var s = new Session(g);
            Assert.Equal(-2 * LogSoftmax(Row(logits, 0, 3))[2], s.Run(sparse).GetScalar<double>(), 12);
            Assert.Equal(sig / 6, s.Run(sigmoid).GetScalar<double>(), 12);
        }
    }

    private static (double[] Logits, int[] Targets, double[] Ce) SequenceData()
    {
        var logits = TestUtil.RandomDoubles(2 * 3 * 4, 21, -2, 2);
        int[] targets = { 1, 3, 0, 2, 2, 1 };
        var ce = new double[6];
        for (int p = 0; p < 6; p++) ce[p] = -LogSoftmax(Row(logits, p, 4))[targets[p]];
        return (logits, targets, ce);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(false, false)]
    public void SequenceLoss_MaskedAverages_MatchHandComputation(bool acrossTime, bool acrossBatch)
    {
        var (logits, targets, ce) = SequenceData();
        double[] mask = { 1, 1, 1, 1, 0, 0 };   // lengths 3 and 1
        double[] expected = (acrossTime, acrossBatch) switch
        {
            (true, true) => new[] { (ce[0] + ce[1] + ce[2] + ce[3]) / (4 + 1e-12) },
            (true, false) => new[] { (ce[0] + ce[1] + ce[2]) / (3 + 1e-12), ce[3] / (1 + 1e-12) },
            (false, true) => new[] { (ce[0] + ce[3]) / (2 + 1e-12), ce[1] / (1 + 1e-12), ce[2] / (1 + 1e-12) },
            _ => new[] { ce[0], ce[1], ce[2], ce[3], 0, 0 },
        };
        var y = TestUtil.Eval(() =>
        {
            var w = Tf.SequenceMask(Tf.Constant(new NDArray(3, 1)), 3, DType.Float64);
            return Tf.Losses.SequenceLoss(Tf.Constant(new NDArray(logits, new Shape(2, 3, 4))), Tf.Constant(new NDArray(targets, new Shape(2, 3))), w,
                acrossTime, acrossBatch);
        });
        TestUtil.AssertClose(expected, y);
        TestUtil.AssertClose(mask.Zip(ce, (m, c) => m * c).ToArray(), TestUtil.Eval(() =>
            Tf.Losses.SequenceLoss(Tf.Constant(new NDArray(logits, new Shape(2, 3, 4))), Tf.Constant(new NDArray(targets, new Shape(2, 3))),
                Tf.Constant(new NDArray(mask, new Shape(2, 3))), false, false)));
    }

    [Fact]
    public void SequenceLoss_Gradient_MatchesFiniteDifferencesAndIsZeroAtPaddedSteps()
    {
        var (logits, targets, _) = SequenceData();
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float64, new Shape(2, 3, 4), "logits");
            var mask = Tf.SequenceMask(Tf.Constant(new NDArray(3, 1)), 3, DType.Float32);   // cast to Float64 inside
            var loss = Tf.Losses.SequenceLoss(x, Tf.Constant(new NDArray(targets, new Shape(2, 3))), mask);
            var grad = Tf.Gradients(loss, new[] { x })[0]!;
            using var s = new Session(g);
            var value = new NDArray(logits, new Shape(2, 3, 4));
            GradCheck.Placeholders(s, loss, new[] { (x, value) });
            var gv = s.Run(grad, new FeedDict { [x] = value }).ToArray<double>();
            Assert.All(gv.Skip(16), v => Assert.Equal(0.0, v));   // row 1, steps 1 and 2
        }
    }

    [Fact]
    public void SequenceLoss_WrongRanks_ThrowNamingLayout()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var logits = Tf.Placeholder(DType.Float32, new Shape(2, 3, 4));
            var targets = Tf.Placeholder(DType.Int32, new Shape(2, 3));
            var w = Tf.Placeholder(DType.Float32, new Shape(2, 3));
            Assert.Contains("(batch, time, classes)", Assert.Throws<ArgumentException>(() =>
                Tf.Losses.SequenceLoss(Tf.Placeholder(DType.Float32, new Shape(6, 4)), targets, w)).Message);
            Assert.Throws<ArgumentException>(() => Tf.Losses.SequenceLoss(logits, Tf.Placeholder(DType.Int32, new Shape(6)), w));
            Assert.Throws<ArgumentException>(() => Tf.Losses.SequenceLoss(logits, targets, Tf.Placeholder(DType.Float32, new Shape(3, 2))));
        }
    }

    [Fact]
    public void SequenceMask_Values_MatchDefinition()
    {
        var m = TestUtil.Eval(() => Tf.SequenceMask(Tf.Constant(new NDArray(1, 3, 0)), 4, DType.Float32));
        TestUtil.AssertClose(new double[] { 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0 }, m, shape: new Shape(3, 4));
        var b = TestUtil.Eval(() => Tf.SequenceMask(Tf.Constant(new NDArray(2L, 1L))));
        Assert.Equal(DType.Bool, b.DType);
        Assert.Equal(new[] { true, true, true, false }, b.ToArray<bool>());
        var t = TestUtil.Eval(() => Tf.SequenceMask(Tf.Constant(new NDArray(new long[] { 1, 2, 0, 3 }, new Shape(2, 2))), Tf.Constant(3), DType.Int32));
        Assert.Equal(new Shape(2, 2, 3), t.Shape);
        Assert.Equal(new[] { 1, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 1 }, t.ToArray<int>());
        Assert.Throws<ArgumentException>(() => TestUtil.Eval(() => Tf.SequenceMask(Tf.Constant(new NDArray(1.0)))));
    }
}
