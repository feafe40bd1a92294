namespace Recur.Rnn;

/// <summary>
/// The gated recurrent unit. TF equivalents: <c>tf.compat.v1.nn.rnn_cell.GRUCell(num_units, activation,
/// kernel_initializer, bias_initializer)</c> (default, reset before the candidate matmul), and with
/// <c>resetAfter: true</c> <c>tf.contrib.cudnn_rnn.CudnnCompatibleGRUCell</c> (the cuDNN / PyTorch /
/// Keras <c>reset_after=True</c> variant, with its variable names). Both use the scope name <c>gru_cell</c> by default.
/// </summary>
/// <remarks>
/// <para>Math (σ the logistic sigmoid, act = tanh by default, h the state = the output):</para>
/// <code>r, u = split(σ([x, h] · gates/kernel + gates/bias), 2, axis 1)      // gate order [r, u]
/// reset before (TF1 GRUCell):   c = act([x, r ⊙ h] · candidate/kernel + candidate/bias)
/// reset after (cuDNN):          c = act(x · Wi + bi + r ⊙ (h · Wh + bh))
///                               Wi, bi = candidate/input_projection/{kernel, bias}; Wh, bh = candidate/hidden_projection/{kernel, bias}
/// h' = u ⊙ h + (1 − u) ⊙ c      // output = new state = h'</code>
/// <para>Variables, in creation order. Reset before: <c>gates/kernel</c> (input_depth + units, 2·units), rows [x, h],
/// column blocks r, u; <c>gates/bias</c> (2·units); <c>candidate/kernel</c> (input_depth + units, units), rows
/// [x, r ⊙ h]; <c>candidate/bias</c> (units). Reset after: <c>gates/kernel</c>, <c>gates/bias</c> as above;
/// <c>candidate/input_projection/kernel</c> (input_depth, units); <c>candidate/hidden_projection/kernel</c>
/// (units, units); <c>candidate/input_projection/bias</c> (units); <c>candidate/hidden_projection/bias</c> (units).
/// Initializers: kernels — <c>kernelInitializer</c>, else the scope initializer, else Glorot uniform;
/// <c>gates/bias</c> — <c>biasInitializer</c>, else constant 1.0; candidate biases — <c>biasInitializer</c>, else
/// zeros (a given <c>biasInitializer</c> applies to every bias; a scope initializer to none).</para>
/// <para>Shapes: input (batch, input_depth); state and output (batch, units).</para>
/// </remarks>
/// <example><code>var gru = new GruCell(64);                       // TF1 GRUCell
/// var torchLike = new GruCell(64, resetAfter: true);   // PyTorch nn.GRU / Keras reset_after=True math</code></example>
public sealed class GruCell : RnnCell
{
    private readonly Func<Tensor, Tensor> _activation;
    private readonly Initializer? _kernelInitializer, _biasInitializer;
    private Variable? _gateKernel, _gateBias, _candidateKernel, _candidateBias;
    private Variable? _inputKernel, _hiddenKernel, _inputBias, _hiddenBias;
    private int _inputDepth;
    private readonly bool _tanh;

    /// <summary>Creates the cell.</summary>
    /// <param name="numUnits">Units (state and output size); must be positive.</param>
    /// <param name="activation">Activation of the candidate; tanh when null.</param>
    /// <param name="kernelInitializer">Initializer of every kernel (null: scope initializer, else Glorot uniform).</param>
    /// <param name="biasInitializer">Initializer of every bias (null: gates 1.0, candidate 0.0).</param>
    /// <param name="name">Scope name; <c>gru_cell</c> when null.</param>
    /// <param name="resetAfter">False: TF1 <c>GRUCell</c> (reset applied to h before the candidate matmul). True: the
    /// cuDNN variant (reset applied to <c>h · Wh + bh</c>), TF's <c>CudnnCompatibleGRUCell</c>, PyTorch <c>nn.GRU</c>.</param>
    /// <exception cref="ArgumentException">numUnits is not positive.</exception>
    public GruCell(int numUnits, Func<Tensor, Tensor>? activation = null, Initializer? kernelInitializer = null,
        Initializer? biasInitializer = null, string? name = null, bool resetAfter = false)
        : base(name)
    {
        CellUtil.CheckUnits(nameof(GruCell), nameof(numUnits), numUnits);
        NumUnits = numUnits;
        ResetAfter = resetAfter;
        _activation = activation ?? Tf.Nn.Tanh;
        _tanh = IsTanh(activation);
        _kernelInitializer = kernelInitializer;
        _biasInitializer = biasInitializer;
    }

    /// <summary>Number of units.</summary>
    public int NumUnits { get; }

    /// <summary>True for the cuDNN / reset-after variant.</summary>
    public bool ResetAfter { get; }

    /// <inheritdoc/>
    public override RnnSize StateSize => NumUnits;

    /// <inheritdoc/>
    public override RnnSize OutputSize => NumUnits;

    /// <summary>Both variants' default scope name is <c>gru_cell</c>.</summary>
    protected override string DefaultName => "gru_cell";

    /// <summary><c>gates/kernel</c> (input_depth + units, 2·units), gates r, u; null before the first call.</summary>
    public Variable? GateKernel => _gateKernel;

    /// <summary><c>gates/bias</c> (2·units), gates r, u; null before the first call.</summary>
    public Variable? GateBias => _gateBias;

    /// <summary>Reset before only: <c>candidate/kernel</c> (input_depth + units, units).</summary>
    public Variable? CandidateKernel => _candidateKernel;

    /// <summary>Reset before only: <c>candidate/bias</c> (units).</summary>
    public Variable? CandidateBias => _candidateBias;

    /// <summary>Reset after only: <c>candidate/input_projection/kernel</c> (input_depth, units).</summary>
    public Variable? CandidateInputKernel => _inputKernel;

    /// <summary>Reset after only: <c>candidate/input_projection/bias</c> (units).</summary>
    public Variable? CandidateInputBias => _inputBias;

    /// <summary>Reset after only: <c>candidate/hidden_projection/kernel</c> (units, units).</summary>
    public Variable? CandidateHiddenKernel => _hiddenKernel;

    /// <summary>Reset after only: <c>candidate/hidden_projection/bias</c> (units).</summary>
    public Variable? CandidateHiddenBias => _hiddenBias;

    /// <inheritdoc/>
    protected override void Build(Tensor input)
    {
        _inputDepth = InputDepth(input);
        var dt = input.DType;
        int n = NumUnits, d = _inputDepth;
        _gateKernel = AddVariable("gates/kernel", new Shape(d + n, 2 * n), dt, _kernelInitializer);
        _gateBias = AddVariable("gates/bias", new Shape(2 * n), dt, _biasInitializer ?? Initializers.Constant(1.0));
        if (!ResetAfter)
        {
            _candidateKernel = AddVariable("candidate/kernel", new Shape(d + n, n), dt, _kernelInitializer);
            _candidateBias = AddVariable("candidate/bias", new Shape(n), dt, _biasInitializer ?? Initializers.Zeros());
        }
        else
        {
            // CudnnCompatibleGRUCell.build: both kernels first, then both biases.
            _inputKernel = AddVariable("candidate/input_projection/kernel", new Shape(d, n), dt, _kernelInitializer);
            _hiddenKernel = AddVariable("candidate/hidden_projection/kernel", new Shape(n, n), dt, _kernelInitializer);
            _inputBias = AddVariable("candidate/input_projection/bias", new Shape(n), dt, _biasInitializer ?? Initializers.Zeros());
            _hiddenBias = AddVariable("candidate/hidden_projection/bias", new Shape(n), dt, _biasInitializer ?? Initializers.Zeros());
        }
    }

    /// <inheritdoc/>
    internal override bool CanFuse => _tanh;

    /// <inheritdoc/>
    internal override (Tensor Outputs, RnnState State) FusedCore(Tensor x, Tensor? sequenceLength, RnnState state, bool timeMajor)
    {
        CheckFusedInput(x, _inputDepth, state, timeMajor);
        CellUtil.CheckWidth(nameof(GruCell), "state", state.Tensor, NumUnits);
        Tensor[] candidate = ResetAfter
            ? new Tensor[] { _inputKernel!, _hiddenKernel!, _inputBias!, _hiddenBias! }
            : new Tensor[] { _candidateKernel!, _candidateBias! };
        var (y, h) = FusedGruOp.Build(x, sequenceLength, state.Tensor, _gateKernel!, _gateBias!, candidate, NumUnits, ResetAfter, batchMajor: !timeMajor);
        return (y, h);
    }

    /// <inheritdoc/>
    protected override (Tensor Output, RnnState State) CallCore(Tensor input, RnnState state)
    {
        const string owner = nameof(GruCell);
        CellUtil.CheckDepth(owner, InputDepth(input), _inputDepth, input);
        CheckState(state);
        CellUtil.CheckSameDType(owner, input, state);
        var h = state.Tensor;
        CellUtil.CheckWidth(owner, "state", h, NumUnits);

        var gates = Tf.Sigmoid(Tf.Nn.BiasAdd(Tf.MatMul(Tf.Concat(new[] { input, h }, 1), _gateKernel!), _gateBias!));
        var ru = Tf.Split(gates, 2, 1);
        Tensor r = ru[0], u = ru[1];
        Tensor candidate;
        if (!ResetAfter)
        {
            candidate = _activation(Tf.Nn.BiasAdd(Tf.MatMul(Tf.Concat(new[] { input, r * h }, 1), _candidateKernel!), _candidateBias!));
        }
        else
        {
            var fromInput = Tf.Nn.BiasAdd(Tf.MatMul(input, _inputKernel!), _inputBias!);
            var fromHidden = Tf.Nn.BiasAdd(Tf.MatMul(h, _hiddenKernel!), _hiddenBias!);
            candidate = _activation(fromInput + r * fromHidden);
        }
        var newH = u * h + (CellUtil.Scalar(u, 1.0) - u) * candidate;
        return (newH, newH);
    }
}
