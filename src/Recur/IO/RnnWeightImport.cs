namespace Recur.IO;

/// <summary>
/// Maps RNN weights trained in PyTorch or Keras onto Recur's cells (TF1 variable names and layouts), and loads them
/// into a session. The tables are in <c>docs/guides/weights-import-export.md</c>; in short, PyTorch keeps one
/// <b>row</b> block per gate (<c>weight_ih (G·H, in)</c>, <c>weight_hh (G·H, H)</c>), Keras one <b>column</b> block
/// per gate of separate input and recurrent kernels (<c>kernel (in, G·H)</c>, <c>recurrent_kernel (H, G·H)</c>), and
/// TF1 one column block per gate of a single kernel applied to <c>[x, h]</c>: <c>kernel (in + H, G·H)</c>.
/// </summary>
/// <remarks>
/// <para>The <c>Map…</c> methods are pure: they return TF variable name → value and touch no session. The
/// <c>Load…</c> methods map and then assign the values to the variables of the session's graph (every variable is
/// checked before any is assigned). Arithmetic (bias sums) is done in float64; the results take the dtype of the
/// source weights, and loading converts floating-point values to the variable's dtype (float32 ↔ float64).</para>
/// <para><b>Forget bias.</b> PyTorch and Keras have no forget-bias constant (Keras' <c>unit_forget_bias</c> only
/// initializes the stored bias). Recur's <c>LstmCell</c>/<c>BasicLstmCell</c> add <c>forgetBias</c> (default 1.0)
/// at every step, so the LSTM importers take the <c>cellForgetBias</c> the cell was built with and subtract it
/// from the imported forget-gate bias; the imported cell then computes exactly what the source computed.</para>
/// </remarks>
/// <example><code>var (y, state) = Tf.Nn.DynamicRnn(new LstmCell(4, forgetBias: 0), x, dtype: DType.Float32);
/// using var sess = new Session();
/// var torch = Safetensors.Load("lstm.safetensors");                 // "lstm.weight_ih_l0", "lstm.bias_hh_l0", ...
/// RnnWeightImport.LoadTorchLstm(sess, torch, "lstm", layer: 0, recurScope: "rnn/lstm_cell", cellForgetBias: 0);</code></example>
public static class RnnWeightImport
{
    // ---------------------------------------------------------------- PyTorch

    /// <summary>
    /// PyTorch <c>nn.LSTM</c> layer → <c>LstmCell</c> variables. PyTorch rows i, f, g, o become TF columns i, j (= g),
    /// f, o; <c>bias = b_ih + b_hh − cellForgetBias</c> on the f block; with <c>proj_size</c>,
    /// <c>projection/kernel = weight_hrᵀ</c> (build <c>LstmCell(H, numProj: P)</c>).
    /// </summary>
    /// <param name="torchWeights">The module's <c>state_dict</c>, e.g. from <see cref="Safetensors.Load"/>.</param>
    /// <param name="torchPrefix">The module's prefix in the state dict (<c>"lstm"</c> for <c>lstm.weight_ih_l0</c>; <c>""</c> for none).</param>
    /// <param name="layer">The PyTorch layer index <c>k</c> of <c>weight_ih_l{k}</c>.</param>
    /// <param name="recurScope">The Recur cell's variable scope, e.g. <c>rnn/lstm_cell</c> or <c>rnn/multi_rnn_cell/cell_1/lstm_cell</c>.</param>
    /// <param name="cellForgetBias">The <c>forgetBias</c> the Recur cell was built with (LstmCell's default is 1.0).</param>
    /// <param name="reverse">True for the backward direction of a bidirectional module (<c>…_reverse</c> parameters).</param>
    /// <returns>TF variable name → value: <c>{recurScope}/kernel</c> (in + Hout, 4H), <c>{recurScope}/bias</c> (4H), and
    /// <c>{recurScope}/projection/kernel</c> (H, P) when the layer has a projection.</returns>
    /// <exception cref="KeyNotFoundException">A weight is missing from <paramref name="torchWeights"/> (close matches are named).</exception>
    /// <exception cref="ArgumentException">A weight has the wrong rank, shape or dtype.</exception>
    public static IReadOnlyDictionary<string, NDArray> MapTorchLstm(IReadOnlyDictionary<string, NDArray> torchWeights,
        string torchPrefix = "lstm", int layer = 0, string recurScope = "rnn/lstm_cell", double cellForgetBias = 1.0, bool reverse = false)
    {
        const string who = "RnnWeightImport.MapTorchLstm";
        var t = TorchLayer.Read(torchWeights, torchPrefix, layer, reverse, gates: 4, who);
        int h = t.Hidden;
        int[] order = { 0, 2, 1, 3 };   // TF column blocks i, j, f, o ← PyTorch row blocks i, g, f, o
        var kernel = Mat.Stack(t.Wih.T(), t.Whh.T()).GateColumns(h, order);
        var bias = t.Bias.GateColumns(h, order);
        for (int c = 2 * h; c < 3 * h; c++) bias.Data[c] -= cellForgetBias;
        var result = new Dictionary<string, NDArray>(StringComparer.Ordinal)
        {
            [$"{recurScope}/kernel"] = kernel.ToNDArray(t.DType),
            [$"{recurScope}/bias"] = bias.ToNDArray(t.DType, vector: true),
        };
        string hr = TorchLayer.Key(torchPrefix, "weight_hr", layer, reverse);
        if (torchWeights.TryGetValue(hr, out var whr))
        {
            var m = Mat.From(whr, hr, who);
            if (m.Rows != t.Whh.Cols || m.Cols != h)
                throw new ArgumentException($"{who}: '{hr}' must have shape ({t.Whh.Cols}, {h}) (proj_size, hidden_size), but has {whr.Shape}.");
            result[$"{recurScope}/projection/kernel"] = m.T().ToNDArray(t.DType);
        }
        else if (t.Whh.Cols != h)
            throw new ArgumentException($"{who}: '{TorchLayer.Key(torchPrefix, "weight_hh", layer, reverse)}' has {t.Whh.Cols} columns but the hidden size is {h}, so the layer has a projection, but '{hr}' is missing.");
        return result;
    }

    /// <summary>
    /// PyTorch <c>nn.GRU</c> layer → <c>GruCell(H, resetAfter: true)</c> variables. PyTorch computes
    /// <c>n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))</c> (reset after the hidden matmul), so the candidate keeps
    /// its input and hidden halves apart. Rows r, z, n: <c>gates/kernel = [col(r) | col(z)]</c> (TF order r, u; u ≡ z),
    /// <c>gates/bias = b_ih + b_hh</c> on r, z; <c>candidate/input_projection = (W_inᵀ, b_in)</c>;
    /// <c>candidate/hidden_projection = (W_hnᵀ, b_hn)</c>.
    /// </summary>
    /// <param name="torchWeights">The module's <c>state_dict</c>.</param>
    /// <param name="torchPrefix">The module's prefix (<c>"gru"</c>; <c>""</c> for none).</param>
    /// <param name="layer">The PyTorch layer index.</param>
    /// <param name="recurScope">The Recur cell's scope, e.g. <c>rnn/gru_cell</c>.</param>
    /// <param name="reverse">True for the backward direction (<c>…_reverse</c>).</param>
    /// <exception cref="KeyNotFoundException">A weight is missing.</exception>
    /// <exception cref="ArgumentException">A weight has the wrong shape or dtype.</exception>
    public static IReadOnlyDictionary<string, NDArray> MapTorchGru(IReadOnlyDictionary<string, NDArray> torchWeights,
        string torchPrefix = "gru", int layer = 0, string recurScope = "rnn/gru_cell", bool reverse = false)
    {
        var t = TorchLayer.Read(torchWeights, torchPrefix, layer, reverse, gates: 3, "RnnWeightImport.MapTorchGru");
        int h = t.Hidden;
        var dt = t.DType;
        return new Dictionary<string, NDArray>(StringComparer.Ordinal)
        {
            [$"{recurScope}/gates/kernel"] = Mat.Stack(t.Wih.T(), t.Whh.T()).GateColumns(h, new[] { 0, 1 }).ToNDArray(dt),
            [$"{recurScope}/gates/bias"] = t.Bias.GateColumns(h, new[] { 0, 1 }).ToNDArray(dt, vector: true),
            [$"{recurScope}/candidate/input_projection/kernel"] = t.Wih.T().GateColumns(h, new[] { 2 }).ToNDArray(dt),
            [$"{recurScope}/candidate/input_projection/bias"] = t.Bih.GateColumns(h, new[] { 2 }).ToNDArray(dt, vector: true),
            [$"{recurScope}/candidate/hidden_projection/kernel"] = t.Whh.T().GateColumns(h, new[] { 2 }).ToNDArray(dt),
            [$"{recurScope}/candidate/hidden_projection/bias"] = t.Bhh.GateColumns(h, new[] { 2 }).ToNDArray(dt, vector: true),
        };
    }

    /// <summary>
    /// PyTorch <c>nn.RNN</c> (tanh or relu) layer → <c>BasicRnnCell</c> variables: <c>kernel = [W_ihᵀ; W_hhᵀ]</c>,
    /// <c>bias = b_ih + b_hh</c>. Build the cell with the same activation (<c>Tf.Nn.Tanh</c> / <c>Tf.Nn.Relu</c>).
    /// </summary>
    /// <param name="torchWeights">The module's <c>state_dict</c>.</param>
    /// <param name="torchPrefix">The module's prefix (<c>"rnn"</c>; <c>""</c> for none).</param>
    /// <param name="layer">The PyTorch layer index.</param>
    /// <param name="recurScope">The Recur cell's scope, e.g. <c>rnn/basic_rnn_cell</c>.</param>
    /// <param name="reverse">True for the backward direction (<c>…_reverse</c>).</param>
    /// <exception cref="KeyNotFoundException">A weight is missing.</exception>
    /// <exception cref="ArgumentException">A weight has the wrong shape or dtype.</exception>
    public static IReadOnlyDictionary<string, NDArray> MapTorchRnn(IReadOnlyDictionary<string, NDArray> torchWeights,
        string torchPrefix = "rnn", int layer = 0, string recurScope = "rnn/basic_rnn_cell", bool reverse = false)
    {
        var t = TorchLayer.Read(torchWeights, torchPrefix, layer, reverse, gates: 1, "RnnWeightImport.MapTorchRnn");
        return new Dictionary<string, NDArray>(StringComparer.Ordinal)
        {
            [$"{recurScope}/kernel"] = Mat.Stack(t.Wih.T(), t.Whh.T()).ToNDArray(t.DType),
            [$"{recurScope}/bias"] = t.Bias.ToNDArray(t.DType, vector: true),
        };
    }

    /// <summary>Maps a PyTorch LSTM layer (<see cref="MapTorchLstm"/>) and assigns it to the session's variables.</summary>
    /// <param name="sess">The session whose graph holds the cell's variables.</param>
    /// <param name="torchWeights">The module's <c>state_dict</c>.</param>
    /// <param name="torchPrefix">The module's prefix (<c>"lstm"</c>; <c>""</c> for none).</param>
    /// <param name="layer">The PyTorch layer index.</param>
    /// <param name="recurScope">The Recur cell's scope.</param>
    /// <param name="cellForgetBias">The <c>forgetBias</c> the Recur cell was built with (LstmCell's default is 1.0).</param>
    /// <param name="reverse">True for the backward direction.</param>
    /// <exception cref="KeyNotFoundException">A weight or a graph variable is missing (close matches are named).</exception>
    /// <exception cref="ArgumentException">A shape differs from the variable's (both are named).</exception>
    public static void LoadTorchLstm(Session sess, IReadOnlyDictionary<string, NDArray> torchWeights, string torchPrefix = "lstm",
        int layer = 0, string recurScope = "rnn/lstm_cell", double cellForgetBias = 1.0, bool reverse = false) =>
        Assign(sess, MapTorchLstm(torchWeights, torchPrefix, layer, recurScope, cellForgetBias, reverse), "RnnWeightImport.LoadTorchLstm");

    /// <summary>Maps a PyTorch GRU layer (<see cref="MapTorchGru"/>) and assigns it; the cell must be <c>GruCell(H, resetAfter: true)</c>.</summary>
    /// <param name="sess">The session whose graph holds the cell's variables.</param>
    /// <param name="torchWeights">The module's <c>state_dict</c>.</param>
    /// <param name="torchPrefix">The module's prefix (<c>"gru"</c>; <c>""</c> for none).</param>
    /// <param name="layer">The PyTorch layer index.</param>
    /// <param name="recurScope">The Recur cell's scope.</param>
    /// <param name="reverse">True for the backward direction.</param>
    /// <exception cref="ArgumentException">The cell is the reset-before <c>GruCell</c>, or a shape differs.</exception>
    /// <exception cref="KeyNotFoundException">A weight or variable is missing.</exception>
    public static void LoadTorchGru(Session sess, IReadOnlyDictionary<string, NDArray> torchWeights, string torchPrefix = "gru",
        int layer = 0, string recurScope = "rnn/gru_cell", bool reverse = false)
    {
        ArgumentNullException.ThrowIfNull(sess);
        RequireResetAfter(sess.Graph, recurScope, "RnnWeightImport.LoadTorchGru", "PyTorch's nn.GRU");
        Assign(sess, MapTorchGru(torchWeights, torchPrefix, layer, recurScope, reverse), "RnnWeightImport.LoadTorchGru");
    }

    /// <summary>Maps a PyTorch RNN layer (<see cref="MapTorchRnn"/>) and assigns it to the session's variables.</summary>
    /// <param name="sess">The session whose graph holds the cell's variables.</param>
    /// <param name="torchWeights">The module's <c>state_dict</c>.</param>
    /// <param name="torchPrefix">The module's prefix (<c>"rnn"</c>; <c>""</c> for none).</param>
    /// <param name="layer">The PyTorch layer index.</param>
    /// <param name="recurScope">The Recur cell's scope.</param>
    /// <param name="reverse">True for the backward direction.</param>
    /// <exception cref="KeyNotFoundException">A weight or variable is missing.</exception>
    /// <exception cref="ArgumentException">A shape differs from the variable's.</exception>
    public static void LoadTorchRnn(Session sess, IReadOnlyDictionary<string, NDArray> torchWeights, string torchPrefix = "rnn",
        int layer = 0, string recurScope = "rnn/basic_rnn_cell", bool reverse = false) =>
        Assign(sess, MapTorchRnn(torchWeights, torchPrefix, layer, recurScope, reverse), "RnnWeightImport.LoadTorchRnn");

    // ---------------------------------------------------------------- Keras

    /// <summary>
    /// Keras <c>LSTM</c> weights → <c>LstmCell</c> variables. Keras column blocks i, f, c, o of <c>kernel (in, 4H)</c>
    /// and <c>recurrent_kernel (H, 4H)</c> become TF column blocks i, j (= c), f, o of <c>kernel = [kernel;
    /// recurrent_kernel]</c> (in + H, 4H); <c>bias (4H)</c> is reordered the same way, minus <c>cellForgetBias</c> on f.
    /// Keras' default <c>recurrent_activation</c> is sigmoid (Keras ≥ 2.3 / tf.keras); weights trained with
    /// <c>hard_sigmoid</c> do not match any Recur cell.
    /// </summary>
    /// <param name="kernel">Keras <c>kernel</c> (in, 4H).</param>
    /// <param name="recurrentKernel">Keras <c>recurrent_kernel</c> (H, 4H).</param>
    /// <param name="bias">Keras <c>bias</c> (4H), or null for <c>use_bias=False</c> (zeros).</param>
    /// <param name="recurScope">The Recur cell's scope.</param>
    /// <param name="cellForgetBias">The <c>forgetBias</c> the Recur cell was built with (LstmCell's default is 1.0).</param>
    /// <exception cref="ArgumentException">The shapes are inconsistent or a dtype is not floating.</exception>
    public static IReadOnlyDictionary<string, NDArray> MapKerasLstm(NDArray kernel, NDArray recurrentKernel, NDArray? bias,
        string recurScope = "rnn/lstm_cell", double cellForgetBias = 1.0)
    {
        var k = KerasLayer.Read(kernel, recurrentKernel, bias, gates: 4, biasRows: 1, "RnnWeightImport.MapKerasLstm");
        int h = k.Hidden;
        int[] order = { 0, 2, 1, 3 };   // TF i, j, f, o ← Keras i, f, c, o
        var b = k.Bias.GateColumns(h, order);
        for (int c = 2 * h; c < 3 * h; c++) b.Data[c] -= cellForgetBias;
        return new Dictionary<string, NDArray>(StringComparer.Ordinal)
        {
            [$"{recurScope}/kernel"] = Mat.Stack(k.Kernel, k.Recurrent).GateColumns(h, order).ToNDArray(k.DType),
            [$"{recurScope}/bias"] = b.ToNDArray(k.DType, vector: true),
        };
    }

    /// <summary>
    /// Keras <c>GRU</c> weights → <c>GruCell</c> variables. Keras column blocks z, r, h. With <c>reset_after=True</c>
    /// (tf.keras' default; <c>bias</c> is (2, 3H): input bias row, recurrent bias row) the target is
    /// <c>GruCell(H, resetAfter: true)</c>: <c>gates/kernel = [[W_r; U_r] | [W_z; U_z]]</c>, <c>gates/bias = b_in + b_rec</c>
    /// on r, z, <c>candidate/input_projection = (W_h, b_in_h)</c>, <c>candidate/hidden_projection = (U_h, b_rec_h)</c>.
    /// With <c>reset_after=False</c> (<c>bias</c> (3H)) the target is the TF1 <c>GruCell(H)</c>: the same gates and
    /// <c>candidate/kernel = [W_h; U_h]</c>, <c>candidate/bias = b_h</c>.
    /// </summary>
    /// <param name="kernel">Keras <c>kernel</c> (in, 3H).</param>
    /// <param name="recurrentKernel">Keras <c>recurrent_kernel</c> (H, 3H).</param>
    /// <param name="bias">Keras <c>bias</c>: (2, 3H) for reset_after=True, (3H) for reset_after=False; null for no bias.</param>
    /// <param name="recurScope">The Recur cell's scope.</param>
    /// <param name="resetAfter">Which variant; null infers it from the bias rank (null bias: true).</param>
    /// <exception cref="ArgumentException">The shapes are inconsistent (or contradict <paramref name="resetAfter"/>).</exception>
    public static IReadOnlyDictionary<string, NDArray> MapKerasGru(NDArray kernel, NDArray recurrentKernel, NDArray? bias,
        string recurScope = "rnn/gru_cell", bool? resetAfter = null)
    {
        const string who = "RnnWeightImport.MapKerasGru";
        bool after = resetAfter ?? bias is not { Rank: 1 };
        var k = KerasLayer.Read(kernel, recurrentKernel, bias, gates: 3, biasRows: after ? 2 : 1, who);
        int h = k.Hidden;
        var dt = k.DType;
        int[] gates = { 1, 0 };   // TF [r, u] ← Keras blocks z (0), r (1)
        var result = new Dictionary<string, NDArray>(StringComparer.Ordinal)
        {
            [$"{recurScope}/gates/kernel"] = Mat.Stack(k.Kernel, k.Recurrent).GateColumns(h, gates).ToNDArray(dt),
        };
        if (after)
        {
            var bIn = k.Bias.Row(0);
            var bRec = k.Bias.Row(1);
            result[$"{recurScope}/gates/bias"] = Mat.Add(bIn, bRec).GateColumns(h, gates).ToNDArray(dt, vector: true);
            result[$"{recurScope}/candidate/input_projection/kernel"] = k.Kernel.GateColumns(h, new[] { 2 }).ToNDArray(dt);
            result[$"{recurScope}/candidate/input_projection/bias"] = bIn.GateColumns(h, new[] { 2 }).ToNDArray(dt, vector: true);
            result[$"{recurScope}/candidate/hidden_projection/kernel"] = k.Recurrent.GateColumns(h, new[] { 2 }).ToNDArray(dt);
            result[$"{recurScope}/candidate/hidden_projection/bias"] = bRec.GateColumns(h, new[] { 2 }).ToNDArray(dt, vector: true);
        }
        else
        {
            result[$"{recurScope}/gates/bias"] = k.Bias.GateColumns(h, gates).ToNDArray(dt, vector: true);
            result[$"{recurScope}/candidate/kernel"] = Mat.Stack(k.Kernel, k.Recurrent).GateColumns(h, new[] { 2 }).ToNDArray(dt);
            result[$"{recurScope}/candidate/bias"] = k.Bias.GateColumns(h, new[] { 2 }).ToNDArray(dt, vector: true);
        }
        return result;
    }

    /// <summary>Keras <c>SimpleRNN</c> weights → <c>BasicRnnCell</c> variables: <c>kernel = [kernel; recurrent_kernel]</c>, <c>bias</c> as is.</summary>
    /// <param name="kernel">Keras <c>kernel</c> (in, H).</param>
    /// <param name="recurrentKernel">Keras <c>recurrent_kernel</c> (H, H).</param>
    /// <param name="bias">Keras <c>bias</c> (H), or null for zeros.</param>
    /// <param name="recurScope">The Recur cell's scope.</param>
    /// <exception cref="ArgumentException">The shapes are inconsistent.</exception>
    public static IReadOnlyDictionary<string, NDArray> MapKerasSimpleRnn(NDArray kernel, NDArray recurrentKernel, NDArray? bias,
        string recurScope = "rnn/basic_rnn_cell")
    {
        var k = KerasLayer.Read(kernel, recurrentKernel, bias, gates: 1, biasRows: 1, "RnnWeightImport.MapKerasSimpleRnn");
        return new Dictionary<string, NDArray>(StringComparer.Ordinal)
        {
            [$"{recurScope}/kernel"] = Mat.Stack(k.Kernel, k.Recurrent).ToNDArray(k.DType),
            [$"{recurScope}/bias"] = k.Bias.ToNDArray(k.DType, vector: true),
        };
    }

    /// <summary>Maps Keras LSTM weights (<see cref="MapKerasLstm"/>) and assigns them to the session's variables.</summary>
    /// <param name="sess">The session whose graph holds the cell's variables.</param>
    /// <param name="kernel">Keras <c>kernel</c> (in, 4H).</param>
    /// <param name="recurrentKernel">Keras <c>recurrent_kernel</c> (H, 4H).</param>
    /// <param name="bias">Keras <c>bias</c> (4H) or null.</param>
    /// <param name="recurScope">The Recur cell's scope.</param>
    /// <param name="cellForgetBias">The <c>forgetBias</c> the Recur cell was built with.</param>
    /// <exception cref="KeyNotFoundException">A graph variable is missing.</exception>
    /// <exception cref="ArgumentException">A shape is inconsistent or differs from the variable's.</exception>
    public static void LoadKerasLstm(Session sess, NDArray kernel, NDArray recurrentKernel, NDArray? bias,
        string recurScope = "rnn/lstm_cell", double cellForgetBias = 1.0) =>
        Assign(sess, MapKerasLstm(kernel, recurrentKernel, bias, recurScope, cellForgetBias), "RnnWeightImport.LoadKerasLstm");

    /// <summary>Maps Keras GRU weights (<see cref="MapKerasGru"/>) and assigns them to the session's variables.</summary>
    /// <param name="sess">The session whose graph holds the cell's variables.</param>
    /// <param name="kernel">Keras <c>kernel</c> (in, 3H).</param>
    /// <param name="recurrentKernel">Keras <c>recurrent_kernel</c> (H, 3H).</param>
    /// <param name="bias">Keras <c>bias</c>: (2, 3H) reset_after, (3H) otherwise; or null.</param>
    /// <param name="recurScope">The Recur cell's scope.</param>
    /// <param name="resetAfter">Which variant; null infers it from the bias rank.</param>
    /// <exception cref="ArgumentException">The variant does not match the cell in the graph, or a shape differs.</exception>
    /// <exception cref="KeyNotFoundException">A graph variable is missing.</exception>
    public static void LoadKerasGru(Session sess, NDArray kernel, NDArray recurrentKernel, NDArray? bias,
        string recurScope = "rnn/gru_cell", bool? resetAfter = null)
    {
        ArgumentNullException.ThrowIfNull(sess);
        var map = MapKerasGru(kernel, recurrentKernel, bias, recurScope, resetAfter);
        if (map.ContainsKey($"{recurScope}/candidate/input_projection/kernel"))
            RequireResetAfter(sess.Graph, recurScope, "RnnWeightImport.LoadKerasGru", "Keras GRU(reset_after=True)");
        else if (!sess.Graph.HasVariable($"{recurScope}/candidate/kernel") && sess.Graph.HasVariable($"{recurScope}/candidate/input_projection/kernel"))
            throw new ArgumentException(
                $"RnnWeightImport.LoadKerasGru: the weights are Keras GRU(reset_after=False) (bias of rank 1), which is the TF1 reset-before GruCell(H), but '{recurScope}' is a GruCell(resetAfter: true).");
        Assign(sess, map, "RnnWeightImport.LoadKerasGru");
    }

    /// <summary>Maps Keras SimpleRNN weights (<see cref="MapKerasSimpleRnn"/>) and assigns them.</summary>
    /// <param name="sess">The session whose graph holds the cell's variables.</param>
    /// <param name="kernel">Keras <c>kernel</c> (in, H).</param>
    /// <param name="recurrentKernel">Keras <c>recurrent_kernel</c> (H, H).</param>
    /// <param name="bias">Keras <c>bias</c> (H) or null.</param>
    /// <param name="recurScope">The Recur cell's scope.</param>
    /// <exception cref="KeyNotFoundException">A graph variable is missing.</exception>
    /// <exception cref="ArgumentException">A shape differs from the variable's.</exception>
    public static void LoadKerasSimpleRnn(Session sess, NDArray kernel, NDArray recurrentKernel, NDArray? bias,
        string recurScope = "rnn/basic_rnn_cell") =>
        Assign(sess, MapKerasSimpleRnn(kernel, recurrentKernel, bias, recurScope), "RnnWeightImport.LoadKerasSimpleRnn");

    // ---------------------------------------------------------------- assignment

    /// <summary>
    /// Assigns TF-named values (the result of a <c>Map…</c> method, or any name → array map) to the variables of the
    /// session's graph, converting floating-point values to each variable's dtype. Every name and shape is checked
    /// before anything is assigned.
    /// </summary>
    /// <param name="sess">The session.</param>
    /// <param name="values">TF variable name → value.</param>
    /// <exception cref="KeyNotFoundException">The graph has no variable of some name (close matches are named).</exception>
    /// <exception cref="ArgumentException">A value's shape differs from its variable's, or its dtype cannot be converted.</exception>
    public static void Assign(Session sess, IReadOnlyDictionary<string, NDArray> values) => Assign(sess, values, "RnnWeightImport.Assign");

    private static void Assign(Session sess, IReadOnlyDictionary<string, NDArray> values, string who)
    {
        ArgumentNullException.ThrowIfNull(sess);
        ArgumentNullException.ThrowIfNull(values);
        var g = sess.Graph;
        var entries = new List<(string Key, Variable Variable)>();
        var converted = new Dictionary<string, NDArray>(StringComparer.Ordinal);
        foreach (var (name, value) in values.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!g.HasVariable(name))
                throw new KeyNotFoundException(
                    $"{who}: the graph has no variable '{name}' to receive the imported weight.{NameMatch.Hint(name, g.Variables.Select(v => v.Name).ToList(), "the graph")} Build the cell (and run the RNN driver) before importing, with the scope given as recurScope.");
            var v = g.GetVariable(name);
            var a = value;
            if (a.DType != v.DType)
            {
                if (!(a.DType.IsFloating() && v.DType.IsFloating()))
                    throw new ArgumentException($"{who}: variable '{name}' has dtype {v.DType}, but the imported weight has dtype {a.DType}.");
                a = a.AsType(v.DType);
            }
            entries.Add((name, v));
            converted[name] = a;
        }
        VariableValues.Assign(sess, entries, converted, "the imported weights", who);
    }

    private static void RequireResetAfter(Graph g, string scope, string who, string source)
    {
        if (g.HasVariable($"{scope}/candidate/kernel") && !g.HasVariable($"{scope}/candidate/input_projection/kernel"))
            throw new ArgumentException(
                $"{who}: {source} applies the reset after the hidden matmul, but '{scope}' is the TF1 reset-before GruCell (it has '{scope}/candidate/kernel'); build GruCell(H, resetAfter: true).");
    }

    // ---------------------------------------------------------------- layout helpers

    /// <summary>One PyTorch layer's parameters as float64 matrices.</summary>
    private sealed record TorchLayer(Mat Wih, Mat Whh, Mat Bih, Mat Bhh, int Hidden, DType DType)
    {
        public Mat Bias => Mat.Add(Bih, Bhh);

        public static string Key(string prefix, string what, int layer, bool reverse) =>
            $"{(prefix.Length > 0 ? prefix + "." : "")}{what}_l{layer}{(reverse ? "_reverse" : "")}";

        public static TorchLayer Read(IReadOnlyDictionary<string, NDArray> w, string prefix, int layer, bool reverse, int gates, string who)
        {
            ArgumentNullException.ThrowIfNull(w);
            ArgumentNullException.ThrowIfNull(prefix);
            ArgumentOutOfRangeException.ThrowIfNegative(layer);
            NDArray Get(string what)
            {
                var key = Key(prefix, what, layer, reverse);
                if (w.TryGetValue(key, out var a)) return a;
                throw new KeyNotFoundException($"{who}: the PyTorch weights have no '{key}'.{NameMatch.Hint(key, w.Keys.ToList(), "the weights")}");
            }
            string kih = Key(prefix, "weight_ih", layer, reverse), khh = Key(prefix, "weight_hh", layer, reverse);
            var wihA = Get("weight_ih");
            var wih = Mat.From(wihA, kih, who);
            var whh = Mat.From(Get("weight_hh"), khh, who);
            if (wih.Rows % gates != 0 || wih.Rows == 0)
                throw new ArgumentException($"{who}: '{kih}' must have {gates}·hidden_size rows, but has shape {wihA.Shape}.");
            int h = wih.Rows / gates;
            if (whh.Rows != gates * h)
                throw new ArgumentException($"{who}: '{khh}' must have {gates * h} rows like '{kih}', but has {whh.Rows}.");
            Mat Bias(string what)
            {
                var key = Key(prefix, what, layer, reverse);
                if (!w.TryGetValue(key, out var a))
                {
                    if (w.ContainsKey(Key(prefix, what == "bias_ih" ? "bias_hh" : "bias_ih", layer, reverse)))
                        throw new KeyNotFoundException($"{who}: the PyTorch weights have no '{key}' (but have the other bias).");
                    return new Mat(new double[gates * h], 1, gates * h);   // bias=False
                }
                var m = Mat.From(a, key, who, vector: true);
                if (m.Cols != gates * h)
                    throw new ArgumentException($"{who}: '{key}' must have shape ({gates * h}), but has {a.Shape}.");
                return m;
            }
            return new TorchLayer(wih, whh, Bias("bias_ih"), Bias("bias_hh"), h, wihA.DType);
        }
    }

    /// <summary>One Keras layer's weights as float64 matrices.</summary>
    private sealed record KerasLayer(Mat Kernel, Mat Recurrent, Mat Bias, int Hidden, DType DType)
    {
        public static KerasLayer Read(NDArray kernel, NDArray recurrent, NDArray? bias, int gates, int biasRows, string who)
        {
            ArgumentNullException.ThrowIfNull(kernel);
            ArgumentNullException.ThrowIfNull(recurrent);
            var k = Mat.From(kernel, "kernel", who);
            var r = Mat.From(recurrent, "recurrent_kernel", who);
            if (r.Cols % gates != 0 || r.Cols == 0 || r.Rows * gates != r.Cols)
                throw new ArgumentException($"{who}: recurrent_kernel must have shape (units, {gates}·units), but has {recurrent.Shape}.");
            int h = r.Rows;
            if (k.Cols != gates * h)
                throw new ArgumentException($"{who}: kernel must have {gates * h} columns ({gates}·units, like recurrent_kernel {recurrent.Shape}), but has shape {kernel.Shape}.");
            Mat b;
            if (bias is null) b = new Mat(new double[biasRows * gates * h], biasRows, gates * h);
            else if (biasRows == 1)
            {
                if (bias.Rank != 1 || bias.Shape[0] != gates * h)
                    throw new ArgumentException($"{who}: bias must have shape ({gates * h}), but has {bias.Shape}.");
                b = Mat.From(bias, "bias", who, vector: true);
            }
            else
            {
                if (bias.Rank != 2 || bias.Shape[0] != biasRows || bias.Shape[1] != gates * h)
                    throw new ArgumentException($"{who}: bias must have shape ({biasRows}, {gates * h}) (input and recurrent biases, reset_after=True), but has {bias.Shape}.");
                b = Mat.From(bias, "bias", who);
            }
            return new KerasLayer(k, r, b, h, kernel.DType);
        }
    }

    /// <summary>A dense row-major float64 matrix (a vector is one row).</summary>
    private sealed record Mat(double[] Data, int Rows, int Cols)
    {
        public static Mat From(NDArray a, string name, string who, bool vector = false)
        {
            if (!a.DType.IsFloating())
                throw new ArgumentException($"{who}: '{name}' must be float32 or float64, but has dtype {a.DType}.");
            if (vector ? a.Rank != 1 : a.Rank != 2)
                throw new ArgumentException($"{who}: '{name}' must be a {(vector ? "vector" : "matrix")}, but has shape {a.Shape}.");
            var d = new double[a.Size];
            for (int i = 0; i < d.Length; i++) d[i] = a.GetDouble(i);
            return vector ? new Mat(d, 1, a.Shape[0]) : new Mat(d, a.Shape[0], a.Shape[1]);
        }

        public Mat T()
        {
            var t = new double[Data.Length];
            for (int i = 0; i < Rows; i++)
                for (int j = 0; j < Cols; j++)
                    t[j * Rows + i] = Data[i * Cols + j];
            return new Mat(t, Cols, Rows);
        }

        public Mat Row(int r) => new(Data.AsSpan(r * Cols, Cols).ToArray(), 1, Cols);

        /// <summary>Column blocks <paramref name="blocks"/> (each <paramref name="h"/> wide), concatenated in that order.</summary>
        public Mat GateColumns(int h, int[] blocks)
        {
            int cols = blocks.Length * h;
            var d = new double[Rows * cols];
            for (int i = 0; i < Rows; i++)
                for (int b = 0; b < blocks.Length; b++)
                    Array.Copy(Data, i * Cols + blocks[b] * h, d, i * cols + b * h, h);
            return new Mat(d, Rows, cols);
        }

        /// <summary>Stacks matrices of equal width on axis 0.</summary>
        public static Mat Stack(Mat a, Mat b)
        {
            if (a.Cols != b.Cols) throw new ArgumentException($"RnnWeightImport: cannot stack a ({a.Rows}, {a.Cols}) matrix on a ({b.Rows}, {b.Cols}) one.");
            return new Mat([.. a.Data, .. b.Data], a.Rows + b.Rows, a.Cols);
        }

        public static Mat Add(Mat a, Mat b) => new(a.Data.Zip(b.Data, (x, y) => x + y).ToArray(), a.Rows, a.Cols);

        public NDArray ToNDArray(DType dtype, bool vector = false)
        {
            var shape = vector ? new Recur.Shape(Cols) : new Recur.Shape(Rows, Cols);
            return dtype == DType.Float32 ? new NDArray(Data.Select(x => (float)x).ToArray(), shape) : new NDArray((double[])Data.Clone(), shape);
        }
    }
}
