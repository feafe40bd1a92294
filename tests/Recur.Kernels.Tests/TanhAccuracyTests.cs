using Recur.Kernels;

namespace Recur.Kernels.Tests;

public class TanhAccuracyTests
{
    [Fact]
    public void Tanh_Float32SignedZeros_AreExact()
    {
        var x = new[] { 0f, -0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, -0f };
        var y = new float[x.Length];
        Elementwise.Tanh(x, y);
        for (int i = 0; i < x.Length; i++)
        {
            Assert.Equal(0f, y[i]);
            Assert.Equal(float.IsNegative(x[i]), float.IsNegative(y[i]));
        }
    }

    [Theory]
    [InlineData(1e-30)]
    [InlineData(1e-8)]
    [InlineData(1e-4)]
    [InlineData(0.05)]
    [InlineData(1.0)]
    [InlineData(20.0)]
    public void Tanh_Float32_IsAccurateRelativeToMathTanh(double scale)
    {
        var r = new Random(7);
        var x = new float[1000];
        for (int i = 0; i < x.Length; i++) x[i] = (float)((r.NextDouble() * 2 - 1) * scale);
        var y = new float[x.Length];
        Elementwise.Tanh(x, y);
        for (int i = 0; i < x.Length; i++)
        {
            double e = Math.Tanh(x[i]);
            Assert.True(Math.Abs(y[i] - e) <= 3e-7 * Math.Abs(e) + 1e-45, $"tanh({x[i]}) = {y[i]}, expected {e}");
        }
    }

    [Fact]
    public void Tanh_Float32InPlace_MatchesOutOfPlace()
    {
        var r = new Random(3);
        var x = Enumerable.Range(0, 777).Select(_ => (float)(r.NextDouble() * 0.2 - 0.1)).ToArray();
        var expected = new float[x.Length];
        Elementwise.Tanh(x, expected);
        Elementwise.Tanh(x, x);
        Assert.Equal(expected, x);
    }
}

public sealed class TanhFloat64AccuracyTests
{
    [Fact]
    public void Tanh_Float64SmallInputs_AreAccurateRelativeToMathTanh()
    {
        double[] x = [0.0, -0.0, 1e-300, -1e-20, 1e-8, 1e-4, 0.05, 0.2, 0.7, 3.0];
        double[] y = new double[x.Length];
        Elementwise.Tanh(x, y);
        for (int i = 0; i < x.Length; i++)
        {
            double e = Math.Tanh(x[i]);
            Assert.True(Math.Abs(y[i] - e) <= 1e-15 * Math.Abs(e), $"tanh({x[i]:R}) = {y[i]:R}, expected {e:R}");
        }
    }
}
