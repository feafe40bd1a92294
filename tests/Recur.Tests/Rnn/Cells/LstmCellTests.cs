using Recur.Rnn;
using static Recur.Tests.Rnn.Cells.CellTestUtil;

namespace Recur.Tests.Rnn.Cells;

/// <summary>BasicLstmCell and LstmCell: one step against the plain-loop reference, names, shapes, state layouts.</summary>
public class LstmCellTests
{
    private const int Batch = 3, Depth = 4;

    /// <summary>Builds one step under a fresh graph, loads random weights into every variable, runs, and returns
    /// (results, the loaded weights by variable name).</summary>
    internal static (NDArray[] Results, Dictionary<string, double[]> Weights) RunStep(DType dtype,
        Func<Tensor, IReadOnlyList<Tensor>> buildStep, int inputDepth, int batch, double[] x, int seed = 100, double weightScale = 0.7)
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var input = Tf.Placeholder(dtype, new Shape(batch, inputDepth));
            var fetches = buildStep(input);
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            var weights = new Dictionary<string, double[]>();
            int k = seed;
            foreach (var v in g.Variables)
            {
                int n = (int)v.Shape.NumElements;
                var w = Data(dtype, n, k++, -weightScale, weightScale);
                v.Load(Arr(dtype, w, v.Shape.ToArray()), s);
                weights[v.Name] = w;
            }
            return (s.Run(fetches, new FeedDict { [input] = Arr(dtype, x, batch, inputDepth) }), weights);
        }
    }

    [Theory]
    [MemberData(nameof(Dtypes), MemberType = typeof(CellTestUtil))]
    public void BasicLstmCell_OneStepRandomWeights_MatchesReference(DType dtype)
    {
        const int n = 5;
        var x = Data(dtype, Batch * Depth, 1);
        var c0 = Data(dtype, Batch * n, 2);
        var h0 = Data(dtype, Batch * n, 3);
        var (res, w) = RunStep(dtype, input =>
        {
            var cell = new BasicLstmCell(n, forgetBias: 0.7);
            var (o, s) = cell.Call(input, new LstmStateTuple(Tf.Constant(Arr(dtype, c0, Batch, n)), Tf.Constant(Arr(dtype, h0, Batch, n))));
            var (c, h) = (LstmStateTuple)s;
            return new[] { o, c, h };
        }, Depth, Batch, x);
        var (m, cRef) = LstmStep(x, Batch, Depth, c0, h0, n, n, w["basic_lstm_cell/kernel"], w["basic_lstm_cell/bias"], 0.7);
        TestUtil.AssertClose(m, res[0], Tol(dtype), new Shape(Batch, n));
        TestUtil.AssertClose(cRef, res[1], Tol(dtype), new Shape(Batch, n));
        TestUtil.AssertClose(m, res[2], Tol(dtype));
    }

    [Theory]
    [MemberData(nameof(Dtypes), MemberType = typeof(CellTestUtil))]
    public void BasicLstmCell_ReluActivation_MatchesReference(DType dtype)
    {
        const int n = 2;
        var x = Data(dtype, Batch * Depth, 4);
        var (res, w) = RunStep(dtype, input =>
        {
            var cell = new BasicLstmCell(n, activation: Tf.Nn.Relu);
            var zero = cell.ZeroState(Batch, dtype);
            return new[] { cell.Call(input, zero).Output };
        }, Depth, Batch, x);
        // Reference with relu in place of tanh for j and the output.
        var kernel = w["basic_lstm_cell/kernel"];
        var bias = w["basic_lstm_cell/bias"];
        var z = MatMul(ConcatCols(x, Depth, new double[Batch * n], n, Batch), Batch, Depth + n, kernel, 4 * n);
        var expected = new double[Batch * n];
        for (int b = 0; b < Batch; b++)
        {
            for (int u = 0; u < n; u++)
            {
                double i = z[b * 4 * n + u] + bias[u], j = z[b * 4 * n + n + u] + bias[n + u], o = z[b * 4 * n + 3 * n + u] + bias[3 * n + u];
                double c = Sigmoid(i) * Math.Max(j, 0);
                expected[b * n + u] = Math.Max(c, 0) * Sigmoid(o);
            }
        }
        TestUtil.AssertClose(expected, res[0], Tol(dtype));
    }

    public static TheoryData<DType, bool, double?, int?, double?, double> LstmConfigs()
    {
        var d = new TheoryData<DType, bool, double?, int?, double?, double>();
        foreach (var dt in FloatTypes)
        {
            d.Add(dt, false, null, null, null, 1.0);
            d.Add(dt, true, null, null, null, 1.0);
            d.Add(dt, false, 0.3, null, null, 0.0);
            d.Add(dt, true, 0.3, null, null, 1.0);
            d.Add(dt, false, null, 2, null, 1.0);
            d.Add(dt, true, 0.5, 3, 0.2, 0.5);
            d.Add(dt, false, null, 7, 0.05, 1.0);
        }
        return d;
    }

    [Theory]
    [MemberData(nameof(LstmConfigs))]
    public void LstmCell_OneStepConfigurations_MatchReference(DType dtype, bool peepholes, double? cellClip, int? numProj, double? projClip, double forgetBias)
    {
        const int n = 4;
        int p = numProj ?? n;
        var x = Data(dtype, Batch * Depth, 11, -2, 2);
        var c0 = Data(dtype, Batch * n, 12, -2, 2);
        var h0 = Data(dtype, Batch * p, 13);
        var (res, w) = RunStep(dtype, input =>
        {
            var cell = new LstmCell(n, usePeepholes: peepholes, cellClip: cellClip, numProj: numProj, projClip: projClip, forgetBias: forgetBias);
            Assert.Equal(p, cell.OutputSize.Units);
            var (o, s) = cell.Call(input, new LstmStateTuple(Tf.Constant(Arr(dtype, c0, Batch, n)), Tf.Constant(Arr(dtype, h0, Batch, p))));
            var (c, h) = (LstmStateTuple)s;
            return new[] { o, c, h };
        }, Depth, Batch, x, weightScale: 1.5);
        var (m, cRef) = LstmStep(x, Batch, Depth, c0, h0, n, p, w["lstm_cell/kernel"], w["lstm_cell/bias"], forgetBias,
            peepholes ? w["lstm_cell/w_f_diag"] : null, peepholes ? w["lstm_cell/w_i_diag"] : null, peepholes ? w["lstm_cell/w_o_diag"] : null,
            cellClip, numProj is null ? null : w["lstm_cell/projection/kernel"], projClip);
        TestUtil.AssertClose(m, res[0], Tol(dtype), new Shape(Batch, p));
        TestUtil.AssertClose(cRef, res[1], Tol(dtype), new Shape(Batch, n));
        TestUtil.AssertClose(m, res[2], Tol(dtype));
        if (cellClip is double cc) Assert.All(Values(res[1]), v => Assert.InRange(Math.Abs(v), 0, cc * (1 + 1e-7)));
        if (projClip is double pc) Assert.All(Values(res[0]), v => Assert.InRange(Math.Abs(v), 0, pc * (1 + 1e-7)));
    }

    [Fact]
    public void LstmCell_OutputPeephole_UsesNewClippedC()
    {
        // With kernel and bias 0, c' = σ(1 + w_f·c)·c + σ(w_i·c)·tanh(0) = σ(1 + w_f c)·c, then clipped; the output gate
        // must see the clipped c', not the previous c.
        const int n = 1;
        var x = new[] { 0.0 };
        var g = new Graph();
        using (g.AsDefault())
        {
            var input = Tf.Placeholder(DType.Float64, new Shape(1, 1));
            var cell = new LstmCell(n, usePeepholes: true, cellClip: 0.5, initializer: Initializers.Zeros());
            var (o, _) = cell.Call(input, new LstmStateTuple(Tf.Constant(new double[,] { { 3.0 } }), Tf.Constant(new double[,] { { 0.0 } })));
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            g.GetVariable("lstm_cell/w_o_diag").Load(new NDArray(new[] { 2.0 }, new Shape(1)), s);
            var r = s.Run(o, new FeedDict { [input] = new NDArray(x, new Shape(1, 1)) });
            double cNew = 0.5;   // σ(1)·3 = 2.19 clipped to 0.5
            TestUtil.AssertClose(new[] { Sigmoid(2.0 * cNew) * Math.Tanh(cNew) }, r, 1e-12);
        }
    }

    public static TheoryData<DType, bool> TupleCases()
    {
        var d = new TheoryData<DType, bool>();
        foreach (var dt in FloatTypes)
        {
            d.Add(dt, false);
            d.Add(dt, true);
        }
        return d;
    }

    [Theory]
    [MemberData(nameof(TupleCases))]
    public void Cell_StateIsTupleFalse_EqualsConcatenatedTupleState(DType dtype, bool fullLstm)
    {
        const int n = 3;
        int p = fullLstm ? 2 : n;
        var x = Data(dtype, Batch * Depth, 21);
        var c0 = Data(dtype, Batch * n, 22);
        var h0 = Data(dtype, Batch * p, 23);
        RnnCell Make(bool tuple) => fullLstm
            ? new LstmCell(n, usePeepholes: true, numProj: p, cellClip: 0.8, stateIsTuple: tuple, name: "cell")
            : new BasicLstmCell(n, stateIsTuple: tuple, name: "cell");
        var g = new Graph();
        using (g.AsDefault())
        {
            var input = Tf.Constant(Arr(dtype, x, Batch, Depth));
            Tensor o1, o2;
            RnnState s1, s2;
            using (Tf.VariableScope("root"))
                (o1, s1) = Make(true).Call(input, new LstmStateTuple(Tf.Constant(Arr(dtype, c0, Batch, n)), Tf.Constant(Arr(dtype, h0, Batch, p))));
            var flat = Make(false);
            Assert.Equal(n + p, flat.StateSize.Units);
            using (Tf.VariableScope("root", reuse: true))
                (o2, s2) = flat.Call(input, Tf.Constant(Arr(dtype, ConcatCols(c0, n, h0, p, Batch), Batch, n + p)));
            Assert.Equal(g.Variables.Count, flat.Variables.Count);   // shared, nothing new created
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            var res = s.Run(new[] { o1, Tf.Concat(s1.Flatten(), 1), o2, s2.Tensor });
            TestUtil.AssertClose(res[0], res[2], 0);
            TestUtil.AssertClose(res[1], res[3], 0);
            Assert.Equal(new Shape(Batch, n + p), res[3].Shape);
        }
    }

    [Fact]
    public void Cells_VariableNamesAndShapes_FollowTf()
    {
        var g = new Graph();
        using (g.AsDefault())
        using (Tf.VariableScope("root", initializer: Initializers.Constant(0.5)))
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(2, 5));
            var basic = new BasicLstmCell(3);
            basic.Call(x, basic.ZeroState(2, DType.Float32));
            var full = new LstmCell(4, usePeepholes: true, numProj: 2);
            full.Call(x, full.ZeroState(2, DType.Float32));
            var second = new LstmCell(4);
            second.Call(x, second.ZeroState(2, DType.Float32));
            var expected = new (string, Shape)[]
            {
                ("root/basic_lstm_cell/kernel", new Shape(8, 12)), ("root/basic_lstm_cell/bias", new Shape(12)),
                ("root/lstm_cell/kernel", new Shape(7, 16)), ("root/lstm_cell/bias", new Shape(16)),
                ("root/lstm_cell/w_f_diag", new Shape(4)), ("root/lstm_cell/w_i_diag", new Shape(4)), ("root/lstm_cell/w_o_diag", new Shape(4)),
                ("root/lstm_cell/projection/kernel", new Shape(4, 2)),
                ("root/lstm_cell_1/kernel", new Shape(9, 16)), ("root/lstm_cell_1/bias", new Shape(16)),
            };
            Assert.Equal(expected, g.Variables.Select(v => (v.Name, v.Shape)).ToArray());
            Assert.Equal("root/lstm_cell", full.ScopeName);
            Assert.Same(g.GetVariable("root/lstm_cell/projection/kernel"), full.ProjectionKernel);
            Assert.Equal(RnnSize.Lstm(4, 2).ToString(), full.StateSize.ToString());
            Assert.Equal(2, full.OutputSize.Units);
        }
    }

    [Fact]
    public void Cells_ScopeInitializer_SetsKernelsNotBiases()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            using (Tf.VariableScope("root", initializer: Initializers.Constant(0.5)))
            {
                var x = Tf.Placeholder(DType.Float64, new Shape(1, 2));
                var cell = new LstmCell(2, usePeepholes: true, numProj: 1);
                cell.Call(x, cell.ZeroState(1, DType.Float64));
            }
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            foreach (var v in g.Variables)
            {
                double expected = v.Name.EndsWith("/bias", StringComparison.Ordinal) ? 0.0 : 0.5;
                Assert.All(Values(s.Run(v.Value)), e => Assert.Equal(expected, e));
            }
        }
    }

    [Fact]
    public void Cells_SecondCall_ReusesVariables()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(2, 3));
            var cell = new LstmCell(4, usePeepholes: true);
            var (o, s) = cell.Call(x, cell.ZeroState(2, DType.Float32));
            int count = g.Variables.Count;
            using (Tf.VariableScope("elsewhere"))
                cell.Call(x, s);
            Assert.Equal(count, g.Variables.Count);
            Assert.Equal(5, cell.Variables.Count);
            Assert.True(cell.Built);
            Assert.NotNull(o);
        }
    }
}
