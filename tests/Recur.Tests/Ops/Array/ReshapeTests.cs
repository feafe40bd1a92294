using static Recur.Tests.Ops.ArrayOps.ArrayTestData;

namespace Recur.Tests.Ops.ArrayOps;

public class ReshapeTests
{
    [Theory]
    [MemberData(nameof(ArrayTestData.DTypes), MemberType = typeof(ArrayTestData))]
    public void Reshape_WithMinusOne_InfersDimension(DType dtype)
    {
        var r = Run(() =>
        {
            var y = Tf.Reshape(Tf.Constant(Iota(dtype, 2, 3, 2)), new[] { -1, 4 });
            Assert.Equal(new Shape(3, 4), y.Shape);
            return new[] { y };
        })[0];
        TestUtil.AssertClose(Expect(dtype, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11), r, 0, new Shape(3, 4));
    }

    [Fact]
    public void Reshape_ToScalarAndFromScalar_Work()
    {
        var r = Run(() => new[] { Tf.Reshape(Tf.Constant(Iota(DType.Float32, 1, 1)), System.Array.Empty<int>()), Tf.Reshape(Tf.Constant(7), new[] { 1, 1, 1 }) });
        TestUtil.AssertClose(D(0), r[0], 0, Shape.Scalar);
        TestUtil.AssertClose(D(7), r[1], 0, new Shape(1, 1, 1));
    }

    [Fact]
    public void Reshape_EmptyTensor_InfersFromNonZeroDims()
    {
        var r = Run(() => new[] { Tf.Reshape(Tf.Constant(Iota(DType.Float32, 0, 3)), new[] { -1, 3 }) })[0];
        Assert.Equal(new Shape(0, 3), r.Shape);
        var e = Assert.Throws<ArgumentException>(() => Build(() => Tf.Reshape(Tf.Constant(Iota(DType.Float32, 0, 3)), new[] { -1, 0 })));
        Assert.Contains("cannot infer the -1 dimension", e.Message);
    }

    [Fact]
    public void Reshape_PartialInput_KeepsMinusOneAndResolvesAtRunTime()
    {
        var r = RunFed(() =>
        {
            var x = Tf.Placeholder(DType.Float64, new Shape(-1, 3, 4));
            var y = Tf.Reshape(x, new[] { -1, 12 });
            Assert.Equal(new Shape(-1, 12), y.Shape);
            return (y, new FeedDict { [x] = Iota(DType.Float64, 2, 3, 4) });
        });
        Assert.Equal(new Shape(2, 12), r.Shape);
        TestUtil.AssertClose(Iota(DType.Float64, 2, 12), r, 0);
    }

    [Fact]
    public void Reshape_ShapeTensor_UsesRunTimeShape()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(-1, 6));
            var like = Tf.Placeholder(DType.Float32, new Shape(-1, 2, 3));
            var y = Tf.Reshape(x, Tf.Shape(like));
            Assert.Equal(new Shape(-1, -1, -1), y.Shape);
            var shapeFed = Tf.Placeholder(DType.Int32, new Shape(2));
            var z = Tf.Reshape(x, shapeFed);
            Assert.Equal(new Shape(-1, -1), z.Shape);
            using var s = new Session(g);
            var r = s.Run(new[] { y, z }, new FeedDict
            {
                [x] = Iota(DType.Float32, 2, 6), [like] = Iota(DType.Float32, 2, 2, 3), [shapeFed] = new NDArray(new[] { -1, 4 }, new Shape(2)),
            });
            TestUtil.AssertClose(Iota(DType.Float32, 2, 2, 3), r[0], 0);
            TestUtil.AssertClose(Iota(DType.Float32, 3, 4), r[1], 0);
            var e = Assert.Throws<ArgumentException>(() => s.Run(z, new FeedDict { [x] = Iota(DType.Float32, 2, 6), [shapeFed] = new NDArray(new[] { 5, 5 }, new Shape(2)) }));
            Assert.Contains("cannot reshape a tensor of shape (2, 6) (12 elements) to shape [5, 5] (25 elements)", e.Message);
        }
    }

    [Fact]
    public void Reshape_ConstantShapeTensor_InfersStaticShape()
    {
        var y = Build(() => Tf.Reshape(Tf.Constant(Iota(DType.Int32, 2, 6)), Tf.Constant(new NDArray(new long[] { 3, -1 }, new Shape(2)))));
        Assert.Equal(new Shape(3, 4), y.Shape);
    }

    [Fact]
    public void Reshape_BadShapes_Throw()
    {
        Assert.Contains("cannot reshape a tensor of shape (2, 3) (6 elements) to shape [4] (4 elements)", Assert.Throws<ArgumentException>(() =>
            Build(() => Tf.Reshape(Tf.Constant(Iota(DType.Float32, 2, 3)), new[] { 4 }))).Message);
        Assert.Contains("at most one dimension may be -1", Assert.Throws<ArgumentException>(() =>
            Build(() => Tf.Reshape(Tf.Constant(Iota(DType.Float32, 2, 3)), new[] { -1, -1 }))).Message);
        Assert.Contains("not a multiple of 4", Assert.Throws<ArgumentException>(() =>
            Build(() => Tf.Reshape(Tf.Constant(Iota(DType.Float32, 2, 3)), new[] { -1, 4 }))).Message);
        Assert.Contains("must have dtype Int32 or Int64", Assert.Throws<ArgumentException>(() =>
            Build(() => Tf.Reshape(Tf.Constant(Iota(DType.Float32, 2, 3)), Tf.Constant(Iota(DType.Float32, 2))))).Message);
    }
}

public class ExpandDimsSqueezeTests
{
    [Theory]
    [MemberData(nameof(ArrayTestData.DTypes), MemberType = typeof(ArrayTestData))]
    public void ExpandDims_Axes_InsertOne(DType dtype)
    {
        var r = Run(() =>
        {
            var x = Tf.Constant(Iota(dtype, 2, 3));
            return new[] { Tf.ExpandDims(x, 0), Tf.ExpandDims(x, -1), Tf.ExpandDims(x, 1) };
        });
        Assert.Equal(new Shape(1, 2, 3), r[0].Shape);
        Assert.Equal(new Shape(2, 3, 1), r[1].Shape);
        Assert.Equal(new Shape(2, 1, 3), r[2].Shape);
        TestUtil.AssertClose(Expect(dtype, 0, 1, 2, 3, 4, 5), r[1], 0);
    }

    [Fact]
    public void ExpandDims_ScalarAndPartial_Work()
    {
        var r = RunFed(() =>
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(-1));
            var y = Tf.ExpandDims(x, 1);
            Assert.Equal(new Shape(-1, 1), y.Shape);
            Assert.Equal(new Shape(1), Tf.ExpandDims(Tf.Constant(1f), 0).Shape);
            Assert.False(Tf.ExpandDims(Tf.Placeholder(DType.Float32), 0).Shape.IsRankKnown);
            return (y, new FeedDict { [x] = Iota(DType.Float32, 3) });
        });
        TestUtil.AssertClose(D(0, 1, 2), r, 0, new Shape(3, 1));
        Assert.Contains("axis 3 is out of range", Assert.Throws<ArgumentException>(() => Build(() => Tf.ExpandDims(Tf.Constant(Iota(DType.Float32, 2)), 3))).Message);
    }

    [Fact]
    public void Squeeze_AllAndListed_RemoveOnes()
    {
        var r = Run(() =>
        {
            var x = Tf.Constant(Iota(DType.Int32, 1, 2, 1, 3));
            return new[] { Tf.Squeeze(x), Tf.Squeeze(x, new[] { 2 }), Tf.Squeeze(x, new[] { -4 }) };
        });
        Assert.Equal(new Shape(2, 3), r[0].Shape);
        Assert.Equal(new Shape(1, 2, 3), r[1].Shape);
        Assert.Equal(new Shape(2, 1, 3), r[2].Shape);
        TestUtil.AssertClose(D(0, 1, 2, 3, 4, 5), r[0], 0);
    }

    [Fact]
    public void Squeeze_UnknownDims_StaticAndRunTime()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(-1, 1, 3));
            var all = Tf.Squeeze(x);
            Assert.False(all.Shape.IsRankKnown);
            var listed = Tf.Squeeze(x, new[] { 1 });
            Assert.Equal(new Shape(-1, 3), listed.Shape);
            var first = Tf.Squeeze(x, new[] { 0 });
            Assert.Equal(new Shape(1, 3), first.Shape);
            using var s = new Session(g);
            var r = s.Run(new[] { all, listed }, new FeedDict { [x] = Iota(DType.Float32, 1, 1, 3) });
            Assert.Equal(new Shape(3), r[0].Shape);
            Assert.Equal(new Shape(1, 3), r[1].Shape);
            var e = Assert.Throws<ArgumentException>(() => s.Run(first, new FeedDict { [x] = Iota(DType.Float32, 2, 1, 3) }));
            Assert.Contains("cannot squeeze dimension 0 of shape (2, 1, 3)", e.Message);
        }
    }

    [Fact]
    public void Squeeze_NonOneDim_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => Build(() => Tf.Squeeze(Tf.Constant(Iota(DType.Float32, 2, 3)), new[] { 1 })));
        Assert.Contains("Squeeze: cannot squeeze dimension 1 of shape (2, 3): expected a dimension of size 1, but got 3.", e.Message);
    }
}
