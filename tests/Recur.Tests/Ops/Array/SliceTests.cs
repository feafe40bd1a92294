using static Recur.Tests.Ops.ArrayOps.ArrayTestData;

namespace Recur.Tests.Ops.ArrayOps;

public class SliceTests
{
    [Theory]
    [MemberData(nameof(ArrayTestData.DTypes), MemberType = typeof(ArrayTestData))]
    public void Slice_WithMinusOneSize_TakesToEnd(DType dtype)
    {
        // x = [[0 1 2 3] [4 5 6 7] [8 9 10 11]]
        var r = Run(() =>
        {
            var y = Tf.Slice(Tf.Constant(Iota(dtype, 3, 4)), new[] { 1, 1 }, new[] { -1, 2 });
            Assert.Equal(new Shape(2, 2), y.Shape);
            return new[] { y };
        })[0];
        TestUtil.AssertClose(Expect(dtype, 5, 6, 9, 10), r, 0, new Shape(2, 2));
    }

    [Fact]
    public void Slice_TensorBeginOnPartialShape_RunsFed()
    {
        var r = RunFed(() =>
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(-1, 3));
            var b = Tf.Placeholder(DType.Int32, new Shape(2));
            var y = Tf.Slice(x, b, Tf.Constant(new NDArray(2, -1)));
            Assert.Equal(new Shape(2, -1), y.Shape);
            return (y, new FeedDict { [x] = Iota(DType.Float32, 4, 3), [b] = new NDArray(new[] { 1, 2 }, new Shape(2)) });
        });
        TestUtil.AssertClose(D(5, 8), r, 0, new Shape(2, 1));
    }

    [Fact]
    public void Slice_EmptyAndScalar_Work()
    {
        var r = Run(() => new[]
        {
            Tf.Slice(Tf.Constant(Iota(DType.Float32, 2, 3)), new[] { 2, 0 }, new[] { 0, 3 }),
            Tf.Slice(Tf.Constant(3.0), System.Array.Empty<int>(), System.Array.Empty<int>()),
        });
        Assert.Equal(new Shape(0, 3), r[0].Shape);
        TestUtil.AssertClose(D(3), r[1], 0, Shape.Scalar);
    }

    [Fact]
    public void Slice_OutOfBounds_Throws()
    {
        Assert.Contains("reaches past it", Assert.Throws<ArgumentException>(() =>
            Build(() => Tf.Slice(Tf.Constant(Iota(DType.Float32, 2, 3)), new[] { 1, 2 }, new[] { 1, 2 }))).Message);
        Assert.Contains("one entry per dimension", Assert.Throws<ArgumentException>(() =>
            Build(() => Tf.Slice(Tf.Constant(Iota(DType.Float32, 2, 3)), new[] { 1 }, new[] { 1 }))).Message);
        var e = Assert.Throws<ArgumentException>(() => RunFed(() =>
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(-1));
            return (Tf.Slice(x, new[] { 2 }, new[] { 3 }), new FeedDict { [x] = Iota(DType.Float32, 4) });
        }));
        Assert.Contains("does not fit in shape (4,)", e.Message);
    }
}

public class StridedSliceTests
{
    private static readonly NDArray X = Iota(DType.Float64, 2, 3, 4);

    private static NDArray Eval(Func<Tensor, Tensor> f, Shape expectedStatic)
    {
        return Run(() =>
        {
            var y = f(Tf.Constant(X));
            Assert.Equal(expectedStatic, y.Shape);
            return new[] { y };
        })[0];
    }

    [Theory]
    [MemberData(nameof(ArrayTestData.DTypes), MemberType = typeof(ArrayTestData))]
    public void StridedSlice_TimeStepOfBatchMajor_GivesBatchByFeatures(DType dtype)
    {
        // x[:, 1] for x of shape (2, 3, 4)
        var r = Run(() => new[] { Tf.StridedSlice(Tf.Constant(Iota(dtype, 2, 3, 4)), new[] { 0, 1 }, new[] { 0, 2 }, new[] { 1, 1 }, beginMask: 1, endMask: 1, shrinkAxisMask: 2) })[0];
        TestUtil.AssertClose(Expect(dtype, 4, 5, 6, 7, 16, 17, 18, 19), r, 0, new Shape(2, 4));
    }

    [Fact]
    public void StridedSlice_NegativeIndexShrink_TakesLast()
    {
        // x[:, -1]
        var r = Eval(x => Tf.StridedSlice(x, new[] { 0, -1 }, new[] { 0, 0 }, new[] { 1, 1 }, beginMask: 1, endMask: 1, shrinkAxisMask: 2), new Shape(2, 4));
        TestUtil.AssertClose(D(8, 9, 10, 11, 20, 21, 22, 23), r, 0);
    }

    [Fact]
    public void StridedSlice_NegativeStride_Reverses()
    {
        // x[1, ::-1, 1:3]
        var r = Eval(x => Tf.StridedSlice(x, new[] { 1, 0, 1 }, new[] { 2, 0, 3 }, new[] { 1, -1, 1 }, beginMask: 2, endMask: 2, shrinkAxisMask: 1), new Shape(3, 2));
        TestUtil.AssertClose(D(21, 22, 17, 18, 13, 14), r, 0);
    }

    [Fact]
    public void StridedSlice_StepsAndClamping_MatchPython()
    {
        // x[:, ::2, -3:100:2] → (2, 2, 2)
        var r = Eval(x => Tf.StridedSlice(x, new[] { 0, 0, -3 }, new[] { 0, 0, 100 }, new[] { 1, 2, 2 }, beginMask: 3, endMask: 3), new Shape(2, 2, 2));
        TestUtil.AssertClose(D(1, 3, 9, 11, 13, 15, 21, 23), r, 0);
        // x[0, 2:0:-1, 3:-10:-2] → rows 2, 1; cols 3, 1
        var r2 = Eval(x => Tf.StridedSlice(x, new[] { 0, 2, 3 }, new[] { 1, 0, -10 }, new[] { 1, -1, -2 }, shrinkAxisMask: 1), new Shape(2, 2));
        TestUtil.AssertClose(D(11, 9, 7, 5), r2, 0);
    }

    [Fact]
    public void StridedSlice_NewAxisAndEllipsis_PlaceDims()
    {
        // x[..., 0] → (2, 3); x[:, newaxis, 1] → (2, 1, 4); x[..., newaxis] → (2, 3, 4, 1)
        var a = Eval(x => Tf.StridedSlice(x, new[] { 0, 0 }, new[] { 0, 1 }, new[] { 1, 1 }, ellipsisMask: 1, shrinkAxisMask: 2), new Shape(2, 3));
        TestUtil.AssertClose(D(0, 4, 8, 12, 16, 20), a, 0);
        var b = Eval(x => Tf.StridedSlice(x, new[] { 0, 0, 1 }, new[] { 0, 0, 2 }, new[] { 1, 1, 1 }, beginMask: 1, endMask: 1, newAxisMask: 2, shrinkAxisMask: 4), new Shape(2, 1, 4));
        TestUtil.AssertClose(D(4, 5, 6, 7, 16, 17, 18, 19), b, 0);
        var c = Eval(x => Tf.StridedSlice(x, new[] { 0, 0 }, new[] { 0, 0 }, new[] { 1, 1 }, ellipsisMask: 1, newAxisMask: 2), new Shape(2, 3, 4, 1));
        TestUtil.AssertClose(X, c.Reshape(new Shape(2, 3, 4)), 0);
    }

    [Fact]
    public void StridedSlice_EmptyRangeAndScalarIndex_Work()
    {
        var r = Eval(x => Tf.StridedSlice(x, new[] { 2 }, new[] { 1 }), new Shape(0, 3, 4));
        Assert.Equal(0, r.Size);
        var v = Run(() => new[] { Tf.StridedSlice(Tf.Constant(Iota(DType.Int32, 5)), new[] { 3 }, new[] { 4 }, shrinkAxisMask: 1) })[0];
        TestUtil.AssertClose(D(3), v, 0, Shape.Scalar);
    }

    [Fact]
    public void StridedSlice_PartialShape_KeepsUnknownDims()
    {
        var r = RunFed(() =>
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(-1, -1, 2));
            var y = Tf.StridedSlice(x, new[] { 0, 1 }, new[] { 0, 2 }, new[] { 1, 1 }, beginMask: 1, endMask: 1, shrinkAxisMask: 2);
            Assert.Equal(new Shape(-1, 2), y.Shape);
            return (y, new FeedDict { [x] = Iota(DType.Float32, 2, 3, 2) });
        });
        TestUtil.AssertClose(D(2, 3, 8, 9), r, 0, new Shape(2, 2));
    }

    [Fact]
    public void TensorIndexers_IndexAndRange_MatchStridedSlice()
    {
        var r = Run(() =>
        {
            var x = Tf.Constant(Iota(DType.Int32, 4, 2));
            return new[] { x[1], x[-1], x[1..3], x[^2..], x[..^3], x[^0..] };
        });
        TestUtil.AssertClose(D(2, 3), r[0], 0, new Shape(2));
        TestUtil.AssertClose(D(6, 7), r[1], 0, new Shape(2));
        TestUtil.AssertClose(D(2, 3, 4, 5), r[2], 0, new Shape(2, 2));
        TestUtil.AssertClose(D(4, 5, 6, 7), r[3], 0, new Shape(2, 2));
        TestUtil.AssertClose(D(0, 1), r[4], 0, new Shape(1, 2));
        Assert.Equal(new Shape(0, 2), r[5].Shape);
    }

    [Fact]
    public void StridedSlice_Errors_Throw()
    {
        Assert.Contains("index 3 is out of bounds for dimension 1 of size 3", Assert.Throws<ArgumentException>(() =>
            Eval(x => Tf.StridedSlice(x, new[] { 0, 3 }, new[] { 0, 4 }, new[] { 1, 1 }, shrinkAxisMask: 2), Shape.Unknown)).Message);
        Assert.Contains("strides must be non-zero", Assert.Throws<ArgumentException>(() =>
            Eval(x => Tf.StridedSlice(x, new[] { 0 }, new[] { 1 }, new[] { 0 }), Shape.Unknown)).Message);
        Assert.Contains("too many indices", Assert.Throws<ArgumentException>(() =>
            Eval(x => Tf.StridedSlice(x, new[] { 0, 0, 0, 0 }, new[] { 1, 1, 1, 1 }), Shape.Unknown)).Message);
        Assert.Contains("same length", Assert.Throws<ArgumentException>(() =>
            Eval(x => Tf.StridedSlice(x, new[] { 0, 0 }, new[] { 1 }), Shape.Unknown)).Message);
        var e = Assert.Throws<ArgumentException>(() => RunFed(() =>
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(-1));
            return (x[5], new FeedDict { [x] = Iota(DType.Float32, 3) });
        }));
        Assert.Contains("StridedSlice", e.Message);
        Assert.Contains("index 5 is out of bounds for dimension 0 of size 3", e.Message);
    }
}

public class PadTests
{
    [Theory]
    [MemberData(nameof(ArrayTestData.DTypes), MemberType = typeof(ArrayTestData))]
    public void Pad_Constant_SurroundsInput(DType dtype)
    {
        var r = Run(() =>
        {
            var y = Tf.Pad(Tf.Constant(Values(dtype, new Shape(2, 2), i => 2 * i + 1)), new[,] { { 1, 0 }, { 0, 1 } });
            Assert.Equal(new Shape(3, 3), y.Shape);
            return new[] { y };
        })[0];
        TestUtil.AssertClose(Expect(dtype, 0, 0, 0, 1, 3, 0, 5, 7, 0), r, 0, new Shape(3, 3));
    }

    [Fact]
    public void Pad_ConstantValueAndPartialShape_Work()
    {
        var r = RunFed(() =>
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(-1, 1));
            var y = Tf.Pad(x, new[,] { { 0, 0 }, { 2, 1 } }, -1);
            Assert.Equal(new Shape(-1, 4), y.Shape);
            return (y, new FeedDict { [x] = Iota(DType.Float32, 2, 1) });
        });
        TestUtil.AssertClose(D(-1, -1, 0, -1, -1, -1, 1, -1), r, 0, new Shape(2, 4));
    }

    [Fact]
    public void Pad_BadPaddings_Throw()
    {
        Assert.Contains("paddings must have shape (2, 2)", Assert.Throws<ArgumentException>(() =>
            Build(() => Tf.Pad(Tf.Constant(Iota(DType.Float32, 2, 2)), new[,] { { 1, 1 } }))).Message);
        Assert.Contains("non-negative", Assert.Throws<ArgumentException>(() =>
            Build(() => Tf.Pad(Tf.Constant(Iota(DType.Float32, 2)), new[,] { { -1, 1 } }))).Message);
    }
}
