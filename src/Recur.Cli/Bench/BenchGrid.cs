using System.Globalization;

namespace Recur.Cli.Bench;

/// <summary>What one benchmark row times: inference (all outputs and the final state) or one training step.</summary>
internal enum BenchMode
{
    /// <summary>The forward pass: every h_t and the final state.</summary>
    Infer,

    /// <summary>Forward and backward of <c>loss = Σ outputs</c>: dX and every dW (no optimizer update).</summary>
    Train,
}

/// <summary>
/// One (cell, shape, layers, lengths) case of issue 5's grid: a row per <see cref="BenchMode"/> and thread count.
/// The same grid, row keys and FLOP count as the peer programs in <c>benchmarks/peers/</c>.
/// </summary>
/// <param name="Cell"><c>lstm</c>, <c>gru</c> (reset before, TF1), <c>gru_reset_after</c> or <c>rnn_tanh</c>.</param>
/// <param name="Batch">B.</param>
/// <param name="Steps">T.</param>
/// <param name="Input">I, the input features of the first layer.</param>
/// <param name="Hidden">H, the units of every layer.</param>
/// <param name="Layers">Stacked layers (layers above the first have input H).</param>
/// <param name="VariableLengths">True: lengths = round(linspace(T/2, T, B)), longest first; false: every row T steps.</param>
internal sealed record BenchCase(string Cell, int Batch, int Steps, int Input, int Hidden, int Layers, bool VariableLengths)
{
    /// <summary>The <c>lengths</c> field of a record: <c>full</c>, or <c>T/2..T</c> (<c>50..100</c>).</summary>
    public string LengthsLabel => VariableLengths ? string.Create(CultureInfo.InvariantCulture, $"{Steps / 2}..{Steps}") : "full";

    /// <summary>The sequence lengths of a variable-length case (null when every row is full).</summary>
    public int[]? Lengths => VariableLengths ? BenchGrid.VariableLengths(Batch, Steps) : null;

    /// <summary>Real tokens: B·T, or Σ lengths for a variable-length case.</summary>
    public long Tokens => Lengths is int[] l ? l.Sum(v => (long)v) : (long)Batch * Steps;

    /// <summary>The row key the peers filter on: <c>cell/mode/BxTxIxH/Llayers/full|var</c>.</summary>
    public string Key(BenchMode mode) => string.Create(CultureInfo.InvariantCulture,
        $"{Cell}/{BenchGrid.ModeName(mode)}/{Batch}x{Steps}x{Input}x{Hidden}/L{Layers}/{(VariableLengths ? "var" : "full")}");

    /// <summary>
    /// Issue 5's FLOP count: forward = 2·tokens·(I + H)·G·H per layer (G = 4 LSTM, 3 GRU, 1 RNN; layers above the
    /// first have I = H), training = 3× forward; tokens counts only the real tokens of a variable-length case.
    /// </summary>
    public double Flops(BenchMode mode)
    {
        double gates = BenchGrid.Gates(Cell);
        double forward = 0;
        for (int layer = 0; layer < Layers; layer++)
            forward += 2.0 * Tokens * ((layer == 0 ? Input : Hidden) + Hidden) * gates * Hidden;
        return mode == BenchMode.Train ? 3 * forward : forward;
    }
}

/// <summary>
/// Issue 5's RNN grid, exactly as <c>benchmarks/peers/torch_rnn_bench.py</c> and <c>onednn_rnn_bench.cpp</c> build
/// it: 5 shapes × 4 cells (<c>--grid all</c>) or the issue table's 11 (cell, shape) rows (<c>--grid issue</c>), plus
/// the 2-layer LSTMs (B = 64, T = 100, I = H = 256 and B = 1, T = 100, I = H = 128) and the variable-length case(s) at
/// B = 64, T = 100, I = H = 256.
/// </summary>
internal static class BenchGrid
{
    /// <summary>The cells in grid order (the oneDNN peer's order).</summary>
    public static readonly IReadOnlyList<string> Cells = ["lstm", "gru", "gru_reset_after", "rnn_tanh"];

    /// <summary>(B, T, I, H) of the grid.</summary>
    public static readonly IReadOnlyList<(int B, int T, int I, int H)> Shapes =
        [(1, 100, 128, 128), (16, 100, 128, 256), (64, 100, 256, 256), (64, 50, 512, 512), (128, 200, 128, 128)];

    /// <summary>The shape of the variable-length cases and of the first 2-layer LSTM.</summary>
    public static readonly (int B, int T, int I, int H) ExtraShape = (64, 100, 256, 256);

    /// <summary>
    /// The 2-layer LSTM cases: at B = 64 (the issue's 2-layer case) and at B = 1, where the layers run as a wavefront
    /// on two threads (I == H: oneDNN stacks only layers of equal width).
    /// </summary>
    public static readonly IReadOnlyList<(int B, int T, int I, int H)> StackedShapes = [ExtraShape, (1, 100, 128, 128)];

    private static readonly HashSet<(string, int, int, int, int)> IssueRows =
    [
        ("gru", 16, 100, 128, 256), ("gru", 64, 100, 256, 256),
        ("gru_reset_after", 1, 100, 128, 128), ("gru_reset_after", 64, 50, 512, 512),
        ("rnn_tanh", 1, 100, 128, 128), ("rnn_tanh", 64, 100, 256, 256),
    ];

    /// <summary>Gates per cell: 4 LSTM, 3 GRU (both variants), 1 RNN.</summary>
    /// <exception cref="ArgumentException">An unknown cell name.</exception>
    public static int Gates(string cell) => cell switch
    {
        "lstm" => 4,
        "gru" or "gru_reset_after" => 3,
        "rnn_tanh" => 1,
        _ => throw new ArgumentException($"BenchGrid.Gates: unknown cell '{cell}' (known: {string.Join(", ", Cells)}).", nameof(cell)),
    };

    /// <summary><c>infer</c> or <c>train</c>, as in the records.</summary>
    public static string ModeName(BenchMode mode) => mode == BenchMode.Train ? "train" : "infer";

    /// <summary>True when (cell, shape) is one of the issue table's rows (every LSTM shape is).</summary>
    public static bool InIssueTable(string cell, (int B, int T, int I, int H) s) =>
        cell == "lstm" ? Shapes.Contains(s) : IssueRows.Contains((cell, s.B, s.T, s.I, s.H));

    /// <summary>
    /// lengths[i] = round(T/2 + (T − T/2)·i/(B − 1)), longest first (round half to even, as Python's <c>round</c>):
    /// 4800 real tokens of 6400 at B = 64, T = 100. The same as <c>varlen_lengths</c> of the PyTorch peer.
    /// </summary>
    public static int[] VariableLengths(int batch, int steps)
    {
        int lo = steps / 2;
        var lengths = new int[batch];
        for (int i = 0; i < batch; i++)
            lengths[i] = batch > 1 ? (int)Math.Round(lo + (double)((steps - lo) * i) / (batch - 1), MidpointRounding.ToEven) : steps;
        Array.Sort(lengths);
        Array.Reverse(lengths);
        return lengths;
    }

    /// <summary>
    /// The grid for <paramref name="cells"/>: with <paramref name="issueOnly"/> only the issue table's rows. Both add the
    /// 2-layer LSTMs (when LSTM is selected) and the variable-length case of every selected cell (LSTM only for the issue grid).
    /// </summary>
    public static IReadOnlyList<BenchCase> Build(bool issueOnly, IReadOnlyCollection<string> cells)
    {
        var selected = Cells.Where(cells.Contains).ToList();
        var cases = new List<BenchCase>();
        foreach (var cell in selected)
        {
            foreach (var s in Shapes)
            {
                if (issueOnly && !InIssueTable(cell, s)) continue;
                cases.Add(new BenchCase(cell, s.B, s.T, s.I, s.H, 1, false));
            }
        }
        if (selected.Contains("lstm"))
        {
            foreach (var (sb, st, si, sh) in StackedShapes) cases.Add(new BenchCase("lstm", sb, st, si, sh, 2, false));
        }
        var (b, t, i, h) = ExtraShape;
        foreach (var cell in selected)
        {
            if (issueOnly && cell != "lstm") continue;
            cases.Add(new BenchCase(cell, b, t, i, h, 1, true));
        }
        return cases;
    }

    /// <summary>One padded, 1-layer case per cell at a custom shape (<c>--shape B,T,I,H</c>).</summary>
    public static IReadOnlyList<BenchCase> Custom((int B, int T, int I, int H) shape, IReadOnlyCollection<string> cells) =>
        Cells.Where(cells.Contains).Select(c => new BenchCase(c, shape.B, shape.T, shape.I, shape.H, 1, false)).ToList();
}
