using Recur.Rnn;

namespace Recur.Tests.Rnn.Drivers;

/// <summary>
/// Issue 5, item 4: the fused ops that DynamicRnn builds for the built-in cells give the composed While loop's
/// results — outputs, final states, and the gradients of x, the initial state and every variable — with and without
/// sequence lengths, time- and batch-major, float64 and float32, stacked and bidirectional.
/// </summary>
public class FusedRnnTests
{
    private const int T = 7, B = 4, D = 5;

    private static Func<RnnCell>[] Cells(Initializer init) => new Func<RnnCell>[]
    {
        () => new BasicRnnCell(3),
        () => new BasicRnnCell(3, activation: Tf.Nn.Relu),
        () => new BasicLstmCell(3, forgetBias: 0.7),
        () => new BasicLstmCell(3, stateIsTuple: false),
        () => new LstmCell(3, initializer: init),
        () => new LstmCell(3, usePeepholes: true, numProj: 4, initializer: init, stateIsTuple: false),
        () => new LstmCell(3, usePeepholes: true, cellClip: 0.4, numProj: 4, projClip: 0.3, initializer: init, forgetBias: 0.2),
        () => new GruCell(3),
        () => new GruCell(3, resetAfter: true),
        () => new MultiRnnCell(Enumerable.Range(0, 3).Select(i => (RnnCell)new LstmCell(3 + i, usePeepholes: true, numProj: 4 + i, initializer: init))),
        () => new MultiRnnCell(new RnnCell[] { new GruCell(4), new BasicRnnCell(3), new GruCell(2, resetAfter: true) }, stateIsTuple: false),
        () => new DeviceWrapper(new LstmCell(3, cellClip: 0.5, initializer: init), "/cpu:0"),
    };

    private static readonly string[] FusedTypes = { "FusedLstm", "FusedGru", "FusedRnn" };

    public static IEnumerable<object[]> Cases()
    {
        for (int c = 0; c < 12; c++)
        {
            foreach (bool lengths in new[] { false, true })
            {
                yield return new object[] { c, lengths, true, DType.Float64 };
            }
            // Batch-major (read and written in place by the fused kernels), with lengths (stacks included) and without.
            yield return new object[] { c, true, false, c % 2 == 0 ? DType.Float64 : DType.Float32 };
            yield return new object[] { c, false, false, c % 2 == 0 ? DType.Float32 : DType.Float64 };
        }
    }

    private static bool IsFusedOp(Operation o) => FusedTypes.Contains(o.Type) || FusedTypes.Any(f => o.Type == f + "Grad");

    /// <summary>
    /// The fused path of <paramref name="scope"/> builds no Transpose: none in its scope (nor a gradient named after
    /// one), none that reads a fused op or its gradient, none that feeds one.
    /// </summary>
    private static void AssertNoTransposes(Graph g, string scope)
    {
        foreach (var o in g.Operations)
        {
            if (o.Type == "Transpose")
            {
                Assert.DoesNotContain(scope + "/", o.Name, StringComparison.Ordinal);
                Assert.DoesNotContain(o.Inputs, i => IsFusedOp(i.Op));
            }
            if (IsFusedOp(o))
                Assert.DoesNotContain(o.Inputs, i => i.Op.Type == "Transpose");
        }
    }

    private static NDArray Rand(DType dtype, int seed, params int[] shape)
    {
        int n = shape.Aggregate(1, (a, b) => a * b);
        return dtype == DType.Float64
            ? new NDArray(TestUtil.RandomDoubles(n, seed), new Shape(shape))
            : new NDArray(TestUtil.RandomFloats(n, seed), new Shape(shape));
    }

    private sealed record Built(Tensor Outputs, RnnState State, Tensor Loss, Tensor?[] Grads);

    /// <summary>Builds one DynamicRnn in <paramref name="scope"/> with its loss and gradients (x, the initial state leaves, the variables).</summary>
    private static Built BuildRnn(Graph g, bool fused, string scope, RnnCell cell, Tensor x, Tensor? len, RnnState init, bool timeMajor, Tensor[] outWeights)
    {
        g.UseFusedRnn = fused;
        var (outputs, state) = Tf.Nn.DynamicRnn(cell, x, len, initialState: init, timeMajor: timeMajor, scope: scope);
        // A loss that weights every output and state element differently, so every gradient is informative.
        var loss = Tf.ReduceSum(outputs * outWeights[0]);
        var leaves = state.Flatten();
        for (int i = 0; i < leaves.Count; i++) loss = loss + Tf.ReduceSum(Tf.Square(leaves[i]) * outWeights[1 + i]);
        var xs = new List<Tensor> { x };
        xs.AddRange(init.Flatten());
        xs.AddRange(g.TrainableVariables.Where(v => v.Name.StartsWith(scope + "/", StringComparison.Ordinal)).Select(v => (Tensor)v));
        return new Built(outputs, state, loss, Tf.Gradients(loss, xs));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fused_EqualsComposed_OutputsStatesAndGradients(int cellIndex, bool withLengths, bool timeMajor, DType dtype)
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var init = Initializers.RandomUniform(-0.4, 0.4, seed: 99);
            var x = Tf.Placeholder(dtype, timeMajor ? new Shape(-1, -1, D) : new Shape(-1, -1, D), name: "x");
            var len = withLengths ? Tf.Placeholder(DType.Int32, new Shape(-1), name: "len") : null;
            var probe = Cells(init)[cellIndex]();
            var stateLeaves = probe.StateSize.Flatten().Select((l, i) => Tf.Placeholder(dtype, new Shape(-1).Concatenate(l.Shape), name: $"s{i}")).ToList();
            var initState = probe.StateSize.Pack(stateLeaves.Cast<Tensor>().ToList());
            int outWidth = probe.OutputSize.Flatten()[0].Shape[0];
            var w = new List<Tensor> { Tf.Constant(Rand(dtype, 5, timeMajor ? T : B, timeMajor ? B : T, outWidth)) };
            w.AddRange(probe.StateSize.Flatten().Select((l, i) => Tf.Constant(Rand(dtype, 50 + i, new[] { B }.Concat(l.Shape.ToArray()).ToArray()))));
            var wArr = w.ToArray();

            Built composed, fused;
            using (Tf.VariableScope("composed", initializer: init)) composed = BuildRnn(g, false, "rnn", Cells(init)[cellIndex](), x, len, initState, timeMajor, wArr);
            using (Tf.VariableScope("fused", initializer: init)) fused = BuildRnn(g, true, "rnn", Cells(init)[cellIndex](), x, len, initState, timeMajor, wArr);
            Assert.Contains(g.Operations, o => FusedTypes.Contains(o.Type) && o.Name.StartsWith("fused/", StringComparison.Ordinal));
            Assert.DoesNotContain(g.Operations, o => FusedTypes.Contains(o.Type) && o.Name.StartsWith("composed/", StringComparison.Ordinal));
            Assert.Equal(composed.Outputs.Shape, fused.Outputs.Shape);
            if (!timeMajor)
            {
                // The composed loop transposes around its While loop; the fused ops read and write batch-major in place.
                Assert.Contains(g.Operations, o => o.Type == "Transpose" && o.Name.StartsWith("composed/", StringComparison.Ordinal));
                AssertNoTransposes(g, "fused");
            }

            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            var composedVars = g.Variables.Where(v => v.Name.StartsWith("composed/", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(composedVars);
            foreach (var v in composedVars)
                g.GetVariable("fused/" + v.Name["composed/".Length..]).Load(s.Run(v), s);

            var feeds = new FeedDict { [x] = Rand(dtype, cellIndex + 1, timeMajor ? T : B, timeMajor ? B : T, D) };
            if (len is not null) feeds[len] = new NDArray(new[] { 7, 0, 3, 9 });
            for (int i = 0; i < stateLeaves.Count; i++)
                feeds[stateLeaves[i]] = Rand(dtype, 70 + i, new[] { B }.Concat(probe.StateSize.Flatten()[i].Shape.ToArray()).ToArray());

            var fetch = new List<Tensor> { composed.Outputs, fused.Outputs, composed.Loss, fused.Loss };
            fetch.AddRange(composed.State.Flatten());
            fetch.AddRange(fused.State.Flatten());
            Assert.Equal(composed.Grads.Length, fused.Grads.Length);
            Assert.All(composed.Grads, gr => Assert.NotNull(gr));
            Assert.All(fused.Grads, gr => Assert.NotNull(gr));
            fetch.AddRange(composed.Grads!);
            fetch.AddRange(fused.Grads!);
            var r = s.Run(fetch, feeds);
            double tol = dtype == DType.Float64 ? 1e-11 : 2e-5;
            TestUtil.AssertClose(r[0], r[1], tol);
            TestUtil.AssertClose(r[2], r[3], tol * 10);
            int ns = composed.State.Flatten().Count;
            for (int i = 0; i < ns; i++) TestUtil.AssertClose(r[4 + i], r[4 + ns + i], tol);
            int ng = composed.Grads.Length, baseG = 4 + 2 * ns;
            for (int i = 0; i < ng; i++) TestUtil.AssertClose(r[baseG + i], r[baseG + ng + i], tol * 10);
            if (withLengths)
            {
                // Row 1 has length 0: zero outputs and the initial state carried through.
                var o = dtype == DType.Float64 ? r[1].ToArray<double>() : r[1].ToArray<float>().Select(v => (double)v).ToArray();
                for (int t = 0; t < T; t++)
                {
                    for (int u = 0; u < outWidth; u++)
                        Assert.Equal(0.0, o[timeMajor ? (t * B + 1) * outWidth + u : (1 * T + t) * outWidth + u]);
                }
            }
        }
    }

    /// <summary>Bidirectional dynamic RNN: the backward direction runs fused on reversed sequences; equal to the loop.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Bidirectional_Fused_EqualsComposed(bool withLengths)
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var init = Initializers.RandomUniform(-0.5, 0.5, seed: 4);
            var x = Tf.Placeholder(DType.Float64, new Shape(B, T, D), name: "x");
            var len = withLengths ? Tf.Constant(new NDArray(new[] { 7, 2, 0, 5 })) : null;
            Tensor[] Build(bool fused, string scope)
            {
                g.UseFusedRnn = fused;
                var ((fw, bw), (sfw, sbw)) = Tf.Nn.BidirectionalDynamicRnn(
                    new LstmCell(3, usePeepholes: true, initializer: init), new GruCell(4, resetAfter: true), x, len, dtype: DType.Float64, scope: scope);
                var loss = Tf.ReduceSum(Tf.Square(fw)) + Tf.ReduceSum(bw * 0.5) + Tf.ReduceSum(sbw.Tensor);
                var vars = g.TrainableVariables.Where(v => v.Name.StartsWith(scope + "/", StringComparison.Ordinal)).Select(v => (Tensor)v);
                var grads = Tf.Gradients(loss, new[] { x }.Concat(vars).ToList());
                return new[] { fw, bw, loss }.Concat(sfw.Flatten()).Concat(grads.Select(gr => gr!)).ToArray();
            }
            var composed = Build(false, "composed");
            var fused = Build(true, "fused");
            Assert.Equal(2, g.Operations.Count(o => (o.Type is "FusedLstm" or "FusedGru") && o.Name.StartsWith("fused/", StringComparison.Ordinal)));
            AssertNoTransposes(g, "fused");
            Assert.Equal(new Shape(B, T, 3), fused[0].Shape);
            Assert.Equal(new Shape(B, T, 4), fused[1].Shape);
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            foreach (var v in g.Variables.Where(v => v.Name.StartsWith("composed/", StringComparison.Ordinal)))
                g.GetVariable("fused/" + v.Name["composed/".Length..]).Load(s.Run(v), s);
            var feeds = new FeedDict { [x] = Rand(DType.Float64, 8, B, T, D) };
            var r = s.Run(composed.Concat(fused).ToList(), feeds);
            for (int i = 0; i < composed.Length; i++) TestUtil.AssertClose(r[i], r[composed.Length + i], 1e-10);
        }
    }

    /// <summary>
    /// Two gradient computations read one forward op's saved workspace; the backward pass overwrites its workspace,
    /// so each must work on its own copy — both equal the composed gradients.
    /// </summary>
    [Fact]
    public void TwoGradientsOfOneForward_BothCorrect()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var init = Initializers.RandomUniform(-0.5, 0.5, seed: 12);
            var x = Tf.Placeholder(DType.Float64, new Shape(B, T, D), name: "x");
            var len = Tf.Constant(new NDArray(new[] { 3, 7, 1, 6 }));
            g.UseFusedRnn = false;
            var (oc, _) = Tf.Nn.DynamicRnn(new LstmCell(3, initializer: init), x, len, dtype: DType.Float64, scope: "composed");
            g.UseFusedRnn = true;
            var (of, _) = Tf.Nn.DynamicRnn(new LstmCell(3, initializer: init), x, len, dtype: DType.Float64, scope: "fused");
            var kc = g.GetVariable("composed/lstm_cell/kernel");
            var kf = g.GetVariable("fused/lstm_cell/kernel");
            var gc1 = Tf.Gradients(Tf.ReduceSum(oc), new Tensor[] { x, kc });
            var gc2 = Tf.Gradients(Tf.ReduceSum(Tf.Square(oc)), new Tensor[] { x, kc });
            var gf1 = Tf.Gradients(Tf.ReduceSum(of), new Tensor[] { x, kf });
            var gf2 = Tf.Gradients(Tf.ReduceSum(Tf.Square(of)), new Tensor[] { x, kf });
            Assert.Equal(2, g.Operations.Count(o => o.Type == "FusedLstmGrad"));
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            g.GetVariable("fused/lstm_cell/kernel").Load(s.Run(kc), s);
            var feeds = new FeedDict { [x] = Rand(DType.Float64, 3, B, T, D) };
            for (int rep = 0; rep < 2; rep++)
            {
                var r = s.Run(new[] { gc1[0]!, gc1[1]!, gc2[0]!, gc2[1]!, gf1[0]!, gf1[1]!, gf2[0]!, gf2[1]! }, feeds);
                for (int i = 0; i < 4; i++) TestUtil.AssertClose(r[i], r[4 + i], 1e-11);
            }
        }
    }

    /// <summary>The fused graph is a handful of ops whatever T, and one graph serves any batch and length.</summary>
    [Fact]
    public void FusedGraph_IsSmall_AndServesAnyShape()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(-1, -1, D), name: "x");
            var (o, st) = Tf.Nn.DynamicRnn(new GruCell(6), x, dtype: DType.Float32);
            Assert.Single(g.Operations, op => op.Type == "FusedGru");
            Assert.DoesNotContain(g.Operations, op => op.Type == "While");
            Assert.Equal(new Shape(-1, -1, 6), o.Shape);
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            foreach (var (b, t) in new[] { (1, 1), (3, 20), (2, 5) })
            {
                var r = s.Run(new[] { o, st.Tensor }, new FeedDict { [x] = Rand(DType.Float32, b + t, b, t, D) });
                Assert.Equal(new Shape(b, t, 6), r[0].Shape);
                // The final state of a full-length sequence is its last output.
                var y = r[0].ToArray<float>();
                var h = r[1].ToArray<float>();
                for (int i = 0; i < b; i++)
                    for (int u = 0; u < 6; u++) Assert.Equal(y[(i * t + t - 1) * 6 + u], h[i * 6 + u]);
            }
        }
    }

    /// <summary>The fused outputs keep their static shapes in either layout, unknown dims as -1, through a stack.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void FusedOutputs_StaticShapes_BothLayouts(bool timeMajor)
    {
        foreach (var (b, t) in new[] { (4, 7), (-1, 7), (4, -1), (-1, -1) })
        {
            var g = new Graph();
            using (g.AsDefault())
            {
                var x = Tf.Placeholder(DType.Float32, timeMajor ? new Shape(t, b, D) : new Shape(b, t, D), name: "x");
                var cell = new MultiRnnCell(new RnnCell[] { new LstmCell(3, numProj: 2), new GruCell(5) });
                var (o, st) = Tf.Nn.DynamicRnn(cell, x, dtype: DType.Float32, timeMajor: timeMajor);
                Assert.Equal(2, g.Operations.Count(op => FusedTypes.Contains(op.Type)));
                Assert.Equal(timeMajor ? new Shape(t, b, 5) : new Shape(b, t, 5), o.Shape);
                var leaves = st.Flatten();
                Assert.Equal(new Shape(b, 3), leaves[0].Shape);
                Assert.Equal(new Shape(b, 2), leaves[1].Shape);
                Assert.Equal(new Shape(b, 5), leaves[2].Shape);
                if (!timeMajor) Assert.DoesNotContain(g.Operations, op => op.Type == "Transpose");
            }
        }
    }

    /// <summary>A fed initial state whose batch differs from the inputs' is refused at run time, naming the op and both shapes.</summary>
    [Fact]
    public void InitialStateBatchMismatch_ClearError()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float64, new Shape(-1, -1, D), name: "x");
            var c0 = Tf.Placeholder(DType.Float64, new Shape(-1, 3), name: "c0");
            var h0 = Tf.Placeholder(DType.Float64, new Shape(-1, 3), name: "h0");
            var (o, _) = Tf.Nn.DynamicRnn(new BasicLstmCell(3), x, initialState: new LstmStateTuple(c0, h0));
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            var e = Assert.Throws<ArgumentException>(() => s.Run(o, new FeedDict
            {
                [x] = Rand(DType.Float64, 1, 2, 4, D),
                [c0] = Rand(DType.Float64, 2, 3, 3),
                [h0] = Rand(DType.Float64, 3, 3, 3),
            }));
            Assert.Contains("FusedLstm", e.Message, StringComparison.Ordinal);
            Assert.Contains("c0", e.Message, StringComparison.Ordinal);
            Assert.Contains("(2, 3)", e.Message, StringComparison.Ordinal);
            Assert.Contains("(3, 3)", e.Message, StringComparison.Ordinal);
        }
    }

    /// <summary>A cell with a custom activation has no fused form: DynamicRnn builds the While loop.</summary>
    [Fact]
    public void CustomActivation_FallsBackToLoop()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(2, 3, D));
            Tf.Nn.DynamicRnn(new LstmCell(3, activation: Tf.Nn.Relu), x, dtype: DType.Float32);
            Assert.DoesNotContain(g.Operations, op => FusedTypes.Contains(op.Type));
            Assert.Contains(g.Operations, op => op.Type == "While");
        }
    }
    /// <summary>
    /// <c>tf.gradients(loss, weights)</c> of an RNN over data: nothing reads the gradient op's dx, so the fused kernel skips
    /// dx = dG·Wxᵀ (the bottom layer's, in a stack) — and every weight gradient is the one computed beside dx.
    /// Every built-in cell, stacks included, float64, with lengths.
    /// </summary>
    [Fact]
    public void WeightGradientsOnly_SkipTheInputGradient_SameWeightGradients()
    {
        var init = Initializers.RandomUniform(-0.5, 0.5, seed: 9);
        var cells = Cells(init);
        for (int c = 0; c < cells.Length; c++)
        {
            var g = new Graph();
            using (g.AsDefault())
            {
                g.UseFusedRnn = true;
                var x = Tf.Placeholder(DType.Float64, new Shape(B, T, D), name: "x");
                var len = Tf.Constant(new NDArray(new[] { 7, 2, 0, 5 }));
                var (outputs, _) = Tf.Nn.DynamicRnn(cells[c](), x, len, dtype: DType.Float64);
                var loss = Tf.ReduceSum(outputs * outputs);
                var vars = g.TrainableVariables.Select(v => (Tensor)v).ToList();
                var weightsOnly = Tf.Gradients(loss, vars).Select(t => t!).ToList();
                var withX = Tf.Gradients(loss, new[] { x }.Concat(vars).ToList()).Select(t => t!).ToList();
                using var s = new Session(g);
                s.Run(Tf.GlobalVariablesInitializer());
                var feeds = new FeedDict { [x] = Rand(DType.Float64, 11 + c, B, T, D) };

                long before = FusedRnnCommon.SkippedInputGradients;
                var only = s.Run(weightsOnly, feeds);
                Assert.True(FusedRnnCommon.SkippedInputGradients > before, $"cell {c}: the weights-only gradient skipped no dx");
                before = FusedRnnCommon.SkippedInputGradients;
                var all = s.Run(withX, feeds);
                Assert.Equal(before, FusedRnnCommon.SkippedInputGradients);
                Assert.Contains(all[0].ToArray<double>(), v => v != 0);
                for (int i = 0; i < only.Length; i++)
                {
                    TestUtil.AssertClose(all[1 + i], only[i], 0);
                }
            }
        }
    }
}
