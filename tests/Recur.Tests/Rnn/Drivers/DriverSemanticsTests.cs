using Recur.Rnn;

namespace Recur.Tests.Rnn.Drivers;

public class DriverSemanticsTests
{
    private static NDArray Rand(int seed, params int[] shape) =>
        new(TestUtil.RandomDoubles(shape.Aggregate(1, (a, b) => a * b), seed), new Shape(shape));

    private static NDArray RandF(int seed, params int[] shape) =>
        new(TestUtil.RandomFloats(shape.Aggregate(1, (a, b) => a * b), seed), new Shape(shape));

    // ---- B1 / B2: static_rnn with Plus1 cell.

    [Fact]
    public void StaticRnn_Plus1WithoutLengths_MatchesTfTestRNN()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(2, 5));
            var inputs = Enumerable.Repeat(x, 8).ToList();
            var (outputs, state) = Tf.Nn.StaticRnn(new Plus1Cell(), inputs, dtype: DType.Float32);
            Assert.Equal(new Shape(2, 5), outputs[0].Shape);
            Assert.Equal(DType.Float32, outputs[0].DType);
            using var s = new Session(g);
            var xv = RandF(1, 2, 5);
            var r = s.Run(outputs.Append(state.Tensor).ToList(), new FeedDict { [x] = xv });
            var x1 = xv.ToArray<float>().Select(v => (double)v + 1).ToArray();
            for (int t = 0; t < 8; t++) TestUtil.AssertClose(x1, r[t]);
            TestUtil.AssertClose(Enumerable.Repeat(8.0, 10).ToArray(), r[8]);
        }
    }

    [Fact]
    public void StaticRnn_Plus1WithLengths_MatchesTfTestDynamicCalculation()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(2, 5));
            var len = Tf.Placeholder(DType.Int64);
            var (outputs, state) = Tf.Nn.StaticRnn(new Plus1Cell(), Enumerable.Repeat(x, 8).ToList(), dtype: DType.Float32, sequenceLength: len);
            using var s = new Session(g);
            var xv = RandF(2, 2, 5);
            var r = s.Run(outputs.Append(state.Tensor).ToList(), new FeedDict { [x] = xv, [len] = new NDArray(new long[] { 2, 3 }) });
            var xp1 = xv.ToArray<float>().Select(v => (double)v + 1).ToArray();
            TestUtil.AssertClose(xp1, r[0]);
            TestUtil.AssertClose(xp1, r[1]);
            TestUtil.AssertClose(new double[5].Concat(xp1.Skip(5)).ToArray(), r[2]);
            for (int t = 3; t < 8; t++) TestUtil.AssertClose(new double[10], r[t], 0);
            TestUtil.AssertClose(Enumerable.Repeat(2.0, 5).Concat(Enumerable.Repeat(3.0, 5)).ToArray(), r[8]);
        }
    }

    // ---- B4: invalid sequence lengths and dtypes.

    [Fact]
    public void StaticRnn_ScalarSequenceLength_ThrowsMustBeVector()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(2, 5));
            var e = Assert.Throws<ArgumentException>(() =>
                Tf.Nn.StaticRnn(new Plus1Cell(), new[] { x, x }, dtype: DType.Float32, sequenceLength: Tf.Constant(4)));
            Assert.Contains("must be a vector", e.Message);
        }
    }

    [Fact]
    public void DynamicRnn_MatrixSequenceLength_ThrowsMustBeVector()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(2, 8, 5));
            var e = Assert.Throws<ArgumentException>(() =>
                Tf.Nn.DynamicRnn(new Plus1Cell(), x, dtype: DType.Float32, sequenceLength: Tf.Constant(new NDArray(new[] { 4 }, new Shape(1, 1)))));
            Assert.Contains("must be a vector", e.Message);
            Assert.Contains("(1, 1)", e.Message);
        }
    }

    [Fact]
    public void DynamicRnn_IntInputs_ThrowsOnlyFloatingPoint()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Int32, new Shape(3, 4, 5));
            var e = Assert.Throws<ArgumentException>(() => Tf.Nn.DynamicRnn(new BasicRnnCell(2), x, dtype: DType.Int32));
            Assert.Contains("RNN cell only supports floating point inputs", e.Message);
        }
    }

    // ---- B5 / B6 / B7: scalar, unbalanced-output and TensorArray states.

    private static NDArray B5Inputs => new(new float[] { 1, 2, 3, 4 }, new Shape(1, 4, 1));

    [Fact]
    public void DynamicRnn_ScalarState_IsAccepted()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var (outputs, state) = Tf.Nn.DynamicRnn(new ScalarStateCell(), Tf.Constant(B5Inputs), dtype: DType.Float32,
                sequenceLength: Tf.Constant(new NDArray(new[] { 4 })));
            using var s = new Session(g);
            var r = s.Run(new[] { outputs, state.Tensor });
            TestUtil.AssertClose(new double[] { 1, 2, 3, 4 }, r[0], 0, new Shape(1, 4, 1));
            Assert.Equal(4, r[1].GetScalar<int>());
        }
    }

    [Fact]
    public void DynamicRnn_UnbalancedTupleOutput_IsAccepted()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var (outputs, state) = Tf.Nn.DynamicRnn(new UnbalancedOutputCell(), RnnState.Of(Tf.Constant(B5Inputs)), dtype: DType.Float32,
                sequenceLength: Tf.Constant(new NDArray(new[] { 4 })));
            var o = (RnnStateTuple)outputs;
            using var s = new Session(g);
            var r = s.Run(new[] { o[0].Tensor, o[1].Tensor, state.Tensor });
            TestUtil.AssertClose(new double[] { 1, 2, 3, 4 }, r[0], 0, new Shape(1, 4, 1));
            TestUtil.AssertClose(new double[] { 1, 1, 2, 2, 3, 3, 4, 4 }, r[1], 0, new Shape(1, 4, 2));
            Assert.Equal(4, r[2].GetScalar<int>());
        }
    }

    [Fact]
    public void DynamicRnn_TensorArrayState_IsAccepted()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var (outputs, state) = Tf.Nn.DynamicRnn(new TensorArrayStateCell(), Tf.Constant(B5Inputs), dtype: DType.Float32,
                sequenceLength: Tf.Constant(new NDArray(new[] { 4 })));
            var st = (RnnStateTuple)state;
            using var s = new Session(g);
            var r = s.Run(new[] { outputs, st[0].Tensor, st[1].TensorArray.Stack() });
            TestUtil.AssertClose(new double[] { 1, 2, 3, 4 }, r[0], 0, new Shape(1, 4, 1));
            Assert.Equal(4, r[1].GetScalar<int>());
            TestUtil.AssertClose(new double[] { 1, 2, 3, 4 }, r[2], 0, new Shape(4, 1, 1));
        }
    }

    // ---- B8: batch size inference.

    [Fact]
    public void DynamicRnn_BatchSize_InferredFromInputStatically()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var (o1, s1) = Tf.Nn.DynamicRnn(new Plus1Cell(), Tf.Placeholder(DType.Float32, new Shape(3, 4, 5)), dtype: DType.Float32, scope: "a");
            Assert.Equal(3, o1.Shape[0]);
            Assert.Equal(3, s1.Tensor.Shape[0]);
            var (o2, s2) = Tf.Nn.DynamicRnn(new Plus1Cell(), Tf.Placeholder(DType.Float32, new Shape(3, 4, 5)),
                initialState: Tf.Placeholder(DType.Float32, new Shape(3, 5)), scope: "b");
            Assert.Equal(3, o2.Shape[0]);
            Assert.Equal(3, s2.Tensor.Shape[0]);
            var (o3, s3) = Tf.Nn.DynamicRnn(new Plus1Cell(), Tf.Placeholder(DType.Float32, new Shape(-1, 4, 5)), dtype: DType.Float32, scope: "c");
            Assert.Equal(-1, o3.Shape[0]);
            Assert.Equal(-1, s3.Tensor.Shape[0]);
            Assert.Equal(new Shape(-1, 4, 5), o3.Shape);
        }
    }

    // ---- The sequence-length contract (tf_rnn_api §2.7), dynamic and static.

    [Fact]
    public void DynamicRnn_SequenceLengths_ZeroOutputsCopyStateAndIgnorePadding()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float64, new Shape(-1, -1, 3), name: "x");
            var len = Tf.Placeholder(DType.Int32, new Shape(-1), name: "len");
            var cell = new BasicRnnCell(4);
            var (outputs, state) = Tf.Nn.DynamicRnn(cell, x, sequenceLength: len, dtype: DType.Float64);
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            var xv = Rand(3, 4, 5, 3).ToArray<double>();
            var lengths = new[] { 5, 2, 0, 9 };
            // Padding holds NaN: it must be ignored whatever it holds.
            var padded = (double[])xv.Clone();
            for (int b = 0; b < 4; b++)
                for (int t = Math.Min(lengths[b], 5); t < 5; t++)
                    for (int d = 0; d < 3; d++) padded[(b * 5 + t) * 3 + d] = double.NaN;
            var r = s.Run(new[] { outputs, state.Tensor }, new FeedDict { [x] = new NDArray(padded, new Shape(4, 5, 3)), [len] = lengths });
            var o = r[0].ToArray<double>();
            var st = r[1].ToArray<double>();
            Assert.DoesNotContain(o, double.IsNaN);
            // Per row: run the same graph on the row alone, unpadded, to get reference outputs.
            for (int b = 0; b < 4; b++)
            {
                int L = Math.Min(lengths[b], 5);
                double[] expectedState = new double[4];
                if (L > 0)
                {
                    var row = new NDArray(xv.Skip(b * 15).Take(L * 3).ToArray(), new Shape(1, L, 3));
                    var rr = s.Run(new[] { outputs, state.Tensor }, new FeedDict { [x] = row, [len] = new[] { L } });
                    var ro = rr[0].ToArray<double>();
                    for (int t = 0; t < L; t++)
                        for (int u = 0; u < 4; u++) Assert.Equal(ro[t * 4 + u], o[(b * 5 + t) * 4 + u], 12);
                    expectedState = rr[1].ToArray<double>();
                }
                for (int t = L; t < 5; t++)
                    for (int u = 0; u < 4; u++) Assert.Equal(0.0, o[(b * 5 + t) * 4 + u]);
                for (int u = 0; u < 4; u++) Assert.Equal(expectedState[u], st[b * 4 + u], 12);   // L = 0 → zero (initial) state
            }
        }
    }

    [Fact]
    public void DynamicRnn_LengthZeroWithInitialState_ReturnsInitialState()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float64, new Shape(2, 3, 2));
            var h0 = Tf.Placeholder(DType.Float64, new Shape(2, 4));
            var (outputs, state) = Tf.Nn.DynamicRnn(new BasicRnnCell(4), x, sequenceLength: Tf.Constant(new NDArray(new[] { 0, 0 })), initialState: h0);
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            var h0v = Rand(5, 2, 4);
            var r = s.Run(new[] { outputs, state.Tensor }, new FeedDict { [x] = Rand(4, 2, 3, 2), [h0] = h0v });
            TestUtil.AssertClose(new double[24], r[0], 0);
            TestUtil.AssertClose(h0v, r[1], 0);
        }
    }

    [Fact]
    public void DynamicRnn_NegativeLengthAtRunTime_Throws()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(2, 3, 2));
            var len = Tf.Placeholder(DType.Int32, new Shape(-1));
            var (outputs, _) = Tf.Nn.DynamicRnn(new BasicRnnCell(4), x, sequenceLength: len, dtype: DType.Float32);
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            var e = Assert.Throws<ArgumentException>(() => s.Run(outputs, new FeedDict { [x] = RandF(1, 2, 3, 2), [len] = new[] { 2, -1 } }));
            Assert.Contains("sequence_length[1] = -1 is negative", e.Message);
            var b = Assert.Throws<ArgumentException>(() => s.Run(outputs, new FeedDict { [x] = RandF(1, 2, 3, 2), [len] = new[] { 2, 1, 3 } }));
            Assert.Contains("[2]", b.Message);
            Assert.Contains("[3]", b.Message);
        }
    }

    [Fact]
    public void DynamicRnn_Errors_MatchTf()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(2, 3, 2));
            Assert.Contains("is not an RNNCell", Assert.Throws<ArgumentNullException>(() => Tf.Nn.DynamicRnn(null!, x, dtype: DType.Float32)).Message);
            Assert.Contains("you must give a dtype", Assert.Throws<ArgumentException>(() => Tf.Nn.DynamicRnn(new BasicRnnCell(2), x)).Message);
            var rank2 = Tf.Placeholder(DType.Float32, new Shape(2, 3));
            Assert.Contains("rank at least 3", Assert.Throws<ArgumentException>(() => Tf.Nn.DynamicRnn(new BasicRnnCell(2), rank2, dtype: DType.Float32, scope: "r2")).Message);
            var noDepth = Tf.Placeholder(DType.Float32, new Shape(2, 3, -1));
            Assert.Contains("depth of inputs", Assert.Throws<ArgumentException>(() => Tf.Nn.DynamicRnn(new BasicRnnCell(2), noDepth, dtype: DType.Float32, scope: "nd")).Message);
            var a = Tf.Placeholder(DType.Float32, new Shape(2, 3, 2));
            var bT = Tf.Placeholder(DType.Float32, new Shape(2, 4, 2));
            var bB = Tf.Placeholder(DType.Float32, new Shape(5, 3, 2));
            Assert.Contains("Time steps is not the same", Assert.Throws<ArgumentException>(() =>
                Tf.Nn.DynamicRnn(new Plus1Cell(2), new RnnStateTuple(a, bT), dtype: DType.Float32, scope: "t")).Message, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("batch_size is not the same", Assert.Throws<ArgumentException>(() =>
                Tf.Nn.DynamicRnn(new Plus1Cell(2), new RnnStateTuple(a, bB), dtype: DType.Float32, scope: "b")).Message, StringComparison.OrdinalIgnoreCase);
            var wrongState = Tf.Placeholder(DType.Float32, new Shape(2, 7));
            Assert.Throws<ArgumentException>(() => Tf.Nn.DynamicRnn(new BasicRnnCell(2), x, initialState: new RnnStateTuple(wrongState, wrongState), scope: "ws"));
        }
    }

    [Fact]
    public void StaticRnn_Errors_MatchTf()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(2, 3));
            Assert.Contains("must not be empty", Assert.Throws<ArgumentException>(() => Tf.Nn.StaticRnn(new BasicRnnCell(2), Array.Empty<Tensor>(), dtype: DType.Float32)).Message);
            Assert.Contains("must be a sequence", Assert.Throws<ArgumentException>(() => Tf.Nn.StaticRnn(new BasicRnnCell(2), (IReadOnlyList<Tensor>)null!, dtype: DType.Float32)).Message);
            Assert.Contains("dtype must be specified", Assert.Throws<ArgumentException>(() => Tf.Nn.StaticRnn(new BasicRnnCell(2), new[] { x })).Message);
            var unknownDepth = Tf.Placeholder(DType.Float32, new Shape(2, -1));
            Assert.Contains("dimension 1 of inputs", Assert.Throws<ArgumentException>(() => Tf.Nn.StaticRnn(new BasicRnnCell(2), new[] { unknownDepth }, dtype: DType.Float32, scope: "u")).Message);
            var other = Tf.Placeholder(DType.Float32, new Shape(4, 3));
            Assert.Contains("not compatible", Assert.Throws<ArgumentException>(() => Tf.Nn.StaticRnn(new BasicRnnCell(2), new[] { x, other }, dtype: DType.Float32, scope: "b")).Message);
        }
    }

    [Fact]
    public void DynamicRnn_SecondCallSameScope_ThrowsVariableExists()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(2, 3, 2));
            Tf.Nn.DynamicRnn(new BasicRnnCell(2), x, dtype: DType.Float32);
            Assert.NotNull(g.GetVariable("rnn/basic_rnn_cell/kernel"));
            var e = Assert.Throws<ArgumentException>(() => Tf.Nn.DynamicRnn(new BasicRnnCell(2), x, dtype: DType.Float32));
            Assert.Contains("rnn/basic_rnn_cell/kernel already exists", e.Message);
        }
    }

    // ---- One graph, any T and any batch.

    [Fact]
    public void DynamicRnn_GraphSizeIndependentOfTime_AnyLengthAndBatch()
    {
        int OpsFor(int? t)
        {
            var g = new Graph();
            using (g.AsDefault())
            {
                Tf.Nn.DynamicRnn(new BasicRnnCell(3), Tf.Placeholder(DType.Float32, new Shape(-1, t ?? -1, 2)), dtype: DType.Float32);
                return g.Operations.Count;
            }
        }
        Assert.Equal(OpsFor(10), OpsFor(1000));
        var g2 = new Graph();
        using (g2.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(-1, -1, 2));
            var (outputs, state) = Tf.Nn.DynamicRnn(new BasicRnnCell(3), x, dtype: DType.Float32);
            using var s = new Session(g2);
            s.Run(Tf.GlobalVariablesInitializer());
            foreach (var (b, t) in new[] { (1, 1), (3, 7), (2, 50) })
            {
                var r = s.Run(new[] { outputs, state.Tensor }, new FeedDict { [x] = RandF(b + t, b, t, 2) });
                Assert.Equal(new Shape(b, t, 3), r[0].Shape);
                Assert.Equal(new Shape(b, 3), r[1].Shape);
                // The final state is the last output.
                var o = r[0].ToArray<float>();
                var st = r[1].ToArray<float>();
                for (int i = 0; i < b; i++)
                    for (int u = 0; u < 3; u++) Assert.Equal(o[(i * t + t - 1) * 3 + u], st[i * 3 + u]);
            }
        }
    }

    [Fact]
    public void StaticRnn_TenThousandSteps_BuildsAndRuns()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(1, 1));
            var inputs = Enumerable.Repeat(x, 10_000).ToList();
            var (outputs, state) = Tf.Nn.StaticRnn(new Plus1Cell(1), inputs, dtype: DType.Float32);
            using var s = new Session(g);
            var r = s.Run(new[] { outputs[^1], state.Tensor }, new FeedDict { [x] = new NDArray(new float[] { 2 }, new Shape(1, 1)) });
            Assert.Equal(3f, r[0].GetScalar<float>());
            Assert.Equal(10_000f, r[1].GetScalar<float>());
        }
    }

    // ---- Static == dynamic for multi-dimensional states (D5), with and without lengths.

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void StaticEqualsDynamic_MultiDimensionalState(bool withLengths)
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float64, new Shape(6, 2, 3));   // time-major
            var len = withLengths ? Tf.Constant(new NDArray(new[] { 4, 6 })) : null;
            var (dOut, dState) = Tf.Nn.DynamicRnn(new MultiDimCell(), x, sequenceLength: len, dtype: DType.Float64, timeMajor: true, scope: "d");
            var (sOut, sState) = Tf.Nn.StaticRnn(new MultiDimCell(), Tf.Unstack(x, 0), dtype: DType.Float64, sequenceLength: len, scope: "s");
            using var s = new Session(g);
            var feeds = new FeedDict { [x] = Rand(9, 6, 2, 3) };
            var r = s.Run(new[] { dOut, Tf.Stack(sOut, 0), dState.Tensor, sState.Tensor }, feeds);
            TestUtil.AssertClose(r[0], r[1], 0);
            TestUtil.AssertClose(r[2], r[3], 0);
            Assert.Equal(new Shape(6, 2, 3, 4), r[0].Shape);
        }
    }

    // ---- GetInitialState errors (D12).

    [Fact]
    public void GetInitialState_Errors_MatchTf()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var cell = new BasicRnnCell(5);
            Assert.Contains("batch_size and dtype cannot be None", Assert.Throws<ArgumentException>(() => cell.GetInitialState()).Message);
            var inputs = Tf.Placeholder(DType.Float32, new Shape(2, 3));
            Assert.Contains("batch size from input tensor is different from", Assert.Throws<ArgumentException>(() => cell.GetInitialState(inputs, Tf.Constant(3), DType.Float32)).Message);
            Assert.Contains("dtype from input tensor is different from", Assert.Throws<ArgumentException>(() => cell.GetInitialState(inputs, Tf.Constant(2), DType.Float64)).Message);
            var unknown = Tf.Placeholder(DType.Float32, new Shape(-1, 3));
            var st = cell.GetInitialState(unknown);
            Assert.Equal(new Shape(-1, 5), st.Tensor.Shape);
            Assert.Equal(DType.Float32, st.Tensor.DType);
        }
    }
}
