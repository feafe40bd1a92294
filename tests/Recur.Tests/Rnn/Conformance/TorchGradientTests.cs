using System.Text.Json;
using Recur.Rnn;

namespace Recur.Tests.Rnn.Conformance;

/// <summary>
/// One PyTorch gradient fixture (Data/torch_grad/*.json, written by tests/reference/generate_torch_grad_fixtures.py):
/// a forward fixture (same fields as Data/torch/) plus the loss weights R, R_h_n, R_c_n, the loss
/// Σ output ⊙ R + Σ h_n ⊙ R_h_n (+ Σ c_n ⊙ R_c_n) and PyTorch's gradients of it with respect to the input, h0, c0
/// and every parameter, all float64.
/// </summary>
internal sealed class TorchGradFixture
{
    public required TorchFixture Forward { get; init; }
    public required DenseArray ROutput { get; init; }      // shape of Output, non-zero at padded positions too
    public required DenseArray RHN { get; init; }          // shape of HN
    public DenseArray? RCN { get; init; }                  // shape of CN (LSTM)
    public double Loss { get; init; }
    public required DenseArray GradInput { get; init; }    // shape of Input, zero past each row's length
    public required DenseArray GradH0 { get; init; }       // (layers·dirs, B, Hout)
    public DenseArray? GradC0 { get; init; }               // (layers·dirs, B, H)
    public required IReadOnlyDictionary<string, DenseArray> GradWeights { get; init; } // by PyTorch parameter name

    public static TorchGradFixture Load(string name)
    {
        using var doc = ConformanceData.Read("torch_grad", name + ".json");
        var r = doc.RootElement;
        var cfg = r.GetProperty("config");
        var grad = r.GetProperty("grad");
        static DenseArray? Opt(JsonElement e, string p) =>
            e.GetProperty(p).ValueKind == JsonValueKind.Null ? null : DenseArray.Parse(e.GetProperty(p));
        static Dictionary<string, DenseArray> Dict(JsonElement e) =>
            e.EnumerateObject().ToDictionary(p => p.Name, p => DenseArray.Parse(p.Value));
        var forward = new TorchFixture
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
            C0 = Opt(r, "c0"),
            Weights = Dict(r.GetProperty("weights")),
            Output = DenseArray.Parse(r.GetProperty("output")),
            HN = DenseArray.Parse(r.GetProperty("h_n")),
            CN = Opt(r, "c_n"),
        };
        return new TorchGradFixture
        {
            Forward = forward,
            ROutput = DenseArray.Parse(r.GetProperty("r_output")),
            RHN = DenseArray.Parse(r.GetProperty("r_h_n")),
            RCN = Opt(r, "r_c_n"),
            Loss = r.GetProperty("loss").GetDouble(),
            GradInput = DenseArray.Parse(grad.GetProperty("input")),
            GradH0 = DenseArray.Parse(grad.GetProperty("h0")),
            GradC0 = Opt(grad, "c0"),
            GradWeights = Dict(grad.GetProperty("weights")),
        };
    }

    /// <summary>
    /// PyTorch's parameter gradients as a "weights" dictionary that <see cref="TorchReferenceTests.TfVariables"/> maps
    /// onto Recur's variables. Where Recur has one bias for PyTorch's b_ih + b_hh (every block of RNN and LSTM, the
    /// r and z blocks of GRU) its gradient equals d b_ih and also d b_hh, so the summing map must see only one of them:
    /// <paramref name="fromHh"/> false keeps d b_ih and zeroes those blocks of d b_hh, true the other way round. The
    /// GRU n blocks (b_in, b_hn: separate Recur variables) are kept in both.
    /// </summary>
    public TorchFixture GradientsAsWeights(bool fromHh)
    {
        var f = Forward;
        int summedBlocks = f.Mode == "GRU" ? 2 : f.Mode == "LSTM" ? 4 : 1;
        int summed = summedBlocks * f.HiddenSize;
        var w = new Dictionary<string, DenseArray>();
        foreach (var (name, g) in GradWeights)
        {
            bool zero = fromHh ? name.StartsWith("bias_ih", StringComparison.Ordinal) : name.StartsWith("bias_hh", StringComparison.Ordinal);
            if (!zero) { w[name] = g; continue; }
            var d = (double[])g.Data.Clone();
            Array.Clear(d, 0, summed);
            w[name] = new DenseArray(g.Shape, d);
        }
        return new TorchFixture
        {
            Name = f.Name, Mode = f.Mode, Nonlinearity = f.Nonlinearity, InputSize = f.InputSize, HiddenSize = f.HiddenSize,
            ProjSize = f.ProjSize, NumLayers = f.NumLayers, Bidirectional = f.Bidirectional, BatchFirst = f.BatchFirst,
            Batch = f.Batch, Time = f.Time, Lengths = f.Lengths, Input = f.Input, H0 = f.H0, C0 = f.C0, Weights = w,
            Output = f.Output, HN = f.HN, CN = f.CN,
        };
    }
}

/// <summary>
/// The Recur graph of one PyTorch fixture, built as in <c>TorchReferenceTests</c> (same cells, scopes and weight
/// mapping) but with the input and every initial-state slot as float64 placeholders, so gradients can be taken with
/// respect to them.
/// </summary>
internal sealed class TorchRecurGraph
{
    public required Tensor X { get; init; }
    public required Tensor Output { get; init; }
    /// <summary>Per fixture slot k = layer·dirs + dir: the h0 (and LSTM c0) placeholders and the final state.</summary>
    public required IReadOnlyList<(int Slot, Tensor H0, Tensor? C0, RnnState Final)> Slots { get; init; }
    /// <summary>Every mapped variable: TF name, the (layer, PyTorch suffix, TF scope) it came from.</summary>
    public required IReadOnlyList<(int Layer, string Suffix, string Scope)> CellScopes { get; init; }
    public required FeedDict Feeds { get; init; }

    /// <summary>Builds into the current default graph.</summary>
    public static TorchRecurGraph Build(TorchFixture f)
    {
        const DType dt = DType.Float64;
        var feeds = new FeedDict();
        var x = Tf.Placeholder(dt, new Shape(f.Input.Shape), "x");
        feeds[x] = f.Input.ToNDArray(dt);
        Tensor? lengths = f.Lengths is null ? null : Tf.Constant(new NDArray((int[])f.Lengths.Clone(), new Shape(f.Batch)));

        var h0 = new Tensor[f.NumLayers * f.Directions];
        var c0 = new Tensor?[h0.Length];
        for (int k = 0; k < h0.Length; k++)
        {
            var hv = f.H0.Slice0(k);
            h0[k] = Tf.Placeholder(dt, new Shape(hv.Shape), $"h0_{k}");
            feeds[h0[k]] = hv.ToNDArray(dt);
            if (f.Mode == "LSTM")
            {
                var cv = f.C0!.Slice0(k);
                c0[k] = Tf.Placeholder(dt, new Shape(cv.Shape), $"c0_{k}");
                feeds[c0[k]!] = cv.ToNDArray(dt);
            }
        }
        RnnState Init(int k) => f.Mode == "LSTM" ? new LstmStateTuple(c0[k]!, h0[k]) : RnnState.Of(h0[k]);

        var finals = new List<(int Slot, RnnState State)>();
        var scopes = new List<(int, string, string)>();
        Tensor output;
        if (!f.Bidirectional)
        {
            var cells = Enumerable.Range(0, f.NumLayers).Select(_ => MakeCell(f)).ToList();
            RnnCell cell = f.NumLayers == 1 ? cells[0] : new MultiRnnCell(cells);
            var init = f.NumLayers == 1 ? Init(0) : new RnnStateTuple(Enumerable.Range(0, f.NumLayers).Select(Init).ToArray());
            var (y, state) = Tf.Nn.DynamicRnn(cell, x, sequenceLength: lengths, initialState: init, timeMajor: !f.BatchFirst);
            output = y;
            for (int l = 0; l < f.NumLayers; l++)
            {
                string prefix = f.NumLayers == 1 ? "rnn/" : $"rnn/multi_rnn_cell/cell_{l}/";
                scopes.Add((l, "", prefix + CellScope(f)));
                finals.Add((l, f.NumLayers == 1 ? state : ((RnnStateTuple)state)[l]));
            }
        }
        else
        {
            // PyTorch's stacked bidirectional layers = TF's stack_bidirectional_dynamic_rnn (see TorchReferenceTests).
            var layerInput = x;
            for (int l = 0; l < f.NumLayers; l++)
            {
                ((Tensor Fw, Tensor Bw) o, (RnnState Fw, RnnState Bw) st) r;
                string prefix;
                if (f.NumLayers == 1)
                {
                    r = Tf.Nn.BidirectionalDynamicRnn(MakeCell(f), MakeCell(f), layerInput, sequenceLength: lengths,
                        initialStateFw: Init(2 * l), initialStateBw: Init(2 * l + 1), timeMajor: !f.BatchFirst);
                    prefix = "bidirectional_rnn/";
                }
                else
                {
                    using (Tf.VariableScope("stack_bidirectional_rnn"))
                    using (Tf.VariableScope($"cell_{l}"))
                        r = Tf.Nn.BidirectionalDynamicRnn(MakeCell(f), MakeCell(f), layerInput, sequenceLength: lengths,
                            initialStateFw: Init(2 * l), initialStateBw: Init(2 * l + 1), timeMajor: !f.BatchFirst);
                    prefix = $"stack_bidirectional_rnn/cell_{l}/bidirectional_rnn/";
                }
                scopes.Add((l, "", prefix + "fw/" + CellScope(f)));
                scopes.Add((l, "_reverse", prefix + "bw/" + CellScope(f)));
                finals.Add((2 * l, r.st.Fw));
                finals.Add((2 * l + 1, r.st.Bw));
                layerInput = Tf.Concat(new[] { r.o.Fw, r.o.Bw }, 2);
            }
            output = layerInput;
        }
        return new TorchRecurGraph
        {
            X = x,
            Output = output,
            Slots = finals.Select(p => (p.Slot, h0[p.Slot], c0[p.Slot], p.State)).ToList(),
            CellScopes = scopes,
            Feeds = feeds,
        };
    }

    /// <summary>The TF variables of this graph with <paramref name="weights"/>' values mapped onto them.</summary>
    public IEnumerable<(string Name, DenseArray Value)> Map(TorchFixture weights) =>
        CellScopes.SelectMany(c => TorchReferenceTests.TfVariables(weights, c.Layer, c.Suffix, c.Scope));

    /// <summary>Σ output ⊙ R + Σ_k (Σ h_n[k] ⊙ R_h_n[k] + Σ c_n[k] ⊙ R_c_n[k]), as the generator's loss.</summary>
    public Tensor Loss(TorchGradFixture f)
    {
        var loss = Tf.ReduceSum(Output * Tf.Constant(f.ROutput.ToNDArray(DType.Float64)));
        foreach (var (slot, _, _, st) in Slots)
        {
            var rh = Tf.Constant(f.RHN.Slice0(slot).ToNDArray(DType.Float64));
            if (st is LstmStateTuple lt)
            {
                loss += Tf.ReduceSum(lt.H * rh);
                loss += Tf.ReduceSum(lt.C * Tf.Constant(f.RCN!.Slice0(slot).ToNDArray(DType.Float64)));
            }
            else
            {
                loss += Tf.ReduceSum(st.Tensor * rh);
            }
        }
        return loss;
    }

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
}

/// <summary>
/// Gradients through <c>Tf.Nn.DynamicRnn</c> / <c>Tf.Nn.BidirectionalDynamicRnn</c> against PyTorch float64 autograd
/// (Data/torch_grad/): loss = Σ outputs ⊙ R + Σ final states ⊙ R', differentiated with respect to the input, every
/// initial state and every variable. PyTorch's parameter gradients are mapped into Recur's layouts with the same map as
/// the weights (tests/reference/README.md): kernel = [dW_ihᵀ; dW_hhᵀ] with gate blocks reordered, summed bias =
/// d b_ih = d b_hh, GRU candidate projections from the n blocks, projection kernel = dW_hrᵀ.
/// </summary>
public sealed class TorchGradientTests
{
    /// <summary>
    /// Both sides evaluate the same float64 expressions (forward and backward) up to summation order and libm (~1e-16
    /// per op); 1e-10 abs+rel leaves room for that through ≤ 5 steps, 2 layers and both directions while still catching
    /// a wrong gate order, a missing path or a gradient leaking through padding.
    /// </summary>
    private const double Tol = 1e-10;

    private static string[] FixtureNames() =>
        Directory.GetFiles(ConformanceData.PathOf("torch_grad"), "*.json").Select(f => Path.GetFileNameWithoutExtension(f)!)
            .Order(StringComparer.Ordinal).ToArray();

    public static TheoryData<string> Fixtures() => new(FixtureNames());

    public static TheoryData<string> FixturesWithLengths() =>
        new(FixtureNames().Where(n => TorchGradFixture.Load(n).Forward.Lengths is not null));

    [Fact]
    public void Fixtures_DataFolder_CoverEveryCellLayerDirectionAndProjection()
    {
        var all = FixtureNames().Select(n => TorchGradFixture.Load(n).Forward).ToList();
        Assert.True(all.Count >= 8, $"expected the committed gradient fixtures, found {all.Count}");
        Assert.Contains(all, f => f.Mode == "LSTM" && f.NumLayers == 1 && !f.Bidirectional && f.ProjSize == 0 && f.Lengths is not null);
        Assert.Contains(all, f => f.Mode == "LSTM" && f.ProjSize > 0);
        Assert.Contains(all, f => f.Mode == "GRU" && f.NumLayers == 1 && !f.Bidirectional);
        Assert.Contains(all, f => f.Mode == "RNN" && f.Nonlinearity == "tanh");
        Assert.Contains(all, f => f.Mode == "RNN" && f.Nonlinearity == "relu");
        Assert.Contains(all, f => f.Mode == "LSTM" && f.NumLayers == 2 && !f.Bidirectional);
        Assert.Contains(all, f => f.Mode == "LSTM" && f.NumLayers == 1 && f.Bidirectional);
        Assert.Contains(all, f => f.Mode == "GRU" && f.Bidirectional);
        Assert.Contains(all, f => f.Lengths is null);
        Assert.Contains(all, f => f.BatchFirst);
        Assert.Contains(all, f => !f.BatchFirst);
    }

    /// <summary>The forward pass and the loss agree first, so a gradient mismatch below is about gradients.</summary>
    [Theory]
    [MemberData(nameof(Fixtures))]
    public void DynamicRnn_TorchGradFixture_MatchesPyTorchOutputsFinalStatesAndLoss(string fixture)
    {
        var gf = TorchGradFixture.Load(fixture);
        var f = gf.Forward;
        var g = new Graph();
        using (g.AsDefault())
        {
            var m = TorchRecurGraph.Build(f);
            var loss = m.Loss(gf);
            using var s = Start(g, m, f);
            var fetches = new List<Tensor> { m.Output, loss };
            foreach (var (_, _, _, st) in m.Slots) fetches.AddRange(st is LstmStateTuple lt ? new[] { lt.H, lt.C } : new[] { st.Tensor });
            var got = s.Run(fetches, m.Feeds);
            ConformanceData.AssertClose($"{f.Name} output", f.Output.Data, got[0], Tol, f.Output.Shape);
            ConformanceData.AssertClose($"{f.Name} loss", new[] { gf.Loss }, got[1], Tol);
            int k = 2;
            foreach (var (slot, _, _, _) in m.Slots)
            {
                ConformanceData.AssertClose($"{f.Name} h_n[{slot}]", f.HN.Slice0(slot).Data, got[k++], Tol, f.HN.Slice0(slot).Shape);
                if (f.Mode == "LSTM")
                    ConformanceData.AssertClose($"{f.Name} c_n[{slot}]", f.CN!.Slice0(slot).Data, got[k++], Tol, f.CN!.Slice0(slot).Shape);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Gradients_TorchGradFixture_MatchPyTorchForInputAndInitialStates(string fixture)
    {
        var gf = TorchGradFixture.Load(fixture);
        var f = gf.Forward;
        var g = new Graph();
        using (g.AsDefault())
        {
            var m = TorchRecurGraph.Build(f);
            var xs = new List<Tensor> { m.X };
            var expected = new List<(string What, DenseArray Value)> { ("d input", gf.GradInput) };
            foreach (var (slot, h0, c0, _) in m.Slots)
            {
                xs.Add(h0);
                expected.Add(($"d h0[{slot}]", gf.GradH0.Slice0(slot)));
                if (c0 is null) continue;
                xs.Add(c0);
                expected.Add(($"d c0[{slot}]", gf.GradC0!.Slice0(slot)));
            }
            var grads = Tf.Gradients(m.Loss(gf), xs);
            Assert.All(grads, t => Assert.NotNull(t));
            using var s = Start(g, m, f);
            var got = s.Run(grads.Select(t => t!).ToList(), m.Feeds);
            for (int i = 0; i < got.Length; i++)
                ConformanceData.AssertClose($"{f.Name} {expected[i].What}", expected[i].Value.Data, got[i], Tol, expected[i].Value.Shape);
        }
    }

    /// <summary>
    /// Every trainable variable gets a gradient, and it equals PyTorch's mapped one. A summed bias is checked against
    /// both d b_ih and d b_hh (equal in PyTorch: the two biases enter the same pre-activation).
    /// </summary>
    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Gradients_TorchGradFixture_MatchPyTorchForEveryVariable(string fixture)
    {
        var gf = TorchGradFixture.Load(fixture);
        var f = gf.Forward;
        var g = new Graph();
        using (g.AsDefault())
        {
            var m = TorchRecurGraph.Build(f);
            var fromIh = m.Map(gf.GradientsAsWeights(fromHh: false)).ToList();
            var fromHh = m.Map(gf.GradientsAsWeights(fromHh: true)).ToDictionary(p => p.Name, p => p.Value);
            Assert.Equal(g.TrainableVariables.Select(v => v.Name).Order(StringComparer.Ordinal),
                fromIh.Select(p => p.Name).Order(StringComparer.Ordinal));
            var vars = fromIh.Select(p => (Tensor)g.GetVariable(p.Name)).ToList();
            var grads = Tf.Gradients(m.Loss(gf), vars);
            Assert.All(grads, t => Assert.NotNull(t));
            using var s = Start(g, m, f);
            var got = s.Run(grads.Select(t => t!).ToList(), m.Feeds);
            for (int i = 0; i < got.Length; i++)
            {
                var (name, value) = fromIh[i];
                ConformanceData.AssertClose($"{f.Name} d {name} (bias from d b_ih)", value.Data, got[i], Tol, value.Shape);
                ConformanceData.AssertClose($"{f.Name} d {name} (bias from d b_hh)", fromHh[name].Data, got[i], Tol, value.Shape);
            }
        }
    }

    /// <summary>
    /// R is non-zero over the padded output positions, yet nothing flows past a row's length: the input gradient
    /// there is exactly zero in Recur (as in PyTorch, where packing never reads those inputs).
    /// </summary>
    [Theory]
    [MemberData(nameof(FixturesWithLengths))]
    public void Gradients_TorchGradFixtureWithLengths_InputGradientPastEachLengthIsExactlyZero(string fixture)
    {
        var gf = TorchGradFixture.Load(fixture);
        var f = gf.Forward;
        var g = new Graph();
        using (g.AsDefault())
        {
            var m = TorchRecurGraph.Build(f);
            var dx = Tf.Gradients(m.Loss(gf), new[] { m.X })[0]!;
            using var s = Start(g, m, f);
            var got = s.Run(dx, m.Feeds).ToArray<double>();
            // The fixture's R really weights the padded outputs (so ignoring them is tested, not assumed).
            int width = f.Directions * f.OutputDepth;
            int padded = 0;
            for (int b = 0; b < f.Batch; b++)
                for (int t = f.Lengths![b]; t < f.Time; t++)
                    for (int d = 0; d < width; d++)
                    {
                        int i = (f.BatchFirst ? b * f.Time + t : t * f.Batch + b) * width + d;
                        Assert.Equal(0.0, f.Output.Data[i]);
                        Assert.NotEqual(0.0, gf.ROutput.Data[i]);
                        padded++;
                    }
            Assert.True(padded > 0, $"{f.Name}: no padded positions");
            for (int b = 0; b < f.Batch; b++)
                for (int t = f.Lengths![b]; t < f.Time; t++)
                    for (int d = 0; d < f.InputSize; d++)
                    {
                        int i = (f.BatchFirst ? b * f.Time + t : t * f.Batch + b) * f.InputSize + d;
                        Assert.True(got[i] == 0.0, $"{f.Name}: d input at batch {b}, step {t} (length {f.Lengths[b]}) is {got[i]:R}, not 0");
                    }
        }
    }

    private static Session Start(Graph g, TorchRecurGraph m, TorchFixture f)
    {
        var init = Tf.GlobalVariablesInitializer();
        var s = new Session(g);
        s.Run(init);
        foreach (var (name, value) in m.Map(f)) g.GetVariable(name).Load(value.ToNDArray(DType.Float64), s);
        return s;
    }
}
