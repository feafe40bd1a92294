namespace Recur.Tests.Gradients;

/// <summary>Central-difference gradient checks in float64.</summary>
public static class GradCheck
{
    /// <summary>
    /// Checks d(loss)/d(x) for each fed placeholder x against central differences of the scalar <paramref name="loss"/>.
    /// </summary>
    public static void Placeholders(Session s, Tensor loss, IReadOnlyList<(Tensor X, NDArray Value)> xs, FeedDict? extra = null, double eps = 1e-6, double tol = 1e-6)
    {
        var grads = Tf.Gradients(loss, xs.Select(p => p.X).ToList());
        FeedDict Feeds(int changed, double[]? value)
        {
            var f = new FeedDict();
            if (extra is not null) foreach (var (k, v) in extra) f[k] = v;
            for (int i = 0; i < xs.Count; i++)
                f[xs[i].X] = i == changed ? new NDArray(value!, xs[i].Value.Shape) : xs[i].Value;
            return f;
        }
        var analytic = s.Run(grads.Select(g => g ?? throw new InvalidOperationException("unconnected gradient")).ToList(), Feeds(-1, null));
        for (int i = 0; i < xs.Count; i++)
        {
            var v = xs[i].Value.ToArray<double>();
            var a = analytic[i].ToArray<double>();
            Assert.Equal(v.Length, a.Length);
            for (int k = 0; k < v.Length; k++)
            {
                var plus = (double[])v.Clone();
                plus[k] += eps;
                var minus = (double[])v.Clone();
                minus[k] -= eps;
                double lp = s.Run(loss, Feeds(i, plus)).GetScalar<double>();
                double lm = s.Run(loss, Feeds(i, minus)).GetScalar<double>();
                double numeric = (lp - lm) / (2 * eps);
                Assert.True(Math.Abs(numeric - a[k]) <= tol * (1 + Math.Abs(numeric)),
                    $"d loss / d {xs[i].X.Name}[{k}]: analytic {a[k]}, numeric {numeric}");
            }
        }
    }

    /// <summary>Checks d(loss)/d(v) for variables by perturbing their session values with Load.</summary>
    public static void Variables(Session s, Tensor loss, IReadOnlyList<Variable> vars, FeedDict? feeds = null, double eps = 1e-6, double tol = 1e-6, int maxElements = 40)
    {
        var grads = Tf.Gradients(loss, vars.Select(v => (Tensor)v).ToList());
        var analytic = s.Run(grads.Select(g => g ?? throw new InvalidOperationException("unconnected gradient")).ToList(), feeds);
        for (int i = 0; i < vars.Count; i++)
        {
            var original = s.Run(vars[i]);
            var v = original.ToArray<double>();
            var a = analytic[i].ToArray<double>();
            int step = Math.Max(1, v.Length / maxElements);
            for (int k = 0; k < v.Length; k += step)
            {
                var plus = (double[])v.Clone();
                plus[k] += eps;
                vars[i].Load(new NDArray(plus, original.Shape), s);
                double lp = s.Run(loss, feeds).GetScalar<double>();
                var minus = (double[])v.Clone();
                minus[k] -= eps;
                vars[i].Load(new NDArray(minus, original.Shape), s);
                double lm = s.Run(loss, feeds).GetScalar<double>();
                vars[i].Load(original, s);
                double numeric = (lp - lm) / (2 * eps);
                Assert.True(Math.Abs(numeric - a[k]) <= tol * (1 + Math.Abs(numeric)),
                    $"d loss / d {vars[i].Name}[{k}]: analytic {a[k]}, numeric {numeric}");
            }
        }
    }

    /// <summary>Deterministic float64 array.</summary>
    public static NDArray Rand(int seed, params int[] shape) =>
        new(TestUtil.RandomDoubles(shape.Aggregate(1, (a, b) => a * b), seed), new Shape(shape));
}
