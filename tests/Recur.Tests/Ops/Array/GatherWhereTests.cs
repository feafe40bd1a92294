using static Recur.Tests.Ops.ArrayOps.ArrayTestData;

namespace Recur.Tests.Ops.ArrayOps;

public class GatherTests
{
    [Theory]
    [MemberData(nameof(ArrayTestData.DTypes), MemberType = typeof(ArrayTestData))]
    public void Gather_Axis0_PicksRows(DType dtype)
    {
        // params = [[0 1] [2 3] [4 5]], indices = [2, 0, 2]
        var r = Run(() => new[] { Tf.Gather(Tf.Constant(Iota(dtype, 3, 2)), Tf.Constant(new NDArray(2, 0, 2))) })[0];
        TestUtil.AssertClose(Expect(dtype, 4, 5, 0, 1, 4, 5), r, 0, new Shape(3, 2));
    }

    [Fact]
    public void Gather_Axis1WithMatrixIndicesInt64_HasCombinedShape()
    {
        var r = Run(() =>
        {
            var y = Tf.Gather(Tf.Constant(Iota(DType.Float32, 2, 3)), Tf.Constant(new NDArray(new long[] { 2, 1, 0, 0 }, new Shape(2, 2))), -1);
            Assert.Equal(new Shape(2, 2, 2), y.Shape);
            return new[] { y };
        })[0];
        TestUtil.AssertClose(D(2, 1, 0, 0, 5, 4, 3, 3), r, 0, new Shape(2, 2, 2));
    }

    [Fact]
    public void Gather_ScalarAndEmptyIndices_Work()
    {
        var r = Run(() => new[]
        {
            Tf.Gather(Tf.Constant(Iota(DType.Float64, 3, 2)), Tf.Constant(1)),
            Tf.Gather(Tf.Constant(Iota(DType.Float64, 3, 2)), Tf.Constant(new NDArray(System.Array.Empty<int>(), new Shape(0)))),
        });
        TestUtil.AssertClose(D(2, 3), r[0], 0, new Shape(2));
        Assert.Equal(new Shape(0, 2), r[1].Shape);
    }

    [Fact]
    public void Gather_PartialShapes_RunsFed()
    {
        var r = RunFed(() =>
        {
            var p = Tf.Placeholder(DType.Float32, new Shape(-1, 2));
            var i = Tf.Placeholder(DType.Int32, new Shape(-1));
            var y = Tf.Gather(p, i);
            Assert.Equal(new Shape(-1, 2), y.Shape);
            return (y, new FeedDict { [p] = Iota(DType.Float32, 4, 2), [i] = new NDArray(3, 1) });
        });
        TestUtil.AssertClose(D(6, 7, 2, 3), r, 0, new Shape(2, 2));
    }

    [Fact]
    public void Gather_OutOfRangeIndex_FailsClearly()
    {
        var e = Assert.Throws<ArgumentException>(() => Run(() => new[] { Tf.Gather(Tf.Constant(Iota(DType.Float32, 3, 2)), Tf.Constant(new NDArray(0, 5))) }));
        Assert.Contains("GatherV2", e.Message);
        Assert.Contains("indices[1] = 5 is not in [0, 3)", e.Message);
        var neg = Assert.Throws<ArgumentException>(() => Run(() => new[] { Tf.Gather(Tf.Constant(Iota(DType.Float32, 3)), Tf.Constant(-1)) }));
        Assert.Contains("indices[0] = -1 is not in [0, 3)", neg.Message);
        Assert.Contains("indices must have dtype Int32 or Int64", Assert.Throws<ArgumentException>(() =>
            Build(() => Tf.Gather(Tf.Constant(Iota(DType.Float32, 3)), Tf.Constant(1f)))).Message);
    }
}

public class OneHotTests
{
    [Fact]
    public void OneHot_DefaultAxis_EncodesAndIgnoresOutOfRange()
    {
        var r = Run(() => new[] { Tf.OneHot(Tf.Constant(new NDArray(0, 2, -1, 3)), 3) })[0];
        TestUtil.AssertClose(D(1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0), r, 0, new Shape(4, 3));
        Assert.Equal(DType.Float32, r.DType);
    }

    [Fact]
    public void OneHot_Axis0WithOnOffValues_Transposes()
    {
        var r = Run(() => new[] { Tf.OneHot(Tf.Constant(new NDArray(new long[] { 1, 0 }, new Shape(2))), 3, 5, -1, 0, DType.Int32) })[0];
        TestUtil.AssertClose(D(-1, 5, 5, -1, -1, -1), r, 0, new Shape(3, 2));
        Assert.Equal(DType.Int32, r.DType);
    }
}

public class WhereTests
{
    [Theory]
    [MemberData(nameof(ArrayTestData.DTypes), MemberType = typeof(ArrayTestData))]
    public void Where_SameShape_PicksElementwise(DType dtype)
    {
        var r = Run(() => new[]
        {
            Tf.Where(Tf.Constant(new NDArray(new[] { true, false, false, true }, new Shape(2, 2))),
                Tf.Constant(Iota(dtype, 2, 2)), Tf.Constant(Values(dtype, new Shape(2, 2), i => i + 5))),
        })[0];
        TestUtil.AssertClose(Expect(dtype, 0, 6, 7, 3), r, 0, new Shape(2, 2));
    }

    [Fact]
    public void Where_RankOneCondition_PicksRows()
    {
        var r = RunFed(() =>
        {
            var c = Tf.Placeholder(DType.Bool, new Shape(-1));
            var x = Tf.Placeholder(DType.Float32, new Shape(-1, 2));
            var y = Tf.ZerosLike(x);
            var w = Tf.Where(c, x, y);
            Assert.Equal(new Shape(-1, 2), w.Shape);
            return (w, new FeedDict { [c] = new NDArray(false, true, false), [x] = Values(DType.Float32, new Shape(3, 2), i => i + 1) });
        });
        TestUtil.AssertClose(D(0, 0, 3, 4, 0, 0), r, 0, new Shape(3, 2));
    }

    [Fact]
    public void Where_Broadcasting_ScalarAndColumn()
    {
        var r = Run(() => new[]
        {
            Tf.Where(Tf.Constant(new NDArray(new[] { true, false }, new Shape(2, 1))), Tf.Constant(Iota(DType.Float64, 2, 3)), Tf.Constant(-1.0)),
            Tf.Where(Tf.Constant(true), Tf.Constant(Iota(DType.Int32, 2)), Tf.Constant(Iota(DType.Int32, 2, 2))),
        });
        TestUtil.AssertClose(D(0, 1, 2, -1, -1, -1), r[0], 0, new Shape(2, 3));
        TestUtil.AssertClose(D(0, 1, 0, 1), r[1], 0, new Shape(2, 2));
    }

    [Fact]
    public void Where_BadInputs_Throw()
    {
        Assert.Contains("condition must have dtype Bool", Assert.Throws<ArgumentException>(() =>
            Build(() => Tf.Where(Tf.Constant(Iota(DType.Int32, 2)), Tf.Constant(Iota(DType.Float32, 2)), Tf.Constant(Iota(DType.Float32, 2))))).Message);
        Assert.Contains("x and y must have the same dtype", Assert.Throws<ArgumentException>(() =>
            Build(() => Tf.Where(Tf.Constant(new NDArray(true, false)), Tf.Constant(Iota(DType.Float32, 2)), Tf.Constant(Iota(DType.Float64, 2))))).Message);
        Assert.Contains("its length must equal the first dimension", Assert.Throws<ArgumentException>(() =>
            Build(() => Tf.Where(Tf.Constant(new NDArray(true, false, true)), Tf.Constant(Iota(DType.Float32, 2, 2)), Tf.Constant(Iota(DType.Float32, 2, 2))))).Message);
        var e = Assert.Throws<ArgumentException>(() => RunFed(() =>
        {
            var c = Tf.Placeholder(DType.Bool, new Shape(-1));
            return (Tf.Where(c, Tf.Constant(Iota(DType.Float32, 2, 2)), Tf.Constant(Iota(DType.Float32, 2, 2))), new FeedDict { [c] = new NDArray(true) });
        }));
        Assert.Contains("Select", e.Message);
    }

    [Fact]
    public void WhereCoordinates_BoolAndNumeric_GiveInt64Coordinates()
    {
        var r = Run(() =>
        {
            var w = Tf.Where(Tf.Constant(new NDArray(new[] { false, true, true, false, false, true }, new Shape(2, 3))));
            Assert.Equal(new Shape(-1, 2), w.Shape);
            return new[] { w, Tf.Where(Tf.Constant(new NDArray(0f, 3f, 0f, -1f))), Tf.Where(Tf.Constant(new NDArray(new[] { false }, new Shape(1)))) };
        });
        Assert.Equal(DType.Int64, r[0].DType);
        TestUtil.AssertClose(D(0, 1, 0, 2, 1, 2), r[0], 0, new Shape(3, 2));
        TestUtil.AssertClose(D(1, 3), r[1], 0, new Shape(2, 1));
        Assert.Equal(new Shape(0, 1), r[2].Shape);
    }
}
