using System.Diagnostics;
using Recur.Kernels.Blas;

namespace Recur.Kernels.Rnn;

/// <summary>
/// The unit-parallel split of a fused RNN kernel's forward time loop (oneDNN's and DeepCPU's split of the
/// recurrent weights by output columns): each thread owns a contiguous range of hidden units, with every gate's
/// columns for those units packed into its own panels, and computes all active rows for them each step. It keeps
/// every thread busy at batches too small for the row split (<see cref="RnnPartition"/>, which wants
/// <see cref="RnnSettings.MinRowsPerThread"/> rows a part) and halves the weights each core streams a step, at the
/// price of a barrier per step (two for the reset-before GRU, whose candidate product needs all of r ⊙ h): every
/// part needs all of h_{t−1}. h alternates between two buffers so that one barrier a step suffices for the LSTM.
/// </summary>
internal static class RnnUnitSplit
{
    /// <summary>Units per part are a multiple of this (the AVX2 tile's panel width), so each part's gate ranges pack into whole panels.</summary>
    public const int Granule = 16;

    /// <summary>
    /// The number of unit-split parts for a forward loop over <paramref name="s"/> with <paramref name="units"/> units on
    /// <see cref="Gemm.MaxThreads"/> threads, bounds in <paramref name="bounds"/>; 0 when the loop should not split its
    /// units (<see cref="RnnSettings.UseUnitSplit"/> declines the batch, no step has two rows to start with, or the
    /// units do not make two parts). The cells add their own conditions (float, the AVX2 tile, no peepholes, …).
    /// <paramref name="oneRow"/>: the cell runs a batch of one on weight slices of its fused one-row step (the LSTM).
    /// </summary>
    public static int Choose(in RnnSchedule s, int units, Span<int> bounds, bool oneRow = false)
    {
        // One row (batch 1) splits only where the cell's one-row step can run on weight slices and the slices are wide
        // enough to pay for a barrier a step (RnnSettings.OneRowSliceMinUnits).
        int minRows = oneRow && RnnSettings.FusedStep && units >= RnnSettings.OneRowSliceMinUnits ? 1 : 2;
        if (!RnnSettings.UseUnitSplit(s.Batch, Gemm.MaxThreads) || s.Time == 0 || s.Active[0] < minRows)
        {
            return 0;
        }

        int parts = Split(units, Gemm.MaxThreads, bounds);
        return parts < 2 ? 0 : parts;
    }

    /// <summary>The parts [p0, p1) of <paramref name="bounds"/> (<paramref name="parts"/> + 1 entries) that lie inside units [u0, u1).</summary>
    public static unsafe (int P0, int P1) PartsWithin(int* bounds, int parts, int u0, int u1)
    {
        int p0 = 0;
        while (bounds[p0] < u0)
        {
            p0++;
        }

        int p1 = p0;
        while (p1 < parts && bounds[p1 + 1] <= u1)
        {
            p1++;
        }

        return (p0, p1);
    }

    /// <summary>Copies units [a, a + w) of rows [from, to) from <paramref name="src"/> to <paramref name="dst"/> (both B×H).</summary>
    public static unsafe void CopyRows(float* src, float* dst, int h, int a, int w, int from, int to)
    {
        for (int k = from; k < to; k++)
        {
            new ReadOnlySpan<float>(src + ((long)k * h) + a, w).CopyTo(new Span<float>(dst + ((long)k * h) + a, w));
        }
    }

    /// <summary>
    /// After a unit-split loop: the rows still running at its last step (<paramref name="lastActive"/> of them) keep their
    /// final h, which is in <paramref name="cur"/> (B×H) when the buffers ended swapped, in <paramref name="hState"/>,
    /// for the units of parts [p0, p1).
    /// </summary>
    public static unsafe void KeepFinalState(int* bounds, int p0, int p1, float* cur, float* hState, int h, int lastActive)
    {
        if (cur == hState)
        {
            return;
        }

        for (int p = p0; p < p1; p++)
        {
            CopyRows(cur, hState, h, bounds[p], bounds[p + 1] - bounds[p], 0, lastActive);
        }
    }

    /// <summary>
    /// Writes units [a, a + w) of step <paramref name="t"/>'s outputs: the first <paramref name="active"/> sorted rows
    /// from <paramref name="hNew"/> (B×H), zeros for the rows that have ended.
    /// </summary>
    public static unsafe void WriteOutputs(float* y, bool batchMajor, int time, int batch, int t, ReadOnlySpan<int> perm, float* hNew, int h, int a, int w, int active)
    {
        for (int k = 0; k < batch; k++)
        {
            var row = new Span<float>(y + ((long)RnnMath.SequenceRow(batchMajor, time, batch, t, perm[k]) * h) + a, w);
            if (k < active)
            {
                new ReadOnlySpan<float>(hNew + ((long)k * h) + a, w).CopyTo(row);
            }
            else
            {
                row.Clear();
            }
        }
    }

    /// <summary>
    /// Cuts units [0, <paramref name="units"/>) into at most <paramref name="maxThreads"/> parts of whole
    /// <see cref="Granule"/>s, as equal as they come; returns the number of parts (1: no split).
    /// </summary>
    public static int Split(int units, int maxThreads, Span<int> bounds)
    {
        int granules = units / Granule;
        int parts = Math.Min(Math.Min(maxThreads, RnnPartition.MaxParts), granules);
        bounds[0] = 0;
        bounds[1] = units;
        if (parts < 2 || units % Granule != 0)
        {
            return 1;
        }

        for (int p = 1; p < parts; p++)
        {
            bounds[p] = (int)((long)granules * p / parts) * Granule;
        }

        bounds[parts] = units;
        return parts;
    }
}

/// <summary>
/// A reusable barrier for the parts of one pool dispatch, which all run at once (<see cref="WorkerPool.Run"/>
/// starts every part): waiting parts spin, yielding past a short budget, and never block. A part that fails calls
/// <see cref="Abort"/> so that the others stop waiting instead of hanging the dispatch.
/// </summary>
internal sealed class SpinBarrier
{
    private static readonly long s_spinTicks = Stopwatch.Frequency / 5000; // 200 µs of pure spinning, then yield between checks
    private int _participants = 1;
    private int _remaining = 1;
    private int _phase;
    private int _aborted;

    /// <summary>Prepares for a dispatch of <paramref name="participants"/> parts.</summary>
    public void Reset(int participants)
    {
        _participants = participants;
        _remaining = participants;
        _aborted = 0;
        Volatile.Write(ref _phase, 0);
    }

    /// <summary>Releases the waiting parts of a dispatch in which one part failed; they throw.</summary>
    public void Abort() => Volatile.Write(ref _aborted, 1);

    /// <summary>Returns once every part has arrived (at once with one part).</summary>
    public void SignalAndWait()
    {
        if (_participants == 1)
        {
            return;
        }

        int phase = Volatile.Read(ref _phase);
        if (Interlocked.Decrement(ref _remaining) == 0)
        {
            _remaining = _participants;
            Volatile.Write(ref _phase, phase + 1);
            return;
        }

        long start = Stopwatch.GetTimestamp();
        int n = 0;
        while (Volatile.Read(ref _phase) == phase)
        {
            if (Volatile.Read(ref _aborted) != 0)
            {
                throw new OperationCanceledException("SpinBarrier: another part of the parallel RNN loop failed.");
            }

            if ((++n & 63) != 0 || Stopwatch.GetTimestamp() - start < s_spinTicks)
            {
                Thread.SpinWait(4);
            }
            else
            {
                Thread.Yield();
            }
        }
    }
}
