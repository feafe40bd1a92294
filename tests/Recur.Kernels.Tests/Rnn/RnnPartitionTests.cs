using Recur.Kernels.Rnn;

namespace Recur.Kernels.Tests.Rnn;

[Collection(nameof(GemmCollection))]
public sealed class RnnPartitionTests
{
    private static (int Parts, int[] Bounds, int[] Tokens) Split(int time, int[] lengths, int batch, int threads, int minRows)
    {
        int saved = RnnSettings.MinRowsPerThread;
        RnnSettings.MinRowsPerThread = minRows;
        try
        {
            var ws = new int[RnnSchedule.Slots(time, batch)];
            var s = RnnSchedule.Build<int>(time, batch, lengths, ws);
            var bounds = new int[RnnPartition.MaxParts + 1];
            int parts = RnnPartition.Split(s, threads, bounds);
            var tokens = new int[parts];
            for (int t = 0; t < time; t++)
            {
                for (int p = 0; p < parts; p++)
                {
                    tokens[p] += Math.Max(0, Math.Min(s.Active[t], bounds[p + 1]) - bounds[p]);
                }
            }

            return (parts, bounds[..(parts + 1)], tokens);
        }
        finally
        {
            RnnSettings.MinRowsPerThread = saved;
        }
    }

    /// <summary>
    /// One row part on two threads: small per-step products stay on the loop's thread (packed weights, no dispatch per
    /// step), large ones split between the threads; row parts always run their own products.
    /// </summary>
    [Fact]
    public void SerialSteps_SmallProductsOfOnePart_StayOnOneThread()
    {
        int saved = Gemm.MaxThreads;
        try
        {
            Gemm.MaxThreads = 2;
            Assert.True(RnnSettings.SerialSteps(1, 4, 128L * 512));      // B = 4, H = 128 LSTM: 0.5 MFLOP a step
            Assert.True(RnnSettings.SerialSteps(1, 8, 256L * 1024));     // B = 8, H = 256: 4.2 MFLOP
            Assert.False(RnnSettings.SerialSteps(1, 8, 512L * 2048));    // B = 8, H = 512: 16.8 MFLOP, split
            Assert.False(RnnSettings.SerialSteps(2, 4, 128L * 512));     // row parts: their products are already serial
            Gemm.MaxThreads = 1;
            Assert.True(RnnSettings.SerialSteps(1, 8, 512L * 2048));
        }
        finally
        {
            Gemm.MaxThreads = saved;
        }
    }

    /// <summary>A small-batch LSTM training step on two threads (serial steps, split weight gradients) equals one thread's, bit for bit.</summary>
    [Theory]
    [InlineData(4, 16, false)]
    [InlineData(6, 24, true)]
    public void SerialSteps_TwoThreads_EqualOneThread(int batch, int units, bool lengths)
    {
        const int T = 9, I = 7;
        var rng = new Random(5);
        float[] R(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        var cfg = new LstmConfig(T, batch, I, units);
        float[] kernel = R((I + units) * 4 * units), bias = R(4 * units), x = R(T * batch * I), dy = R(T * batch * units);
        int[] lens = lengths ? Enumerable.Range(0, batch).Select(r => 2 + r).ToArray() : [];
        float[][] Step(int threads)
        {
            int saved = Gemm.MaxThreads;
            Gemm.MaxThreads = threads;
            try
            {
                float[] y = new float[T * batch * units], ws = new float[LstmKernel.WorkspaceSize(cfg, true)], dx = new float[x.Length];
                float[] dk = new float[kernel.Length], db = new float[bias.Length];
                var w = new LstmWeights<float> { Kernel = kernel, Bias = bias };
                LstmKernel.Forward(cfg, w, x, lens, default, default, y, default, default, ws, true);
                LstmKernel.Backward(cfg, w, x, lens, dy, default, default, ws, dx, default, default, new LstmGradients<float> { Kernel = dk, Bias = db });
                return [y, dx, dk, db];
            }
            finally
            {
                Gemm.MaxThreads = saved;
            }
        }

        var one = Step(1);
        var two = Step(2);
        for (int k = 0; k < one.Length; k++) Assert.Equal(one[k], two[k]);
        Assert.Contains(one[2], v => v != 0f);
    }

    [Fact]
    public void Split_EqualLengths_GivesEqualHalves()
    {
        var (parts, bounds, tokens) = Split(100, [], 64, 2, 8);
        Assert.Equal(2, parts);
        Assert.Equal([0, 32, 64], bounds);
        Assert.Equal([3200, 3200], tokens);
    }

    [Fact]
    public void Split_SortedLengths_BalancesRealTokens()
    {
        int[] lengths = [9, 1, 4, 9, 0, 7, 2, 9, 3, 5, 6, 8];
        var (parts, bounds, tokens) = Split(9, lengths, lengths.Length, 2, 1);
        Assert.Equal(2, parts);
        Assert.Equal(0, bounds[0]);
        Assert.Equal(lengths.Length, bounds[2]);
        Assert.InRange(bounds[1], 1, lengths.Length - 1);
        Assert.Equal(lengths.Sum(), tokens.Sum());
        Assert.True(Math.Abs(tokens[0] - tokens[1]) <= 9, $"tokens {tokens[0]} and {tokens[1]} differ by more than one row");
    }

    [Theory]
    [InlineData(15, 2, 8)] // fewer than two parts' worth of rows
    [InlineData(64, 1, 8)] // one thread
    public void Split_SmallBatchOrOneThread_IsOnePart(int batch, int threads, int minRows)
    {
        var (parts, bounds, _) = Split(10, [], batch, threads, minRows);
        Assert.Equal(1, parts);
        Assert.Equal([0, batch], bounds);
    }

    [Fact]
    public void Split_NoTokens_IsOnePart()
    {
        var (parts, _, _) = Split(5, [0, 0, 0, 0], 4, 2, 1);
        Assert.Equal(1, parts);
    }

    [Fact]
    public void Split_ManyThreads_EveryPartHasRows()
    {
        var (parts, bounds, tokens) = Split(20, [20, 20, 20, 1, 1, 1, 1, 1], 8, 4, 1);
        Assert.Equal(4, parts);
        for (int p = 0; p < parts; p++)
        {
            Assert.True(bounds[p + 1] > bounds[p], $"part {p} is empty");
        }

        Assert.Equal(65, tokens.Sum());
    }

    [Theory]
    [InlineData(256, 2, new[] { 0, 128, 256 })]
    [InlineData(48, 3, new[] { 0, 16, 32, 48 })]
    [InlineData(80, 2, new[] { 0, 32, 80 })]
    [InlineData(64, 16, new[] { 0, 16, 32, 48, 64 })]
    public void UnitSplit_CutsWholeGranules(int units, int threads, int[] expected)
    {
        var bounds = new int[RnnPartition.MaxParts + 1];
        int parts = RnnUnitSplit.Split(units, threads, bounds);
        Assert.Equal(expected, bounds[..(parts + 1)]);
    }

    [Theory]
    [InlineData(16, 2)] // one granule
    [InlineData(40, 2)] // not a multiple of 16: the parts' panels would not line up
    [InlineData(256, 1)]
    public void UnitSplit_TooFewGranulesOrOneThread_IsOnePart(int units, int threads)
    {
        var bounds = new int[RnnPartition.MaxParts + 1];
        Assert.Equal(1, RnnUnitSplit.Split(units, threads, bounds));
        Assert.Equal(units, bounds[1]);
    }

    [Theory]
    [InlineData(-1, 8, 2, true)] // the row split would leave a thread idle (8 < 2 × 8 rows)
    [InlineData(-1, 15, 2, true)]
    [InlineData(-1, 16, 2, false)] // two row parts of 8: the row split
    [InlineData(-1, 24, 4, true)] // 24 < 4 × 8
    [InlineData(-1, 4, 1, false)] // one thread
    [InlineData(0, 4, 2, false)] // off
    [InlineData(32, 32, 2, true)] // up to a fixed batch
    [InlineData(32, 33, 2, false)]
    public void UseUnitSplit_FollowsTheSetting(int maxRows, int batch, int threads, bool expected)
    {
        int saved = RnnSettings.UnitSplitMaxRows, savedRows = RnnSettings.MinRowsPerThread;
        try
        {
            RnnSettings.UnitSplitMaxRows = maxRows;
            RnnSettings.MinRowsPerThread = 8;
            Assert.Equal(expected, RnnSettings.UseUnitSplit(batch, threads));
        }
        finally
        {
            RnnSettings.UnitSplitMaxRows = saved;
            RnnSettings.MinRowsPerThread = savedRows;
        }
    }

    [Fact]
    public void SpinBarrier_HoldsEachPartUntilAllArrive()
    {
        var barrier = new SpinBarrier();
        barrier.Reset(2);
        int stepsA = 0, stepsB = 0, maxLead = 0;
        var other = new Thread(() =>
        {
            for (int i = 0; i < 2000; i++)
            {
                Interlocked.Increment(ref stepsB);
                barrier.SignalAndWait();
            }
        });
        other.Start();
        for (int i = 0; i < 2000; i++)
        {
            Interlocked.Increment(ref stepsA);
            barrier.SignalAndWait();

            // Past the barrier both parts have finished step i: neither can be more than one step ahead.
            maxLead = Math.Max(maxLead, Math.Abs(Volatile.Read(ref stepsA) - Volatile.Read(ref stepsB)));
        }

        other.Join();
        Assert.Equal(2000, stepsB);
        Assert.True(maxLead <= 1, $"a part ran {maxLead} steps ahead of the other");
    }

    [Fact]
    public void SpinBarrier_Abort_ReleasesTheWaitingPart()
    {
        var barrier = new SpinBarrier();
        barrier.Reset(2);
        Exception? seen = null;
        var waiter = new Thread(() =>
        {
            try
            {
                barrier.SignalAndWait();
            }
            catch (Exception e)
            {
                seen = e;
            }
        });
        waiter.Start();
        Thread.Sleep(20);
        barrier.Abort();
        Assert.True(waiter.Join(TimeSpan.FromSeconds(10)), "the waiting part was not released");
        Assert.IsType<OperationCanceledException>(seen);
        Assert.Contains("another part", seen!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SpinBarrier_OneParticipant_NeverWaits()
    {
        var barrier = new SpinBarrier();
        barrier.Reset(1);
        for (int i = 0; i < 100; i++)
        {
            barrier.SignalAndWait();
        }
    }
}
