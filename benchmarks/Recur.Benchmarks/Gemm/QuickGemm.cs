using System.Diagnostics;
using System.Text;
using Recur.Kernels;

namespace Recur.Benchmarks.Gemm;

/// <summary>
/// A fast SGEMM comparison without BenchmarkDotNet: for each shape and thread count, alternate
/// Recur and OpenBLAS rounds, take the median time per call of each, print a GFLOP/s table.
/// </summary>
internal static class QuickGemm
{
    public static int Run(string[] args)
    {
        double seconds = 1.0;
        int[] threadCounts = [1, 2];
        string filter = "";
        string? output = null;
        double quietWait = 20;
        double roundMs = 5;
        double gapMs = 0;
        double quantile = 0.1;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--seconds": seconds = double.Parse(args[++i]); break;
                case "--threads": threadCounts = args[++i].Split(',').Select(int.Parse).ToArray(); break;
                case "--filter": filter = args[++i]; break;
                case "--out": output = args[++i]; break;
                case "--quiet-wait": quietWait = double.Parse(args[++i]); break;
                case "--round-ms": roundMs = double.Parse(args[++i]); break;
                case "--gap-ms": gapMs = double.Parse(args[++i]); break;
                case "--quantile": quantile = double.Parse(args[++i]); break;
                case "--hot-us": Kernels.Blas.WorkerPool.HotSpinMicroseconds = double.Parse(args[++i]); break;
                default: break;
            }
        }

        bool blas = OpenBlas.Available;
        var table = new StringBuilder();
        table.AppendLine("| shape | M,N,K | threads | round means, median: Recur GFLOP/s | OpenBLAS | ratio | paired rounds: median ratio | calls, median: Recur | OpenBLAS | ratio | calls, p" + (quantile * 100).ToString("F0") + ": Recur | OpenBLAS | ratio | machine busy before |");
        table.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        Console.WriteLine(table.ToString().TrimEnd());
        foreach (GemmShape shape in GemmShape.All.Concat(GemmShape.Training).Where(s => s.Name.Contains(filter, StringComparison.Ordinal)))
        {
            (float[] a, float[] b, float[] c) = shape.RandomOperands();
            foreach (int t in threadCounts)
            {
                Kernels.Gemm.MaxThreads = t;
                if (blas)
                {
                    OpenBlas.SetNumThreads(t);
                }

                Action recur = () => Kernels.Gemm.Multiply(shape.TransA, shape.TransB, shape.M, shape.N, shape.K, 1f, a, shape.Lda, b, shape.Ldb, 0f, c, shape.N);
                Action peer = blas ? () => OpenBlas.Sgemm(shape, a, b, c) : () => { };
                double busy = WaitForQuiet(quietWait);
                var m = MeasurePair(recur, peer, seconds, roundMs / 1000, gapMs, quantile);
                string line = $"| {shape.Name}{(shape.TransA ? " (Aᵀ)" : "")}{(shape.TransB ? " (Bᵀ)" : "")} | {shape.M},{shape.N},{shape.K} | {t} | {Cells(shape.Flops, m.RoundMedian.First, m.RoundMedian.Second, blas)} | {(blas ? m.PairedRatio.ToString("F2") : "n/a")} | {Cells(shape.Flops, m.CallMedian.First, m.CallMedian.Second, blas)} | {Cells(shape.Flops, m.CallQuantile.First, m.CallQuantile.Second, blas)} | {busy:P0} |";
                Console.WriteLine(line);
                table.AppendLine(line);
            }
        }

        static string Cells(double flops, double recurSec, double peerSec, bool blas)
        {
            double g1 = flops / recurSec / 1e9;
            double g2 = blas ? flops / peerSec / 1e9 : double.NaN;
            return $"{g1:F1} | {(blas ? g2.ToString("F1") : "n/a")} | {(blas ? (g1 / g2).ToString("F2") : "n/a")}";
        }

        if (output is not null)
        {
            File.WriteAllText(output, table.ToString());
        }

        return 0;
    }

    /// <summary>
    /// Waits (up to <paramref name="maxSeconds"/>) until the whole machine was less than 10 % busy over
    /// 0.25 s (from /proc/stat), so that other processes' work does not land in the timings; returns the
    /// last busy fraction seen.
    /// </summary>
    internal static double WaitForQuiet(double maxSeconds)
    {
        var sw = Stopwatch.StartNew();
        double busy = 0;
        do
        {
            (long total0, long idle0) = CpuTimes();
            Thread.Sleep(250);
            (long total1, long idle1) = CpuTimes();
            busy = total1 == total0 ? 0 : 1.0 - ((double)(idle1 - idle0) / (total1 - total0));
        }
        while (busy > 0.10 && sw.Elapsed.TotalSeconds < maxSeconds);
        return busy;
    }

    private static (long Total, long Idle) CpuTimes()
    {
        if (!File.Exists("/proc/stat"))
        {
            return (0, 0);
        }

        string[] f = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long[] v = f.Skip(1).Take(8).Select(long.Parse).ToArray();
        return (v.Sum(), v[3] + v[4]);
    }

    /// <summary>
    /// Warm both up, then alternate rounds of each (so background load hits both alike); returns for each the
    /// median over rounds of the mean seconds per call, the median over round pairs of the second's time over the first's, (sensitive to rare long stalls when calls are short:
    /// one 150 µs stall in a round of 30 µs calls weighs like five calls), the median of the single-call times,
    /// and their <paramref name="quantile"/> (on a loaded machine the fast quantiles are the calls that the
    /// other processes left alone). With a gap, each round is preceded by an idle pause, so that the other library's idle
    /// threads have stopped spinning (OpenBLAS's spin for about 2^28 cycles after a call, Recur's for
    /// 2 ms) and do not compete for the cores with the library being timed.
    /// </summary>
    private static ((double First, double Second) RoundMedian, double PairedRatio, (double First, double Second) CallMedian, (double First, double Second) CallQuantile) MeasurePair(Action first, Action second, double seconds, double roundSeconds, double gapMs, double quantile)
    {
        int perRound = CallsPerRound(first, roundSeconds);
        int perRoundPeer = CallsPerRound(second, roundSeconds);
        var t1 = new List<double>();
        var t2 = new List<double>();
        var calls1 = new List<double>();
        var calls2 = new List<double>();
        var total = Stopwatch.StartNew();
        while ((total.Elapsed.TotalSeconds - (t1.Count * 2 * gapMs / 1000) < seconds * 2 || t1.Count < 7) && t1.Count < 400)
        {
            Gap(gapMs);
            t1.Add(TimeRound(first, perRound, calls1));
            Gap(gapMs);
            t2.Add(TimeRound(second, perRoundPeer, calls2));
        }

        // Paired: each Recur round against the OpenBLAS round right after it (a slow phase of the shared host that spans
        // both cancels out), median over the pairs of OpenBLAS time / Recur time.
        var paired = t1.Zip(t2, (r, o) => o / r).ToList();
        return ((Median(t1), Median(t2)), Median(paired), (Quantile(calls1, 0.5), Quantile(calls2, 0.5)), (Quantile(calls1, quantile), Quantile(calls2, quantile)));
    }

    private static void Gap(double ms)
    {
        if (ms > 0)
        {
            Thread.Sleep(TimeSpan.FromMilliseconds(ms));
        }
    }

    /// <summary>Warms up and picks a repetition count that makes one timed round about <paramref name="roundSeconds"/> long.</summary>
    private static int CallsPerRound(Action action, double roundSeconds)
    {
        var sw = Stopwatch.StartNew();
        int calls = 0;
        while (sw.Elapsed.TotalSeconds < 0.3 || calls < 3)
        {
            action();
            calls++;
        }

        double perCall = sw.Elapsed.TotalSeconds / calls;
        return Math.Max(1, (int)(roundSeconds / perCall));
    }

    private static double TimeRound(Action action, int calls, List<double> perCall)
    {
        long start = Stopwatch.GetTimestamp();
        long last = start;
        for (int i = 0; i < calls; i++)
        {
            action();
            long now = Stopwatch.GetTimestamp();
            perCall.Add((double)(now - last) / Stopwatch.Frequency);
            last = now;
        }

        return Stopwatch.GetElapsedTime(start).TotalSeconds / calls;
    }

    private static double Quantile(List<double> values, double q)
    {
        values.Sort();
        return values[Math.Clamp((int)(q * values.Count), 0, values.Count - 1)];
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        int n = values.Count;
        return n % 2 == 1 ? values[n / 2] : 0.5 * (values[(n / 2) - 1] + values[n / 2]);
    }
}
