using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
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

    /// <summary>The 512-bit forms (the row passes' 16-unit loops where AVX-512F runs) give the 256-bit forms' bits, NaN included.</summary>
    [Fact]
    public void WideActivations_GiveTheSameBitsAsThe256BitForms()
    {
        if (!FusedStep.IsSupported<float>() || !Avx512F.IsSupported)
        {
            return; // No 512-bit loops run on this machine.
        }

        float[] xs = [.. Inputs(), float.NaN, float.PositiveInfinity, float.NegativeInfinity, 87.5f, -87.5f, 90f, -90f, 200f, -200f];
        foreach (float x in xs)
        {
            var narrow = Vector256.Create(x);
            var wide = Vector512.Create(x);
            Assert.Equal(BitConverter.SingleToInt32Bits(FusedStep.Sigmoid(narrow).GetElement(0)), BitConverter.SingleToInt32Bits(FusedStep.Sigmoid(wide).GetElement(15)));
            Assert.Equal(BitConverter.SingleToInt32Bits(FusedStep.Tanh(narrow).GetElement(0)), BitConverter.SingleToInt32Bits(FusedStep.Tanh(wide).GetElement(15)));
        }
    }

    [Fact]
    public void Activations_PropagateNaN_AndSaturateAtInfinity()
    {
        if (!FusedStep.IsSupported<float>())
        {
            return;
        }

        Assert.True(float.IsNaN(FusedStep.Sigmoid(Vector256.Create(float.NaN)).GetElement(0)));
        Assert.True(float.IsNaN(FusedStep.Tanh(Vector256.Create(float.NaN)).GetElement(0)));
        Assert.Equal(1f, FusedStep.Sigmoid(Vector256.Create(float.PositiveInfinity)).GetElement(0));
        Assert.True(FusedStep.Sigmoid(Vector256.Create(float.NegativeInfinity)).GetElement(0) is >= 0f and < 1e-37f);
        Assert.InRange(FusedStep.Tanh(Vector256.Create(float.PositiveInfinity)).GetElement(0), 1f - 1e-7f, 1f);
        Assert.InRange(FusedStep.Tanh(Vector256.Create(float.NegativeInfinity)).GetElement(0), -1f, -1f + 1e-7f);
    }

    /// <summary>
    /// The LSTM and reset-after GRU row passes at every width 1..40 (16-unit blocks, 8-unit blocks and masked tails) with
    /// <see cref="RnnSettings.WideCells"/> on and off: the same bits, and the LSTM's c_t and m against a double reference.
    /// </summary>
    [Fact]
    public unsafe void CellRowPasses_WideAndNarrowLoops_AgreeBitwise_AndMatchDoubleReference()
    {
        if (!FusedStep.IsSupported<float>())
        {
            return;
        }

        var r = new Random(17);
        float[] Rand(int n, double scale) => Enumerable.Range(0, n).Select(_ => (float)(((r.NextDouble() * 2) - 1) * scale)).ToArray();
        bool saved = RnnSettings.WideCells;
        try
        {
            for (int units = 1; units <= 40; units++)
            {
                float[] g0 = Rand(4 * units, 3), rec = Rand(4 * units, 3), bias = Rand(4 * units, 0.5), c0 = Rand(units, 2), h = Rand(units, 1);
                var lstm = new float[2][];
                var gru = new float[2][];
                foreach (bool wide in new[] { false, true })
                {
                    RnnSettings.WideCells = wide;
                    float[] g = (float[])g0.Clone(), c = (float[])c0.Clone(), cRaw = new float[units], m = new float[units];
                    fixed (float* pg = g, pr = rec, pb = bias, pc = c, pcr = cRaw, pm = m)
                    {
                        FusedStep.LstmCell(pg, pr, pb, 1f, pc, pcr, pm, units);
                    }

                    lstm[wide ? 1 : 0] = [.. g, .. c, .. cRaw, .. m];

                    float[] gg = g0[..(3 * units)], aux = new float[units], hNew = new float[units];
                    fixed (float* pg = gg, pr = rec, pb = bias, pcb = bias.AsSpan(units), pchb = bias.AsSpan(2 * units), pa = aux, ph = h, phn = hNew)
                    {
                        FusedStep.GruAfterCell(pg, pr, pb, pcb, pchb, pa, ph, phn, units);
                    }

                    gru[wide ? 1 : 0] = [.. gg, .. aux, .. hNew];

                    // c_t = σ(f + 1)·c + σ(i)·tanh(j), m = σ(o)·tanh(c_t) (gates i, j, f, o; forget bias 1).
                    for (int u = 0; u < units; u++)
                    {
                        double Z(int gate) => (double)g0[(gate * units) + u] + rec[(gate * units) + u] + bias[(gate * units) + u];
                        double Sig(double v) => 1 / (1 + Math.Exp(-v));
                        double ct = (Sig(Z(2) + 1) * c0[u]) + (Sig(Z(0)) * Math.Tanh(Z(1)));
                        Assert.True(Math.Abs(c[u] - ct) <= 2e-6, $"units={units} wide={wide}: c[{u}] = {c[u]:R}, expected {ct:R}");
                        Assert.True(Math.Abs(m[u] - (Sig(Z(3)) * Math.Tanh(ct))) <= 2e-6, $"units={units} wide={wide}: m[{u}] = {m[u]:R}");
                    }
                }

                Assert.Equal(lstm[0], lstm[1]);
                Assert.Equal(gru[0], gru[1]);
            }
        }
        finally
        {
            RnnSettings.WideCells = saved;
        }
    }

    [Fact]
    public void RnnMathTanh_DestinationShorterThanInput_Throws()
    {
        var ex = Assert.ThrowsAny<ArgumentException>(() => RnnMath.Tanh<float>(new float[9], new float[8]));
        Assert.Contains("destination", ex.Message, StringComparison.Ordinal);
    }
}
