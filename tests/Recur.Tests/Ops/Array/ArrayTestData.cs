namespace Recur.Tests.Ops.ArrayOps;

/// <summary>Small helpers for the array-op tests: iota arrays in every dtype and running a graph with feeds.</summary>
internal static class ArrayTestData
{
    public static readonly DType[] AllDTypes = { DType.Float32, DType.Float64, DType.Int32, DType.Int64, DType.Bool };

    public static IEnumerable<object[]> DTypes() => AllDTypes.Select(d => new object[] { d });

    /// <summary>0, 1, 2, … in the given dtype (Bool: odd elements true).</summary>
    public static NDArray Iota(DType dtype, params int[] dims) => Values(dtype, new Shape(dims), i => i);

    /// <summary>f(i) for every flat index in the given dtype (Bool: odd values true).</summary>
    public static NDArray Values(DType dtype, Shape shape, Func<int, double> f)
    {
        int n = (int)shape.NumElements;
        return dtype switch
        {
            DType.Float32 => new NDArray(Enumerable.Range(0, n).Select(i => (float)f(i)).ToArray(), shape),
            DType.Float64 => new NDArray(Enumerable.Range(0, n).Select(i => f(i)).ToArray(), shape),
            DType.Int32 => new NDArray(Enumerable.Range(0, n).Select(i => (int)f(i)).ToArray(), shape),
            DType.Int64 => new NDArray(Enumerable.Range(0, n).Select(i => (long)f(i)).ToArray(), shape),
            _ => new NDArray(Enumerable.Range(0, n).Select(i => ((long)f(i) & 1) == 1).ToArray(), shape),
        };
    }

    /// <summary>The expected doubles for values written as iota indices, mapped like <see cref="Values"/> maps them.</summary>
    public static double[] Expect(DType dtype, params double[] iotaValues) =>
        dtype == DType.Bool ? iotaValues.Select(v => (double)((long)v & 1)).ToArray() : iotaValues;

    /// <summary>Builds in a fresh graph and runs every fetch.</summary>
    public static NDArray[] Run(Func<IReadOnlyList<Tensor>> build, Func<FeedDict>? feeds = null)
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var fetches = build();
            using var s = new Session(g);
            return s.Run(fetches, feeds?.Invoke());
        }
    }

    /// <summary>Builds in a fresh graph and runs the fetch with the feeds the builder returns.</summary>
    public static NDArray RunFed(Func<(Tensor Fetch, FeedDict Feeds)> build)
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var (fetch, feeds) = build();
            using var s = new Session(g);
            return s.Run(fetch, feeds);
        }
    }

    /// <summary>Builds in a fresh graph (for build-time error tests).</summary>
    public static T Build<T>(Func<T> build)
    {
        var g = new Graph();
        using (g.AsDefault()) return build();
    }

    public static double[] D(params double[] v) => v;
}
