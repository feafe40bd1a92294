namespace Recur.Kernels.Rnn;

/// <summary>
/// Packed weights kept across forward calls on the same weights: a layer wavefront runs each layer's kernel once per
/// time chunk, and without a cache every call packs the layer's input and recurrent weights again (at B = 1, H = 128
/// about 45 µs a call against ~140 µs of steps per 25-step chunk). Pass one cache per layer in the config
/// (<see cref="LstmConfig.PackCache"/>); call <see cref="Reset"/> whenever the weights may have changed (before each
/// run), as the kernels trust a packed panel until then. A cache serves one call at a time.
/// </summary>
/// <remarks>
/// The kernels pack into the cache only what a call on one thread reads (the input projection's and the recurrent
/// product's panels, the one-row step's unit-block panels); the results are the uncached results bit for bit.
/// </remarks>
public sealed class RnnPackCache
{
    private Array? _input, _recurrent, _fused;

    /// <summary>The panel width of the packed input weights; 0: not packed since the last <see cref="Reset"/>.</summary>
    internal int InputNr { get; set; }

    /// <summary>The panel width of the packed recurrent weights; 0: not packed since the last <see cref="Reset"/>.</summary>
    internal int RecurrentNr { get; set; }

    /// <summary>Whether the one-row step's panels are packed.</summary>
    internal bool FusedPacked { get; set; }

    /// <summary>Forgets every packed panel (the weights changed, or may have).</summary>
    public void Reset()
    {
        InputNr = 0;
        RecurrentNr = 0;
        FusedPacked = false;
    }

    internal T[] Input<T>(long size) => Buffer<T>(ref _input, size);

    internal T[] Recurrent<T>(long size) => Buffer<T>(ref _recurrent, size);

    internal T[] Fused<T>(long size) => Buffer<T>(ref _fused, size);

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
