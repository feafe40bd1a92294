using static Recur.Tests.Ops.Math.MathTestUtil;

namespace Recur.Tests.Ops.Math;

public class NnAndMiscOpsTests
{
    private static double[] NaiveSoftmax(double[] x, int cols, bool log)
    {
        var r = new double[x.Length];
        for (int row = 0; row < x.Length / cols; row++)
        {
            var seg = x.Skip(row * cols).Take(cols).ToArray();
            double max = seg.Max();
            double sum = seg.Sum(v => System.Math.Exp(v - max));
            for (int j = 0; j < cols; j++)
                r[row * cols + j] = log ? seg[j] - max - System.Math.Log(sum) : System.Math.Exp(seg[j] - max) / sum;
        }
        return r;
    }

    [Theory]
    [InlineData(DType.Float32, false)]
    [InlineData(DType.Float32, true)]
    [InlineData(DType.Float64, false)]
    [InlineData(DType.Float64, true)]
    public void Softmax_Rank3_MatchesNaiveAndRowsSumToOne(DType dtype, bool log)
    {
        var v = TestUtil.RandomDoubles(2 * 3 * 5, 9, -4, 4);
        var x = Arr(dtype, v, 2, 3, 5);
        var r = TestUtil.Eval(() => log ? Tf.Nn.LogSoftmax(Tf.Constant(x)) : Tf.Nn.Softmax(Tf.Constant(x)));
        TestUtil.AssertClose(NaiveSoftmax(Values(x), 5, log), r, shape: new Shape(2, 3, 5));
    }

    [Fact]
    public void Softmax_LargeLogits_StaysFinite()
    {
        var r = TestUtil.Eval(() => Tf.Nn.Softmax(C(new[] { 1000.0, 1000.0 })));
        TestUtil.AssertClose(new[] { 0.5, 0.5 }, r);
        var e = TestUtil.Eval(() => Tf.Nn.Softmax(Tf.Constant(NDArray.Zeros(new Shape(0, 4), DType.Float32))));
        Assert.Equal(new Shape(0, 4), e.Shape);
    }

    [Fact]
    public void Softmax_InvalidInput_Throws()
    {
        using var _ = new Graph().AsDefault();
        Assert.Throws<ArgumentException>(() => Tf.Nn.Softmax(Tf.Constant(1f)));
        var ex = Assert.Throws<ArgumentException>(() => Tf.Nn.LogSoftmax(Tf.Constant(new NDArray(1, 2))));
        Assert.Contains("Int32", ex.Message);
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    [InlineData(DType.Int32)]
    [InlineData(DType.Int64)]
    public void BiasAdd_Rank2And3_AddsOverLastDim(DType dtype)
    {
        var x = Arr(dtype, Enumerable.Range(0, 12).Select(i => (double)i).ToArray(), 2, 2, 3);
        var b = Arr(dtype, new double[] { 10, 20, 30 }, 3);
        var r = TestUtil.Eval(() => Tf.Nn.BiasAdd(Tf.Constant(x), Tf.Constant(b)));
        var expected = Enumerable.Range(0, 12).Select(i => i + 10.0 * (i % 3 + 1)).ToArray();
        TestUtil.AssertClose(expected, r, shape: new Shape(2, 2, 3));
        Assert.Equal(dtype, r.DType);
    }

    [Fact]
    public void BiasAdd_MismatchedChannels_ThrowsAtBuildAndRunTime()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var ex = Assert.Throws<ArgumentException>(() => Tf.Nn.BiasAdd(Tf.Placeholder(DType.Float32, new Shape(2, 3)), Tf.Placeholder(DType.Float32, new Shape(4))));
            Assert.Contains("BiasAdd", ex.Message);
            Assert.Contains("(2, 3)", ex.Message);
            Assert.Contains("(4", ex.Message);
            var x = Tf.Placeholder(DType.Float32, new Shape(-1, -1));
            var y = Tf.Nn.BiasAdd(x, Tf.Constant(new NDArray(1f, 2f)));
            Assert.Equal(new Shape(-1, 2), y.Shape);
            using var s = new Session(g);
            Assert.Throws<ArgumentException>(() => s.Run(y, new FeedDict { [x] = new NDArray(new float[6], new Shape(2, 3)) }));
        }
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    [InlineData(DType.Int64)]
    public void AddN_ThreeInputs_SumsElementwise(DType dtype)
    {
        var a = Arr(dtype, new double[] { 1, 2, 3, 4 }, 2, 2);
        var b = Arr(dtype, new double[] { 10, 20, 30, 40 }, 2, 2);
        var c = Arr(dtype, new double[] { 100, 200, 300, 400 }, 2, 2);
        var r = TestUtil.Eval(() => Tf.AddN(new[] { Tf.Constant(a), Tf.Constant(b), Tf.Constant(c) }));
        TestUtil.AssertClose(new double[] { 111, 222, 333, 444 }, r, shape: new Shape(2, 2));
        var single = TestUtil.Eval(() => Tf.AddN(new[] { Tf.Constant(a) }));
        TestUtil.AssertClose(Values(a), single);
    }

    [Fact]
    public void AddN_InvalidInputs_Throw()
    {
        using var _ = new Graph().AsDefault();
        Assert.Throws<ArgumentException>(() => Tf.AddN(Array.Empty<Tensor>()));
        var ex = Assert.Throws<ArgumentException>(() => Tf.AddN(new[] { Tf.Placeholder(DType.Float32, new Shape(2)), Tf.Placeholder(DType.Float32, new Shape(3)) }));
        Assert.Contains("AddN", ex.Message);
        Assert.Throws<ArgumentException>(() => Tf.AddN(new[] { Tf.Placeholder(DType.Float32, new Shape(2)), Tf.Placeholder(DType.Float64, new Shape(2)) }));
        Assert.Equal(new Shape(4, 2), Tf.AddN(new[] { Tf.Placeholder(DType.Float32, new Shape(-1, 2)), Tf.Placeholder(DType.Float32, new Shape(4, -1)) }).Shape);
    }

    [Fact]
    public void Cast_BetweenAllDTypes_FollowsTfRules()
    {
        var f = new NDArray(new[] { -1.7f, 0f, 2.9f, 3f });
        Assert.Equal(new[] { -1, 0, 2, 3 }, TestUtil.Eval(() => Tf.Cast(Tf.Constant(f), DType.Int32)).ToArray<int>());
        Assert.Equal(new long[] { -1, 0, 2, 3 }, TestUtil.Eval(() => Tf.Cast(Tf.Constant(f), DType.Int64)).ToArray<long>());
        Assert.Equal(new[] { true, false, true, true }, TestUtil.Eval(() => Tf.Cast(Tf.Constant(f), DType.Bool)).ToArray<bool>());
        TestUtil.AssertClose(new[] { -1.7, 0, 2.9, 3 }, TestUtil.Eval(() => Tf.Cast(Tf.Constant(f), DType.Float64)), tol: 1e-6);
        var b = new NDArray(true, false);
        Assert.Equal(new[] { 1f, 0f }, TestUtil.Eval(() => Tf.Cast(Tf.Constant(b), DType.Float32)).ToArray<float>());
        Assert.Equal(new long[] { 1, 0 }, TestUtil.Eval(() => Tf.Cast(Tf.Constant(b), DType.Int64)).ToArray<long>());
        long big = (1L << 53) + 1;
        Assert.Equal(new[] { big }, TestUtil.Eval(() => Tf.Cast(Tf.Cast(Tf.Constant(big), DType.Int64), DType.Int64)).ToArray<long>());
        Assert.Equal(new[] { 1 }, TestUtil.Eval(() => Tf.Cast(Tf.Constant(new NDArray((1L << 32) + 1)), DType.Int32)).ToArray<int>());
        var same = TestUtil.Eval(() => Tf.Cast(Tf.Constant(f), DType.Float32));
        Assert.Equal(f.ToArray<float>(), same.ToArray<float>());
    }

    [Fact]
    public void Cast_PartialShape_KeepsShapeChangesDType()
    {
        using var _ = new Graph().AsDefault();
        var y = Tf.Cast(Tf.Placeholder(DType.Int32, new Shape(-1, 3)), DType.Float32);
        Assert.Equal(new Shape(-1, 3), y.Shape);
        Assert.Equal(DType.Float32, y.DType);
    }
}
