using System.Diagnostics;

namespace Recur.Benchmarks.Gemm;

/// <summary>Diagnostic: wall and process-CPU time of one shape at 1 and 2 threads.</summary>
internal static class ThreadProbe
{
    private sealed class SpinJob : Recur.Kernels.Blas.IParallelJob
    {
        public readonly double[] Start = new double[4];
        public readonly double[] End = new double[4];
        public readonly int[] Tid = new int[4];
        public long T0;

        public void Execute(int index)
        {
            Start[index] = Stopwatch.GetElapsedTime(T0).TotalMilliseconds;
            Tid[index] = Environment.CurrentManagedThreadId;
            var sw = Stopwatch.StartNew();
            while (sw.ElapsedMilliseconds < 10)
            {
            }

            End[index] = Stopwatch.GetElapsedTime(T0).TotalMilliseconds;
        }
    }

    public static int Run(string[] args)
    {
        var job = new SpinJob();
        for (int i = 0; i < 3; i++)
        {
            Recur.Kernels.Blas.WorkerPool.TryAcquire();
            job.T0 = Stopwatch.GetTimestamp();
            Recur.Kernels.Blas.WorkerPool.Run(job, 2);
            Recur.Kernels.Blas.WorkerPool.Release();
            Console.WriteLine($"pool: part0 [{job.Start[0]:F2}, {job.End[0]:F2}] tid {job.Tid[0]}, part1 [{job.Start[1]:F2}, {job.End[1]:F2}] tid {job.Tid[1]}, total {Stopwatch.GetElapsedTime(job.T0).TotalMilliseconds:F2} ms");
        }

        GemmShape s = GemmShape.Parse(args.Length > 0 ? args[0] : "sq512");
        var rng = new Random(1);
        float[] a = Enumerable.Range(0, s.M * s.K).Select(_ => (float)rng.NextDouble()).ToArray();
        float[] b = Enumerable.Range(0, s.K * s.N).Select(_ => (float)rng.NextDouble()).ToArray();
        float[] c = new float[s.M * s.N];
        for (int round = 0; round < 6; round++)
        {
            foreach (int t in new[] { 1, 2 })
            {
                Kernels.Gemm.MaxThreads = t;
                var proc = Process.GetCurrentProcess();
                TimeSpan cpu0 = proc.TotalProcessorTime;
                var sw = Stopwatch.StartNew();
                int calls = 0;
                while (sw.ElapsedMilliseconds < 300)
                {
                    Kernels.Gemm.Multiply(false, false, s.M, s.N, s.K, 1f, a, s.K, b, s.N, 0f, c, s.N);
                    calls++;
                }

                proc.Refresh();
                double wall = sw.Elapsed.TotalSeconds / calls;
                double cpu = (proc.TotalProcessorTime - cpu0).TotalSeconds / calls;
                Console.WriteLine($"{s.Name} threads={t}: {s.Flops / wall / 1e9,6:F1} GFLOP/s wall, cpu/wall {cpu / wall:F2}");
            }
        }

        return 0;
    }
}
