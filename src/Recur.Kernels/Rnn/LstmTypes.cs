namespace Recur.Kernels.Rnn;

/// <summary>
/// The shape and options of one fused LSTM layer (TF <c>LSTMCell</c> / <c>BasicLSTMCell</c> run over time by
/// <c>dynamic_rnn</c>, time-major).
/// </summary>
/// <param name="Time">T, the number of steps.</param>
/// <param name="Batch">B, the batch rows.</param>
/// <param name="InputSize">I, the input features.</param>
/// <param name="Units">H, the cell units (the width of c and of each gate).</param>
public readonly record struct LstmConfig(int Time, int Batch, int InputSize, int Units)
{
    /// <summary>P, the projection size (TF <c>num_proj</c>); 0: no projection (the output is h = m, width H).</summary>
    public int NumProj { get; init; }

    /// <summary>
    /// x, y, dy and dx are batch-major, (B, T, ·) row-major (TF <c>time_major=False</c>, oneDNN <c>ntc</c>, PyTorch
    /// <c>batch_first</c>), instead of time-major (T, B, ·); the kernel reads and writes them in place (no transposes),
    /// with the same arithmetic. Default false.
    /// </summary>
    public bool BatchMajor { get; init; }

    /// <summary>Use the diagonal peephole weights <c>w_i_diag</c>, <c>w_f_diag</c>, <c>w_o_diag</c> (TF <c>use_peepholes</c>).</summary>
    public bool UsePeepholes { get; init; }

    /// <summary>Added to the forget gate pre-activation at run time, never stored in the bias (TF <c>forget_bias</c>, default 1).</summary>
    public double ForgetBias { get; init; } = 1.0;

    /// <summary>c' is clipped to ±CellClip (TF <c>cell_clip</c>); null: no clip.</summary>
    public double? CellClip { get; init; }

    /// <summary>The projected output is clipped to ±ProjClip (TF <c>proj_clip</c>, only with a projection); null: no clip.</summary>
    public double? ProjClip { get; init; }

    /// <summary>The width of the output and of h: <see cref="NumProj"/> when set, else <see cref="Units"/>.</summary>
    public int OutputSize => NumProj > 0 ? NumProj : Units;

    /// <summary>
    /// Packed weights kept across forward calls on the same weights (a layer wavefront's time chunks); null: each call
    /// packs its own in the workspace. See <see cref="RnnPackCache"/>.
    /// </summary>
    public RnnPackCache? PackCache { get; init; }
}

/// <summary>
/// The weights of a fused LSTM, in TF's layout (docs/decisions/0006): spans over the variables themselves, no copies.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
public readonly ref struct LstmWeights<T>
{
    /// <summary><c>kernel (I + P, 4·H)</c>, gate column blocks i, j, f, o; rows [0, I) multiply x, rows [I, I + P) multiply h.</summary>
    public ReadOnlySpan<T> Kernel { get; init; }

    /// <summary><c>bias (4·H)</c>, gates i, j, f, o (the forget bias is not in it).</summary>
    public ReadOnlySpan<T> Bias { get; init; }

    /// <summary><c>w_i_diag (H)</c>, only with <see cref="LstmConfig.UsePeepholes"/>.</summary>
    public ReadOnlySpan<T> PeepholeInput { get; init; }

    /// <summary><c>w_f_diag (H)</c>, only with <see cref="LstmConfig.UsePeepholes"/>.</summary>
    public ReadOnlySpan<T> PeepholeForget { get; init; }

    /// <summary><c>w_o_diag (H)</c>, only with <see cref="LstmConfig.UsePeepholes"/>.</summary>
    public ReadOnlySpan<T> PeepholeOutput { get; init; }

    /// <summary><c>projection/kernel (H, P)</c>, only with <see cref="LstmConfig.NumProj"/> &gt; 0.</summary>
    public ReadOnlySpan<T> Projection { get; init; }
}

/// <summary>The gradients of a fused LSTM's weights, same layouts as <see cref="LstmWeights{T}"/> (TF: the gradients tf.gradients gives for the cell's variables); overwritten, not accumulated.</summary>
/// <typeparam name="T">float or double.</typeparam>
public readonly ref struct LstmGradients<T>
{
    /// <summary>d kernel, <c>(I + P, 4·H)</c>.</summary>
    public Span<T> Kernel { get; init; }

    /// <summary>d bias, <c>(4·H)</c>.</summary>
    public Span<T> Bias { get; init; }

    /// <summary>d w_i_diag <c>(H)</c>, only with peepholes.</summary>
    public Span<T> PeepholeInput { get; init; }

    /// <summary>d w_f_diag <c>(H)</c>, only with peepholes.</summary>
    public Span<T> PeepholeForget { get; init; }

    /// <summary>d w_o_diag <c>(H)</c>, only with peepholes.</summary>
    public Span<T> PeepholeOutput { get; init; }

    /// <summary>d projection/kernel <c>(H, P)</c>, only with a projection.</summary>
    public Span<T> Projection { get; init; }
}
