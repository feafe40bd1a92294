namespace Recur.Keras.Tests;

public class BackendRnnTests
{
    private const double Tol64 = 1e-12;

    private static double[] Rand(int n, int seed, double lo = -1, double hi = 1)
    {
        var r = new Random(seed);
        var d = new double[n];
        for (int i = 0; i < n; i++) d[i] = lo + (hi - lo) * r.NextDouble();
        return d;
    }

    private static void AssertClose(double[] expected, NDArray actual, double tol = Tol64, Shape? shape = null)
    {
        if (shape is { } s) Assert.Equal(s, actual.Shape);
        Assert.Equal(expected.Length, actual.Size);
        for (int i = 0; i < expected.Length; i++)
        {
            double a = actual.GetDouble(i);
            Assert.True(Math.Abs(a - expected[i]) <= tol * (1 + Math.Abs(expected[i])), $"element {i}: expected {expected[i]}, got {a}");
        }
    }

    private static (Tensor Output, IReadOnlyList<Tensor> NewStates) Identity(Tensor x, IReadOnlyList<Tensor> states) =>
        (x, states.Select(s => s + 1.0).ToArray());

    // ------------------------------------------------------------------ B10

    /// <summary>
    /// B10 (tf.keras backend_test.test_rnn_output_and_state_masking_independent): the step returns its input and adds 1
    /// to each state; the last 2 of 4 steps of sample 1 are masked.
    /// </summary>
    [Theory]
    [InlineData(2, false)]
    [InlineData(2, true)]
    [InlineData(5, false)]
    [InlineData(5, true)]
    public void Rnn_B10SecondSampleLastStepsMasked_OutputsRepeatLastUnmaskedAndStateDoesNotAdvance(int size, bool unroll)
    {
        const int numSamples = 2, numTimesteps = 4, maskLast = 2;
        var inputsVals = Rand(numSamples * numTimesteps * size, 1);
        var initialStateVals = Rand(numSamples * size, 2);
        var maskVals = new bool[numSamples * numTimesteps];
        for (int i = 0; i < maskVals.Length; i++) maskVals[i] = true;
        for (int t = numTimesteps - maskLast; t < numTimesteps; t++) maskVals[numTimesteps + t] = false;

        var expectedOutputs = (double[])inputsVals.Clone();
        for (int t = numTimesteps - maskLast; t < numTimesteps; t++)
            for (int f = 0; f < size; f++)
                expectedOutputs[(numTimesteps + t) * size + f] = inputsVals[(numTimesteps + numTimesteps - maskLast - 1) * size + f];
        var expectedLastState = (double[])initialStateVals.Clone();
        for (int f = 0; f < size; f++)
        {
            expectedLastState[f] += numTimesteps;
            expectedLastState[size + f] += numTimesteps - maskLast;
        }
        var expectedLastOutput = new double[numSamples * size];
        for (int b = 0; b < numSamples; b++)
            Array.Copy(expectedOutputs, (b * numTimesteps + numTimesteps - 1) * size, expectedLastOutput, b * size, size);

        var g = new Graph();
        using (g.AsDefault())
        {
            var inputs = Tf.Constant(new NDArray(inputsVals, new Shape(numSamples, numTimesteps, size)));
            var state = Tf.Constant(new NDArray(initialStateVals, new Shape(numSamples, size)));
            var mask = Tf.Constant(new NDArray(maskVals, new Shape(numSamples, numTimesteps)));
            var (last, outputs, states) = Backend.Rnn(Identity, inputs, new[] { state }, mask: mask, unroll: unroll);
            Assert.Single(states);
            using var s = new Session(g);
            var r = s.Run(new[] { last, outputs, states[0] });
            AssertClose(expectedLastOutput, r[0], shape: new Shape(numSamples, size));
            AssertClose(expectedOutputs, r[1], shape: new Shape(numSamples, numTimesteps, size));
            AssertClose(expectedLastState, r[2], shape: new Shape(numSamples, size));
        }
    }

    // ------------------------------------------------------------------ reference and equivalence

    private const int B = 3, T = 5, D = 4, H = 3;

    /// <summary>Mask with holes: row 0 full, row 1 leading and interior gaps, row 2 trailing padding.</summary>
    private static readonly bool[] HoleMask =
    {
        true, true, true, true, true,
        false, true, false, true, true,
        true, true, true, false, false,
    };

    /// <summary>A simple RNN step h' = tanh(x·W + h·U + bias) with W, U, bias passed as constants; output = 2·h'.</summary>
    private static (Tensor Output, IReadOnlyList<Tensor> NewStates) TanhStep(Tensor x, IReadOnlyList<Tensor> statesAndConstants)
    {
        Assert.Equal(4, statesAndConstants.Count);
        var (h, w, u, bias) = (statesAndConstants[0], statesAndConstants[1], statesAndConstants[2], statesAndConstants[3]);
        var hNew = Tf.Tanh(Tf.MatMul(x, w) + Tf.MatMul(h, u) + bias);
        return (hNew * 2.0, new[] { hNew });
    }

    /// <summary>The Keras algorithm in plain loops: the oracle (batch-major arrays).</summary>
    private static (double[] Last, double[] Outputs, double[] State) Reference(double[] x, double[] h0, double[] w, double[] u, double[] bias,
        bool[]? mask, bool goBackwards, bool zeroOutputForMask)
    {
        var h = (double[])h0.Clone();
        var outputs = new double[B * T * H];
        var prev = new double[B * H];
        for (int k = 0; k < T; k++)
        {
            int t = goBackwards ? T - 1 - k : k;
            var hNew = new double[B * H];
            for (int b = 0; b < B; b++)
                for (int j = 0; j < H; j++)
                {
                    double acc = bias[j];
                    for (int i = 0; i < D; i++) acc += x[(b * T + t) * D + i] * w[i * H + j];
                    for (int i = 0; i < H; i++) acc += h[b * H + i] * u[i * H + j];
                    hNew[b * H + j] = Math.Tanh(acc);
                }
            for (int b = 0; b < B; b++)
            {
                bool keep = mask is null || mask[b * T + t];
                for (int j = 0; j < H; j++)
                {
                    double o = keep ? 2 * hNew[b * H + j] : zeroOutputForMask ? 0 : prev[b * H + j];
                    outputs[(b * T + k) * H + j] = o;
                    prev[b * H + j] = o;
                    if (keep) h[b * H + j] = hNew[b * H + j];
                }
            }
        }
        return (prev, outputs, h);
    }

    private sealed record Data(double[] X, double[] H0, double[] W, double[] U, double[] Bias);

    private static Data MakeData(int seed) =>
        new(Rand(B * T * D, seed), Rand(B * H, seed + 1), Rand(D * H, seed + 2, -0.7, 0.7), Rand(H * H, seed + 3, -0.7, 0.7), Rand(H, seed + 4, -0.3, 0.3));

    private static NDArray[] RunTanh(Data d, bool unroll, bool goBackwards, bool masked, bool zeroOutputForMask, bool timeMajor = false, bool unknownTime = false)
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var xValue = new NDArray(d.X, new Shape(B, T, D));
            var x = Tf.Placeholder(DType.Float64, new Shape(B, unknownTime ? -1 : T, D), name: "x");
            var xIn = timeMajor ? Tf.Transpose(x, new[] { 1, 0, 2 }) : x;
            var h0 = Tf.Constant(new NDArray(d.H0, new Shape(B, H)));
            var consts = new[] { Tf.Constant(new NDArray(d.W, new Shape(D, H))), Tf.Constant(new NDArray(d.U, new Shape(H, H))), Tf.Constant(new NDArray(d.Bias, new Shape(H))) };
            Tensor? mask = null;
            if (masked)
            {
                mask = Tf.Constant(new NDArray(HoleMask, new Shape(B, T)));
                if (timeMajor) mask = Tf.Transpose(mask, new[] { 1, 0 });
            }
            var (last, outputs, states) = Backend.Rnn(TanhStep, xIn, new[] { h0 }, goBackwards, mask, consts, unroll,
                timeMajor: timeMajor, zeroOutputForMask: zeroOutputForMask);
            if (timeMajor) outputs = Tf.Transpose(outputs, new[] { 1, 0, 2 });
            using var s = new Session(g);
            return s.Run(new[] { last, outputs, states[0] }, new FeedDict { [x] = xValue });
        }
    }

    public static IEnumerable<object[]> Variants()
    {
        foreach (bool goBackwards in new[] { false, true })
        {
            yield return new object[] { goBackwards, false, false };
            yield return new object[] { goBackwards, true, false };
            yield return new object[] { goBackwards, true, true };
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Rnn_WhileLoop_MatchesPlainLoopReference(bool goBackwards, bool masked, bool zeroOutputForMask)
    {
        var d = MakeData(10);
        var (last, outputs, state) = Reference(d.X, d.H0, d.W, d.U, d.Bias, masked ? HoleMask : null, goBackwards, zeroOutputForMask);
        var r = RunTanh(d, unroll: false, goBackwards, masked, zeroOutputForMask);
        AssertClose(last, r[0], shape: new Shape(B, H));
        AssertClose(outputs, r[1], shape: new Shape(B, T, H));
        AssertClose(state, r[2], shape: new Shape(B, H));
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Rnn_Unroll_EqualsWhileLoop(bool goBackwards, bool masked, bool zeroOutputForMask)
    {
        var d = MakeData(20);
        var a = RunTanh(d, unroll: true, goBackwards, masked, zeroOutputForMask);
        var b = RunTanh(d, unroll: false, goBackwards, masked, zeroOutputForMask);
        for (int i = 0; i < a.Length; i++)
        {
            Assert.Equal(a[i].Shape, b[i].Shape);
            AssertClose(a[i].ToArray<double>(), b[i], 1e-14);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Rnn_TimeMajor_MatchesBatchMajor(bool unroll)
    {
        var d = MakeData(30);
        var a = RunTanh(d, unroll, goBackwards: true, masked: true, zeroOutputForMask: false, timeMajor: true);
        var b = RunTanh(d, unroll, goBackwards: true, masked: true, zeroOutputForMask: false);
        for (int i = 0; i < a.Length; i++) AssertClose(b[i].ToArray<double>(), a[i], 1e-14);
    }

    [Fact]
    public void Rnn_UnknownTimeDimension_WhileLoopRunsFedLength()
    {
        var d = MakeData(40);
        var (last, outputs, state) = Reference(d.X, d.H0, d.W, d.U, d.Bias, HoleMask, goBackwards: false, zeroOutputForMask: false);
        var r = RunTanh(d, unroll: false, goBackwards: false, masked: true, zeroOutputForMask: false, unknownTime: true);
        AssertClose(last, r[0]);
        AssertClose(outputs, r[1], shape: new Shape(B, T, H));
        AssertClose(state, r[2]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Rnn_IntMaskAndInputLength_SameAsBoolMask(bool unroll)
    {
        var x = new double[] { 1, 2, 3, 4, 5, 6, 7, 8 };   // (2, 4, 1)
        var g = new Graph();
        using (g.AsDefault())
        {
            var inputs = Tf.Constant(new NDArray(x, new Shape(2, 4, 1)));
            var s0 = Tf.Constant(new NDArray(new double[] { 100, 200 }, new Shape(2, 1)));
            var mask = Tf.Constant(new NDArray(new[] { 0, 1, 0, 3, 1, 1, 0, 0 }, new Shape(2, 4)));
            var (last, outputs, states) = Backend.Rnn(Identity, inputs, new[] { s0 }, mask: mask, unroll: unroll, inputLength: 4);
            using var s = new Session(g);
            var r = s.Run(new[] { last, outputs, states[0] });
            AssertClose(new double[] { 0, 2, 2, 4, 5, 6, 6, 6 }, r[1], shape: new Shape(2, 4, 1));
            AssertClose(new double[] { 4, 6 }, r[0]);
            AssertClose(new double[] { 102, 202 }, r[2]);
        }
    }

    // ------------------------------------------------------------------ goBackwards, zeroOutputForMask, constants

    /// <summary>A running sum: state += x, output = state. Backwards, outputs[:, k] = x[:, T−1] + … + x[:, T−1−k].</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Rnn_GoBackwards_ProcessesLastStepFirstAndKeepsProcessingOrder(bool unroll)
    {
        var x = new double[] { 1, 2, 3, 4, 10, 20, 30, 40 };   // (2, 4, 1)
        var g = new Graph();
        using (g.AsDefault())
        {
            var inputs = Tf.Constant(new NDArray(x, new Shape(2, 4, 1)));
            var s0 = Tf.Zeros(new Shape(2, 1), DType.Float64);
            var (last, outputs, states) = Backend.Rnn((xt, s) => (s[0] + xt, new[] { s[0] + xt }), inputs, new[] { s0 }, goBackwards: true, unroll: unroll);
            using var s = new Session(g);
            var r = s.Run(new[] { last, outputs, states[0] });
            AssertClose(new double[] { 10, 100 }, r[0], shape: new Shape(2, 1));
            AssertClose(new double[] { 4, 7, 9, 10, 40, 70, 90, 100 }, r[1], shape: new Shape(2, 4, 1));
            AssertClose(new double[] { 10, 100 }, r[2]);
        }
    }

    /// <summary>Identity step with mask [F, T, F, T] / [T, T, F, F]: default repeats the previous output (zeros first); zeroOutputForMask gives zeros.</summary>
    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void Rnn_MaskedSteps_RepeatPreviousOutputOrZeros(bool zeroOutputForMask, bool unroll)
    {
        var x = new double[] { 1, 2, 3, 4, 5, 6, 7, 8 };   // (2, 4, 1)
        var mask = new[] { false, true, false, true, true, true, false, false };
        var g = new Graph();
        using (g.AsDefault())
        {
            var inputs = Tf.Constant(new NDArray(x, new Shape(2, 4, 1)));
            var s0 = Tf.Constant(new NDArray(new double[] { 100, 200 }, new Shape(2, 1)));
            var (last, outputs, states) = Backend.Rnn(Identity, inputs, new[] { s0 }, mask: Tf.Constant(new NDArray(mask, new Shape(2, 4))),
                unroll: unroll, zeroOutputForMask: zeroOutputForMask);
            using var s = new Session(g);
            var r = s.Run(new[] { last, outputs, states[0] });
            var expected = zeroOutputForMask
                ? new double[] { 0, 2, 0, 4, 5, 6, 0, 0 }
                : new double[] { 0, 2, 2, 4, 5, 6, 6, 6 };
            AssertClose(expected, r[1], shape: new Shape(2, 4, 1));
            AssertClose(new[] { expected[3], expected[7] }, r[0]);
            AssertClose(new double[] { 102, 202 }, r[2]);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Rnn_Constants_PassedToStepAfterStatesAndNotCarried(bool unroll)
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var inputs = Tf.Constant(new NDArray(new double[] { 1, 2, 3, 4, 5, 6 }, new Shape(2, 3, 1)));
            var s0 = Tf.Zeros(new Shape(2, 1), DType.Float64);
            var s1 = Tf.Ones(new Shape(2, 1), DType.Float64);
            var c0 = Tf.Constant(10.0);
            var c1 = Tf.Constant(new NDArray(new double[] { 1, -1 }, new Shape(2, 1)));
            var seen = new List<int>();
            var (last, outputs, states) = Backend.Rnn((xt, s) =>
            {
                seen.Add(s.Count);
                // states: running sum, running product; constants: scale and per-row sign
                return (xt * s[2] * s[3], new[] { s[0] + xt, s[1] * xt });
            }, inputs, new[] { s0, s1 }, constants: new[] { c0, c1 }, unroll: unroll);
            Assert.All(seen, n => Assert.Equal(4, n));
            Assert.Equal(2, states.Count);
            using var s = new Session(g);
            var r = s.Run(new[] { last, outputs, states[0], states[1] });
            AssertClose(new double[] { 10, 20, 30, -40, -50, -60 }, r[1], shape: new Shape(2, 3, 1));
            AssertClose(new double[] { 30, -60 }, r[0]);
            AssertClose(new double[] { 6, 15 }, r[2]);
            AssertClose(new double[] { 6, 120 }, r[3]);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Rnn_ReturnAllOutputsFalse_OutputsHoldOnlyLastStep(bool unroll)
    {
        var d = MakeData(50);
        var full = RunTanh(d, unroll, goBackwards: false, masked: true, zeroOutputForMask: false);
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Constant(new NDArray(d.X, new Shape(B, T, D)));
            var h0 = Tf.Constant(new NDArray(d.H0, new Shape(B, H)));
            var consts = new[] { Tf.Constant(new NDArray(d.W, new Shape(D, H))), Tf.Constant(new NDArray(d.U, new Shape(H, H))), Tf.Constant(new NDArray(d.Bias, new Shape(H))) };
            var (last, outputs, states) = Backend.Rnn(TanhStep, x, new[] { h0 }, mask: Tf.Constant(new NDArray(HoleMask, new Shape(B, T))),
                constants: consts, unroll: unroll, returnAllOutputs: false);
            Assert.Equal(new Shape(B, 1, H), outputs.Shape);
            using var s = new Session(g);
            var r = s.Run(new[] { last, outputs, states[0] });
            AssertClose(full[0].ToArray<double>(), r[0]);
            AssertClose(full[0].ToArray<double>(), r[1], shape: new Shape(B, 1, H));
            AssertClose(full[2].ToArray<double>(), r[2]);
        }
    }

    // ------------------------------------------------------------------ gradients

    /// <summary>Gradients w.r.t. inputs, initial state and constants match float64 central differences.</summary>
    [Theory]
    [InlineData(false, false, false)]
    [InlineData(false, true, false)]
    [InlineData(true, true, false)]
    [InlineData(false, true, true)]
    [InlineData(true, true, true)]
    public void Rnn_Gradients_MatchFiniteDifferences(bool unroll, bool goBackwards, bool zeroOutputForMask)
    {
        var d = MakeData(60);
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float64, new Shape(B, T, D), name: "x");
            var h0 = Tf.Placeholder(DType.Float64, new Shape(B, H), name: "h0");
            var w = Tf.Placeholder(DType.Float64, new Shape(D, H), name: "w");
            var u = Tf.Placeholder(DType.Float64, new Shape(H, H), name: "u");
            var bias = Tf.Placeholder(DType.Float64, new Shape(H), name: "bias");
            var (last, outputs, states) = Backend.Rnn(TanhStep, x, new[] { h0 }, goBackwards,
                Tf.Constant(new NDArray(HoleMask, new Shape(B, T))), new[] { w, u, bias }, unroll, zeroOutputForMask: zeroOutputForMask);
            var r1 = Tf.Constant(new NDArray(Rand(B * T * H, 61), new Shape(B, T, H)));
            var r2 = Tf.Constant(new NDArray(Rand(B * H, 62), new Shape(B, H)));
            var loss = Tf.ReduceSum(outputs * r1) + Tf.ReduceSum(last * r2) + Tf.ReduceSum(states[0] * states[0]);
            var xs = new[] { x, h0, w, u, bias };
            var values = new[]
            {
                new NDArray(d.X, new Shape(B, T, D)), new NDArray(d.H0, new Shape(B, H)), new NDArray(d.W, new Shape(D, H)),
                new NDArray(d.U, new Shape(H, H)), new NDArray(d.Bias, new Shape(H)),
            };
            var grads = Tf.Gradients(loss, xs);
            using var s = new Session(g);
            FeedDict Feeds(int changed, double[]? value)
            {
                var f = new FeedDict();
                for (int i = 0; i < xs.Length; i++) f[xs[i]] = i == changed ? new NDArray(value!, values[i].Shape) : values[i];
                return f;
            }
            var analytic = s.Run(grads.Select(t => t ?? throw new InvalidOperationException("unconnected gradient")).ToList(), Feeds(-1, null));
            const double eps = 1e-6;
            for (int i = 0; i < xs.Length; i++)
            {
                var v = values[i].ToArray<double>();
                var a = analytic[i].ToArray<double>();
                Assert.Equal(v.Length, a.Length);
                for (int k = 0; k < v.Length; k++)
                {
                    var plus = (double[])v.Clone();
                    plus[k] += eps;
                    var minus = (double[])v.Clone();
                    minus[k] -= eps;
                    double numeric = (s.Run(loss, Feeds(i, plus)).GetScalar<double>() - s.Run(loss, Feeds(i, minus)).GetScalar<double>()) / (2 * eps);
                    Assert.True(Math.Abs(numeric - a[k]) <= 1e-6 * (1 + Math.Abs(numeric)), $"d loss / d {xs[i].Name}[{k}]: analytic {a[k]}, numeric {numeric}");
                }
            }
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Rnn_MaskedInputs_GetNoGradientAtMaskedSteps(bool unroll)
    {
        var d = MakeData(70);
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Constant(new NDArray(d.X, new Shape(B, T, D)));
            var h0 = Tf.Constant(new NDArray(d.H0, new Shape(B, H)));
            var consts = new[] { Tf.Constant(new NDArray(d.W, new Shape(D, H))), Tf.Constant(new NDArray(d.U, new Shape(H, H))), Tf.Constant(new NDArray(d.Bias, new Shape(H))) };
            var (_, outputs, states) = Backend.Rnn(TanhStep, x, new[] { h0 }, mask: Tf.Constant(new NDArray(HoleMask, new Shape(B, T))), constants: consts, unroll: unroll);
            var gx = Tf.Gradients(Tf.ReduceSum(outputs) + Tf.ReduceSum(states[0]), new[] { x })[0]!;
            using var s = new Session(g);
            var r = s.Run(gx).ToArray<double>();
            for (int b = 0; b < B; b++)
                for (int t = 0; t < T; t++)
                    for (int i = 0; i < D; i++)
                    {
                        if (!HoleMask[b * T + t]) Assert.Equal(0.0, r[(b * T + t) * D + i]);
                    }
        }
    }

    // ------------------------------------------------------------------ errors

    [Fact]
    public void Rnn_InputsOfRank2_ThrowsArgumentException()
    {
        using (new Graph().AsDefault())
        {
            var ex = Assert.Throws<ArgumentException>(() => Backend.Rnn(Identity, Tf.Zeros(new Shape(2, 3), DType.Float64), Array.Empty<Tensor>()));
            Assert.Contains("rank at least 3", ex.Message, StringComparison.Ordinal);
            Assert.Contains("(2, 3)", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Rnn_UnrollWithUnknownTime_ThrowsArgumentException()
    {
        using (new Graph().AsDefault())
        {
            var x = Tf.Placeholder(DType.Float64, new Shape(2, -1, 3));
            var ex = Assert.Throws<ArgumentException>(() => Backend.Rnn(Identity, x, Array.Empty<Tensor>(), unroll: true));
            Assert.Contains("Unrolling requires a fixed number of timesteps", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Rnn_MaskOfWrongShape_ThrowsArgumentException()
    {
        using (new Graph().AsDefault())
        {
            var x = Tf.Zeros(new Shape(2, 4, 3), DType.Float64);
            var ex = Assert.Throws<ArgumentException>(() => Backend.Rnn(Identity, x, Array.Empty<Tensor>(), mask: Tf.Zeros(new Shape(4, 2), DType.Bool)));
            Assert.Contains("(2, 4)", ex.Message, StringComparison.Ordinal);
            Assert.Throws<ArgumentException>(() => Backend.Rnn(Identity, x, Array.Empty<Tensor>(), mask: Tf.Zeros(new Shape(2, 4, 1), DType.Bool)));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Rnn_StepReturnsWrongStateCount_ThrowsArgumentException(bool unroll)
    {
        using (new Graph().AsDefault())
        {
            var x = Tf.Zeros(new Shape(2, 4, 3), DType.Float64);
            var s0 = Tf.Zeros(new Shape(2, 3), DType.Float64);
            var ex = Assert.Throws<ArgumentException>(() => Backend.Rnn((xt, s) => (xt, Array.Empty<Tensor>()), x, new[] { s0 }, unroll: unroll));
            Assert.Contains("must return 1 new states", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Rnn_InputLengthDifferentFromTime_ThrowsArgumentException()
    {
        using (new Graph().AsDefault())
        {
            var x = Tf.Zeros(new Shape(2, 4, 3), DType.Float64);
            var ex = Assert.Throws<ArgumentException>(() => Backend.Rnn(Identity, x, Array.Empty<Tensor>(), inputLength: 3));
            Assert.Contains("4 time steps", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Rnn_ZeroTimeSteps_ThrowsArgumentException()
    {
        using (new Graph().AsDefault())
        {
            var x = Tf.Zeros(new Shape(2, 0, 3), DType.Float64);
            Assert.Throws<ArgumentException>(() => Backend.Rnn(Identity, x, Array.Empty<Tensor>()));
        }
    }
}
