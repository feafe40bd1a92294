namespace Recur;

/// <summary>
/// The free buffers of one <see cref="ExecutionFrame"/>: output arrays keyed by (dtype, length) and kernel scratch
/// arrays keyed by (element type, length). A frame is used by one run at a time, so the pool needs no locking.
/// Arrays come back only through the executor, which returns an output array only when it knows nothing else holds
/// it (docs/decisions/0011-executor-memory.md). Buffers a run did not reuse are dropped when it ends, so the pool never
/// holds more than the last run's working set.
/// </summary>
internal sealed class BufferPool
{
    private sealed class Bin<T>
    {
        public readonly Stack<T> Free = new();
        public int LastUsed;
    }

    private readonly Dictionary<long, Bin<NDArray>> _arrays = new();
    private readonly Dictionary<(Type, int), Bin<Array>> _scratch = new();
    private int _run;

    /// <summary>Starts a run: buffers used from now on count as live.</summary>
    public void BeginRun() => _run++;

    /// <summary>Ends a run: drops the free buffers of every size the run neither rented nor returned.</summary>
    public void EndRun()
    {
        foreach (var bin in _arrays.Values)
        {
            if (bin.LastUsed != _run) bin.Free.Clear();
        }
        foreach (var bin in _scratch.Values)
        {
            if (bin.LastUsed != _run) bin.Free.Clear();
        }
    }

    /// <summary>An array of <paramref name="shape"/> and <paramref name="dtype"/> with unspecified contents.</summary>
    public NDArray Rent(Shape shape, DType dtype)
    {
        long n = shape.NumElements;
        if (n > 0 && n <= Array.MaxLength && _arrays.TryGetValue(Key(dtype, (int)n), out var bin) && bin.Free.TryPop(out var a))
        {
            bin.LastUsed = _run;
            if (a.Shape != shape) a.ReuseAs(shape);
            return a;
        }
        return NDArray.Empty(shape, dtype);
    }

    /// <summary>An array with dimensions <paramref name="dims"/>; allocates a <see cref="Shape"/> only when the reused array's differs.</summary>
    public NDArray Rent(ReadOnlySpan<int> dims, DType dtype)
    {
        long n = 1;
        foreach (int d in dims) n *= d;
        if (n > 0 && n <= Array.MaxLength && _arrays.TryGetValue(Key(dtype, (int)n), out var bin) && bin.Free.TryPop(out var a))
        {
            bin.LastUsed = _run;
            if (!a.Shape.Dims.SequenceEqual(dims)) a.ReuseAs(new Shape(dims));
            return a;
        }
        return NDArray.Empty(new Shape(dims), dtype);
    }

    /// <summary>Takes back an array that nothing else references any more.</summary>
    public void Return(NDArray a)
    {
        if (a.Size == 0 || a.DType == DType.Variant) return;
        long key = Key(a.DType, a.Size);
        if (!_arrays.TryGetValue(key, out var bin))
        {
            bin = new Bin<NDArray>();
            _arrays.Add(key, bin);
        }
        bin.LastUsed = _run;
        bin.Free.Push(a);
    }

    /// <summary>A scratch array of exactly <paramref name="length"/> elements with unspecified contents.</summary>
    public T[] RentScratch<T>(int length)
    {
        if (length > 0 && _scratch.TryGetValue((typeof(T), length), out var bin) && bin.Free.TryPop(out var a))
        {
            bin.LastUsed = _run;
            return (T[])a;
        }
        return GC.AllocateUninitializedArray<T>(length);
    }

    /// <summary>Takes back a scratch array once the kernel that rented it has returned.</summary>
    public void ReturnScratch(Array a)
    {
        if (a.Length == 0) return;
        var key = (a.GetType().GetElementType()!, a.Length);
        if (!_scratch.TryGetValue(key, out var bin))
        {
            bin = new Bin<Array>();
            _scratch.Add(key, bin);
        }
        bin.LastUsed = _run;
        bin.Free.Push(a);
    }

    private static long Key(DType dtype, int length) => ((long)dtype << 32) | (uint)length;
}
