using System.Diagnostics;
using Recur.Kernels.Blas;

namespace Recur.Benchmarks.Gemm;

/// <summary>
/// Diagnostic: how late the pool's second thread starts its part. For each scenario, many dispatches; the
/// delay of one dispatch is the time from the caller publishing the work (<see cref="WorkerPool.Run"/>)
/// to the worker entering its part (<see cref="WorkerPool.LastStartDelay"/>). Prints percentiles and a
/// histogram; "called off" counts the dispatches whose worker had not started when the caller had done
/// all the work (GEMM's short-and-wide path only). Scenarios: a synthetic job (each part busy for a fixed
/// time) with different gaps between calls, then real 2-thread GEMM calls back to back.
/// <c>gemm-start [--calls N] [--quiet-wait S] [--hot-us U]</c> (U: the pool's never-yielding spin, µs).
/// </summary>
internal static class StartDelayProbe
{
    private static readonly double[] Edges = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];

    private sealed class BusyJob : IParallelJob
    {
        public long Ticks;

        public void Execute(int index) => BusyWait(Ticks);
    }

    public static int Run(string[] args)
    {
        int calls = 2000;
        double quietWait = 5;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--calls": calls = int.Parse(args[++i]); break;
                case "--quiet-wait": quietWait = double.Parse(args[++i]); break;
                case "--hot-us": WorkerPool.HotSpinMicroseconds = double.Parse(args[++i]); break;
                default: break;
            }
        }

        Console.WriteLine($"load average: {File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine("| scenario | calls | called off | p10 µs | p50 µs | p90 µs | p99 µs | max µs | histogram (µs upper edge: count) | busy before |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
        var job = new BusyJob { Ticks = MicrosToTicks(20) };
        (string Name, double GapMicros, bool Sleep)[] gaps = [("pool, part 20 µs, back to back", 0, false), ("pool, part 20 µs, 20 µs busy gap", 20, false), ("pool, part 20 µs, 1 ms busy gap", 1000, false), ("pool, part 20 µs, 5 ms sleep gap", 5000, true)];
        foreach (var (name, gapMicros, sleep) in gaps)
        {
            double busy = QuickGemm.WaitForQuiet(quietWait);
            int n = sleep ? Math.Min(calls, 300) : calls;
            var delays = new List<double>();
            int calledOff = 0;
            for (int i = 0; i < n + 10; i++)
            {
                if (sleep)
                {
                    Thread.Sleep(TimeSpan.FromMicroseconds(gapMicros));
                }
                else
                {
                    BusyWait(MicrosToTicks(gapMicros));
                }

                WorkerPool.TryAcquire();
                WorkerPool.Run(job, 2);
                WorkerPool.Release();
                if (i >= 10)
                {
                    Record(delays, ref calledOff);
                }
            }

            Print(name, delays, calledOff, busy);
        }

        var callTimes = new List<string>();
        foreach (string shapeName in new[] { "rnn-m16-h128", "rnn-m64-h256", "sq512" })
        {
            GemmShape s = GemmShape.Parse(shapeName);
            var rng = new Random(1);
            float[] a = Enumerable.Range(0, s.M * s.K).Select(_ => (float)rng.NextDouble()).ToArray();
            float[] b = Enumerable.Range(0, s.K * s.N).Select(_ => (float)rng.NextDouble()).ToArray();
            float[] c = new float[s.M * s.N];
            Kernels.Gemm.MaxThreads = 2;
            double busy = QuickGemm.WaitForQuiet(quietWait);
            var delays = new List<double>();
            var withWorker = new List<double>();
            var alone = new List<double>();
            int calledOff = 0;
            int n = s.M >= 512 ? Math.Min(calls, 500) : calls;
            for (int i = 0; i < n + 10; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                Kernels.Gemm.Multiply(false, false, s.M, s.N, s.K, 1f, a, s.K, b, s.N, 0f, c, s.N);
                double micros = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
                if (i >= 10)
                {
                    int before = calledOff;
                    Record(delays, ref calledOff);
                    (calledOff > before ? alone : withWorker).Add(micros);
                }
            }

            Print($"GEMM {s.Name} 2 threads, back to back", delays, calledOff, busy);
            Kernels.Gemm.MaxThreads = 1;
            var single = new List<double>();
            for (int i = 0; i < n + 10; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                Kernels.Gemm.Multiply(false, false, s.M, s.N, s.K, 1f, a, s.K, b, s.N, 0f, c, s.N);
                single.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
            }

            callTimes.Add($"{s.Name}: call µs p10 / p50 / p90 / mean: 2 threads, worker started {Stats(withWorker)}; called off {Stats(alone)}; 1 thread {Stats(single)}");
        }

        // Rounds after idleness (what the quick gemm mode's --gap-ms does): call time by position in the round.
        foreach (int threads in new[] { 2, 1 })
        {
            GemmShape s = GemmShape.Parse("rnn-m64-h256");
            var rng = new Random(1);
            float[] a = Enumerable.Range(0, s.M * s.K).Select(_ => (float)rng.NextDouble()).ToArray();
            float[] b = Enumerable.Range(0, s.K * s.N).Select(_ => (float)rng.NextDouble()).ToArray();
            float[] c = new float[s.M * s.N];
            Kernels.Gemm.MaxThreads = threads;
            int[] edges = [1, 5, 20, 50, 100, 200];
            var byPosition = edges.Select(_ => new List<double>()).ToArray();
            for (int round = 0; round < 20; round++)
            {
                Thread.Sleep(150);
                for (int i = 0; i < edges[^1]; i++)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    Kernels.Gemm.Multiply(false, false, s.M, s.N, s.K, 1f, a, s.K, b, s.N, 0f, c, s.N);
                    byPosition[Array.FindIndex(edges, e => i < e)].Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
                }
            }

            callTimes.Add($"{s.Name}, {threads} thread(s), 20 rounds after 150 ms sleeps, median call µs by position in the round: " + string.Join(", ", edges.Select((e, j) => $"< {e}: {byPosition[j].Order().ElementAt(byPosition[j].Count / 2):F0}")));
        }

        Console.WriteLine();
        foreach (string line in callTimes)
        {
            Console.WriteLine(line);
        }

        return 0;
    }

    private static string Stats(List<double> v)
    {
        if (v.Count == 0)
        {
            return "(none)";
        }

        v.Sort();
        return $"{v[v.Count / 10]:F1} / {v[v.Count / 2]:F1} / {v[v.Count * 9 / 10]:F1} / {v.Average():F1} (n = {v.Count})";
    }

    private static void Record(List<double> delays, ref int calledOff)
    {
        long ticks = WorkerPool.LastStartDelay(1);
        if (ticks < 0)
        {
            calledOff++;
        }
        else
        {
            delays.Add(ticks * 1e6 / Stopwatch.Frequency);
        }
    }

    private static void Print(string name, List<double> delays, int calledOff, double busy)
    {
        delays.Sort();
        double Q(double q) => delays.Count == 0 ? double.NaN : delays[Math.Clamp((int)(q * delays.Count), 0, delays.Count - 1)];
        var hist = new int[Edges.Length + 1];
        foreach (double d in delays)
        {
            int bin = Array.FindIndex(Edges, e => d <= e);
            hist[bin < 0 ? Edges.Length : bin]++;
        }

        string histogram = string.Join(" ", Enumerable.Range(0, hist.Length).Where(i => hist[i] > 0).Select(i => $"{(i < Edges.Length ? "≤" + Edges[i] : ">" + Edges[^1])}:{hist[i]}"));
        Console.WriteLine($"| {name} | {delays.Count + calledOff} | {calledOff} | {Q(0.1):F1} | {Q(0.5):F1} | {Q(0.9):F1} | {Q(0.99):F1} | {(delays.Count == 0 ? double.NaN : delays[^1]):F0} | {histogram} | {busy:P0} |");
    }

    private static long MicrosToTicks(double micros) => (long)(micros * Stopwatch.Frequency / 1e6);

    private static void BusyWait(long ticks)
    {
        long end = Stopwatch.GetTimestamp() + ticks;
        while (Stopwatch.GetTimestamp() < end)
        {
        }
    }
}
