using Recur.Rnn;
using static Recur.Tests.Rnn.Cells.CellTestUtil;

namespace Recur.Tests.Rnn.Cells;

/// <summary>
/// Cells built inside a <c>Tf.WhileLoop</c> body (what <c>DynamicRnn</c> does): variables land in the outer graph,
/// results equal a static unroll, and dropout masks are fresh per iteration (or fixed per run when variational).
/// </summary>
public class CellInLoopTests
{
    [Theory]
    [MemberData(nameof(Dtypes), MemberType = typeof(CellTestUtil))]
    public void LstmCell_InWhileLoop_EqualsStaticUnroll(DType dtype)
    {
        const int batch = 2, depth = 3, n = 4, steps = 3;
        var x = Data(dtype, batch * depth, 91);
        var g = new Graph();
        using (g.AsDefault())
        {
            var input = Tf.Constant(Arr(dtype, x, batch, depth));
            var cell = new LstmCell(n, usePeepholes: true, initializer: Initializers.RandomUniform(-0.5, 0.5, seed: 1));
            var zero = (LstmStateTuple)cell.ZeroState(batch, dtype);
            var (_, cLoop, hLoop) = Tf.WhileLoop(
                v => v.Item1 < steps,
                v =>
                {
                    var (_, s) = cell.Call(input, new LstmStateTuple(v.Item2, v.Item3));
                    var (c, h) = (LstmStateTuple)s;
                    return (v.Item1 + 1, c, h);
                },
                (Tf.Constant(0), zero.C, zero.H));
            Assert.Equal(new[] { "lstm_cell/kernel", "lstm_cell/bias", "lstm_cell/w_f_diag", "lstm_cell/w_i_diag", "lstm_cell/w_o_diag" },
                g.Variables.Select(v => v.Name));
            RnnState state = zero;
            for (int t = 0; t < steps; t++) (_, state) = cell.Call(input, state);
            Assert.Equal(5, g.Variables.Count);
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            var r = s.Run(new[] { cLoop, hLoop, ((LstmStateTuple)state).C, ((LstmStateTuple)state).H });
            TestUtil.AssertClose(r[2], r[0], Tol(dtype));
            TestUtil.AssertClose(r[3], r[1], Tol(dtype));
        }
    }

    /// <summary>The output of the last of <paramref name="iterations"/> loop iterations of a dropout-wrapped ones cell.</summary>
    private static double[] LastOutputAfter(int iterations, bool variational)
    {
        const int n = 64;
        var g = new Graph();
        using (g.AsDefault())
        {
            var w = new DropoutWrapper(new BasicRnnCell(n, activation: t => t), outputKeepProb: 0.5,
                variationalRecurrent: variational, dtype: DType.Float64, seed: 21);
            var x = Tf.Constant(Full(DType.Float64, 0.0, 1, 1));
            var zeroState = Tf.Constant(Full(DType.Float64, 0.0, 1, n));
            var (_, last) = Tf.WhileLoop(
                v => v.Item1 < iterations,
                v => (v.Item1 + 1, w.Call(x, zeroState).Output),
                (Tf.Constant(0), zeroState));
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            foreach (var v in g.Variables)
                v.Load(v.Name.EndsWith("bias", StringComparison.Ordinal) ? Full(DType.Float64, 1.0, n) : Full(DType.Float64, 0.0, 1 + n, n), s);
            return Values(s.Run(last));
        }
    }

    [Fact]
    public void DropoutWrapper_InWhileLoop_FreshMaskEveryIteration()
    {
        var first = LastOutputAfter(1, variational: false);
        var second = LastOutputAfter(2, variational: false);
        Assert.All(first, v => Assert.True(v == 0 || v == 2.0));
        Assert.NotEqual(first, second);
        Assert.Equal(first, LastOutputAfter(1, variational: false));   // seeded: reproducible across sessions
    }

    [Fact]
    public void DropoutWrapper_VariationalInWhileLoop_SameMaskEveryIteration()
    {
        var first = LastOutputAfter(1, variational: true);
        var third = LastOutputAfter(3, variational: true);
        Assert.Contains(first, v => v == 0);
        Assert.Equal(first, third);
    }
}
