using System.Numerics;

namespace Recur.Kernels.Tests;

public sealed class ReductionTests
{
    private const int MaxLength = 256;

    [Fact]
    public void SumMaxMin_EveryLengthTo256_MatchScalarReference()
    {
        for (int n = 0; n <= MaxLength; n++)
        {
            CheckWhole<float>(n, Reduction.Sum, Reduction.Max, Reduction.Min);
            CheckWhole<double>(n, Reduction.Sum, Reduction.Max, Reduction.Min);
        }
    }

    [Fact]
    public void AxisReductions_EveryAxisLengthTo256_MatchScalarReference()
    {
        foreach (var (outer, inner) in new[] { (1, 1), (3, 1), (2, 5), (1, 17) })
        {
            for (int axis = 0; axis <= MaxLength; axis++)
            {
                CheckAxis<float>(outer, axis, inner, Reduction.SumAxis, Reduction.MaxAxis, Reduction.MinAxis, Reduction.ArgMaxAxis);
                CheckAxis<double>(outer, axis, inner, Reduction.SumAxis, Reduction.MaxAxis, Reduction.MinAxis, Reduction.ArgMaxAxis);
            }
        }
    }

    [Fact]
    public void AxisReductions_EveryInnerLengthTo256_MatchScalarReference()
    {
        for (int inner = 0; inner <= MaxLength; inner++)
        {
            CheckAxis<float>(2, 3, inner, Reduction.SumAxis, Reduction.MaxAxis, Reduction.MinAxis, Reduction.ArgMaxAxis);
            CheckAxis<double>(2, 3, inner, Reduction.SumAxis, Reduction.MaxAxis, Reduction.MinAxis, Reduction.ArgMaxAxis);
        }
    }

    [Fact]
    public void SoftmaxAndLogSoftmax_EveryRowLengthTo256_MatchScalarReference()
    {
        for (int cols = 0; cols <= MaxLength; cols++)
        {
            CheckSoftmax<float>(3, cols, Reduction.Softmax, Reduction.LogSoftmax);
            CheckSoftmax<double>(3, cols, Reduction.Softmax, Reduction.LogSoftmax);
        }
    }

    [Fact]
    public void Softmax_HugeLogits_StaysFinite()
    {
        float[] x = [1000f, 1001f, 999f, -1000f];
        float[] d = new float[4];
        Reduction.Softmax(x, 1, 4, d);
        double z = Math.Exp(-1) + 1 + Math.Exp(-2);
        Tolerance.AssertClose<float>(d, [Math.Exp(-1) / z, 1 / z, Math.Exp(-2) / z, 0], ToleranceKind.Transcendental, "softmax");
        Reduction.LogSoftmax(x, 1, 4, d);
        Tolerance.AssertClose<float>(d, [-1 - Math.Log(z), -Math.Log(z), -2 - Math.Log(z), -2001 - Math.Log(z)], ToleranceKind.Transcendental, "log_softmax");
    }

    [Fact]
    public void Softmax_DestinationAliasesInput_MatchesOutOfPlace()
    {
        double[] x = Data.Uniform<double>(4 * 300, seed: 5, -4, 4);
        double[] expected = new double[x.Length];
        Reduction.LogSoftmax(x, 4, 300, expected);
        Reduction.LogSoftmax(x, 4, 300, x);
        Assert.Equal(expected, x);
    }

    [Fact]
    public void BiasAddAndSumRows_EveryRowLengthTo256_MatchScalarReference()
    {
        foreach (int rows in new[] { 0, 1, 5 })
        {
            for (int cols = 0; cols <= MaxLength; cols++)
            {
                CheckBias<float>(rows, cols, Reduction.BiasAdd, Reduction.SumRows);
                CheckBias<double>(rows, cols, Reduction.BiasAdd, Reduction.SumRows);
            }
        }
    }

    [Fact]
    public void ArgMaxAxis_TiesAndNaN_FirstMaximumOrFirstNaN()
    {
        // [outer=1, axis=4, inner=3]
        float[] x =
        [
            1f, 2f, 0f,
            3f, 2f, float.NaN,
            3f, 1f, 5f,
            0f, 2f, float.NaN,
        ];
        long[] d = new long[3];
        Reduction.ArgMaxAxis(x, 1, 4, 3, d);
        Assert.Equal(new long[] { 1, 0, 1 }, d);
        Reduction.ArgMaxAxis([1f, 7f, 7f, float.NaN, 9f], 1, 5, 1, d);
        Assert.Equal(3, d[0]);
    }

    [Fact]
    public void MaxMin_EmptySpan_ReturnIdentity()
    {
        Assert.Equal(float.NegativeInfinity, Reduction.Max(ReadOnlySpan<float>.Empty));
        Assert.Equal(double.PositiveInfinity, Reduction.Min(ReadOnlySpan<double>.Empty));
        Assert.Equal(0f, Reduction.Sum(ReadOnlySpan<float>.Empty));
    }

    [Fact]
    public void SumAxis_WrongInputLength_ThrowsNamingX()
    {
        var e = Assert.Throws<ArgumentException>(() => Reduction.SumAxis(new float[11], 2, 3, 2, new float[4]));
        Assert.Equal("x", e.ParamName);
        Assert.Contains("Reduction.SumAxis: x must have length outer * axis * inner = 2 * 3 * 2 = 12, but has length 11.", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MaxAxis_DestinationTooShort_ThrowsNamingDestination()
    {
        var e = Assert.Throws<ArgumentException>(() => Reduction.MaxAxis(new double[12], 2, 3, 2, new double[3]));
        Assert.Equal("destination", e.ParamName);
    }

    [Fact]
    public void MinAxis_NegativeDimension_ThrowsNamingIt()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Reduction.MinAxis(new double[0], 2, -1, 2, new double[4]));
        Assert.Equal("axis", e.ParamName);
    }

    [Fact]
    public void ArgMaxAxis_EmptyAxis_ThrowsNamingAxis()
    {
        var e = Assert.Throws<ArgumentException>(() => Reduction.ArgMaxAxis(ReadOnlySpan<float>.Empty, 2, 0, 3, new long[6]));
        Assert.Equal("axis", e.ParamName);
    }

    [Fact]
    public void Softmax_WrongInputLength_ThrowsNamingX()
    {
        var e = Assert.Throws<ArgumentException>(() => Reduction.Softmax(new float[5], 2, 3, new float[6]));
        Assert.Equal("x", e.ParamName);
        Assert.Contains("Reduction.Softmax: x must have length rows * cols = 2 * 3 = 6, but has length 5.", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BiasAdd_InputNotMultipleOfBias_ThrowsNamingX()
    {
        var e = Assert.Throws<ArgumentException>(() => Reduction.BiasAdd(new double[7], new double[3], 2, new double[6]));
        Assert.Equal("x", e.ParamName);
    }

    [Fact]
    public void SumRows_DestinationTooShort_ThrowsNamingDestination()
    {
        var e = Assert.Throws<ArgumentException>(() => Reduction.SumRows(new float[6], 2, 3, new float[2]));
        Assert.Equal("destination", e.ParamName);
    }

    private delegate T Whole<T>(ReadOnlySpan<T> x);

    private delegate void Axis<T>(ReadOnlySpan<T> x, int outer, int axis, int inner, Span<T> destination);

    private delegate void ArgAxis<T>(ReadOnlySpan<T> x, int outer, int axis, int inner, Span<long> destination);

    private delegate void Rows<T>(ReadOnlySpan<T> x, int rows, int cols, Span<T> destination);

    private delegate void Bias<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> bias, int rows, Span<T> destination);

    private static void CheckWhole<T>(int n, Whole<T> sum, Whole<T> max, Whole<T> min)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] x = Data.Uniform<T>(n, seed: n);
        double[] xd = Data.ToDouble<T>(x);
        double tol = Tolerance.For<T>(ToleranceKind.Accumulation);
        double s = double.CreateTruncating(sum(x));
        Assert.True(Tolerance.Close(s, xd.Sum(), tol, xd.Sum(Math.Abs)), $"Sum<{typeof(T).Name}>[{n}] = {s}, expected {xd.Sum()}");
        Assert.Equal(n == 0 ? double.NegativeInfinity : xd.Max(), double.CreateTruncating(max(x)));
        Assert.Equal(n == 0 ? double.PositiveInfinity : xd.Min(), double.CreateTruncating(min(x)));
    }

    private static void CheckAxis<T>(int outer, int axis, int inner, Axis<T> sum, Axis<T> max, Axis<T> min, ArgAxis<T> argmax)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] x = Data.Uniform<T>(outer * axis * inner, seed: (31 * axis) + inner);
        double[] xd = Data.ToDouble<T>(x);
        int n = outer * inner;
        var (es, emax, emin, eabs) = (new double[n], new double[n], new double[n], new double[n]);
        long[] earg = new long[n];
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                double s = 0, hi = double.NegativeInfinity, lo = double.PositiveInfinity, abs = 0;
                long arg = 0;
                for (int a = 0; a < axis; a++)
                {
                    double v = xd[(((o * axis) + a) * inner) + i];
                    s += v;
                    abs += Math.Abs(v);
                    if (v > hi)
                    {
                        hi = v;
                        arg = a;
                    }

                    lo = Math.Min(lo, v);
                }

                (es[(o * inner) + i], emax[(o * inner) + i], emin[(o * inner) + i], eabs[(o * inner) + i], earg[(o * inner) + i]) = (s, hi, lo, abs, arg);
            }
        }

        string what = $"<{typeof(T).Name}>[{outer}, {axis}, {inner}]";
        T[] d = new T[n];
        sum(x, outer, axis, inner, d);
        double tol = Tolerance.For<T>(ToleranceKind.Accumulation);
        for (int j = 0; j < n; j++)
        {
            Assert.True(Tolerance.Close(double.CreateTruncating(d[j]), es[j], tol, eabs[j]), $"SumAxis{what} element {j}");
        }

        max(x, outer, axis, inner, d);
        Assert.Equal(emax, Data.ToDouble<T>(d));
        min(x, outer, axis, inner, d);
        Assert.Equal(emin, Data.ToDouble<T>(d));
        if (axis > 0)
        {
            long[] arg = new long[n];
            argmax(x, outer, axis, inner, arg);
            Assert.Equal(earg, arg);
        }
    }

    private static void CheckSoftmax<T>(int rows, int cols, Rows<T> softmax, Rows<T> logSoftmax)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] x = Data.Uniform<T>(rows * cols, seed: cols, -6, 6);
        double[] xd = Data.ToDouble<T>(x);
        double[] soft = new double[rows * cols], logSoft = new double[rows * cols];
        for (int r = 0; r < rows; r++)
        {
            var row = xd.AsSpan(r * cols, cols);
            double max = cols == 0 ? 0 : row.ToArray().Max();
            double z = 0;
            foreach (double v in row)
            {
                z += Math.Exp(v - max);
            }

            for (int j = 0; j < cols; j++)
            {
                soft[(r * cols) + j] = Math.Exp(row[j] - max) / z;
                logSoft[(r * cols) + j] = row[j] - max - Math.Log(z);
            }
        }

        T[] d = new T[rows * cols];
        softmax(x, rows, cols, d);
        Tolerance.AssertClose<T>(d, soft, ToleranceKind.Transcendental, $"Softmax<{typeof(T).Name}>[{rows}, {cols}]");
        logSoftmax(x, rows, cols, d);
        Tolerance.AssertClose<T>(d, logSoft, ToleranceKind.Transcendental, $"LogSoftmax<{typeof(T).Name}>[{rows}, {cols}]");
    }

    private static void CheckBias<T>(int rows, int cols, Bias<T> biasAdd, Rows<T> sumRows)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] x = Data.Uniform<T>(rows * cols, seed: cols + rows);
        T[] bias = Data.Uniform<T>(cols, seed: 500 + cols);
        double[] xd = Data.ToDouble<T>(x), bd = Data.ToDouble<T>(bias);
        T[] d = new T[rows * cols];
        biasAdd(x, bias, rows, d);
        Tolerance.AssertClose<T>(d, xd.Select((v, i) => v + bd[i % Math.Max(1, cols)]).ToArray(), ToleranceKind.Arithmetic, $"BiasAdd<{typeof(T).Name}>[{rows}, {cols}]");
        T[] s = Enumerable.Repeat(T.CreateTruncating(7.0), cols).ToArray();
        sumRows(x, rows, cols, s);
        double tol = Tolerance.For<T>(ToleranceKind.Accumulation);
        for (int j = 0; j < cols; j++)
        {
            double expected = 0, abs = 0;
            for (int r = 0; r < rows; r++)
            {
                expected += xd[(r * cols) + j];
                abs += Math.Abs(xd[(r * cols) + j]);
            }

            Assert.True(Tolerance.Close(double.CreateTruncating(s[j]), expected, tol, abs), $"SumRows<{typeof(T).Name}>[{rows}, {cols}] column {j}");
        }
    }
}
