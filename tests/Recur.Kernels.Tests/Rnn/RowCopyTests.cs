using System.Numerics;
using Recur.Kernels.Rnn;

namespace Recur.Kernels.Tests.Rnn;

/// <summary>
/// The gathers and scatters of x and dx through the length schedule, split between two threads when large
/// (<see cref="RnnMath.GatherRows"/>, <see cref="RnnMath.ScatterRows"/>): the same rows as the one-thread copy.
/// </summary>
[Collection(nameof(GemmCollection))]
public sealed class RowCopyTests
{
    /// <summary>
    /// Unsorted ragged lengths (zeros included) and all-full ones, time- and batch-major, a packed stride wider than the
    /// rows (the LSTM's [x | h] rows) and a window of steps: bitwise the one-thread copy, with the rows it does not own
    /// untouched (sentinels) and the padding rows of a scatter zeroed; the parallel path ran (its per-thread count).
    /// </summary>
    [Theory]
    [InlineData(false, 0, 0, -1, true)]
    [InlineData(true, 0, 0, -1, true)]
    [InlineData(false, 5, 0, -1, true)]
    [InlineData(true, 3, 7, 31, true)]
    [InlineData(false, 0, 10, 40, false)]
    public void GatherRowsAndScatterRows_OnTwoThreads_EqualTheOneThreadCopy(bool batchMajor, int extraStride, int t0, int t1, bool ragged)
    {
        Check<float>(batchMajor, extraStride, t0, t1, ragged);
        Check<double>(batchMajor, extraStride, t0, t1, ragged);
    }

    private static void Check<T>(bool batchMajor, int extraStride, int t0, int t1, bool ragged)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int time = 50, batch = 12, width = 37;
        int stride = width + extraStride;
        int[] lengths = ragged ? [50, 3, 0, 41, 50, 17, 29, 8, 50, 33, 1, 44] : [];
        var ws = new T[RnnSchedule.Slots(time, batch)];
        var s = RnnSchedule.Build<T>(time, batch, lengths, ws);
        int end = t1 < 0 ? time : t1, n = s.Offset[end] - s.Offset[t0];
        T[] x = Data.Uniform<T>(time * batch * width, seed: 5 + t0);
        T sentinel = T.CreateTruncating(-77.0);
        int savedMin = RnnMath.ParallelCopyMinBytes, savedThreads = Gemm.MaxThreads;
        try
        {
            Gemm.MaxThreads = 2;
            T[] serial = Filled(n * stride, sentinel), parallel = Filled(n * stride, sentinel);
            RnnMath.Gather(s, x, width, batchMajor, serial, stride, t0, t1);
            RnnMath.ParallelCopyMinBytes = 1;
            long before = RnnMath.ParallelCopiesOnThisThread;
            RnnMath.GatherRows(s, x, width, batchMajor, parallel, stride, t0, t1);
            Assert.Equal(before + 1, RnnMath.ParallelCopiesOnThisThread);
            Assert.Equal(serial, parallel);

            T[] back = Filled(x.Length, sentinel), backParallel = Filled(x.Length, sentinel);
            RnnMath.Scatter(s, serial, width, batchMajor, back, stride, t0, t1);
            RnnMath.ScatterRows(s, serial, width, batchMajor, backParallel, stride, t0, t1);
            Assert.Equal(before + 2, RnnMath.ParallelCopiesOnThisThread);
            Assert.Equal(back, backParallel);

            // The scatter puts every gathered row back where it came from, zeroes the window's padding rows and
            // leaves the other steps alone.
            for (int t = 0; t < time; t++)
            {
                for (int b = 0; b < batch; b++)
                {
                    int row = batchMajor ? (b * time) + t : (t * batch) + b;
                    bool inWindow = t >= t0 && t < end, active = lengths.Length == 0 || lengths[b] > t;
                    T expected = !inWindow ? sentinel : active ? x[row * width] : T.Zero;
                    Assert.Equal(expected, backParallel[row * width]);
                }
            }

            RnnMath.ParallelCopyMinBytes = int.MaxValue;
            RnnMath.GatherRows(s, x, width, batchMajor, parallel, stride, t0, t1);
            Assert.Equal(before + 2, RnnMath.ParallelCopiesOnThisThread);
        }
        finally
        {
            RnnMath.ParallelCopyMinBytes = savedMin;
            Gemm.MaxThreads = savedThreads;
        }
    }

    private static T[] Filled<T>(int length, T value)
    {
        var a = new T[length];
        Array.Fill(a, value);
        return a;
    }
}
