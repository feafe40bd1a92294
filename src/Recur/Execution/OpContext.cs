using System.Diagnostics.CodeAnalysis;

namespace Recur;

/// <summary>
/// What a kernel sees while it runs: its op, input values, outputs to set, the run's context, and the frame's buffer
/// pool. One context per op per <see cref="ExecutionFrame"/>, reused across runs.
/// </summary>
/// <remarks>
/// Kernel memory contract (docs/decisions/0011-executor-memory.md):
/// <list type="bullet">
/// <item><see cref="AllocateOutput(int, Shape, DType)"/> returns an array for output <c>index</c> whose contents are
/// unspecified (write every element); the kernel must set it as that output (and only that one) and keep no other
/// reference to it. The executor may give its buffer to a later op once every reader is done with it.</item>
/// <item><see cref="RentScratch{T}(int)"/> returns a workspace of exactly <c>length</c> elements, unspecified
/// contents, that goes back to the pool as soon as the kernel returns: never store it or put it in an output.</item>
/// <item>Inputs are read-only. A kernel registered with <see cref="OpKernelAttribute.BorrowsInputs"/> must also never
/// return an input (or a view of its storage) as an output, nor keep a reference to one after it returns.</item>
/// </list>
/// Arrays made with <c>NDArray.Empty</c> or <c>new NDArray</c> stay correct: they are simply never recycled.
/// </remarks>
internal sealed class OpContext
{
    private readonly NDArray[] _inputs;
    private readonly NDArray?[] _outputs;
    private readonly NDArray?[] _allocated;
    private readonly bool[]? _outputNeeded;
    private readonly BufferPool? _pool;
    private Array?[] _scratch = Array.Empty<Array?>();
    private int _scratchCount;

    /// <summary>A standalone context (no pool: allocations are plain arrays).</summary>
    public OpContext(Operation op, NDArray[] inputs, RunContext run, bool[]? outputNeeded = null)
        : this(op, inputs, outputNeeded, null)
    {
        Run = run;
    }

    /// <summary>A frame's context for <paramref name="op"/>; <paramref name="inputs"/> is filled by the executor before each run.</summary>
    internal OpContext(Operation op, NDArray[] inputs, bool[]? outputNeeded, BufferPool? pool)
    {
        Op = op;
        _inputs = inputs;
        _outputs = new NDArray?[op.Outputs.Count];
        _allocated = new NDArray?[_outputs.Length];
        _outputNeeded = outputNeeded;
        _pool = pool;
        Run = null!;
    }

    public Operation Op { get; }

    public RunContext Run { get; private set; }

    public int InputCount => _inputs.Length;

    public NDArray Input(int i) => _inputs[i];

    public IReadOnlyList<NDArray> Inputs => _inputs;

    /// <summary>The input array the executor fills before each call.</summary>
    internal NDArray[] InputArray => _inputs;

    public T Attr<T>(string name) => Op.GetAttr<T>(name);

    public void SetOutput(int i, NDArray value) => _outputs[i] = value;

    /// <summary>
    /// An array for output <paramref name="index"/> with unspecified contents, whose buffer may come from the pool.
    /// Set it as output <paramref name="index"/> (and no other) and keep no other reference to it.
    /// </summary>
    public NDArray AllocateOutput(int index, Shape shape, DType dtype)
    {
        var a = _pool is null ? NDArray.Empty(shape, dtype) : _pool.Rent(shape, dtype);
        _allocated[index] = a;
        return a;
    }

    /// <summary>
    /// <see cref="AllocateOutput(int, Shape, DType)"/> from dimensions (e.g. <c>[m, n]</c> on the stack): no
    /// <see cref="Shape"/> is allocated when the reused array already has these dimensions.
    /// </summary>
    public NDArray AllocateOutput(int index, ReadOnlySpan<int> dims, DType dtype)
    {
        var a = _pool is null ? NDArray.Empty(new Shape(dims), dtype) : _pool.Rent(dims, dtype);
        _allocated[index] = a;
        return a;
    }

    /// <summary>
    /// A workspace of exactly <paramref name="length"/> elements with unspecified contents, returned to the pool when
    /// the kernel returns. Never store it or let it escape in an output.
    /// </summary>
    public T[] RentScratch<T>(int length)
    {
        var a = _pool is null ? GC.AllocateUninitializedArray<T>(length) : _pool.RentScratch<T>(length);
        if (_pool is not null)
        {
            if (_scratchCount == _scratch.Length) Array.Resize(ref _scratch, Math.Max(4, _scratch.Length * 2));
            _scratch[_scratchCount++] = a;
        }
        return a;
    }

    /// <summary>Whether anything in the running plan reads output <paramref name="i"/> (kernels may skip optional work).</summary>
    public bool IsOutputNeeded(int i) => _outputNeeded is null || _outputNeeded[i];

    internal NDArray?[] Outputs => _outputs;

    /// <summary>Readies the context for one kernel call (<see cref="End"/> left the outputs and inputs cleared).</summary>
    internal void Begin(RunContext run) => Run = run;

    /// <summary>
    /// True when output <paramref name="k"/> is the array the kernel got from <see cref="AllocateOutput(int, Shape, DType)"/>
    /// for it and appears in no other output: the executor then owns it outright.
    /// </summary>
    internal bool OwnsOutput(int k)
    {
        var a = _allocated[k];
        if (a is null || !ReferenceEquals(a, _outputs[k])) return false;
        for (int j = 0; j < _outputs.Length; j++)
        {
            if (j != k && ReferenceEquals(_outputs[j], a)) return false;
        }
        return true;
    }

    /// <summary>After the kernel: scratch goes back to the pool; references are dropped.</summary>
    internal void End(bool kernelReturned)
    {
        for (int i = 0; i < _scratchCount; i++)
        {
            if (kernelReturned) _pool!.ReturnScratch(_scratch[i]!);
            _scratch[i] = null;
        }
        _scratchCount = 0;
        _outputs.AsSpan().Clear();
        _allocated.AsSpan().Clear();
        _inputs.AsSpan().Clear();
        Run = null!;
    }

    /// <summary>Throws an <see cref="InvalidOperationException"/> naming this op.</summary>
    [DoesNotReturn]
    public void Fail(string message) => throw new InvalidOperationException($"{Op.Type} '{Op.Name}': {message}");

    /// <summary>Throws an <see cref="ArgumentException"/> naming this op (bad values fed at run time).</summary>
    [DoesNotReturn]
    public void FailArgument(string message) => throw new ArgumentException($"{Op.Type} '{Op.Name}': {message}");
}

/// <summary>State shared by all kernels of one <see cref="Session.Run(Tensor, FeedDict?)"/> call.</summary>
internal sealed class RunContext(Session session, CancellationToken cancellation)
{
    public Session Session { get; private set; } = session;

    public CancellationToken Cancellation { get; private set; } = cancellation;

    /// <summary>Reuses this context for another top-level run (frames keep one).</summary>
    internal void Reset(Session session, CancellationToken cancellation)
    {
        Session = session;
        Cancellation = cancellation;
    }
}
