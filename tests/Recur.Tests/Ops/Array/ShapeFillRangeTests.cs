using static Recur.Tests.Ops.ArrayOps.ArrayTestData;

namespace Recur.Tests.Ops.ArrayOps;

public class ShapeSizeRankTests
{
    [Fact]
    public void Shape_PartialStaticShape_GivesRunTimeDims()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Bool, new Shape(-1, 3));
            var shape = Tf.Shape(x);
            var shape64 = Tf.Shape(x, DType.Int64);
            var size = Tf.Size(x);
            var rank = Tf.Rank(x);
            var batch = shape[0];
            Assert.Equal(new Shape(2), shape.Shape);
            Assert.Equal(DType.Int32, shape.DType);
            Assert.Equal(DType.Int64, shape64.DType);
            Assert.Equal(Shape.Scalar, size.Shape);
            Assert.Equal(Shape.Scalar, batch.Shape);
            using var s = new Session(g);
            var r = s.Run(new[] { shape, shape64, size, rank, batch }, new FeedDict { [x] = Iota(DType.Bool, 4, 3) });
            TestUtil.AssertClose(D(4, 3), r[0], 0, new Shape(2));
            TestUtil.AssertClose(D(4, 3), r[1], 0, new Shape(2));
            Assert.Equal(12, r[2].GetScalar<int>());
            Assert.Equal(2, r[3].GetScalar<int>());
            Assert.Equal(4, r[4].GetScalar<int>());
        }
    }

    [Fact]
    public void Shape_ScalarAndUnknownRank_Work()
    {
        var r = RunFed(() =>
        {
            var u = Tf.Placeholder(DType.Float32);
            var s = Tf.Shape(u);
            Assert.Equal(new Shape(-1), s.Shape);
            return (s, new FeedDict { [u] = Iota(DType.Float32, 2, 0, 5) });
        });
        TestUtil.AssertClose(D(2, 0, 5), r, 0, new Shape(3));
        var scalar = Run(() => new[] { Tf.Shape(Tf.Constant(1.0)), Tf.Size(Tf.Constant(1.0)), Tf.Rank(Tf.Constant(1.0)) });
        Assert.Equal(new Shape(0), scalar[0].Shape);
        Assert.Equal(1, scalar[1].GetScalar<int>());
        Assert.Equal(0, scalar[2].GetScalar<int>());
    }

    [Fact]
    public void Shape_BadOutType_Throws()
    {
        Assert.Contains("outType must be Int32 or Int64", Assert.Throws<ArgumentException>(() =>
            Build(() => Tf.Shape(Tf.Constant(1f), DType.Float32))).Message);
    }
}

public class FillTests
{
    [Theory]
    [MemberData(nameof(ArrayTestData.DTypes), MemberType = typeof(ArrayTestData))]
    public void Fill_RunTimeDims_FillsValue(DType dtype)
    {
        var r = RunFed(() =>
        {
            var dims = Tf.Placeholder(DType.Int32, new Shape(2));
            var y = Tf.Fill(dims, Tf.Constant(NDArray.Scalar(1, dtype)));
            Assert.Equal(new Shape(-1, -1), y.Shape);
            return (y, new FeedDict { [dims] = new NDArray(new[] { 2, 3 }, new Shape(2)) });
        });
        TestUtil.AssertClose(Enumerable.Repeat(1.0, 6).ToArray(), r, 0, new Shape(2, 3));
        Assert.Equal(dtype, r.DType);
    }

    [Fact]
    public void Fill_ConstantDims_InfersStaticShape()
    {
        var r = Run(() =>
        {
            var y = Tf.Fill(Tf.Constant(new NDArray(new long[] { 2, 0 }, new Shape(2))), Tf.Constant(2.5));
            Assert.Equal(new Shape(2, 0), y.Shape);
            return new[] { y, Tf.Fill(Tf.Constant(new NDArray(System.Array.Empty<int>(), new Shape(0))), Tf.Constant(2.5)) };
        });
        Assert.Equal(new Shape(2, 0), r[0].Shape);
        TestUtil.AssertClose(D(2.5), r[1], 0, Shape.Scalar);
    }

    [Fact]
    public void Fill_BadArguments_Throw()
    {
        Assert.Contains("dims must be non-negative, but got [2, -1]", Assert.Throws<ArgumentException>(() =>
            Build(() => Tf.Fill(Tf.Constant(new NDArray(2, -1)), Tf.Constant(1f)))).Message);
        Assert.Contains("value must be a scalar", Assert.Throws<ArgumentException>(() =>
            Build(() => Tf.Fill(Tf.Constant(new NDArray(2)), Tf.Constant(new NDArray(1f, 2f))))).Message);
        Assert.Contains("dims must have dtype Int32 or Int64", Assert.Throws<ArgumentException>(() =>
            Build(() => Tf.Fill(Tf.Constant(new NDArray(2f)), Tf.Constant(1f)))).Message);
        var e = Assert.Throws<ArgumentException>(() => RunFed(() =>
        {
            var d = Tf.Placeholder(DType.Int32, new Shape(1));
            return (Tf.Fill(d, Tf.Constant(1f)), new FeedDict { [d] = new NDArray(new[] { -3 }, new Shape(1)) });
        }));
        Assert.Contains("Fill", e.Message);
        Assert.Contains("non-negative", e.Message);
    }

    [Fact]
    public void ZerosOnes_StaticAndRunTimeShapes_Fill()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(-1, 2));
            var zeros = Tf.Zeros(Tf.Shape(x), DType.Float64);
            var ones = Tf.Ones(Tf.Shape(x), DType.Int64);
            var zs = Tf.Zeros(new Shape(2, 2), DType.Bool);
            var os = Tf.Ones(new Shape(3));
            var zl = Tf.ZerosLike(x);
            var ol = Tf.OnesLike(x);
            Assert.Equal(new Shape(-1, 2), zl.Shape);
            Assert.Equal(new Shape(-1, -1), zeros.Shape);
            using var s = new Session(g);
            var r = s.Run(new[] { zeros, ones, zs, os, zl, ol }, new FeedDict { [x] = Iota(DType.Float32, 3, 2) });
            TestUtil.AssertClose(new double[6], r[0], 0, new Shape(3, 2));
            Assert.Equal(DType.Float64, r[0].DType);
            TestUtil.AssertClose(Enumerable.Repeat(1.0, 6).ToArray(), r[1], 0, new Shape(3, 2));
            Assert.Equal(DType.Int64, r[1].DType);
            TestUtil.AssertClose(new double[4], r[2], 0, new Shape(2, 2));
            TestUtil.AssertClose(D(1, 1, 1), r[3], 0, new Shape(3));
            TestUtil.AssertClose(new double[6], r[4], 0, new Shape(3, 2));
            TestUtil.AssertClose(Enumerable.Repeat(1.0, 6).ToArray(), r[5], 0, new Shape(3, 2));
        }
    }

    [Theory]
    [MemberData(nameof(ArrayTestData.DTypes), MemberType = typeof(ArrayTestData))]
    public void OnesLike_UnknownRank_UsesRunTimeShape(DType dtype)
    {
        var r = RunFed(() =>
        {
            var x = Tf.Placeholder(dtype);
            return (Tf.OnesLike(x), new FeedDict { [x] = Iota(dtype, 2, 1, 2) });
        });
        Assert.Equal(dtype, r.DType);
        TestUtil.AssertClose(D(1, 1, 1, 1), r, 0, new Shape(2, 1, 2));
    }

    [Fact]
    public void Zeros_PartialShape_Throws()
    {
        Assert.Contains("fully defined", Assert.Throws<ArgumentException>(() => Build(() => Tf.Zeros(new Shape(-1, 2)))).Message);
    }
}

public class RangeTests
{
    [Fact]
    public void Range_IntOverloads_MatchPython()
    {
        var r = Run(() => new[] { Tf.Range(5), Tf.Range(2, 9, 3), Tf.Range(5, 0, -2), Tf.Range(3, 3), Tf.Range(0, 10, 20) });
        TestUtil.AssertClose(D(0, 1, 2, 3, 4), r[0], 0, new Shape(5));
        Assert.Equal(DType.Int32, r[0].DType);
        TestUtil.AssertClose(D(2, 5, 8), r[1], 0, new Shape(3));
        TestUtil.AssertClose(D(5, 3, 1), r[2], 0, new Shape(3));
        TestUtil.AssertClose(D(), r[3], 0, new Shape(0));
        TestUtil.AssertClose(D(0), r[4], 0, new Shape(1));
    }

    [Fact]
    public void Range_Floats_HaveCeilLength()
    {
        var r = Run(() =>
        {
            var f = Tf.Range(0.0, 1.0, 0.25, DType.Float32);
            Assert.Equal(new Shape(4), f.Shape);
            return new[] { f, Tf.Range(1.0, 0.0, -0.3, DType.Float64), Tf.Range(0.0, 5.0, 2.0, DType.Int64) };
        });
        TestUtil.AssertClose(D(0, 0.25, 0.5, 0.75), r[0], 0, new Shape(4));
        TestUtil.AssertClose(D(1, 0.7, 0.4, 0.1), r[1], 1e-12, new Shape(4));
        TestUtil.AssertClose(D(0, 2, 4), r[2], 0, new Shape(3));
        Assert.Equal(DType.Int64, r[2].DType);
    }

    [Fact]
    public void Range_TensorLimit_RunsWithFedValue()
    {
        var r = RunFed(() =>
        {
            var n = Tf.Placeholder(DType.Int32, Shape.Scalar);
            var y = Tf.Range(n);
            Assert.Equal(new Shape(-1), y.Shape);
            return (y, new FeedDict { [n] = NDArray.Scalar(3) });
        });
        TestUtil.AssertClose(D(0, 1, 2), r, 0, new Shape(3));
    }

    [Fact]
    public void Range_BadArguments_Throw()
    {
        Assert.Contains("delta must not be 0", Assert.Throws<ArgumentException>(() => Build(() => Tf.Range(0, 5, 0))).Message);
        Assert.Contains("requires start <= limit when delta > 0", Assert.Throws<ArgumentException>(() => Build(() => Tf.Range(5, 0, 1))).Message);
        Assert.Contains("same dtype", Assert.Throws<ArgumentException>(() => Build(() =>
            Tf.Range(Tf.Constant(0), Tf.Constant(5.0), Tf.Constant(1)))).Message);
        var e = Assert.Throws<ArgumentException>(() => RunFed(() =>
        {
            var d = Tf.Placeholder(DType.Int32, Shape.Scalar);
            return (Tf.Range(Tf.Constant(0), Tf.Constant(4), d), new FeedDict { [d] = NDArray.Scalar(-1) });
        }));
        Assert.Contains("Range", e.Message);
        Assert.Contains("start >= limit when delta < 0", e.Message);
    }
}
