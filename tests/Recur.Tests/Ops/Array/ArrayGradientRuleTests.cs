using static Recur.Tests.Ops.ArrayOps.ArrayTestData;

namespace Recur.Tests.Ops.ArrayOps;

/// <summary>
/// The registered gradient rules of the array ops, applied directly to one op with a given upstream gradient
/// (dx = rule(op, dy)) and checked against hand-computed values.
/// </summary>
public class ArrayGradientRuleTests
{
    private static Tensor?[] Rule(Tensor y, params Tensor?[] dys) => OpRegistry.Get(y.Op.Type).Gradient!(y.Op, dys);

    private static NDArray GradOf(Func<Tensor, Tensor> op, NDArray x, NDArray dy, int input = 0)
    {
        return Run(() =>
        {
            var xt = Tf.Constant(x);
            var y = op(xt);
            var g = Rule(y, Tf.Constant(dy))[input]!;
            Assert.True(g.Shape.IsCompatibleWith(x.Shape));
            return new[] { g };
        })[0];
    }

    [Fact]
    public void ConcatGrad_SplitsUpstream()
    {
        var r = RunFed(() =>
        {
            var a = Tf.Placeholder(DType.Float64, new Shape(2, -1));
            var b = Tf.Constant(Iota(DType.Float64, 2, 1));
            var y = Tf.Concat(new[] { a, b }, 1);
            var g = Rule(y, Tf.Constant(Iota(DType.Float64, 2, 3)));
            Assert.Equal(new Shape(2, -1), g[0]!.Shape);
            return (g[1]!, new FeedDict { [a] = Iota(DType.Float64, 2, 2) });
        });
        TestUtil.AssertClose(D(2, 5), r, 0, new Shape(2, 1));
    }

    [Fact]
    public void SplitGrad_ConcatsWithZerosForMissing()
    {
        var r = Run(() =>
        {
            var parts = Tf.Split(Tf.Constant(Iota(DType.Float32, 2, 3)), new[] { 1, 2 }, 1);
            return new[] { Rule(parts[0], null, Tf.Constant(Values(DType.Float32, new Shape(2, 2), i => i + 1)))[0]! };
        })[0];
        TestUtil.AssertClose(D(0, 1, 2, 0, 3, 4), r, 0, new Shape(2, 3));
    }

    [Fact]
    public void StackAndUnstackGrads_AreInverse()
    {
        var r = Run(() =>
        {
            var a = Tf.Constant(Iota(DType.Float32, 2));
            var s = Tf.Stack(new[] { a, a, a }, 1);
            var gs = Rule(s, Tf.Constant(Iota(DType.Float32, 2, 3)));
            var parts = Tf.Unstack(Tf.Constant(Iota(DType.Float32, 2, 3)), 1);
            var gu = OpRegistry.Get("Unpack").Gradient!(parts[0].Op, new Tensor?[] { null, Tf.Constant(new NDArray(7f, 8f)), null });
            return new[] { gs[2]!, gu[0]! };
        });
        TestUtil.AssertClose(D(2, 5), r[0], 0, new Shape(2));
        TestUtil.AssertClose(D(0, 7, 0, 0, 8, 0), r[1], 0, new Shape(2, 3));
    }

    [Fact]
    public void TransposeAndReshapeGrads_RestoreLayout()
    {
        var t = GradOf(x => Tf.Transpose(x, new[] { 2, 0, 1 }), Iota(DType.Float64, 2, 3, 4), Iota(DType.Float64, 4, 2, 3));
        var expected = new double[24];
        for (int b = 0; b < 2; b++)
            for (int i = 0; i < 3; i++)
                for (int d = 0; d < 4; d++) expected[b * 12 + i * 4 + d] = d * 6 + b * 3 + i;
        TestUtil.AssertClose(expected, t, 0, new Shape(2, 3, 4));
        var rs = GradOf(x => Tf.Reshape(x, new[] { -1 }), Iota(DType.Float64, 2, 3), Iota(DType.Float64, 6));
        TestUtil.AssertClose(Iota(DType.Float64, 2, 3), rs, 0);
        var sq = GradOf(x => Tf.Squeeze(x), Iota(DType.Float64, 1, 3), Iota(DType.Float64, 3));
        TestUtil.AssertClose(Iota(DType.Float64, 1, 3), sq, 0);
    }

    [Fact]
    public void SliceGrads_ScatterIntoZeros()
    {
        var s = GradOf(x => Tf.Slice(x, new[] { 1, 1 }, new[] { 1, -1 }), Iota(DType.Float32, 2, 3), new NDArray(new[] { 5f, 6f }, new Shape(1, 2)));
        TestUtil.AssertClose(D(0, 0, 0, 0, 5, 6), s, 0, new Shape(2, 3));
        var ss = GradOf(x => Tf.StridedSlice(x, new[] { 0, -1 }, new[] { 0, 0 }, new[] { 1, -2 }, beginMask: 1, endMask: 3), Iota(DType.Float32, 2, 3),
            new NDArray(new[] { 1f, 2f, 3f, 4f }, new Shape(2, 2)));
        TestUtil.AssertClose(D(2, 0, 1, 4, 0, 3), ss, 0, new Shape(2, 3));
        var pad = GradOf(x => Tf.Pad(x, new[,] { { 1, 0 }, { 0, 1 } }), Iota(DType.Float32, 2, 2), Iota(DType.Float32, 3, 3));
        TestUtil.AssertClose(D(3, 4, 6, 7), pad, 0, new Shape(2, 2));
    }

    [Fact]
    public void GatherGrad_AccumulatesRepeatedIndices()
    {
        var g = GradOf(x => Tf.Gather(x, Tf.Constant(new NDArray(2, 0, 2))), Iota(DType.Float64, 3, 2), Values(DType.Float64, new Shape(3, 2), i => i + 1));
        TestUtil.AssertClose(D(3, 4, 0, 0, 6, 8), g, 0, new Shape(3, 2));
    }

    [Fact]
    public void SelectGrad_RoutesAndSumsBroadcast()
    {
        var r = Run(() =>
        {
            var c = Tf.Constant(new NDArray(new[] { true, false, false, true }, new Shape(2, 2)));
            var x = Tf.Constant(Iota(DType.Float64, 2, 2));
            var y = Tf.Constant(Iota(DType.Float64, 2));
            var w = Tf.Where(c, x, y);
            var g = Rule(w, Tf.Constant(Values(DType.Float64, new Shape(2, 2), i => i + 1)));
            Assert.Null(g[0]);
            return new[] { g[1]!, g[2]! };
        });
        TestUtil.AssertClose(D(1, 0, 0, 4), r[0], 0, new Shape(2, 2));
        TestUtil.AssertClose(D(3, 2), r[1], 0, new Shape(2));
    }

    [Fact]
    public void TileGrad_SumsCopies()
    {
        var g = GradOf(x => Tf.Tile(x, new[] { 2, 2 }), Iota(DType.Float32, 1, 2), Iota(DType.Float32, 2, 4));
        // dy = [[0 1 2 3] [4 5 6 7]]: x[0] gets 0 + 2 + 4 + 6, x[1] gets 1 + 3 + 5 + 7
        TestUtil.AssertClose(D(12, 16), g, 0, new Shape(1, 2));
    }

    [Fact]
    public void ReverseGrads_ReverseUpstream()
    {
        var g = GradOf(x => Tf.Reverse(x, new[] { 0 }), Iota(DType.Float32, 3), Iota(DType.Float32, 3));
        TestUtil.AssertClose(D(2, 1, 0), g, 0);
        var rs = GradOf(x => Tf.ReverseSequence(x, Tf.Constant(new NDArray(2, 3)), 1), Iota(DType.Float32, 2, 3), Iota(DType.Float32, 2, 3));
        TestUtil.AssertClose(D(1, 0, 2, 5, 4, 3), rs, 0);
    }
}
