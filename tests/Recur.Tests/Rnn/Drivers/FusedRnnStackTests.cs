using Recur.Kernels;
using Recur.Kernels.Rnn;
using Recur.Rnn;

namespace Recur.Tests.Rnn.Drivers;

/// <summary>These tests switch the process-wide wavefront and thread settings: run alone.</summary>
[CollectionDefinition(nameof(FusedRnnStackTests), DisableParallelization = true)]
public sealed class FusedRnnStackCollection;

/// <summary>
/// The layer wavefront (issue 5: "the layer wavefront for multi-layer cells"; docs/decisions/0010, ninth part): stacked
/// fused layers in inference run side by side in time chunks and give the layer-by-layer outputs and final states —
/// every cell kind, projections and peepholes, lengths (0, mid-chunk, past T), time- and batch-major, float and double.
/// </summary>
[Collection(nameof(FusedRnnStackTests))]
public class FusedRnnStackTests
{
    private const int D = 5;

    private static RnnCell Stack(int kind, Initializer init) => kind switch
    {
        0 => new MultiRnnCell(new RnnCell[] { new LstmCell(8, initializer: init), new LstmCell(6, initializer: init) }),
        1 => new MultiRnnCell(new RnnCell[]
        {
            new LstmCell(7, usePeepholes: true, cellClip: 0.8, numProj: 5, projClip: 0.6, initializer: init, forgetBias: 0.3),
            new GruCell(6),
            new BasicRnnCell(4, activation: Tf.Nn.Relu),
        }),
        2 => new MultiRnnCell(new RnnCell[] { new GruCell(6, resetAfter: true), new GruCell(5, resetAfter: true), new BasicLstmCell(4, stateIsTuple: false) }, stateIsTuple: false),
        _ => new MultiRnnCell(Enumerable.Range(0, 4).Select(i => (RnnCell)new BasicRnnCell(5 + i)).ToArray()),
    };

    public static IEnumerable<object[]> Cases()
    {
        foreach (int kind in new[] { 0, 1, 2, 3 })
        {
            // T = 30: two chunks of 15; T = 53: three chunks of 18, 18, 17.
            yield return new object[] { kind, 30, 1, false, true, kind % 2 == 0 ? DType.Float32 : DType.Float64 };
            yield return new object[] { kind, 53, 3, true, true, DType.Float32 };
            yield return new object[] { kind, 53, 3, true, false, DType.Float64 };
            yield return new object[] { kind, 30, 5, false, false, DType.Float32 };
        }
    }

    private static NDArray Rand(DType dtype, int seed, params int[] shape)
    {
        int n = shape.Aggregate(1, (a, b) => a * b);
        return dtype == DType.Float64
            ? new NDArray(TestUtil.RandomDoubles(n, seed), new Shape(shape))
            : new NDArray(TestUtil.RandomFloats(n, seed), new Shape(shape));
    }

    /// <summary>Runs <paramref name="body"/> with <see cref="Gemm.MaxThreads"/> at <paramref name="threads"/>, then restores it.</summary>
    private static T WithThreads<T>(int threads, Func<T> body)
    {
        int saved = Gemm.MaxThreads;
        Gemm.MaxThreads = threads;
        try
        {
            return body();
        }
        finally
        {
            Gemm.MaxThreads = saved;
        }
    }

    /// <summary>Runs <paramref name="fetch"/> with the wavefront on and off (two threads); returns (wavefront runs, on, off).</summary>
    private static (long Runs, NDArray[] On, NDArray[] Off) RunBoth(Session s, IReadOnlyList<Tensor> fetch, FeedDict feeds) => WithThreads(2, () =>
    {
        try
        {
            RnnWavefront.Enabled = false;
            var off = s.Run(fetch, feeds);
            RnnWavefront.Enabled = true;
            long before = FusedRnnStack.WavefrontRuns;
            var on = s.Run(fetch, feeds);
            var again = s.Run(fetch, feeds);   // a second run reuses the plan's buffers and the wavefront's state
            for (int i = 0; i < on.Length; i++) TestUtil.AssertClose(on[i], again[i], 0);
            return (FusedRnnStack.WavefrontRuns - before, on, off);
        }
        finally
        {
            RnnWavefront.Enabled = true;
        }
    });

    [Theory]
    [MemberData(nameof(Cases))]
    public void Wavefront_EqualsLayerByLayer(int kind, int time, int batch, bool withLengths, bool timeMajor, DType dtype)
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var init = Initializers.RandomUniform(-0.5, 0.5, seed: 21);
            var x = Tf.Placeholder(dtype, new Shape(-1, -1, D), name: "x");
            var len = withLengths ? Tf.Placeholder(DType.Int32, new Shape(-1), name: "len") : null;
            var cell = Stack(kind, init);
            var (outputs, state) = Tf.Nn.DynamicRnn(cell, x, len, dtype: dtype, timeMajor: timeMajor);
            int layers = kind switch { 0 => 2, 3 => 4, _ => 3 };
            Assert.Equal(layers, g.Operations.Count(o => o.Type is "FusedLstm" or "FusedGru" or "FusedRnn"));
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            var feeds = new FeedDict { [x] = Rand(dtype, 3 + kind, timeMajor ? time : batch, timeMajor ? batch : time, D) };
            // Lengths: 0, inside the first chunk, on a chunk edge, inside the last chunk, past T.
            if (len is not null) feeds[len] = new NDArray(new[] { 0, 7, 18, time - 2, time + 9 }.Take(batch).Reverse().ToArray());
            var fetch = new List<Tensor> { outputs };
            fetch.AddRange(state.Flatten());
            var (runs, on, off) = RunBoth(s, fetch, feeds);
            Assert.Equal(2, runs);
            // Each chunk runs the same kernel arithmetic on the same rows: equal to float rounding (in practice bitwise).
            double tol = 0;   // bitwise: every chunk is the same kernel arithmetic on the same rows
            for (int i = 0; i < on.Length; i++) TestUtil.AssertClose(off[i], on[i], tol);
        }
    }

    /// <summary>The wavefront matches the composed While loop too (not only the fused layer-by-layer path).</summary>
    [Fact]
    public void Wavefront_EqualsComposedLoop()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var init = Initializers.RandomUniform(-0.5, 0.5, seed: 5);
            var x = Tf.Placeholder(DType.Float64, new Shape(2, 40, D), name: "x");
            var len = Tf.Constant(new NDArray(new[] { 40, 23 }));
            Tensor[] Build(bool fused, string scope)
            {
                g.UseFusedRnn = fused;
                var cell = new MultiRnnCell(new RnnCell[] { new LstmCell(6, usePeepholes: true, initializer: init), new GruCell(5, resetAfter: true) });
                var (o, st) = Tf.Nn.DynamicRnn(cell, x, len, dtype: DType.Float64, scope: scope);
                return new[] { o }.Concat(st.Flatten()).ToArray();
            }
            var composed = Build(false, "composed");
            var fused = Build(true, "fused");
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            foreach (var v in g.Variables.Where(v => v.Name.StartsWith("composed/", StringComparison.Ordinal)))
                g.GetVariable("fused/" + v.Name["composed/".Length..]).Load(s.Run(v), s);
            var feeds = new FeedDict { [x] = Rand(DType.Float64, 9, 2, 40, D) };
            var reference = s.Run(composed, feeds);
            var (runs, on, _) = RunBoth(s, fused, feeds);
            Assert.Equal(2, runs);
            for (int i = 0; i < on.Length; i++) TestUtil.AssertClose(reference[i], on[i], 1e-11);
        }
    }

    /// <summary>
    /// An op that reads the first layer's output between two stacked <c>dynamic_rnn</c> calls moves after the pair,
    /// which then runs as a wavefront (and the op still sees the first layer's output); with the second layer built
    /// under a control dependency on that op, the pair runs layer by layer.
    /// </summary>
    [Fact]
    public void ReaderBetweenLayers_MovesAfterTheChain_UnlessTheNextLayerNeedsIt()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            // A static batch: with an unknown one, the second call's zero state reads the first one's output shape.
            var x = Tf.Placeholder(DType.Float32, new Shape(2, -1, D), name: "x");
            var (o1, _) = Tf.Nn.DynamicRnn(new GruCell(6), x, dtype: DType.Float32, scope: "b1");
            var peek = Tf.ReduceSum(o1);
            var (o2, _) = Tf.Nn.DynamicRnn(new GruCell(4), o1, dtype: DType.Float32, scope: "b2");
            var (o3, _) = Tf.Nn.DynamicRnn(new GruCell(5), x, dtype: DType.Float32, scope: "c1");
            var peek3 = Tf.ReduceSum(o3);
            Tensor o4;
            using (g.ControlDependencies(new[] { peek3.Op }))
            {
                (o4, _) = Tf.Nn.DynamicRnn(new GruCell(4), o3, dtype: DType.Float32, scope: "c2");
            }
            using var s = new Session(g);
            var small = new FeedDict { [x] = Rand(DType.Float32, 1, 2, 30, D) };
            // c2's initializers carry the control dependency on peek3 too, which reads c1's variables: those first.
            foreach (var v in g.Variables.Where(v => v.Name.StartsWith("c1/", StringComparison.Ordinal))) v.Load(Rand(DType.Float32, 2, v.Shape.ToArray()), s);
            s.Run(Tf.GlobalVariablesInitializer(), small);
            var (runs, on, off) = RunBoth(s, new[] { o2, peek, o1 }, small);
            Assert.Equal(2, runs);
            for (int i = 0; i < on.Length; i++) TestUtil.AssertClose(off[i], on[i], 0);
            (runs, on, off) = RunBoth(s, new[] { o4, peek3 }, small);
            Assert.Equal(0, runs);
            TestUtil.AssertClose(off[0], on[0], 0);
            TestUtil.AssertClose(off[1], on[1], 0);
        }
    }

    /// <summary>
    /// Where the wavefront must not run: the batch is large enough for the row split; one thread; a short sequence. The
    /// results are still right.
    /// </summary>
    [Fact]
    public void NoWavefront_WhereItDoesNotApply()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var init = Initializers.RandomUniform(-0.5, 0.5, seed: 8);
            var x = Tf.Placeholder(DType.Float32, new Shape(-1, -1, D), name: "x");
            var (o, st) = Tf.Nn.DynamicRnn(new MultiRnnCell(new RnnCell[] { new LstmCell(6, initializer: init), new LstmCell(4, initializer: init) }), x, dtype: DType.Float32, scope: "a");
            var grad = Tf.Gradients(Tf.ReduceSum(o), new[] { x })[0]!;
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            var small = new FeedDict { [x] = Rand(DType.Float32, 1, 2, 30, D) };
            long before = FusedRnnStack.WavefrontRuns;
            long backward = FusedRnnStack.BackwardWavefrontRuns;
            // Training at B = 16: neither the forward nor the backward runs as a wavefront.
            var big = new FeedDict { [x] = Rand(DType.Float32, 1, 16, 30, D) };
            var (runs, on, off) = RunBoth(s, new[] { o, grad }, big);
            Assert.Equal(0, runs);
            Assert.Equal(backward, FusedRnnStack.BackwardWavefrontRuns);
            TestUtil.AssertClose(off[0], on[0], 0);
            TestUtil.AssertClose(off[1], on[1], 0);
            // Inference of the stack does run as a wavefront at B = 2 — but not at B = 16, nor for T = 10.
            (runs, _, _) = RunBoth(s, new[] { o }, small);
            Assert.Equal(2, runs);
            (runs, _, _) = RunBoth(s, new[] { o }, new FeedDict { [x] = Rand(DType.Float32, 1, 16, 30, D) });
            Assert.Equal(0, runs);
            (runs, _, _) = RunBoth(s, new[] { o }, new FeedDict { [x] = Rand(DType.Float32, 1, 2, 10, D) });
            Assert.Equal(0, runs);
            WithThreads(1, () => s.Run(o, small));
            Assert.Equal(before + 2, FusedRnnStack.WavefrontRuns);   // the two wavefront runs above, none on one thread
        }
    }

    /// <summary>
    /// Concurrent runs of one plan: each has its own frame and wavefront state; one takes the kernel pool, the others run
    /// their tasks on their own threads. Every result equals the serial one.
    /// </summary>
    [Fact]
    public void ConcurrentRuns_MatchSerial()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var init = Initializers.RandomUniform(-0.5, 0.5, seed: 31);
            var x = Tf.Placeholder(DType.Float32, new Shape(-1, -1, D), name: "x");
            var len = Tf.Placeholder(DType.Int32, new Shape(-1), name: "len");
            var (o, st) = Tf.Nn.DynamicRnn(Stack(1, init), x, len, dtype: DType.Float32);
            var fetch = new List<Tensor> { o };
            fetch.AddRange(st.Flatten());
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            var feeds = Enumerable.Range(0, 4).Select(k => new FeedDict
            {
                [x] = Rand(DType.Float32, 40 + k, 2, 41 + k, D),
                [len] = new NDArray(new[] { 41 + k, 13 + k }),
            }).ToArray();
            var serial = WithThreads(2, () => feeds.Select(f => s.Run(fetch, f)).ToArray());
            long before = FusedRnnStack.WavefrontRuns;
            for (int round = 0; round < 10; round++)
            {
                var results = new NDArray[feeds.Length][];
                WithThreads(2, () => Parallel.For(0, feeds.Length, new ParallelOptions { MaxDegreeOfParallelism = feeds.Length }, k => results[k] = s.Run(fetch, feeds[k])));
                for (int k = 0; k < feeds.Length; k++)
                {
                    for (int i = 0; i < fetch.Count; i++) TestUtil.AssertClose(serial[k][i], results[k][i], 0);
                }
            }
            Assert.Equal(before + (10 * feeds.Length), FusedRnnStack.WavefrontRuns);
        }
    }

    /// <summary>A bad feed for the second layer's state is reported by that layer's op, as without the wavefront.</summary>
    [Fact]
    public void BadStateForSecondLayer_ClearError()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(-1, -1, D), name: "x");
            var h1 = Tf.Placeholder(DType.Float32, new Shape(-1, -1), name: "h1");
            var h0 = Tf.Placeholder(DType.Float32, new Shape(-1, 6), name: "h0");
            var cell = new MultiRnnCell(new RnnCell[] { new GruCell(6), new GruCell(4) });
            var (o, _) = Tf.Nn.DynamicRnn(cell, x, initialState: new RnnStateTuple(new RnnState[] { RnnState.Of(h0), RnnState.Of(h1) }));
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            var feeds = new FeedDict { [x] = Rand(DType.Float32, 1, 2, 30, D), [h0] = Rand(DType.Float32, 2, 2, 6), [h1] = Rand(DType.Float32, 3, 2, 5) };
            var e = WithThreads(2, () => Assert.Throws<ArgumentException>(() => s.Run(o, feeds)));
            Assert.Contains("FusedGru", e.Message, StringComparison.Ordinal);
            Assert.Contains("h0 (the initial state) must have shape (2, 4)", e.Message, StringComparison.Ordinal);
        }
    }

    /// <summary>A loss that reads every output and final state with its own weights, so dy, dc and dh all flow.</summary>
    private static Tensor Loss(Tensor outputs, RnnState state, int seed)
    {
        var loss = Tf.ReduceSum(outputs * Tf.Tanh(outputs * 3.0 + 0.5));
        int k = 0;
        foreach (var part in state.Flatten()) loss = loss + Tf.ReduceSum(part * Tf.Sigmoid(part * (1.5 + k++) + seed));
        return loss;
    }

    /// <summary>Stacks for training: the inference test's (0: two LSTMs; 1: LSTM with every option, GRU, ReLU RNN; 2: two reset-after GRUs and a BasicLSTM without state tuples; 3: four RNNs) and 4: LSTMs with and without options.</summary>
    private static RnnCell TrainingStack(int kind, Initializer init) => kind switch
    {
        4 => new MultiRnnCell(new RnnCell[]
        {
            new LstmCell(7, usePeepholes: true, cellClip: 0.8, numProj: 5, projClip: 0.6, initializer: init, forgetBias: 0.3),
            new LstmCell(6, initializer: init),
            new BasicLstmCell(4),
        }),
        _ => Stack(kind, init),
    };

    public static IEnumerable<object[]> TrainingCases()
    {
        foreach (int kind in new[] { 0, 1, 2, 3, 4 })
        {
            // T = 30: two windows of 15; T = 53: three windows of 18, 18, 17.
            yield return new object[] { kind, 30, 1, false, true, kind % 2 == 0 ? DType.Float64 : DType.Float32 };
            yield return new object[] { kind, 53, 3, true, true, DType.Float32 };
            yield return new object[] { kind, 53, 3, true, false, DType.Float64 };
            yield return new object[] { kind, 30, 5, false, false, DType.Float32 };
        }
    }

    /// <summary>
    /// Training (issue 5: the layer wavefront in training; ADR 0010, eleventh part): a stack's forward runs on
    /// time windows and saves whole-sequence workspaces, its gradient ops run backward as a wavefront, and every output,
    /// state and gradient — of x, of the initial states and of every weight — matches the layer-by-layer run (a window's
    /// products have fewer rows: equal to float rounding). Every cell kind, mixed stacks, lengths, both layouts.
    /// </summary>
    [Theory]
    [MemberData(nameof(TrainingCases))]
    public void TrainingWavefront_EqualsLayerByLayer(int kind, int time, int batch, bool withLengths, bool timeMajor, DType dtype)
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var init = Initializers.RandomUniform(-0.5, 0.5, seed: 23);
            var x = Tf.Placeholder(dtype, new Shape(-1, -1, D), name: "x");
            var len = withLengths ? Tf.Placeholder(DType.Int32, new Shape(-1), name: "len") : null;
            var cell = TrainingStack(kind, init);
            // A zero initial state built here, so the gradients of the initial states (dc0, dh0) are fetched too.
            var initial = cell.ZeroState(batch, dtype);
            var (outputs, state) = Tf.Nn.DynamicRnn(cell, x, len, initialState: initial, dtype: dtype, timeMajor: timeMajor);
            var loss = Loss(outputs, state, kind);
            var xs = new List<Tensor> { x };
            xs.AddRange(initial.Flatten());
            xs.AddRange(g.TrainableVariables.Select(v => (Tensor)v));
            var grads = Tf.Gradients(loss, xs);
            Assert.Equal(xs.Count, grads.Count(t => t is not null));
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            var feeds = new FeedDict { [x] = Rand(dtype, 5 + kind, timeMajor ? time : batch, timeMajor ? batch : time, D) };
            if (len is not null) feeds[len] = new NDArray(new[] { 0, 7, 18, time - 2, time + 9 }.Take(batch).Reverse().ToArray());
            var fetch = new List<Tensor> { outputs, loss };
            fetch.AddRange(state.Flatten());
            fetch.AddRange(grads!);
            long backward = FusedRnnStack.BackwardWavefrontRuns, training = FusedRnnStack.TrainingWavefrontRuns;
            var (runs, on, off) = RunBoth(s, fetch, feeds);
            Assert.Equal(2, runs);
            Assert.Equal(2, FusedRnnStack.TrainingWavefrontRuns - training);
            Assert.Equal(2, FusedRnnStack.BackwardWavefrontRuns - backward);
            double tol = dtype == DType.Float64 ? 1e-11 : 2e-5;
            for (int i = 0; i < on.Length; i++) TestUtil.AssertClose(off[i], on[i], tol);
        }
    }

    /// <summary>
    /// Only the top layer's weights get a gradient: the forward still runs as a training wavefront (the lower layer's
    /// workspace unsaved), the top layer's gradient op runs alone over its whole workspace, and matches layer by layer.
    /// </summary>
    [Fact]
    public void TrainingWavefront_GradientOpAlone()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var init = Initializers.RandomUniform(-0.5, 0.5, seed: 12);
            var x = Tf.Placeholder(DType.Float64, new Shape(3, 61, D), name: "x");
            var len = Tf.Constant(new NDArray(new[] { 61, 30, 0 }));
            var cell = new MultiRnnCell(new RnnCell[] { new GruCell(6), new LstmCell(5, usePeepholes: true, numProj: 4, initializer: init) });
            var (o, st) = Tf.Nn.DynamicRnn(cell, x, len, dtype: DType.Float64);
            var top = g.TrainableVariables.Where(v => v.Name.Contains("cell_1", StringComparison.Ordinal)).Select(v => (Tensor)v).ToArray();
            Assert.Equal(6, top.Length);   // kernel, bias, three peepholes, projection
            var grads = Tf.Gradients(Loss(o, st, 1), top);
            Assert.Equal(1, g.Operations.Count(op => op.Type == "FusedLstmGrad"));
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            var feeds = new FeedDict { [x] = Rand(DType.Float64, 4, 3, 61, D) };
            long training = FusedRnnStack.TrainingWavefrontRuns;
            var (runs, on, off) = RunBoth(s, grads!, feeds);
            Assert.Equal(2, runs);
            Assert.Equal(2, FusedRnnStack.TrainingWavefrontRuns - training);
            for (int i = 0; i < on.Length; i++) TestUtil.AssertClose(off[i], on[i], 1e-11);
        }
    }

    /// <summary>Training steps (Adam) with the wavefront give the variables the layer-by-layer steps give.</summary>
    [Fact]
    public void TrainingSteps_MatchLayerByLayer()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var init = Initializers.RandomUniform(-0.5, 0.5, seed: 3);
            var x = Tf.Placeholder(DType.Float32, new Shape(2, 50, D), name: "x");
            var (o, st) = Tf.Nn.DynamicRnn(new MultiRnnCell(new RnnCell[] { new LstmCell(8, initializer: init), new GruCell(6, resetAfter: true), new BasicRnnCell(5) }), x, dtype: DType.Float32);
            var train = new Tf.Train.AdamOptimizer(0.05).Minimize(Loss(o, st, 2));
            using var s = new Session(g);
            var vars = g.TrainableVariables;
            s.Run(Tf.GlobalVariablesInitializer());
            var start = vars.Select(v => s.Run((Tensor)v)).ToArray();
            var feeds = new FeedDict { [x] = Rand(DType.Float32, 6, 2, 50, D) };
            NDArray[] Train(bool wavefront)
            {
                s.Run(Tf.GlobalVariablesInitializer());   // fresh optimizer slots, then the same starting weights
                for (int k = 0; k < vars.Count; k++) vars[k].Load(start[k], s);
                long before = FusedRnnStack.BackwardWavefrontRuns;
                WithThreads(2, () =>
                {
                    RnnWavefront.Enabled = wavefront;
                    try
                    {
                        for (int step = 0; step < 4; step++) s.Run(train, feeds);
                    }
                    finally
                    {
                        RnnWavefront.Enabled = true;
                    }
                    return 0;
                });
                Assert.Equal(wavefront ? 4 : 0, FusedRnnStack.BackwardWavefrontRuns - before);
                return vars.Select(v => s.Run((Tensor)v)).ToArray();
            }
            var on = Train(true);
            var off = Train(false);
            for (int i = 0; i < on.Length; i++)
            {
                Assert.NotEqual(start[i].GetDouble(0), on[i].GetDouble(0));   // the steps moved the weights
                TestUtil.AssertClose(off[i], on[i], 1e-4);
            }
        }
    }
}
