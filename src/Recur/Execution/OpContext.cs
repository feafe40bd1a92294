using System.Diagnostics.CodeAnalysis;

namespace Recur;

/// <summary>What a kernel sees while it runs: its op, input values, outputs to set and the run's context.</summary>
internal sealed class OpContext
{
    private readonly NDArray[] _inputs;
    private readonly NDArray?[] _outputs;

    private readonly bool[]? _outputNeeded;

    public OpContext(Operation op, NDArray[] inputs, RunContext run, bool[]? outputNeeded = null)
    {
        _outputNeeded = outputNeeded;
        Op = op;
        _inputs = inputs;
        _outputs = new NDArray?[op.Outputs.Count];
        Run = run;
    }

    public Operation Op { get; }

    public RunContext Run { get; }

    public int InputCount => _inputs.Length;

    public NDArray Input(int i) => _inputs[i];

    public IReadOnlyList<NDArray> Inputs => _inputs;

    public T Attr<T>(string name) => Op.GetAttr<T>(name);

    public void SetOutput(int i, NDArray value) => _outputs[i] = value;

    /// <summary>Whether anything in the running plan reads output <paramref name="i"/> (kernels may skip optional work).</summary>
    public bool IsOutputNeeded(int i) => _outputNeeded is null || _outputNeeded[i];

    internal NDArray?[] Outputs => _outputs;

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
    public Session Session { get; } = session;

    public CancellationToken Cancellation { get; } = cancellation;
}
