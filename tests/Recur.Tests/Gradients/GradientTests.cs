using Recur.Rnn;

namespace Recur.Tests.Gradients;

public class GradientTests
{
    [Fact]
    public void Gradients_SimpleGraph_MatchesFiniteDifferences()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float64, new Shape(2, 3), name: "x");
            var w = Tf.Placeholder(DType.Float64, new Shape(3, 4), name: "w");
            var b = Tf.Placeholder(DType.Float64, new Shape(4), name: "b");
            var h = Tf.Tanh(Tf.Nn.BiasAdd(Tf.MatMul(x, w), b));
            var loss = Tf.ReduceSum(h * h * Tf.Sigmoid(h) + Tf.Exp(h * 0.3));
            using var s = new Session(g);
            GradCheck.Placeholders(s, loss, new[] { (x, GradCheck.Rand(1, 2, 3)), (w, GradCheck.Rand(2, 3, 4)), (b, GradCheck.Rand(3, 4)) });
        }
    }

    [Fact]
    public void Gradients_SharedInputSummedOverPaths_AndUnconnectedIsNull()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float64, new Shape(3), name: "x");
            var unused = Tf.Placeholder(DType.Float64, new Shape(3), name: "u");
            var y = Tf.ReduceSum(x * x + x * 3.0);
            var grads = Tf.Gradients(y, new[] { x, unused });
            Assert.Null(grads[1]);
            var zeros = Tf.Gradients(new[] { y }, new[] { unused }, null, UnconnectedGradients.Zero);
            using var s = new Session(g);
            var xv = new NDArray(1.0, 2.0, -1.0);
            TestUtil.AssertClose(new double[] { 5, 7, 1 }, s.Run(grads[0]!, new FeedDict { [x] = xv }));
            TestUtil.AssertClose(new double[] { 0, 0, 0 }, s.Run(zeros[0]!, new FeedDict { [unused] = xv }));
        }
    }

    [Fact]
    public void Gradients_StopGradient_BlocksFlow()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float64, new Shape(2), name: "x");
            var y = Tf.ReduceSum(x * Tf.StopGradient(x));
            using var s = new Session(g);
            var gx = Tf.Gradients(y, new[] { x })[0]!;
            TestUtil.AssertClose(new double[] { 2, 3 }, s.Run(gx, new FeedDict { [x] = new NDArray(2.0, 3.0) }));
        }
    }

    [Fact]
    public void Gradients_Variable_ThroughWhileLoop_IsSumOverIterations()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var n = Tf.Placeholder(DType.Int32, Shape.Scalar, name: "n");
            var w = Tf.GetVariable("w", Shape.Scalar, DType.Float64, Initializers.Constant(0.9));
            var x0 = Tf.Placeholder(DType.Float64, Shape.Scalar, name: "x0");
            var (_, acc) = Tf.WhileLoop(v => v.Item1 < n, v => (v.Item1 + 1, Tf.Tanh(v.Item2 * w)), (Tf.Constant(0), x0));
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            foreach (int trips in new[] { 0, 1, 4 })
            {
                var feeds = new FeedDict { [n] = NDArray.Scalar(trips), [x0] = NDArray.Scalar(0.7) };
                GradCheck.Variables(s, acc, new[] { w }, feeds);
                GradCheck.Placeholders(s, acc, new[] { (x0, NDArray.Scalar(0.7)) }, new FeedDict { [n] = NDArray.Scalar(trips) });
            }
        }
    }

    [Fact]
    public void Gradients_TensorArrayInLoop_MatchesFiniteDifferences()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float64, new Shape(4, 2), name: "x");
            var w = Tf.Placeholder(DType.Float64, new Shape(2), name: "w");
            var T = Tf.Shape(x)[0];
            var inTa = new TensorArray(DType.Float64, T).Unstack(x);
            var outTa = new TensorArray(DType.Float64, T);
            var (_, ta, h) = Tf.WhileLoop(v => v.Item1 < T, v =>
            {
                var hNew = Tf.Tanh(inTa.Read(v.Item1) * w + v.Item3);
                return (v.Item1 + 1, v.Item2.Write(v.Item1, hNew * hNew), hNew);
            }, (Tf.Constant(0), outTa, Tf.Zeros(new Shape(2), DType.Float64)));
            var loss = Tf.ReduceSum(ta.Stack() * Tf.Constant(new NDArray(new double[] { 1, 2, 3, 4, 5, 6, 7, 8 }, new Shape(4, 2)))) + Tf.ReduceSum(h);
            using var s = new Session(g);
            GradCheck.Placeholders(s, loss, new[] { (x, GradCheck.Rand(5, 4, 2)), (w, GradCheck.Rand(6, 2)) });
        }
    }

    [Fact]
    public void Gradients_NestedWhile_MatchesFiniteDifferences()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var a = Tf.Placeholder(DType.Float64, Shape.Scalar, name: "a");
            var (_, outer) = Tf.WhileLoop(v => v.Item1 < 3, v =>
            {
                var (_, inner) = Tf.WhileLoop(u => u.Item1 < v.Item1 + 1, u => (u.Item1 + 1, Tf.Tanh(u.Item2 + a)), (Tf.Constant(0), v.Item2));
                return (v.Item1 + 1, inner * a);
            }, (Tf.Constant(0), a));
            using var s = new Session(g);
            GradCheck.Placeholders(s, outer, new[] { (a, NDArray.Scalar(0.4)) });
        }
    }
}
