using System.Diagnostics;
using Recur.Kernels.Blas;

namespace Recur.Benchmarks.Gemm;

/// <summary>Diagnostic: A/B of an internal GEMM setting, alternating rounds in one process (1 thread, or AB_THREADS by wall clock).</summary>
internal static unsafe partial class AbProbe
{
    public static int Run(string[] args)
    {
        string filter = args.Length > 0 ? args[0] : "rnn";
        // AB_THREADS=N runs the products on N threads, timed by wall clock (the caller's CPU time misses the workers').
        int threads = int.Parse(Environment.GetEnvironmentVariable("AB_THREADS") ?? "1", System.Globalization.CultureInfo.InvariantCulture);
        Kernels.Gemm.MaxThreads = threads;

        // AB_SUMS=1 runs the products with B's column sums (Gemm.MultiplySumB, B not transposed: a weight gradient with its bias gradient).
        bool sums = Environment.GetEnvironmentVariable("AB_SUMS") == "1";
        foreach (GemmShape s in GemmShape.All.Concat(GemmShape.Training).Where(s => s.Name.Contains(filter, StringComparison.Ordinal)))
        {
            var rng = new Random(1);
            float[] a = Enumerable.Range(0, s.M * s.K).Select(_ => (float)rng.NextDouble()).ToArray();
            float[] b = Enumerable.Range(0, s.K * s.N).Select(_ => (float)rng.NextDouble()).ToArray();
            float[] c = new float[s.M * s.N];
            float[] colSums = new float[s.N];
            if (sums && s.TransB)
            {
                continue;
            }
            var ta = new List<double>();
            var tb = new List<double>();
            for (int round = 0; round < 40; round++)
            {
                foreach (bool setting in new[] { false, true })
                {
                    Toggle(setting);
                    long start = Stopwatch.GetTimestamp();
                    double cpu0 = ThreadCpuSeconds();
                    int calls = 0;
                    while (Stopwatch.GetElapsedTime(start).TotalMilliseconds < 10)
                    {
                        if (sums)
                        {
                            Kernels.Gemm.MultiplySumB<float>(s.TransA, s.M, s.N, s.K, a, s.Lda, b, s.Ldb, 0f, c, s.N, colSums, threads);
                        }
                        else
                        {
                            Kernels.Gemm.Multiply(s.TransA, s.TransB, s.M, s.N, s.K, 1f, a, s.Lda, b, s.Ldb, 0f, c, s.N);
                        }
                        calls++;
                    }

                    double seconds = threads > 1 ? Stopwatch.GetElapsedTime(start).TotalSeconds : ThreadCpuSeconds() - cpu0;
                    (setting ? tb : ta).Add(seconds / calls);
                }
            }

            ta.Sort();
            tb.Sort();
            Console.WriteLine($"{s.Name,-16} off {s.Flops / ta[ta.Count / 2] / 1e9,6:F1}  on {s.Flops / tb[tb.Count / 2] / 1e9,6:F1} GFLOP/s");
        }

        return 0;
    }

    /// <summary>The setting under test (change this line to A/B another knob): off / on = GemmSettings.SumsInPackB (with AB_SUMS=1).</summary>
    private static void Toggle(bool on) => GemmSettings.SumsInPackB = on;

    /// <summary>CPU time of the calling thread (CLOCK_THREAD_CPUTIME_ID): robust to other processes' load.</summary>
    public static double ThreadCpuSeconds()
    {
        long* ts = stackalloc long[2];
        _ = ClockGetTime(3, ts);
        return ts[0] + (ts[1] * 1e-9);
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, long* timespec);
}
