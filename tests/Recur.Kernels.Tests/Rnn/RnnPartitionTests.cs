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
}
