using Recur.IO;
using Recur.Rnn;
using Recur.Tests.Rnn.Conformance;

namespace Recur.Tests.IO;

/// <summary>
/// PyTorch-trained weights (the float64 fixtures of Data/torch) go through a safetensors file, are mapped by
/// <see cref="RnnWeightImport"/> onto Recur cells and must reproduce PyTorch's outputs and final states. Keras weights
/// are derived from the same PyTorch weights (Keras LSTM gate order i, f, c, o equals PyTorch's i, f, g, o; Keras GRU
/// z, r, h is PyTorch's r, z, n permuted), so the Keras mapping is checked against PyTorch's numbers too.
/// </summary>
public sealed class RnnWeightImportTests
{
    /// <summary>The cross-framework float64 tolerance of TorchReferenceTests (1e-10 abs + rel).</summary>
    private const double Tol = 1e-10;

    /// <summary>The fixture's parameters as a PyTorch state_dict of module <paramref name="prefix"/>, written to and read back from safetensors.</summary>
    private static IReadOnlyDictionary<string, NDArray> TorchStateDict(TorchFixture f, string prefix, TempDir dir)
    {
        var sd = f.Weights.ToDictionary(p => prefix + "." + p.Key, p => p.Value.ToNDArray(DType.Float64));
        var path = dir.File(f.Name + ".safetensors");
        Safetensors.Save(path, sd, new Dictionary<string, string> { ["format"] = "pt" });
        return Safetensors.Load(path);
    }

    private static RnnState Initial(TorchFixture f, int slot, DType dt)
    {
        var h = Tf.Constant(f.H0.Slice0(slot).ToNDArray(dt));
        return f.Mode == "LSTM" ? new LstmStateTuple(Tf.Constant(f.C0!.Slice0(slot).ToNDArray(dt)), h) : RnnState.Of(h);
    }

    /// <summary>
    /// Builds the fixture's model (one direction, any number of layers; or one bidirectional layer) with
    /// <paramref name="makeCell"/>, runs <paramref name="load"/> (which assigns every variable; no initializer is run) and
    /// compares outputs, h_n and c_n with PyTorch's.
    /// </summary>
    private static void RunAndCompare(TorchFixture f, Func<RnnCell> makeCell, Action<Session> load, DType dt = DType.Float64, double tol = Tol)
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Constant(f.Input.ToNDArray(dt));
            Tensor? lengths = f.Lengths is null ? null : Tf.Constant(new NDArray((int[])f.Lengths.Clone(), new Shape(f.Batch)));
            Tensor output;
            var finals = new List<RnnState>();
            if (!f.Bidirectional)
            {
                var cells = Enumerable.Range(0, f.NumLayers).Select(_ => makeCell()).ToList();
                RnnCell cell = f.NumLayers == 1 ? cells[0] : new MultiRnnCell(cells);
                RnnState init = f.NumLayers == 1 ? Initial(f, 0, dt)
                    : new RnnStateTuple(Enumerable.Range(0, f.NumLayers).Select(l => Initial(f, l, dt)).ToArray());
                var (y, st) = Tf.Nn.DynamicRnn(cell, x, sequenceLength: lengths, initialState: init, timeMajor: !f.BatchFirst);
                output = y;
                for (int l = 0; l < f.NumLayers; l++) finals.Add(f.NumLayers == 1 ? st : ((RnnStateTuple)st)[l]);
            }
            else
            {
                Assert.Equal(1, f.NumLayers);
                var (o, st) = Tf.Nn.BidirectionalDynamicRnn(makeCell(), makeCell(), x, sequenceLength: lengths,
                    initialStateFw: Initial(f, 0, dt), initialStateBw: Initial(f, 1, dt), timeMajor: !f.BatchFirst);
                output = Tf.Concat(new[] { o.Fw, o.Bw }, 2);
                finals.Add(st.Fw);
                finals.Add(st.Bw);
            }
            using var s = new Session(g);
            load(s);
            Assert.All(g.Variables, v => Assert.True(s.IsInitialized(v), $"the import left '{v.Name}' unassigned"));

            var fetches = new List<Tensor> { output };
            foreach (var st in finals)
            {
                if (st is LstmStateTuple lt) { fetches.Add(lt.H); fetches.Add(lt.C); }
                else fetches.Add(st.Tensor);
            }
            var got = s.Run(fetches);
            ConformanceData.AssertClose($"{f.Name} output", f.Output.Data, got[0], tol, f.Output.Shape);
            int k = 1;
            for (int slot = 0; slot < finals.Count; slot++)
            {
                ConformanceData.AssertClose($"{f.Name} h_n[{slot}]", f.HN.Slice0(slot).Data, got[k++], tol, f.HN.Slice0(slot).Shape);
                if (f.Mode == "LSTM") ConformanceData.AssertClose($"{f.Name} c_n[{slot}]", f.CN!.Slice0(slot).Data, got[k++], tol, f.CN!.Slice0(slot).Shape);
            }
        }
    }

    [Fact]
    public void LoadTorchLstm_FixtureThroughSafetensors_MatchesPyTorchFloat64()
    {
        using var dir = new TempDir();
        var f = TorchFixture.Load("lstm_batch_first_lengths");
        var sd = TorchStateDict(f, "lstm", dir);
        Assert.Contains("lstm.weight_ih_l0", sd.Keys);
        RunAndCompare(f, () => new LstmCell(f.HiddenSize, forgetBias: 0.0),
            s => RnnWeightImport.LoadTorchLstm(s, sd, "lstm", layer: 0, recurScope: "rnn/lstm_cell", cellForgetBias: 0.0));
    }

    [Fact]
    public void LoadTorchLstm_DefaultForgetBiasCell_SubtractsItAndStillMatches()
    {
        using var dir = new TempDir();
        var f = TorchFixture.Load("lstm_batch_first_lengths");
        var sd = TorchStateDict(f, "lstm", dir);
        RunAndCompare(f, () => new LstmCell(f.HiddenSize), s => RnnWeightImport.LoadTorchLstm(s, sd));   // forgetBias 1.0 both sides
        RunAndCompare(f, () => new BasicLstmCell(f.HiddenSize),
            s => RnnWeightImport.LoadTorchLstm(s, sd, recurScope: "rnn/basic_lstm_cell"));
    }

    [Fact]
    public void LoadTorchLstm_TwoLayers_MatchesPyTorch()
    {
        using var dir = new TempDir();
        var f = TorchFixture.Load("lstm_2layer_time_major_lengths");
        var sd = TorchStateDict(f, "encoder.lstm", dir);
        RunAndCompare(f, () => new LstmCell(f.HiddenSize, forgetBias: 0.0), s =>
        {
            for (int l = 0; l < 2; l++)
                RnnWeightImport.LoadTorchLstm(s, sd, "encoder.lstm", l, $"rnn/multi_rnn_cell/cell_{l}/lstm_cell", cellForgetBias: 0.0);
        });
    }

    [Fact]
    public void LoadTorchLstm_Projection_MatchesPyTorch()
    {
        using var dir = new TempDir();
        var f = TorchFixture.Load("lstm_proj_batch_first_lengths");
        var sd = TorchStateDict(f, "lstm", dir);
        var map = RnnWeightImport.MapTorchLstm(sd, cellForgetBias: 0.0);
        Assert.Equal(new Shape(f.HiddenSize, f.ProjSize), map["rnn/lstm_cell/projection/kernel"].Shape);
        RunAndCompare(f, () => new LstmCell(f.HiddenSize, numProj: f.ProjSize, forgetBias: 0.0),
            s => RnnWeightImport.LoadTorchLstm(s, sd, cellForgetBias: 0.0));
    }

    [Fact]
    public void LoadTorchLstm_BothDirections_MatchesPyTorch()
    {
        using var dir = new TempDir();
        var f = TorchFixture.Load("lstm_bidir_time_major_full");
        var sd = TorchStateDict(f, "lstm", dir);
        RunAndCompare(f, () => new LstmCell(f.HiddenSize, forgetBias: 0.0), s =>
        {
            RnnWeightImport.LoadTorchLstm(s, sd, recurScope: "bidirectional_rnn/fw/lstm_cell", cellForgetBias: 0.0);
            RnnWeightImport.LoadTorchLstm(s, sd, recurScope: "bidirectional_rnn/bw/lstm_cell", cellForgetBias: 0.0, reverse: true);
        });
    }

    [Fact]
    public void LoadTorchLstm_Float32Graph_ConvertsFloat64Weights()
    {
        using var dir = new TempDir();
        var f = TorchFixture.Load("lstm_batch_first_lengths");
        var sd = TorchStateDict(f, "lstm", dir);
        RunAndCompare(f, () => new LstmCell(f.HiddenSize, forgetBias: 0.0),
            s => RnnWeightImport.LoadTorchLstm(s, sd, cellForgetBias: 0.0), DType.Float32, TestUtil.Tol(DType.Float32));
    }

    [Theory]
    [InlineData("gru_batch_first_lengths")]
    [InlineData("gru_2layer_time_major_lengths")]
    public void LoadTorchGru_Fixture_MatchesPyTorch(string fixture)
    {
        using var dir = new TempDir();
        var f = TorchFixture.Load(fixture);
        var sd = TorchStateDict(f, "gru", dir);
        RunAndCompare(f, () => new GruCell(f.HiddenSize, resetAfter: true), s =>
        {
            for (int l = 0; l < f.NumLayers; l++)
                RnnWeightImport.LoadTorchGru(s, sd, "gru", l, f.NumLayers == 1 ? "rnn/gru_cell" : $"rnn/multi_rnn_cell/cell_{l}/gru_cell");
        });
    }

    [Fact]
    public void LoadTorchGru_ResetBeforeCell_ThrowsArgumentExceptionNamingResetAfter()
    {
        using var dir = new TempDir();
        var f = TorchFixture.Load("gru_batch_first_lengths");
        var sd = TorchStateDict(f, "gru", dir);
        var g = new Graph();
        using (g.AsDefault())
            Tf.Nn.DynamicRnn(new GruCell(f.HiddenSize), Tf.Constant(f.Input.ToNDArray(DType.Float64)), dtype: DType.Float64);
        using var s = new Session(g);
        var e = Assert.Throws<ArgumentException>(() => RnnWeightImport.LoadTorchGru(s, sd));
        Assert.Contains("resetAfter: true", e.Message);
    }

    [Theory]
    [InlineData("rnn_tanh_batch_first_lengths")]
    [InlineData("rnn_relu_time_major_lengths")]
    [InlineData("rnn_relu_2layer_full_length")]
    public void LoadTorchRnn_Fixture_MatchesPyTorch(string fixture)
    {
        using var dir = new TempDir();
        var f = TorchFixture.Load(fixture);
        var sd = TorchStateDict(f, "rnn", dir);
        RunAndCompare(f, () => new BasicRnnCell(f.HiddenSize, f.Nonlinearity == "relu" ? Tf.Nn.Relu : Tf.Nn.Tanh), s =>
        {
            for (int l = 0; l < f.NumLayers; l++)
                RnnWeightImport.LoadTorchRnn(s, sd, "rnn", l, f.NumLayers == 1 ? "rnn/basic_rnn_cell" : $"rnn/multi_rnn_cell/cell_{l}/basic_rnn_cell");
        });
    }

    // ------------------------------------------------------------------ Keras (derived from the PyTorch weights)

    private static NDArray T(DenseArray m) => Layout.Transpose(m).ToNDArray(DType.Float64);

    [Fact]
    public void LoadKerasLstm_KerasLayoutOfTorchWeights_MatchesPyTorch()
    {
        var f = TorchFixture.Load("lstm_batch_first_lengths");
        // Keras LSTM: kernel (I, 4H), recurrent_kernel (H, 4H), column blocks i, f, c, o = PyTorch's row blocks i, f, g, o.
        var kernel = T(f.Weights["weight_ih_l0"]);
        var recurrent = T(f.Weights["weight_hh_l0"]);
        var bias = Layout.Add(f.Weights["bias_ih_l0"], f.Weights["bias_hh_l0"]).ToNDArray(DType.Float64);
        RunAndCompare(f, () => new LstmCell(f.HiddenSize), s => RnnWeightImport.LoadKerasLstm(s, kernel, recurrent, bias));
    }

    [Fact]
    public void LoadKerasGru_ResetAfterLayoutOfTorchWeights_MatchesPyTorch()
    {
        var f = TorchFixture.Load("gru_batch_first_lengths");
        int h = f.HiddenSize;
        // Keras GRU(reset_after=True): column blocks z, r, h; bias (2, 3H) = [input bias; recurrent bias]. PyTorch rows r, z, n.
        DenseArray KerasOrder(DenseArray m) => Layout.Rows(Layout.Block(m, 1, h), Layout.Block(m, 0, h), Layout.Block(m, 2, h));
        DenseArray KerasBias(DenseArray b) => Layout.Cols(Layout.Block(b, 1, h), Layout.Block(b, 0, h), Layout.Block(b, 2, h));
        var kernel = T(KerasOrder(f.Weights["weight_ih_l0"]));
        var recurrent = T(KerasOrder(f.Weights["weight_hh_l0"]));
        var bias = new NDArray(KerasBias(f.Weights["bias_ih_l0"]).Data.Concat(KerasBias(f.Weights["bias_hh_l0"]).Data).ToArray(), new Shape(2, 3 * h));
        RunAndCompare(f, () => new GruCell(h, resetAfter: true), s => RnnWeightImport.LoadKerasGru(s, kernel, recurrent, bias));
    }

    [Fact]
    public void LoadKerasSimpleRnn_KerasLayoutOfTorchWeights_MatchesPyTorch()
    {
        var f = TorchFixture.Load("rnn_tanh_batch_first_lengths");
        var bias = Layout.Add(f.Weights["bias_ih_l0"], f.Weights["bias_hh_l0"]).ToNDArray(DType.Float64);
        RunAndCompare(f, () => new BasicRnnCell(f.HiddenSize),
            s => RnnWeightImport.LoadKerasSimpleRnn(s, T(f.Weights["weight_ih_l0"]), T(f.Weights["weight_hh_l0"]), bias));
    }

    /// <summary>
    /// Keras GRU(reset_after=False) has no PyTorch counterpart; its equations are evaluated directly here
    /// (z = σ(x·Wz + h·Uz + bz), r = σ(x·Wr + h·Ur + br), ĥ = tanh(x·Wh + (r ⊙ h)·Uh + bh), h' = z ⊙ h + (1 − z) ⊙ ĥ)
    /// and compared with the TF1 reset-before GruCell carrying the mapped weights.
    /// </summary>
    [Fact]
    public void LoadKerasGru_ResetBefore_MatchesKerasEquations()
    {
        const int batch = 2, steps = 4, input = 3, units = 5;
        var xData = TestUtil.RandomDoubles(batch * steps * input, 21);
        var k = TestUtil.RandomDoubles(input * 3 * units, 22, -0.8, 0.8);
        var u = TestUtil.RandomDoubles(units * 3 * units, 23, -0.8, 0.8);
        var b = TestUtil.RandomDoubles(3 * units, 24, -0.5, 0.5);

        // The Keras reference, row by row.
        var expected = new double[batch * steps * units];
        for (int n = 0; n < batch; n++)
        {
            var h = new double[units];
            for (int t = 0; t < steps; t++)
            {
                double XW(int col) { double sum = 0; for (int i = 0; i < input; i++) sum += xData[(n * steps + t) * input + i] * k[i * 3 * units + col]; return sum; }
                double HU(double[] v, int col) { double sum = 0; for (int j = 0; j < units; j++) sum += v[j] * u[j * 3 * units + col]; return sum; }
                var z = new double[units];
                var r = new double[units];
                for (int j = 0; j < units; j++)
                {
                    z[j] = 1 / (1 + Math.Exp(-(XW(j) + HU(h, j) + b[j])));
                    r[j] = 1 / (1 + Math.Exp(-(XW(units + j) + HU(h, units + j) + b[units + j])));
                }
                var rh = h.Select((v, j) => r[j] * v).ToArray();
                var next = new double[units];
                for (int j = 0; j < units; j++)
                {
                    double hh = Math.Tanh(XW(2 * units + j) + HU(rh, 2 * units + j) + b[2 * units + j]);
                    next[j] = z[j] * h[j] + (1 - z[j]) * hh;
                }
                h = next;
                Array.Copy(h, 0, expected, (n * steps + t) * units, units);
            }
        }

        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Tf.Constant(new NDArray(xData, new Shape(batch, steps, input)));
            var (y, _) = Tf.Nn.DynamicRnn(new GruCell(units), x, dtype: DType.Float64);
            using var s = new Session(g);
            RnnWeightImport.LoadKerasGru(s, new NDArray(k, new Shape(input, 3 * units)), new NDArray(u, new Shape(units, 3 * units)),
                new NDArray(b, new Shape(3 * units)));
            ConformanceData.AssertClose("Keras GRU(reset_after=False)", expected, s.Run(y), Tol, new[] { batch, steps, units });
        }
    }

    // ------------------------------------------------------------------ errors

    [Fact]
    public void MapTorchLstm_MissingWeight_ThrowsKeyNotFoundWithCloseMatches()
    {
        using var dir = new TempDir();
        var sd = TorchStateDict(TorchFixture.Load("lstm_batch_first_lengths"), "model.lstm", dir);
        var e = Assert.Throws<KeyNotFoundException>(() => RnnWeightImport.MapTorchLstm(sd, "lstm"));
        Assert.Contains("'lstm.weight_ih_l0'", e.Message);
        Assert.Contains("'model.lstm.weight_ih_l0'", e.Message);
        e = Assert.Throws<KeyNotFoundException>(() => RnnWeightImport.MapTorchLstm(sd, "model.lstm", layer: 1));
        Assert.Contains("weight_ih_l1", e.Message);
    }

    [Fact]
    public void MapTorchLstm_GruWeights_ThrowsArgumentExceptionAboutGateRows()
    {
        using var dir = new TempDir();
        var sd = TorchStateDict(TorchFixture.Load("gru_batch_first_lengths"), "m", dir);
        var bad = new Dictionary<string, NDArray>(sd) { ["m.weight_ih_l0"] = new NDArray(new double[10 * 3], new Shape(10, 3)) };
        var e = Assert.Throws<ArgumentException>(() => RnnWeightImport.MapTorchLstm(bad, "m"));
        Assert.Contains("4·hidden_size rows", e.Message);
    }

    [Fact]
    public void LoadTorchLstm_GraphWithoutTheScopeOrWrongSize_ThrowsNamingVariablesAndShapes()
    {
        using var dir = new TempDir();
        var f = TorchFixture.Load("lstm_batch_first_lengths");
        var sd = TorchStateDict(f, "lstm", dir);
        var g = new Graph();
        using (g.AsDefault())
            Tf.Nn.DynamicRnn(new LstmCell(f.HiddenSize + 1), Tf.Constant(f.Input.ToNDArray(DType.Float64)), dtype: DType.Float64);
        using var s = new Session(g);
        var missing = Assert.Throws<KeyNotFoundException>(() => RnnWeightImport.LoadTorchLstm(s, sd, recurScope: "encoder/lstm_cell"));
        Assert.Contains("'encoder/lstm_cell/bias'", missing.Message);
        Assert.Contains("'rnn/lstm_cell/bias'", missing.Message);
        var shape = Assert.Throws<ArgumentException>(() => RnnWeightImport.LoadTorchLstm(s, sd));
        Assert.Contains("'rnn/lstm_cell/bias'", shape.Message);
        Assert.Contains("(20,)", shape.Message);   // the Recur cell: 4·5
        Assert.Contains("(16,)", shape.Message);   // the PyTorch layer: 4·4
        Assert.All(g.Variables, v => Assert.False(s.IsInitialized(v)));
    }

    [Fact]
    public void MapKeras_InconsistentShapes_ThrowArgumentException()
    {
        var k = new NDArray(new double[3 * 16], new Shape(3, 16));
        var r = new NDArray(new double[4 * 16], new Shape(4, 16));
        Assert.Throws<ArgumentException>(() => RnnWeightImport.MapKerasLstm(k, r, new NDArray(new double[12], new Shape(12))));
        Assert.Throws<ArgumentException>(() => RnnWeightImport.MapKerasLstm(k, new NDArray(new double[4 * 12], new Shape(4, 12)), null));
        Assert.Throws<ArgumentException>(() => RnnWeightImport.MapKerasGru(new NDArray(new double[3 * 12], new Shape(3, 12)),
            new NDArray(new double[4 * 12], new Shape(4, 12)), new NDArray(new double[12], new Shape(12)), resetAfter: true));
        Assert.Throws<ArgumentException>(() => RnnWeightImport.MapKerasLstm(new NDArray(new int[3 * 16], new Shape(3, 16)), r, null));
    }
}
