using Recur.Rnn;

namespace Recur.Tests.Rnn.Drivers;

/// <summary>TF's property checks (tf_golden_values.md §D and B9): static == dynamic, bidirectional symmetry, raw_rnn == dynamic_rnn, state saving.</summary>
public class EquivalenceTests
{
    private static NDArray Rand(int seed, params int[] shape) =>
        new(TestUtil.RandomDoubles(shape.Aggregate(1, (a, b) => a * b), seed), new Shape(shape));

    private static Func<RnnCell>[] AllCells(Initializer init) => new Func<RnnCell>[]
    {
        () => new BasicRnnCell(3),
        () => new BasicLstmCell(3),
        () => new BasicLstmCell(3, stateIsTuple: false),
        () => new LstmCell(3, usePeepholes: true, numProj: 4, initializer: init, stateIsTuple: false),
        () => new LstmCell(3, usePeepholes: true, cellClip: 0.5, numProj: 4, projClip: 0.3, initializer: init),
        () => new GruCell(3),
        () => new GruCell(3, resetAfter: true),
        () => new MultiRnnCell(Enumerable.Range(0, 3).Select(i => (RnnCell)new LstmCell(3 + i, usePeepholes: true, numProj: 4 + i, initializer: init))),
        () => new MultiRnnCell(new RnnCell[] { new GruCell(4), new BasicRnnCell(3) }, stateIsTuple: false),
    };

    public static IEnumerable<object[]> Cases()
    {
        for (int c = 0; c < 9; c++)
        {
            yield return new object[] { c, false };
            yield return new object[] { c, true };
        }
    }

    /// <summary>D1/D2: static and dynamic (time-major) give the same outputs and final state for every cell, with and without lengths in [0, T).</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void StaticRnn_EqualsDynamicRnn(int cellIndex, bool withLengths)
    {
        const int T = 8, B = 3, D = 5;
        var g = new Graph();
        using (g.AsDefault())
        {
            var init = Initializers.RandomUniform(-0.3, 0.3, seed: 23489);
            var x = Tf.Placeholder(DType.Float64, new Shape(T, B, D), name: "x");
            var len = withLengths ? Tf.Placeholder(DType.Int32, new Shape(B), name: "len") : null;
            RnnState staticState, dynamicState;
            IReadOnlyList<Tensor> staticOut;
            Tensor dynamicOut;
            using (Tf.VariableScope("static", initializer: init))
                (staticOut, staticState) = Tf.Nn.StaticRnn(AllCells(init)[cellIndex](), Tf.Unstack(x, 0), dtype: DType.Float64, sequenceLength: len);
            using (Tf.VariableScope("dynamic", initializer: init))
                (dynamicOut, dynamicState) = Tf.Nn.DynamicRnn(AllCells(init)[cellIndex](), x, sequenceLength: len, dtype: DType.Float64, timeMajor: true);
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            // Same variables in both scopes: copy the static values over the dynamic ones.
            foreach (var v in g.Variables.Where(v => v.Name.StartsWith("static/", StringComparison.Ordinal)))
                g.GetVariable("dynamic/" + v.Name["static/".Length..]).Load(s.Run(v), s);
            var feeds = new FeedDict { [x] = Rand(cellIndex + 1, T, B, D) };
            if (len is not null) feeds[len] = new[] { 7, 0, 3 };
            var fetch = new List<Tensor> { Tf.Stack(staticOut, 0), dynamicOut };
            fetch.AddRange(staticState.Flatten());
            fetch.AddRange(dynamicState.Flatten());
            var r = s.Run(fetch, feeds);
            TestUtil.AssertClose(r[0], r[1], 1e-12);
            int n = staticState.Flatten().Count;
            for (int i = 0; i < n; i++) TestUtil.AssertClose(r[2 + i], r[2 + n + i], 1e-12);
            if (withLengths)
            {
                // Row 1 has length 0: outputs are zero, the state is the zero initial state.
                var o = r[1].ToArray<double>();
                int width = r[1].Shape[2];
                for (int t = 0; t < T; t++)
                    for (int u = 0; u < width; u++) Assert.Equal(0.0, o[(t * B + 1) * width + u]);
            }
        }
    }

    /// <summary>D3: a non-tuple LSTM state is the concatenation [c, h] of the tuple state, outputs equal.</summary>
    [Fact]
    public void LstmCell_StateIsTupleFalse_EqualsConcatenatedTuple()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var init = Initializers.RandomUniform(-0.5, 0.5, seed: 3);
            var x = Tf.Placeholder(DType.Float64, new Shape(2, 6, 4));
            var len = Tf.Constant(new NDArray(new[] { 4, 6 }));
            var (o1, s1) = Tf.Nn.DynamicRnn(new LstmCell(3, usePeepholes: true, numProj: 2, initializer: init), x, len, dtype: DType.Float64, scope: "tuple");
            var (o2, s2) = Tf.Nn.DynamicRnn(new LstmCell(3, usePeepholes: true, numProj: 2, initializer: init, stateIsTuple: false), x, len, dtype: DType.Float64, scope: "flat");
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            var t = (LstmStateTuple)s1;
            Assert.Equal(new Shape(2, 5), s2.Tensor.Shape);
            var r = s.Run(new[] { o1, o2, Tf.Concat(new[] { t.C, t.H }, 1), s2.Tensor }, new FeedDict { [x] = Rand(7, 2, 6, 4) });
            TestUtil.AssertClose(r[0], r[1], 1e-12);
            TestUtil.AssertClose(r[2], r[3], 1e-12);
        }
    }

    /// <summary>D4: with the same input at every step and identical fw/bw weights, bw output at t equals fw output at len−1−t.</summary>
    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void Bidirectional_SymmetricInputs_BackwardMirrorsForward(bool timeMajor, bool useLengths)
    {
        const int T = 8, B = 2, D = 5, H = 3;
        var g = new Graph();
        using (g.AsDefault())
        {
            var init = Initializers.RandomUniform(-0.1, 0.1, seed: 1);
            var step = Tf.Placeholder(DType.Float64, new Shape(B, D), name: "step");
            var steps = Enumerable.Repeat(step, T).ToList();
            var seq = Tf.Stack(steps, timeMajor ? 0 : 1);
            var len = useLengths ? Tf.Constant(new NDArray(new[] { 2, 3 })) : null;
            ((Tensor fw, Tensor bw), (RnnState sfw, RnnState sbw)) = Tf.Nn.BidirectionalDynamicRnn(
                new LstmCell(H, initializer: init), new LstmCell(H, initializer: init), seq, len, dtype: DType.Float64, timeMajor: timeMajor, scope: "dyn");
            var (sOut, ssFw, ssBw) = Tf.Nn.StaticBidirectionalRnn(new LstmCell(H, initializer: init), new LstmCell(H, initializer: init), steps,
                dtype: DType.Float64, sequenceLength: len, scope: "stat");
            Assert.NotNull(g.GetVariable("dyn/fw/lstm_cell/kernel"));
            Assert.NotNull(g.GetVariable("dyn/bw/lstm_cell/kernel"));
            Assert.NotNull(g.GetVariable("stat/fw/lstm_cell/kernel"));
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            var feeds = new FeedDict { [step] = Rand(11, B, D) };
            var fwTm = timeMajor ? fw : Tf.Transpose(fw, new[] { 1, 0, 2 });
            var bwTm = timeMajor ? bw : Tf.Transpose(bw, new[] { 1, 0, 2 });
            var r = s.Run(new[] { fwTm, bwTm, Tf.Stack(sOut, 0), ((LstmStateTuple)sfw).H, ((LstmStateTuple)sbw).H, ((LstmStateTuple)ssFw).H, ((LstmStateTuple)ssBw).H }, feeds);
            var f = r[0].ToArray<double>();
            var b = r[1].ToArray<double>();
            var st = r[2].ToArray<double>();
            int[] lens = useLengths ? new[] { 2, 3 } : new[] { T, T };
            for (int row = 0; row < B; row++)
            {
                for (int t = 0; t < lens[row]; t++)
                {
                    for (int u = 0; u < H; u++)
                    {
                        double fwv = f[(t * B + row) * H + u];
                        double bwMirror = b[((lens[row] - 1 - t) * B + row) * H + u];
                        Assert.Equal(fwv, bwMirror, 12);
                        // Static: outputs concatenated [fw | bw] per step.
                        Assert.Equal(fwv, st[(t * B + row) * 2 * H + u], 12);
                        Assert.Equal(b[(t * B + row) * H + u], st[(t * B + row) * 2 * H + H + u], 12);
                    }
                }
            }
            TestUtil.AssertClose(r[3], r[4], 1e-12);
            TestUtil.AssertClose(r[3], r[5], 1e-12);
            TestUtil.AssertClose(r[5], r[6], 1e-12);
        }
    }

    /// <summary>D6: raw_rnn with the docstring loop_fn equals dynamic_rnn (time-major) with the same lengths.</summary>
    [Fact]
    public void RawRnn_DocstringLoopFn_EqualsDynamicRnn()
    {
        const int T = 10, B = 4, D = 3, H = 5;
        var g = new Graph();
        using (g.AsDefault())
        {
            var init = Initializers.RandomUniform(-0.4, 0.4, seed: 9);
            var x = Tf.Placeholder(DType.Float64, new Shape(T, B, D), name: "x");
            var lengths = Tf.Constant(new NDArray(new[] { T, 3, 7, 1 }));
            var inputsTa = new TensorArray(DType.Float64, T).Unstack(x);
            var rawCell = new LstmCell(H, initializer: init);
            var (emit, rawState, loopState) = Tf.Nn.RawRnn(rawCell, (time, cellOutput, cellState, _) =>
            {
                var nextState = cellOutput is null ? rawCell.ZeroState(B, DType.Float64) : cellState!;
                var finished = Tf.GreaterEqual(time, lengths);
                var next = inputsTa.Read(Tf.Minimum(time, Tf.Constant(T - 1)));
                return new RawRnnStep(finished, next, nextState, cellOutput is null ? null : RnnState.Of(cellOutput));
            }, scope: "raw");
            Assert.Null(loopState);
            var (dynOut, dynState) = Tf.Nn.DynamicRnn(new LstmCell(H, initializer: init), x, lengths, dtype: DType.Float64, timeMajor: true, scope: "dyn");
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            var feeds = new FeedDict { [x] = Rand(5, T, B, D) };
            var r = s.Run(new[] { emit.TensorArray.Stack(), dynOut, ((LstmStateTuple)rawState).C, ((LstmStateTuple)dynState).C, ((LstmStateTuple)rawState).H, ((LstmStateTuple)dynState).H }, feeds);
            TestUtil.AssertClose(r[1], r[0], 1e-12);
            TestUtil.AssertClose(r[3], r[2], 1e-12);
            TestUtil.AssertClose(r[5], r[4], 1e-12);
        }
    }

    /// <summary>B9 testLoopState: a loop state counting steps ends at [10].</summary>
    [Fact]
    public void RawRnn_LoopState_CountsSteps()
    {
        const int maxTime = 10, batch = 16, depth = 4;
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(maxTime, batch, depth));
            var ta = new TensorArray(DType.Float32, maxTime).Unstack(x);
            var cell = new LstmCell(3);
            var (_, _, loopState) = Tf.Nn.RawRnn(cell, (time, output, state, ls) =>
            {
                var finished = Tf.Tile(Tf.Reshape(Tf.GreaterEqual(time, Tf.Constant(maxTime)), new[] { 1 }), new[] { batch });
                var next = ta.Read(Tf.Minimum(time, Tf.Constant(maxTime - 1)));
                var nextLoop = ls is null ? Tf.Constant(new NDArray(new[] { 0 })) : Tf.Stack(new[] { Tf.Squeeze(ls.Tensor) + 1 }, 0);
                return new RawRnnStep(finished, next, output is null ? cell.ZeroState(batch, DType.Float32) : state!, null, nextLoop);
            });
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            var r = s.Run(loopState!.Tensor, new FeedDict { [x] = new NDArray(TestUtil.RandomFloats(maxTime * batch * depth, 1), new Shape(maxTime, batch, depth)) });
            Assert.Equal(new[] { 10 }, r.ToArray<int>());
        }
    }

    /// <summary>B9 testLoopStateWithTensorArray: a TensorArray loop state accumulates [1, 2, 4, 7, 11].</summary>
    [Fact]
    public void RawRnn_TensorArrayLoopState_Accumulates()
    {
        const int maxTime = 4, batch = 2, depth = 3;
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Zeros(new Shape(maxTime, batch, depth), DType.Float32);
            var ta = new TensorArray(DType.Float32, maxTime).Unstack(x);
            var cell = new LstmCell(3);
            var (_, _, loopState) = Tf.Nn.RawRnn(cell, (time, output, state, ls) =>
            {
                var finished = Tf.Tile(Tf.Reshape(Tf.GreaterEqual(time, Tf.Constant(maxTime)), new[] { 1 }), new[] { batch });
                var next = ta.Read(Tf.Minimum(time, Tf.Constant(maxTime - 1)));
                RnnState nextLoop = ls is null
                    ? RnnState.Of(new TensorArray(DType.Int32, 0, dynamicSize: true).Write(0, Tf.Constant(1)))
                    : RnnState.Of(ls.TensorArray.Write(time, ls.TensorArray.Read(time - 1) + time));
                return new RawRnnStep(finished, next, output is null ? cell.ZeroState(batch, DType.Float32) : state!, null, nextLoop);
            });
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            Assert.Equal(new[] { 1, 2, 4, 7, 11 }, s.Run(loopState!.TensorArray.Stack()).ToArray<int>());
        }
    }

    /// <summary>B9 testEmitDifferentStructureThanCellOutput: a nested emit of other dtypes.</summary>
    [Fact]
    public void RawRnn_EmitDifferentStructure_StacksEachLeaf()
    {
        const int maxTime = 10, batch = 16, depth = 4;
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Zeros(new Shape(maxTime, batch, depth), DType.Float32);
            var ta = new TensorArray(DType.Float32, maxTime).Unstack(x);
            var cell = new LstmCell(3);
            var (emit, _, _) = Tf.Nn.RawRnn(cell, (time, output, state, _) =>
            {
                var finished = Tf.Tile(Tf.Reshape(Tf.GreaterEqual(time, Tf.Constant(maxTime)), new[] { 1 }), new[] { batch });
                var next = ta.Read(Tf.Minimum(time, Tf.Constant(maxTime - 1)));
                var e = output is null
                    ? new RnnStateTuple(Tf.Zeros(new Shape(batch, 2, 3), DType.Int32), Tf.Zeros(new Shape(batch, 1), DType.Int64))
                    : new RnnStateTuple(Tf.Ones(new Shape(batch, 2, 3), DType.Int32), Tf.Ones(new Shape(batch, 1), DType.Int64));
                return new RawRnnStep(finished, next, output is null ? cell.ZeroState(batch, DType.Float32) : state!, e);
            });
            var tup = (RnnStateTuple)emit;
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            var r = s.Run(new[] { tup[0].TensorArray.Stack(), tup[1].TensorArray.Stack() });
            Assert.Equal(new Shape(maxTime, batch, 2, 3), r[0].Shape);
            Assert.All(r[0].ToArray<int>(), v => Assert.Equal(1, v));
            Assert.Equal(new Shape(maxTime, batch, 1), r[1].Shape);
            Assert.All(r[1].ToArray<long>(), v => Assert.Equal(1L, v));
        }
    }

    /// <summary>D5/D8: static_state_saving_rnn equals static_rnn from the saved state, and saves the final state.</summary>
    [Fact]
    public void StaticStateSavingRnn_EqualsStaticRnnAndSavesState()
    {
        const int T = 5, B = 2, D = 3, H = 4;
        var g = new Graph();
        using (g.AsDefault())
        {
            var init = Initializers.RandomUniform(-0.5, 0.5, seed: 4);
            var x = Tf.Placeholder(DType.Float64, new Shape(T, B, D));
            var inputs = Tf.Unstack(x, 0);
            var saver = new InMemoryStateSaver(B, DType.Float64, ("c", H), ("h", H));
            var (sOut, sState) = Tf.Nn.StaticStateSavingRnn(new LstmCell(H, initializer: init), inputs, saver, new[] { "c", "h" }, scope: "saving");
            var c0 = Tf.Placeholder(DType.Float64, new Shape(B, H));
            var h0 = Tf.Placeholder(DType.Float64, new Shape(B, H));
            var (rOut, rState) = Tf.Nn.StaticRnn(new LstmCell(H, initializer: init), inputs, new LstmStateTuple(c0, h0), scope: "ref");
            Assert.Throws<ArgumentException>(() => Tf.Nn.StaticStateSavingRnn(new LstmCell(H), inputs, saver, "c", scope: "bad"));
            Assert.Contains("#elems(state_name) != #elems(state_size)", Assert.Throws<ArgumentException>(() =>
                Tf.Nn.StaticStateSavingRnn(new LstmCell(H), inputs, saver, new[] { "c" }, scope: "bad2")).Message);
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            var xv = Rand(3, T, B, D);
            var saved = (LstmStateTuple)sState;
            var refState = (LstmStateTuple)rState;
            var cPrev = new NDArray(new double[B * H], new Shape(B, H));
            var hPrev = new NDArray(new double[B * H], new Shape(B, H));
            for (int run = 0; run < 3; run++)
            {
                var a = s.Run(new[] { sOut[^1], saved.C, saved.H }, new FeedDict { [x] = xv });
                var b = s.Run(new[] { rOut[^1], refState.C, refState.H }, new FeedDict { [x] = xv, [c0] = cPrev, [h0] = hPrev });
                TestUtil.AssertClose(b[0], a[0], 1e-12);
                TestUtil.AssertClose(b[1], a[1], 1e-12);
                TestUtil.AssertClose(b[2], a[2], 1e-12);
                TestUtil.AssertClose(a[1], s.Run(saver.Variables["c"].Value), 0);
                (cPrev, hPrev) = (a[1], a[2]);
            }
        }
    }
}
