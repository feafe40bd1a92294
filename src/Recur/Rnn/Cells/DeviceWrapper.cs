namespace Recur.Rnn;

/// <summary>
/// Runs a cell on a named device. TF equivalent: <c>tf.compat.v1.nn.rnn_cell.DeviceWrapper(cell, device)</c>, which
/// builds the cell's ops and zero state inside <c>tf.device(device)</c>.
/// </summary>
/// <remarks>
/// Recur runs every op on the CPU, so the wrapper is numerically the identity: <c>(o, s') = cell(x, s)</c>. The device
/// string is kept as metadata (<see cref="Device"/>) so ported programs keep their structure. No variables and no
/// scope level of its own; <see cref="StateSize"/>, <see cref="OutputSize"/> and <see cref="ZeroState"/> are the
/// wrapped cell's. Shapes: as the wrapped cell.
/// </remarks>
/// <example><code>var cell = new DeviceWrapper(new LstmCell(128), "/gpu:0");</code></example>
public sealed class DeviceWrapper : RnnCell
{
    private readonly RnnCell _cell;

    /// <summary>Wraps <paramref name="cell"/>.</summary>
    /// <param name="cell">The wrapped cell.</param>
    /// <param name="device">The device name, e.g. <c>/cpu:0</c> (recorded, not interpreted).</param>
    /// <exception cref="ArgumentNullException">cell or device is null.</exception>
    public DeviceWrapper(RnnCell cell, string device) : base(null)
    {
        ArgumentNullException.ThrowIfNull(cell);
        ArgumentNullException.ThrowIfNull(device);
        _cell = cell;
        Device = device;
    }

    /// <summary>The wrapped cell (TF: <c>wrapped_cell</c>).</summary>
    public RnnCell WrappedCell => _cell;

    /// <summary>The device name given to the constructor.</summary>
    public string Device { get; }

    /// <inheritdoc/>
    public override RnnSize StateSize => _cell.StateSize;

    /// <inheritdoc/>
    public override RnnSize OutputSize => _cell.OutputSize;

    /// <summary>Runs in the caller's variable scope, as TF's wrappers do.</summary>
    protected override bool OpensScope => false;

    /// <inheritdoc/>
    /// <remarks>The wrapped cell's zero state.</remarks>
    public override RnnState ZeroState(Tensor batchSize, DType dtype)
    {
        ArgumentNullException.ThrowIfNull(batchSize);
        using (Tf.NameScope(nameof(DeviceWrapper) + "ZeroState"))
            return _cell.ZeroState(batchSize, dtype);
    }

    /// <inheritdoc/>
    protected override (Tensor Output, RnnState State) CallCore(Tensor input, RnnState state) => _cell.Call(input, state);

    /// <inheritdoc/>
    internal override bool CanFuse => _cell.CanFuse;

    /// <inheritdoc/>
    internal override (Tensor Outputs, RnnState State) FusedCore(Tensor x, Tensor? sequenceLength, RnnState state, bool timeMajor)
    {
        var result = _cell.CallFused(x, sequenceLength, state, timeMajor);
        TrackVariables(_cell.Variables);
        return result;
    }

    /// <inheritdoc/>
    protected override (RnnState Output, RnnState State) CallNestedCore(RnnState input, RnnState state)
    {
        var result = _cell.Call(input, state);
        TrackVariables(_cell.Variables);
        return result;
    }
}
