namespace Recur.Kernels.Tests;

public delegate void Unary<T>(ReadOnlySpan<T> x, Span<T> destination);

public delegate void Binary<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination);

public sealed class ElementwiseTests
{
    private const int MaxLength = 256;

    /// <summary>One unary kernel: float and double entry points, the double-precision reference, the input range.</summary>
    public sealed record UnaryCase(string Name, Unary<float> F, Unary<double> D, Func<double, double> Reference, ToleranceKind Kind, double Min, double Max)
    {
        public override string ToString() => Name;
    }

    /// <summary>One binary kernel, as <see cref="UnaryCase"/>; y is drawn from [YMin, YMax] with a random sign when SignedY.</summary>
    public sealed record BinaryCase(string Name, Binary<float> F, Binary<double> D, Func<double, double, double> Reference, ToleranceKind Kind, double XMin, double XMax, double YMin, double YMax, bool SignedY = false)
    {
        public override string ToString() => Name;
    }

    private static readonly UnaryCase[] UnaryCases =
    [
        new("Negate", Elementwise.Negate, Elementwise.Negate, x => -x, ToleranceKind.Arithmetic, -3, 3),
        new("Abs", Elementwise.Abs, Elementwise.Abs, Math.Abs, ToleranceKind.Arithmetic, -3, 3),
        new("Sign", Elementwise.Sign, Elementwise.Sign, x => Math.Sign(x), ToleranceKind.Arithmetic, -3, 3),
        new("Square", Elementwise.Square, Elementwise.Square, x => x * x, ToleranceKind.Arithmetic, -3, 3),
        new("Sqrt", Elementwise.Sqrt, Elementwise.Sqrt, Math.Sqrt, ToleranceKind.Arithmetic, 0, 10),
        new("Exp", Elementwise.Exp, Elementwise.Exp, Math.Exp, ToleranceKind.Transcendental, -10, 10),
        new("Log", Elementwise.Log, Elementwise.Log, Math.Log, ToleranceKind.Transcendental, 0.01, 10),
        new("Sigmoid", Elementwise.Sigmoid, Elementwise.Sigmoid, x => 1 / (1 + Math.Exp(-x)), ToleranceKind.Transcendental, -8, 8),
        new("Tanh", Elementwise.Tanh, Elementwise.Tanh, Math.Tanh, ToleranceKind.Transcendental, -5, 5),
        new("Relu", Elementwise.Relu, Elementwise.Relu, x => Math.Max(x, 0), ToleranceKind.Arithmetic, -3, 3),
    ];

    private static readonly BinaryCase[] BinaryCases =
    [
        new("Add", Elementwise.Add, Elementwise.Add, (x, y) => x + y, ToleranceKind.Arithmetic, -3, 3, -3, 3),
        new("Subtract", Elementwise.Subtract, Elementwise.Subtract, (x, y) => x - y, ToleranceKind.Arithmetic, -3, 3, -3, 3),
        new("Multiply", Elementwise.Multiply, Elementwise.Multiply, (x, y) => x * y, ToleranceKind.Arithmetic, -3, 3, -3, 3),
        new("Divide", Elementwise.Divide, Elementwise.Divide, (x, y) => x / y, ToleranceKind.Arithmetic, -3, 3, 0.5, 2, SignedY: true),
        new("Max", Elementwise.Max, Elementwise.Max, Math.Max, ToleranceKind.Arithmetic, -3, 3, -3, 3),
        new("Min", Elementwise.Min, Elementwise.Min, Math.Min, ToleranceKind.Arithmetic, -3, 3, -3, 3),
        new("SigmoidGrad", Elementwise.SigmoidGrad, Elementwise.SigmoidGrad, (y, dy) => dy * y * (1 - y), ToleranceKind.Arithmetic, 0, 1, -2, 2),
        new("TanhGrad", Elementwise.TanhGrad, Elementwise.TanhGrad, (y, dy) => dy * (1 - (y * y)), ToleranceKind.Arithmetic, -1, 1, -2, 2),
        new("ReluGrad", Elementwise.ReluGrad, Elementwise.ReluGrad, (x, dy) => x > 0 ? dy : 0, ToleranceKind.Arithmetic, -3, 3, -2, 2),
        new("AddScaled(alpha=-0.75)", (x, y, d) => Elementwise.AddScaled(x, y, -0.75f, d), (x, y, d) => Elementwise.AddScaled(x, y, -0.75, d), (x, y) => x + (-0.75 * y), ToleranceKind.Arithmetic, -3, 3, -3, 3),
        new("Add(scalar 1.5)", (x, _, d) => Elementwise.Add(x, 1.5f, d), (x, _, d) => Elementwise.Add(x, 1.5, d), (x, _) => x + 1.5, ToleranceKind.Arithmetic, -3, 3, 0, 1),
        new("Subtract(scalar 1.5)", (x, _, d) => Elementwise.Subtract(x, 1.5f, d), (x, _, d) => Elementwise.Subtract(x, 1.5, d), (x, _) => x - 1.5, ToleranceKind.Arithmetic, -3, 3, 0, 1),
        new("Multiply(scalar -2.5)", (x, _, d) => Elementwise.Multiply(x, -2.5f, d), (x, _, d) => Elementwise.Multiply(x, -2.5, d), (x, _) => x * -2.5, ToleranceKind.Arithmetic, -3, 3, 0, 1),
        new("Divide(scalar 0.375)", (x, _, d) => Elementwise.Divide(x, 0.375f, d), (x, _, d) => Elementwise.Divide(x, 0.375, d), (x, _) => x / 0.375, ToleranceKind.Arithmetic, -3, 3, 0, 1),
        new("Max(scalar 0.25)", (x, _, d) => Elementwise.Max(x, 0.25f, d), (x, _, d) => Elementwise.Max(x, 0.25, d), (x, _) => Math.Max(x, 0.25), ToleranceKind.Arithmetic, -3, 3, 0, 1),
        new("Min(scalar 0.25)", (x, _, d) => Elementwise.Min(x, 0.25f, d), (x, _, d) => Elementwise.Min(x, 0.25, d), (x, _) => Math.Min(x, 0.25), ToleranceKind.Arithmetic, -3, 3, 0, 1),
    ];

    public static TheoryData<UnaryCase> Unaries() => new(UnaryCases);

    public static TheoryData<BinaryCase> Binaries() => new(BinaryCases);

    [Theory]
    [MemberData(nameof(Unaries))]
    public void UnaryKernel_EveryLengthTo256_MatchesScalarReference(UnaryCase kernel)
    {
        for (int n = 0; n <= MaxLength; n++)
        {
            float[] xf = Data.Uniform<float>(n, seed: n, kernel.Min, kernel.Max);
            double[] xd = Data.Uniform<double>(n, seed: n, kernel.Min, kernel.Max);
            float[] df = new float[n + 1];
            double[] dd = new double[n + 1];
            df[n] = 99f;
            dd[n] = 99.0;
            kernel.F(xf, df);
            kernel.D(xd, dd);
            Tolerance.AssertClose<float>(df, Data.ToDouble<float>(xf).Select(kernel.Reference).ToArray(), kernel.Kind, $"{kernel.Name}<float>[{n}]");
            Tolerance.AssertClose<double>(dd, xd.Select(kernel.Reference).ToArray(), kernel.Kind, $"{kernel.Name}<double>[{n}]");
            Assert.Equal(99f, df[n]);
            Assert.Equal(99.0, dd[n]);
        }
    }

    [Theory]
    [MemberData(nameof(Unaries))]
    public void UnaryKernel_DestinationAliasesInput_MatchesScalarReference(UnaryCase kernel)
    {
        foreach (int n in new[] { 1, 31, 100, 256 })
        {
            float[] xf = Data.Uniform<float>(n, seed: 7 * n, kernel.Min, kernel.Max);
            double[] expected = Data.ToDouble<float>(xf).Select(kernel.Reference).ToArray();
            kernel.F(xf, xf);
            Tolerance.AssertClose<float>(xf, expected, kernel.Kind, $"{kernel.Name} in place [{n}]");
        }
    }

    [Theory]
    [MemberData(nameof(Binaries))]
    public void BinaryKernel_EveryLengthTo256_MatchesScalarReference(BinaryCase kernel)
    {
        for (int n = 0; n <= MaxLength; n++)
        {
            var (xf, yf) = Inputs<float>(kernel, n);
            var (xd, yd) = Inputs<double>(kernel, n);
            float[] df = new float[n];
            double[] dd = new double[n];
            kernel.F(xf, yf, df);
            kernel.D(xd, yd, dd);
            Tolerance.AssertClose<float>(df, Reference(kernel, Data.ToDouble<float>(xf), Data.ToDouble<float>(yf)), kernel.Kind, $"{kernel.Name}<float>[{n}]");
            Tolerance.AssertClose<double>(dd, Reference(kernel, xd, yd), kernel.Kind, $"{kernel.Name}<double>[{n}]");
        }
    }

    [Theory]
    [MemberData(nameof(Binaries))]
    public void BinaryKernel_DestinationAliasesEitherInput_MatchesScalarReference(BinaryCase kernel)
    {
        foreach (int n in new[] { 3, 64, 129 })
        {
            var (x, y) = Inputs<double>(kernel, n);
            double[] expected = Reference(kernel, x, y);
            double[] x2 = (double[])x.Clone(), y2 = (double[])y.Clone();
            kernel.D(x, y, x);
            Tolerance.AssertClose<double>(x, expected, kernel.Kind, $"{kernel.Name} into x [{n}]");
            kernel.D(x2, y2, y2);
            Tolerance.AssertClose<double>(y2, expected, kernel.Kind, $"{kernel.Name} into y [{n}]");
        }
    }

    [Fact]
    public void Sign_ZerosAndNaN_PassThrough()
    {
        float[] x = [0f, -0f, float.NaN, 2f, -3f, float.PositiveInfinity, float.NegativeInfinity, 1e-30f, -1e-30f];
        float[] d = new float[x.Length];
        Elementwise.Sign(x, d);
        Assert.Equal(new[] { 0f, -0f, float.NaN, 1f, -1f, 1f, -1f, 1f, -1f }, d);
    }

    [Fact]
    public void ReluGrad_AtZero_GivesZero()
    {
        double[] x = [0.0, -0.0, 1e-300, -1.0];
        double[] dy = [5.0, 5.0, 5.0, 5.0];
        double[] d = new double[4];
        Elementwise.ReluGrad(x, dy, d);
        Assert.Equal(new[] { 0.0, 0.0, 5.0, 0.0 }, d);
    }

    [Fact]
    public void Add_LengthMismatch_ThrowsNamingY()
    {
        var e = Assert.Throws<ArgumentException>(() => Elementwise.Add(new float[3], new float[2], new float[3]));
        Assert.Equal("y", e.ParamName);
        Assert.Contains("Elementwise.Add: y must have length 3, but has length 2.", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tanh_DestinationTooShort_ThrowsNamingDestination()
    {
        var e = Assert.Throws<ArgumentException>(() => Elementwise.Tanh(new double[5], new double[4]));
        Assert.Equal("destination", e.ParamName);
        Assert.Contains("Elementwise.Tanh: destination must have length at least 5, but has length 4.", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TanhGrad_GradientLengthMismatch_ThrowsNamingDy()
    {
        var e = Assert.Throws<ArgumentException>(() => Elementwise.TanhGrad(new float[4], new float[5], new float[4]));
        Assert.Equal("dy", e.ParamName);
    }

    [Fact]
    public void AddScaled_DestinationTooShort_ThrowsNamingDestination()
    {
        var e = Assert.Throws<ArgumentException>(() => Elementwise.AddScaled(new double[4], new double[4], 2.0, new double[3]));
        Assert.Equal("destination", e.ParamName);
    }

    private static (T[] X, T[] Y) Inputs<T>(BinaryCase kernel, int n)
        where T : System.Numerics.IFloatingPointIeee754<T>
    {
        T[] x = Data.Uniform<T>(n, seed: n, kernel.XMin, kernel.XMax);
        T[] y = Data.Uniform<T>(n, seed: 1000 + n, kernel.YMin, kernel.YMax);
        if (kernel.SignedY)
        {
            for (int i = 0; i < n; i += 2)
            {
                y[i] = -y[i];
            }
        }

        return (x, y);
    }

    private static double[] Reference(BinaryCase kernel, double[] x, double[] y) =>
        x.Select((v, i) => kernel.Reference(v, y[i])).ToArray();
}
