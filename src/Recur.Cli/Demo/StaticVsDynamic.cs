using System.Diagnostics;
using Recur.Rnn;

namespace Recur.Cli.Demo;

/// <summary>
/// The measurements behind the seeds' claims about <c>static_rnn</c> and <c>dynamic_rnn</c>: for one LSTM size, a
/// static graph (one cell copy per step, T fixed) and a dynamic graph (one <c>While</c> loop) are built, given the
/// same weights and fed the same batch; graph size, build time, run time and the difference of their outputs are
/// recorded.
/// </summary>
internal static class StaticVsDynamic
{
    /// <summary>A static graph whose build is estimated to take longer than this is skipped.</summary>
    public static readonly TimeSpan StaticBuildBudget = TimeSpan.FromSeconds(60);

    /// <summary>
    /// A duration measured twice: wall-clock time, and the CPU time this process used meanwhile (all its threads). On a
    /// machine shared with other work the wall time includes waiting for a core; the CPU time does not.
    /// </summary>
    public readonly record struct Timing(TimeSpan Wall, TimeSpan Cpu)
    {
        /// <summary>Starts measuring.</summary>
        public static Clock Start() => new(Stopwatch.StartNew(), CpuNow());

        /// <summary>The CPU time used by this process so far.</summary>
        public static TimeSpan CpuNow()
        {
            using var process = Process.GetCurrentProcess();
            return process.TotalProcessorTime;
        }

        /// <summary>The element-wise median of <paramref name="timings"/> (wall and CPU separately).</summary>
        public static Timing Median(IReadOnlyList<Timing> timings)
        {
            var walls = timings.Select(t => t.Wall).Order().ToList();
            var cpus = timings.Select(t => t.Cpu).Order().ToList();
            return new Timing(walls[walls.Count / 2], cpus[cpus.Count / 2]);
        }
    }

    /// <summary>A running measurement (<see cref="Timing.Start"/>).</summary>
    public sealed class Clock(Stopwatch stopwatch, TimeSpan cpuStart)
    {
        /// <summary>The time since the start.</summary>
        public Timing Elapsed => new(stopwatch.Elapsed, Timing.CpuNow() - cpuStart);
    }

    /// <summary>The LSTM and batch size every measurement uses.</summary>
    public sealed record Config(int Batch = 4, int Input = 8, int Hidden = 32, int TimedRuns = 5);

    /// <summary>One static or dynamic LSTM graph, built and initialized, with the cell's weights loaded.</summary>
    public sealed class LstmGraph : IDisposable
    {
        public required Graph Graph { get; init; }
        public required Session Session { get; init; }
        public required Tensor Input { get; init; }
        public required Tensor Outputs { get; init; }
        public required LstmCell Cell { get; init; }
        public required Timing BuildTime { get; init; }
        public int Operations => Graph.Operations.Count;
        public void Dispose() => Session.Dispose();
    }

    /// <summary>One row of the table.</summary>
    /// <remarks>Dynamic: the <c>While</c> loop over the cell's step (<see cref="Graph.UseFusedRnn"/> false), as TF builds
    /// <c>dynamic_rnn</c>. Fused: the same call with the default fused op (<see cref="FusedRun"/>, <see cref="FusedDiff"/>
    /// against the loop's outputs).</remarks>
    public sealed record Row(int T, int StaticOps, int DynamicOps, Timing? StaticBuild, Timing DynamicBuild,
        Timing? StaticFirstRun, Timing DynamicFirstRun, Timing? StaticRun, Timing DynamicRun, double? MaxDiff, string? Skipped,
        int FusedOps, Timing FusedRun, double FusedDiff);

    /// <summary>
    /// <c>X = placeholder([None, T, I]); outputs, _ = static_rnn(LSTMCell(H), unstack(transpose(X, [1, 0, 2])));
    /// outputs = transpose(stack(outputs), [1, 0, 2])</c>.
    /// </summary>
    public static LstmGraph BuildStatic(Config config, int timeSteps)
    {
        var clock = Timing.Start();
        var graph = new Graph { Seed = 42 };
        using (graph.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(-1, timeSteps, config.Input), name: "X");
            var cell = new LstmCell(config.Hidden);
            var steps = Tf.Unstack(Tf.Transpose(x, [1, 0, 2]));
            var (outputs, _) = Tf.Nn.StaticRnn(cell, steps, dtype: DType.Float32);
            var stacked = Tf.Transpose(Tf.Stack(outputs), [1, 0, 2]);
            var init = Tf.GlobalVariablesInitializer();
            var buildTime = clock.Elapsed;
            var session = new Session(graph);
            session.Run(init);
            return new LstmGraph { Graph = graph, Session = session, Input = x, Outputs = stacked, Cell = cell, BuildTime = buildTime };
        }
    }

    /// <summary>
    /// <c>X = placeholder([None, None, I]); outputs, _ = dynamic_rnn(LSTMCell(H), X)</c>: any batch, any T. With
    /// <paramref name="fused"/> false the graph is TF's <c>While</c> loop over the cell's step; true (Recur's default), one
    /// fused LSTM op runs the sequence.
    /// </summary>
    public static LstmGraph BuildDynamic(Config config, bool fused = true)
    {
        var clock = Timing.Start();
        var graph = new Graph { Seed = 42, UseFusedRnn = fused };
        using (graph.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(-1, -1, config.Input), name: "X");
            var cell = new LstmCell(config.Hidden);
            var (outputs, _) = Tf.Nn.DynamicRnn(cell, x, dtype: DType.Float32);
            var init = Tf.GlobalVariablesInitializer();
            var buildTime = clock.Elapsed;
            var session = new Session(graph);
            session.Run(init);
            return new LstmGraph { Graph = graph, Session = session, Input = x, Outputs = outputs, Cell = cell, BuildTime = buildTime };
        }
    }

    /// <summary>Copies the LSTM kernel and bias of <paramref name="from"/> into <paramref name="to"/> (TF's Variable.load).</summary>
    public static void CopyWeights(LstmGraph from, LstmGraph to)
    {
        var values = from.Session.Run([from.Cell.Kernel!, from.Cell.Bias!]);
        to.Cell.Kernel!.Load(values[0], to.Session);
        to.Cell.Bias!.Load(values[1], to.Session);
    }

    /// <summary>A seeded (batch, T, input) float32 batch with values in [-1, 1).</summary>
    public static NDArray Batch(int batch, int timeSteps, int input, int seed)
    {
        var random = new Random(seed);
        var data = new float[batch * timeSteps * input];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(random.NextDouble() * 2 - 1);
        return new NDArray(data, new Shape(batch, timeSteps, input));
    }

    /// <summary>Runs the graph once (timed: the first run also plans the execution), then <paramref name="runs"/> more, and returns the first and the median.</summary>
    public static (NDArray Value, Timing First, Timing Median) Time(LstmGraph g, NDArray x, int runs)
    {
        var feed = new FeedDict { [g.Input] = x };
        var clock = Timing.Start();
        var value = g.Session.Run(g.Outputs, feed);
        var first = clock.Elapsed;
        var times = new List<Timing>(runs);
        for (int i = 0; i < runs; i++)
        {
            clock = Timing.Start();
            g.Session.Run(g.Outputs, feed);
            times.Add(clock.Elapsed);
        }
        return (value, first, times.Count == 0 ? first : Timing.Median(times));
    }

    /// <summary>Measures one T; the static graph is skipped when <paramref name="estimatedStaticBuild"/> exceeds the budget.</summary>
    public static Row Measure(Config config, int timeSteps, TimeSpan? estimatedStaticBuild)
    {
        var x = Batch(config.Batch, timeSteps, config.Input, seed: timeSteps);
        int runs = config.TimedRuns;
        using var dynamic = BuildDynamic(config, fused: false);
        using var fused = BuildDynamic(config, fused: true);
        CopyWeights(dynamic, fused);
        if (estimatedStaticBuild is TimeSpan est && est > StaticBuildBudget)
        {
            var d = Time(dynamic, x, runs);
            var f = Time(fused, x, runs);
            return new Row(timeSteps, 0, dynamic.Operations, null, dynamic.BuildTime, null, d.First, null, d.Median, null,
                $"static build estimated at {est.TotalSeconds:F0} s (linear in T), over the {StaticBuildBudget.TotalSeconds:F0} s budget",
                fused.Operations, f.Median, MaxAbsDiff(d.Value, f.Value));
        }
        using var @static = BuildStatic(config, timeSteps);
        CopyWeights(@static, dynamic);
        CopyWeights(@static, fused);
        var s = Time(@static, x, runs);
        var dy = Time(dynamic, x, runs);
        var fu = Time(fused, x, runs);
        double diff = MaxAbsDiff(s.Value, dy.Value);
        return new Row(timeSteps, @static.Operations, dynamic.Operations, @static.BuildTime, dynamic.BuildTime,
            s.First, dy.First, s.Median, dy.Median, diff, null, fused.Operations, fu.Median, MaxAbsDiff(dy.Value, fu.Value));
    }

    /// <summary><c>max |a − b|</c> over two float32 arrays of the same shape.</summary>
    public static double MaxAbsDiff(NDArray a, NDArray b)
    {
        if (a.Shape != b.Shape) throw new ArgumentException($"StaticVsDynamic.MaxAbsDiff: shapes differ: {a.Shape} vs {b.Shape}.");
        var x = a.AsSpan<float>();
        var y = b.AsSpan<float>();
        double m = 0;
        for (int i = 0; i < x.Length; i++) m = Math.Max(m, Math.Abs((double)x[i] - y[i]));
        return m;
    }
}
