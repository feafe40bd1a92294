using Recur.Rnn;

namespace Recur.Tests.Rnn.Drivers;

/// <summary>A cell with nested inputs (a, b), nested outputs (5, 5) and nested states (6, 6), like TF's NestedRNNCell test cell.</summary>
internal sealed class NestedCell() : RnnCell(null)
{
    public override RnnSize StateSize => RnnSize.Tuple(6, 6);
    public override RnnSize OutputSize => RnnSize.Tuple(5, 5);
    protected override (Tensor Output, RnnState State) CallCore(Tensor input, RnnState state) => throw new InvalidOperationException("nested cell");
    protected override void BuildNested(RnnState input) { }
    protected override (RnnState Output, RnnState State) CallNestedCore(RnnState input, RnnState state)
    {
        var i = (RnnStateTuple)input;
        var s = (RnnStateTuple)state;
        Tensor a = i[0].Tensor, b = i[1].Tensor, s1 = s[0].Tensor, s2 = s[1].Tensor;
        var o1 = a + Tf.Slice(s1, new[] { 0, 0 }, new[] { -1, 5 });
        var o2 = b * 2.0 - Tf.Slice(s2, new[] { 0, 1 }, new[] { -1, 5 });
        var n1 = Tf.Tanh(s1 + Tf.Concat(new[] { o1, Tf.Slice(o2, new[] { 0, 0 }, new[] { -1, 1 }) }, 1));
        var n2 = s2 * 0.5 + Tf.Concat(new[] { Tf.Slice(o1, new[] { 0, 4 }, new[] { -1, 1 }), o2 }, 1);
        return (new RnnStateTuple(o1, o2), new RnnStateTuple(n1, n2));
    }
}

/// <summary>TF's remaining property checks (tf_golden_values.md B3, D5, D9, D10, D11).</summary>
public class TfPropertyTests
{
    private static NDArray Rand(int seed, params int[] shape) =>
        new(TestUtil.RandomDoubles(shape.Aggregate(1, (a, b) => a * b), seed), new Shape(shape));

    /// <summary>B3 testDropout: full input dropout (keep 1e-6) feeds zeros to Plus1, so every output is one.</summary>
    [Fact]
    public void StaticRnn_FullInputDropout_OutputsOnes()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(2, 5));
            var inputs = Enumerable.Repeat(x, 8).ToList();
            var (plain, _) = Tf.Nn.StaticRnn(new Plus1Cell(), inputs, dtype: DType.Float32, scope: "plain");
            var (dropped, _) = Tf.Nn.StaticRnn(new DropoutWrapper(new Plus1Cell(), inputKeepProb: 1e-6, seed: 0), inputs, dtype: DType.Float32, scope: "drop");
            using var s = new Session(g);
            var xv = new NDArray(TestUtil.RandomFloats(10, 4), new Shape(2, 5));
            var r = s.Run(plain.Concat(dropped).ToList(), new FeedDict { [x] = xv });
            var xp1 = xv.ToArray<float>().Select(v => (double)v + 1).ToArray();
            for (int t = 0; t < 8; t++)
            {
                TestUtil.AssertClose(xp1, r[t]);
                TestUtil.AssertClose(Enumerable.Repeat(1.0, 10).ToArray(), r[8 + t]);
            }
        }
    }

    /// <summary>D5: a cell with nested inputs, outputs and states: static == dynamic, with lengths [4, 6].</summary>
    [Fact]
    public void NestedCell_StaticEqualsDynamicWithLengths()
    {
        const int T = 6, B = 2;
        var g = new Graph();
        using (g.AsDefault())
        {
            var a = Tf.Placeholder(DType.Float64, new Shape(B, 5), name: "a");
            var b = Tf.Placeholder(DType.Float64, new Shape(B, 5), name: "b");
            var len = Tf.Constant(new NDArray(new[] { 4, 6 }));
            var steps = Enumerable.Repeat((RnnState)new RnnStateTuple(a, b), T).ToList();
            var (sOut, sState) = Tf.Nn.StaticRnn(new NestedCell(), steps, dtype: DType.Float64, sequenceLength: len, scope: "s");
            var seqA = Tf.Stack(Enumerable.Repeat(a, T).ToList(), 1);
            var seqB = Tf.Stack(Enumerable.Repeat(b, T).ToList(), 1);
            var (dOut, dState) = Tf.Nn.DynamicRnn(new NestedCell(), new RnnStateTuple(seqA, seqB), len, dtype: DType.Float64, scope: "d");
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            var feeds = new FeedDict { [a] = Rand(1, B, 5), [b] = Rand(2, B, 5) };
            var dO = (RnnStateTuple)dOut;
            var fetch = new List<Tensor>();
            for (int k = 0; k < 2; k++)
            {
                fetch.Add(Tf.Stack(sOut.Select(o => ((RnnStateTuple)o)[k].Tensor).ToList(), 1));
                fetch.Add(dO[k].Tensor);
            }
            fetch.AddRange(sState.Flatten());
            fetch.AddRange(dState.Flatten());
            var r = s.Run(fetch, feeds);
            TestUtil.AssertClose(r[0], r[1], 1e-12);
            TestUtil.AssertClose(r[2], r[3], 1e-12);
            TestUtil.AssertClose(r[4], r[6], 1e-12);
            TestUtil.AssertClose(r[5], r[7], 1e-12);
        }
    }

    /// <summary>
    /// D5 (continued): static_state_saving_rnn equals static_rnn; static_bidirectional_rnn(cell, cell) of a symmetric
    /// input has both final states equal to static_rnn's and output[t] = concat(static[t], static[T−1−t]).
    /// </summary>
    [Fact]
    public void NestedCell_StateSavingAndBidirectional_EqualStatic()
    {
        const int T = 5, B = 2;
        var g = new Graph();
        using (g.AsDefault())
        {
            var a = Tf.Placeholder(DType.Float64, new Shape(B, 5), name: "a");
            var b = Tf.Placeholder(DType.Float64, new Shape(B, 5), name: "b");
            var steps = Enumerable.Repeat((RnnState)new RnnStateTuple(a, b), T).ToList();
            var (sOut, sState) = Tf.Nn.StaticRnn(new NestedCell(), steps, dtype: DType.Float64, scope: "s");
            var saver = new InMemoryStateSaver(B, DType.Float64, ("s1", 6), ("s2", 6));
            var (ssOut, ssState) = Tf.Nn.StaticStateSavingRnn(new NestedCell(), steps, saver, new[] { "s1", "s2" }, scope: "ss");
            var cell = new NestedCell();
            var (biOut, biFw, biBw) = Tf.Nn.StaticBidirectionalRnn(cell, cell, steps, dtype: DType.Float64, scope: "bi");
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            var feeds = new FeedDict { [a] = Rand(1, B, 5), [b] = Rand(2, B, 5) };
            var sLast = (RnnStateTuple)sOut[^1];
            var ssLast = (RnnStateTuple)ssOut[^1];
            var biLast = (RnnStateTuple)biOut[^1];
            var sFirst = (RnnStateTuple)sOut[0];
            var r = s.Run(new[]
            {
                sLast[0].Tensor, ssLast[0].Tensor, sLast[1].Tensor, ssLast[1].Tensor,
                sState.Flatten()[0], ssState.Flatten()[0], biFw.Flatten()[0], biBw.Flatten()[0],
                Tf.Concat(new[] { sLast[0].Tensor, sFirst[0].Tensor }, 1), biLast[0].Tensor,
            }, feeds);
            TestUtil.AssertClose(r[0], r[1], 1e-12);
            TestUtil.AssertClose(r[2], r[3], 1e-12);
            TestUtil.AssertClose(r[4], r[5], 1e-12);
            TestUtil.AssertClose(r[4], r[6], 1e-12);
            TestUtil.AssertClose(r[6], r[7], 1e-12);
            TestUtil.AssertClose(r[8], r[9], 1e-12);
        }
    }

    /// <summary>D9 testResidualWrapper[WithSlice]: output = base output + input (or a slice of it); states identical.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ResidualWrapper_GruWithConstantInit_AddsInput(bool withSlice)
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            int width = withSlice ? 5 : 3;
            var x = Tf.Constant(new NDArray(Enumerable.Repeat(1.0, width).ToArray(), new Shape(1, width)));
            var m = Tf.Constant(new NDArray(new[] { 0.1, 0.1, 0.1 }, new Shape(1, 3)));
            var init = Initializers.Constant(0.5);
            Tensor baseOut, resOut;
            RnnState baseState, resState;
            using (Tf.VariableScope("base"))
                (baseOut, baseState) = new GruCell(3, kernelInitializer: init, biasInitializer: init).Call(x, m);
            using (Tf.VariableScope("res"))
            {
                var wrapped = withSlice
                    ? new ResidualWrapper(new GruCell(3, kernelInitializer: init, biasInitializer: init), (i, o) => Tf.Slice(i, new[] { 0, 0 }, new[] { -1, 3 }) + o)
                    : new ResidualWrapper(new GruCell(3, kernelInitializer: init, biasInitializer: init));
                (resOut, resState) = wrapped.Call(x, m);
            }
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            var r = s.Run(new[] { baseOut, resOut, baseState.Tensor, resState.Tensor });
            TestUtil.AssertClose(r[0].ToArray<double>().Select(v => v + 1).ToArray(), r[1], 1e-12);
            TestUtil.AssertClose(r[2], r[3], 1e-12);
        }
    }

    /// <summary>D10 testDynamicRNNAllowsUnknownTimeDimension: a GRU over (1, ?, 20) with random lengths.</summary>
    [Fact]
    public void DynamicRnn_GruUnknownTimeDimension_Runs()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(1, -1, 20));
            var (outputs, state) = Tf.Nn.DynamicRnn(new GruCell(30), x, Tf.Constant(new NDArray(new[] { 3 })), dtype: DType.Float32);
            Assert.Equal(new Shape(1, -1, 30), outputs.Shape);
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            var r = s.Run(new[] { outputs, state.Tensor }, new FeedDict { [x] = new NDArray(TestUtil.RandomFloats(100, 3), new Shape(1, 5, 20)) });
            Assert.Equal(new Shape(1, 5, 30), r[0].Shape);
            var o = r[0].ToArray<float>();
            Assert.All(o.Skip(3 * 30), v => Assert.Equal(0f, v));
            Assert.Equal(o.Skip(2 * 30).Take(30).ToArray(), r[1].ToArray<float>());
        }
    }

    /// <summary>D11: a BasicLstmCell checkpoint restores into LstmCell(name: "basic_lstm_cell") and gives the same outputs.</summary>
    [Fact]
    public void BasicLstmCheckpoint_RestoresIntoLstmCell()
    {
        var dir = Path.Combine(Path.GetTempPath(), "recur-d11-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var xv = Rand(3, 2, 4, 3);
            NDArray expected;
            string path;
            var g1 = new Graph();
            using (g1.AsDefault())
            {
                var x = Tf.Placeholder(DType.Float64, new Shape(2, 4, 3));
                var (o, _) = Tf.Nn.DynamicRnn(new BasicLstmCell(1), x, dtype: DType.Float64);
                using var s = new Session(g1);
                s.Run(Tf.GlobalVariablesInitializer());
                g1.GetVariable("rnn/basic_lstm_cell/bias").Load(new NDArray(new[] { 10.0, 10.0, 10.0, 10.0 }), s);
                expected = s.Run(o, new FeedDict { [x] = xv });
                path = new Tf.Train.Saver().Save(s, Path.Combine(dir, "model.ckpt"));
            }
            var g2 = new Graph();
            using (g2.AsDefault())
            {
                var x = Tf.Placeholder(DType.Float64, new Shape(2, 4, 3));
                var (o, _) = Tf.Nn.DynamicRnn(new LstmCell(1, name: "basic_lstm_cell"), x, dtype: DType.Float64);
                using var s = new Session(g2);
                new Tf.Train.Saver().Restore(s, path);
                TestUtil.AssertClose(expected, s.Run(o, new FeedDict { [x] = xv }), 1e-15);
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
