using Recur.Rnn;
using static Recur.Tests.Rnn.Cells.CellTestUtil;

namespace Recur.Tests.Rnn.Cells;

/// <summary>GruCell, both variants: one step against the plain-loop reference, names, initializers.</summary>
public class GruCellTests
{
    private const int Batch = 3, Depth = 4, N = 5;

    [Theory]
    [MemberData(nameof(Dtypes), MemberType = typeof(CellTestUtil))]
    public void GruCell_OneStepRandomWeights_MatchesReference(DType dtype)
    {
        var x = Data(dtype, Batch * Depth, 31);
        var h0 = Data(dtype, Batch * N, 32);
        var (res, w) = LstmCellTests.RunStep(dtype, input =>
        {
            var (o, s) = new GruCell(N).Call(input, Tf.Constant(Arr(dtype, h0, Batch, N)));
            return new[] { o, s.Tensor };
        }, Depth, Batch, x);
        var expected = GruStep(x, Batch, Depth, h0, N, w["gru_cell/gates/kernel"], w["gru_cell/gates/bias"],
            w["gru_cell/candidate/kernel"], w["gru_cell/candidate/bias"]);
        TestUtil.AssertClose(expected, res[0], Tol(dtype), new Shape(Batch, N));
        TestUtil.AssertClose(expected, res[1], Tol(dtype));
    }

    [Theory]
    [MemberData(nameof(Dtypes), MemberType = typeof(CellTestUtil))]
    public void GruCell_ResetAfterRandomWeights_MatchesReference(DType dtype)
    {
        var x = Data(dtype, Batch * Depth, 41);
        var h0 = Data(dtype, Batch * N, 42);
        var (res, w) = LstmCellTests.RunStep(dtype, input =>
        {
            var (o, s) = new GruCell(N, resetAfter: true).Call(input, Tf.Constant(Arr(dtype, h0, Batch, N)));
            return new[] { o, s.Tensor };
        }, Depth, Batch, x, weightScale: 1.2);
        var expected = GruResetAfterStep(x, Batch, Depth, h0, N, w["gru_cell/gates/kernel"], w["gru_cell/gates/bias"],
            w["gru_cell/candidate/input_projection/kernel"], w["gru_cell/candidate/input_projection/bias"],
            w["gru_cell/candidate/hidden_projection/kernel"], w["gru_cell/candidate/hidden_projection/bias"]);
        TestUtil.AssertClose(expected, res[0], Tol(dtype), new Shape(Batch, N));
        TestUtil.AssertClose(expected, res[1], Tol(dtype));
        // And the variants really differ (reset inside vs outside the hidden matmul).
        var before = GruStep(x, Batch, Depth, h0, N, w["gru_cell/gates/kernel"], w["gru_cell/gates/bias"],
            ConcatRows(w["gru_cell/candidate/input_projection/kernel"], w["gru_cell/candidate/hidden_projection/kernel"]),
            w["gru_cell/candidate/input_projection/bias"]);
        Assert.True(expected.Zip(before).Max(t => Math.Abs(t.First - t.Second)) > 1e-3);
    }

    [Theory]
    [MemberData(nameof(Dtypes), MemberType = typeof(CellTestUtil))]
    public void GruCell_ResetAfterWithZeroHiddenBias_EqualsHandComputedTfCudnnFormula(DType dtype)
    {
        // A fully hand-written case: input 1, units 1, all weights given.
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Constant(Arr(dtype, new[] { 0.5, -1.0 }, 2, 1));
            var h = Tf.Constant(Arr(dtype, new[] { 0.2, 0.9 }, 2, 1));
            var cell = new GruCell(1, resetAfter: true);
            var (o, _) = cell.Call(x, h);
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            cell.GateKernel!.Load(Arr(dtype, new[] { 0.3, -0.4, 0.7, 0.1 }, 2, 2), s);   // rows [x, h], columns [r, u]
            cell.GateBias!.Load(Arr(dtype, new[] { 0.05, -0.2 }, 2), s);
            cell.CandidateInputKernel!.Load(Arr(dtype, new[] { 1.1 }, 1, 1), s);
            cell.CandidateInputBias!.Load(Arr(dtype, new[] { 0.02 }, 1), s);
            cell.CandidateHiddenKernel!.Load(Arr(dtype, new[] { -0.6 }, 1, 1), s);
            cell.CandidateHiddenBias!.Load(Arr(dtype, new[] { 0.3 }, 1), s);
            var r = s.Run(o);
            double[] xs = { 0.5, -1.0 }, hs = { 0.2, 0.9 };
            var expected = new double[2];
            for (int b = 0; b < 2; b++)
            {
                double rg = Sigmoid(0.3 * xs[b] + 0.7 * hs[b] + 0.05);
                double ug = Sigmoid(-0.4 * xs[b] + 0.1 * hs[b] - 0.2);
                double c = Math.Tanh(1.1 * xs[b] + 0.02 + rg * (-0.6 * hs[b] + 0.3));
                expected[b] = ug * hs[b] + (1 - ug) * c;
            }
            TestUtil.AssertClose(expected, r, Tol(dtype));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void GruCell_VariableNamesShapesAndDefaultInitializers_FollowTf(bool resetAfter)
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            using (Tf.VariableScope("root", initializer: Initializers.Constant(0.5)))
            {
                var x = Tf.Placeholder(DType.Float64, new Shape(2, 3));
                var cell = new GruCell(2, resetAfter: resetAfter);
                cell.Call(x, cell.ZeroState(2, DType.Float64));
                Assert.Equal("root/gru_cell", cell.ScopeName);
            }
            var expected = resetAfter
                ? new (string, Shape, double)[]
                {
                    ("root/gru_cell/gates/kernel", new Shape(5, 4), 0.5), ("root/gru_cell/gates/bias", new Shape(4), 1.0),
                    ("root/gru_cell/candidate/input_projection/kernel", new Shape(3, 2), 0.5),
                    ("root/gru_cell/candidate/hidden_projection/kernel", new Shape(2, 2), 0.5),
                    ("root/gru_cell/candidate/input_projection/bias", new Shape(2), 0.0),
                    ("root/gru_cell/candidate/hidden_projection/bias", new Shape(2), 0.0),
                }
                : new (string, Shape, double)[]
                {
                    ("root/gru_cell/gates/kernel", new Shape(5, 4), 0.5), ("root/gru_cell/gates/bias", new Shape(4), 1.0),
                    ("root/gru_cell/candidate/kernel", new Shape(5, 2), 0.5), ("root/gru_cell/candidate/bias", new Shape(2), 0.0),
                };
            Assert.Equal(expected.Select(e => (e.Item1, e.Item2)), g.Variables.Select(v => (v.Name, v.Shape)));
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            foreach (var (name, _, value) in expected)
                Assert.All(Values(s.Run(g.GetVariable(name).Value)), e => Assert.Equal(value, e));
        }
    }

    [Fact]
    public void GruCell_GivenInitializers_ApplyToEveryKernelAndEveryBias()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(1, 2));
            var cell = new GruCell(3, kernelInitializer: Initializers.Constant(0.25), biasInitializer: Initializers.Constant(-0.5), resetAfter: true);
            cell.Call(x, cell.ZeroState(1, DType.Float32));
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            foreach (var v in g.Variables)
                Assert.All(Values(s.Run(v.Value)), e => Assert.Equal(v.Name.EndsWith("bias", StringComparison.Ordinal) ? -0.5 : 0.25, e));
        }
    }

    [Fact]
    public void GruCell_ReluActivation_MatchesReference()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            using (Tf.VariableScope("root", initializer: Initializers.Constant(0.5)))
            {
                var x = Tf.Constant(new double[,] { { 1.0, -3.0 } });
                var (o, _) = new GruCell(1, activation: Tf.Nn.Relu).Call(x, Tf.Constant(new double[,] { { 0.1 } }));
                using var s = new Session(g);
                s.Run(Tf.GlobalVariablesInitializer());
                double r = Sigmoid(0.5 * (1 - 3 + 0.1) + 1), u = r;
                double c = Math.Max(0, 0.5 * (1 - 3 + r * 0.1));
                TestUtil.AssertClose(new[] { u * 0.1 + (1 - u) * c }, s.Run(o), 1e-12);
            }
        }
    }

    private static double[] ConcatRows(double[] a, double[] b) => a.Concat(b).ToArray();
}
