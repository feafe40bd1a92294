using System.Numerics;

namespace Recur.Kernels.Tests;

/// <summary>What a tolerance is for.</summary>
public enum ToleranceKind
{
    /// <summary>Exact arithmetic (+, *, max, ...) with at most a couple of roundings.</summary>
    Arithmetic,

    /// <summary>Transcendentals from TensorPrimitives (exp, log, tanh, sigmoid) against System.Math.</summary>
    Transcendental,

    /// <summary>Sums and dot products: relative to the sum of absolute terms.</summary>
    Accumulation,
}

/// <summary>The one tolerance table for the kernel tests, keyed by dtype and kind (relative error bounds).</summary>
internal static class Tolerance
{
    private static readonly Dictionary<(Type, ToleranceKind), double> Table = new()
    {
        [(typeof(float), ToleranceKind.Arithmetic)] = 1e-6,
        [(typeof(float), ToleranceKind.Transcendental)] = 1e-5,
        [(typeof(float), ToleranceKind.Accumulation)] = 1e-5,
        [(typeof(double), ToleranceKind.Arithmetic)] = 1e-15,
        [(typeof(double), ToleranceKind.Transcendental)] = 1e-13,
        [(typeof(double), ToleranceKind.Accumulation)] = 1e-13,
    };

    public static double For<T>(ToleranceKind kind) => Table[(typeof(T), kind)];

    /// <summary>|actual - expected| &lt;= tol * max(scale, |expected|, tiny); NaN matches NaN, infinities match exactly.</summary>
    public static bool Close(double actual, double expected, double tol, double scale = 1.0)
    {
        if (double.IsNaN(expected))
        {
            return double.IsNaN(actual);
        }

        if (double.IsInfinity(expected))
        {
            return actual == expected;
        }

        return Math.Abs(actual - expected) <= tol * Math.Max(Math.Max(scale, Math.Abs(expected)), 1e-30);
    }

    public static void AssertClose<T>(ReadOnlySpan<T> actual, ReadOnlySpan<double> expected, ToleranceKind kind, string what)
        where T : unmanaged, INumberBase<T>
    {
        Assert.True(actual.Length >= expected.Length, $"{what}: output too short");
        double tol = For<T>(kind);
        for (int i = 0; i < expected.Length; i++)
        {
            double a = double.CreateTruncating(actual[i]);
            if (!Close(a, expected[i], tol))
            {
                Assert.Fail($"{what}: element {i} of {expected.Length} is {a:R}, expected {expected[i]:R} (tolerance {tol:G2}).");
            }
        }
    }
}

/// <summary>Seeded random data.</summary>
internal static class Data
{
    public static T[] Uniform<T>(int length, int seed, double min = -1.0, double max = 1.0)
        where T : INumberBase<T>
    {
        var rng = new Random(seed);
        var data = new T[length];
        for (int i = 0; i < length; i++)
        {
            data[i] = T.CreateTruncating(min + ((max - min) * rng.NextDouble()));
        }

        return data;
    }

    public static double[] ToDouble<T>(ReadOnlySpan<T> x)
        where T : INumberBase<T>
    {
        var d = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            d[i] = double.CreateTruncating(x[i]);
        }

        return d;
    }
}
