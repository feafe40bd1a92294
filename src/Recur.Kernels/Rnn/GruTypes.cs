namespace Recur.Kernels.Rnn;

/// <summary>The shape and variant of one fused GRU layer (TF <c>GRUCell</c> or <c>CudnnCompatibleGRUCell</c>, time-major).</summary>
/// <param name="Time">T, the number of steps.</param>
/// <param name="Batch">B, the batch rows.</param>
/// <param name="InputSize">I, the input features.</param>
/// <param name="Units">H, the units.</param>
public readonly record struct GruConfig(int Time, int Batch, int InputSize, int Units)
{
    /// <summary>
    /// false: TF1 <c>GRUCell</c>, the reset gate applied before the recurrent product
    /// (<c>c = tanh(x·Wcx + (r⊙h)·Wch + bc)</c>); true: <c>CudnnCompatibleGRUCell</c> (cuDNN, PyTorch, Keras
    /// <c>reset_after</c>), <c>c = tanh(x·Wcx + bcx + r⊙(h·Wch + bch))</c>.
    /// </summary>
    public bool ResetAfter { get; init; }

    /// <summary>
    /// x, y, dy and dx are batch-major, (B, T, ·) row-major (TF <c>time_major=False</c>, oneDNN <c>ntc</c>, PyTorch
    /// <c>batch_first</c>), instead of time-major (T, B, ·); the kernel reads and writes them in place (no transposes),
    /// with the same arithmetic. Default false.
    /// </summary>
    public bool BatchMajor { get; init; }

    /// <summary>
    /// Packed weights kept across forward calls on the same weights (a layer wavefront's time chunks); null: each call
    /// packs its own in the workspace. See <see cref="RnnPackCache"/>.
    /// </summary>
    public RnnPackCache? PackCache { get; init; }
}

/// <summary>
/// The weights of a fused GRU in TF's layout (docs/decisions/0006), as spans over the variables (no copies).
/// For the reset-before cell, <c>candidate/kernel (I + H, H)</c> is passed as its two row blocks:
/// <c>CandidateInputKernel = kernel[..(I·H)]</c>, <c>CandidateHiddenKernel = kernel[(I·H)..]</c>.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
public readonly ref struct GruWeights<T>
{
    /// <summary><c>gates/kernel (I + H, 2·H)</c>, gate column blocks r, u; rows [0, I) multiply x, rows [I, I + H) multiply h.</summary>
    public ReadOnlySpan<T> GateKernel { get; init; }

    /// <summary><c>gates/bias (2·H)</c>, r, u.</summary>
    public ReadOnlySpan<T> GateBias { get; init; }

    /// <summary>(I, H): rows [0, I) of <c>candidate/kernel</c>, or <c>candidate/input_projection/kernel</c> (reset after).</summary>
    public ReadOnlySpan<T> CandidateInputKernel { get; init; }

    /// <summary>(H, H): rows [I, I + H) of <c>candidate/kernel</c>, or <c>candidate/hidden_projection/kernel</c> (reset after).</summary>
    public ReadOnlySpan<T> CandidateHiddenKernel { get; init; }

    /// <summary>(H): <c>candidate/bias</c>, or <c>candidate/input_projection/bias</c> (reset after).</summary>
    public ReadOnlySpan<T> CandidateBias { get; init; }

    /// <summary>(H): <c>candidate/hidden_projection/bias</c>, reset after only (it is multiplied by r); empty otherwise.</summary>
    public ReadOnlySpan<T> CandidateHiddenBias { get; init; }
}

/// <summary>The gradients of a fused GRU's weights, same layouts as <see cref="GruWeights{T}"/> (TF: the gradients tf.gradients gives for the cell's variables); overwritten, not accumulated.</summary>
/// <typeparam name="T">float or double.</typeparam>
public readonly ref struct GruGradients<T>
{
    /// <summary>d gates/kernel, (I + H, 2·H).</summary>
    public Span<T> GateKernel { get; init; }

    /// <summary>d gates/bias, (2·H).</summary>
    public Span<T> GateBias { get; init; }

    /// <summary>d candidate input kernel, (I, H).</summary>
    public Span<T> CandidateInputKernel { get; init; }

    /// <summary>d candidate hidden kernel, (H, H).</summary>
    public Span<T> CandidateHiddenKernel { get; init; }

    /// <summary>d candidate (input) bias, (H).</summary>
    public Span<T> CandidateBias { get; init; }

    /// <summary>d candidate hidden bias, (H), reset after only; empty otherwise.</summary>
    public Span<T> CandidateHiddenBias { get; init; }
}
