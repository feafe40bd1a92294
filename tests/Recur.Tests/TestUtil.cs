namespace Recur.Tests;

/// <summary>What a tolerance is for: forward values or gradient checks.</summary>
public enum TolKind { Forward, Gradient }

/// <summary>Shared helpers: one tolerance table keyed by dtype and kind, value assertions, seeded data.</summary>
public static class TestUtil
{
    /// <summary>The tolerance table (absolute + relative).</summary>
    public static double Tol(DType dtype, TolKind kind = TolKind.Forward) => (dtype, kind) switch
    {
        (DType.Float32, TolKind.Forward) => 1e-5,
        (DType.Float64, TolKind.Forward) => 1e-12,
        (DType.Float32, TolKind.Gradient) => 1e-3,
        (DType.Float64, TolKind.Gradient) => 1e-6,
        _ => 0,
    };

    /// <summary>Asserts shape and every element of <paramref name="actual"/> against <paramref name="expected"/> (flat row-major).</summary>
    public static void AssertClose(double[] expected, NDArray actual, double? tol = null, Shape? shape = null)
    {
        if (shape is { } s) Assert.Equal(s, actual.Shape);
        Assert.Equal(expected.Length, actual.Size);
        double t = tol ?? Tol(actual.DType);
        for (int i = 0; i < expected.Length; i++)
        {
            double a = actual.GetDouble(i);
            double e = expected[i];
            if (double.IsNaN(e)) { Assert.True(double.IsNaN(a), $"element {i}: expected NaN, got {a}"); continue; }
            if (double.IsInfinity(e)) { Assert.Equal(e, a); continue; }
            Assert.True(Math.Abs(a - e) <= t * (1 + Math.Abs(e)), $"element {i}: expected {e}, got {a} (tol {t})");
        }
    }

    /// <summary>Asserts two arrays are equal within tolerance (same shape).</summary>
    public static void AssertClose(NDArray expected, NDArray actual, double? tol = null)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        var e = new double[expected.Size];
        for (int i = 0; i < e.Length; i++) e[i] = expected.GetDouble(i);
        AssertClose(e, actual, tol);
    }

    /// <summary>Deterministic uniform data in [lo, hi).</summary>
    public static double[] RandomDoubles(int n, int seed, double lo = -1, double hi = 1)
    {
        var r = new Random(seed);
        var d = new double[n];
        for (int i = 0; i < n; i++) d[i] = lo + (hi - lo) * r.NextDouble();
        return d;
    }

    /// <summary>Deterministic float32 data.</summary>
    public static float[] RandomFloats(int n, int seed, double lo = -1, double hi = 1) =>
        RandomDoubles(n, seed, lo, hi).Select(v => (float)v).ToArray();

    /// <summary>Builds in a fresh graph and runs <paramref name="fetch"/> in a new session.</summary>
    public static NDArray Eval(Func<Tensor> build, FeedDict? feeds = null)
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var t = build();
            using var s = new Session(g);
            return s.Run(t, feeds);
        }
    }
}
