using System.Numerics;
using Recur.Kernels.Rnn;

namespace Recur.Kernels.Tests.Rnn;

/// <summary>
/// The input projection in chunks inside a one-thread inference loop (<see cref="RnnSettings.InputChunkBytes"/>,
/// <see cref="RnnMath.InputChunkSteps"/>; ADR 0010, fifteenth part): the LSTM and both GRUs give what one input GEMM
/// before the loop gives, to float rounding — chunks of 1, 3 and 5 steps (the last one short), time-major and
/// batch-major, every row T steps and lengths with a 0, a 1 and rows ending inside chunks (the last steps run one
/// row, the fused one-row step), float and double, initial states given — and the chunked path did run; and on two
/// row-split parts, on the pool and one after the other on the calling thread. The GRUs'
/// prefetch of G rows, where G is computed before the loop, leaves the results' bits alone.
/// </summary>
[Collection(nameof(GemmCollection))]
public class InputChunkTests
{
    private const int Time = 23, Batch = 5, Input = 9, Units = 7;

    public static TheoryData<int, bool, string> Cases => new()
    {
        { 1, false, "" },
        { 3, true, "" },
        { 3, false, "23,0,7,15,1" },
        { 5, true, "4,23,1,0,11" },
    };

    private static T[] Rand<T>(Random rng, int n)
        where T : IFloatingPointIeee754<T> =>
        Enumerable.Range(0, n).Select(_ => T.CreateTruncating((rng.NextDouble() - 0.5) * 1.6)).ToArray();

    /// <summary>
    /// Runs <paramref name="run"/> with chunks of <paramref name="steps"/> steps (0: chunks off), on one thread, or on
    /// <paramref name="threads"/> row-split parts of ≤ <see cref="PartRows"/> rows (one row a part allowed, no unit
    /// split); also returns how many chunk products ran on the calling thread.
    /// </summary>
    private static (TResult Result, long Chunks) With<T, TResult>(int steps, int width, Func<TResult> run, int threads = 1)
        where T : unmanaged
    {
        int savedThreads = Gemm.MaxThreads, savedBytes = RnnSettings.InputChunkBytes, savedSteps = RnnSettings.InputChunkMinSteps, savedMin = RnnSettings.InputChunkMinBytes;
        int savedRows = RnnSettings.MinRowsPerThread, savedUnit = RnnSettings.UnitSplitMaxRows;
        Gemm.MaxThreads = threads;
        RnnSettings.MinRowsPerThread = 1;
        RnnSettings.UnitSplitMaxRows = 0;
        RnnSettings.InputChunkBytes = steps * (threads > 1 ? PartRows : Batch) * width * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        RnnSettings.InputChunkMinSteps = 1;
        RnnSettings.InputChunkMinBytes = 0;
        try
        {
            long before = RnnMath.InputChunksOnThisThread;
            TResult result = run();
            return (result, RnnMath.InputChunksOnThisThread - before);
        }
        finally
        {
            Gemm.MaxThreads = savedThreads;
            RnnSettings.MinRowsPerThread = savedRows;
            RnnSettings.UnitSplitMaxRows = savedUnit;
            RnnSettings.InputChunkBytes = savedBytes;
            RnnSettings.InputChunkMinSteps = savedSteps;
            RnnSettings.InputChunkMinBytes = savedMin;
        }
    }

    /// <summary>The larger part of the 5 rows on two threads (balanced by tokens, every row T steps: 3 + 2).</summary>
    private const int PartRows = 3;

    private static void Equal<T>(IReadOnlyList<T[]> whole, IReadOnlyList<T[]> chunked)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double tol = typeof(T) == typeof(double) ? 1e-13 : 2e-6;
        for (int a = 0; a < whole.Count; a++)
        {
            Assert.Equal(whole[a].Length, chunked[a].Length);
            for (int i = 0; i < whole[a].Length; i++)
            {
                double e = double.CreateTruncating(whole[a][i]), v = double.CreateTruncating(chunked[a][i]);
                Assert.True(Math.Abs(e - v) <= tol * Math.Max(1, Math.Abs(e)), $"result {a}[{i}]: whole {e}, chunked {v}");
            }
        }
    }

    private static int[] Lengths(string spec) => spec.Length == 0 ? [] : spec.Split(',').Select(int.Parse).ToArray();

    private static void Lstm<T>(int steps, bool batchMajor, string lengths)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Random(steps * 10 + (batchMajor ? 1 : 0));
        var cfg = new LstmConfig(Time, Batch, Input, Units) { BatchMajor = batchMajor };
        T[] kernel = Rand<T>(rng, (Input + Units) * 4 * Units), bias = Rand<T>(rng, 4 * Units), x = Rand<T>(rng, Time * Batch * Input);
        T[] c0 = Rand<T>(rng, Batch * Units), h0 = Rand<T>(rng, Batch * Units);
        int[] lens = Lengths(lengths);
        List<T[]> Run()
        {
            T[] y = new T[Time * Batch * Units], cF = new T[Batch * Units], hF = new T[Batch * Units], ws = new T[LstmKernel.WorkspaceSize(cfg, training: false)];
            LstmCore<T>.Forward(cfg, new LstmWeights<T> { Kernel = kernel, Bias = bias }, x, lens, c0, h0, y, cF, hF, ws, training: false);
            return [y, cF, hF];
        }

        var (whole, none) = With<T, List<T[]>>(0, 4 * Units, Run);
        var (chunked, chunks) = With<T, List<T[]>>(steps, 4 * Units, Run);
        Assert.Equal(0, none);
        Assert.Equal((Time + steps - 1) / steps, chunks);
        Equal(whole, chunked);
    }

    private static void Gru<T>(int steps, bool batchMajor, string lengths, bool resetAfter)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Random(steps * 10 + (batchMajor ? 1 : 0) + (resetAfter ? 5 : 0));
        var cfg = new GruConfig(Time, Batch, Input, Units) { BatchMajor = batchMajor, ResetAfter = resetAfter };
        T[] gk = Rand<T>(rng, (Input + Units) * 2 * Units), gb = Rand<T>(rng, 2 * Units), cx = Rand<T>(rng, Input * Units), ch = Rand<T>(rng, Units * Units);
        T[] cb = Rand<T>(rng, Units), chb = Rand<T>(rng, resetAfter ? Units : 0), x = Rand<T>(rng, Time * Batch * Input), h0 = Rand<T>(rng, Batch * Units);
        int[] lens = Lengths(lengths);
        List<T[]> Run()
        {
            T[] y = new T[Time * Batch * Units], hF = new T[Batch * Units], ws = new T[GruKernel.WorkspaceSize(cfg, training: false)];
            var w = new GruWeights<T> { GateKernel = gk, GateBias = gb, CandidateInputKernel = cx, CandidateHiddenKernel = ch, CandidateBias = cb, CandidateHiddenBias = chb };
            GruCore<T>.Forward(cfg, w, x, lens, h0, y, hF, ws, training: false);
            return [y, hF];
        }

        var (whole, none) = With<T, List<T[]>>(0, 3 * Units, Run);
        var (chunked, chunks) = With<T, List<T[]>>(steps, 3 * Units, Run);
        Assert.Equal(0, none);
        Assert.Equal(2 * ((Time + steps - 1) / steps), chunks);   // Wgx's and Wcx's products, each chunk
        Equal(whole, chunked);
    }

    /// <summary>
    /// Two row-split parts, each running its own chunks on x gathered part by part (every row T steps), on the pool and,
    /// with the pool held, one part after the other on the calling thread (where every chunk product is counted).
    /// </summary>
    [Theory]
    [InlineData(2, false)]
    [InlineData(3, true)]
    [InlineData(5, false)]
    public void ChunksOnTwoPartsGiveTheWholeGemmsResults(int steps, bool batchMajor)
    {
        int chunks = (Time + steps - 1) / steps;
        var rng = new Random(steps);
        var lcfg = new LstmConfig(Time, Batch, Input, Units) { BatchMajor = batchMajor };
        float[] kernel = Rand<float>(rng, (Input + Units) * 4 * Units), bias = Rand<float>(rng, 4 * Units), x = Rand<float>(rng, Time * Batch * Input);
        float[] c0 = Rand<float>(rng, Batch * Units), h0 = Rand<float>(rng, Batch * Units);
        List<float[]> Lstm()
        {
            float[] y = new float[Time * Batch * Units], cF = new float[Batch * Units], hF = new float[Batch * Units], ws = new float[LstmKernel.WorkspaceSize(lcfg, training: false)];
            LstmCore<float>.Forward(lcfg, new LstmWeights<float> { Kernel = kernel, Bias = bias }, x, [], c0, h0, y, cF, hF, ws, training: false);
            return [y, cF, hF];
        }

        var whole = With<float, List<float[]>>(0, 4 * Units, Lstm, threads: 2).Result;
        Equal(whole, With<float, List<float[]>>(steps, 4 * Units, Lstm, threads: 2).Result);
        var (held, heldChunks) = With<float, List<float[]>>(steps, 4 * Units, () => RnnThreads.WithPoolHeld(Lstm), threads: 2);
        Equal(whole, held);
        Assert.Equal(2 * chunks, heldChunks);

        foreach (bool after in new[] { false, true })
        {
            var gcfg = new GruConfig(Time, Batch, Input, Units) { BatchMajor = batchMajor, ResetAfter = after };
            float[] gk = Rand<float>(rng, (Input + Units) * 2 * Units), gb = Rand<float>(rng, 2 * Units), cx = Rand<float>(rng, Input * Units), ch = Rand<float>(rng, Units * Units);
            float[] cb = Rand<float>(rng, Units), chb = Rand<float>(rng, after ? Units : 0);
            List<float[]> Gru()
            {
                float[] y = new float[Time * Batch * Units], hF = new float[Batch * Units], ws = new float[GruKernel.WorkspaceSize(gcfg, training: false)];
                var w = new GruWeights<float> { GateKernel = gk, GateBias = gb, CandidateInputKernel = cx, CandidateHiddenKernel = ch, CandidateBias = cb, CandidateHiddenBias = chb };
                GruCore<float>.Forward(gcfg, w, x, [], h0, y, hF, ws, training: false);
                return [y, hF];
            }

            var gWhole = With<float, List<float[]>>(0, 3 * Units, Gru, threads: 2).Result;
            Equal(gWhole, With<float, List<float[]>>(steps, 3 * Units, Gru, threads: 2).Result);
            var (gHeld, gChunks) = With<float, List<float[]>>(steps, 3 * Units, () => RnnThreads.WithPoolHeld(Gru), threads: 2);
            Equal(gWhole, gHeld);
            Assert.Equal(2 * 2 * chunks, gChunks);   // two parts, Wgx's and Wcx's products
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void LstmChunksGiveTheWholeGemmsResults(int steps, bool batchMajor, string lengths)
    {
        Lstm<float>(steps, batchMajor, lengths);
        Lstm<double>(steps, batchMajor, lengths);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void GruChunksGiveTheWholeGemmsResults(int steps, bool batchMajor, string lengths)
    {
        Gru<float>(steps, batchMajor, lengths, resetAfter: false);
        Gru<double>(steps, batchMajor, lengths, resetAfter: false);
        Gru<float>(steps, batchMajor, lengths, resetAfter: true);
        Gru<double>(steps, batchMajor, lengths, resetAfter: true);
    }

    /// <summary>The GRUs' prefetch of the next row's G row (<see cref="RnnSettings.PrefetchGateRows"/>) is a hint: the same bits with it on and off.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void GruPrefetchOfGRowsLeavesTheBitsAlone(bool resetAfter)
    {
        var rng = new Random(resetAfter ? 7 : 3);
        var cfg = new GruConfig(Time, Batch, Input, Units) { BatchMajor = true, ResetAfter = resetAfter };
        float[] gk = Rand<float>(rng, (Input + Units) * 2 * Units), gb = Rand<float>(rng, 2 * Units), cx = Rand<float>(rng, Input * Units), ch = Rand<float>(rng, Units * Units);
        float[] cb = Rand<float>(rng, Units), chb = Rand<float>(rng, resetAfter ? Units : 0), x = Rand<float>(rng, Time * Batch * Input), h0 = Rand<float>(rng, Batch * Units);
        float[] Run(bool prefetch)
        {
            bool saved = RnnSettings.PrefetchGateRows;
            RnnSettings.PrefetchGateRows = prefetch;
            try
            {
                float[] y = new float[Time * Batch * Units], hF = new float[Batch * Units], ws = new float[GruKernel.WorkspaceSize(cfg, training: false)];
                var w = new GruWeights<float> { GateKernel = gk, GateBias = gb, CandidateInputKernel = cx, CandidateHiddenKernel = ch, CandidateBias = cb, CandidateHiddenBias = chb };
                GruCore<float>.Forward(cfg, w, x, [], h0, y, hF, ws, training: false);
                return [.. y, .. hF];
            }
            finally
            {
                RnnSettings.PrefetchGateRows = saved;
            }
        }

        float[] off = Run(false), on = Run(true);
        Assert.Equal(off, on);
        Assert.Contains(off, v => v != 0);
    }

    /// <summary>
    /// Where chunks would not pay or cannot run: training, windows, the unit split, lengths on several parts, one part
    /// on several threads, a small G, too few steps a chunk.
    /// </summary>
    [Fact]
    public void ChunksRunOnlyInInferenceOnALargeG()
    {
        int savedThreads = Gemm.MaxThreads;
        try
        {
            var s = RnnSchedule.Build(100, 16, ReadOnlySpan<int>.Empty, new float[RnnSchedule.IntCount(100, 16)]);
            long g = 100L * 16 * 1024;
            Gemm.MaxThreads = 1;
            Assert.Equal(4, RnnMath.InputChunkSteps<float>(s, 1024, 128, g, training: false, windowed: false, parts: 1, partRows: 16, unitSplit: false));   // 256 KiB / 64 KiB a step
            Assert.Equal(0, RnnMath.InputChunkSteps<float>(s, 1024, 128, g, training: true, windowed: false, parts: 1, partRows: 16, unitSplit: false));
            Assert.Equal(0, RnnMath.InputChunkSteps<float>(s, 1024, 128, g, training: false, windowed: true, parts: 1, partRows: 16, unitSplit: false));
            Assert.Equal(8, RnnMath.InputChunkSteps<float>(s, 1024, 128, g, training: false, windowed: false, parts: 2, partRows: 8, unitSplit: false));   // 32 KiB a part's step
            Assert.Equal(0, RnnMath.InputChunkSteps<float>(s, 1024, 128, g, training: false, windowed: false, parts: 2, partRows: 8, unitSplit: true));
            var ragged = RnnSchedule.Build(100, 16, Enumerable.Range(0, 16).Select(k => 100 - k).ToArray(), new float[RnnSchedule.IntCount(100, 16)]);
            Assert.Equal(0, RnnMath.InputChunkSteps<float>(ragged, 1024, 128, g, training: false, windowed: false, parts: 2, partRows: 8, unitSplit: false));   // lengths: one part only
            Assert.Equal(0, RnnMath.InputChunkSteps<float>(s, 64, 128, 100L * 16 * 64, training: false, windowed: false, parts: 1, partRows: 16, unitSplit: false));   // G 400 KiB
            Assert.Equal(0, RnnMath.InputChunkSteps<float>(s, 2048, 512, 100L * 16 * 2048, training: false, windowed: false, parts: 1, partRows: 16, unitSplit: false));   // 2 steps a chunk
            Gemm.MaxThreads = 2;
            Assert.Equal(0, RnnMath.InputChunkSteps<float>(s, 1024, 128, g, training: false, windowed: false, parts: 1, partRows: 16, unitSplit: false));
        }
        finally
        {
            Gemm.MaxThreads = savedThreads;
        }
    }
}
