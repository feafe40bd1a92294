using Recur.Rnn;
using static Recur.Tests.Rnn.Cells.CellTestUtil;

namespace Recur.Tests.Rnn.Cells;

/// <summary>MultiRnnCell: layering, state structures, zero states, names and TF's errors.</summary>
public class MultiRnnCellTests
{
    [Theory]
    [MemberData(nameof(Dtypes), MemberType = typeof(CellTestUtil))]
    public void MultiRnnCell_LstmThenGru_EqualsLayerByLayerReference(DType dtype)
    {
        const int batch = 2, depth = 3, n0 = 4, n1 = 2;
        var x = Data(dtype, batch * depth, 51);
        var c0 = Data(dtype, batch * n0, 52);
        var h0 = Data(dtype, batch * n0, 53);
        var g0 = Data(dtype, batch * n1, 54);
        var (res, w) = LstmCellTests.RunStep(dtype, input =>
        {
            var cell = new MultiRnnCell(new RnnCell[] { new LstmCell(n0), new GruCell(n1) });
            var state = new RnnStateTuple(
                new LstmStateTuple(Tf.Constant(Arr(dtype, c0, batch, n0)), Tf.Constant(Arr(dtype, h0, batch, n0))),
                Tf.Constant(Arr(dtype, g0, batch, n1)));
            var (o, s) = cell.Call(input, state);
            var t = (RnnStateTuple)s;
            var l0 = (LstmStateTuple)t[0];
            return new[] { o, l0.C, l0.H, t[1].Tensor };
        }, depth, batch, x);
        var (m, c) = LstmStep(x, batch, depth, c0, h0, n0, n0, w["multi_rnn_cell/cell_0/lstm_cell/kernel"], w["multi_rnn_cell/cell_0/lstm_cell/bias"], 1.0);
        var h = GruStep(m, batch, n0, g0, n1, w["multi_rnn_cell/cell_1/gru_cell/gates/kernel"], w["multi_rnn_cell/cell_1/gru_cell/gates/bias"],
            w["multi_rnn_cell/cell_1/gru_cell/candidate/kernel"], w["multi_rnn_cell/cell_1/gru_cell/candidate/bias"]);
        TestUtil.AssertClose(h, res[0], Tol(dtype), new Shape(batch, n1));
        TestUtil.AssertClose(c, res[1], Tol(dtype));
        TestUtil.AssertClose(m, res[2], Tol(dtype));
        TestUtil.AssertClose(h, res[3], Tol(dtype));
    }

    [Fact]
    public void MultiRnnCell_Sizes_FollowTf()
    {
        var tuple = new MultiRnnCell(new RnnCell[] { new BasicLstmCell(3), new GruCell(5), new LstmCell(4, numProj: 2) });
        Assert.Equal("(LSTMStateTuple(c=3, h=3), 5, LSTMStateTuple(c=4, h=2))", tuple.StateSize.ToString());
        Assert.Equal(2, tuple.OutputSize.Units);
        var flat = new MultiRnnCell(new RnnCell[] { new BasicLstmCell(3, stateIsTuple: false), new GruCell(5) }, stateIsTuple: false);
        Assert.Equal(11, flat.StateSize.Units);
        Assert.Equal(5, flat.OutputSize.Units);
    }

    [Fact]
    public void MultiRnnCell_ZeroState_IsPerLayerTupleOrSummedTensor()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var tuple = new MultiRnnCell(new RnnCell[] { new BasicLstmCell(3), new GruCell(5) });
            var zs = (RnnStateTuple)tuple.ZeroState(Tf.Constant(4), DType.Float64);
            Assert.IsType<LstmStateTuple>(zs[0]);
            Assert.Equal(new Shape(4, 3), ((LstmStateTuple)zs[0]).C.Shape);
            Assert.Equal(new Shape(4, 5), zs[1].Tensor.Shape);
            var flat = new MultiRnnCell(new RnnCell[] { new BasicLstmCell(3, stateIsTuple: false), new GruCell(5) }, stateIsTuple: false);
            var z = flat.ZeroState(4, DType.Float32).Tensor;
            Assert.Equal(new Shape(4, 11), z.Shape);
            using var s = new Session(g);
            Assert.All(Values(s.Run(z)), v => Assert.Equal(0.0, v));
        }
    }

    [Fact]
    public void MultiRnnCell_SameCellTwice_SharesWeights()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var gru = new GruCell(3);
            var multi = new MultiRnnCell(new RnnCell[] { gru, gru });
            var x = Tf.Placeholder(DType.Float32, new Shape(2, 3));
            multi.Call(x, multi.ZeroState(2, DType.Float32));
            Assert.Equal(new[]
            {
                "multi_rnn_cell/cell_0/gru_cell/gates/kernel", "multi_rnn_cell/cell_0/gru_cell/gates/bias",
                "multi_rnn_cell/cell_0/gru_cell/candidate/kernel", "multi_rnn_cell/cell_0/gru_cell/candidate/bias",
            }, g.Variables.Select(v => v.Name));
        }
    }

    [Fact]
    public void MultiRnnCell_SecondCall_ReusesEveryLayer()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var multi = new MultiRnnCell(new RnnCell[] { new LstmCell(3), new LstmCell(3) });
            var x = Tf.Placeholder(DType.Float32, new Shape(2, 3));
            var (_, s1) = multi.Call(x, multi.ZeroState(2, DType.Float32));
            multi.Call(x, s1);
            Assert.Equal(4, g.Variables.Count);
            Assert.Equal(4, multi.Variables.Count);
        }
    }

    [Fact]
    public void MultiRnnCell_NoCells_ThrowsTfMessage()
    {
        var ex = Assert.Throws<ArgumentException>(() => new MultiRnnCell(Array.Empty<RnnCell>()));
        Assert.Contains("Must specify at least one cell for MultiRNNCell.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MultiRnnCell_TupleStatesWithoutStateIsTuple_ThrowsTfMessage()
    {
        var ex = Assert.Throws<ArgumentException>(() => new MultiRnnCell(new RnnCell[] { new BasicLstmCell(2), new GruCell(2) }, stateIsTuple: false));
        Assert.Contains("Some cells return tuples of states, but the flag state_is_tuple is not set.", ex.Message, StringComparison.Ordinal);
        Assert.Contains("LSTMStateTuple(c=2, h=2)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MultiRnnCell_NullCells_ThrowsArgumentNull()
    {
        Assert.Throws<ArgumentNullException>(() => new MultiRnnCell(null!));
        Assert.Throws<ArgumentNullException>(() => new MultiRnnCell(new RnnCell[] { new GruCell(2), null! }));
    }

    [Fact]
    public void MultiRnnCell_TupleOfWrongLength_ThrowsTfMessage()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var multi = new MultiRnnCell(new RnnCell[] { new GruCell(2), new GruCell(2) });
            var x = Tf.Placeholder(DType.Float32, new Shape(1, 2));
            var ex = Assert.Throws<ArgumentException>(() => multi.Call(x, new RnnStateTuple(Tf.Zeros(new Shape(1, 2)))));
            Assert.Matches("Expected state to be a tuple of length 2, but received: ", ex.Message);
        }
    }

    [Fact]
    public void MultiRnnCell_ConcatStateOfWrongWidth_Throws()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var multi = new MultiRnnCell(new RnnCell[] { new GruCell(2), new GruCell(2) }, stateIsTuple: false);
            var x = Tf.Placeholder(DType.Float32, new Shape(1, 2));
            var ex = Assert.Throws<ArgumentException>(() => multi.Call(x, Tf.Zeros(new Shape(1, 5))));
            Assert.Contains("state must have shape (batch, 4), but got (1, 5)", ex.Message, StringComparison.Ordinal);
        }
    }
}
