using System.Runtime.InteropServices;

namespace Recur.Kernels.Rnn;

/// <summary>
/// The order in which a fused RNN kernel visits rows: batch rows sorted by length, longest first (stable),
/// so the rows still running at step t are sorted rows [0, Active[t]) and a step's work shrinks as sequences
/// end. Saved per-step data is packed: step t's active rows are packed rows [Offset[t], Offset[t] + Active[t]),
/// so the all-steps GEMMs after the loop touch only real tokens.
/// </summary>
internal readonly ref struct RnnSchedule
{
    /// <summary>Perm[k] = the batch row that is k-th in length order.</summary>
    public readonly Span<int> Perm;

    /// <summary>Active[t] = the number of rows with length &gt; t.</summary>
    public readonly Span<int> Active;

    /// <summary>Offset[t] = Σ_{s&lt;t} Active[s]; Offset[T] = the number of real tokens.</summary>
    public readonly Span<int> Offset;

    public readonly int Time;
    public readonly int Batch;

    private RnnSchedule(Span<int> ints, int time, int batch)
    {
        Time = time;
        Batch = batch;
        Perm = ints[..batch];
        Active = ints.Slice(batch, time);
        Offset = ints.Slice(batch + time, time + 1);
    }

    /// <summary>Real tokens: Σ_t Active[t].</summary>
    public int Tokens => Offset[Time];

    /// <summary>Every row runs every step; then Perm is the identity and packed rows are the time-major rows.</summary>
    public bool Dense => Tokens == Time * Batch;

    /// <summary>The ints a schedule needs: B + 2T + 1.</summary>
    public static int IntCount(int time, int batch) => batch + (2 * time) + 1;

    /// <summary>Workspace elements (float or double, each at least as wide as an int) that hold the schedule: one per int.</summary>
    public static int Slots(int time, int batch) => IntCount(time, batch);

    /// <summary>Builds the schedule in the first <see cref="Slots"/> elements of <paramref name="workspace"/>.</summary>
    /// <remarks>Lengths are (B), clamped to [0, T]; empty: every row runs T steps. Validated by the caller.</remarks>
    public static RnnSchedule Build<T>(int time, int batch, ReadOnlySpan<int> lengths, Span<T> workspace)
        where T : unmanaged
    {
        Span<int> ints = MemoryMarshal.Cast<T, int>(workspace[..Slots(time, batch)]);
        var s = new RnnSchedule(ints, time, batch);
        for (int k = 0; k < batch; k++)
        {
            s.Perm[k] = k;
        }

        if (!lengths.IsEmpty)
        {
            // Stable insertion sort, longest first: B is small and this runs once per call.
            for (int k = 1; k < batch; k++)
            {
                int row = s.Perm[k];
                int len = Length(lengths, row, time);
                int j = k - 1;
                while (j >= 0 && Length(lengths, s.Perm[j], time) < len)
                {
                    s.Perm[j + 1] = s.Perm[j];
                    j--;
                }

                s.Perm[j + 1] = row;
            }
        }

        int active = batch;
        s.Offset[0] = 0;
        for (int t = 0; t < time; t++)
        {
            while (active > 0 && !lengths.IsEmpty && Length(lengths, s.Perm[active - 1], time) <= t)
            {
                active--;
            }

            s.Active[t] = active;
            s.Offset[t + 1] = s.Offset[t] + active;
        }

        return s;
    }

    /// <summary>The schedule that <see cref="Build"/> left in <paramref name="workspace"/> (read by the parts of a parallel loop).</summary>
    public static RnnSchedule View<T>(int time, int batch, Span<T> workspace)
        where T : unmanaged => new(MemoryMarshal.Cast<T, int>(workspace[..Slots(time, batch)]), time, batch);

    /// <summary>The schedule whose ints (<see cref="IntCount"/> of them, Perm first) start at <paramref name="ints"/> (a parallel job's view of a pinned schedule).</summary>
    public static unsafe RnnSchedule At(int* ints, int time, int batch) => new(new Span<int>(ints, IntCount(time, batch)), time, batch);

    private static int Length(ReadOnlySpan<int> lengths, int row, int time) => Math.Min(lengths[row], time);
}

/// <summary>Argument checks shared by the fused RNN kernels; messages name the kernel and both sizes.</summary>
internal static class RnnCheck
{
    /// <summary>
    /// At one batch row the batch-major (1, T, ·) and time-major (T, 1, ·) layouts are the same memory: the kernels then
    /// run time-major, which reads x and writes y in place (no gather of x, no strided rows).
    /// </summary>
    public static LstmConfig OneRow(in LstmConfig c) => c.Batch == 1 && c.BatchMajor ? c with { BatchMajor = false } : c;

    /// <inheritdoc cref="OneRow(in LstmConfig)"/>
    public static GruConfig OneRow(in GruConfig c) => c.Batch == 1 && c.BatchMajor ? c with { BatchMajor = false } : c;

    /// <inheritdoc cref="OneRow(in LstmConfig)"/>
    public static SimpleRnnConfig OneRow(in SimpleRnnConfig c) => c.Batch == 1 && c.BatchMajor ? c with { BatchMajor = false } : c;

    /// <summary>Whether every row runs all <paramref name="time"/> steps (no lengths, or none below T): the schedule is dense.</summary>
    public static bool AllFull(ReadOnlySpan<int> lengths, int time)
    {
        foreach (int l in lengths)
        {
            if (l < time)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Checks that a window call has its pack cache and is the next window (<see cref="RnnPackCache.Advance"/>).</summary>
    public static void Window(RnnPackCache? cache, string owner, int time, int start, int end, bool backward)
    {
        if (cache is null)
        {
            ThrowHelper.Argument("config", $"{owner}: windows need config.PackCache (it keeps the packed weights and checks the windows' order), but it is null.");
            return;
        }

        cache.Advance(owner, time, start, end, backward);
    }

    /// <summary>
    /// Checks a backward window's dx scratch: when dx is wanted and not written in place (batch-major with more than one
    /// row, or lengths below T), at least steps · batch · input elements.
    /// </summary>
    public static void WindowScratch(string owner, bool batchMajor, ReadOnlySpan<int> lengths, int time, int batch, int input, int dx, int scratch, int steps)
    {
        bool inPlace = !(batchMajor && batch > 1) && AllFull(lengths, time);
        long need = (long)steps * batch * input;
        if (dx > 0 && !inPlace && scratch < need)
        {
            ThrowHelper.Argument("dxScratch", $"{owner}: batch-major or with lengths, dx needs a scratch of {need} elements for the window's {steps} steps, but got {scratch}.");
        }
    }

    /// <summary>Checks that the weight gradients follow a complete backward pass of windows on <paramref name="cache"/>.</summary>
    public static void WindowsDone(RnnPackCache? cache, string owner)
    {
        if (cache is null)
        {
            ThrowHelper.Argument("config", $"{owner}: needs config.PackCache, the windows' cache, but it is null.");
            return;
        }

        cache.CheckBackwardDone(owner);
    }

    /// <summary>The packed dx rows of a backward window: steps · batch · input elements.</summary>
    public static int WindowScratch(int steps, int batch, int input)
    {
        long n = (long)Math.Max(steps, 0) * batch * input;
        if (n > Array.MaxLength)
        {
            ThrowHelper.ArgumentOutOfRange("steps", $"a window of {steps} steps at batch {batch} and input {input} needs {n} scratch elements, more than one array holds.");
        }

        return (int)n;
    }

    public static void Dims(string owner, int time, int batch, int inputSize, int units)
    {
        ThrowHelper.CheckNonNegative(time, owner, "time");
        ThrowHelper.CheckNonNegative(batch, owner, "batch");
        ThrowHelper.CheckNonNegative(inputSize, owner, "inputSize");
        if (units < 1)
        {
            ThrowHelper.ArgumentOutOfRange("units", $"{owner}: units must be at least 1, but is {units}.");
        }

        if ((long)time * batch * Math.Max(Math.Max(inputSize, units), 1) * 4 > int.MaxValue)
        {
            ThrowHelper.ArgumentOutOfRange("time", $"{owner}: time·batch·size is too large for span indexing.");
        }
    }

    public static void Exact(int actual, int expected, string owner, string name) =>
        ThrowHelper.CheckLength(actual, expected, owner, name);

    public static void Optional(int actual, int expected, string owner, string name)
    {
        if (actual != 0 && actual != expected)
        {
            ThrowHelper.Argument(name, $"{owner}: {name} must be empty or have length {expected}, but has length {actual}.");
        }
    }

    public static void Lengths(ReadOnlySpan<int> lengths, int batch, string owner)
    {
        Optional(lengths.Length, batch, owner, "lengths");
        for (int k = 0; k < lengths.Length; k++)
        {
            if (lengths[k] < 0)
            {
                ThrowHelper.Argument("lengths", $"{owner}: lengths must be non-negative, but lengths[{k}] is {lengths[k]}.");
            }
        }
    }

    public static void Workspace(int actual, long required, string owner)
    {
        if (actual < required)
        {
            ThrowHelper.Argument("workspace", $"{owner}: workspace must hold at least {required} elements (see WorkspaceSize), but has length {actual}.");
        }
    }
}
