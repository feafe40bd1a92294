using System.Diagnostics;
using System.Globalization;
using Recur.Kernels.Blas;

namespace Recur.Benchmarks.Gemm;

/// <summary>
/// Diagnostic: what an idle gap costs a 2-thread SGEMM. Rounds alternate between Recur and OpenBLAS; each round
/// sleeps <c>--gap-ms</c>, then times <c>--calls</c> calls back to back. Prints, per call position after the gap,
/// the median ms of each library and Recur's median worker start delay (µs; "off" when the caller finished alone).
/// Then how often the pool's worker moved off the caller's CPU, and when (after the round began) it returned from its
/// blocking wait. <c>gemm-gap [shape] [--gap-ms G] [--calls N] [--rounds R] [--recur-only] [--verbose] [--no-move]</c>
/// (default sq256, 150 ms, 8 calls, 30 rounds; --verbose: one line per round; --no-move: the pool without
/// <c>ThreadPlacement</c> and without its yields, as before they were added).
/// </summary>
internal static class GapProbe
{
    public static int Run(string[] args)
    {
        string shapeName = "sq256";
        double gapMs = 150;
        int calls = 8, rounds = 30;
        bool peerOff = false, verbose = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--gap-ms": gapMs = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--calls": calls = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--rounds": rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--recur-only": peerOff = true; break;
                case "--verbose": verbose = true; break;
                case "--no-move": ThreadPlacement.Enabled = false; WorkerPool.YieldToSleepers = false; break;
                default: shapeName = args[i]; break;
            }
        }

        GemmShape s = GemmShape.All.First(x => x.Name == shapeName);
        Kernels.Gemm.MaxThreads = 2;
        bool blas = OpenBlas.Available && !peerOff;
        if (blas)
        {
            OpenBlas.SetNumThreads(2);
        }

        (float[] a, float[] b, float[] c) = s.RandomOperands();
        Action recur = () => Kernels.Gemm.Multiply(false, false, s.M, s.N, s.K, 1f, a, s.K, b, s.N, 0f, c, s.N);
        Action peer = () => OpenBlas.Sgemm(s.M, s.N, s.K, a, b, c);
        for (int w = 0; w < 20; w++)
        {
            recur();
            if (blas)
            {
                peer();
            }
        }

        var tr = new List<double>[calls];
        var tp = new List<double>[calls];
        var delay = new List<double>[calls];
        var unblock = new List<double>();
        for (int k = 0; k < calls; k++)
        {
            tr[k] = [];
            tp[k] = [];
            delay[k] = [];
        }

        for (int r = 0; r < rounds; r++)
        {
            Thread.Sleep(TimeSpan.FromMilliseconds(gapMs));
            long roundStart = Stopwatch.GetTimestamp();
            for (int k = 0; k < calls; k++)
            {
                long t0 = Stopwatch.GetTimestamp();
                recur();
                tr[k].Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                long d = WorkerPool.LastStartDelay(1);

                delay[k].Add(d < 0 ? double.PositiveInfinity : d * 1e6 / Stopwatch.Frequency);
            }

            long ub = WorkerPool.LastUnblocked(1) - roundStart;
            if (verbose)
            {
                int cpu = WorkerPool.LastWakeCpu(1);
                Console.WriteLine($"round {r}: unblocked {ub * 1e6 / Stopwatch.Frequency:F0} µs, last wake cpu {cpu}, caller cpu {ThreadPlacement.CurrentCpu()}; calls ms " +
                    string.Join(" ", Enumerable.Range(0, calls).Select(k => tr[k][^1].ToString("F2", CultureInfo.InvariantCulture) + (double.IsPositiveInfinity(delay[k][^1]) ? "x" : ""))));
            }

            unblock.Add(ub * 1e6 / Stopwatch.Frequency);
            if (blas)
            {
                Thread.Sleep(TimeSpan.FromMilliseconds(gapMs));
                for (int k = 0; k < calls; k++)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    peer();
                    tp[k].Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                }
            }
        }

        Console.WriteLine($"{s.Name} on 2 threads, {rounds} rounds, {gapMs} ms idle before each round's {calls} calls");
        Console.WriteLine("| call after gap | Recur ms (median) | OpenBLAS ms | OpenBLAS / Recur | Recur worker start µs (median, p90) |");
        Console.WriteLine("|---|---|---|---|---|");
        for (int k = 0; k < calls; k++)
        {
            double mr = Median(tr[k]), mp = blas ? Median(tp[k]) : double.NaN;
            delay[k].Sort();
            string Us(double v) => double.IsPositiveInfinity(v) ? "off" : v.ToString("F0", CultureInfo.InvariantCulture);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {k + 1} | {mr:F3} | {mp:F3} | {mp / mr:F2} | {Us(delay[k][delay[k].Count / 2])}, {Us(delay[k][delay[k].Count * 9 / 10])} |"));
        }

        Console.WriteLine($"worker moves off the caller's CPU: {ThreadPlacement.Moves}");
        unblock.Sort();
        Console.WriteLine("worker unblocked after the round's first call began, µs: " + string.Join(", ", unblock.Select(u => u.ToString("F0", CultureInfo.InvariantCulture))));
        return 0;
    }

    private static double Median(List<double> v)
    {
        v.Sort();
        return v[v.Count / 2];
    }
}
