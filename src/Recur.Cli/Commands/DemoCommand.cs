using System.Diagnostics;
using System.Globalization;
using Recur.Cli.Demo;
using Recur.Samples;

namespace Recur.Cli.Commands;

/// <summary>
/// <c>recur demo</c>: runs the seed programs (<c>samples/</c>), then measures what the seeds claim about
/// <c>static_rnn</c> and <c>dynamic_rnn</c>: graph size, build and run time against the sequence length T, that both
/// give the same outputs with the same weights, that a static graph refuses a longer sequence while a dynamic one
/// runs it, and that one dynamic graph serves several batch sizes. Each part adds sections to a <see cref="DemoReport"/>,
/// printed as text and, with <c>--out FILE</c>, written as Markdown.
/// </summary>
internal sealed class DemoCommand : ICommand
{
    private const string OutOption = "out";
    private const string QuickOption = "quick";
    private const string StepsOption = "steps";

    /// <summary>The sequence lengths of the full demo.</summary>
    public static readonly IReadOnlyList<int> FullSteps = [10, 100, 1000, 5000];

    /// <summary>The sequence lengths of <c>--quick</c> (what CI runs).</summary>
    public static readonly IReadOnlyList<int> QuickSteps = [10, 100, 1000];

    public string Name => "demo";

    public string Summary => "Run the seed programs, then compare static and dynamic LSTM graphs (size, build and run time, outputs) for T = 10 … 5000.";

    public IReadOnlyList<CommandOption> Options { get; } =
    [
        new(OutOption, "FILE", "Also write the results as a Markdown report to FILE."),
        new(QuickOption, null, "Measure T = 10, 100, 1000 only (the full demo adds T = 5000; CI uses --quick)."),
        new(StepsOption, "LIST", "Comma-separated sequence lengths to measure, e.g. 10,100 (overrides --quick)."),
    ];

    public int Run(ParsedArguments args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Positionals.Count > 0)
            throw new UsageException($"recur demo: takes no arguments, but got '{args.Positionals[0]}'.");
        var steps = args.Value(StepsOption) is string list ? ParseSteps(list) : args.Has(QuickOption) ? QuickSteps : FullSteps;
        DemoReport report;
        try
        {
            report = BuildReport(steps, progress: stderr);
        }
        catch (SampleCheckException e)
        {
            stderr.WriteLine($"recur demo: {e.Message}");
            return ExitCodes.Failure;
        }
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

    /// <summary>Parses <c>--steps 10,100</c>.</summary>
    /// <exception cref="UsageException">An entry that is not a positive integer.</exception>
    internal static IReadOnlyList<int> ParseSteps(string list)
    {
        var result = new List<int>();
        foreach (var part in list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int t) || t <= 0)
                throw new UsageException($"recur demo: --steps expects positive integers separated by commas, but got '{part}'.");
            result.Add(t);
        }
        if (result.Count == 0) throw new UsageException("recur demo: --steps expects at least one sequence length.");
        return result;
    }

    /// <summary>Runs every part of the demo and returns what they found; <paramref name="progress"/> gets one line per step.</summary>
    internal static DemoReport BuildReport(IReadOnlyList<int> steps, TextWriter? progress = null)
    {
        progress ??= TextWriter.Null;
        var report = new DemoReport("Recur demo: TensorFlow's static_rnn and dynamic_rnn in C#");
        var total = Stopwatch.StartNew();
        foreach (var sample in Samples)
        {
            progress.WriteLine($"recur demo: sample {sample.Name} ...");
            RunSample(report, sample);
        }
        var config = new StaticVsDynamic.Config();
        progress.WriteLine($"recur demo: static vs dynamic for T = {string.Join(", ", steps)} ...");
        StaticVersusDynamic(report, config, steps, progress);
        progress.WriteLine("recur demo: longer sequences and batch sizes ...");
        LongerSequence(report, config, steps.Min());
        BatchSizes(report, config);
        report.AddSection("Run").Text(string.Create(CultureInfo.InvariantCulture,
            $"The demo took {total.Elapsed.TotalSeconds:F1} s on {Environment.ProcessorCount} cores ({System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription})."));
        return report;
    }

    /// <summary>A seed program: its name, what it shows, and its entry point.</summary>
    internal sealed record SampleInfo(string Name, string Title, Func<TextWriter, SampleResult> Run);

    /// <summary>The seed programs, in the order the demo runs them.</summary>
    internal static IReadOnlyList<SampleInfo> Samples { get; } =
    [
        new(nameof(BlogLstmSequenceLength), "the blog's LSTMCell with sequence_length = [10, 6] (float64)", BlogLstmSequenceLength.Run),
        new(nameof(BookBasicRnn), "the book's two-step BasicRNNCell: manual, static_rnn, dynamic_rnn, sequence lengths", BookBasicRnn.Run),
        new(nameof(MultiLayerLstm), "the API docs' MultiRNNCell of LSTMCell(128) and LSTMCell(256)", MultiLayerLstm.Run),
        new(nameof(LstmClassifier), "an LSTM classifier head: last relevant output → dense → softmax", LstmClassifier.Run),
    ];

    /// <summary>Runs one sample, keeping what it printed and the checks it made.</summary>
    internal static SampleResult RunSample(DemoReport report, SampleInfo sample)
    {
        var section = report.AddSection($"Sample {sample.Name}: {sample.Title}");
        section.Text($"samples/{sample.Name}/Program.cs, the Python in its header; run it alone with `dotnet run --project samples/{sample.Name}`.");
        var printed = new StringWriter(CultureInfo.InvariantCulture);
        var sw = Stopwatch.StartNew();
        var result = sample.Run(printed);
        sw.Stop();
        section.Value("printed", printed.ToString().TrimEnd());
        section.Table(["check", "measured", "result"],
            result.Checks.Select(c => Row(c.Description, c.Detail, c.Passed ? "ok" : "FAILED")));
        section.Text(string.Create(CultureInfo.InvariantCulture, $"{result.Checks.Count} checks passed in {sw.Elapsed.TotalSeconds:F2} s."));
        return result;
    }

    /// <summary>The table of static against dynamic graphs for every T in <paramref name="steps"/>.</summary>
    internal static IReadOnlyList<StaticVsDynamic.Row> StaticVersusDynamic(DemoReport report, StaticVsDynamic.Config config,
        IReadOnlyList<int> steps, TextWriter progress)
    {
        var section = report.AddSection("Static vs dynamic: graph size, build time, run time, outputs");
        section.Text(string.Create(CultureInfo.InvariantCulture,
            $"An LSTMCell({config.Hidden}) over a float32 batch (B = {config.Batch}, T, I = {config.Input}). Static: ") +
            "`Tf.Nn.StaticRnn` over `Tf.Unstack(Tf.Transpose(X, [1, 0, 2]))`, X a placeholder (?, T, I). Dynamic: " +
            "`Tf.Nn.DynamicRnn` on a placeholder (?, ?, I), one graph for every T, built as TF builds it: a `While` loop over " +
            "the cell's step (`graph.UseFusedRnn = false`). Fused: the same `DynamicRnn` call with Recur's default, one fused " +
            "LSTM op that runs the whole sequence (docs/decisions/0013). The dynamic graphs get the static graph's kernel and " +
            "bias (`Variable.Load`); all are fed the same seeded batch.");
        section.Code("TF1", "python", """
            X = tf.placeholder(tf.float32, [None, T, I])
            outputs, state = tf.nn.static_rnn(tf.nn.rnn_cell.LSTMCell(H), tf.unstack(tf.transpose(X, [1, 0, 2])), dtype=tf.float32)
            X = tf.placeholder(tf.float32, [None, None, I])
            outputs, state = tf.nn.dynamic_rnn(tf.nn.rnn_cell.LSTMCell(H), X, dtype=tf.float32)
            """);
        section.Code("Recur", "csharp", """
            var x = Tf.Placeholder(DType.Float32, new Shape(-1, T, I));
            var (outputs, state) = Tf.Nn.StaticRnn(new LstmCell(H), Tf.Unstack(Tf.Transpose(x, [1, 0, 2])), dtype: DType.Float32);
            var x = Tf.Placeholder(DType.Float32, new Shape(-1, -1, I));
            var (outputs, state) = Tf.Nn.DynamicRnn(new LstmCell(H), x, dtype: DType.Float32);
            """);

        // JIT warm-up (build and run once), so the first row measures graph construction and execution, not compilation.
        using (var warmStatic = StaticVsDynamic.BuildStatic(config, 3))
        using (var warmDynamic = StaticVsDynamic.BuildDynamic(config, fused: false))
        using (var warmFused = StaticVsDynamic.BuildDynamic(config, fused: true))
        {
            var x = StaticVsDynamic.Batch(config.Batch, 3, config.Input, seed: 3);
            StaticVsDynamic.Time(warmStatic, x, 1);
            StaticVsDynamic.Time(warmDynamic, x, 1);
            StaticVsDynamic.Time(warmFused, x, 1);
        }

        var rows = new List<StaticVsDynamic.Row>();
        TimeSpan? lastBuild = null;
        int lastT = 0;
        foreach (int t in steps.Order())
        {
            TimeSpan? estimate = lastBuild is TimeSpan b && lastT > 0 ? b * ((double)t / lastT) : null;
            var row = StaticVsDynamic.Measure(config, t, estimate);
            progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"recur demo:   T = {t}: static {row.StaticOps} ops, build {Format(row.StaticBuild)}, run {Format(row.StaticRun)}; dynamic {row.DynamicOps} ops, build {Format(row.DynamicBuild)}, run {Format(row.DynamicRun)}; fused {row.FusedOps} ops, run {Format(row.FusedRun)}"));
            rows.Add(row);
            if (row.StaticBuild is StaticVsDynamic.Timing sb)
            {
                lastBuild = sb.Wall;
                lastT = t;
            }
        }
        section.Table(["T", "static ops", "dynamic ops", "static build", "dynamic build", "static 1st run", "dynamic 1st run", "static run", "dynamic run", "max abs diff",
                "fused ops", "fused run", "fused vs dynamic"],
            rows.Select(r => Row(
                r.T.ToString(CultureInfo.InvariantCulture),
                r.Skipped is null ? r.StaticOps.ToString(CultureInfo.InvariantCulture) : "skipped",
                r.DynamicOps.ToString(CultureInfo.InvariantCulture),
                Format(r.StaticBuild), Format(r.DynamicBuild), Format(r.StaticFirstRun), Format(r.DynamicFirstRun),
                Format(r.StaticRun), Format(r.DynamicRun),
                r.MaxDiff is double d ? (d == 0 ? "0" : d.ToString("0.0e+00", CultureInfo.InvariantCulture)) : "—",
                r.FusedOps.ToString(CultureInfo.InvariantCulture), Format(r.FusedRun),
                r.FusedDiff == 0 ? "0" : r.FusedDiff.ToString("0.0e+00", CultureInfo.InvariantCulture))));
        foreach (var r in rows.Where(r => r.Skipped is not null))
            section.Text($"T = {r.T}: static graph skipped: {r.Skipped}.");
        section.Text("ops: operations in the root graph (`graph.Operations.Count`; the dynamic loop's body is one function graph " +
                     "inside its `While` op). Build: graph construction up to `Tf.GlobalVariablesInitializer()`. 1st run: the first " +
                     "`Session.Run`, which also plans the execution. Run: the median of the following runs. Times are wall-clock, with " +
                     "the CPU time of the process (all its threads) in parentheses: on a busy machine the wall time includes " +
                     "waiting for a core. Max abs diff: " +
                     "static against dynamic outputs (B, T, H), same weights (both run the cell's per-step ops, so they agree exactly). " +
                     "Fused vs dynamic: the fused op's outputs against the loop's — equal to float32 rounding (the fused kernel " +
                     "sums the input and recurrent products in another order).");
        return rows;
    }

    /// <summary>Feeds a static graph built for T a sequence of T + 1 steps (refused) and the dynamic graph the same (runs).</summary>
    internal static (string StaticError, Shape DynamicOutput) LongerSequence(DemoReport report, StaticVsDynamic.Config config, int timeSteps)
    {
        var section = report.AddSection($"A longer sequence: static (built for T = {timeSteps}) refuses T = {timeSteps + 1}, dynamic runs it");
        using var @static = StaticVsDynamic.BuildStatic(config, timeSteps);
        using var dynamic = StaticVsDynamic.BuildDynamic(config);
        var longer = StaticVsDynamic.Batch(config.Batch, timeSteps + 1, config.Input, seed: 7);
        string error;
        try
        {
            @static.Session.Run(@static.Outputs, new FeedDict { [@static.Input] = longer });
            throw new InvalidOperationException($"recur demo: the static graph built for T = {timeSteps} accepted a sequence of {timeSteps + 1} steps.");
        }
        catch (ArgumentException e)
        {
            error = e.Message;
        }
        var output = dynamic.Session.Run(dynamic.Outputs, new FeedDict { [dynamic.Input] = longer });
        var veryLong = StaticVsDynamic.Batch(config.Batch, 10 * timeSteps, config.Input, seed: 8);
        var outputLong = dynamic.Session.Run(dynamic.Outputs, new FeedDict { [dynamic.Input] = veryLong });
        section.Table(["graph", "fed", "result"],
        [
            Row("static", longer.Shape.ToString(), $"ArgumentException: {error}"),
            Row("dynamic", longer.Shape.ToString(), $"outputs {output.Shape}"),
            Row("dynamic", veryLong.Shape.ToString(), $"outputs {outputLong.Shape}"),
        ]);
        section.Value("static graph's error (ArgumentException)", error);
        return (error, output.Shape);
    }

    /// <summary>One dynamic graph fed batches of 1, 3 and 16 sequences; the rows they share must agree.</summary>
    internal static IReadOnlyList<(int Batch, Shape Output, double MaxDiffToBatch16)> BatchSizes(DemoReport report, StaticVsDynamic.Config config)
    {
        var section = report.AddSection("One dynamic graph, several batch sizes");
        const int timeSteps = 50;
        using var dynamic = StaticVsDynamic.BuildDynamic(config);
        var full = StaticVsDynamic.Batch(16, timeSteps, config.Input, seed: 11);
        var fullOut = dynamic.Session.Run(dynamic.Outputs, new FeedDict { [dynamic.Input] = full });
        var results = new List<(int, Shape, double)>();
        foreach (int batch in (int[])[1, 3, 16])
        {
            var x = FirstRows(full, batch);
            var y = dynamic.Session.Run(dynamic.Outputs, new FeedDict { [dynamic.Input] = x });
            results.Add((batch, y.Shape, StaticVsDynamic.MaxAbsDiff(y, FirstRows(fullOut, batch))));
        }
        section.Text(string.Create(CultureInfo.InvariantCulture,
            $"The dynamic graph's placeholder is (?, ?, {config.Input}). Each batch is the first rows of one seeded (16, {timeSteps}, {config.Input}) batch; ") +
            "the last column compares each output with the same rows of the batch-16 output.");
        section.Table(["batch", "outputs", "max abs diff to the batch-16 rows"],
            results.Select(r => Row(r.Item1.ToString(CultureInfo.InvariantCulture), r.Item2.ToString(),
                r.Item3 == 0 ? "0" : r.Item3.ToString("0.0e+00", CultureInfo.InvariantCulture))));
        section.Text($"{dynamic.Operations} operations serve every batch size and every T.");
        return results;
    }

    private static NDArray FirstRows(NDArray a, int rows)
    {
        var dims = a.Shape.ToArray();
        int rowSize = a.Size / dims[0];
        dims[0] = rows;
        return new NDArray(a.AsSpan<float>()[..(rows * rowSize)].ToArray(), new Shape(dims));
    }

    /// <summary>A duration for the table: ms below 10 s, else s; a dash when not measured.</summary>
    internal static string Format(TimeSpan? t) => t switch
    {
        null => "—",
        { TotalSeconds: >= 10 } s => s.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture) + " s",
        { TotalMilliseconds: >= 100 } s => s.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture) + " ms",
        var s => s.Value.TotalMilliseconds.ToString("F2", CultureInfo.InvariantCulture) + " ms",
    };

    /// <summary>A measurement for the table: the wall time, then the CPU time in parentheses.</summary>
    internal static string Format(StaticVsDynamic.Timing? t) => t is StaticVsDynamic.Timing m ? $"{Format(m.Wall)} ({Format(m.Cpu)})" : "—";

    private static IReadOnlyList<string> Row(params string[] cells) => cells;
}
