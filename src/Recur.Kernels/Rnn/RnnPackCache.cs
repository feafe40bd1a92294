namespace Recur.Kernels.Rnn;

/// <summary>
/// Packed weights kept across forward calls on the same weights: a layer wavefront runs each layer's kernel once per
/// time chunk, and without a cache every call packs the layer's input and recurrent weights again (at B = 1, H = 128
/// about 45 µs a call against ~140 µs of steps per 25-step chunk); backward windows keep Whᵀ and Wxᵀ the same way.
/// Pass one cache per layer in the config
/// (<see cref="LstmConfig.PackCache"/>); call <see cref="Reset"/> whenever the weights may have changed (before each
/// run), as the kernels trust a packed panel until then. A cache serves one call at a time.
/// </summary>
/// <remarks>
/// The kernels pack into the cache only what a call on one thread reads (the input projection's and the recurrent
/// product's panels, the one-row step's unit-block panels); the results are the uncached results bit for bit.
/// </remarks>
public sealed class RnnPackCache
{
    private Array? _input, _recurrent, _fused, _inputT, _recurrentT;

    /// <summary>The panel width of the packed input weights; 0: not packed since the last <see cref="Reset"/>.</summary>
    internal int InputNr { get; set; }

    /// <summary>The panel width of the packed recurrent weights; 0: not packed since the last <see cref="Reset"/>.</summary>
    internal int RecurrentNr { get; set; }

    /// <summary>Whether the one-row step's panels are packed.</summary>
    internal bool FusedPacked { get; set; }

    /// <summary>The panel width of the packed transposed input weights (a backward window's dx = dG·Wxᵀ); 0: not packed.</summary>
    internal int InputTransposedNr { get; set; }

    /// <summary>The panel width of the packed transposed recurrent weights (a backward window's dh = dG·Whᵀ); 0: not packed.</summary>
    internal int RecurrentTransposedNr { get; set; }

    /// <summary>The next forward window's first step (windowed calls run in order; 0 after a <see cref="Reset"/>).</summary>
    internal int ForwardNext { get; set; }

    /// <summary>The next backward window's end step (−1: no backward window since the last forward window or <see cref="Reset"/>).</summary>
    internal int BackwardNext { get; set; } = -1;

    /// <summary>
    /// Checks that a window [<paramref name="start"/>, <paramref name="end"/>) of a <paramref name="time"/>-step
    /// sequence is the next one, then records it: a forward pass's windows run first to last from step 0, a backward
    /// pass's last to first from step <paramref name="time"/>.
    /// </summary>
    internal void Advance(string owner, int time, int start, int end, bool backward)
    {
        if (start < 0 || end < start || end > time)
        {
            ThrowHelper.Argument("start", $"{owner}: the window [{start}, {end}) must lie within the {time} steps, start <= end.");
        }

        if (!backward)
        {
            if (start != 0 && start != ForwardNext)
            {
                ThrowHelper.Argument("start", $"{owner}: forward windows run in order from step 0; expected a window starting at step {ForwardNext}, but got [{start}, {end}).");
            }

            ForwardNext = end;
            BackwardNext = -1;
            return;
        }

        if (end != time && end != BackwardNext)
        {
            ThrowHelper.Argument("end", BackwardNext < 0
                ? $"{owner}: backward windows run last to first, from the window ending at step {time}, but got [{start}, {end})."
                : $"{owner}: backward windows run last to first; expected a window ending at step {BackwardNext}, but got [{start}, {end}).");
        }

        BackwardNext = start;
    }

    /// <summary>Checks that the backward windows reached step 0 (before the weight gradients).</summary>
    internal void CheckBackwardDone(string owner)
    {
        if (BackwardNext != 0)
        {
            ThrowHelper.Argument("workspace", BackwardNext < 0
                ? $"{owner}: the weight gradients need every backward window down to step 0 first, but no backward window has run since the forward."
                : $"{owner}: the weight gradients need every backward window down to step 0 first, but the windows stopped at step {BackwardNext}.");
        }
    }

    /// <summary>Forgets every packed panel (the weights changed, or may have).</summary>
    public void Reset()
    {
        InputNr = 0;
        RecurrentNr = 0;
        FusedPacked = false;
        InputTransposedNr = 0;
        RecurrentTransposedNr = 0;
        ForwardNext = 0;
        BackwardNext = -1;
    }

    internal T[] Input<T>(long size) => Buffer<T>(ref _input, size);

    internal T[] Recurrent<T>(long size) => Buffer<T>(ref _recurrent, size);

    internal T[] Fused<T>(long size) => Buffer<T>(ref _fused, size);

    internal T[] InputTransposed<T>(long size) => Buffer<T>(ref _inputT, size);

    internal T[] RecurrentTransposed<T>(long size) => Buffer<T>(ref _recurrentT, size);

    /// <summary>A pinned buffer of at least <paramref name="size"/> elements (kept, so its pointers stay valid across calls).</summary>
    private static T[] Buffer<T>(ref Array? slot, long size)
    {
        if (slot is T[] a && a.Length >= size)
        {
            return a;
        }

        if (size > Array.MaxLength)
        {
            ThrowHelper.ArgumentOutOfRange(nameof(size), $"RnnPackCache: {size} packed elements do not fit one array.");
        }

        var fresh = GC.AllocateUninitializedArray<T>((int)Math.Max(size, 1), pinned: true);
        slot = fresh;
        return fresh;
    }
}
