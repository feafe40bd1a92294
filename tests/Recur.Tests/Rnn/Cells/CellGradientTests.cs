using Recur.Rnn;
using static Recur.Tests.Rnn.Cells.CellTestUtil;

namespace Recur.Tests.Rnn.Cells;

/// <summary>
/// Float64 central-difference checks of every cell's gradients (DESIGN §6): d loss / d (input, state, every
/// variable) from <c>Tf.Gradients</c> against (loss(v + ε) − loss(v − ε)) / 2ε, with
/// loss = Σ output ⊙ R₀ + Σ newState leaves ⊙ Rᵢ for fixed random Rs.
/// </summary>
public class CellGradientTests
{
    private const int Batch = 2, Depth = 3;
    private const double Eps = 1e-6;

    public static TheoryData<string> Cells() => new()
    {
        "basic_rnn", "basic_lstm", "basic_lstm_concat", "lstm_peephole_clip_proj", "gru", "gru_reset_after", "multi", "residual",
    };

    private static RnnCell Make(string kind) => kind switch
    {
        "basic_rnn" => new BasicRnnCell(3),
        "basic_lstm" => new BasicLstmCell(2, forgetBias: 0.3),
        "basic_lstm_concat" => new BasicLstmCell(2, stateIsTuple: false),
        "lstm_peephole_clip_proj" => new LstmCell(3, usePeepholes: true, cellClip: 5.0, numProj: 2, projClip: 5.0),
        "gru" => new GruCell(2),
        "gru_reset_after" => new GruCell(2, resetAfter: true),
        "multi" => new MultiRnnCell(new RnnCell[] { new LstmCell(2), new GruCell(3) }),
        _ => new ResidualWrapper(new GruCell(Depth)),
    };

    [Theory]
    [MemberData(nameof(Cells))]
    public void Cell_Gradients_MatchCentralDifferences(string kind)
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var cell = Make(kind);
            var x = Tf.Placeholder(DType.Float64, new Shape(Batch, Depth));
            var stateLeaves = cell.StateSize.Flatten().Select(l => Tf.Placeholder(DType.Float64, new Shape(Batch).Concatenate(l.Shape))).ToList();
            var state = cell.StateSize.Pack(stateLeaves);
            var (output, newState) = cell.Call(x, state);
            var outs = new[] { output }.Concat(newState.Flatten()).ToList();
            int seed = 300;
            Tensor loss = Tf.Constant(0.0);
            foreach (var o in outs)
            {
                var r = Tf.Constant(Arr(DType.Float64, TestUtil.RandomDoubles((int)o.Shape.NumElements, seed++), o.Shape.ToArray()));
                loss = loss + Tf.ReduceSum(o * r);
            }
            var feedsIn = new List<Tensor> { x };
            feedsIn.AddRange(stateLeaves);
            var variables = g.Variables.ToList();
            var wrt = feedsIn.Concat(variables.Select(v => (Tensor)v)).ToList();
            var grads = Tf.Gradients(loss, wrt);

            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            foreach (var v in variables)
                v.Load(Arr(DType.Float64, TestUtil.RandomDoubles((int)v.Shape.NumElements, seed++, -0.8, 0.8), v.Shape.ToArray()), s);
            var feedValues = feedsIn.Select(t => TestUtil.RandomDoubles((int)t.Shape.NumElements, seed++, -1.5, 1.5)).ToList();
            FeedDict Feeds()
            {
                var f = new FeedDict();
                for (int i = 0; i < feedsIn.Count; i++) f[feedsIn[i]] = Arr(DType.Float64, feedValues[i], feedsIn[i].Shape.ToArray());
                return f;
            }
            double Loss() => s.Run(loss, Feeds()).GetDouble(0);

            Assert.All(grads, gr => Assert.NotNull(gr));
            var analytic = s.Run(grads.Select(gr => gr!).ToList(), Feeds());
            for (int k = 0; k < wrt.Count; k++)
            {
                var a = Values(analytic[k]);
                if (k < feedsIn.Count)
                {
                    var vals = feedValues[k];
                    for (int i = 0; i < vals.Length; i++)
                    {
                        double orig = vals[i];
                        vals[i] = orig + Eps;
                        double up = Loss();
                        vals[i] = orig - Eps;
                        double down = Loss();
                        vals[i] = orig;
                        AssertGrad((up - down) / (2 * Eps), a[i], wrt[k].Name, i);
                    }
                }
                else
                {
                    var v = variables[k - feedsIn.Count];
                    var vals = Values(s.Run(v.Value));
                    for (int i = 0; i < vals.Length; i++)
                    {
                        double orig = vals[i];
                        vals[i] = orig + Eps;
                        v.Load(Arr(DType.Float64, vals, v.Shape.ToArray()), s);
                        double up = Loss();
                        vals[i] = orig - Eps;
                        v.Load(Arr(DType.Float64, vals, v.Shape.ToArray()), s);
                        double down = Loss();
                        vals[i] = orig;
                        v.Load(Arr(DType.Float64, vals, v.Shape.ToArray()), s);
                        AssertGrad((up - down) / (2 * Eps), a[i], v.Name, i);
                    }
                }
            }
        }
    }

    private static void AssertGrad(double numeric, double analytic, string what, int i) =>
        Assert.True(Math.Abs(numeric - analytic) <= TestUtil.Tol(DType.Float64, TolKind.Gradient) * (1 + Math.Abs(numeric)),
            $"d loss / d {what}[{i}]: numeric {numeric}, analytic {analytic}");

    [Fact]
    public void Dropout_Gradient_IsMaskOverKeep()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var xv = TestUtil.RandomDoubles(400, 3, 0.5, 1.5);
            var x = Tf.Placeholder(DType.Float64, new Shape(20, 20));
            var y = Tf.Nn.Dropout(x, 0.4, seed: 6);
            var dx = Tf.Gradients(Tf.ReduceSum(y), new[] { x })[0]!;
            using var s = new Session(g);
            var r = s.Run(new[] { y, dx }, new FeedDict { [x] = new NDArray(xv, new Shape(20, 20)) });
            var yv = Values(r[0]);
            var dv = Values(r[1]);
            for (int i = 0; i < xv.Length; i++)
                Assert.Equal(yv[i] / xv[i], dv[i], 12);   // y = x · mask / keep, so dy/dx = mask / keep = y / x
            Assert.Contains(dv, v => v == 0);
            Assert.Contains(dv, v => Math.Abs(v - 2.5) < 1e-12);
        }
    }
}
