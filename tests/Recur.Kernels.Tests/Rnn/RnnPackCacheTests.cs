using System.Numerics;
using Recur.Kernels.Rnn;

namespace Recur.Kernels.Tests.Rnn;

/// <summary>
/// <see cref="RnnPackCache"/> (issue 5, the layer wavefront; ADR 0010, tenth part): an LSTM layer run in time chunks on
/// one thread, its packed input and recurrent weights kept from chunk to chunk, gives the results of the same chunks
/// packing their own weights, bit for bit — one row (the fused one-row step), several rows (the packed GEMM), an input
/// deeper than one GEMM depth block, lengths ending inside and between chunks, float and double; and after
/// <see cref="RnnPackCache.Reset"/> it packs the new weights.
/// </summary>
[Collection(nameof(GemmCollection))]
public class RnnPackCacheTests
{
    private const int Time = 37, Steps = 10;

    /// <summary>Runs the layer over [0, Time) in chunks of <see cref="Steps"/>, carrying the state; returns y, c, h.</summary>
    private static (T[] Y, T[] C, T[] H) Chunked<T>(LstmConfig cfg, T[] kernel, T[] bias, T[] x, int[] lengths, RnnPackCache? cache)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int b = cfg.Batch, i = cfg.InputSize, h = cfg.Units;
        var y = new T[Time * b * h];
        var state = new T[4 * b * h];
        var ws = new T[LstmKernel.WorkspaceSize(cfg with { Time = Steps }, training: false)];
        var cut = new int[b];
        for (int c = 0, t0 = 0; t0 < Time; c++, t0 += Steps)
        {
            int steps = Math.Min(Steps, Time - t0);
            for (int r = 0; r < b; r++) cut[r] = Math.Clamp(Math.Min(lengths[r], Time) - t0, 0, steps);
            var read = state.AsSpan((c & 1) * 2 * b * h, 2 * b * h);
            var write = state.AsSpan(((c + 1) & 1) * 2 * b * h, 2 * b * h);
            var chunk = cfg with { Time = steps, PackCache = cache };
            LstmCore<T>.Forward(chunk, new LstmWeights<T> { Kernel = kernel, Bias = bias }, x.AsSpan(t0 * b * i, steps * b * i), cut,
                read[..(b * h)], read[(b * h)..], y.AsSpan(t0 * b * h, steps * b * h), write[..(b * h)], write[(b * h)..],
                ws.AsSpan(0, LstmKernel.WorkspaceSize(chunk, training: false)), training: false);
        }
        var last = state.AsSpan((((Time + Steps - 1) / Steps) & 1) * 2 * b * h, 2 * b * h);
        return (y, last[..(b * h)].ToArray(), last[(b * h)..].ToArray());
    }

    [Theory]
    [InlineData(1, 5, 8)]
    [InlineData(1, 300, 24)]
    [InlineData(3, 5, 8)]
    [InlineData(3, 300, 16)]
    public void CachedChunks_EqualUncached_Float(int batch, int input, int units) => CachedChunks_EqualUncached<float>(batch, input, units);

    [Theory]
    [InlineData(1, 300, 24)]
    [InlineData(3, 7, 8)]
    public void CachedChunks_EqualUncached_Double(int batch, int input, int units) => CachedChunks_EqualUncached<double>(batch, input, units);

    private static void CachedChunks_EqualUncached<T>(int batch, int input, int units)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int saved = Gemm.MaxThreads;
        Gemm.MaxThreads = 1;
        try
        {
            var cfg = new LstmConfig(Time, batch, input, units);
            var kernel = RnnTest.Cast<T>(RnnTest.Rand<T>((input + units) * 4 * units, 1, -0.4, 0.4));
            var bias = RnnTest.Cast<T>(RnnTest.Rand<T>(4 * units, 2));
            var x = RnnTest.Cast<T>(RnnTest.Rand<T>(Time * batch * input, 3));
            // Lengths: to the end, inside the second chunk, on a chunk edge (one row is none at all at B = 3).
            int[] lengths = batch == 1 ? [Time] : [Time, 14, 0];
            var cache = new RnnPackCache();
            var expected = Chunked(cfg, kernel, bias, x, lengths, cache: null);
            var actual = Chunked(cfg, kernel, bias, x, lengths, cache);
            Assert.Equal(expected.Y, actual.Y);
            Assert.Equal(expected.C, actual.C);
            Assert.Equal(expected.H, actual.H);
            Assert.True(cache.InputNr > 0, "the input weights were packed into the cache");
            if (batch == 1 && typeof(T) == typeof(float) && FusedStep.IsSupported<float>()) Assert.True(cache.FusedPacked, "the one-row panels were packed into the cache");
            if (batch > 1) Assert.True(cache.RecurrentNr > 0, "the recurrent panels were packed into the cache");

            // New weights: after Reset the cache packs them again.
            for (int k = 0; k < kernel.Length; k++) kernel[k] = -kernel[k] * T.CreateTruncating(0.5);
            cache.Reset();
            var expected2 = Chunked(cfg, kernel, bias, x, lengths, cache: null);
            var actual2 = Chunked(cfg, kernel, bias, x, lengths, cache);
            Assert.Equal(expected2.Y, actual2.Y);
            Assert.Equal(expected2.H, actual2.H);
            Assert.NotEqual(expected.Y, expected2.Y);
        }
        finally
        {
            Gemm.MaxThreads = saved;
        }
    }
}
