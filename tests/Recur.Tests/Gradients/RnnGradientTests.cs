using Recur.Rnn;

namespace Recur.Tests.Gradients;

public class RnnGradientTests
{
    private static RnnCell MakeCell(int index, Initializer init) => index switch
    {
        0 => new BasicRnnCell(3),
        1 => new BasicLstmCell(3),
        2 => new LstmCell(3, usePeepholes: true, numProj: 2, initializer: init),
        3 => new LstmCell(3, usePeepholes: true, cellClip: 0.8, numProj: 2, projClip: 0.6, initializer: init, stateIsTuple: false),
        4 => new GruCell(3),
        5 => new GruCell(3, resetAfter: true),
        6 => new MultiRnnCell(new RnnCell[] { new LstmCell(3, initializer: init), new GruCell(2) }),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public static IEnumerable<object[]> Cases()
    {
        for (int c = 0; c < 7; c++)
        {
            yield return new object[] { c, false };
            yield return new object[] { c, true };
        }
    }

    /// <summary>D1: static and dynamic give the same gradients w.r.t. inputs, initial state and every variable.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void StaticAndDynamic_Gradients_AreEqual(int cellIndex, bool withLengths)
    {
        const int T = 5, B = 3, D = 4;
        var g = new Graph();
        using (g.AsDefault())
        {
            var init = Initializers.RandomUniform(-0.5, 0.5, seed: 11);
            var x = Tf.Placeholder(DType.Float64, new Shape(T, B, D), name: "x");
            var len = withLengths ? Tf.Constant(new NDArray(new[] { 5, 0, 2 })) : null;
            IReadOnlyList<Tensor> sOut;
            Tensor dOut;
            RnnState sState, dState;
            using (Tf.VariableScope("s", initializer: init))
                (sOut, sState) = Tf.Nn.StaticRnn(MakeCell(cellIndex, init), Tf.Unstack(x, 0), dtype: DType.Float64, sequenceLength: len);
            using (Tf.VariableScope("d", initializer: init))
                (dOut, dState) = Tf.Nn.DynamicRnn(MakeCell(cellIndex, init), x, len, dtype: DType.Float64, timeMajor: true);
            var r = Tf.Constant(GradCheck.Rand(99, T, B, dOut.Shape[2]));
            Tensor Loss(Tensor outs, RnnState st) => Tf.ReduceSum(outs * r) + st.Flatten().Aggregate((Tensor)Tf.Constant(0.0), (acc, t) => acc + Tf.ReduceSum(t * t));
            var sLoss = Loss(Tf.Stack(sOut, 0), sState);
            var dLoss = Loss(dOut, dState);
            var sVars = g.TrainableVariables.Where(v => v.Name.StartsWith("s/", StringComparison.Ordinal)).ToList();
            var dVars = sVars.Select(v => g.GetVariable("d/" + v.Name[2..])).ToList();
            var sGrads = Tf.Gradients(sLoss, sVars.Select(v => (Tensor)v).Prepend(x).ToList());
            var dGrads = Tf.Gradients(dLoss, dVars.Select(v => (Tensor)v).Prepend(x).ToList());
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            for (int i = 0; i < sVars.Count; i++) dVars[i].Load(s.Run(sVars[i]), s);
            var feeds = new FeedDict { [x] = GradCheck.Rand(cellIndex + 20, T, B, D) };
            var a = s.Run(sGrads.Select(t => t!).ToList(), feeds);
            var b = s.Run(dGrads.Select(t => t!).ToList(), feeds);
            for (int i = 0; i < a.Length; i++) TestUtil.AssertClose(a[i], b[i], 1e-11);
            if (withLengths)
            {
                // Row 1 has length 0: no gradient reaches its inputs; padded steps of row 2 get none either.
                var gx = b[0].ToArray<double>();
                for (int t = 0; t < T; t++)
                    for (int d = 0; d < D; d++)
                    {
                        Assert.Equal(0.0, gx[(t * B + 1) * D + d]);
                        if (t >= 2) Assert.Equal(0.0, gx[(t * B + 2) * D + d]);
                    }
            }
        }
    }

    /// <summary>DynamicRnn gradients w.r.t. inputs, initial state and weights match central differences, per cell.</summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void DynamicRnn_Gradients_MatchFiniteDifferences(int cellIndex)
    {
        const int T = 4, B = 2, D = 3;
        var g = new Graph();
        using (g.AsDefault())
        {
            var init = Initializers.RandomUniform(-0.6, 0.6, seed: 5);
            var cell = MakeCell(cellIndex, init);
            var x = Tf.Placeholder(DType.Float64, new Shape(B, T, D), name: "x");
            var state0 = cell.StateSize.Pack(cell.StateSize.Flatten().Select((l, i) =>
                Tf.Placeholder(DType.Float64, new Shape(B).Concatenate(l.Shape), name: "s" + i)).ToList());
            RnnState st;
            Tensor outs;
            using (Tf.VariableScope("rnn_scope", initializer: init))
                (outs, st) = Tf.Nn.DynamicRnn(cell, x, Tf.Constant(new NDArray(new[] { 4, 2 })), initialState: state0);
            var r = Tf.Constant(GradCheck.Rand(7, B, T, outs.Shape[2]));
            var loss = Tf.ReduceSum(outs * r) + st.Flatten().Aggregate((Tensor)Tf.Constant(0.0), (acc, t) => acc + Tf.ReduceSum(Tf.Tanh(t)));
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            var phs = new List<(Tensor, NDArray)> { (x, GradCheck.Rand(1, B, T, D)) };
            phs.AddRange(state0.Flatten().Select((p, i) => (p, GradCheck.Rand(30 + i, p.Shape.ToArray()))));
            GradCheck.Placeholders(s, loss, phs, tol: 1e-6);
            var feeds = new FeedDict();
            foreach (var (p, v) in phs) feeds[p] = v;
            GradCheck.Variables(s, loss, g.TrainableVariables, feeds, tol: 1e-6);
        }
    }

    [Fact]
    public void BidirectionalDynamicRnn_Gradients_MatchFiniteDifferences()
    {
        const int T = 4, B = 2, D = 2;
        var g = new Graph();
        using (g.AsDefault())
        {
            var init = Initializers.RandomUniform(-0.6, 0.6, seed: 8);
            var x = Tf.Placeholder(DType.Float64, new Shape(B, T, D), name: "x");
            ((Tensor fw, Tensor bw), _) = Tf.Nn.BidirectionalDynamicRnn(new LstmCell(2, initializer: init), new GruCell(2), x,
                Tf.Constant(new NDArray(new[] { 3, 4 })), dtype: DType.Float64);
            var loss = Tf.ReduceSum(Tf.Concat(new[] { fw, bw }, 2) * Tf.Constant(GradCheck.Rand(3, B, T, 4)));
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            GradCheck.Placeholders(s, loss, new[] { (x, GradCheck.Rand(2, B, T, D)) });
            GradCheck.Variables(s, loss, g.TrainableVariables, new FeedDict { [x] = GradCheck.Rand(2, B, T, D) });
        }
    }

    [Fact]
    public void RawRnn_Gradients_EqualDynamicRnn()
    {
        const int T = 5, B = 3, D = 2, H = 3;
        var g = new Graph();
        using (g.AsDefault())
        {
            var init = Initializers.RandomUniform(-0.5, 0.5, seed: 2);
            var x = Tf.Placeholder(DType.Float64, new Shape(T, B, D), name: "x");
            var lengths = Tf.Constant(new NDArray(new[] { T, 2, 4 }));
            var ta = new TensorArray(DType.Float64, T).Unstack(x);
            var rawCell = new LstmCell(H, initializer: init);
            var (emit, _, _) = Tf.Nn.RawRnn(rawCell, (time, o, st, _) => new RawRnnStep(
                Tf.GreaterEqual(time, lengths), ta.Read(Tf.Minimum(time, Tf.Constant(T - 1))),
                o is null ? rawCell.ZeroState(B, DType.Float64) : st!, o is null ? null : RnnState.Of(o)), scope: "raw");
            var (dyn, _) = Tf.Nn.DynamicRnn(new LstmCell(H, initializer: init), x, lengths, dtype: DType.Float64, timeMajor: true, scope: "dyn");
            var r = Tf.Constant(GradCheck.Rand(4, T, B, H));
            var gRaw = Tf.Gradients(Tf.ReduceSum(emit.TensorArray.Stack() * r), new[] { x, (Tensor)g.GetVariable("raw/lstm_cell/kernel") });
            var gDyn = Tf.Gradients(Tf.ReduceSum(dyn * r), new[] { x, (Tensor)g.GetVariable("dyn/lstm_cell/kernel") });
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            var feeds = new FeedDict { [x] = GradCheck.Rand(1, T, B, D) };
            var a = s.Run(gRaw.Select(t => t!).ToList(), feeds);
            var b = s.Run(gDyn.Select(t => t!).ToList(), feeds);
            TestUtil.AssertClose(b[0], a[0], 1e-12);
            TestUtil.AssertClose(b[1], a[1], 1e-12);
        }
    }

    [Fact]
    public void StaticRnn_TenThousandSteps_Backpropagates()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float64, new Shape(1, 1), name: "x");
            var (outputs, state) = Tf.Nn.StaticRnn(new BasicRnnCell(2), Enumerable.Repeat(x, 10_000).ToList(), dtype: DType.Float64);
            var grads = Tf.Gradients(Tf.ReduceSum(state.Tensor), new[] { x, (Tensor)g.GetVariable("rnn/basic_rnn_cell/kernel") });
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            var r = s.Run(grads.Select(t => t!).ToList(), new FeedDict { [x] = new NDArray(new[] { 0.5 }, new Shape(1, 1)) });
            Assert.True(double.IsFinite(r[0].GetScalar<double>()));
            Assert.All(r[1].ToArray<double>(), v => Assert.True(double.IsFinite(v)));
        }
    }

    [Fact]
    public void DynamicRnn_ThousandStepLstm_Backpropagates()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(2, -1, 3), name: "x");
            var (outputs, _) = Tf.Nn.DynamicRnn(new LstmCell(8), x, dtype: DType.Float32);
            var grads = Tf.Gradients(Tf.ReduceSum(outputs), new[] { x, (Tensor)g.GetVariable("rnn/lstm_cell/kernel") });
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            var r = s.Run(grads.Select(t => t!).ToList(), new FeedDict { [x] = new NDArray(TestUtil.RandomFloats(2 * 1000 * 3, 1), new Shape(2, 1000, 3)) });
            Assert.Equal(new Shape(2, 1000, 3), r[0].Shape);
            Assert.All(r[0].ToArray<float>(), v => Assert.True(float.IsFinite(v)));
            Assert.Contains(r[1].ToArray<float>(), v => v != 0);
        }
    }
}
