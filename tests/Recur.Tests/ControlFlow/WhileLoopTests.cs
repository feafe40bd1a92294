namespace Recur.Tests.ControlFlow;

public class WhileLoopTests
{
    [Fact]
    public void WhileLoop_TripCountFromFeed_RunsThatManyTimes()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var n = Tf.Placeholder(DType.Int32, Shape.Scalar, name: "n");
            var (i, acc) = Tf.WhileLoop(
                v => v.Item1 < n,
                v => (v.Item1 + 1, v.Item2 * 2.0),
                (Tf.Constant(0), Tf.Constant(1.0)));
            using var s = new Session(g);
            foreach (int trips in new[] { 0, 1, 5, 20 })
            {
                var r = s.Run(new[] { i, acc }, new FeedDict { [n] = NDArray.Scalar(trips) });
                Assert.Equal(trips, r[0].GetScalar<int>());
                Assert.Equal(Math.Pow(2, trips), r[1].GetScalar<double>());
            }
            // One While op, whatever the trip count.
            Assert.Equal(1, g.Operations.Count(o => o.Type == "While"));
        }
    }

    [Fact]
    public void WhileLoop_ListForm_CapturesOuterTensor()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var step = Tf.Placeholder(DType.Float64, Shape.Scalar, name: "step");
            var r = Tf.WhileLoop(
                v => v[0] < 4,
                v => new[] { v[0] + 1, v[1] + step },
                new[] { Tf.Constant(0), Tf.Constant(0.0) });
            using var s = new Session(g);
            Assert.Equal(10.0, s.Run(r[1], new FeedDict { [step] = NDArray.Scalar(2.5) }).GetScalar<double>());
        }
    }

    [Fact]
    public void WhileLoop_MaximumIterations_StopsEarly()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var max = Tf.Placeholder(DType.Int32, Shape.Scalar, name: "max");
            var r = Tf.WhileLoop(v => v[0] < 100, v => new[] { v[0] + 1 }, new[] { Tf.Constant(0) }, maximumIterations: max);
            using var s = new Session(g);
            Assert.Equal(7, s.Run(r[0], new FeedDict { [max] = NDArray.Scalar(7) }).GetScalar<int>());
            Assert.Equal(100, s.Run(r[0], new FeedDict { [max] = NDArray.Scalar(1000) }).GetScalar<int>());
            var e = Assert.Throws<ArgumentException>(() => s.Run(r[0], new FeedDict { [max] = NDArray.Scalar(-1) }));
            Assert.Contains("maximumIterations must be non-negative", e.Message);
        }
    }

    [Fact]
    public void WhileLoop_VariableReadInsideBody_IsCaptured()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var w = Tf.GetVariable("w", new Shape(), DType.Float64, Initializers.Constant(3.0));
            var r = Tf.WhileLoop(v => v.Item1 < 3, v => (v.Item1 + 1, v.Item2 * w), (Tf.Constant(0), Tf.Constant(1.0)));
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            Assert.Equal(27.0, s.Run(r.Item2).GetScalar<double>());
        }
    }

    [Fact]
    public void WhileLoop_VariableCreatedInsideBody_LivesInOuterGraph()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var r = Tf.WhileLoop(v => v.Item1 < 2, v =>
            {
                Variable k;
                using (Tf.VariableScope("cell", null, VariableReuse.AutoReuse))
                    k = Tf.GetVariable("k", new Shape(), DType.Float64, Initializers.Constant(0.5));
                return (v.Item1 + 1, v.Item2 + k);
            }, (Tf.Constant(0), Tf.Constant(0.0)));
            var k = g.GetVariable("cell/k");
            Assert.Same(g, k.Graph);
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            Assert.Equal(1.0, s.Run(r.Item2).GetScalar<double>());
        }
    }

    [Fact]
    public void WhileLoop_ShapeChangesWithoutInvariant_Throws()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var e = Assert.Throws<ArgumentException>(() => Tf.WhileLoop(
                v => v.Item1 < 3,
                v => (v.Item1 + 1, Tf.Concat(new[] { v.Item2, v.Item2 }, 0)),
                (Tf.Constant(0), Tf.Constant(new NDArray(1.0)))));
            Assert.Contains("shapeInvariants", e.Message);
            Assert.Contains("(1,)", e.Message);
        }
    }

    [Fact]
    public void WhileLoop_ShapeInvariantAllowsGrowth()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var r = Tf.WhileLoop(
                v => v[0] < 3,
                v => new[] { v[0] + 1, Tf.Concat(new[] { v[1], v[1] }, 0) },
                new[] { Tf.Constant(0), Tf.Constant(new NDArray(1.0)) },
                shapeInvariants: new[] { Shape.Scalar, new Shape(-1) });
            Assert.Equal(new Shape(-1), r[1].Shape);
            using var s = new Session(g);
            Assert.Equal(new Shape(8), s.Run(r[1]).Shape);
        }
    }

    [Fact]
    public void WhileLoop_DTypeChange_Throws()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var e = Assert.Throws<ArgumentException>(() => Tf.WhileLoop(
                v => v[0] < 3, v => new[] { Tf.Cast(v[0] + 1, DType.Int64) }, new[] { Tf.Constant(0) }));
            Assert.Contains("dtype Int32", e.Message);
            Assert.Contains("Int64", e.Message);
        }
    }

    [Fact]
    public void WhileLoop_ConditionNotBool_Throws()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var e = Assert.Throws<ArgumentException>(() => Tf.WhileLoop(v => v[0], v => new[] { v[0] + 1 }, new[] { Tf.Constant(0) }));
            Assert.Contains("scalar bool", e.Message);
        }
    }

    [Fact]
    public void WhileLoop_BodyReturnsWrongCount_Throws()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            IReadOnlyList<Tensor> vars = new[] { Tf.Constant(0) };
            var e = Assert.Throws<ArgumentException>(() => Tf.WhileLoop(v => v[0] < 3, v => new[] { v[0] + 1, v[0] }, vars));
            Assert.Contains("returned 2 values for 1 loop variables", e.Message);
            var s = Assert.Throws<ArgumentException>(() => Tf.WhileLoop(v => v[0] < 3, v => new[] { v[0] + 1, v[0] }, new[] { Tf.Constant(0) }));
            Assert.Contains("don't have the same nested structure", s.Message);
        }
    }

    [Fact]
    public void WhileLoop_Nested_InnerCapturesOuterLoopValue()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var n = Tf.Placeholder(DType.Int32, Shape.Scalar, name: "n");
            // sum_{i<n} sum_{j<i} 1 = n(n-1)/2
            var r = Tf.WhileLoop(
                v => v.Item1 < n,
                v =>
                {
                    var inner = Tf.WhileLoop(u => u.Item1 < v.Item1, u => (u.Item1 + 1, u.Item2 + 1), (Tf.Constant(0), v.Item2));
                    return (v.Item1 + 1, inner.Item2);
                },
                (Tf.Constant(0), Tf.Constant(0)));
            using var s = new Session(g);
            Assert.Equal(45, s.Run(r.Item2, new FeedDict { [n] = NDArray.Scalar(10) }).GetScalar<int>());
        }
    }

    [Fact]
    public void WhileLoop_LongLoop_RunsWithoutGrowingStack()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var r = Tf.WhileLoop(v => v[0] < 100_000, v => new[] { v[0] + 1 }, new[] { Tf.Constant(0) });
            using var s = new Session(g);
            Assert.Equal(100_000, s.Run(r[0]).GetScalar<int>());
        }
    }
}

public class TensorArrayTests
{
    [Fact]
    public void Write_InLoop_StackGivesEveryStep()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float64, new Shape(-1, 2), name: "x");
            var n = Tf.Shape(x)[0];
            var input = new TensorArray(DType.Float64, n).Unstack(x);
            var output = new TensorArray(DType.Float64, n);
            var (_, outTa) = Tf.WhileLoop(
                v => v.Item1 < n,
                v => (v.Item1 + 1, v.Item2.Write(v.Item1, input.Read(v.Item1) * 10.0)),
                (Tf.Constant(0), output));
            var stacked = outTa.Stack();
            Assert.Equal(new Shape(-1, 2), stacked.Shape);
            using var s = new Session(g);
            var xv = new NDArray(new double[] { 1, 2, 3, 4, 5, 6 }, new Shape(3, 2));
            TestUtil.AssertClose(new double[] { 10, 20, 30, 40, 50, 60 }, s.Run(stacked, new FeedDict { [x] = xv }), shape: new Shape(3, 2));
        }
    }

    [Fact]
    public void DynamicSize_GrowsOnWrite()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var ta = new TensorArray(DType.Int32, 0, dynamicSize: true);
            var (_, t2) = Tf.WhileLoop(v => v.Item1 < 5, v => (v.Item1 + 1, v.Item2.Write(v.Item1, v.Item1 * v.Item1)), (Tf.Constant(0), ta));
            using var s = new Session(g);
            Assert.Equal(new[] { 0, 1, 4, 9, 16 }, s.Run(t2.Stack()).ToArray<int>());
            Assert.Equal(5, s.Run(t2.Size()).GetScalar<int>());
        }
    }

    [Fact]
    public void Write_OutOfRangeFixedSize_Throws()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var ta = new TensorArray(DType.Float32, 2).Write(2, Tf.Constant(1f));
            using var s = new Session(g);
            var e = Assert.Throws<ArgumentException>(() => s.Run(ta.Stack()));
            Assert.Contains("index 2 is out of range for an array of size 2", e.Message);
        }
    }

    [Fact]
    public void Write_WrongDType_Throws()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var e = Assert.Throws<ArgumentException>(() => new TensorArray(DType.Float32, 2).Write(0, Tf.Constant(1.0)));
            Assert.Contains("holds Float32", e.Message);
        }
    }

    [Fact]
    public void Write_InconsistentShapes_Throws()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var e = Assert.Throws<ArgumentException>(() => new TensorArray(DType.Float64, 2)
                .Write(0, Tf.Constant(new NDArray(1.0, 2.0)))
                .Write(1, Tf.Constant(new NDArray(1.0, 2.0, 3.0))));
            Assert.Contains("incompatible with the element shape (2,)", e.Message);
        }
    }

    [Fact]
    public void Read_Unwritten_WithKnownShape_GivesZeros()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var ta = new TensorArray(DType.Float64, 3, elementShape: new Shape(2)).Write(1, Tf.Constant(new NDArray(1.0, 2.0)));
            using var s = new Session(g);
            Assert.Equal(new double[] { 0, 0 }, s.Run(ta.Read(0)).ToArray<double>());
            Assert.Equal(new double[] { 1, 2 }, s.Run(ta.Read(1)).ToArray<double>());
            Assert.Equal(new double[] { 0, 0, 1, 2, 0, 0 }, s.Run(ta.Stack()).ToArray<double>());
        }
    }

    [Fact]
    public void Unstack_ThenRead_ReturnsRows()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var ta = new TensorArray(DType.Int64, 3).Unstack(Tf.Constant(new NDArray(new long[] { 1, 2, 3, 4, 5, 6 }, new Shape(3, 2))));
            Assert.Equal(new Shape(2), ta.ElementShape);
            using var s = new Session(g);
            Assert.Equal(new long[] { 5, 6 }, s.Run(ta.Read(2)).ToArray<long>());
            var e = Assert.Throws<ArgumentException>(() => s.Run(ta.Read(3)));
            Assert.Contains("index 3 is out of range", e.Message);
        }
    }
}
