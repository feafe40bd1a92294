using System.Text.Json;
using Recur.Rnn;

namespace Recur.Tests.Rnn.Conformance;

/// <summary>One PyTorch reference fixture (Data/torch/*.json, written by tests/reference/generate_torch_fixtures.py).</summary>
internal sealed class TorchFixture
{
    public required string Name { get; init; }
    public required string Mode { get; init; }             // RNN | GRU | LSTM
    public string? Nonlinearity { get; init; }             // RNN: tanh | relu
    public int InputSize { get; init; }
    public int HiddenSize { get; init; }
    public int ProjSize { get; init; }                     // LSTM: 0 = no projection
    public int NumLayers { get; init; }
    public bool Bidirectional { get; init; }
    public bool BatchFirst { get; init; }
    public int Batch { get; init; }
    public int Time { get; init; }
    public int[]? Lengths { get; init; }                   // null: every row has length T, run without sequenceLength
    public required DenseArray Input { get; init; }        // (B, T, I) if BatchFirst else (T, B, I)
    public required DenseArray H0 { get; init; }           // (layers·dirs, B, Hout)
    public DenseArray? C0 { get; init; }                   // (layers·dirs, B, H)
    public required IReadOnlyDictionary<string, DenseArray> Weights { get; init; }
    public required DenseArray Output { get; init; }       // (B, T, dirs·Hout) / (T, B, dirs·Hout), zero past the lengths
    public required DenseArray HN { get; init; }           // (layers·dirs, B, Hout)
    public DenseArray? CN { get; init; }

    public int Directions => Bidirectional ? 2 : 1;

    public int OutputDepth => ProjSize > 0 ? ProjSize : HiddenSize;

    public static TorchFixture Load(string name)
    {
        using var doc = ConformanceData.Read("torch", name + ".json");
        var r = doc.RootElement;
        var cfg = r.GetProperty("config");
        DenseArray? Opt(string p) => r.GetProperty(p).ValueKind == JsonValueKind.Null ? null : DenseArray.Parse(r.GetProperty(p));
        return new TorchFixture
        {
            Name = name,
            Mode = cfg.GetProperty("mode").GetString()!,
            Nonlinearity = cfg.GetProperty("nonlinearity").ValueKind == JsonValueKind.Null ? null : cfg.GetProperty("nonlinearity").GetString(),
            InputSize = cfg.GetProperty("input_size").GetInt32(),
            HiddenSize = cfg.GetProperty("hidden_size").GetInt32(),
            ProjSize = cfg.GetProperty("proj_size").GetInt32(),
            NumLayers = cfg.GetProperty("num_layers").GetInt32(),
            Bidirectional = cfg.GetProperty("bidirectional").GetBoolean(),
            BatchFirst = cfg.GetProperty("batch_first").GetBoolean(),
            Batch = cfg.GetProperty("batch").GetInt32(),
            Time = cfg.GetProperty("time").GetInt32(),
            Lengths = r.GetProperty("lengths").ValueKind == JsonValueKind.Null ? null
                : r.GetProperty("lengths").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            Input = DenseArray.Parse(r.GetProperty("input")),
            H0 = DenseArray.Parse(r.GetProperty("h0")),
            C0 = Opt("c0"),
            Weights = r.GetProperty("weights").EnumerateObject().ToDictionary(p => p.Name, p => DenseArray.Parse(p.Value)),
            Output = DenseArray.Parse(r.GetProperty("output")),
            HN = DenseArray.Parse(r.GetProperty("h_n")),
            CN = Opt("c_n"),
        };
    }
}

/// <summary>
/// PyTorch <c>nn.RNN</c> / <c>nn.GRU</c> / <c>nn.LSTM</c> as a second reference (float64 fixtures): variable lengths,
/// two layers, both directions, batch-first and time-major, LSTM projections. The PyTorch weights are mapped onto TF
/// cells (tests/reference/README.md) and run through <c>Tf.Nn.DynamicRnn</c> / <c>Tf.Nn.BidirectionalDynamicRnn</c>.
/// </summary>
public sealed class TorchReferenceTests
{
    /// <summary>
    /// Float64 agreement with PyTorch. Both sides compute the same float64 expressions up to summation order and
    /// libm differences (~1e-16 per op); 1e-10 abs+rel leaves room for that over ≤ 6 steps and 2 layers while still
    /// catching any real difference in equations, gate order or state handling.
    /// </summary>
    private const double Float64CrossFrameworkTol = 1e-10;

    private static string[] FixtureNames() =>
        Directory.GetFiles(ConformanceData.PathOf("torch"), "*.json").Select(f => Path.GetFileNameWithoutExtension(f)!)
            .Order(StringComparer.Ordinal).ToArray();

    public static TheoryData<string> Fixtures() => new(FixtureNames());

    [Fact]
    public void Fixtures_DataFolder_CoverEveryModeLayerAndDirectionCombination()
    {
        var all = FixtureNames().Select(TorchFixture.Load).ToList();
        Assert.True(all.Count >= 12, $"expected the committed fixtures, found {all.Count}");
        Assert.Contains(all, f => f.Mode == "RNN" && f.Nonlinearity == "tanh");
        Assert.Contains(all, f => f.Mode == "RNN" && f.Nonlinearity == "relu");
        foreach (var mode in new[] { "RNN", "GRU", "LSTM" })
        {
            Assert.Contains(all, f => f.Mode == mode && f.NumLayers == 2 && f.Bidirectional);
            Assert.Contains(all, f => f.Mode == mode && f.Lengths is not null);
            Assert.Contains(all, f => f.Mode == mode && f.BatchFirst);
            Assert.Contains(all, f => f.Mode == mode && !f.BatchFirst);
        }
        Assert.Contains(all, f => f.ProjSize > 0 && f.NumLayers == 2 && f.Bidirectional);
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void DynamicRnn_TorchFixtureFloat64_MatchesPyTorchOutputsAndFinalStates(string fixture) =>
        RunAndCompare(TorchFixture.Load(fixture), DType.Float64, Float64CrossFrameworkTol, runTimeShapes: false);

    [Theory]
    [InlineData("lstm_2layer_bidir_batch_first")]
    [InlineData("gru_2layer_time_major_lengths")]
    public void DynamicRnn_TorchFixtureFloat32_MatchesPyTorchAtFloat32Tolerance(string fixture) =>
        RunAndCompare(TorchFixture.Load(fixture), DType.Float32, TestUtil.Tol(DType.Float32), runTimeShapes: false);

    [Theory]
    [InlineData("lstm_proj_2layer_bidir_lengths")]
    [InlineData("rnn_relu_time_major_lengths")]
    public void DynamicRnn_TorchFixtureFedWithUnknownBatchAndTime_MatchesPyTorch(string fixture) =>
        RunAndCompare(TorchFixture.Load(fixture), DType.Float64, Float64CrossFrameworkTol, runTimeShapes: true);

    /// <summary>
    /// The fixtures tell the two GRU variants apart (the ONNX GRU cases cannot: their gates saturate or their weights are
    /// constant): the TF1 reset-before GruCell given the same weights (candidate kernel [W_inᵀ; W_hnᵀ], bias
    /// b_in + b_hn) must be far from PyTorch's outputs.
    /// </summary>
    [Fact]
    public void DynamicRnn_TorchGruFixtureWithResetBeforeGruCell_DoesNotMatchPyTorch()
    {
        var f = TorchFixture.Load("gru_batch_first_lengths");
        int h = f.HiddenSize;
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Constant(f.Input.ToNDArray(DType.Float64));
            var lengths = Tf.Constant(new NDArray((int[])f.Lengths!.Clone(), new Shape(f.Batch)));
            var (y, _) = Tf.Nn.DynamicRnn(new GruCell(h), x, sequenceLength: lengths, initialState: InitialState(f, 0, DType.Float64));
            var initOp = Tf.GlobalVariablesInitializer();
            using var s = new Session(g);
            s.Run(initOp);
            var after = TfVariables(f, 0, "", "rnn/gru_cell").ToDictionary(p => p.Name, p => p.Value);
            g.GetVariable("rnn/gru_cell/gates/kernel").Load(after["rnn/gru_cell/gates/kernel"].ToNDArray(DType.Float64), s);
            g.GetVariable("rnn/gru_cell/gates/bias").Load(after["rnn/gru_cell/gates/bias"].ToNDArray(DType.Float64), s);
            g.GetVariable("rnn/gru_cell/candidate/kernel").Load(Layout.Rows(after["rnn/gru_cell/candidate/input_projection/kernel"],
                after["rnn/gru_cell/candidate/hidden_projection/kernel"]).ToNDArray(DType.Float64), s);
            g.GetVariable("rnn/gru_cell/candidate/bias").Load(Layout.Add(after["rnn/gru_cell/candidate/input_projection/bias"],
                after["rnn/gru_cell/candidate/hidden_projection/bias"]).ToNDArray(DType.Float64), s);
            var got = s.Run(y);
            double worst = Enumerable.Range(0, got.Size).Max(i => Math.Abs(got.GetDouble(i) - f.Output.Data[i]));
            Assert.True(worst > 1e-3, $"reset-before GRU unexpectedly matches PyTorch (max |diff| {worst:G3})");
        }
    }

    private static void RunAndCompare(TorchFixture f, DType dt, double tol, bool runTimeShapes)
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var feeds = new FeedDict();
            Tensor x;
            Tensor? lengths = null;
            if (runTimeShapes)
            {
                x = Tf.Placeholder(dt, new Shape(-1, -1, f.InputSize), "x");
                feeds[x] = f.Input.ToNDArray(dt);
                if (f.Lengths is not null)
                {
                    lengths = Tf.Placeholder(DType.Int32, new Shape(-1), "lengths");
                    feeds[lengths] = new NDArray((int[])f.Lengths.Clone(), new Shape(f.Batch));
                }
            }
            else
            {
                x = Tf.Constant(f.Input.ToNDArray(dt));
                if (f.Lengths is not null) lengths = Tf.Constant(new NDArray((int[])f.Lengths.Clone(), new Shape(f.Batch)));
            }

            // (layer, direction) → the TF variable scope of that cell, the final state, and the fixture slot index.
            var finals = new List<(int Slot, RnnState State)>();
            var load = new List<(string Name, DenseArray Value)>();
            Tensor output;
            if (!f.Bidirectional)
            {
                var cells = Enumerable.Range(0, f.NumLayers).Select(_ => MakeCell(f)).ToList();
                RnnCell cell = f.NumLayers == 1 ? cells[0] : new MultiRnnCell(cells);
                var init = f.NumLayers == 1 ? InitialState(f, 0, dt)
                    : new RnnStateTuple(Enumerable.Range(0, f.NumLayers).Select(l => InitialState(f, l, dt)).ToArray());
                var (y, state) = Tf.Nn.DynamicRnn(cell, x, sequenceLength: lengths, initialState: init, timeMajor: !f.BatchFirst);
                output = y;
                for (int l = 0; l < f.NumLayers; l++)
                {
                    string prefix = f.NumLayers == 1 ? "rnn/" : $"rnn/multi_rnn_cell/cell_{l}/";
                    load.AddRange(TfVariables(f, l, "", prefix + CellScope(f)));
                    finals.Add((l, f.NumLayers == 1 ? state : ((RnnStateTuple)state)[l]));
                }
            }
            else
            {
                // PyTorch feeds layer l+1 the concatenation [fw | bw] of layer l's outputs: TF's
                // stack_bidirectional_dynamic_rnn, i.e. one BidirectionalDynamicRnn per layer under
                // stack_bidirectional_rnn/cell_{l}/ (a single layer uses the plain bidirectional_rnn/ scope).
                var layerInput = x;
                for (int l = 0; l < f.NumLayers; l++)
                {
                    var (fwCell, bwCell) = (MakeCell(f), MakeCell(f));
                    ((Tensor Fw, Tensor Bw) o, (RnnState Fw, RnnState Bw) st) r;
                    string prefix;
                    if (f.NumLayers == 1)
                    {
                        r = Bidirectional(f, fwCell, bwCell, layerInput, lengths, l, dt);
                        prefix = "bidirectional_rnn/";
                    }
                    else
                    {
                        using (Tf.VariableScope("stack_bidirectional_rnn"))
                        using (Tf.VariableScope($"cell_{l}"))
                            r = Bidirectional(f, fwCell, bwCell, layerInput, lengths, l, dt);
                        prefix = $"stack_bidirectional_rnn/cell_{l}/bidirectional_rnn/";
                    }
                    load.AddRange(TfVariables(f, l, "", prefix + "fw/" + CellScope(f)));
                    load.AddRange(TfVariables(f, l, "_reverse", prefix + "bw/" + CellScope(f)));
                    finals.Add((2 * l, r.st.Fw));
                    finals.Add((2 * l + 1, r.st.Bw));
                    layerInput = Tf.Concat(new[] { r.o.Fw, r.o.Bw }, 2);
                }
                output = layerInput;
            }
            var initOp = Tf.GlobalVariablesInitializer();

            using var s = new Session(g);
            s.Run(initOp);
            foreach (var (name, value) in load) g.GetVariable(name).Load(value.ToNDArray(dt), s);

            var fetches = new List<Tensor> { output };
            foreach (var (_, st) in finals)
            {
                if (st is LstmStateTuple lt) { fetches.Add(lt.H); fetches.Add(lt.C); }
                else fetches.Add(st.Tensor);
            }
            var got = s.Run(fetches, feeds);

            ConformanceData.AssertClose($"{f.Name} ({dt}) output", f.Output.Data, got[0], tol, f.Output.Shape);
            int k = 1;
            foreach (var (slot, _) in finals)
            {
                string where = f.Bidirectional ? $"layer {slot / 2} {(slot % 2 == 0 ? "fw" : "bw")}" : $"layer {slot}";
                ConformanceData.AssertClose($"{f.Name} ({dt}) h_n[{slot}] ({where})", f.HN.Slice0(slot).Data, got[k++], tol, f.HN.Slice0(slot).Shape);
                if (f.Mode == "LSTM")
                    ConformanceData.AssertClose($"{f.Name} ({dt}) c_n[{slot}] ({where})", f.CN!.Slice0(slot).Data, got[k++], tol, f.CN!.Slice0(slot).Shape);
            }
        }
    }

    private static ((Tensor Fw, Tensor Bw), (RnnState Fw, RnnState Bw)) Bidirectional(TorchFixture f, RnnCell fw, RnnCell bw,
        Tensor input, Tensor? lengths, int layer, DType dt) =>
        Tf.Nn.BidirectionalDynamicRnn(fw, bw, input, sequenceLength: lengths,
            initialStateFw: InitialState(f, 2 * layer, dt), initialStateBw: InitialState(f, 2 * layer + 1, dt),
            timeMajor: !f.BatchFirst);

    private static RnnCell MakeCell(TorchFixture f) => f.Mode switch
    {
        "RNN" => new BasicRnnCell(f.HiddenSize, f.Nonlinearity == "relu" ? Tf.Nn.Relu : Tf.Nn.Tanh),
        "GRU" => new GruCell(f.HiddenSize, resetAfter: true),
        "LSTM" => new LstmCell(f.HiddenSize, numProj: f.ProjSize > 0 ? f.ProjSize : null, forgetBias: 0.0),
        _ => throw new InvalidOperationException(f.Mode),
    };

    private static string CellScope(TorchFixture f) => f.Mode switch
    {
        "RNN" => "basic_rnn_cell",
        "GRU" => "gru_cell",
        _ => "lstm_cell",
    };

    /// <summary>The initial state of fixture slot k (= layer·directions + direction): h0[k], and for LSTM (c0[k], h0[k]).</summary>
    private static RnnState InitialState(TorchFixture f, int slot, DType dt)
    {
        var h = Tf.Constant(f.H0.Slice0(slot).ToNDArray(dt));
        return f.Mode == "LSTM" ? new LstmStateTuple(Tf.Constant(f.C0!.Slice0(slot).ToNDArray(dt)), h) : RnnState.Of(h);
    }

    /// <summary>
    /// PyTorch's parameters of one layer and direction (suffix "" or "_reverse") as TF variables under
    /// <paramref name="scope"/>. PyTorch stores gate blocks as rows: weight_ih (G·H, in), weight_hh (G·H, Hout),
    /// LSTM gates i, f, g, o; GRU r, z, n. TF kernels are (in + Hout, G·H) applied to [x, h].
    /// </summary>
    internal static IEnumerable<(string Name, DenseArray Value)> TfVariables(TorchFixture f, int layer, string suffix, string scope)
    {
        int h = f.HiddenSize;
        var wi = f.Weights[$"weight_ih_l{layer}{suffix}"];
        var wh = f.Weights[$"weight_hh_l{layer}{suffix}"];
        var bi = f.Weights[$"bias_ih_l{layer}{suffix}"];
        var bh = f.Weights[$"bias_hh_l{layer}{suffix}"];
        DenseArray Col(int k) => Layout.GateColumn(wi, wh, k, h);
        DenseArray Bias(int k) => Layout.Add(Layout.Block(bi, k, h), Layout.Block(bh, k, h));
        switch (f.Mode)
        {
            case "RNN":
                yield return ($"{scope}/kernel", Col(0));
                yield return ($"{scope}/bias", Bias(0));
                break;
            case "GRU":
                // gates [r, u] with u = PyTorch's z; the candidate keeps input and hidden parts apart because PyTorch
                // resets after the hidden matmul: n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)).
                yield return ($"{scope}/gates/kernel", Layout.Cols(Col(0), Col(1)));
                yield return ($"{scope}/gates/bias", Layout.Cols(Bias(0), Bias(1)));
                yield return ($"{scope}/candidate/input_projection/kernel", Layout.Transpose(Layout.Block(wi, 2, h)));
                yield return ($"{scope}/candidate/input_projection/bias", Layout.Block(bi, 2, h));
                yield return ($"{scope}/candidate/hidden_projection/kernel", Layout.Transpose(Layout.Block(wh, 2, h)));
                yield return ($"{scope}/candidate/hidden_projection/bias", Layout.Block(bh, 2, h));
                break;
            case "LSTM":
                // TF column blocks i, j, f, o ← PyTorch row blocks i, g, f, o = 0, 2, 1, 3.
                int[] order = { 0, 2, 1, 3 };
                yield return ($"{scope}/kernel", Layout.Cols(order.Select(Col).ToArray()));
                yield return ($"{scope}/bias", Layout.Cols(order.Select(Bias).ToArray()));
                if (f.ProjSize > 0)
                    yield return ($"{scope}/projection/kernel", Layout.Transpose(f.Weights[$"weight_hr_l{layer}{suffix}"]));
                break;
            default:
                throw new InvalidOperationException(f.Mode);
        }
    }
}
