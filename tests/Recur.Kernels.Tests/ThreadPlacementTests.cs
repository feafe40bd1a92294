using Recur.Kernels.Blas;
using Xunit;

namespace Recur.Kernels.Tests;

/// <summary>
/// The pool worker's move off its caller's CPU (<see cref="ThreadPlacement"/>, ADR 0002): it leaves the CPU at once and
/// gives the thread back the affinity mask it had; where it cannot move, it says so and changes nothing.
/// </summary>
[Collection(nameof(GemmCollection))]
public class ThreadPlacementTests
{
    [Fact]
    public void MoveOff_LeavesTheCpu_AndRestoresTheMask()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.False(ThreadPlacement.MoveOff(0));
            return;
        }

        // Run on a dedicated thread: the test changes (and restores) the calling thread's affinity.
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                var before = new ulong[ThreadPlacement.AffinityWords];
                Assert.True(ThreadPlacement.TryGetAffinity(before));
                int allowed = before.Sum(w => System.Numerics.BitOperations.PopCount(w));
                int cpu = ThreadPlacement.CurrentCpu();
                Assert.True(cpu >= 0, "sched_getcpu");
                bool moved = ThreadPlacement.MoveOff(cpu);
                int after = ThreadPlacement.CurrentCpu();
                var mask = new ulong[ThreadPlacement.AffinityWords];
                Assert.True(ThreadPlacement.TryGetAffinity(mask));
                Assert.Equal(before, mask);
                if (allowed >= 2 && ThreadPlacement.CanSetAffinity())
                {
                    Assert.True(moved, $"{allowed} CPUs allowed, but the thread did not move off CPU {cpu}");
                    Assert.NotEqual(cpu, after);
                }
                else if (allowed < 2)
                {
                    Assert.False(moved);
                }
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        Assert.Null(failure);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1 << 20)]
    public void MoveOff_CpuOutsideTheMask_DoesNothing(int cpu)
    {
        var before = new ulong[ThreadPlacement.AffinityWords];
        bool readable = ThreadPlacement.TryGetAffinity(before);
        Assert.False(ThreadPlacement.MoveOff(cpu));
        if (readable)
        {
            var mask = new ulong[ThreadPlacement.AffinityWords];
            Assert.True(ThreadPlacement.TryGetAffinity(mask));
            Assert.Equal(before, mask);
        }
    }

    [Fact]
    public void MoveOff_Disabled_DoesNothing()
    {
        bool saved = ThreadPlacement.Enabled;
        try
        {
            ThreadPlacement.Enabled = false;
            Assert.False(ThreadPlacement.MoveOff(Math.Max(0, ThreadPlacement.CurrentCpu())));
        }
        finally
        {
            ThreadPlacement.Enabled = saved;
        }
    }
}
