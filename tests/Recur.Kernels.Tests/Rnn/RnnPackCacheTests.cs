using System.Numerics;
using Recur.Kernels.Rnn;

namespace Recur.Kernels.Tests.Rnn;

/// <summary>
/// <see cref="RnnPackCache"/> (issue 5, the layer wavefront; ADR 0010, tenth part): an LSTM, GRU (both variants) or simple
/// RNN layer run in time chunks on one thread, its packed input and recurrent weights kept from chunk to chunk, gives
/// the results of the same chunks packing their own weights, bit for bit — one row (the fused one-row step), several
/// rows (the packed GEMM), an input deeper than one GEMM depth block, lengths ending inside and between chunks, float
/// and double; and after <see cref="RnnPackCache.Reset"/> it packs the new weights.
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

    /// <summary>
    /// The shared check, on one thread: <paramref name="run"/> (the chunked layer; its outputs) with a cache equals it
    /// without, bit for bit; the cache holds the input panels, and the recurrent or one-row panels when
    /// <paramref name="recurrent"/> / <paramref name="fused"/>; after <paramref name="changeWeights"/> and
    /// <see cref="RnnPackCache.Reset"/> the cached run follows the new weights.
    /// </summary>
    private static void CachedEqualsUncached<T>(Func<RnnPackCache?, T[][]> run, Action changeWeights, bool recurrent, bool fused)
    {
        int saved = Gemm.MaxThreads;
        Gemm.MaxThreads = 1;
        try
        {
            var cache = new RnnPackCache();
            var expected = run(null);
            var actual = run(cache);
            for (int k = 0; k < expected.Length; k++) Assert.Equal(expected[k], actual[k]);
            Assert.True(cache.InputNr > 0, "the input weights were packed into the cache");
            if (recurrent) Assert.True(cache.RecurrentNr > 0, "the recurrent panels were packed into the cache");
            if (fused) Assert.True(cache.FusedPacked, "the one-row panels were packed into the cache");

            // New weights: after Reset the cache packs them again.
            changeWeights();
            cache.Reset();
            var expected2 = run(null);
            var actual2 = run(cache);
            for (int k = 0; k < expected2.Length; k++) Assert.Equal(expected2[k], actual2[k]);
            Assert.NotEqual(expected[0], expected2[0]);
        }
        finally
        {
            Gemm.MaxThreads = saved;
        }
    }

    private static void CachedChunks_EqualUncached<T>(int batch, int input, int units)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var cfg = new LstmConfig(Time, batch, input, units);
        var kernel = RnnTest.Cast<T>(RnnTest.Rand<T>((input + units) * 4 * units, 1, -0.4, 0.4));
        var bias = RnnTest.Cast<T>(RnnTest.Rand<T>(4 * units, 2));
        var x = RnnTest.Cast<T>(RnnTest.Rand<T>(Time * batch * input, 3));
        // Lengths: to the end, inside the second chunk, on a chunk edge (one row is none at all at B = 3).
        int[] lengths = batch == 1 ? [Time] : [Time, 14, 0];
        CachedEqualsUncached<T>(
            cache =>
            {
                var (y, c, h) = Chunked(cfg, kernel, bias, x, lengths, cache);
                return [y, c, h];
            },
            () =>
            {
                for (int k = 0; k < kernel.Length; k++) kernel[k] = -kernel[k] * T.CreateTruncating(0.5);
            },
            recurrent: batch > 1, fused: batch == 1 && typeof(T) == typeof(float) && FusedStep.IsSupported<float>());
    }

    /// <summary>One layer kind's chunk call: (chunk config time, cache, x chunk, lengths chunk, h0 / c0 in, y chunk, state out, workspace).</summary>
    private delegate void GruChunk<T>(GruConfig cfg, ReadOnlySpan<T> x, ReadOnlySpan<int> lengths, ReadOnlySpan<T> h0, Span<T> y, Span<T> hFinal, Span<T> ws);

    /// <summary>A GRU or simple RNN layer (state h only) over [0, Time) in chunks of <see cref="Steps"/>; returns y and h.</summary>
    private static (T[] Y, T[] H) ChunkedH<T>(int batch, int input, int units, Func<int, int> wsSize, GruChunk<T> call, T[] x, int[] lengths)
    {
        int b = batch, i = input, h = units;
        var y = new T[Time * b * h];
        var state = new T[2 * b * h];
        var ws = new T[wsSize(Steps)];
        var cut = new int[b];
        for (int c = 0, t0 = 0; t0 < Time; c++, t0 += Steps)
        {
            int steps = Math.Min(Steps, Time - t0);
            for (int r = 0; r < b; r++) cut[r] = Math.Clamp(Math.Min(lengths[r], Time) - t0, 0, steps);
            call(new GruConfig(steps, b, i, h), x.AsSpan(t0 * b * i, steps * b * i), cut, state.AsSpan((c & 1) * b * h, b * h),
                y.AsSpan(t0 * b * h, steps * b * h), state.AsSpan(((c + 1) & 1) * b * h, b * h), ws.AsSpan(0, wsSize(steps)));
        }
        return (y, state.AsSpan((((Time + Steps - 1) / Steps) & 1) * b * h, b * h).ToArray());
    }

    [Theory]
    [InlineData(1, 5, 8, false)]
    [InlineData(1, 300, 24, true)]
    [InlineData(3, 5, 16, false)]
    [InlineData(3, 300, 16, true)]
    public void Gru_CachedChunks_EqualUncached(int batch, int input, int units, bool resetAfter)
    {
        Gru<float>(batch, input, units, resetAfter);
        Gru<double>(batch, input, units, resetAfter);
    }

    private static void Gru<T>(int batch, int input, int units, bool resetAfter)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int h = units, i = input;
        var gk = RnnTest.Cast<T>(RnnTest.Rand<T>((i + h) * 2 * h, 11, -0.4, 0.4));
        var gb = RnnTest.Cast<T>(RnnTest.Rand<T>(2 * h, 12));
        var ck = RnnTest.Cast<T>(RnnTest.Rand<T>((i + h) * h, 13, -0.4, 0.4));
        var cb = RnnTest.Cast<T>(RnnTest.Rand<T>(h, 14));
        var chb = RnnTest.Cast<T>(RnnTest.Rand<T>(h, 15));
        var x = RnnTest.Cast<T>(RnnTest.Rand<T>(Time * batch * i, 16));
        int[] lengths = batch == 1 ? [Time] : [Time, 14, 0];
        RnnPackCache? cache = null;
        GruWeights<T> Weights() => new()
        {
            GateKernel = gk, GateBias = gb, CandidateInputKernel = ck.AsSpan(0, i * h), CandidateHiddenKernel = ck.AsSpan(i * h), CandidateBias = cb,
            CandidateHiddenBias = resetAfter ? chb : default,
        };
        void Call(GruConfig c, ReadOnlySpan<T> xs, ReadOnlySpan<int> len, ReadOnlySpan<T> h0, Span<T> y, Span<T> hf, Span<T> ws) =>
            GruCore<T>.Forward(c with { ResetAfter = resetAfter, PackCache = cache }, Weights(), xs, len, h0, y, hf, ws, training: false);
        int Size(int steps) => GruKernel.WorkspaceSize(new GruConfig(steps, batch, i, h) { ResetAfter = resetAfter }, training: false);
        CachedEqualsUncached<T>(
            c =>
            {
                cache = c;
                var (y, hf) = ChunkedH<T>(batch, i, h, Size, Call, x, lengths);
                return [y, hf];
            },
            () =>
            {
                for (int k = 0; k < ck.Length; k++) ck[k] = -ck[k];
                for (int k = 0; k < gk.Length; k++) gk[k] = gk[k] * T.CreateTruncating(0.5);
            },
            recurrent: batch > 1, fused: batch == 1 && resetAfter && typeof(T) == typeof(float) && FusedStep.IsSupported<float>());
    }

    [Theory]
    [InlineData(1, 5, 8, RnnActivation.Tanh)]
    [InlineData(1, 300, 24, RnnActivation.Relu)]
    [InlineData(3, 5, 16, RnnActivation.Tanh)]
    [InlineData(3, 300, 16, RnnActivation.Tanh)]
    public void SimpleRnn_CachedChunks_EqualUncached(int batch, int input, int units, RnnActivation activation)
    {
        SimpleRnn<float>(batch, input, units, activation);
        SimpleRnn<double>(batch, input, units, activation);
    }

    private static void SimpleRnn<T>(int batch, int input, int units, RnnActivation activation)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int h = units, i = input;
        var kernel = RnnTest.Cast<T>(RnnTest.Rand<T>((i + h) * h, 21, -0.4, 0.4));
        var bias = RnnTest.Cast<T>(RnnTest.Rand<T>(h, 22));
        var x = RnnTest.Cast<T>(RnnTest.Rand<T>(Time * batch * i, 23));
        int[] lengths = batch == 1 ? [Time] : [Time, 14, 0];
        RnnPackCache? cache = null;
        void Call(GruConfig c, ReadOnlySpan<T> xs, ReadOnlySpan<int> len, ReadOnlySpan<T> h0, Span<T> y, Span<T> hf, Span<T> ws) =>
            SimpleRnnCore<T>.Forward(new SimpleRnnConfig(c.Time, c.Batch, c.InputSize, c.Units, activation) { PackCache = cache }, kernel, bias, xs, len, h0, y, hf, ws, training: false);
        int Size(int steps) => SimpleRnnKernel.WorkspaceSize(new SimpleRnnConfig(steps, batch, i, h, activation), training: false);
        CachedEqualsUncached<T>(
            c =>
            {
                cache = c;
                var (y, hf) = ChunkedH<T>(batch, i, h, Size, Call, x, lengths);
                return [y, hf];
            },
            () =>
            {
                for (int k = 0; k < kernel.Length; k++) kernel[k] = -kernel[k];
            },
            recurrent: batch > 1, fused: batch == 1 && typeof(T) == typeof(float) && FusedStep.IsSupported<float>());
    }
}
