using static Recur.Tests.Ops.ArrayOps.ArrayTestData;

namespace Recur.Tests.Ops.ArrayOps;

public class ConcatTests
{
    [Theory]
    [MemberData(nameof(ArrayTestData.DTypes), MemberType = typeof(ArrayTestData))]
    public void Concat_Axis1_JoinsRows(DType dtype)
    {
        // a = [[0 1] [2 3]], b = [[0 1 2] [3 4 5]]
        var r = Run(() => new[] { Tf.Concat(new[] { Tf.Constant(Iota(dtype, 2, 2)), Tf.Constant(Iota(dtype, 2, 3)) }, 1) })[0];
        TestUtil.AssertClose(Expect(dtype, 0, 1, 0, 1, 2, 2, 3, 3, 4, 5), r, 0, new Shape(2, 5));
        Assert.Equal(dtype, r.DType);
    }

    [Fact]
    public void Concat_Axis0AndNegativeAxis_Match()
    {
        var r = Run(() => new[]
        {
            Tf.Concat(new[] { Tf.Constant(Iota(DType.Float32, 1, 2)), Tf.Constant(Iota(DType.Float32, 2, 2)) }, 0),
            Tf.Concat(new[] { Tf.Constant(Iota(DType.Float32, 2, 1)), Tf.Constant(Iota(DType.Float32, 2, 2)) }, -1),
        });
        TestUtil.AssertClose(D(0, 1, 0, 1, 2, 3), r[0], 0, new Shape(3, 2));
        TestUtil.AssertClose(D(0, 0, 1, 1, 2, 3), r[1], 0, new Shape(2, 3));
    }

    [Fact]
    public void Concat_Rank3Middle_InterleavesBlocks()
    {
        var r = Run(() => new[] { Tf.Concat(new[] { Tf.Constant(Iota(DType.Int32, 2, 1, 2)), Tf.Constant(Iota(DType.Int32, 2, 2, 2)) }, 1) })[0];
        TestUtil.AssertClose(D(0, 1, 0, 1, 2, 3, 2, 3, 4, 5, 6, 7), r, 0, new Shape(2, 3, 2));
    }

    [Fact]
    public void Concat_SizeZeroInput_IsSkipped()
    {
        var r = Run(() => new[] { Tf.Concat(new[] { Tf.Constant(Iota(DType.Float64, 0, 3)), Tf.Constant(Iota(DType.Float64, 2, 3)) }, 0) })[0];
        TestUtil.AssertClose(D(0, 1, 2, 3, 4, 5), r, 0, new Shape(2, 3));
    }

    [Fact]
    public void Concat_PartialShapes_InfersStaticShapeAndRunsFed()
    {
        var r = RunFed(() =>
        {
            var a = Tf.Placeholder(DType.Float32, new Shape(-1, 3));
            var b = Tf.Placeholder(DType.Float32, new Shape(-1, 2));
            var c = Tf.Concat(new[] { a, b }, 1);
            Assert.Equal(new Shape(-1, 5), c.Shape);
            var u = Tf.Placeholder(DType.Float32);
            var cu = Tf.Concat(new[] { a, u }, 0);
            Assert.Equal(new Shape(-1, 3), cu.Shape);
            return (c, new FeedDict { [a] = Iota(DType.Float32, 1, 3), [b] = Iota(DType.Float32, 1, 2) });
        });
        TestUtil.AssertClose(D(0, 1, 2, 0, 1), r, 0, new Shape(1, 5));
    }

    [Fact]
    public void Concat_UnknownRank_GivesUnknownShape()
    {
        var c = Build(() => Tf.Concat(new[] { Tf.Placeholder(DType.Float32), Tf.Placeholder(DType.Float32) }, 0));
        Assert.False(c.Shape.IsRankKnown);
    }

    [Fact]
    public void Concat_RankMismatch_ThrowsNamingShapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Build(() =>
            Tf.Concat(new[] { Tf.Constant(Iota(DType.Float32, 2, 3)), Tf.Constant(Iota(DType.Float32, 2, 3, 4)) }, 0)));
        Assert.Contains("Concat: inputs must have the same rank, but input 1 has shape (2, 3, 4) and input 0 has (2, 3).", e.Message);
    }

    [Fact]
    public void Concat_DimMismatch_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => Build(() =>
            Tf.Concat(new[] { Tf.Constant(Iota(DType.Float32, 2, 3)), Tf.Constant(Iota(DType.Float32, 3, 3)) }, 1)));
        Assert.Contains("every dimension except axis 1", e.Message);
        Assert.Contains("(3, 3)", e.Message);
    }

    [Fact]
    public void Concat_BadInputs_Throw()
    {
        Assert.Contains("same dtype", Assert.Throws<ArgumentException>(() => Build(() =>
            Tf.Concat(new[] { Tf.Constant(Iota(DType.Float32, 2)), Tf.Constant(Iota(DType.Float64, 2)) }, 0))).Message);
        Assert.Contains("scalars", Assert.Throws<ArgumentException>(() => Build(() =>
            Tf.Concat(new[] { Tf.Constant(1f), Tf.Constant(2f) }, 0))).Message);
        Assert.Contains("axis 2 is out of range", Assert.Throws<ArgumentException>(() => Build(() =>
            Tf.Concat(new[] { Tf.Constant(Iota(DType.Float32, 2, 2)) }, 2))).Message);
        Assert.Throws<ArgumentException>(() => Build(() => Tf.Concat(System.Array.Empty<Tensor>(), 0)));
    }

    [Fact]
    public void Concat_RunTimeMismatch_FailsNamingOp()
    {
        var e = Assert.Throws<ArgumentException>(() => RunFed(() =>
        {
            var a = Tf.Placeholder(DType.Float32, new Shape(-1, -1));
            var b = Tf.Placeholder(DType.Float32, new Shape(-1, -1));
            return (Tf.Concat(new[] { a, b }, 1), new FeedDict { [a] = Iota(DType.Float32, 2, 2), [b] = Iota(DType.Float32, 3, 2) });
        }));
        Assert.Contains("ConcatV2", e.Message);
        Assert.Contains("input 1 has shape (3, 2)", e.Message);
    }
}

public class SplitTests
{
    [Theory]
    [MemberData(nameof(ArrayTestData.DTypes), MemberType = typeof(ArrayTestData))]
    public void Split_ByCount_GivesEqualPieces(DType dtype)
    {
        var r = Run(() => Tf.Split(Tf.Constant(Iota(dtype, 2, 4)), 2, 1));
        Assert.Equal(2, r.Length);
        TestUtil.AssertClose(Expect(dtype, 0, 1, 4, 5), r[0], 0, new Shape(2, 2));
        TestUtil.AssertClose(Expect(dtype, 2, 3, 6, 7), r[1], 0, new Shape(2, 2));
    }

    [Fact]
    public void Split_BySizesWithMinusOne_InfersRest()
    {
        var r = Run(() =>
        {
            var parts = Tf.Split(Tf.Constant(Iota(DType.Float64, 2, 5)), new[] { 1, -1, 0 }, -1);
            Assert.Equal(new Shape(2, 4), parts[1].Shape);
            return parts;
        });
        TestUtil.AssertClose(D(0, 5), r[0], 0, new Shape(2, 1));
        TestUtil.AssertClose(D(1, 2, 3, 4, 6, 7, 8, 9), r[1], 0, new Shape(2, 4));
        TestUtil.AssertClose(D(), r[2], 0, new Shape(2, 0));
    }

    [Fact]
    public void Split_UnknownDim_ResolvesAtRunTime()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Int64, new Shape(-1, 2));
            var byCount = Tf.Split(x, 3, 0);
            var bySize = Tf.Split(x, new[] { -1, 1 }, 0);
            Assert.Equal(new Shape(-1, 2), byCount[0].Shape);
            Assert.Equal(new Shape(-1, 2), bySize[0].Shape);
            Assert.Equal(new Shape(1, 2), bySize[1].Shape);
            using var s = new Session(g);
            var r = s.Run(new[] { byCount[2], bySize[0] }, new FeedDict { [x] = Iota(DType.Int64, 3, 2) });
            TestUtil.AssertClose(D(4, 5), r[0], 0, new Shape(1, 2));
            TestUtil.AssertClose(D(0, 1, 2, 3), r[1], 0, new Shape(2, 2));
            var e = Assert.Throws<ArgumentException>(() => s.Run(byCount[0], new FeedDict { [x] = Iota(DType.Int64, 4, 2) }));
            Assert.Contains("not evenly divisible by numSplit 3", e.Message);
        }
    }

    [Fact]
    public void Split_BadArguments_Throw()
    {
        var x = Build(() => Tf.Constant(Iota(DType.Float32, 2, 5)));
        Assert.Contains("dimension 1 of shape (2, 5) is 5, which is not evenly divisible by numSplit 2",
            Assert.Throws<ArgumentException>(() => Build(() => Tf.Split(Tf.Constant(Iota(DType.Float32, 2, 5)), 2, 1))).Message);
        Assert.Contains("at most one size may be -1",
            Assert.Throws<ArgumentException>(() => Build(() => Tf.Split(Tf.Constant(Iota(DType.Float32, 2, 5)), new[] { -1, -1 }, 1))).Message);
        Assert.Contains("must sum to dimension 1",
            Assert.Throws<ArgumentException>(() => Build(() => Tf.Split(Tf.Constant(Iota(DType.Float32, 2, 5)), new[] { 2, 2 }, 1))).Message);
        Assert.Contains("numSplit must be at least 1",
            Assert.Throws<ArgumentException>(() => Build(() => Tf.Split(Tf.Constant(Iota(DType.Float32, 2, 5)), 0, 1))).Message);
        Assert.NotNull(x);
    }

    [Fact]
    public void Split_ThenConcat_RoundTrips()
    {
        var r = Run(() =>
        {
            var x = Tf.Constant(Iota(DType.Float32, 3, 4, 2));
            return new[] { Tf.Concat(Tf.Split(x, new[] { 1, 3 }, 1), 1) };
        })[0];
        TestUtil.AssertClose(Iota(DType.Float32, 3, 4, 2), r, 0);
    }
}
