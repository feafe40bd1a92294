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
}
