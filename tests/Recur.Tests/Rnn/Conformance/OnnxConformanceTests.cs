using System.Text.Json;
using Recur.Rnn;

namespace Recur.Tests.Rnn.Conformance;

/// <summary>
/// The 12 ONNX backend conformance cases for RNN, GRU and LSTM (Data/onnx, see its README), run through
/// <c>Tf.Nn.DynamicRnn</c> with the ONNX weights mapped onto TF's cells: RNN → BasicRnnCell (tanh), GRU
/// (linear_before_reset = 0) → GruCell (TF1 reset-before), LSTM → LstmCell (forgetBias 0, peepholes for the
/// peephole case). Float32 throughout, compared at the float32 forward tolerance.
/// </summary>
public sealed class OnnxConformanceTests
{
    private static string[] CaseNames() =>
        File.ReadAllLines(ConformanceData.PathOf("onnx", "tests.txt")).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();

    public static TheoryData<string> Cases() => new(CaseNames());

    [Fact]
    public void Cases_DataFolder_HasAllTwelveCases()
    {
        Assert.Equal(12, CaseNames().Length);
        foreach (var name in CaseNames())
            Assert.True(File.Exists(ConformanceData.PathOf("onnx", name + ".json")), name);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void DynamicRnn_OnnxCase_MatchesExpectedOutputs(string testName)
    {
        using var doc = ConformanceData.Read("onnx", testName + ".json");
        var root = doc.RootElement;
        string op = root.GetProperty("op_type").GetString()!;
        var attrs = root.GetProperty("attributes");
        int hidden = attrs.GetProperty("hidden_size").GetInt32();
        int layout = attrs.GetProperty("layout").GetInt32();
        Assert.Equal("forward", attrs.GetProperty("direction").GetString());
        Assert.Equal(JsonValueKind.Null, attrs.GetProperty("clip").ValueKind);
        if (op == "GRU") Assert.Equal(0, attrs.GetProperty("linear_before_reset").GetInt32());
        if (op == "LSTM") Assert.Equal(0, attrs.GetProperty("input_forget").GetInt32());

        var inputs = Present(root.GetProperty("inputs"));
        var outputs = Present(root.GetProperty("outputs"));
        var x = inputs["X"];                              // layout 0: (T, B, I); 1: (B, T, I)
        int batch = layout == 0 ? x.Shape[1] : x.Shape[0];
        const DType dt = DType.Float32;

        var g = new Graph();
        using (g.AsDefault())
        {
            var xs = Tf.Constant(x.ToNDArray(dt));
            Tensor? lengths = inputs.TryGetValue("sequence_lens", out var sl)
                ? Tf.Constant(new NDArray(sl.Data.Select(v => (int)v).ToArray(), new Shape(sl.Shape)))
                : null;
            RnnState? init = null;
            if (inputs.ContainsKey("initial_h"))
            {
                var h0 = Tf.Constant(InitialState(inputs["initial_h"], layout).ToNDArray(dt));
                init = op == "LSTM"
                    ? new LstmStateTuple(Tf.Constant((inputs.TryGetValue("initial_c", out var c0) ? InitialState(c0, layout)
                        : Layout.Zeros(batch, hidden)).ToNDArray(dt)), h0)
                    : RnnState.Of(h0);
            }
            RnnCell cell = op switch
            {
                "RNN" => new BasicRnnCell(hidden),
                "GRU" => new GruCell(hidden),
                "LSTM" => new LstmCell(hidden, usePeepholes: inputs.ContainsKey("P"), forgetBias: 0.0),
                _ => throw new InvalidOperationException(op),
            };
            var (y, state) = Tf.Nn.DynamicRnn(cell, xs, sequenceLength: lengths, initialState: init, dtype: dt,
                timeMajor: layout == 0);
            var hT = op == "LSTM" ? ((LstmStateTuple)state).H : state.Tensor;
            var cT = op == "LSTM" ? ((LstmStateTuple)state).C : null;
            var init0 = Tf.GlobalVariablesInitializer();

            using var s = new Session(g);
            s.Run(init0);
            foreach (var (name, value) in TfVariables(op, hidden, inputs))
                g.GetVariable("rnn/" + name).Load(value.ToNDArray(dt), s);

            // With one direction, ONNX's Y (T, 1, B, H) / (B, T, 1, H) and Y_h (1, B, H) / (B, 1, H) hold the same flat
            // data as TF's outputs (T, B, H) / (B, T, H) and final state (B, H).
            double tol = TestUtil.Tol(dt);
            int checkedOutputs = 0;
            foreach (var (slot, tensor) in new[] { ("Y", y), ("Y_h", hT), ("Y_c", cT) })
            {
                if (!outputs.TryGetValue(slot, out var want)) continue;
                ConformanceData.AssertClose($"{testName} {slot}", want.Data, s.Run(tensor!), tol);
                checkedOutputs++;
            }
            Assert.True(checkedOutputs > 0);
        }
    }

    /// <summary>
    /// The ONNX weights of direction 0 as TF variables (names relative to <c>rnn/</c>), per Data/onnx/README.md.
    /// W (1, G·H, I), R (1, G·H, H), B (1, 2·G·H) = [Wb, Rb], P (1, 3·H) = [P_i, P_o, P_f]; absent B and P are zeros.
    /// </summary>
    internal static IEnumerable<(string Name, DenseArray Value)> TfVariables(string op, int h, IReadOnlyDictionary<string, DenseArray> inputs)
    {
        var w = inputs["W"].Slice0(0);
        var r = inputs["R"].Slice0(0);
        int gates = w.Shape[0] / h;
        var b = inputs.TryGetValue("B", out var bb) ? bb.Slice0(0) : Layout.Zeros(2 * gates * h);
        var wb = Layout.Block(b, 0, gates * h);
        var rb = Layout.Block(b, 1, gates * h);
        DenseArray Col(int k) => Layout.GateColumn(w, r, k, h);
        DenseArray Bias(int k) => Layout.Add(Layout.Block(wb, k, h), Layout.Block(rb, k, h));

        switch (op)
        {
            case "RNN":
                yield return ("basic_rnn_cell/kernel", Col(0));
                yield return ("basic_rnn_cell/bias", Bias(0));
                break;
            case "GRU":
                // ONNX gate blocks z, r, h (0, 1, 2); TF gates/kernel column blocks [r, u] with u ≡ z. With
                // linear_before_reset = 0 ONNX computes h~ = g(x·W_hᵀ + (r ⊙ h)·R_hᵀ + Wb_h + Rb_h): exactly TF1's
                // candidate act([x, r ⊙ h]·candidate/kernel + candidate/bias), so Rb_h folds into candidate/bias.
                yield return ("gru_cell/gates/kernel", Layout.Cols(Col(1), Col(0)));
                yield return ("gru_cell/gates/bias", Layout.Cols(Bias(1), Bias(0)));
                yield return ("gru_cell/candidate/kernel", Col(2));
                yield return ("gru_cell/candidate/bias", Bias(2));
                break;
            case "LSTM":
                // ONNX gate blocks i, o, f, c (0..3); TF column blocks i, j, f, o ← ONNX 0, 3, 2, 1.
                int[] order = { 0, 3, 2, 1 };
                yield return ("lstm_cell/kernel", Layout.Cols(order.Select(Col).ToArray()));
                yield return ("lstm_cell/bias", Layout.Cols(order.Select(Bias).ToArray()));
                if (inputs.TryGetValue("P", out var pp))
                {
                    var p = pp.Slice0(0);
                    yield return ("lstm_cell/w_i_diag", Layout.Block(p, 0, h));
                    yield return ("lstm_cell/w_o_diag", Layout.Block(p, 1, h));
                    yield return ("lstm_cell/w_f_diag", Layout.Block(p, 2, h));
                }
                break;
            default:
                throw new InvalidOperationException(op);
        }
    }

    /// <summary>initial_h / initial_c of direction 0 as (B, H): layout 0 stores (1, B, H), layout 1 (B, 1, H).</summary>
    private static DenseArray InitialState(DenseArray a, int layout) =>
        layout == 0 ? a.Slice0(0) : new DenseArray(new[] { a.Shape[0], a.Shape[2] }, a.Data);

    private static Dictionary<string, DenseArray> Present(JsonElement slots)
    {
        var d = new Dictionary<string, DenseArray>();
        foreach (var e in slots.EnumerateArray())
            if (e.GetProperty("present").GetBoolean())
                d[e.GetProperty("slot").GetString()!] = DenseArray.Parse(e);
        return d;
    }
}
