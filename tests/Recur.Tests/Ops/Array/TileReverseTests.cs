using static Recur.Tests.Ops.ArrayOps.ArrayTestData;

namespace Recur.Tests.Ops.ArrayOps;

public class TileTests
{
    [Theory]
    [MemberData(nameof(ArrayTestData.DTypes), MemberType = typeof(ArrayTestData))]
    public void Tile_BothAxes_Repeats(DType dtype)
    {
        // x = [[0 1] [2 3]] tiled (2, 2)
        var r = Run(() =>
        {
            var y = Tf.Tile(Tf.Constant(Iota(dtype, 2, 2)), new[] { 2, 2 });
            Assert.Equal(new Shape(4, 4), y.Shape);
            return new[] { y };
        })[0];
        TestUtil.AssertClose(Expect(dtype, 0, 1, 0, 1, 2, 3, 2, 3, 0, 1, 0, 1, 2, 3, 2, 3), r, 0, new Shape(4, 4));
    }

    [Fact]
    public void Tile_RunTimeMultiplesAndZero_Work()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(-1, 2));
            var m = Tf.Placeholder(DType.Int32, new Shape(2));
            var y = Tf.Tile(x, m);
            Assert.Equal(new Shape(-1, -1), y.Shape);
            var z = Tf.Tile(x, new[] { 0, 1 });
            Assert.Equal(new Shape(0, 2), z.Shape);
            using var s = new Session(g);
            var r = s.Run(new[] { y, z }, new FeedDict { [x] = Iota(DType.Float32, 1, 2), [m] = new NDArray(3, 1) });
            TestUtil.AssertClose(D(0, 1, 0, 1, 0, 1), r[0], 0, new Shape(3, 2));
            Assert.Equal(new Shape(0, 2), r[1].Shape);
        }
    }

    [Fact]
    public void Tile_BadMultiples_Throw()
    {
        Assert.Contains("one entry per dimension", Assert.Throws<ArgumentException>(() => Build(() => Tf.Tile(Tf.Constant(Iota(DType.Float32, 2)), new[] { 1, 2 }))).Message);
        Assert.Contains("non-negative", Assert.Throws<ArgumentException>(() => Build(() => Tf.Tile(Tf.Constant(Iota(DType.Float32, 2)), new[] { -1 }))).Message);
    }
}

public class ReverseTests
{
    [Theory]
    [MemberData(nameof(ArrayTestData.DTypes), MemberType = typeof(ArrayTestData))]
    public void Reverse_OneAndTwoAxes_Reverse(DType dtype)
    {
        var r = Run(() =>
        {
            var x = Tf.Constant(Iota(dtype, 2, 3));
            return new[] { Tf.Reverse(x, new[] { 1 }), Tf.Reverse(x, new[] { 0, -1 }), Tf.Reverse(x, System.Array.Empty<int>()) };
        });
        TestUtil.AssertClose(Expect(dtype, 2, 1, 0, 5, 4, 3), r[0], 0, new Shape(2, 3));
        TestUtil.AssertClose(Expect(dtype, 5, 4, 3, 2, 1, 0), r[1], 0, new Shape(2, 3));
        TestUtil.AssertClose(Expect(dtype, 0, 1, 2, 3, 4, 5), r[2], 0, new Shape(2, 3));
    }

    [Fact]
    public void Reverse_EmptyAndDuplicateAxis()
    {
        var r = Run(() => new[] { Tf.Reverse(Tf.Constant(Iota(DType.Float32, 0, 3)), new[] { 0 }) })[0];
        Assert.Equal(new Shape(0, 3), r.Shape);
        Assert.Contains("more than once", Assert.Throws<ArgumentException>(() => Build(() => Tf.Reverse(Tf.Constant(Iota(DType.Float32, 2, 2)), new[] { 1, -1 }))).Message);
    }
}

public class ReverseSequenceTests
{
    [Theory]
    [MemberData(nameof(ArrayTestData.DTypes), MemberType = typeof(ArrayTestData))]
    public void ReverseSequence_BatchMajor_ReversesPrefixes(DType dtype)
    {
        // x (batch 3, time 4): rows [0 1 2 3], [4 5 6 7], [8 9 10 11]; lengths 4, 2, 0
        var r = Run(() => new[] { Tf.ReverseSequence(Tf.Constant(Iota(dtype, 3, 4)), Tf.Constant(new NDArray(4, 2, 0)), seqAxis: 1, batchAxis: 0) })[0];
        TestUtil.AssertClose(Expect(dtype, 3, 2, 1, 0, 5, 4, 6, 7, 8, 9, 10, 11), r, 0, new Shape(3, 4));
    }

    [Fact]
    public void ReverseSequence_TimeMajorWithFeatures_ReversesPerBatch()
    {
        // x (time 3, batch 2, features 2) = iota; lengths [3, 1] (Int64)
        var r = RunFed(() =>
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(-1, -1, 2));
            var len = Tf.Placeholder(DType.Int64, new Shape(2));
            var y = Tf.ReverseSequence(x, len, seqAxis: 0, batchAxis: 1);
            Assert.Equal(new Shape(-1, 2, 2), y.Shape);
            return (y, new FeedDict { [x] = Iota(DType.Float32, 3, 2, 2), [len] = new NDArray(new long[] { 3, 1 }, new Shape(2)) });
        });
        // batch 0 (features at t: [0 1], [4 5], [8 9]) reversed; batch 1 ([2 3], [6 7], [10 11]) unchanged
        TestUtil.AssertClose(D(8, 9, 2, 3, 4, 5, 6, 7, 0, 1, 10, 11), r, 0, new Shape(3, 2, 2));
    }

    [Fact]
    public void ReverseSequence_BatchAxisAfterSeqAxis_Works()
    {
        // x (time 3, batch 2) with seqAxis 0, batchAxis -1; lengths [2, 3]
        var r = Run(() => new[] { Tf.ReverseSequence(Tf.Constant(Iota(DType.Int32, 3, 2)), Tf.Constant(new NDArray(2, 3)), 0, -1) })[0];
        TestUtil.AssertClose(D(2, 5, 0, 3, 4, 1), r, 0, new Shape(3, 2));
    }

    [Fact]
    public void ReverseSequence_Errors_Throw()
    {
        var e = Assert.Throws<ArgumentException>(() => Run(() => new[] { Tf.ReverseSequence(Tf.Constant(Iota(DType.Float32, 2, 3)), Tf.Constant(new NDArray(1, 4)), 1) }));
        Assert.Contains("ReverseSequence", e.Message);
        Assert.Contains("seqLengths[1] = 4 is greater than dimension 1", e.Message);
        Assert.Contains("is negative", Assert.Throws<ArgumentException>(() =>
            Run(() => new[] { Tf.ReverseSequence(Tf.Constant(Iota(DType.Float32, 2, 3)), Tf.Constant(new NDArray(1, -1)), 1) })).Message);
        Assert.Contains("seqAxis and batchAxis must differ", Assert.Throws<ArgumentException>(() =>
            Build(() => Tf.ReverseSequence(Tf.Constant(Iota(DType.Float32, 2, 3)), Tf.Constant(new NDArray(1, 1)), 0, 0))).Message);
        Assert.Contains("one entry per batch entry", Assert.Throws<ArgumentException>(() =>
            Build(() => Tf.ReverseSequence(Tf.Constant(Iota(DType.Float32, 2, 3)), Tf.Constant(new NDArray(1, 1, 1)), 1))).Message);
    }
}
