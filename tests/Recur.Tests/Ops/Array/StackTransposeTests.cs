using static Recur.Tests.Ops.ArrayOps.ArrayTestData;

namespace Recur.Tests.Ops.ArrayOps;

public class StackTests
{
    [Theory]
    [MemberData(nameof(ArrayTestData.DTypes), MemberType = typeof(ArrayTestData))]
    public void Stack_Axis0AndAxis1_Interleave(DType dtype)
    {
        // a = [0 1 2], b = [0 1 2] shifted by 3 via Values
        var r = Run(() =>
        {
            var a = Tf.Constant(Iota(dtype, 3));
            var b = Tf.Constant(Values(dtype, new Shape(3), i => i + 3));
            return new[] { Tf.Stack(new[] { a, b }), Tf.Stack(new[] { a, b }, 1), Tf.Stack(new[] { a, b }, -1) };
        });
        TestUtil.AssertClose(Expect(dtype, 0, 1, 2, 3, 4, 5), r[0], 0, new Shape(2, 3));
        TestUtil.AssertClose(Expect(dtype, 0, 3, 1, 4, 2, 5), r[1], 0, new Shape(3, 2));
        TestUtil.AssertClose(r[1], r[2], 0);
    }

    [Fact]
    public void Stack_Scalars_GivesVector()
    {
        var r = Run(() => new[] { Tf.Stack(new[] { Tf.Constant(1), Tf.Constant(2), Tf.Constant(3) }) })[0];
        TestUtil.AssertClose(D(1, 2, 3), r, 0, new Shape(3));
    }

    [Fact]
    public void Stack_PartialShapes_MergesStaticShape()
    {
        var r = RunFed(() =>
        {
            var a = Tf.Placeholder(DType.Float32, new Shape(-1, 2));
            var b = Tf.Placeholder(DType.Float32, new Shape(3, -1));
            var s = Tf.Stack(new[] { a, b }, 1);
            Assert.Equal(new Shape(3, 2, 2), s.Shape);
            return (s, new FeedDict { [a] = Iota(DType.Float32, 3, 2), [b] = Values(DType.Float32, new Shape(3, 2), i => 10 + i) });
        });
        TestUtil.AssertClose(D(0, 1, 10, 11, 2, 3, 12, 13, 4, 5, 14, 15), r, 0, new Shape(3, 2, 2));
    }

    [Fact]
    public void Stack_ShapeMismatch_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => Build(() =>
            Tf.Stack(new[] { Tf.Constant(Iota(DType.Float32, 2)), Tf.Constant(Iota(DType.Float32, 3)) })));
        Assert.Contains("Stack: inputs must have the same shape, but input 1 has shape (3,) and input 0 has (2,)", e.Message);
        Assert.Contains("axis 3 is out of range", Assert.Throws<ArgumentException>(() => Build(() =>
            Tf.Stack(new[] { Tf.Constant(Iota(DType.Float32, 2, 2)) }, 3))).Message);
    }

    [Fact]
    public void Stack_RunTimeShapeMismatch_Fails()
    {
        var e = Assert.Throws<ArgumentException>(() => RunFed(() =>
        {
            var a = Tf.Placeholder(DType.Float32, new Shape(-1));
            var b = Tf.Placeholder(DType.Float32, new Shape(-1));
            return (Tf.Stack(new[] { a, b }), new FeedDict { [a] = Iota(DType.Float32, 2), [b] = Iota(DType.Float32, 3) });
        }));
        Assert.Contains("Pack", e.Message);
    }
}

public class UnstackTests
{
    [Theory]
    [MemberData(nameof(ArrayTestData.DTypes), MemberType = typeof(ArrayTestData))]
    public void Unstack_Axis1_GivesColumns(DType dtype)
    {
        var r = Run(() => Tf.Unstack(Tf.Constant(Iota(dtype, 2, 3)), 1));
        Assert.Equal(3, r.Length);
        TestUtil.AssertClose(Expect(dtype, 0, 3), r[0], 0, new Shape(2));
        TestUtil.AssertClose(Expect(dtype, 2, 5), r[2], 0, new Shape(2));
    }

    [Fact]
    public void Unstack_TimeAxisOfBatchMajor_GivesSteps()
    {
        var r = RunFed(() =>
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(-1, 3, 2));
            var steps = Tf.Unstack(x, -2);
            Assert.Equal(3, steps.Length);
            Assert.Equal(new Shape(-1, 2), steps[1].Shape);
            return (steps[1], new FeedDict { [x] = Iota(DType.Float32, 2, 3, 2) });
        });
        TestUtil.AssertClose(D(2, 3, 8, 9), r, 0, new Shape(2, 2));
    }

    [Fact]
    public void Unstack_ZeroSizedAxis_GivesNoTensors()
    {
        var parts = Build(() => Tf.Unstack(Tf.Constant(Iota(DType.Float32, 0, 3))));
        Assert.Empty(parts);
    }

    [Fact]
    public void Unstack_UnknownDim_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => Build(() => Tf.Unstack(Tf.Placeholder(DType.Float32, new Shape(-1, 3)))));
        Assert.Contains("cannot infer the number of outputs from shape (?, 3)", e.Message);
        Assert.Contains("unknown rank", Assert.Throws<ArgumentException>(() => Build(() => Tf.Unstack(Tf.Placeholder(DType.Float32)))).Message);
        Assert.Contains("scalar", Assert.Throws<ArgumentException>(() => Build(() => Tf.Unstack(Tf.Constant(1f)))).Message);
    }

    [Fact]
    public void Unstack_ThenStack_RoundTrips()
    {
        var r = Run(() => new[] { Tf.Stack(Tf.Unstack(Tf.Constant(Iota(DType.Float64, 2, 3, 4)), 2), 2) })[0];
        TestUtil.AssertClose(Iota(DType.Float64, 2, 3, 4), r, 0);
    }
}

public class TransposeTests
{
    [Theory]
    [MemberData(nameof(ArrayTestData.DTypes), MemberType = typeof(ArrayTestData))]
    public void Transpose_Matrix_SwapsAxes(DType dtype)
    {
        var r = Run(() => new[] { Tf.Transpose(Tf.Constant(Iota(dtype, 2, 3)), new[] { 1, 0 }), Tf.Transpose(Tf.Constant(Iota(dtype, 2, 3))) });
        TestUtil.AssertClose(Expect(dtype, 0, 3, 1, 4, 2, 5), r[0], 0, new Shape(3, 2));
        TestUtil.AssertClose(r[0], r[1], 0);
    }

    [Fact]
    public void Transpose_BatchToTimeMajor_MatchesLoopReference()
    {
        var r = Run(() => new[] { Tf.Transpose(Tf.Constant(Iota(DType.Float32, 2, 3, 4)), new[] { 1, 0, 2 }) })[0];
        var expected = new List<double>();
        for (int t = 0; t < 3; t++)
            for (int b = 0; b < 2; b++)
                for (int d = 0; d < 4; d++) expected.Add(b * 12 + t * 4 + d);
        TestUtil.AssertClose(expected.ToArray(), r, 0, new Shape(3, 2, 4));
    }

    [Fact]
    public void Transpose_Rank3CyclicAndReversed_MatchReference()
    {
        var r = Run(() =>
        {
            var x = Tf.Constant(Iota(DType.Int64, 2, 3, 4));
            return new[] { Tf.Transpose(x, new[] { 2, 0, 1 }), Tf.Transpose(x) };
        });
        var cyc = new List<double>();
        for (int d = 0; d < 4; d++)
            for (int b = 0; b < 2; b++)
                for (int t = 0; t < 3; t++) cyc.Add(b * 12 + t * 4 + d);
        TestUtil.AssertClose(cyc.ToArray(), r[0], 0, new Shape(4, 2, 3));
        var rev = new List<double>();
        for (int d = 0; d < 4; d++)
            for (int t = 0; t < 3; t++)
                for (int b = 0; b < 2; b++) rev.Add(b * 12 + t * 4 + d);
        TestUtil.AssertClose(rev.ToArray(), r[1], 0, new Shape(4, 3, 2));
    }

    [Fact]
    public void Transpose_ScalarAndEmpty_Work()
    {
        var r = Run(() => new[] { Tf.Transpose(Tf.Constant(5.0), System.Array.Empty<int>()), Tf.Transpose(Tf.Constant(Iota(DType.Float32, 0, 3)), new[] { 1, 0 }) });
        TestUtil.AssertClose(D(5), r[0], 0, Shape.Scalar);
        Assert.Equal(new Shape(3, 0), r[1].Shape);
    }

    [Fact]
    public void Transpose_PartialShape_PermutesStaticDims()
    {
        var r = RunFed(() =>
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(-1, 3));
            var y = Tf.Transpose(x, new[] { 1, 0 });
            Assert.Equal(new Shape(3, -1), y.Shape);
            var u = Tf.Transpose(Tf.Placeholder(DType.Float32));
            Assert.False(u.Shape.IsRankKnown);
            return (y, new FeedDict { [x] = Iota(DType.Float32, 1, 3) });
        });
        TestUtil.AssertClose(D(0, 1, 2), r, 0, new Shape(3, 1));
    }

    [Fact]
    public void Transpose_BadPerm_Throws()
    {
        Assert.Contains("is not a permutation", Assert.Throws<ArgumentException>(() => Build(() =>
            Tf.Transpose(Tf.Constant(Iota(DType.Float32, 2, 3)), new[] { 0, 0 }))).Message);
        Assert.Contains("perm [0, 1, 2] has 3 entries, but x has shape (2, 3) of rank 2", Assert.Throws<ArgumentException>(() => Build(() =>
            Tf.Transpose(Tf.Constant(Iota(DType.Float32, 2, 3)), new[] { 0, 1, 2 }))).Message);
    }
}
