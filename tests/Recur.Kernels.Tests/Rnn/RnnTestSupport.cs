using System.Numerics;
using Recur.Kernels.Rnn;

namespace Recur.Kernels.Tests.Rnn;

/// <summary>Shared helpers for the fused RNN kernel tests: case parsing, conversion, and norm-wise comparison.</summary>
internal static class RnnTest
{
    /// <summary>Parses "7,0,3" into lengths; "" means no lengths.</summary>
    public static int[] Lengths(string spec) =>
        spec.Length == 0 ? [] : spec.Split(',').Select(int.Parse).ToArray();

    /// <summary>The length of row b as the kernels use it: clamped to T, all T when there are no lengths.</summary>
    public static int Len(int[] lengths, int b, int time) => lengths.Length == 0 ? time : Math.Min(lengths[b], time);

    public static T[] Cast<T>(double[] x)
        where T : INumberBase<T> => x.Select(T.CreateTruncating).ToArray();

    public static double[] D<T>(T[] x)
        where T : INumberBase<T> => x.Select(double.CreateTruncating).ToArray();

    /// <summary>Random values in [min, max), rounded to T so the double reference sees exactly the kernel's inputs.</summary>
    public static double[] Rand<T>(int n, int seed, double min = -1, double max = 1)
        where T : INumberBase<T> => D(Data.Uniform<T>(n, seed, min, max));

    /// <summary>Tolerance by dtype: double 1e-12, float 1e-5 (norm-wise: relative to max(1, max |expected|)).</summary>
    public static double Tol<T>() => typeof(T) == typeof(double) ? 1e-12 : 1e-5;

    public static void Close<T>(T[] actual, double[] expected, string what)
        where T : INumberBase<T> => Close(D(actual), expected, Tol<T>(), what);

    public static void Close(double[] actual, double[] expected, double tol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = 1;
        foreach (double e in expected)
        {
            scale = Math.Max(scale, Math.Abs(e));
        }

        for (int i = 0; i < expected.Length; i++)
        {
            if (!(Math.Abs(actual[i] - expected[i]) <= tol * scale))
            {
                Assert.Fail($"{what}: element {i} of {expected.Length} is {actual[i]:R}, expected {expected[i]:R} (tolerance {tol:G2} x {scale:G3}).");
            }
        }
    }

    /// <summary>A (T, B, width) time-major sequence as (B, T, width) batch-major.</summary>
    public static double[] ToBatchMajor(double[] a, int time, int batch, int width) => Transpose(a, time, batch, width);

    /// <summary>A (B, T, width) batch-major sequence as (T, B, width) time-major; empty stays empty.</summary>
    public static double[] ToTimeMajor(double[] a, int time, int batch, int width) => Transpose(a, batch, time, width);

    /// <summary>Asserts bitwise-equal values (the same arithmetic in another layout), naming the first difference.</summary>
    public static void Same(double[] actual, double[] expected, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.DoubleToInt64Bits(actual[i]) != BitConverter.DoubleToInt64Bits(expected[i]))
            {
                Assert.Fail($"{what}: element {i} of {expected.Length} is {actual[i]:R}, expected exactly {expected[i]:R}.");
            }
        }
    }

    /// <summary>(n0, n1, width) → (n1, n0, width).</summary>
    private static double[] Transpose(double[] a, int n0, int n1, int width)
    {
        if (a.Length == 0)
        {
            return a;
        }

        var r = new double[a.Length];
        for (int i = 0; i < n0; i++)
        {
            for (int j = 0; j < n1; j++)
            {
                Array.Copy(a, ((i * n1) + j) * width, r, ((j * n0) + i) * width, width);
            }
        }

        return r;
    }

    public static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    public static double Clip(double x, double? c) => c is double v ? Math.Clamp(x, -v, v) : x;

    public static bool Clipped(double x, double? c) => c is double v && (x < -v || x > v);

    public static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++)
        {
            s += a[i] * b[i];
        }

        return s;
    }

    /// <summary>Central finite differences of <paramref name="loss"/> with respect to every entry of <paramref name="p"/>.</summary>
    public static double[] FiniteDifference(double[] p, Func<double> loss, double eps = 1e-6)
    {
        var g = new double[p.Length];
        for (int i = 0; i < p.Length; i++)
        {
            double keep = p[i];
            p[i] = keep + eps;
            double up = loss();
            p[i] = keep - eps;
            double down = loss();
            p[i] = keep;
            g[i] = (up - down) / (2 * eps);
        }

        return g;
    }
}

/// <summary>
/// Runs a fused kernel with its time loop forced onto several threads: <c>Gemm.MaxThreads</c> = the count and
/// one row per part allowed, so even tiny batches split. Tests that use it run in <see cref="GemmCollection"/> (alone).
/// </summary>
internal static class RnnThreads
{
    public static TResult With<TResult>(int threads, Func<TResult> run)
    {
        // One row a part, and the unit split wherever it applies up to 32 rows, so that small test batches run both splits.
        int savedThreads = Gemm.MaxThreads, savedRows = RnnSettings.MinRowsPerThread, savedUnit = RnnSettings.UnitSplitMaxRows;
        Gemm.MaxThreads = threads;
        RnnSettings.MinRowsPerThread = 1;
        RnnSettings.UnitSplitMaxRows = 32;
        try
        {
            return run();
        }
        finally
        {
            Gemm.MaxThreads = savedThreads;
            RnnSettings.MinRowsPerThread = savedRows;
            RnnSettings.UnitSplitMaxRows = savedUnit;
        }
    }

    /// <summary>Runs <paramref name="run"/> while another thread holds the worker pool: the kernels then run every part on the calling thread.</summary>
    public static TResult WithPoolHeld<TResult>(Func<TResult> run)
    {
        using var held = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var holder = new Thread(() =>
        {
            while (!Blas.WorkerPool.TryAcquire())
            {
                Thread.Sleep(1);
            }

            held.Set();
            release.Wait();
            Blas.WorkerPool.Release();
        });
        holder.Start();
        held.Wait();
        try
        {
            return run();
        }
        finally
        {
            release.Set();
            holder.Join();
        }
    }

    /// <summary>Runs <paramref name="body"/> with <see cref="RnnSettings.OneRowSliceMinUnits"/> at <paramref name="minUnits"/>, restoring it after.</summary>
    public static void WithOneRowSlicesFrom(int minUnits, Action body)
    {
        int saved = RnnSettings.OneRowSliceMinUnits;
        RnnSettings.OneRowSliceMinUnits = minUnits;
        try
        {
            body();
        }
        finally
        {
            RnnSettings.OneRowSliceMinUnits = saved;
        }
    }

    /// <summary>Cases for the threaded tests: (T, B, I, H, lengths, threads); the batch is split into that many parts.</summary>
    public static TheoryData<int, int, int, int, string, int> Shapes => new()
    {
        { 6, 3, 5, 7, "", 2 },
        { 7, 5, 3, 6, "7,0,3,12,5", 2 },
        { 4, 6, 9, 17, "2,4,4,1,0,3", 3 },
        { 9, 12, 5, 16, "9,1,4,9,0,7,2,9,3,5,6,8", 2 },
        { 5, 16, 4, 8, "", 4 },
        { 3, 4, 2, 8, "0,0,0,0", 2 },

        // H a multiple of 16: the LSTM forward splits units between threads (float, no peepholes, clip or projection).
        { 9, 12, 5, 32, "9,1,4,9,0,7,2,9,3,5,6,8", 2 },
        { 5, 7, 4, 48, "", 3 },
        { 6, 2, 3, 64, "6,3", 2 },
        { 4, 3, 3, 32, "0,0,0", 2 },
    };

    /// <summary>
    /// Cases for the batch-major tests: the threaded cases, and on one thread the one-row paths (B = 1, and a
    /// sorted batch that ends with one row: the fused one-row step), dense and with lengths (0 and &gt; T).
    /// </summary>
    public static TheoryData<int, int, int, int, string, int> BatchMajorShapes
    {
        get
        {
            var d = Shapes;
            d.Add(5, 1, 3, 4, "", 1);
            d.Add(5, 1, 3, 4, "3", 1);
            d.Add(6, 3, 4, 17, "6,2,1", 1);
            d.Add(7, 5, 3, 6, "7,0,3,12,5", 1);
            d.Add(5, 16, 4, 8, "", 1);
            d.Add(0, 2, 3, 4, "", 1);
            return d;
        }
    }
}

