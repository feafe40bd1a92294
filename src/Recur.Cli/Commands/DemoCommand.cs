using System.Globalization;

namespace Recur.Cli.Commands;

/// <summary>
/// <c>recur demo</c>: builds a small TF1-style graph and runs it in a <see cref="Session"/>, to show the engine end
/// to end. Each part is a method that adds one section to a <see cref="DemoReport"/>, so later issues (RNN cells and
/// drivers, training) add their parts next to these.
/// </summary>
internal sealed class DemoCommand : ICommand
{
    private const string OutOption = "out";

    public string Name => "demo";

    public string Summary => "Build a TF1-style graph (placeholder, variables, MatMul + BiasAdd + Tanh, a While loop) and run it in a Session.";

    public IReadOnlyList<CommandOption> Options { get; } =
    [
        new(OutOption, "FILE", "Also write the results as a Markdown report to FILE."),
    ];

    public int Run(ParsedArguments args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Positionals.Count > 0)
            throw new UsageException($"recur demo: takes no arguments, but got '{args.Positionals[0]}'.");
        var report = BuildReport();
        report.WriteText(stdout);
        string? outPath = args.Value(OutOption);
        if (outPath is null) return ExitCodes.Success;
        try
        {
            string full = Path.GetFullPath(outPath);
            string? dir = Path.GetDirectoryName(full);
            if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
            File.WriteAllText(full, report.ToMarkdown());
            stdout.WriteLine();
            stdout.WriteLine($"Markdown report written to {full}");
            return ExitCodes.Success;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            stderr.WriteLine($"recur demo: cannot write the report to '{outPath}': {e.Message}");
            return ExitCodes.Failure;
        }
    }

    /// <summary>Runs every part of the demo on a fresh graph and returns what they found.</summary>
    internal static DemoReport BuildReport()
    {
        var report = new DemoReport("Recur demo: a TF1 graph run by a Session");
        var graph = new Graph();
        using (graph.AsDefault())
        using (var session = new Session(graph))
        {
            DenseLayer(report, session);
            CountingLoop(report, session);
        }
        GraphSummary(report, graph);
        return report;
    }

    /// <summary>
    /// <c>y = tanh(x·W + b)</c> with a placeholder of unknown batch size, run at two batch sizes through one graph.
    /// </summary>
    internal static void DenseLayer(DemoReport report, Session session)
    {
        var section = report.AddSection("Dense layer: y = tanh(x·W + b), batch size known only at run time");
        section.Code("TF1", "python", """
            x = tf.placeholder(tf.float32, shape=[None, 3], name="x")
            w = tf.get_variable("dense/kernel", shape=[3, 2], initializer=tf.glorot_uniform_initializer(seed=42))
            b = tf.get_variable("dense/bias", shape=[2], initializer=tf.constant_initializer(0.1))
            y = tf.tanh(tf.nn.bias_add(tf.matmul(x, w), b), name="y")
            sess.run(tf.global_variables_initializer())
            sess.run(y, feed_dict={x: batch})
            """);
        section.Code("Recur", "csharp", """
            var x = Tf.Placeholder(DType.Float32, new Shape(-1, 3), "x");
            var w = Tf.GetVariable("dense/kernel", new Shape(3, 2), initializer: Initializers.GlorotUniform(seed: 42));
            var b = Tf.GetVariable("dense/bias", new Shape(2), initializer: Initializers.Constant(0.1));
            var y = Tf.Tanh(Tf.Nn.BiasAdd(Tf.MatMul(x, w), b), name: "y");
            session.Run(Tf.GlobalVariablesInitializer());
            session.Run(y, new FeedDict { [x] = batch });
            """);

        var x = Tf.Placeholder(DType.Float32, new Shape(-1, 3), "x");
        var w = Tf.GetVariable("dense/kernel", new Shape(3, 2), initializer: Initializers.GlorotUniform(seed: 42));
        var b = Tf.GetVariable("dense/bias", new Shape(2), initializer: Initializers.Constant(0.1));
        var y = Tf.Tanh(Tf.Nn.BiasAdd(Tf.MatMul(x, w), b), name: "y");
        session.Run(Tf.GlobalVariablesInitializer());

        section.Text("Static shapes, known when the graph is built; ? is a dimension known only at run time (-1 in new Shape(...), None in TF):");
        section.Table(["tensor", "op type", "shape", "dtype"],
        [
            Row(x.Name, x.Op.Type, x.Shape.ToString(), x.DType.ToString()),
            Row(w.TensorName, w.Value.Op.Type, w.Shape.ToString(), w.DType.ToString()),
            Row(b.TensorName, b.Value.Op.Type, b.Shape.ToString(), b.DType.ToString()),
            Row(y.Name, y.Op.Type, y.Shape.ToString(), y.DType.ToString()),
        ]);
        section.Value($"{w.Name} (GlorotUniform, seed 42)", session.Run(w));

        var runs = new List<IReadOnlyList<string>>();
        foreach (int batch in (int[])[2, 4])
        {
            var xs = new float[batch * 3];
            for (int i = 0; i < xs.Length; i++) xs[i] = (i - xs.Length / 2) / 4f;
            var xValue = new NDArray(xs, new Shape(batch, 3));
            var yValue = session.Run(y, new FeedDict { [x] = xValue });
            section.Value($"x fed with batch {batch}", xValue);
            section.Value($"y for batch {batch}", yValue);
            runs.Add(Row(batch.ToString(CultureInfo.InvariantCulture), xValue.Shape.ToString(), yValue.Shape.ToString()));
        }
        section.Text("One graph, two batch sizes:");
        section.Table(["batch", "x fed", "y fetched"], runs);
    }

    /// <summary>
    /// A functional <c>While</c> whose trip count is fed at run time: <c>i, acc = 0, 1.0; while i &lt; n: i, acc = i + 1, 2·acc</c>.
    /// </summary>
    internal static void CountingLoop(DemoReport report, Session session)
    {
        var section = report.AddSection("While loop: the trip count comes from the fed data");
        section.Code("TF1", "python", """
            n = tf.placeholder(tf.int32, shape=[], name="n")
            i, acc = tf.while_loop(lambda i, acc: i < n, lambda i, acc: (i + 1, acc * 2.0), (tf.constant(0), tf.constant(1.0)))
            """);
        section.Code("Recur", "csharp", """
            var n = Tf.Placeholder(DType.Int32, Shape.Scalar, "n");
            var (i, acc) = Tf.WhileLoop(v => Tf.Less(v.Item1, n), v => (v.Item1 + 1, v.Item2 * 2.0),
                                        (Tf.Constant(0), Tf.Constant(1.0f)));
            """);

        var n = Tf.Placeholder(DType.Int32, Shape.Scalar, "n");
        var (i, acc) = Tf.WhileLoop(v => Tf.Less(v.Item1, n), v => (v.Item1 + 1, v.Item2 * 2.0),
                                    (Tf.Constant(0), Tf.Constant(1.0f)));

        var rows = new List<IReadOnlyList<string>>();
        foreach (int trips in (int[])[0, 3, 10])
        {
            var r = session.Run([i, acc], new FeedDict { [n] = trips });
            rows.Add(Row(trips.ToString(CultureInfo.InvariantCulture), r[0].ToString(), r[1].ToString()));
        }
        section.Text($"The loop is one '{i.Op.Type}' op ('{i.Op.Name}'); its condition and body are function graphs built once.");
        section.Table(["n fed", "i", "acc"], rows);
    }

    /// <summary>What the graph holds after the other parts: operation counts by type and the variables.</summary>
    internal static void GraphSummary(DemoReport report, Graph graph)
    {
        var section = report.AddSection("The graph");
        section.Text($"{graph.Operations.Count} operations and {graph.Variables.Count} variables in the root graph " +
                     "(loop condition and body are separate function graphs inside the While op).");
        section.Table(["op type", "count"],
            graph.Operations.GroupBy(o => o.Type, StringComparer.Ordinal)
                .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => Row(g.Key, g.Count().ToString(CultureInfo.InvariantCulture))));
        section.Table(["variable", "shape", "dtype", "initializer", "trainable"],
            graph.Variables.Select(v => Row(v.Name, v.Shape.ToString(), v.DType.ToString(), v.Initializer.ToString(), v.Trainable ? "yes" : "no")));
    }

    private static IReadOnlyList<string> Row(params string[] cells) => cells;
}
