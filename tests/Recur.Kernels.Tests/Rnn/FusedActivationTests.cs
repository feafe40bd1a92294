using System.Runtime.Intrinsics;
using Recur.Kernels.Rnn;

namespace Recur.Kernels.Tests.Rnn;

/// <summary>The fused cells' vector tanh (Eigen's rational interpolant) and σ against double-precision references.</summary>
public class FusedActivationTests
{
    private static IEnumerable<float> Inputs()
    {
        var r = new Random(11);
        foreach (double scale in new[] { 1e-30, 1e-6, 1e-3, 0.1, 1, 5, 12, 100, 1e30 })
        {
            for (int i = 0; i < 400; i++)
            {
                yield return (float)((r.NextDouble() * 2 - 1) * scale);
            }
        }

        yield return 0f;
        yield return -0f;
        yield return float.MaxValue;
        yield return float.MinValue;
    }

    [Fact]
    public void Tanh_IsWithinAFewUlpOfMathTanh_AndSaturates()
    {
        if (!FusedStep.IsSupported<float>())
        {
            return; // The fused step needs AVX2 + FMA; elsewhere the span-level cell runs (tested with the kernels).
        }

        foreach (float x in Inputs())
        {
            float y = FusedStep.Tanh(Vector256.Create(x)).GetElement(0);
            double expected = Math.Tanh(x);
            double err = Math.Abs(y - expected);
            Assert.True(err <= (3e-7 * Math.Abs(expected)) + 1e-38,
                $"tanh({x:R}) = {y:R}, expected {expected:R} (error {err:E2})");
            Assert.InRange(y, -1f, 1f);
        }
    }

    [Fact]
    public void Sigmoid_HasAnAbsoluteErrorBelow2e7()
    {
        if (!FusedStep.IsSupported<float>())
        {
            return;
        }

        foreach (float x in Inputs())
        {
            float y = FusedStep.Sigmoid(Vector256.Create(x)).GetElement(0);
            double expected = 1 / (1 + Math.Exp(-(double)x));
            Assert.True(Math.Abs(y - expected) <= 2e-7, $"σ({x:R}) = {y:R}, expected {expected:R}");
            Assert.InRange(y, 0f, 1f);
        }
    }

    /// <summary>The span-level activations every cell pass shares: each length 0..40 (full vectors and every tail), in place and not, float and double.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RnnMathActivations_MatchMathAtEveryLength_InPlaceOrNot(bool sigmoid)
    {
        var r = new Random(5);
        for (int n = 0; n <= 40; n++)
        {
            float[] x = Enumerable.Range(0, n).Select(_ => (float)((r.NextDouble() * 16) - 8)).ToArray();
            float[] y = new float[n + 3];
            Array.Fill(y, 42f);
            float[] inPlace = (float[])x.Clone();
            double[] xd = x.Select(v => (double)v).ToArray(), yd = new double[n];
            if (sigmoid)
            {
                RnnMath.Sigmoid<float>(x, y);
                RnnMath.Sigmoid<float>(inPlace, inPlace);
                RnnMath.Sigmoid<double>(xd, yd);
            }
            else
            {
                RnnMath.Tanh<float>(x, y);
                RnnMath.Tanh<float>(inPlace, inPlace);
                RnnMath.Tanh<double>(xd, yd);
            }

            for (int i = 0; i < n; i++)
            {
                double expected = sigmoid ? 1 / (1 + Math.Exp(-(double)x[i])) : Math.Tanh(x[i]);
                Assert.True(Math.Abs(y[i] - expected) <= 3e-7, $"n={n}: f({x[i]:R}) = {y[i]:R}, expected {expected:R}");
                Assert.Equal(y[i], inPlace[i]);
                Assert.True(Math.Abs(yd[i] - expected) <= 1e-6, $"double n={n}: f({x[i]:R}) = {yd[i]:R}, expected {expected:R}");
            }

            for (int i = n; i < y.Length; i++)
            {
                Assert.Equal(42f, y[i]); // Nothing past the input's length is written.
            }
        }
    }

    [Fact]
    public void RnnMathTanh_DestinationShorterThanInput_Throws()
    {
        var ex = Assert.ThrowsAny<ArgumentException>(() => RnnMath.Tanh<float>(new float[9], new float[8]));
        Assert.Contains("destination", ex.Message, StringComparison.Ordinal);
    }
}
