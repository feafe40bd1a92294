using Recur.Rnn;
using static Recur.Tests.Rnn.Cells.CellTestUtil;

namespace Recur.Tests.Rnn.Cells;

/// <summary>
/// TF's own cell tests (tf_golden_values.md section A), reproduced as the reproduction rule says: variable scope
/// <c>root</c> with a constant 0.5 initializer (kernels 0.5, biases at their explicit defaults), the same inputs fed,
/// compared with TF's numbers at TF's tolerance (assertAllClose: 1e-6, or the rtol the test gives).
/// </summary>
public class GoldenCellTests
{
    private const double TfTol = 1e-6;

    private static NDArray[] RunGolden(Func<(IReadOnlyList<Tensor> Fetches, Func<FeedDict> Feeds)> build)
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var (fetches, feeds) = build();
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            return s.Run(fetches, feeds());
        }
    }

    // A1 / A2: RNNCellTest.testGRUCell.
    [Theory]
    [InlineData(DType.Float32, 2, 0.175991)]
    [InlineData(DType.Float64, 2, 0.175991)]
    [InlineData(DType.Float32, 3, 0.156736)]
    [InlineData(DType.Float64, 3, 0.156736)]
    public void GruCell_TfTestGruCell_MatchesGolden(DType dtype, int inputDepth, double expected)
    {
        var res = RunGolden(() =>
        {
            using (Tf.VariableScope(inputDepth == 2 ? "root" : "other", initializer: Initializers.Constant(0.5)))
            {
                var x = Tf.Placeholder(dtype, new Shape(1, inputDepth));
                var m = Tf.Placeholder(dtype, new Shape(1, 2));
                var (g, _) = new GruCell(2).Call(x, m);
                return (new[] { g }, () => new FeedDict { [x] = Full(dtype, 1.0, 1, inputDepth), [m] = Full(dtype, 0.1, 1, 2) });
            }
        });
        TestUtil.AssertClose(new[] { expected, expected }, res[0], TfTol, new Shape(1, 2));
    }

    // A3: RNNCellTest.testBasicLSTMCell (concatenated states all the way).
    [Theory]
    [MemberData(nameof(Dtypes), MemberType = typeof(CellTestUtil))]
    public void MultiRnnCell_TfTestBasicLstmCellConcatState_MatchesGolden(DType dtype)
    {
        string[] names = Array.Empty<string>();
        var res = RunGolden(() =>
        {
            using (Tf.VariableScope("root", initializer: Initializers.Constant(0.5)))
            {
                var x = Tf.Placeholder(dtype, new Shape(1, 2));
                var m = Tf.Placeholder(dtype, new Shape(1, 8));
                var cell = new MultiRnnCell(
                    Enumerable.Range(0, 2).Select(_ => new BasicLstmCell(2, stateIsTuple: false)), stateIsTuple: false);
                var (g, outM) = cell.Call(x, m);
                names = VariableNames();
                return (new[] { g, outM.Tensor }, () => new FeedDict { [x] = Full(dtype, 1.0, 1, 2), [m] = Full(dtype, 0.1, 1, 8) });
            }
        });
        Assert.Equal(new[]
        {
            "root/multi_rnn_cell/cell_0/basic_lstm_cell/kernel", "root/multi_rnn_cell/cell_0/basic_lstm_cell/bias",
            "root/multi_rnn_cell/cell_1/basic_lstm_cell/kernel", "root/multi_rnn_cell/cell_1/basic_lstm_cell/bias",
        }, names);
        // TF asserts rtol 1e-2 on 3-digit values; the A4 8-digit values are the same math, so check those tightly too.
        AssertRelClose(new[] { 0.240, 0.240 }, res[0], 1e-2);
        AssertRelClose(new[] { 0.689, 0.689, 0.448, 0.448, 0.398, 0.398, 0.240, 0.240 }, res[1], 1e-2);
        TestUtil.AssertClose(new[] { 0.24024698, 0.24024698 }, res[0], TfTol);
        TestUtil.AssertClose(new[] { 0.68967271, 0.68967271, 0.44848421, 0.44848421, 0.39897051, 0.39897051, 0.24024698, 0.24024698 }, res[1], TfTol);
    }

    // A3, second half: a single BasicLSTMCell(2, state_is_tuple=False) with a 3-wide input returns (output, state).
    [Fact]
    public void BasicLstmCell_TfTestBasicLstmCellOtherScope_ReturnsOutputAndState()
    {
        var res = RunGolden(() =>
        {
            using (Tf.VariableScope("other", initializer: Initializers.Constant(0.5)))
            {
                var x = Tf.Placeholder(DType.Float32, new Shape(1, 3));
                var m = Tf.Placeholder(DType.Float32, new Shape(1, 4));
                var (g, outM) = new BasicLstmCell(2, stateIsTuple: false).Call(x, m);
                return (new[] { g, outM.Tensor }, () => new FeedDict { [x] = Full(DType.Float32, 1.0, 1, 3), [m] = Full(DType.Float32, 0.1, 1, 4) });
            }
        });
        Assert.Equal(2, res.Length);
        // Independent reference: kernel 0.5, bias 0, forget bias 1.
        var (h, c) = LstmStep(new[] { 1.0, 1, 1 }, 1, 3, new[] { 0.1, 0.1 }, new[] { 0.1, 0.1 }, 2, 2,
            Enumerable.Repeat(0.5, 5 * 8).ToArray(), new double[8], 1.0);
        TestUtil.AssertClose(h, res[0], 1e-6);
        TestUtil.AssertClose(c.Concat(h).ToArray(), res[1], 1e-6);
    }

    // A4: RNNCellTest.testBasicLSTMCellWithStateTuple.
    [Theory]
    [MemberData(nameof(Dtypes), MemberType = typeof(CellTestUtil))]
    public void MultiRnnCell_TfTestBasicLstmCellWithStateTuple_MatchesGolden(DType dtype)
    {
        var res = RunGolden(() =>
        {
            using (Tf.VariableScope("root", initializer: Initializers.Constant(0.5)))
            {
                var x = Tf.Placeholder(dtype, new Shape(1, 2));
                var m0 = Tf.Placeholder(dtype, new Shape(1, 4));
                var m1 = Tf.Placeholder(dtype, new Shape(1, 4));
                var cell = new MultiRnnCell(
                    Enumerable.Range(0, 2).Select(_ => new BasicLstmCell(2, stateIsTuple: false)), stateIsTuple: true);
                var (g, state) = cell.Call(x, new RnnStateTuple(m0, m1));
                var t = (RnnStateTuple)state;
                return (new[] { g, t[0].Tensor, t[1].Tensor }, () => new FeedDict
                {
                    [x] = Full(dtype, 1.0, 1, 2), [m0] = Full(dtype, 0.1, 1, 4), [m1] = Full(dtype, 0.1, 1, 4),
                });
            }
        });
        TestUtil.AssertClose(new[] { 0.24024698, 0.24024698 }, res[0], TfTol);
        TestUtil.AssertClose(new[] { 0.68967271, 0.68967271, 0.44848421, 0.44848421 }, res[1], TfTol);
        TestUtil.AssertClose(new[] { 0.39897051, 0.39897051, 0.24024698, 0.24024698 }, res[2], TfTol);
    }

    // A5: RNNCellTest.testMultiRNNCell.
    [Theory]
    [MemberData(nameof(Dtypes), MemberType = typeof(CellTestUtil))]
    public void MultiRnnCell_TfTestMultiRnnCellConcatState_MatchesGolden(DType dtype)
    {
        int weights = 0;
        var res = RunGolden(() =>
        {
            using (Tf.VariableScope("root", initializer: Initializers.Constant(0.5)))
            {
                var x = Tf.Placeholder(dtype, new Shape(1, 2));
                var m = Tf.Placeholder(dtype, new Shape(1, 4));
                var multi = new MultiRnnCell(Enumerable.Range(0, 2).Select(_ => new GruCell(2)), stateIsTuple: false);
                var (_, ml) = multi.Call(x, m);
                weights = multi.Variables.Count;
                return (new[] { ml.Tensor }, () => new FeedDict { [x] = Full(dtype, 1.0, 1, 2), [m] = Full(dtype, 0.1, 1, 4) });
            }
        });
        TestUtil.AssertClose(new[] { 0.175991, 0.175991, 0.13248, 0.13248 }, res[0], TfTol);
        Assert.Equal(2 * 4, weights);
    }

    // A6: RNNCellTest.testMultiRNNCellWithStateTuple.
    [Theory]
    [MemberData(nameof(Dtypes), MemberType = typeof(CellTestUtil))]
    public void MultiRnnCell_TfTestMultiRnnCellWithStateTuple_MatchesGoldenAndRejectsTensorState(DType dtype)
    {
        var res = RunGolden(() =>
        {
            using (Tf.VariableScope("root", initializer: Initializers.Constant(0.5)))
            {
                var x = Tf.Placeholder(dtype, new Shape(1, 2));
                var mBad = Tf.Placeholder(dtype, new Shape(1, 4));
                var ex = Assert.Throws<ArgumentException>(() =>
                    new MultiRnnCell(Enumerable.Range(0, 2).Select(_ => new GruCell(2)), stateIsTuple: true).Call(x, mBad));
                Assert.Matches("Expected state .* a tuple", ex.Message);

                var m0 = Tf.Placeholder(dtype, new Shape(1, 2));
                var m1 = Tf.Placeholder(dtype, new Shape(1, 2));
                var (_, ml) = new MultiRnnCell(Enumerable.Range(0, 2).Select(_ => new GruCell(2)), stateIsTuple: true)
                    .Call(x, new RnnStateTuple(m0, m1));
                var t = (RnnStateTuple)ml;
                return (new[] { t[0].Tensor, t[1].Tensor }, () => new FeedDict
                {
                    [x] = Full(dtype, 1.0, 1, 2), [m0] = Full(dtype, 0.1, 1, 2), [m1] = Full(dtype, 0.1, 1, 2),
                });
            }
        });
        TestUtil.AssertClose(new[] { 0.175991, 0.175991 }, res[0], TfTol);
        TestUtil.AssertClose(new[] { 0.13248, 0.13248 }, res[1], TfTol);
    }

    // A7: DropoutWrapperTest._testDropoutWrapper — LSTMCell(3, initializer 0.5), two time-major steps unrolled by hand
    // (what dynamic_rnn does with these inputs), initial c = h = 0.1.
    private static readonly double[] TrueFullOutput = { 0.751109, 0.751109, 0.751109, 0.895509, 0.895509, 0.895509 };
    private static readonly double[] TrueFullFinalC = { 1.949385, 1.949385, 1.949385 };

    private static (NDArray Outputs, NDArray FinalC, NDArray FinalH, int NoiseOps) RunA7(DType dtype, Func<Tensor, DType, RnnCell, DropoutWrapper> wrap)
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Constant(Arr(dtype, new[] { 2.0, 2, 2, 1, 1, 1 }, 2, 1, 3));
            var c0 = Tf.Constant(Full(dtype, 0.1, 1, 3));
            RnnState state = new LstmStateTuple(c0, c0);
            var cell = wrap(x, dtype, new LstmCell(3, initializer: Initializers.Constant(0.5)));
            var outputs = new List<Tensor>();
            using (Tf.VariableScope("rnn"))
            {
                foreach (var xt in Tf.Unstack(x, 0))
                {
                    (var o, state) = cell.Call(xt, state);
                    outputs.Add(o);
                }
            }
            var (c, h) = (LstmStateTuple)state;
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            var res = s.Run(new[] { Tf.Stack(outputs, 0), c, h });
            Assert.Equal(new[] { "rnn/lstm_cell/kernel", "rnn/lstm_cell/bias" }, g.Variables.Where(v => v.Name.StartsWith("rnn/", StringComparison.Ordinal)).Select(v => v.Name));
            return (res[0], res[1], res[2], g.Operations.Count(op => op.Type == "RandomUniformLike"));
        }
    }

    [Theory]
    [MemberData(nameof(Dtypes), MemberType = typeof(CellTestUtil))]
    public void DropoutWrapper_TfKeepAllConstantInput_MatchesFullValues(DType dtype)
    {
        var (outputs, c, h, noiseOps) = RunA7(dtype, (x, dt, cell) =>
        {
            var keep = Tf.Ones(Shape.Scalar, dt);
            return new DropoutWrapper(cell, keep, keep, keep, dtype: dt);
        });
        TestUtil.AssertClose(TrueFullOutput, outputs, TfTol, new Shape(2, 1, 3));
        TestUtil.AssertClose(TrueFullOutput[3..], h, TfTol);
        TestUtil.AssertClose(TrueFullFinalC, c, TfTol);
        Assert.Equal(0, noiseOps);   // a constant keep of 1 adds no dropout ops
    }

    [Theory]
    [MemberData(nameof(Dtypes), MemberType = typeof(CellTestUtil))]
    public void DropoutWrapper_TfKeepAllVariable_MatchesFullValues(DType dtype)
    {
        var (outputs, c, h, noiseOps) = RunA7(dtype, (x, dt, cell) =>
        {
            Tensor keep = Tf.GetVariable("all", Shape.Scalar, dt, Initializers.Constant(1.0));
            return new DropoutWrapper(cell, keep, keep, keep, dtype: dt);
        });
        TestUtil.AssertClose(TrueFullOutput, outputs, TfTol, new Shape(2, 1, 3));
        TestUtil.AssertClose(TrueFullOutput[3..], h, TfTol);
        TestUtil.AssertClose(TrueFullFinalC, c, TfTol);
        Assert.Equal(2 * 3, noiseOps);   // a tensor keep builds input, state (h only) and output dropout at both steps
    }

    [Theory]
    [MemberData(nameof(Dtypes), MemberType = typeof(CellTestUtil))]
    public void DropoutWrapper_TfKeepNoOutput_ZeroOutputsStateUntouched(DType dtype)
    {
        var (outputs, c, h, _) = RunA7(dtype, (x, dt, cell) =>
            new DropoutWrapper(cell, inputKeepProb: 1.0, outputKeepProb: 1e-6, stateKeepProb: 1.0, dtype: dt, seed: 11));
        TestUtil.AssertClose(new double[6], outputs, TfTol, new Shape(2, 1, 3));
        TestUtil.AssertClose(TrueFullOutput[3..], h, TfTol);
        TestUtil.AssertClose(TrueFullFinalC, c, TfTol);
    }

    [Theory]
    [MemberData(nameof(Dtypes), MemberType = typeof(CellTestUtil))]
    public void DropoutWrapper_TfKeepNoStateExceptLstmCellMemory_KeepsMemory(DType dtype)
    {
        var (outputs, c, h, _) = RunA7(dtype, (x, dt, cell) =>
            new DropoutWrapper(cell, inputKeepProb: 1.0, outputKeepProb: 1.0, stateKeepProb: 1e-6, dtype: dt, seed: 11));
        var o = Values(outputs);
        TestUtil.AssertClose(TrueFullOutput[..3], Arr(dtype, o[..3], 1, 3), TfTol);
        double dist = Math.Sqrt(o[3..].Select((v, i) => (v - TrueFullOutput[3 + i]) * (v - TrueFullOutput[3 + i])).Sum());
        Assert.True(dist > 1e-4, $"step-2 output should differ from the full run, distance {dist}");
        TestUtil.AssertClose(new[] { 0.7661714, 0.7661714, 0.7661714 }, Arr(dtype, o[3..], 1, 3), TfTol);   // derived value
        TestUtil.AssertClose(new double[3], h, TfTol);
        TestUtil.AssertClose(new[] { 1.713925, 1.713925, 1.713925 }, c, TfTol);
    }

    [Theory]
    [MemberData(nameof(Dtypes), MemberType = typeof(CellTestUtil))]
    public void DropoutWrapper_TfKeepNoInput_EverythingDiffers(DType dtype)
    {
        var (outputs, c, h, _) = RunA7(dtype, (x, dt, cell) =>
            new DropoutWrapper(cell, inputKeepProb: 1e-6, outputKeepProb: 1.0, stateKeepProb: 1.0, dtype: dt, seed: 11));
        static double Dist(NDArray a, double[] e) => Math.Sqrt(Values(a).Select((v, i) => (v - e[i]) * (v - e[i])).Sum());
        Assert.True(Dist(outputs, TrueFullOutput) > 1e-4);
        Assert.True(Dist(h, TrueFullOutput[3..]) > 1e-4);
        Assert.True(Dist(c, TrueFullFinalC) > 1e-4);
    }

    // A8: LSTMTest.testCellClipping — peepholes, cell_clip = 0, 8 static steps: every output is exactly 0.
    [Fact]
    public void LstmCell_TfCellClippingZeroFloat64_AllOutputsExactlyZero() => CellClippingZero(DType.Float64, 0.0);

    [Fact]
    public void LstmCell_TfCellClippingZeroFloat32_AllOutputsExactlyZero() => CellClippingZero(DType.Float32, 0.0);

    [Fact]
    public void LstmCell_TfCellClippingZeroFloat32_AllOutputsZeroWithinTanhUlp() => CellClippingZero(DType.Float32, 1.2e-7);

    private static void CellClippingZero(DType dtype, double tol)
    {
        const int numUnits = 3, inputSize = 5, batchSize = 2, maxLength = 8;
        var g = new Graph();
        using (g.AsDefault())
        {
            var initializer = Initializers.RandomUniform(-0.01, 0.01, seed: 23489);
            var cell = new LstmCell(numUnits, usePeepholes: true, cellClip: 0.0, initializer: initializer, stateIsTuple: false);
            var input = Tf.Placeholder(dtype, new Shape(batchSize, inputSize));
            var state = cell.ZeroState(batchSize, dtype);
            var outputs = new List<Tensor>();
            using (Tf.VariableScope("rnn"))
            {
                for (int t = 0; t < maxLength; t++)
                {
                    (var o, state) = cell.Call(input, state);
                    outputs.Add(o);
                }
            }
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            var values = s.Run(outputs, new FeedDict { [input] = Arr(dtype, TestUtil.RandomDoubles(batchSize * inputSize, 5), batchSize, inputSize) });
            foreach (var v in values)
            {
                Assert.Equal(new Shape(batchSize, numUnits), v.Shape);
                foreach (var e in Values(v))
                {
                    if (tol == 0) Assert.Equal(0.0, e);
                    else Assert.True(Math.Abs(e) <= tol, $"expected 0 within {tol}, got {e}");
                }
            }
        }
    }

    private static void AssertRelClose(double[] expected, NDArray actual, double rtol)
    {
        var a = Values(actual);
        Assert.Equal(expected.Length, a.Length);
        for (int i = 0; i < a.Length; i++)
            Assert.True(Math.Abs(a[i] - expected[i]) <= 1e-6 + rtol * Math.Abs(expected[i]), $"element {i}: expected {expected[i]}, got {a[i]}");
    }
}
