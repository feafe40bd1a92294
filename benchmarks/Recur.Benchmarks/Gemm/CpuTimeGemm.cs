namespace Recur.Benchmarks.Gemm;

/// <summary>
/// Single-thread SGEMM, Recur vs OpenBLAS, timed by the calling thread's CPU time (CLOCK_THREAD_CPUTIME_ID)
/// in alternating rounds: time the OS gives to other processes is not counted, so the figures hold up on
/// a shared, busy machine (cache pollution from the other processes still counts).
/// </summary>
internal static class CpuTimeGemm
{
    public static int Run(string[] args)
    {
        string filter = args.Length > 0 ? args[0] : "";
        Kernels.Gemm.MaxThreads = 1;
        bool blas = OpenBlas.Available;
        if (blas)
        {
            OpenBlas.SetNumThreads(1);
        }

        Console.WriteLine("| shape | M,N,K | Recur GFLOP/s | OpenBLAS GFLOP/s | Recur / OpenBLAS |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (GemmShape s in GemmShape.All.Where(s => s.Name.Contains(filter, StringComparison.Ordinal)))
        {
            (float[] a, float[] b, float[] c) = s.RandomOperands();
            Action recur = () => Kernels.Gemm.Multiply(false, false, s.M, s.N, s.K, 1f, a, s.K, b, s.N, 0f, c, s.N);
            Action peer = () => OpenBlas.Sgemm(s.M, s.N, s.K, a, b, c);
            var tr = new List<double>();
            var tp = new List<double>();
            for (int round = 0; round < 30; round++)
            {
                tr.Add(Round(recur));
                if (blas)
                {
                    tp.Add(Round(peer));
                }
            }

            double gr = s.Flops / Median(tr) / 1e9;
            double gp = blas ? s.Flops / Median(tp) / 1e9 : double.NaN;
            Console.WriteLine($"| {s.Name} | {s.M},{s.N},{s.K} | {gr:F1} | {gp:F1} | {gr / gp:F2} |");
        }

        return 0;
    }

    /// <summary>CPU seconds per call over a round of about 20 ms of CPU time.</summary>
    private static double Round(Action action)
    {
        action();
        double start = AbProbe.ThreadCpuSeconds();
        int calls = 0;
        while (AbProbe.ThreadCpuSeconds() - start < 0.02)
        {
            action();
            calls++;
        }

        return (AbProbe.ThreadCpuSeconds() - start) / calls;
    }

    private static double Median(List<double> v)
    {
        v.Sort();
        return v[v.Count / 2];
    }
}
