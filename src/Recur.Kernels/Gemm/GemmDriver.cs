using System.Diagnostics;
using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Recur.Kernels.Blas;

/// <summary>Which register-tile kernel the blocked GEMM uses.</summary>
internal enum KernelPath
{
    /// <summary>The widest kernel the hardware runs: AVX2+FMA, else 128-bit SIMD, else scalar.</summary>
    Auto,

    /// <summary>The 128-bit SIMD kernel (SSE / NEON), even where AVX2 is available.</summary>
    Vector128,

    /// <summary>The scalar 4x4 kernel.</summary>
    Scalar,
}

/// <summary>Process-wide GEMM knobs that tests and benchmarks turn; the defaults are the tuned values.</summary>
internal static class GemmSettings
{
    /// <summary>Below this many flops per thread, extra threads cost more than they give.</summary>
    public static double MinFlopsPerThread { get; set; } = 1.5e6;

    /// <summary>GEMV matrix size (values) per thread below which GEMV stays on one thread.</summary>
    public static long GemvValuesPerThread { get; set; } = 1 << 19;

    /// <summary>Prefetch the C tile at the start of the AVX2 kernel.</summary>
    public static bool PrefetchC { get; set; } = true;

    /// <summary>Forces a kernel (tests use this to run the portable kernels on AVX2 machines).</summary>
    public static KernelPath Path { get; set; }

    /// <summary>
    /// For products whose rows fit one MC block: pack B one NR-wide panel at a time, right before the
    /// panel is used, into an L1-sized buffer, instead of a whole KC x NC block up front.
    /// </summary>
    public static bool PackBPerPanel { get; set; } = true;
}

/// <summary>The operands of one GEMM call, as pinned pointers.</summary>
internal unsafe struct GemmProblem<T>
    where T : unmanaged
{
    public T* A;
    public T* B;
    public T* C;
    public nint Lda;
    public nint Ldb;
    public nint Ldc;
    public int M;
    public int N;
    public int K;
    public bool TransA;
    public bool TransB;
    public T Alpha;
    public T Beta;
}

/// <summary>
/// The GEMM driver, generic over the element type: picks GEMV, the blocked path and its kernel,
/// and the thread split. See docs/decisions/0002-gemm-kernel.md for the blocking parameters.
/// </summary>
internal static unsafe class GemmDriver<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>K block: a KC x NR B micro-panel (16 KiB) stays in the 32 KiB L1.</summary>
    public const int KC = 256;

    /// <summary>N block when many row blocks share the packed B (it lives in L3).</summary>
    public const int NCLarge = 4080;

    /// <summary>M block: an MC x KC packed A block (144 KiB) stays in the 512 KiB L2.</summary>
    public static int MC => sizeof(T) == 4 ? 144 : 72;

    /// <summary>N block when a single row block uses the packed B: KC x NC stays in L2 (192 KiB).</summary>
    public static int NCSmall => (192 * 1024) / (KC * sizeof(T));

    public static void Multiply(ref GemmProblem<T> p, int maxThreads)
    {
        if (p.M == 0 || p.N == 0)
        {
            return;
        }

        if (p.K == 0 || p.Alpha == T.Zero)
        {
            ScaleC(ref p);
            return;
        }

        if (p.M == 1 || p.N == 1)
        {
            Gemv<T>.Multiply(ref p, maxThreads);
            return;
        }

        KernelPath path = GemmSettings.Path;
        if (path == KernelPath.Auto && Vector256.IsHardwareAccelerated && Fma.IsSupported && Avx2.IsSupported)
        {
            Blocked<Kernel256<T>>.Run(ref p, maxThreads);
        }
        else if (path != KernelPath.Scalar && Vector128.IsHardwareAccelerated)
        {
            Blocked<Kernel128<T>>.Run(ref p, maxThreads);
        }
        else
        {
            Blocked<KernelScalar<T>>.Run(ref p, maxThreads);
        }
    }

    /// <summary>C = beta * C (beta == 0 writes zeros, so NaNs in C are dropped).</summary>
    private static void ScaleC(ref GemmProblem<T> p)
    {
        for (int i = 0; i < p.M; i++)
        {
            var row = new Span<T>(p.C + (i * p.Ldc), p.N);
            if (p.Beta == T.Zero)
            {
                row.Clear();
            }
            else if (p.Beta != T.One)
            {
                for (int j = 0; j < row.Length; j++)
                {
                    row[j] *= p.Beta;
                }
            }
        }
    }

    /// <summary>The packed, cache-blocked path for one kernel shape.</summary>
    private static class Blocked<TK>
        where TK : struct, IMicroKernel<T>
    {
        private static readonly Job s_job = new();
        private static readonly ColumnJob s_columnJob = new();

        public static void Run(ref GemmProblem<T> p, int maxThreads)
        {
            int threads = ChooseThreads(p.M, p.N, p.K, maxThreads);
            if (threads > 1 && WorkerPool.TryAcquire())
            {
                try
                {
                    if (p.M <= MC && GemmSettings.PackBPerPanel)
                    {
                        // Short and wide (the recurrent product): every thread packs all of A (small),
                        // then threads take column chunks from a shared counter, so a thread that the
                        // OS preempts does not hold the others up.
                        int panels = (p.N + TK.NR - 1) / TK.NR;
                        s_columnJob.Problem = p;
                        s_columnJob.ChunkColumns = Math.Max(1, panels / (threads * 4)) * TK.NR;
                        s_columnJob.Next = 0;
                        WorkerPool.Run(s_columnJob, threads);
                        return;
                    }

                    (int tm, int tn) = Split(p.M, p.N, threads);
                    s_job.Problem = p;
                    s_job.Tm = tm;
                    s_job.Tn = tn;
                    WorkerPool.Run(s_job, tm * tn);
                    return;
                }
                finally
                {
                    WorkerPool.Release();
                }
            }

            Compute(ref p, 0, p.M, 0, p.N);
        }

        private static int ChooseThreads(int m, int n, int k, int maxThreads)
        {
            double flops = 2.0 * m * n * k;
            int byWork = (int)Math.Min(maxThreads, Math.Max(1.0, flops / GemmSettings.MinFlopsPerThread));
            int panels = Math.Max(((m + TK.MR - 1) / TK.MR), ((n + TK.NR - 1) / TK.NR));
            return Math.Max(1, Math.Min(byWork, panels));
        }

        /// <summary>
        /// Splits the threads into a tm x tn grid over (M, N). Each thread packs its own A rows once
        /// per column block and its own B columns once per row block, so the grid that packs the
        /// least redundant data wins; a grid must give every thread at least one panel.
        /// </summary>
        private static (int Tm, int Tn) Split(int m, int n, int threads)
        {
            int mPanels = (m + TK.MR - 1) / TK.MR;
            int nPanels = (n + TK.NR - 1) / TK.NR;
            (int, int) best = (1, threads);
            double bestCost = double.MaxValue;
            for (int tm = 1; tm <= threads; tm++)
            {
                if (threads % tm != 0)
                {
                    continue;
                }

                int tn = threads / tm;
                if (tm > mPanels || tn > nPanels)
                {
                    continue;
                }

                // Largest chunk's compute (load balance, in panels) plus the redundant packing.
                double chunk = Math.Ceiling((double)mPanels / tm) * TK.MR * Math.Ceiling((double)nPanels / tn) * TK.NR;
                double packing = ((double)m * tn) + ((double)n * tm);
                double cost = chunk + (packing * 4);
                if (cost < bestCost)
                {
                    bestCost = cost;
                    best = (tm, tn);
                }
            }

            return best;
        }

        /// <summary>
        /// Computes the C block rows [i0, i1) x columns [j0, j1) for all of K. Loop order as in BLIS:
        /// jc (NC columns) / pc (KC depth, pack B) / ic (MC rows, pack A) / jr (NR) / ir (MR) / kernel.
        /// When the rows fit one MC block, A is packed once for all of K and reused for every column
        /// block, and NC shrinks so that the packed B block stays in L2.
        /// </summary>
        public static void Compute(ref GemmProblem<T> p, int i0, int i1, int j0, int j1)
        {
            int mr = TK.MR, nr = TK.NR;
            int rows = i1 - i0;
            int mcMax = MC;
            bool singleRowBlock = rows <= mcMax;
            int ncMax = singleRowBlock ? NCSmall : NCLarge;
            bool directB = !p.TransB && rows <= mr;
            if (singleRowBlock && GemmSettings.PackBPerPanel)
            {
                ComputeSingleRowBlock(ref p, i0, i1, j0, j1);
                return;
            }

            int ncAlloc = directB ? nr : RoundUp(Math.Min(ncMax, j1 - j0), nr);
            int mPadded = RoundUp(Math.Min(mcMax, rows), mr);
            T* bufA = PackBuffer<T>.ForA(mPadded * (singleRowBlock ? p.K : KC));
            T* bufB = PackBuffer<T>.ForB(ncAlloc * KC);
            T* tile = stackalloc T[mr * nr];

            if (singleRowBlock)
            {
                for (int pc = 0; pc < p.K; pc += KC)
                {
                    Packing<T, TK>.PackA(bufA + (pc * mPadded), p.A, p.Lda, p.TransA, i0, rows, pc, Math.Min(KC, p.K - pc));
                }
            }

            for (int jc = j0; jc < j1; jc += ncMax)
            {
                int nc = Math.Min(ncMax, j1 - jc);
                int ncFull = nc - (nc % nr);
                for (int pc = 0; pc < p.K; pc += KC)
                {
                    int kc = Math.Min(KC, p.K - pc);
                    T betaEff = pc == 0 ? p.Beta : T.One;
                    if (!directB)
                    {
                        Packing<T, TK>.PackB(bufB, p.B, p.Ldb, p.TransB, pc, kc, jc, nc);
                    }
                    else if (ncFull < nc)
                    {
                        Packing<T, TK>.PackB(bufB, p.B, p.Ldb, p.TransB, pc, kc, jc + ncFull, nc - ncFull);
                    }

                    for (int ic = i0; ic < i1; ic += mcMax)
                    {
                        int mc = Math.Min(mcMax, i1 - ic);
                        T* blockA = bufA;
                        if (singleRowBlock)
                        {
                            blockA = bufA + (pc * mPadded);
                        }
                        else
                        {
                            Packing<T, TK>.PackA(bufA, p.A, p.Lda, p.TransA, ic, mc, pc, kc);
                        }

                        for (int jr = 0; jr < nc; jr += nr)
                        {
                            int nrEff = Math.Min(nr, nc - jr);
                            T* bp;
                            nint bs;
                            if (!directB)
                            {
                                bp = bufB + (jr * kc);
                                bs = nr;
                            }
                            else if (nrEff == nr)
                            {
                                bp = p.B + (pc * p.Ldb) + jc + jr;
                                bs = p.Ldb;
                            }
                            else
                            {
                                bp = bufB;
                                bs = nr;
                            }

                            for (int ir = 0; ir < mc; ir += mr)
                            {
                                int mrEff = Math.Min(mr, mc - ir);
                                T* ap = blockA + (ir * kc);
                                T* cp = p.C + ((ic + ir) * p.Ldc) + jc + jr;
                                if (mrEff == mr && nrEff == nr)
                                {
                                    TK.Run(kc, ap, bp, bs, cp, p.Ldc, p.Alpha, betaEff);
                                }
                                else if (nrEff == nr && mrEff <= TK.MaxPartialRows)
                                {
                                    TK.RunRows(mrEff, kc, ap, bp, bs, cp, p.Ldc, p.Alpha, betaEff);
                                }
                                else
                                {
                                    TK.Run(kc, ap, bp, bs, tile, nr, p.Alpha, T.Zero);
                                    MergeTile(tile, nr, cp, p.Ldc, mrEff, nrEff, betaEff);
                                }
                            }
                        }
                    }
                }
            }
        }

        /// <summary>
        /// Rows [i0, i1) fit one MC block (the recurrent product: M = batch): A is packed once for all
        /// of K (it stays in L2), then for each NR-wide column panel and each KC block, the B panel is
        /// packed into an L1-resident buffer (or read in place when rows fit one MR panel and B is not
        /// transposed) and every row panel is run against it. The C panel (rows x NR) stays in L1
        /// across the K blocks, and the next B panel is prefetched while this one is packed.
        /// </summary>
        private static void ComputeSingleRowBlock(ref GemmProblem<T> p, int i0, int i1, int j0, int j1)
        {
            T* bufA = PackAllA(ref p, i0, i1);
            ComputeColumns(ref p, bufA, i0, i1, j0, j1);
        }

        /// <summary>Packs rows [i0, i1) of op(A) for all of K into the calling thread's A buffer, one KC block after another.</summary>
        private static T* PackAllA(ref GemmProblem<T> p, int i0, int i1)
        {
            int rows = i1 - i0;
            int mPadded = RoundUp(rows, TK.MR);
            T* bufA = PackBuffer<T>.ForA(mPadded * p.K);
            for (int pc = 0; pc < p.K; pc += KC)
            {
                Packing<T, TK>.PackA(bufA + (pc * mPadded), p.A, p.Lda, p.TransA, i0, rows, pc, Math.Min(KC, p.K - pc));
            }

            return bufA;
        }

        /// <summary>Columns [j0, j1) of the single-row-block product, with A already packed by <see cref="PackAllA"/>.</summary>
        private static void ComputeColumns(ref GemmProblem<T> p, T* bufA, int i0, int i1, int j0, int j1)
        {
            int mr = TK.MR, nr = TK.NR;
            int rows = i1 - i0;
            bool directB = !p.TransB && rows <= mr;
            int mPadded = RoundUp(rows, mr);
            T* bufB = PackBuffer<T>.ForB(nr * KC);
            T* tile = stackalloc T[mr * nr];
            for (int jr = j0; jr < j1; jr += nr)
            {
                int nrEff = Math.Min(nr, j1 - jr);
                for (int pc = 0; pc < p.K; pc += KC)
                {
                    int kc = Math.Min(KC, p.K - pc);
                    T betaEff = pc == 0 ? p.Beta : T.One;
                    T* bp;
                    nint bs;
                    if (directB && nrEff == nr)
                    {
                        bp = p.B + (pc * p.Ldb) + jr;
                        bs = p.Ldb;
                    }
                    else
                    {
                        Packing<T, TK>.PackB(bufB, p.B, p.Ldb, p.TransB, pc, kc, jr, nrEff, prefetchNext: jr + nr < j1);
                        bp = bufB;
                        bs = nr;
                    }

                    T* blockA = bufA + (pc * mPadded);
                    for (int ir = 0; ir < rows; ir += mr)
                    {
                        int mrEff = Math.Min(mr, rows - ir);
                        T* ap = blockA + (ir * kc);
                        T* cp = p.C + ((i0 + ir) * p.Ldc) + jr;
                        if (mrEff == mr && nrEff == nr)
                        {
                            TK.Run(kc, ap, bp, bs, cp, p.Ldc, p.Alpha, betaEff);
                        }
                        else if (nrEff == nr && mrEff <= TK.MaxPartialRows)
                        {
                            TK.RunRows(mrEff, kc, ap, bp, bs, cp, p.Ldc, p.Alpha, betaEff);
                        }
                        else
                        {
                            TK.Run(kc, ap, bp, bs, tile, nr, p.Alpha, T.Zero);
                            MergeTile(tile, nr, cp, p.Ldc, mrEff, nrEff, betaEff);
                        }
                    }
                }
            }
        }

        private static void MergeTile(T* tile, int ldt, T* c, nint ldc, int rows, int cols, T beta)
        {
            for (int i = 0; i < rows; i++)
            {
                T* t = tile + (i * ldt);
                T* ci = c + (i * ldc);
                if (beta == T.Zero)
                {
                    for (int j = 0; j < cols; j++)
                    {
                        ci[j] = t[j];
                    }
                }
                else
                {
                    for (int j = 0; j < cols; j++)
                    {
                        ci[j] = t[j] + (beta * ci[j]);
                    }
                }
            }
        }

        private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;

        /// <summary>Column chunks of a single-row-block product, handed out dynamically.</summary>
        private sealed class ColumnJob : IParallelJob
        {
            public GemmProblem<T> Problem;
            public int ChunkColumns;
            public int Next;

            public void Execute(int index)
            {
                T* bufA = null;
                while (true)
                {
                    int chunk = Interlocked.Increment(ref Next) - 1;
                    long j0 = (long)chunk * ChunkColumns;
                    if (j0 >= Problem.N)
                    {
                        return;
                    }

                    if (bufA == null)
                    {
                        bufA = PackAllA(ref Problem, 0, Problem.M);
                    }

                    ComputeColumns(ref Problem, bufA, 0, Problem.M, (int)j0, (int)Math.Min(Problem.N, j0 + ChunkColumns));
                }
            }
        }

        /// <summary>One thread's share of a blocked GEMM: a cell of the tm x tn grid.</summary>
        private sealed class Job : IParallelJob
        {
            public GemmProblem<T> Problem;
            public int Tm;
            public int Tn;

            public void Execute(int index)
            {
                int mPanels = (Problem.M + TK.MR - 1) / TK.MR;
                int nPanels = (Problem.N + TK.NR - 1) / TK.NR;
                int bi = index / Tn, bj = index % Tn;
                int i0 = Math.Min(Problem.M, (int)((long)mPanels * bi / Tm) * TK.MR);
                int i1 = Math.Min(Problem.M, (int)((long)mPanels * (bi + 1) / Tm) * TK.MR);
                int j0 = Math.Min(Problem.N, (int)((long)nPanels * bj / Tn) * TK.NR);
                int j1 = Math.Min(Problem.N, (int)((long)nPanels * (bj + 1) / Tn) * TK.NR);
                Debug.Assert(i0 <= i1 && j0 <= j1, "chunks must be ordered");
                if (i0 < i1 && j0 < j1)
                {
                    Compute(ref Problem, i0, i1, j0, j1);
                }
            }
        }
    }
}
