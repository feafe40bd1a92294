using System.Diagnostics;
using System.Globalization;
using Recur.Benchmarks.Gemm;
using Recur.Rnn;

namespace Recur.Benchmarks.Rnn;

/// <summary>
/// Diagnostic: a one-layer <c>DynamicRnn</c> graph (batch-major float placeholder, as <c>recur bench</c> builds it) run
/// through <c>Session.Run</c>, inference (outputs and final state fetched) or training (dx and every dW), in alternating
/// rounds with the large fetched outputs on the ordinary heap (off) and on the pinned object heap (on; arrays of at least
/// AB_PIN_MIN bytes, default 1 MiB).
/// </summary>
internal static class GraphProbe
{
    public static int Run(string[] args)
    {
        string cell = args.Length > 0 ? args[0] : "gru";
        int b = Arg(args, 1, 64), t = Arg(args, 2, 100), i = Arg(args, 3, 256), h = Arg(args, 4, 256);
        bool train = args.Contains("--train");
        double seconds = args.Contains("--seconds") ? double.Parse(args[Array.IndexOf(args, "--seconds") + 1], CultureInfo.InvariantCulture) : 10;
        Kernels.Gemm.MaxThreads = 1;
        var graph = new Graph { Seed = 1 };
        Session session;
        IReadOnlyList<Tensor> fetches;
        FeedDict feed;
        using (graph.AsDefault())
        {
            var x = Tf.Placeholder(DType.Float32, new Shape(-1, -1, i), name: "x");
            RnnCell rnnCell = cell switch
            {
                "lstm" => new LstmCell(h),
                "gru" => new GruCell(h),
                "gru-ra" => new GruCell(h, resetAfter: true),
                _ => new BasicRnnCell(h),
            };
            var (outputs, state) = Tf.Nn.DynamicRnn(rnnCell, x, dtype: DType.Float32);
            if (train)
            {
                // --weights-only: gradients of the variables alone (x is data), so the gradient op's dx is unread.
                var xs = new List<Tensor>();
                if (!args.Contains("--weights-only"))
                {
                    xs.Add(x);
                }

                xs.AddRange(graph.TrainableVariables.Select(v => (Tensor)v));
                fetches = Tf.Gradients(Tf.ReduceSum(outputs), xs).Select(g => g!).ToList();
            }
            else
            {
                fetches = [outputs, .. state.Flatten()];
            }

            var init = Tf.GlobalVariablesInitializer();
            session = new Session(graph);
            session.Run(init);
            var rng = new Random(3);
            feed = new FeedDict { [x] = new NDArray(Enumerable.Range(0, b * t * i).Select(_ => (float)((rng.NextDouble() * 2) - 1)).ToArray(), new Shape(b, t, i)) };
        }

        var wall = new List<double>[] { [], [] };
        var cpu = new List<double>[] { [], [] };
        var faults = new long[2];
        for (int k = 0; k < 3; k++)
        {
            session.Run(fetches, feed);
        }

        long saved = NDArray.PinnedMinBytes;
        long pinMin = long.Parse(Environment.GetEnvironmentVariable("AB_PIN_MIN") ?? "1048576", CultureInfo.InvariantCulture);
        TimeSpan pause0 = GC.GetTotalPauseDuration();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            for (int on = 0; on < 2; on++)
            {
                NDArray.PinnedMinBytes = on == 1 ? pinMin : long.MaxValue;
                for (int k = 0; k < 5; k++)
                {
                    long start = Stopwatch.GetTimestamp();
                    double c0 = AbProbe.ThreadCpuSeconds();
                    long f0 = MinorFaults();
                    session.Run(fetches, feed);
                    faults[on] += MinorFaults() - f0;
                    cpu[on].Add((AbProbe.ThreadCpuSeconds() - c0) * 1e3);
                    wall[on].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
            }
        }

        NDArray.PinnedMinBytes = saved;
        double pauseMs = (GC.GetTotalPauseDuration() - pause0).TotalMilliseconds / (wall[0].Count + wall[1].Count);
        Console.WriteLine($"{cell} {b}x{t}x{i}x{h} {(train ? "train" : "infer")}: wall median off {Median(wall[0]):F2} on {Median(wall[1]):F2} ms ({Median(wall[1]) / Median(wall[0]):F3}); thread CPU off {Median(cpu[0]):F2} on {Median(cpu[1]):F2} ms ({Median(cpu[1]) / Median(cpu[0]):F3}); page faults a call off {faults[0] / (double)wall[0].Count:F0} on {faults[1] / (double)wall[1].Count:F0}; {wall[0].Count} calls each; GCs {GC.CollectionCount(0)}/{GC.CollectionCount(2)}, GC pause {pauseMs:F3} ms a run");
        session.Dispose();
        return 0;
    }

    /// <summary>The calling thread's minor page faults so far (/proc/thread-self/stat, field 10; 0 where it cannot be read).</summary>
    private static long MinorFaults()
    {
        try
        {
            string stat = File.ReadAllText("/proc/thread-self/stat");
            string[] f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(f[7], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static int Arg(string[] args, int k, int fallback) => args.Length > k && int.TryParse(args[k], out int v) ? v : fallback;

    private static double Median(List<double> v)
    {
        v.Sort();
        return v[v.Count / 2];
    }
}
