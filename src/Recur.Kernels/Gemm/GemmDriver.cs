using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Recur.Kernels.Blas;

/// <summary>Which register-tile kernel the blocked GEMM uses.</summary>
internal enum KernelPath
{
    /// <summary>The widest kernel the hardware runs: AVX-512, else AVX2+FMA, else 128-bit SIMD, else scalar.</summary>
    Auto,

    /// <summary>The AVX2+FMA 6x16 tile, even where AVX-512 is available (its panels are the AVX-512 tile's).</summary>
    Vector256,

    /// <summary>The AVX-512 8x16 tile (what <see cref="Auto"/> picks where it runs; never set as a setting).</summary>
    Vector512,

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

    /// <summary>
    /// The same for short-and-wide products (rows fit one MC block): their workers are optional (a
    /// worker that has not started when the caller is done is called off), so threads pay sooner.
    /// </summary>
    public static double MinFlopsPerThreadShort { get; set; } = 0.4e6;

    /// <summary>GEMV matrix size (values) per thread below which GEMV stays on one thread.</summary>
    public static long GemvValuesPerThread { get; set; } = 1 << 19;

    /// <summary>Prefetch the C tile at the start of the AVX2 kernel.</summary>
    public static bool PrefetchC { get; set; } = true;

    /// <summary>The AVX2 register tiles run two rank-1 updates per loop iteration.</summary>
    public static bool UnrollK { get; set; } = true;

    /// <summary>Blocks of several full panels of a row-major B are packed row by row (streaming reads) rather than panel by panel.</summary>
    public static bool PackBByRows { get; set; } = true;

    /// <summary>6-row panels of a row-major float A are packed 8 K steps at a time by an in-register transpose.</summary>
    public static bool VectorPackA { get; set; } = true;

    /// <summary>Full 6-row panels of a transposed A are packed with a vector copy per K step.</summary>
    public static bool VectorPackAT { get; set; } = true;

    /// <summary>Forces a kernel (tests use this to run the portable kernels on AVX2 machines).</summary>
    public static KernelPath Path { get; set; }

    /// <summary>
    /// For products whose rows fit one MC block: pack B one NR-wide panel at a time, right before the
    /// panel is used, into an L1-sized buffer, instead of a whole KC x NC block up front.
    /// </summary>
    public static bool PackBPerPanel { get; set; } = true;

    /// <summary>
    /// The single-row-block paths pack A for all of K at once and stream it again for every B panel; past this many
    /// bytes of packed A (a weight gradient Xᵀ·dG with few rows and a long K: 128 rows over 25 600 tokens is 13 MB)
    /// a one-thread product runs the blocked loop instead, whose A block (MC x KC) stays in L2: 1.2–1.3× the GFLOP/s at
    /// 128 rows and 1600–6400 tokens, 2.1× at 25 600 (<c>gemm-ab dw-b</c>, ADR 0002).
    /// </summary>
    public static long SingleBlockMaxPackedA { get; set; } = 512 * 1024;

    /// <summary>
    /// The same limit for a product on several threads, whose threads share the packing of A: past it they split the
    /// columns and run the blocked loop each (1.6× at 25 600 tokens; equal at 3200–6400, 0.97× at 1600 below it).
    /// </summary>
    public static long SharedBlockMaxPackedA { get; set; } = 4 * 1024 * 1024;

    /// <summary>Run a row block of 6q + 1 or 6q + 2 rows with 4 + 3 or 4 + 4 row panels at its end instead of a 1- or 2-row panel.</summary>
    public static bool SplitRowTail { get; set; } = true;

    /// <summary>The 512-bit tile runs a 5- to 7-row panel with one accumulator chain a row instead of the full 8-row tile.</summary>
    public static bool ExactPartialRows { get; set; } = true;

    /// <summary>
    /// <see cref="GemmDriver{T}.MultiplySumB"/> takes B's column sums from the blocked loop's packing of B (else from a
    /// separate pass over B). The same sums either way.
    /// </summary>
    public static bool SumsInPackB { get; set; } = true;

    /// <summary>In single-row-block products, the first row panel's tile packs a row-major B panel as it reads it (no separate pack pass).</summary>
    public static bool FusePackB { get; set; } = true;

    /// <summary>Two-thread short-and-wide products claim columns from both ends (the caller from the left, the worker from the right).</summary>
    public static bool TwoEndedColumns { get; set; } = true;

    /// <summary>Two-thread tall products claim row chunks from both ends (the caller from the top, the worker from the bottom).</summary>
    public static bool TwoEndedRows { get; set; } = true;

    /// <summary>Many rows, K over one block and op(B) packed at most <see cref="TallRowsMaxPackedB"/>: B packed once, C kept in cache across the K blocks.</summary>
    public static bool TallRowsPackBOnce { get; set; } = true;

    /// <summary>The largest packed op(B), in bytes, for <see cref="TallRowsPackBOnce"/>.</summary>
    public static long TallRowsMaxPackedB { get; set; } = 1024 * 1024;
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

    /// <summary>
    /// Where the blocked loop writes each KC block's column sums of B (row b of a ceil(K / KC) x N array holds block b's),
    /// as it packs the block (<see cref="GemmDriver{T}.MultiplySumB"/>); null: none.
    /// </summary>
    public T* PartialsB;
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

    /// <summary>C = alpha·op(A)·op(B) + beta·C; true when the blocked loop wrote <see cref="GemmProblem{T}.PartialsB"/> (where set) for every column.</summary>
    public static bool Multiply(ref GemmProblem<T> p, int maxThreads)
    {
        if (p.M == 0 || p.N == 0)
        {
            return false;
        }

        if (p.K == 0 || p.Alpha == T.Zero)
        {
            ScaleC(ref p);
            return false;
        }

        if (p.M == 1 || p.N == 1)
        {
            Gemv<T>.Multiply(ref p, maxThreads);
            return false;
        }

        return ChooseKernel() switch
        {
            KernelPath.Vector512 => Blocked<Kernel512<T>>.Run(ref p, maxThreads),
            KernelPath.Vector256 => Blocked<Kernel256<T>>.Run(ref p, maxThreads),
            KernelPath.Vector128 => Blocked<Kernel128<T>>.Run(ref p, maxThreads),
            _ => Blocked<KernelScalar<T>>.Run(ref p, maxThreads),
        };
    }

    /// <summary>
    /// <see cref="Multiply"/> (B not transposed) that also writes the column sums of B over K into <paramref name="sums"/>
    /// (N values): each KC block's sums added row after row from zero, then the blocks' sums added in order from zero, so
    /// the result does not depend on the path or the thread count. Where the product packs B block by block (the blocked
    /// loop, on one thread or several) the packing writes the blocks' sums while each row of B is in L1, and the bias
    /// gradient of an RNN's weight-gradient product costs no pass over dG of its own; elsewhere a separate pass does the
    /// same arithmetic.
    /// </summary>
    public static void MultiplySumB(ref GemmProblem<T> p, T* sums, int maxThreads)
    {
        Debug.Assert(!p.TransB, "column sums of a row-major B");
        int blocks = (p.K + KC - 1) / KC;
        bool useBlocks = GemmSettings.SumsInPackB && p.M > 0 && p.N > 0 && blocks > 0;
        T* partials = useBlocks ? PackBuffer<T>.ForSums(blocks * p.N) : null;
        p.PartialsB = partials;
        bool filled = Multiply(ref p, maxThreads);
        p.PartialsB = null;
        var total = new Span<T>(sums, p.N);
        total.Clear();
        if (filled)
        {
            for (int b = 0; b < blocks; b++)
            {
                System.Numerics.Tensors.TensorPrimitives.Add(total, new ReadOnlySpan<T>(partials + ((long)b * p.N), p.N), total);
            }

            return;
        }

        t_separateSums++;
        T* block = PackBuffer<T>.ForSums(p.N);
        var partial = new Span<T>(block, p.N);
        for (int pc = 0; pc < p.K; pc += KC)
        {
            partial.Clear();
            for (int k = pc; k < Math.Min(p.K, pc + KC); k++)
            {
                System.Numerics.Tensors.TensorPrimitives.Add(partial, new ReadOnlySpan<T>(p.B + (k * p.Ldb), p.N), partial);
            }

            System.Numerics.Tensors.TensorPrimitives.Add(total, partial, total);
        }
    }

    [ThreadStatic]
    private static long t_separateSums;

    /// <summary><see cref="MultiplySumB"/> calls on the calling thread whose sums took the separate pass: tests check which path a case takes.</summary>
    public static long SeparateSumsOnThisThread => t_separateSums;

    [ThreadStatic]
    private static long t_rowBlocksPackedB;

    /// <summary>Products run on the calling thread with op(B) packed once (<see cref="GemmSettings.TallRowsPackBOnce"/>) so far: tests check that a case takes that path.</summary>
    public static long RowBlocksPackedBOnThisThread => t_rowBlocksPackedB;

    /// <summary>The most values <see cref="PackB"/> writes for a (k x n) op(B): every kernel's NR divides 16.</summary>
    public static long PackedBSize(int k, int n) => (long)((n + 15) / 16 * 16) * k;

    /// <summary>
    /// Packs all of op(B) (k x n) once into the NR-wide panels the current kernel reads (panel q holds columns
    /// [q·NR, q·NR + NR) for all of K, KC block after KC block), so that a product repeated with the same B (the
    /// recurrent weights, every time step) skips the per-call packing; see <see cref="MultiplyPackedB"/>.
    /// Returns the panel width used.
    /// </summary>
    public static int PackB(T* dst, T* b, nint ldb, bool transB, int k, int n)
    {
        switch (ChooseKernel())
        {
            case KernelPath.Vector512:
            case KernelPath.Vector256:
                // The two tiles read the same NR-wide panels.
                Blocked<Kernel256<T>>.PackAllB(dst, b, ldb, transB, k, n);
                return Kernel256<T>.NR;
            case KernelPath.Vector128:
                Blocked<Kernel128<T>>.PackAllB(dst, b, ldb, transB, k, n);
                return Kernel128<T>.NR;
            default:
                Blocked<KernelScalar<T>>.PackAllB(dst, b, ldb, transB, k, n);
                return KernelScalar<T>.NR;
        }
    }

    /// <summary>
    /// True when <see cref="MultiplyPanelsOnly"/> can run on panels of width <paramref name="nr"/> packed by
    /// <see cref="PackB"/> (the register tile that packed them is still the one in use).
    /// </summary>
    public static bool PanelsUsable(int nr) => ChooseKernel() is KernelPath.Vector512 or KernelPath.Vector256 && nr == Kernel256<T>.NR;

    /// <summary>
    /// <c>C = alpha·A·B + beta·C</c> on the calling thread from B's packed panels alone, for any M ≥ 1 (A is packed
    /// whole): the product a caller runs when B is a gathered set of column ranges with no unpacked form (the
    /// unit-split RNN step). Requires <see cref="PanelsUsable"/> and K ≥ 1; <c>p.B</c> is not read.
    /// </summary>
    public static void MultiplyPanelsOnly(ref GemmProblem<T> p, T* packedB)
    {
        Debug.Assert(PanelsUsable(Kernel256<T>.NR) && p.K > 0, "panels packed for the AVX2 / AVX-512 tile, K >= 1");
        if (p.M == 0 || p.N == 0)
        {
            return;
        }

        if (ChooseKernel() == KernelPath.Vector512)
        {
            Blocked<Kernel512<T>>.ComputePackedB(ref p, packedB);
        }
        else
        {
            Blocked<Kernel256<T>>.ComputePackedB(ref p, packedB);
        }
    }

    /// <summary>
    /// <c>C = alpha·op(A)·op(B) + beta·C</c> on the calling thread with op(B) already packed by <see cref="PackB"/>
    /// (panel width <paramref name="nr"/>); <c>p.B</c> must still point at the unpacked B, which the products that
    /// do not use packed panels (one row, more rows than one MC block, a kernel change since packing) read instead.
    /// </summary>
    public static void MultiplyPackedB(ref GemmProblem<T> p, T* packedB, int nr)
    {
        if (p.M == 0 || p.N == 0)
        {
            return;
        }

        KernelPath path = ChooseKernel();
        if (p.M > 1 && p.M <= MC && p.K > 0 && p.Alpha != T.Zero && GemmSettings.PackBPerPanel)
        {
            if (path == KernelPath.Vector512 && nr == Kernel512<T>.NR)
            {
                Blocked<Kernel512<T>>.ComputePackedB(ref p, packedB);
                return;
            }

            if (path == KernelPath.Vector256 && nr == Kernel256<T>.NR)
            {
                Blocked<Kernel256<T>>.ComputePackedB(ref p, packedB);
                return;
            }

            if (path == KernelPath.Vector128 && nr == Kernel128<T>.NR)
            {
                Blocked<Kernel128<T>>.ComputePackedB(ref p, packedB);
                return;
            }

            if (path == KernelPath.Scalar && nr == KernelScalar<T>.NR)
            {
                Blocked<KernelScalar<T>>.ComputePackedB(ref p, packedB);
                return;
            }
        }

        Multiply(ref p, 1);
    }

    /// <summary>
    /// The kernel <see cref="Multiply"/> runs, resolved: Vector512 (AVX-512F), Vector256 (AVX2+FMA), Vector128 or Scalar.
    /// <see cref="GemmSettings.Path"/> caps it: Vector256 keeps the AVX2 tile on an AVX-512 machine.
    /// </summary>
    internal static KernelPath ChooseKernel()
    {
        KernelPath path = GemmSettings.Path;
        bool avx2 = Vector256.IsHardwareAccelerated && Fma.IsSupported && Avx2.IsSupported;
        if (path is KernelPath.Auto or KernelPath.Vector512 && avx2 && Kernel512<T>.IsSupported)
        {
            return KernelPath.Vector512;
        }

        if (path is KernelPath.Auto or KernelPath.Vector512 or KernelPath.Vector256 && avx2)
        {
            return KernelPath.Vector256;
        }

        return path != KernelPath.Scalar && Vector128.IsHardwareAccelerated ? KernelPath.Vector128 : KernelPath.Scalar;
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
        private static readonly ColumnJob s_columnJob = new();
        private static readonly RowJob s_rowJob = new();
        private static readonly TallColumnJob s_tallJob = new();

        /// <summary>Runs the product; true when the path wrote <see cref="GemmProblem{T}.PartialsB"/> (where set) for every column.</summary>
        public static bool Run(ref GemmProblem<T> p, int maxThreads)
        {
            int threads = ChooseThreads(p.M, p.N, p.K, maxThreads);
            if (threads > 1 && WorkerPool.TryAcquire())
            {
                try
                {
                    bool single = SingleBlock(p.M, p.K, GemmSettings.SharedBlockMaxPackedA);
                    if (p.M <= MC && !single)
                    {
                        // Few rows, long K (a weight gradient): the threads split the columns, each running the blocked
                        // loop on its share (its own A blocks: A is the small operand), half and half from both ends.
                        s_tallJob.Prepare(ref p, threads);
                        WorkerPool.Run(s_tallJob, threads, optionalWorkers: true);
                        return p.PartialsB != null && s_tallJob.Filled;
                    }

                    if (single && GemmSettings.PackBPerPanel)
                    {
                        // Short and wide (the recurrent product): the threads pack A together into one
                        // shared buffer, then take column chunks from a shared counter (each packing
                        // only its own B panels), so a thread that the OS preempts does not hold the
                        // others up.
                        s_columnJob.Prepare(ref p, threads);
                        WorkerPool.Run(s_columnJob, threads, optionalWorkers: true);
                        return false;
                    }

                    // BLIS-style: per KC x NC block of B, the threads pack it together into a shared
                    // buffer, then take row chunks (each packing its own A rows); all from counters, so
                    // a late worker takes less and one that never started is called off.
                    s_rowJob.Prepare(ref p, threads);
                    WorkerPool.Run(s_rowJob, threads, optionalWorkers: true);
                    return p.PartialsB != null;
                }
                finally
                {
                    WorkerPool.Release();
                }
            }

            return Compute(ref p, 0, p.M, 0, p.N);
        }

        private static int ChooseThreads(int m, int n, int k, int maxThreads)
        {
            double flops = 2.0 * m * n * k;
            double perThread = SingleBlock(m, k, GemmSettings.SharedBlockMaxPackedA) && GemmSettings.PackBPerPanel
                ? Math.Min(GemmSettings.MinFlopsPerThread, GemmSettings.MinFlopsPerThreadShort)
                : GemmSettings.MinFlopsPerThread;
            int byWork = (int)Math.Min(maxThreads, Math.Max(1.0, flops / perThread));
            int panels = Math.Max(((m + TK.MR - 1) / TK.MR), ((n + TK.NR - 1) / TK.NR));
            return Math.Max(1, Math.Min(byWork, panels));
        }

        /// <summary>
        /// Computes the C block rows [i0, i1) x columns [j0, j1) for all of K. Loop order as in BLIS:
        /// jc (NC columns) / pc (KC depth, pack B) / ic (MC rows, pack A) / jr (NR) / ir (MR) / kernel.
        /// When the rows fit one MC block, A is packed once for all of K and reused for every column
        /// block, and NC shrinks so that the packed B block stays in L2.
        /// </summary>
        /// <returns>True when the blocked loop packed B block by block and wrote <see cref="GemmProblem{T}.PartialsB"/> (where set) for columns [j0, j1).</returns>
        public static bool Compute(ref GemmProblem<T> p, int i0, int i1, int j0, int j1)
        {
            int mr = TK.MR, nr = TK.NR;
            int rows = i1 - i0;
            int mcMax = MC;
            bool singleRowBlock = SingleBlock(rows, p.K, GemmSettings.SingleBlockMaxPackedA);
            int ncMax = singleRowBlock ? NCSmall : NCLarge;
            bool directB = !p.TransB && rows <= mr;
            if (singleRowBlock && GemmSettings.PackBPerPanel)
            {
                ComputeSingleRowBlock(ref p, i0, i1, j0, j1);
                return false;
            }

            if (!singleRowBlock && !directB && rows > 2 * mcMax && p.K > KC && GemmSettings.TallRowsPackBOnce
                && PackedBSize(p.K, j1 - j0) * sizeof(T) <= GemmSettings.TallRowsMaxPackedB)
            {
                ComputeRowBlocksPackedB(ref p, i0, i1, j0, j1);
                return false;
            }

            int ncAlloc = directB ? nr : RoundUp(Math.Min(ncMax, j1 - j0), nr);
            int mPadded = PanelCount(Math.Min(mcMax, rows)) * mr;
            T* bufA = PackBuffer<T>.ForA(mPadded * (singleRowBlock ? p.K : KC));
            T* bufB = PackBuffer<T>.ForB(ncAlloc * KC);
            T* tile = stackalloc T[mr * nr];

            if (singleRowBlock)
            {
                for (int pc = 0; pc < p.K; pc += KC)
                {
                    PackPanels(bufA + (pc * mPadded), ref p, i0, rows, pc, Math.Min(KC, p.K - pc));
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
                    if (!directB && p.PartialsB != null)
                    {
                        Packing<T, TK>.PackB(bufB, p.B, p.Ldb, pc, kc, jc, nc, p.PartialsB + ((long)(pc / KC) * p.N) + jc);
                    }
                    else if (!directB)
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
                            PackPanels(bufA, ref p, ic, mc, pc, kc);
                        }

                        int mPanels = PanelCount(mc);
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

                            for (int j = 0; j < mPanels; j++)
                            {
                                int ir = PanelStart(mc, j);
                                int mrEff = PanelRows(mc, j);
                                T* ap = blockA + (j * mr * kc);
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

            return !directB && p.PartialsB != null;
        }

        /// <summary>
        /// Rows [i0, i1) fit one MC block (the recurrent product: M = batch): A is packed once for all
        /// of K (it stays in L2), then for each NR-wide column panel and each KC block, the B panel is
        /// packed into an L1-resident buffer (or read in place when rows fit one MR panel and B is not
        /// transposed) and every row panel is run against it. A row-major B panel is packed by the first
        /// row panel's tile as it reads it (<see cref="GemmSettings.FusePackB"/>), a transposed one by a
        /// separate pass that prefetches the next panel. The C panel (rows x NR) stays in L1 across the K blocks.
        /// </summary>
        private static void ComputeSingleRowBlock(ref GemmProblem<T> p, int i0, int i1, int j0, int j1)
        {
            T* bufA = PackAllA(ref p, i0, i1);
            ComputeColumns(ref p, bufA, i0, i1, j0, j1);
        }

        /// <summary>
        /// Many rows, more than one K block and a narrow op(B) (dx = dG·Wxᵀ): op(B) is packed once for all of K and every
        /// row block runs all its K blocks before the next, so each MC x N block of C stays in cache across the K blocks
        /// and A's rows are read once, instead of C streamed through memory once per K block.
        /// </summary>
        private static void ComputeRowBlocksPackedB(ref GemmProblem<T> p, int i0, int i1, int j0, int j1)
        {
            t_rowBlocksPackedB++;
            int mr = TK.MR, nr = TK.NR;
            int n = j1 - j0;
            T* bufB = PackBuffer<T>.ForB((int)PackedBSize(p.K, n));
            Packing<T, TK>.PackB(bufB, p.B, p.Ldb, p.TransB, 0, p.K, j0, n);
            T* bufA = PackBuffer<T>.ForA(PanelCount(MC) * mr * KC);
            T* tile = stackalloc T[mr * nr];
            for (int ic = i0; ic < i1; ic += MC)
            {
                int mc = Math.Min(MC, i1 - ic);
                int panels = PanelCount(mc);
                for (int pc = 0; pc < p.K; pc += KC)
                {
                    int kc = Math.Min(KC, p.K - pc);
                    T betaEff = pc == 0 ? p.Beta : T.One;
                    PackPanels(bufA, ref p, ic, mc, pc, kc);
                    for (int jr = 0; jr < n; jr += nr)
                    {
                        int nrEff = Math.Min(nr, n - jr);
                        T* bp = bufB + ((long)(jr / nr) * p.K * nr) + (pc * nr);
                        for (int j = 0; j < panels; j++)
                        {
                            RunTile(ref p, PanelRows(mc, j), nrEff, kc, bufA + (j * mr * kc), bp, nr, p.C + ((ic + PanelStart(mc, j)) * p.Ldc) + j0 + jr, betaEff, tile);
                        }
                    }
                }
            }
        }

        /// <summary>Packs rows [i0, i1) of op(A) for all of K into the calling thread's A buffer, one KC block after another.</summary>
        private static T* PackAllA(ref GemmProblem<T> p, int i0, int i1)
        {
            int rows = i1 - i0;
            int mPadded = PanelCount(rows) * TK.MR;
            T* bufA = PackBuffer<T>.ForA(mPadded * p.K);
            for (int pc = 0; pc < p.K; pc += KC)
            {
                PackPanels(bufA + (pc * mPadded), ref p, i0, rows, pc, Math.Min(KC, p.K - pc));
            }

            return bufA;
        }

        /// <summary>Packs op(B) (k x n) into NR-wide panels for all of K: panel q at q·k·NR, KC block pc at pc·NR within it.</summary>
        /// <remarks>
        /// That is <see cref="Packing{T, TK}.PackB(T*, T*, nint, bool, int, int, int, int, bool)"/>'s layout for a single block of depth k (panels of k·NR values), so one
        /// call packs it, row by row for a row-major B (<see cref="GemmSettings.PackBByRows"/>).
        /// </remarks>
        public static void PackAllB(T* dst, T* b, nint ldb, bool transB, int k, int n) =>
            Packing<T, TK>.PackB(dst, b, ldb, transB, 0, k, 0, n);

        /// <summary>A single-row-block product against B panels packed by <see cref="PackAllB"/>: only A is packed here.</summary>
        public static void ComputePackedB(ref GemmProblem<T> p, T* packedB)
        {
            int mr = TK.MR, nr = TK.NR;
            int rows = p.M;
            T* bufA = PackAllA(ref p, 0, rows);
            int panels = PanelCount(rows);
            int mPadded = panels * mr;
            T* tile = stackalloc T[mr * nr];
            for (int jr = 0; jr < p.N; jr += nr)
            {
                int nrEff = Math.Min(nr, p.N - jr);
                T* panel = packedB + ((long)(jr / nr) * p.K * nr);
                for (int pc = 0; pc < p.K; pc += KC)
                {
                    int kc = Math.Min(KC, p.K - pc);
                    T betaEff = pc == 0 ? p.Beta : T.One;
                    T* bp = panel + (pc * nr);
                    T* blockA = bufA + (pc * mPadded);
                    for (int j = 0; j < panels; j++)
                    {
                        RunTile(ref p, PanelRows(rows, j), nrEff, kc, blockA + (j * mr * kc), bp, nr, p.C + (PanelStart(rows, j) * p.Ldc) + jr, betaEff, tile);
                    }
                }
            }
        }

        /// <summary>Columns [j0, j1) of the single-row-block product, with A already packed by <see cref="PackAllA"/>.</summary>
        private static void ComputeColumns(ref GemmProblem<T> p, T* bufA, int i0, int i1, int j0, int j1)
        {
            int mr = TK.MR, nr = TK.NR;
            int rows = i1 - i0;
            bool directB = !p.TransB && rows <= mr;
            bool fusePack = !p.TransB && PanelRows(rows, 0) == mr && GemmSettings.FusePackB;
            int panels = PanelCount(rows);
            int mPadded = panels * mr;
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
                    int first = 0;
                    if (directB && nrEff == nr)
                    {
                        bp = p.B + (pc * p.Ldb) + jr;
                        bs = p.Ldb;
                    }
                    else if (fusePack && nrEff == nr)
                    {
                        // The first row panel's tile packs the B panel as it reads it.
                        TK.RunPackB(kc, bufA + (pc * mPadded), p.B + (pc * p.Ldb) + jr, p.Ldb, bufB, p.C + (i0 * p.Ldc) + jr, p.Ldc, p.Alpha, betaEff);
                        bp = bufB;
                        bs = nr;
                        first = 1;
                    }
                    else
                    {
                        Packing<T, TK>.PackB(bufB, p.B, p.Ldb, p.TransB, pc, kc, jr, nrEff, prefetchNext: jr + nr < j1);
                        bp = bufB;
                        bs = nr;
                    }

                    T* blockA = bufA + (pc * mPadded);
                    for (int j = first; j < panels; j++)
                    {
                        int ir = PanelStart(rows, j);
                        int mrEff = PanelRows(rows, j);
                        T* ap = blockA + (j * mr * kc);
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

        /// <summary>
        /// Rows that fit one MC block, with A for all of K at most <paramref name="maxBytes"/> packed
        /// (<see cref="GemmSettings.SingleBlockMaxPackedA"/> on one thread, <see cref="GemmSettings.SharedBlockMaxPackedA"/>
        /// on several): the single-row-block paths; otherwise the blocked loop.
        /// </summary>
        private static bool SingleBlock(int rows, int k, long maxBytes) =>
            rows <= MC && (long)RoundUp(rows, TK.MR) * k * sizeof(T) <= maxBytes;

        /// <summary>
        /// True when a row block of <paramref name="rows"/> ends in its own 4 + 3 or 4 + 4 row panels instead of a
        /// full panel and a 1- or 2-row one (rows = 6q + 1 or 6q + 2, q ≥ 1). The few-rows kernel at 1–2 rows keeps
        /// only 2–4 accumulators in flight, too few to cover the FMA latency: an 8-row block as 6 + 2 took as long
        /// as 12 rows (ADR 0002, "Row panels"). The 512-bit tile (MR = 8) likewise ends 8q + 1..3 rows in a 4-row and
        /// a 5- to 7-row panel, which cost one chain a row (<see cref="GemmSettings.ExactPartialRows"/>), where a full
        /// panel and a 1- to 3-row one cost 8 + 4. Packed panels keep their MR-value stride either way.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static bool SplitTail(int rows)
        {
            int r = rows % TK.MR;
            if (rows <= TK.MR || !GemmSettings.SplitRowTail)
            {
                return false;
            }

            return TK.MR == 6
                ? TK.MaxPartialRows >= 4 && (r == 1 || r == 2)
                : TK.MR == 8 && TK.MaxPartialRows >= 7 && GemmSettings.ExactPartialRows && r is >= 1 and <= 3;
        }

        /// <summary>The number of register-tile row panels a row block of <paramref name="rows"/> is run as (a split tail takes the place of the last full panel and the short one).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static int PanelCount(int rows) => (rows + TK.MR - 1) / TK.MR;

        /// <summary>The first row (within the block) of panel <paramref name="j"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static int PanelStart(int rows, int j)
        {
            int full = (rows / TK.MR) - (SplitTail(rows) ? 1 : 0);
            return j <= full ? j * TK.MR : (full * TK.MR) + 4;
        }

        /// <summary>The rows of panel <paramref name="j"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static int PanelRows(int rows, int j) =>
            (j + 1 < PanelCount(rows) ? PanelStart(rows, j + 1) : rows) - PanelStart(rows, j);

        /// <summary>Packs rows [i0, i0 + rows) of op(A), depth [pc, pc + kc), as the panels of <see cref="PanelCount"/> (panel j at j·MR·kc).</summary>
        private static void PackPanels(T* dst, ref GemmProblem<T> p, int i0, int rows, int pc, int kc)
        {
            if (!SplitTail(rows))
            {
                Packing<T, TK>.PackA(dst, p.A, p.Lda, p.TransA, i0, rows, pc, kc);
                return;
            }

            int full = ((rows / TK.MR) - 1) * TK.MR;
            if (full > 0)
            {
                Packing<T, TK>.PackA(dst, p.A, p.Lda, p.TransA, i0, full, pc, kc);
            }

            Packing<T, TK>.PackA(dst + (full * kc), p.A, p.Lda, p.TransA, i0 + full, 4, pc, kc);
            Packing<T, TK>.PackA(dst + ((full + TK.MR) * kc), p.A, p.Lda, p.TransA, i0 + full + 4, rows - full - 4, pc, kc);
        }

        /// <summary>
        /// Runs row panel [ir, ir + mr) of A against one packed (or in-place) B micro-panel and adds
        /// it into C, choosing the full kernel, the few-rows kernel or the stack tile for the edges.
        /// </summary>
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        private static void RunTile(ref GemmProblem<T> p, int mrEff, int nrEff, int kc, T* ap, T* bp, nint bs, T* cp, T betaEff, T* tile)
        {
            if (mrEff == TK.MR && nrEff == TK.NR)
            {
                TK.Run(kc, ap, bp, bs, cp, p.Ldc, p.Alpha, betaEff);
            }
            else if (nrEff == TK.NR && mrEff <= TK.MaxPartialRows)
            {
                TK.RunRows(mrEff, kc, ap, bp, bs, cp, p.Ldc, p.Alpha, betaEff);
            }
            else
            {
                TK.Run(kc, ap, bp, bs, tile, TK.NR, p.Alpha, T.Zero);
                MergeTile(tile, TK.NR, cp, p.Ldc, mrEff, nrEff, betaEff);
            }
        }

        /// <summary>
        /// A single-row-block product on several threads: A (all of K) is packed once into a shared
        /// buffer, one MR row panel per claim, then column chunks, shrinking as the columns run out, are handed out dynamically.
        /// </summary>
        private sealed class ColumnJob : IParallelJob
        {
            private readonly PackBuffer<T> _sharedA = new();
            private GemmProblem<T> _problem;
            private T* _bufA;
            private int _minChunkPanels;
            private int _chunkDivisor;
            private int _aPanels;
            private int _nextA;
            private int _packedA;
            private int _next;

            /// <summary>Two-ended claims: panels taken from the left (low 32 bits) and from the right (high 32 bits).</summary>
            private long _ends;
            private bool _twoEnded;

            public void Prepare(ref GemmProblem<T> p, int threads)
            {
                _problem = p;
                _minChunkPanels = 2;
                _chunkDivisor = 2 * threads;
                _aPanels = PanelCount(p.M);
                _bufA = _sharedA.Get(_aPanels * TK.MR * p.K);
                _nextA = 0;
                _packedA = 0;
                _next = 0;
                _ends = 0;
                _twoEnded = threads == 2 && GemmSettings.TwoEndedColumns;
            }

            public void Execute(int index)
            {
                ref GemmProblem<T> p = ref _problem;
                int mr = TK.MR;
                int mPadded = _aPanels * mr;
                int q;
                while ((q = Interlocked.Increment(ref _nextA) - 1) < _aPanels)
                {
                    int r0 = PanelStart(p.M, q);
                    int rows = PanelRows(p.M, q);
                    for (int pc = 0; pc < p.K; pc += KC)
                    {
                        int kc = Math.Min(KC, p.K - pc);
                        Packing<T, TK>.PackA(_bufA + (pc * mPadded) + (q * mr * kc), p.A, p.Lda, p.TransA, r0, rows, pc, kc);
                    }

                    Interlocked.Increment(ref _packedA);
                }

                var spinner = new HotSpinner(long.MaxValue);
                while (Volatile.Read(ref _packedA) < _aPanels)
                {
                    spinner.SpinOnce();
                }

                // Guided self-scheduling: chunks shrink as the columns run out (a share of what is
                // left), so the threads finish together even when one started late.
                int nr = TK.NR;
                int panels = (p.N + nr - 1) / nr;
                if (_twoEnded)
                {
                    RunTwoEnded(ref p, index, panels);
                    return;
                }

                while (true)
                {
                    int start = Volatile.Read(ref _next);
                    if (start >= panels)
                    {
                        return;
                    }

                    int size = Math.Max(_minChunkPanels, (panels - start) / _chunkDivisor);
                    int end = Math.Min(panels, start + size);
                    if (Interlocked.CompareExchange(ref _next, end, start) != start)
                    {
                        continue;
                    }

                    ComputeColumns(ref p, _bufA, 0, p.M, start * nr, Math.Min(p.N, end * nr));
                }
            }

            /// <summary>
            /// Two threads: the caller claims chunks from the left end, the worker from the right end, both guided, until
            /// they meet. At equal speeds they meet near the middle every call, so a C column (and its B panels) stays with
            /// the same core from call to call instead of moving between the cores' caches.
            /// </summary>
            private void RunTwoEnded(ref GemmProblem<T> p, int index, int panels)
            {
                int nr = TK.NR;
                while (TwoEndedClaims.TryClaim(ref _ends, panels, index == 0, _minChunkPanels, _chunkDivisor, out int start, out int size))
                {
                    ComputeColumns(ref p, _bufA, 0, p.M, start * nr, Math.Min(p.N, (start + size) * nr));
                }
            }
        }

        /// <summary>
        /// Rows that fit one MC block over a K too long to pack A whole on several threads (<see cref="GemmSettings.SharedBlockMaxPackedA"/>): column
        /// chunks of at least 1/threads of the panels, claimed from both ends (two threads) or in order, each run by
        /// <see cref="Compute"/>'s blocked loop, which packs its own A blocks (so each claim repacks A; one claim per
        /// thread keeps that to once per thread). A late worker's share is taken by the caller. Each C element is computed
        /// as on one thread.
        /// </summary>
        private sealed class TallColumnJob : IParallelJob
        {
            private GemmProblem<T> _problem;
            private int _panels;
            private int _minChunk;
            private int _threads;
            private long _ends;

            private int _missed;

            /// <summary>Every claim's <see cref="Compute"/> wrote its columns' block sums (<see cref="GemmProblem{T}.PartialsB"/>).</summary>
            public bool Filled => Volatile.Read(ref _missed) == 0;

            public void Prepare(ref GemmProblem<T> p, int threads)
            {
                _problem = p;
                _threads = threads;
                _panels = (p.N + TK.NR - 1) / TK.NR;
                _minChunk = Math.Max(1, _panels / threads);
                _ends = 0;
                _missed = 0;
            }

            public void Execute(int index)
            {
                ref GemmProblem<T> p = ref _problem;
                int nr = TK.NR;
                bool fromFront = _threads != 2 || index == 0;
                while (TwoEndedClaims.TryClaim(ref _ends, _panels, fromFront, _minChunk, _threads, out int start, out int size))
                {
                    if (!Compute(ref p, 0, p.M, start * nr, Math.Min(p.N, (start + size) * nr)))
                    {
                        Volatile.Write(ref _missed, 1);
                    }
                }
            }
        }

        /// <summary>
        /// A product with more rows than one MC block, on several threads (the BLIS / OpenBLAS scheme, with
        /// every step taken from a shared counter instead of assigned): for each KC x NC block of op(B), the
        /// threads claim groups of NR panels and pack them into a shared buffer, then claim row chunks; a
        /// thread packs the A rows of its chunk into its own buffer and runs them against the whole shared B
        /// block. Two B buffers alternate. Nobody waits for a thread, only for work: a chunk waits until its
        /// block is packed and until the same rows of the previous K block are done (both add into the same C
        /// tiles), and packing block t waits until block t - 2 (same buffer) is computed. So a thread
        /// that starts late (or is preempted) just takes fewer claims, and the call never waits for it
        /// beyond the one claim it is working on; a worker that has not started when the caller has taken
        /// every claim is called off. Each element of C is computed exactly as on one thread (chunks start
        /// on MR row boundaries), so the result is bitwise the single-thread one.
        /// </summary>
        private sealed class RowJob : IParallelJob
        {
            /// <summary>Ints per counter: each counter has its own 64-byte line.</summary>
            private const int Stride = 16;

            /// <summary>B panels packed per claim (64 columns, 64 KiB of float at KC = 256).</summary>
            private const int PanelsPerGroup = 4;

            private readonly PackBuffer<T> _sharedB = new();
            private int[] _counters = [];
            private int[] _chunkDone = [];
            private GemmProblem<T> _problem;
            private T* _bufB;
            private int _bStride;
            private int _ncMax;
            private int _kBlocks;
            private int _blocks;
            private int _chunkPanels;
            private int _rowChunks;
            private bool _twoEnded;

            public void Prepare(ref GemmProblem<T> p, int threads)
            {
                _problem = p;
                _twoEnded = threads == 2 && GemmSettings.TwoEndedRows;
                _ncMax = NCLarge;
                _bStride = RoundUp(Math.Min(_ncMax, p.N), TK.NR) * KC;
                _bufB = _sharedB.Get(2 * _bStride);
                _kBlocks = (p.K + KC - 1) / KC;
                _blocks = ((p.N + _ncMax - 1) / _ncMax) * _kBlocks;

                // Row chunks of 8 MR panels up to one MC block, aiming at four chunks per thread, so that a
                // late thread's share is small and the threads finish within a chunk of each other.
                int mPanels = (p.M + TK.MR - 1) / TK.MR;
                int mcPanels = MC / TK.MR;
                _chunkPanels = Math.Clamp((mPanels + (4 * threads) - 1) / (4 * threads), Math.Min(8, mcPanels), mcPanels);
                _rowChunks = (mPanels + _chunkPanels - 1) / _chunkPanels;
                int needed = _blocks * 4 * Stride;
                if (_counters.Length < needed)
                {
                    _counters = new int[needed];
                }
                else
                {
                    Array.Clear(_counters, 0, needed);
                }

                int flags = _blocks * _rowChunks;
                if (_chunkDone.Length < flags)
                {
                    _chunkDone = new int[flags];
                }
                else
                {
                    Array.Clear(_chunkDone, 0, flags);
                }
            }

            public void Execute(int index)
            {
                ref GemmProblem<T> p = ref _problem;
                int mr = TK.MR, nr = TK.NR;
                T* bufA = PackBuffer<T>.ForA(RoundUp(MC, mr) * KC);
                T* tile = stackalloc T[mr * nr];
                for (int t = 0; t < _blocks; t++)
                {
                    int jc = (t / _kBlocks) * _ncMax;
                    int pc = (t % _kBlocks) * KC;
                    int nc = Math.Min(_ncMax, p.N - jc);
                    int kc = Math.Min(KC, p.K - pc);
                    int groups = (((nc + nr - 1) / nr) + PanelsPerGroup - 1) / PanelsPerGroup;
                    T* bufB = _bufB + ((t & 1) * _bStride);
                    ref int packClaim = ref Counter(t, 0);
                    ref int packDone = ref Counter(t, 1);
                    ref int chunkClaim = ref Counter(t, 2);
                    ref int chunkDone = ref Counter(t, 3);

                    bool bufferFree = t < 2;
                    int g;
                    while (Volatile.Read(ref packClaim) < groups && (g = Interlocked.Increment(ref packClaim) - 1) < groups)
                    {
                        if (!bufferFree)
                        {
                            WaitFor(ref Counter(t - 2, 3), _rowChunks);
                            bufferFree = true;
                        }

                        int c0 = g * PanelsPerGroup * nr;
                        int c1 = Math.Min(nc, c0 + (PanelsPerGroup * nr));
                        if (p.PartialsB != null)
                        {
                            Packing<T, TK>.PackB(bufB + (c0 * kc), p.B, p.Ldb, pc, kc, jc + c0, c1 - c0, p.PartialsB + ((long)(pc / KC) * p.N) + jc + c0);
                        }
                        else
                        {
                            Packing<T, TK>.PackB(bufB + (c0 * kc), p.B, p.Ldb, p.TransB, pc, kc, jc + c0, c1 - c0);
                        }

                        Interlocked.Increment(ref packDone);
                    }

                    T betaEff = pc == 0 ? p.Beta : T.One;
                    bool packed = false;
                    int chunk;
                    while ((chunk = ClaimChunk(ref chunkClaim, index)) >= 0)
                    {
                        if (!packed)
                        {
                            WaitFor(ref packDone, groups);
                            packed = true;
                        }

                        if (pc > 0)
                        {
                            WaitFor(ref _chunkDone[((t - 1) * _rowChunks) + chunk], 1);
                        }

                        int i0 = chunk * _chunkPanels * mr;
                        int mc = Math.Min(p.M, i0 + (_chunkPanels * mr)) - i0;
                        PackPanels(bufA, ref p, i0, mc, pc, kc);
                        int mPanels = PanelCount(mc);
                        for (int jr = 0; jr < nc; jr += nr)
                        {
                            int nrEff = Math.Min(nr, nc - jr);
                            T* bp = bufB + (jr * kc);
                            for (int j = 0; j < mPanels; j++)
                            {
                                RunTile(ref p, PanelRows(mc, j), nrEff, kc, bufA + (j * mr * kc), bp, nr, p.C + ((i0 + PanelStart(mc, j)) * p.Ldc) + jc + jr, betaEff, tile);
                            }
                        }

                        Volatile.Write(ref _chunkDone[(t * _rowChunks) + chunk], 1);
                        Interlocked.Increment(ref chunkDone);
                    }
                }
            }

            private ref int Counter(int block, int which) => ref _counters[((block * 4) + which) * Stride];

            /// <summary>
            /// The next row chunk for thread <paramref name="index"/>, or −1. On two threads the caller takes chunks from
            /// the top and the worker from the bottom (<see cref="TwoEndedClaims"/>: the claim slot holds a 64-bit word), so
            /// that the same rows of C, and the A rows that feed them, stay with one core in every K block and from call to
            /// call; otherwise chunks are taken in order.
            /// </summary>
            private int ClaimChunk(ref int claim, int index)
            {
                if (!_twoEnded)
                {
                    int chunk;
                    return Volatile.Read(ref claim) < _rowChunks && (chunk = Interlocked.Increment(ref claim) - 1) < _rowChunks ? chunk : -1;
                }

                return TwoEndedClaims.TryClaim(ref Unsafe.As<int, long>(ref claim), _rowChunks, index == 0, 1, int.MaxValue, out int start, out _) ? start : -1;
            }

            private static void WaitFor(ref int counter, int value)
            {
                var spinner = new HotSpinner(long.MaxValue);
                while (Volatile.Read(ref counter) < value)
                {
                    spinner.SpinOnce();
                }
            }
        }
    }
}

/// <summary>
/// Claims from both ends of [0, total) with one 64-bit word: thread 0 takes items from the front (count in the low 32
/// bits), the other thread from the back (count in the high 32 bits), until they meet. At equal speeds they meet near
/// the middle every call, so an item stays with the same core from call to call (ADR 0002).
/// </summary>
internal static class TwoEndedClaims
{
    /// <summary>
    /// Claims max(<paramref name="minSize"/>, left / <paramref name="divisor"/>) items (at most what is left); false
    /// when nothing is left.
    /// </summary>
    public static bool TryClaim(ref long ends, int total, bool fromFront, int minSize, int divisor, out int start, out int size)
    {
        while (true)
        {
            long seen = Volatile.Read(ref ends);
            int front = (int)(seen & 0xFFFFFFFF), back = (int)(seen >> 32);
            int left = total - front - back;
            if (left <= 0)
            {
                start = size = 0;
                return false;
            }

            size = Math.Min(left, Math.Max(minSize, left / divisor));
            long next = fromFront ? seen + size : seen + ((long)size << 32);
            if (Interlocked.CompareExchange(ref ends, next, seen) == seen)
            {
                start = fromFront ? front : total - back - size;
                return true;
            }
        }
    }
}
