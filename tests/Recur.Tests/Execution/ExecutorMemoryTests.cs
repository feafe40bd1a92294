using Recur.Rnn;

namespace Recur.Tests.Execution;

/// <summary>Allocation is measured per thread, but other tests' GEMMs share the kernels' worker pool; run alone.</summary>
[CollectionDefinition(nameof(ExecutorMemoryTests), DisableParallelization = true)]
public sealed class ExecutorMemoryCollection;

/// <summary>
/// The executor's memory rules (docs/decisions/0011-executor-memory.md): steady-state runs allocate only what they
/// return, pooled buffers are reused without ever clobbering a value someone still holds (fetched results,
/// aliases, loop values), and concurrent runs stay correct.
/// </summary>
[Collection(nameof(ExecutorMemoryTests))]
public class ExecutorMemoryTests
{
    private const int D = 16;

    /// <summary>x → MatMul → BiasAdd → Tanh → MatMul → Sigmoid, with constant weights; h is the Tanh.</summary>
    private sealed class Mlp
    {
        public Mlp(int hidden)
        {
            Hidden = hidden;
            W1 = TestUtil.RandomFloats(D * hidden, 11, -0.5, 0.5);
            B1 = TestUtil.RandomFloats(hidden, 12, -0.5, 0.5);
            W2 = TestUtil.RandomFloats(hidden * hidden, 13, -0.5, 0.5);
            using (Graph.AsDefault())
            {
                X = Tf.Placeholder(DType.Float32, new Shape(-1, D), name: "x");
                H = Tf.Tanh(Tf.Nn.BiasAdd(Tf.MatMul(X, Tf.Constant(new NDArray(W1, new Shape(D, hidden)))), Tf.Constant(new NDArray(B1))));
                Y = Tf.Sigmoid(Tf.MatMul(H, Tf.Constant(new NDArray(W2, new Shape(hidden, hidden)))));
            }
        }

        public Graph Graph { get; } = new();
        public int Hidden { get; }
        public float[] W1 { get; }
        public float[] B1 { get; }
        public float[] W2 { get; }
        public Tensor X { get; }
        public Tensor H { get; }
        public Tensor Y { get; }

        public static NDArray Input(int batch, int seed) => new(TestUtil.RandomFloats(batch * D, seed), new Shape(batch, D));

        /// <summary>The naive reference, in double: (h, y).</summary>
        public (double[] H, double[] Y) Reference(NDArray x)
        {
            var xs = x.ToArray<float>();
            int b = x.Shape[0], n = Hidden;
            var h = new double[b * n];
            var y = new double[b * n];
            for (int i = 0; i < b; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    double s = B1[j];
                    for (int k = 0; k < D; k++) s += xs[i * D + k] * (double)W1[k * n + j];
                    h[i * n + j] = Math.Tanh(s);
                }
                for (int j = 0; j < n; j++)
                {
                    double s = 0;
                    for (int k = 0; k < n; k++) s += h[i * n + k] * W2[k * n + j];
                    y[i * n + j] = 1 / (1 + Math.Exp(-s));
                }
            }
            return (h, y);
        }
    }

    /// <summary>Bytes allocated on this thread per Session.Run, averaged over 20 runs after warm-up.</summary>
    private static double BytesPerRun(Func<NDArray> run)
    {
        for (int i = 0; i < 5; i++) run();
        // The least of three rounds: other tests running in parallel share the GEMM worker pool, and a contended
        // pool may cost a one-off allocation in a round; steady state is what a quiet round shows.
        const int runs = 20;
        double best = double.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < runs; i++) run();
            best = Math.Min(best, (GC.GetAllocatedBytesForCurrentThread() - before) / (double)runs);
        }
        return best;
    }

    [Theory]
    [InlineData(1, 32)]
    [InlineData(64, 256)]
    public void Run_SteadyState_AllocatesOnlyTheFetchedResultPlusAConstant(int batch, int hidden)
    {
        var m = new Mlp(hidden);
        using var s = new Session(m.Graph);
        var feeds = new FeedDict { [m.X] = Mlp.Input(batch, 1) };
        double perRun = BytesPerRun(() => s.Run(m.Y, feeds));
        long fetchedBytes = 24 + 4L * batch * hidden;    // the float[] the caller receives (header + data)
        Assert.True(perRun <= fetchedBytes + 1024, $"Session.Run allocated {perRun} bytes per run; the fetched array is {fetchedBytes} bytes.");
    }

    /// <summary>
    /// A fetched result of at least <see cref="NDArray.PinnedMinBytes"/> is allocated on the pinned object heap, whose
    /// memory the GC keeps between runs (on the large object heap each run's fresh result page-faulted on every page;
    /// ADR 0011): the pinned heap's live bytes grow by the result's size while it is held. With the limit off they do not.
    /// </summary>
    [Fact]
    public void Run_LargeFetchedResult_IsOnThePinnedObjectHeap()
    {
        // The pinned heap's live bytes after a full blocking collection: its size less its free space (a dropped
        // earlier result's space stays in the heap as free space until something reuses it).
        static long PinnedHeapBytes()
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true);
            var poh = GC.GetGCMemoryInfo(GCKind.FullBlocking).GenerationInfo[4];
            return poh.SizeAfterBytes - poh.FragmentationAfterBytes;
        }

        const int batch = 4096, hidden = 1024;    // a 16 MiB result
        long resultBytes = 4L * batch * hidden;
        long saved = NDArray.PinnedMinBytes;
        try
        {
            foreach (bool pin in new[] { true, false })
            {
                NDArray.PinnedMinBytes = pin ? 1 << 20 : long.MaxValue;
                var m = new Mlp(hidden);
                using var s = new Session(m.Graph);
                var feeds = new FeedDict { [m.X] = Mlp.Input(batch, 3) };
                s.Run(m.Y, feeds);
                long before = PinnedHeapBytes();
                NDArray result = s.Run(m.Y, feeds);
                long grown = PinnedHeapBytes() - before;
                Assert.Equal(resultBytes, 4L * result.Size);
                if (pin)
                {
                    Assert.True(grown >= resultBytes, $"pinned heap grew by {grown} bytes for a {resultBytes}-byte fetched result.");
                }
                else
                {
                    Assert.True(grown < resultBytes / 2, $"pinned heap grew by {grown} bytes with pinning off (result {resultBytes} bytes).");
                }

                GC.KeepAlive(result);
            }
        }
        finally
        {
            NDArray.PinnedMinBytes = saved;
        }
    }

    [Fact]
    public void Run_SteadyState_OverheadDoesNotGrowWithTensorSize()
    {
        double Overhead(int batch, int hidden)
        {
            var m = new Mlp(hidden);
            using var s = new Session(m.Graph);
            var feeds = new FeedDict { [m.X] = Mlp.Input(batch, 2) };
            return BytesPerRun(() => s.Run(m.Y, feeds)) - 4.0 * batch * hidden;
        }

        double small = Overhead(1, 8), large = Overhead(128, 512);
        Assert.True(large <= small + 256, $"overhead beyond the fetched data: {small} bytes at (1, 8), {large} bytes at (128, 512).");
    }

    [Fact]
    public void Plan_ChainOfBorrowingKernels_RecyclesIntermediatesButNotTheFetch()
    {
        var m = new Mlp(8);
        var plan = Executor.GetPlan(m.Graph, new[] { m.Y }, Array.Empty<Operation>(), new[] { m.X });
        int fetch = plan.FetchSlots[0];
        Assert.False(plan.Recyclable[fetch]);
        Assert.False(plan.Recyclable[plan.FeedSlots[0]]);
        int hSlot = plan.OutputBase[Array.IndexOf(plan.Ops, m.H.Op)];
        Assert.True(plan.Recyclable[hSlot]);
    }

    [Fact]
    public void Run_ResultsOfEarlierRuns_AreNotClobberedByLaterRuns()
    {
        var m = new Mlp(24);
        using var s = new Session(m.Graph);
        var inputs = Enumerable.Range(0, 6).Select(i => Mlp.Input(5, 100 + i)).ToArray();
        var ys = new NDArray[inputs.Length];
        var pairs = new NDArray[inputs.Length][];
        for (int i = 0; i < inputs.Length; i++)
        {
            ys[i] = s.Run(m.Y, new FeedDict { [m.X] = inputs[i] });
            pairs[i] = s.Run(new[] { m.H, m.Y }, new FeedDict { [m.X] = inputs[i] });
        }
        for (int i = 0; i < inputs.Length; i++)
        {
            var (h, y) = m.Reference(inputs[i]);
            TestUtil.AssertClose(y, ys[i], 1e-5);
            TestUtil.AssertClose(h, pairs[i][0], 1e-5);
            TestUtil.AssertClose(y, pairs[i][1], 1e-5);
        }
    }

    [Fact]
    public void Run_FetchedIntermediate_IsNotRecycled()
    {
        var m = new Mlp(16);
        using var s = new Session(m.Graph);
        var x1 = Mlp.Input(3, 7);
        var first = s.Run(new[] { m.H, m.Y }, new FeedDict { [m.X] = x1 });
        // More runs of the same plan (same frame, same pool) with other inputs.
        for (int i = 0; i < 5; i++) s.Run(new[] { m.H, m.Y }, new FeedDict { [m.X] = Mlp.Input(3, 50 + i) });
        var (h, y) = m.Reference(x1);
        TestUtil.AssertClose(h, first[0], 1e-5);
        TestUtil.AssertClose(y, first[1], 1e-5);
    }

    [Fact]
    public void Run_AliasesOfIntermediates_StayIntact()
    {
        var g = new Graph();
        Tensor x, a, identity, reshaped, stopped, tail;
        var w = TestUtil.RandomFloats(D * D, 3, -0.5, 0.5);
        using (g.AsDefault())
        {
            x = Tf.Placeholder(DType.Float32, new Shape(4, D), name: "x");
            a = Tf.Tanh(Tf.MatMul(x, Tf.Constant(new NDArray(w, new Shape(D, D)))));
            identity = Tf.Identity(a);
            reshaped = Tf.Reshape(Tf.Sigmoid(a), new[] { -1 });
            stopped = Tf.StopGradient(Tf.Tanh(identity));
            // Borrowing ops after the aliases: they would overwrite any buffer recycled too early.
            tail = Tf.Sigmoid(Tf.Tanh(Tf.Sigmoid(Tf.Add(Tf.Tanh(stopped), Tf.Reshape(reshaped, new[] { 4, D })))));
        }
        using var s = new Session(g);
        var inputs = Enumerable.Range(0, 4).Select(i => Mlp.Input(4, 200 + i)).ToArray();
        var results = inputs.Select(v => s.Run(new[] { identity, reshaped, stopped, tail }, new FeedDict { [x] = v })).ToArray();
        for (int r = 0; r < inputs.Length; r++)
        {
            var xs = inputs[r].ToArray<float>();
            var av = new double[4 * D];
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < D; j++)
                {
                    double sum = 0;
                    for (int k = 0; k < D; k++) sum += xs[i * D + k] * (double)w[k * D + j];
                    av[i * D + j] = Math.Tanh(sum);
                }
            double Sig(double v) => 1 / (1 + Math.Exp(-v));
            TestUtil.AssertClose(av, results[r][0], 1e-5);
            TestUtil.AssertClose(av.Select(Sig).ToArray(), results[r][1], 1e-5);
            TestUtil.AssertClose(av.Select(Math.Tanh).ToArray(), results[r][2], 1e-5);
            var expectedTail = av.Select(v => Sig(Math.Tanh(Sig(Math.Tanh(Math.Tanh(v)) + Sig(v))))).ToArray();
            TestUtil.AssertClose(expectedTail, results[r][3], 1e-5);
        }
    }

    [Fact]
    public void Plan_SlotReadByAnAliasingOp_IsNeverRecyclable()
    {
        var g = new Graph();
        Tensor x, a, y;
        using (g.AsDefault())
        {
            x = Tf.Placeholder(DType.Float32, new Shape(2, 2), name: "x");
            a = Tf.Tanh(x);
            y = Tf.Sigmoid(Tf.Add(Tf.Identity(a), Tf.Tanh(a)));
        }
        var plan = Executor.GetPlan(g, new[] { y }, Array.Empty<Operation>(), new[] { x });
        Assert.False(plan.Recyclable[plan.OutputBase[Array.IndexOf(plan.Ops, a.Op)]]);
    }

    [Fact]
    public void Run_MultiPassReductionWithScratch_StaysCorrectAcrossRuns()
    {
        var g = new Graph();
        Tensor x, y;
        using (g.AsDefault())
        {
            x = Tf.Placeholder(DType.Float64, new Shape(3, 4, 5), name: "x");
            y = Tf.Tanh(Tf.ReduceSum(Tf.Sigmoid(x), new[] { 0, 2 }));
        }
        using var s = new Session(g);
        var inputs = Enumerable.Range(0, 4).Select(i => new NDArray(TestUtil.RandomDoubles(60, 300 + i), new Shape(3, 4, 5))).ToArray();
        var results = inputs.Select(v => s.Run(y, new FeedDict { [x] = v })).ToArray();
        for (int r = 0; r < inputs.Length; r++)
        {
            var xs = inputs[r].ToArray<double>();
            var expected = new double[4];
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 4; j++)
                    for (int k = 0; k < 5; k++) expected[j] += 1 / (1 + Math.Exp(-xs[(i * 4 + j) * 5 + k]));
            TestUtil.AssertClose(expected.Select(Math.Tanh).ToArray(), results[r], 1e-12);
        }
    }

    [Fact]
    public void Run_ConcurrentRunsOfOnePlan_MatchReference()
    {
        var m = new Mlp(32);
        using var s = new Session(m.Graph);
        var inputs = Enumerable.Range(0, 64).Select(i => Mlp.Input(1 + i % 5, 400 + i)).ToArray();
        // Many rounds: a frame handed back while its run context was still being reset once broke a concurrent run
        // only now and then.
        for (int round = 0; round < 40; round++)
        {
            var results = new NDArray[inputs.Length][];
            Parallel.For(0, inputs.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
            {
                // Several runs per input; keep the first and check the others agree with it.
                var first = s.Run(new[] { m.H, m.Y }, new FeedDict { [m.X] = inputs[i] });
                for (int k = 0; k < 3; k++) s.Run(m.Y, new FeedDict { [m.X] = inputs[(i + k + 1) % inputs.Length] });
                results[i] = first;
            });
            for (int i = 0; i < inputs.Length; i++)
            {
                var (h, y) = m.Reference(inputs[i]);
                TestUtil.AssertClose(h, results[i][0], 1e-5);
                TestUtil.AssertClose(y, results[i][1], 1e-5);
            }
        }
    }

    /// <summary>
    /// DynamicRnn (a While over a TensorArray) against the same cell unrolled statically, forward and gradients, over
    /// several runs whose results are all kept: the loop's outputs, tape and per-step values must survive buffer reuse.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void DynamicRnn_RepeatedRuns_MatchStaticUnrollAndKeepEarlierResults(bool lstm)
    {
        const int T = 6, B = 2, In = 3, H = 4;
        var g = new Graph();
        using (g.AsDefault())
        {
            var init = Initializers.RandomUniform(-0.5, 0.5, seed: 77);
            var x = Tf.Placeholder(DType.Float64, new Shape(T, B, In), name: "x");
            RnnCell Cell() => lstm ? new BasicLstmCell(H) : new BasicRnnCell(H);
            IReadOnlyList<Tensor> staticOut;
            Tensor dynamicOut;
            using (Tf.VariableScope("static", initializer: init))
                (staticOut, _) = Tf.Nn.StaticRnn(Cell(), Tf.Unstack(x, 0), dtype: DType.Float64);
            using (Tf.VariableScope("dynamic", initializer: init))
                (dynamicOut, _) = Tf.Nn.DynamicRnn(Cell(), x, dtype: DType.Float64, timeMajor: true);
            var stacked = Tf.Stack(staticOut, 0);
            var staticVars = g.TrainableVariables.Where(v => v.Name.StartsWith("static/", StringComparison.Ordinal)).ToList();
            var dynamicVars = staticVars.Select(v => g.GetVariable("dynamic/" + v.Name["static/".Length..])).ToList();
            var staticGrads = Tf.Gradients(Tf.ReduceSum(Tf.Multiply(stacked, stacked)), staticVars.Select(v => (Tensor)v).Append(x).ToList());
            var dynamicGrads = Tf.Gradients(Tf.ReduceSum(Tf.Multiply(dynamicOut, dynamicOut)), dynamicVars.Select(v => (Tensor)v).Append(x).ToList());
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            for (int i = 0; i < staticVars.Count; i++) dynamicVars[i].Load(s.Run(staticVars[i]), s);
            var fetch = new List<Tensor> { stacked, dynamicOut };
            fetch.AddRange(staticGrads!);
            fetch.AddRange(dynamicGrads!);
            var runs = Enumerable.Range(0, 4)
                .Select(r => s.Run(fetch, new FeedDict { [x] = new NDArray(TestUtil.RandomDoubles(T * B * In, 500 + r), new Shape(T, B, In)) }))
                .ToArray();
            int n = staticGrads.Length;
            foreach (var r in runs)
            {
                TestUtil.AssertClose(r[0], r[1], 1e-12);
                for (int i = 0; i < n; i++) TestUtil.AssertClose(r[2 + i], r[2 + n + i], 1e-10);
            }
            // Different inputs gave different outputs (the comparison above is not vacuous).
            Assert.NotEqual(runs[0][1].GetDouble(0), runs[1][1].GetDouble(0));
        }
    }

    [Fact]
    public void Run_WhileLoop_ReusesBodyFrameAndKeepsEveryIterationsValue()
    {
        var g = new Graph();
        Tensor x, result;
        using (g.AsDefault())
        {
            x = Tf.Placeholder(DType.Float32, new Shape(2, 3), name: "x");
            var ta = new TensorArray(DType.Float32, size: 5, elementShape: new Shape(2, 3));
            var (_, h, outTa) = Tf.WhileLoop(
                v => Tf.Less(v.Item1, Tf.Constant(5)),
                v => (v.Item1 + 1, Tf.Tanh(Tf.Add(Tf.Multiply(v.Item2, Tf.Constant(0.5f)), x)), v.Item3.Write(v.Item1, Tf.Sigmoid(v.Item2))),
                (Tf.Constant(0), Tf.ZerosLike(x), ta));
            result = Tf.Concat(new[] { outTa.Stack(), Tf.ExpandDims(h, 0) }, 0);
        }
        using var s = new Session(g);
        var inputs = Enumerable.Range(0, 3).Select(i => new NDArray(TestUtil.RandomFloats(6, 600 + i), new Shape(2, 3))).ToArray();
        var results = inputs.Select(v => s.Run(result, new FeedDict { [x] = v })).ToArray();
        for (int r = 0; r < inputs.Length; r++)
        {
            var xs = inputs[r].ToArray<float>();
            var expected = new List<double>();
            var hv = new double[6];
            for (int t = 0; t < 5; t++)
            {
                expected.AddRange(hv.Select(v => 1 / (1 + Math.Exp(-v))));
                hv = hv.Select((v, i) => Math.Tanh(v * 0.5 + xs[i])).ToArray();
            }
            expected.AddRange(hv);
            TestUtil.AssertClose(expected.ToArray(), results[r], 1e-5);
        }
    }

    /// <summary>
    /// Builds a fused DynamicRnn over a (batch, time, 6) placeholder with lengths (<paramref name="build"/> returns the
    /// fetches from x and the lengths), runs it once, then measures the bytes a run allocates beyond the fetched arrays.
    /// </summary>
    private static (double Overhead, long Fetched) FusedRunOverhead(int batch, int time, int[] lengths, Func<Graph, Tensor, Tensor, List<Tensor>> build)
    {
        var g = new Graph { Seed = 5 };
        Tensor x, len;
        List<Tensor> fetch;
        Operation init;
        using (g.AsDefault())
        {
            x = Tf.Placeholder(DType.Float32, new Shape(-1, -1, 6));
            len = Tf.Placeholder(DType.Int32, new Shape(-1));
            fetch = build(g, x, len);
            init = Tf.GlobalVariablesInitializer();
        }
        using var s = new Session(g);
        s.Run(init);
        var feeds = new FeedDict
        {
            [x] = new NDArray(TestUtil.RandomFloats(batch * time * 6, 3), new Shape(batch, time, 6)),
            [len] = new NDArray(lengths),
        };
        long fetched = s.Run(fetch, feeds).Sum(a => 24L + 4L * a.Size);
        double perRun = BytesPerRun(() => s.Run(fetch, feeds)[0]);
        return (perRun - fetched, fetched);
    }

    /// <summary>
    /// Issue 5: a fused DynamicRnn (batch-major LSTM with lengths, inference and a training step) allocates in steady
    /// state only the arrays it returns plus a small constant that does not grow with the batch or the sequence.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void FusedDynamicRnn_SteadyState_AllocatesOnlyTheFetchedArrays(bool train)
    {
        (double Overhead, long Fetched) Measure(int batch, int time) =>
            FusedRunOverhead(batch, time, Enumerable.Range(0, batch).Select(i => 1 + i % time).ToArray(), (g, x, len) =>
            {
                var (o, st) = Tf.Nn.DynamicRnn(new LstmCell(8), x, len, dtype: DType.Float32);
                Assert.Contains(g.Operations, op => op.Type == "FusedLstm");
                return train
                    ? Tf.Gradients(Tf.ReduceSum(o), g.TrainableVariables.Select(v => (Tensor)v).ToList()).Select(t => t!).ToList()
                    : new List<Tensor> { o, ((LstmStateTuple)st).H };
            });

        var small = Measure(4, 10);
        var large = Measure(32, 60);
        Assert.True(small.Overhead <= 8 * 1024, $"overhead {small.Overhead} bytes per run beyond the fetched {small.Fetched}.");
        Assert.True(large.Overhead <= small.Overhead + 512, $"overhead grows with the sizes: {small.Overhead} bytes at (4, 10), {large.Overhead} at (32, 60).");
    }

    /// <summary>
    /// The layer wavefront (stacked fused layers in inference, two threads) allocates in steady state only the arrays it
    /// returns plus a small constant: its buffers come from the frame's pool and its state object is kept per frame.
    /// </summary>
    [Fact]
    public void FusedStackWavefront_SteadyState_AllocatesOnlyTheFetchedArrays()
    {
        (double Overhead, long Fetched) Measure(int batch, int time)
        {
            long runs = Recur.FusedRnnStack.WavefrontRuns;
            var r = FusedRunOverhead(batch, time, Enumerable.Range(0, batch).Select(i => time - i).ToArray(), (_, x, len) =>
            {
                var cell = new MultiRnnCell(new RnnCell[] { new LstmCell(8), new GruCell(7), new BasicRnnCell(5) });
                var (o, st) = Tf.Nn.DynamicRnn(cell, x, len, dtype: DType.Float32);
                var fetch = new List<Tensor> { o };
                fetch.AddRange(st.Flatten());
                return fetch;
            });
            Assert.True(Recur.FusedRnnStack.WavefrontRuns > runs, "the stack did not run as a wavefront");
            return r;
        }

        int saved = Recur.Kernels.Gemm.MaxThreads;
        Recur.Kernels.Gemm.MaxThreads = 2;
        try
        {
            var small = Measure(2, 30);
            var large = Measure(6, 90);
            Assert.True(small.Overhead <= 8 * 1024, $"overhead {small.Overhead} bytes per run beyond the fetched {small.Fetched}.");
            Assert.True(large.Overhead <= small.Overhead + 512, $"overhead grows with the sizes: {small.Overhead} bytes at (2, 30), {large.Overhead} at (6, 90).");
        }
        finally
        {
            Recur.Kernels.Gemm.MaxThreads = saved;
        }
    }
}
