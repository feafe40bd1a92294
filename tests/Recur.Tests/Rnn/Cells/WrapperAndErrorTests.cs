using Recur.Rnn;
using static Recur.Tests.Rnn.Cells.CellTestUtil;

namespace Recur.Tests.Rnn.Cells;

/// <summary>ResidualWrapper, DeviceWrapper, and the errors every cell raises for bad inputs and states.</summary>
public class WrapperAndErrorTests
{
    [Theory]
    [MemberData(nameof(Dtypes), MemberType = typeof(CellTestUtil))]
    public void ResidualWrapper_Default_AddsInputToOutputAndKeepsState(DType dtype)
    {
        const int batch = 2, n = 3;
        var x = Data(dtype, batch * n, 71);
        var h0 = Data(dtype, batch * n, 72);
        var (res, w) = LstmCellTests.RunStep(dtype, input =>
        {
            var cell = new ResidualWrapper(new GruCell(n));
            var (o, s) = cell.Call(input, Tf.Constant(Arr(dtype, h0, batch, n)));
            return new[] { o, s.Tensor };
        }, n, batch, x);
        var h = GruStep(x, batch, n, h0, n, w["gru_cell/gates/kernel"], w["gru_cell/gates/bias"], w["gru_cell/candidate/kernel"], w["gru_cell/candidate/bias"]);
        TestUtil.AssertClose(h.Zip(x, (a, b) => a + b).ToArray(), res[0], Tol(dtype));
        TestUtil.AssertClose(h, res[1], Tol(dtype));
    }

    [Fact]
    public void ResidualWrapper_CustomFn_IsUsed()
    {
        const int batch = 1, n = 2;
        var x = new[] { 0.3, -0.7 };
        var h0 = new[] { 0.1, 0.2 };
        var (res, w) = LstmCellTests.RunStep(DType.Float64, input =>
        {
            var cell = new ResidualWrapper(new GruCell(n), (i, o) => i - 2.0 * o);
            return new[] { cell.Call(input, Tf.Constant(Arr(DType.Float64, h0, batch, n))).Output };
        }, n, batch, x);
        var h = GruStep(x, batch, n, h0, n, w["gru_cell/gates/kernel"], w["gru_cell/gates/bias"], w["gru_cell/candidate/kernel"], w["gru_cell/candidate/bias"]);
        TestUtil.AssertClose(x.Zip(h, (a, b) => a - 2 * b).ToArray(), res[0], 1e-12);
    }

    [Fact]
    public void ResidualWrapper_IncompatibleShapes_ThrowsTfMessage()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var cell = new ResidualWrapper(new GruCell(3));
            var x = Tf.Placeholder(DType.Float32, new Shape(2, 5));
            var ex = Assert.Throws<ArgumentException>(() => cell.Call(x, cell.ZeroState(2, DType.Float32)));
            Assert.Contains("are incompatible", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ResidualAndDeviceWrappers_DelegateSizesZeroStateAndNames()
    {
        var g = new Graph();
        using (g.AsDefault())
        using (Tf.VariableScope("root"))
        {
            var residual = new ResidualWrapper(new LstmCell(3));
            var device = new DeviceWrapper(new BasicLstmCell(3), "/gpu:0");
            Assert.Equal("/gpu:0", device.Device);
            Assert.Equal("LSTMStateTuple(c=3, h=3)", residual.StateSize.ToString());
            Assert.Equal(3, device.OutputSize.Units);
            var x = Tf.Placeholder(DType.Float32, new Shape(2, 3));
            residual.Call(x, residual.ZeroState(2, DType.Float32));
            device.Call(x, device.ZeroState(2, DType.Float32));
            Assert.Equal(new[] { "root/lstm_cell/kernel", "root/lstm_cell/bias", "root/basic_lstm_cell/kernel", "root/basic_lstm_cell/bias" },
                g.Variables.Select(v => v.Name));
            Assert.Equal(2, residual.Variables.Count);
            Assert.Equal(2, device.Variables.Count);
        }
    }

    [Theory]
    [MemberData(nameof(Dtypes), MemberType = typeof(CellTestUtil))]
    public void DeviceWrapper_Call_IsNumericallyIdentity(DType dtype)
    {
        var x = Data(dtype, 2 * 3, 81);
        var g = new Graph();
        using (g.AsDefault())
        {
            var input = Tf.Constant(Arr(dtype, x, 2, 3));
            var cell = new LstmCell(4, usePeepholes: true);
            var (o1, s1) = cell.Call(input, cell.ZeroState(2, dtype));
            var (o2, s2) = new DeviceWrapper(cell, "/cpu:0").Call(input, cell.ZeroState(2, dtype));
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            var r = s.Run(new[] { o1, s1.Flatten()[0], o2, s2.Flatten()[0] });
            TestUtil.AssertClose(r[0], r[2], 0);
            TestUtil.AssertClose(r[1], r[3], 0);
        }
    }

    [Fact]
    public void Wrappers_NullArguments_Throw()
    {
        Assert.Throws<ArgumentNullException>(() => new DropoutWrapper(null!));
        Assert.Throws<ArgumentNullException>(() => new ResidualWrapper(null!));
        Assert.Throws<ArgumentNullException>(() => new DeviceWrapper(null!, "/cpu:0"));
        Assert.Throws<ArgumentNullException>(() => new DeviceWrapper(new GruCell(2), null!));
    }

    // ---- Errors shared by every cell.

    public static TheoryData<string> CellKinds() => new() { "basic_rnn", "basic_lstm", "lstm", "gru", "gru_after", "multi", "dropout" };

    private static RnnCell Make(string kind) => kind switch
    {
        "basic_rnn" => new BasicRnnCell(2),
        "basic_lstm" => new BasicLstmCell(2),
        "lstm" => new LstmCell(2, usePeepholes: true, numProj: 1),
        "gru" => new GruCell(2),
        "gru_after" => new GruCell(2, resetAfter: true),
        "multi" => new MultiRnnCell(new RnnCell[] { new GruCell(2), new BasicLstmCell(2) }),
        _ => new DropoutWrapper(new BasicLstmCell(2), outputKeepProb: 0.5),
    };

    [Theory]
    [MemberData(nameof(CellKinds))]
    public void Cell_Rank3Input_ThrowsExpectedNdim2(string kind)
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var cell = Make(kind);
            var x = Tf.Placeholder(DType.Float32, new Shape(2, 4, 3));
            var ex = Assert.Throws<ArgumentException>(() => cell.Call(x, cell.ZeroState(2, DType.Float32)));
            Assert.Contains("expected ndim=2", ex.Message, StringComparison.Ordinal);
            Assert.Empty(g.Variables);
        }
    }

    [Theory]
    [MemberData(nameof(CellKinds))]
    public void Cell_UnknownInputDepth_ThrowsTfMessage(string kind)
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var cell = Make(kind);
            var x = Tf.Placeholder(DType.Float32, new Shape(2, -1));
            var ex = Assert.Throws<ArgumentException>(() => cell.Call(x, cell.ZeroState(2, DType.Float32)));
            Assert.Contains("expected inputs.shape[-1] to be known", ex.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(CellKinds))]
    public void Cell_IntInput_ThrowsFloatingPointOnly(string kind)
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var cell = Make(kind);
            var x = Tf.Placeholder(DType.Int32, new Shape(2, 3));
            var ex = Assert.Throws<ArgumentException>(() => cell.Call(x, cell.ZeroState(2, DType.Float32)));
            Assert.Contains("RNN cell only supports floating point inputs, but saw dtype: Int32", ex.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("basic_lstm")]
    [InlineData("lstm")]
    public void LstmCells_TensorStateWhenTupleExpected_ThrowsStructureMessage(string kind)
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var cell = Make(kind);
            var x = Tf.Placeholder(DType.Float32, new Shape(2, 3));
            var ex = Assert.Throws<ArgumentException>(() => cell.Call(x, Tf.Zeros(new Shape(2, 4))));
            Assert.Contains("the state must have the structure of state_size LSTMStateTuple(", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void GruCell_TupleState_ThrowsStructureMessage()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(2, 3));
            var z = Tf.Zeros(new Shape(2, 2));
            var ex = Assert.Throws<ArgumentException>(() => new GruCell(2).Call(x, new LstmStateTuple(z, z)));
            Assert.Contains("GruCell: the state must have the structure of state_size 2", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void LstmCell_StateOfWrongWidth_ThrowsWithBothShapes()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(2, 3));
            var ex = Assert.Throws<ArgumentException>(() =>
                new LstmCell(4, numProj: 2).Call(x, new LstmStateTuple(Tf.Zeros(new Shape(2, 4)), Tf.Zeros(new Shape(2, 4)))));
            Assert.Contains("LstmCell: h must have shape (batch, 2), but got (2, 4)", ex.Message, StringComparison.Ordinal);
            var ex2 = Assert.Throws<ArgumentException>(() =>
                new BasicLstmCell(2, stateIsTuple: false).Call(x, Tf.Zeros(new Shape(2, 5))));
            Assert.Contains("BasicLstmCell: state must have shape (batch, 4), but got (2, 5)", ex2.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Cell_StateDtypeDiffersFromInput_Throws()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(2, 3));
            var ex = Assert.Throws<ArgumentException>(() => new GruCell(2).Call(x, Tf.Zeros(new Shape(2, 2), DType.Float64)));
            Assert.Contains("the state must have the input's dtype Float32", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Cell_InputDepthChangesAfterBuild_Throws()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var cell = new LstmCell(2);
            cell.Call(Tf.Placeholder(DType.Float32, new Shape(1, 3)), cell.ZeroState(1, DType.Float32));
            var ex = Assert.Throws<ArgumentException>(() => cell.Call(Tf.Placeholder(DType.Float32, new Shape(1, 4)), cell.ZeroState(1, DType.Float32)));
            Assert.Contains("LstmCell: input must have shape (batch, 3), but got (1, 4)", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Cells_BadConfiguration_ThrowInConstructor()
    {
        Assert.Contains("numUnits must be positive", Assert.Throws<ArgumentException>(() => new BasicLstmCell(0)).Message, StringComparison.Ordinal);
        Assert.Contains("numUnits must be positive", Assert.Throws<ArgumentException>(() => new GruCell(-1)).Message, StringComparison.Ordinal);
        Assert.Contains("numProj must be positive", Assert.Throws<ArgumentException>(() => new LstmCell(2, numProj: 0)).Message, StringComparison.Ordinal);
        Assert.Contains("cellClip must be >= 0", Assert.Throws<ArgumentException>(() => new LstmCell(2, cellClip: -1)).Message, StringComparison.Ordinal);
        Assert.Contains("projClip must be >= 0", Assert.Throws<ArgumentException>(() => new LstmCell(2, numProj: 1, projClip: double.NaN)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BasicRnnCell_StateOfWrongWidthOrDtype_Throws()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(2, 3));
            var cell = new BasicRnnCell(4);
            var ex = Assert.Throws<ArgumentException>(() => cell.Call(x, Tf.Zeros(new Shape(2, 3))));
            Assert.Contains("BasicRnnCell: state must have shape (batch, 4), but got (2, 3)", ex.Message, StringComparison.Ordinal);
            var ex2 = Assert.Throws<ArgumentException>(() => cell.Call(x, Tf.Zeros(new Shape(2, 4), DType.Float64)));
            Assert.Contains("the state must have the input's dtype Float32", ex2.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Dtypes), MemberType = typeof(CellTestUtil))]
    public void BasicRnnCell_OneStep_MatchesReference(DType dtype)
    {
        const int batch = 2, n = 3;
        var x = Data(dtype, batch * 4, 83);
        var h0 = Data(dtype, batch * n, 84);
        var (res, w) = LstmCellTests.RunStep(dtype, input => new[] { new BasicRnnCell(n).Call(input, Tf.Constant(Arr(dtype, h0, batch, n))).Output }, 4, batch, x);
        var z = MatMul(ConcatCols(x, 4, h0, n, batch), batch, 4 + n, w["basic_rnn_cell/kernel"], n);
        var expected = z.Select((v, i) => Math.Tanh(v + w["basic_rnn_cell/bias"][i % n])).ToArray();
        TestUtil.AssertClose(expected, res[0], Tol(dtype));
    }
}
