namespace Recur.Tests.Core;

public class SessionTests
{
    [Fact]
    public void Run_PlaceholderNotFed_ThrowsNamingPlaceholder()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(-1, 3), name: "x");
            var y = Tf.Identity(x);
            using var s = new Session(g);
            var e = Assert.Throws<InvalidOperationException>(() => s.Run(y));
            Assert.Contains("placeholder 'x'", e.Message);
            Assert.Contains("Float32", e.Message);
            Assert.Contains("(?, 3)", e.Message);
        }
    }

    [Fact]
    public void Run_FeedWrongDType_ThrowsNamingExpected()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(2), name: "x");
            using var s = new Session(g);
            var e = Assert.Throws<ArgumentException>(() => s.Run(x, new FeedDict { [x] = new NDArray(1.0, 2.0) }));
            Assert.Equal("Session.Run: placeholder 'x' expects dtype Float32, but was fed Float64.", e.Message);
        }
    }

    [Fact]
    public void Run_FeedWrongShape_ThrowsWithBothShapes()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(-1, 3), name: "x");
            using var s = new Session(g);
            var e = Assert.Throws<ArgumentException>(() => s.Run(x, new FeedDict { [x] = new NDArray(new float[8], new Shape(2, 4)) }));
            Assert.Contains("expects shape (?, 3)", e.Message);
            Assert.Contains("(2, 4)", e.Message);
        }
    }

    [Fact]
    public void Run_UnknownBatch_AcceptsAnyBatch()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(-1, 2), name: "x");
            var y = Tf.Identity(x);
            using var s = new Session(g);
            foreach (int b in new[] { 1, 3, 0 })
            {
                var v = new NDArray(TestUtil.RandomFloats(b * 2, b), new Shape(b, 2));
                TestUtil.AssertClose(v, s.Run(y, new FeedDict { [x] = v }));
            }
        }
    }

    [Fact]
    public void Run_UninitializedVariable_ThrowsNamingVariable()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var w = Tf.GetVariable("dense/kernel", new Shape(2, 2));
            using var s = new Session(g);
            var e = Assert.Throws<InvalidOperationException>(() => s.Run(w));
            Assert.Contains("variable 'dense/kernel' is not initialized", e.Message);
            Assert.False(s.IsInitialized(w));
        }
    }

    [Fact]
    public void Load_SetsValue_AndValidatesShape()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var w = Tf.GetVariable("w", new Shape(2), DType.Float64);
            using var s = new Session(g);
            w.Load(new NDArray(3.0, 4.0), s);
            Assert.Equal(new double[] { 3, 4 }, s.Run(w).ToArray<double>());
            var e = Assert.Throws<ArgumentException>(() => w.Load(new NDArray(1.0, 2.0, 3.0), s));
            Assert.Contains("(2,)", e.Message);
            Assert.Contains("(3,)", e.Message);
            Assert.Throws<ArgumentException>(() => w.Load(new NDArray(1f, 2f), s));
        }
    }

    [Fact]
    public void Run_VariablesAreSessionLocal()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var w = Tf.GetVariable("w", new Shape(1), DType.Float64, Initializers.Zeros());
            using var s1 = new Session(g);
            using var s2 = new Session(g);
            s1.Run(Tf.GlobalVariablesInitializer());
            w.Load(new NDArray(5.0), s2);
            Assert.Equal(0.0, s1.Run(w).ToArray<double>()[0]);
            Assert.Equal(5.0, s2.Run(w).ToArray<double>()[0]);
        }
    }

    [Fact]
    public void Run_Assign_UpdatesVariable()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var w = Tf.GetVariable("w", new Shape(2), DType.Float64, Initializers.Ones());
            var assign = w.Assign(Tf.Constant(new NDArray(7.0, 8.0)));
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            Assert.Equal(new double[] { 1, 1 }, s.Run(w).ToArray<double>());
            s.Run(assign.Op);
            Assert.Equal(new double[] { 7, 8 }, s.Run(w).ToArray<double>());
        }
    }

    [Fact]
    public void Run_PrunesToFetches_UnfedPlaceholderOffPathIsFine()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var a = Tf.Placeholder(DType.Float32, name: "a");
            var unused = Tf.Placeholder(DType.Float32, name: "unused");
            var ya = Tf.Identity(a);
            _ = Tf.Identity(unused);
            using var s = new Session(g);
            Assert.Equal(2f, s.Run(ya, new FeedDict { [a] = NDArray.Scalar(2f) }).GetScalar<float>());
        }
    }

    [Fact]
    public void Run_FeedingIntermediateTensor_CutsTheGraph()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var a = Tf.Placeholder(DType.Float32, name: "a");
            var mid = Tf.Identity(a);
            var y = Tf.Identity(mid);
            using var s = new Session(g);
            Assert.Equal(9f, s.Run(y, new FeedDict { [mid] = NDArray.Scalar(9f) }).GetScalar<float>());
        }
    }

    [Fact]
    public void Run_ManyFetches_ReturnsInOrder()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var a = Tf.Constant(1.0);
            var b = Tf.Constant(2.0);
            using var s = new Session(g);
            var r = s.Run(new[] { b, a, b });
            Assert.Equal(new[] { 2.0, 1.0, 2.0 }, r.Select(x => x.GetScalar<double>()));
        }
    }

    [Fact]
    public void Run_TenThousandChainedOps_NoStackOverflow()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float64, new Shape(3), name: "x");
            Tensor y = x;
            for (int i = 0; i < 10_000; i++) y = Tf.Identity(y);
            using var s = new Session(g);
            var v = new NDArray(1.0, 2.0, 3.0);
            TestUtil.AssertClose(v, s.Run(y, new FeedDict { [x] = v }));
            Assert.True(g.Operations.Count > 10_000);
        }
    }

    [Fact]
    public void Run_ConcurrentCalls_MatchSerialResults()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float64, new Shape(-1), name: "x");
            var w = Tf.GetVariable("w", new Shape(1), DType.Float64, Initializers.Constant(1.0));
            Tensor y = x;
            for (int i = 0; i < 50; i++) y = Tf.Identity(y);
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            var inputs = Enumerable.Range(0, 64).Select(i => new NDArray(TestUtil.RandomDoubles(i + 1, i), new Shape(i + 1))).ToArray();
            var serial = inputs.Select(v => s.Run(new Tensor[] { y, w }, new FeedDict { [x] = v })).ToArray();
            var parallel = new NDArray[inputs.Length][];
            Parallel.For(0, inputs.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
                parallel[i] = s.Run(new Tensor[] { y, w }, new FeedDict { [x] = inputs[i] }));
            for (int i = 0; i < inputs.Length; i++)
            {
                TestUtil.AssertClose(serial[i][0], parallel[i][0], 0);
                TestUtil.AssertClose(serial[i][1], parallel[i][1], 0);
            }
        }
    }

    [Fact]
    public void Run_FetchFromOtherGraph_Throws()
    {
        var g1 = new Graph();
        Tensor c;
        using (g1.AsDefault()) c = Tf.Constant(1f);
        using var s = new Session(new Graph());
        var e = Assert.Throws<ArgumentException>(() => s.Run(c));
        Assert.Contains("different graph", e.Message);
    }

    [Fact]
    public void Run_AfterDispose_Throws()
    {
        var g = new Graph();
        Tensor c;
        using (g.AsDefault()) c = Tf.Constant(1f);
        var s = new Session(g);
        s.Dispose();
        Assert.Throws<ObjectDisposedException>(() => s.Run(c));
    }

    [Fact]
    public void Placeholder_VariantDType_Rejected()
    {
        var g = new Graph();
        using (g.AsDefault())
            Assert.Throws<ArgumentException>(() => Tf.Placeholder(DType.Variant));
    }
}
