using Recur.Rnn;

namespace Recur.Cli.Bench;

/// <summary>
/// The Recur side of one benchmark row, built as a TF1 user would: a float32 placeholder <c>x</c> of shape
/// (?, ?, I) (batch-major, batch and time unknown until fed), for variable-length rows an int32 placeholder
/// <c>lengths</c> of shape (?), <c>outputs, state = Tf.Nn.DynamicRnn(cell, x, sequenceLength: lengths, dtype: Float32)</c>;
/// inference fetches <c>outputs</c> and every tensor of the final state, training fetches the gradients of
/// <c>Tf.ReduceSum(outputs)</c> with respect to <c>x</c> and every trainable variable (dX and all dW, as the peers do;
/// no optimizer update). Variables are initialized once; <c>x</c> is seeded uniform [-1, 1).
/// </summary>
internal sealed class RecurRnnGraph : IDisposable
{
    private readonly Session _session;
    private readonly FeedDict _feed;

    private RecurRnnGraph(Graph graph, Session session, IReadOnlyList<Tensor> fetches, FeedDict feed)
    {
        Graph = graph;
        _session = session;
        Fetches = fetches;
        _feed = feed;
    }

    /// <summary>The graph of this row.</summary>
    public Graph Graph { get; }

    /// <summary>What one call fetches: outputs and final state (infer), or dX followed by every dW (train).</summary>
    public IReadOnlyList<Tensor> Fetches { get; }

    /// <summary>The cell of <paramref name="name"/> with <paramref name="units"/> units, as the grid maps it.</summary>
    /// <exception cref="ArgumentException">An unknown cell name.</exception>
    public static RnnCell CreateCell(string name, int units) => name switch
    {
        "lstm" => new LstmCell(units),
        "gru" => new GruCell(units),
        "gru_reset_after" => new GruCell(units, resetAfter: true),
        "rnn_tanh" => new BasicRnnCell(units),
        _ => throw new ArgumentException($"RecurRnnGraph.CreateCell: unknown cell '{name}' (known: {string.Join(", ", BenchGrid.Cells)}).", nameof(name)),
    };

    /// <summary>Builds and initializes the graph of (<paramref name="c"/>, <paramref name="mode"/>).</summary>
    /// <exception cref="InvalidOperationException">A trainable variable or x has no gradient (it would not be the peers' work).</exception>
    public static RecurRnnGraph Build(BenchCase c, BenchMode mode, int seed = 42)
    {
        var graph = new Graph { Seed = seed };
        Session? session = null;
        try
        {
            using (graph.AsDefault())
            {
                var x = Tf.Placeholder(DType.Float32, new Shape(-1, -1, c.Input), name: "x");
                var lengths = c.VariableLengths ? Tf.Placeholder(DType.Int32, new Shape(-1), name: "lengths") : null;
                RnnCell cell = c.Layers == 1
                    ? CreateCell(c.Cell, c.Hidden)
                    : new MultiRnnCell(Enumerable.Range(0, c.Layers).Select(_ => CreateCell(c.Cell, c.Hidden)).ToList());
                var (outputs, state) = Tf.Nn.DynamicRnn(cell, x, sequenceLength: lengths, dtype: DType.Float32);
                IReadOnlyList<Tensor> fetches;
                if (mode == BenchMode.Infer)
                {
                    fetches = [outputs, .. state.Flatten()];
                }
                else
                {
                    var variables = graph.TrainableVariables;
                    var xs = new List<Tensor> { x };
                    xs.AddRange(variables.Select(v => (Tensor)v));
                    var grads = Tf.Gradients(Tf.ReduceSum(outputs), xs);
                    for (int i = 0; i < grads.Length; i++)
                    {
                        if (grads[i] is null)
                            throw new InvalidOperationException($"RecurRnnGraph.Build: {c.Key(mode)}: no gradient for '{xs[i].Name}'.");
                    }
                    fetches = grads.Select(g => g!).ToList();
                }
                var init = Tf.GlobalVariablesInitializer();
                session = new Session(graph);
                session.Run(init);
                var feed = new FeedDict { [x] = RandomInput(c.Batch, c.Steps, c.Input, seed) };
                if (lengths is not null) feed[lengths] = new NDArray(c.Lengths!, new Shape(c.Batch));
                return new RecurRnnGraph(graph, session, fetches, feed);
            }
        }
        catch
        {
            session?.Dispose();
            throw;
        }
    }

    /// <summary>One call: <c>session.Run(fetches, feed)</c>.</summary>
    public NDArray[] Run() => _session.Run(Fetches, _feed);

    /// <summary>A seeded (batch, steps, input) float32 array, uniform in [-1, 1).</summary>
    public static NDArray RandomInput(int batch, int steps, int input, int seed)
    {
        var random = new Random(seed);
        var data = new float[checked(batch * steps * input)];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(random.NextDouble() * 2 - 1);
        return new NDArray(data, new Shape(batch, steps, input));
    }

    public void Dispose() => _session.Dispose();
}
