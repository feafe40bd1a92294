using Recur.Kernels.Blas;

namespace Recur.Kernels.Rnn;

/// <summary>Process-wide knobs of the fused RNN kernels that tests and benchmarks turn; the defaults are the tuned values.</summary>
internal static class RnnSettings
{
    /// <summary>
    /// Batch rows per thread below which a fused kernel keeps its time loop on one thread (its per-step
    /// products may still split columns between threads).
    /// </summary>
    public static int MinRowsPerThread { get; set; } = 8;

    /// <summary>
    /// FLOPs of a step's recurrent product (all active rows) below which a loop that runs its rows as one part keeps the
    /// product on its own thread, on weights packed once, instead of splitting every step's product between threads:
    /// there each step paid a pool dispatch and a pack of the weights. A 2-layer LSTM's training step at B = 4,
    /// H = 128 (0.5 MFLOP a step) took 16.9 ms on two threads against 9.4 ms on one; at B = 8 the backward took 36 ms
    /// against 26 ms at H = 256 (4 MFLOP) but 54 ms against 59 ms at H = 512 (17 MFLOP) (ADR 0010, eleventh part).
    /// </summary>
    public static long StepParallelMinFlops { get; set; } = 8_000_000;

    /// <summary>
    /// True when a loop of <paramref name="parts"/> row parts runs each step's product (<paramref name="rows"/> rows
    /// times a <paramref name="weights"/>-element matrix) on one thread: one part, and one thread or a small product.
    /// </summary>
    public static bool SerialSteps(int parts, int rows, long weights) =>
        parts == 1 && (Kernels.Gemm.MaxThreads == 1 || 2L * rows * weights < StepParallelMinFlops);

    /// <summary>Pack the recurrent weights into GEMM panels once per call (else every step's product packs them again).</summary>
    public static bool PackWeights { get; set; } = true;

    /// <summary>
    /// Batch rows at or below which a multi-threaded LSTM or reset-before GRU forward pass splits its units between
    /// threads (<see cref="RnnUnitSplit"/>) instead of its rows; 0 turns the unit split off. The default, -1, splits
    /// units only where the row split cannot give every thread a part (B &lt; threads × <see cref="MinRowsPerThread"/>):
    /// at B = 4 and 8 the unit split takes 0.53–0.82× the time of the one-part loop, but at B = 16, where the row split
    /// runs 8 rows a thread as 4 + 4 row panels, it took 1.03–1.22× the row split's time (ADR 0010).
    /// </summary>
    public static int UnitSplitMaxRows { get; set; } = -1;

    /// <summary>True when a forward loop over <paramref name="batch"/> rows on <paramref name="threads"/> threads splits its units (<see cref="UnitSplitMaxRows"/>).</summary>
    public static bool UseUnitSplit(int batch, int threads) =>
        threads >= 2 && (UnitSplitMaxRows < 0 ? batch < threads * Math.Max(1, MinRowsPerThread) : batch <= UnitSplitMaxRows);

    /// <summary>
    /// Bytes of input projection (G) an inference loop's part computes at a time, a few steps ahead, into its place at
    /// the front of G's region, which every chunk reuses, instead of one GEMM over the whole sequence before the loop:
    /// the whole G (5–26 MB on the issue grid's batched rows) has left the cache by the time its step reads it. 0 turns
    /// the chunks off. At B = 16 (4H or 3H = 768–1024 wide) chunks of 256 KiB, 4–5 steps, took 0.93–0.98× the time of
    /// the whole GEMM on one thread (<c>rnn --ab chunkx</c>), 512 KiB 0.95–1.02×; on two parts of 8 rows the LSTM
    /// 0.95–0.96×. See <see cref="RnnMath.InputChunkSteps"/> (ADR 0010, fifteenth part).
    /// </summary>
    public static int InputChunkBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// The fewest steps an input chunk may hold: each chunk streams the input weights' panels once, so a chunk of one
    /// or two steps at B = 64 (H = 256, 512) cost more than the cache misses it saved (<c>rnn --ab chunkx</c>: 0.99–1.11×).
    /// </summary>
    public static int InputChunkMinSteps { get; set; } = 4;

    /// <summary>The size of the whole G below which inference keeps one input GEMM before the loop (it stays in cache).</summary>
    public static int InputChunkMinBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// The GRUs' batched inference loops prefetch the next row's G row into L1 while the cell pass runs on the current
    /// one, where G was computed before the loop (each row starts in a new page there, where the hardware's stream
    /// prefetchers start cold): <c>rnn --ab pfg</c> 0.976–0.988× at B = 64, H = 256; 0.99–1.01× in training and at
    /// I = H = 512, so training does not (ADR 0010, fifteenth part).
    /// </summary>
    public static bool PrefetchGateRows { get; set; } = true;

    /// <summary>Dense simple-RNN inference runs its steps in y itself (no copies of h between the state buffer, G and y).</summary>
    public static bool StepsInOutput { get; set; } = true;

    /// <summary>Dense batch-major inference runs the input projection on x in place (<see cref="RnnMath.InPlaceBatchMajor"/>).</summary>
    public static bool InPlaceBatchMajor { get; set; } = true;

    /// <summary>The reset-after GRU's forward step multiplies h by [Wgh | Wch] in one product where their panels allow it.</summary>
    public static bool JointGruPanels { get; set; } = true;

    /// <summary>
    /// The GRU's input products run as one product with [Wgx | Wcx] (joined once per call in the workspace): the
    /// forward's X·Wx, the backward's dG·Wxᵀ and Xᵀ·dG, instead of a 2H-wide and an H-wide product each.
    /// </summary>
    public static bool JoinGruInputKernels { get; set; } = true;

    /// <summary>The cells' span-level activations (RnnMath.Tanh/Sigmoid) use the fused passes' tanh for float with AVX2 + FMA.</summary>
    public static bool FusedActivations { get; set; } = true;

    /// <summary>
    /// The cells' row passes (activations and state updates) run 16 units at a time in 512-bit vectors where AVX-512F is
    /// supported: on Zen 4, whose 512-bit operations are one instruction on two 256-bit halves, a σ or tanh costs 0.70–0.75×
    /// the time of two 256-bit ones (<c>rnn-cell</c>). The same bits either way.
    /// </summary>
    public static bool WideCells { get; set; } = true;

    /// <summary>Run steps with one active row through <see cref="Rnn.FusedStep"/> (the GEMV with the cell in its epilogue) where it applies.</summary>
    public static bool FusedStep { get; set; } = true;

    /// <summary>
    /// One-row steps visit the weight panels in alternating order (odd steps from the last panel back), so the panels a
    /// step read last are still in L1 when the next one starts on them.
    /// </summary>
    public static bool Serpentine { get; set; } = true;

    /// <summary>Whether step <paramref name="t"/>'s one-row product visits the panels from the last one back (<see cref="Serpentine"/>).</summary>
    public static bool ReversedStep(int t) => Serpentine && (t & 1) == 1;

    /// <summary>
    /// Units from which a one-row LSTM forward on several threads splits its weights by unit slices (each thread streams
    /// its slice's panels and runs the cell on its units, one barrier a step); below, one thread runs the steps. On two
    /// threads (`rnn --ab unit --ab-p10 --batch 1`, each round's 10th-percentile call): H = 256 0.64–0.66× the one-thread
    /// steps' time, H = 512 0.69–0.72×, but H = 128 0.97–1.30×, where a step's slice (~1.6 µs) is too short for the barrier.
    /// The reset-after GRU uses the same threshold; so does the reset-before GRU, whose batch-1 split is its unit split's
    /// GEMMs with one row (two barriers a step; I = 128, H = 256: inference 0.80–1.06×, training 0.92–0.94×).
    /// </summary>
    public static int OneRowSliceMinUnits { get; set; } = 256;

    /// <summary>The one-row step's weight pack fills two 8-unit panels per pass over the source rows.</summary>
    public static bool PairedPack { get; set; } = true;

    /// <summary>Some step has exactly one active row (the rows are sorted, so Active is non-increasing).</summary>
    public static bool HasSingleRowStep(in RnnSchedule s)
    {
        for (int t = 0; t < s.Time; t++)
        {
            if (s.Active[t] <= 1)
            {
                return s.Active[t] == 1;
            }
        }

        return false;
    }
}

/// <summary>
/// The batch-parallel split of a fused RNN kernel's time loop (ONNX Runtime's batch-parallel DeepCPU mode):
/// the length-sorted rows are cut into contiguous parts of about equal real tokens, and each part runs
/// through every step on its own thread. A row's recurrence depends only on itself, so the parts never
/// wait for each other: there is no per-step barrier. The input projection before the loop and the
/// weight-gradient products after it stay single multithreaded GEMMs.
/// </summary>
internal static class RnnPartition
{
    /// <summary>The most parts a loop is cut into.</summary>
    public const int MaxParts = 16;

    /// <summary>The most rows any of the <paramref name="parts"/> parts in <paramref name="bounds"/> has.</summary>
    public static int MaxRows(ReadOnlySpan<int> bounds, int parts)
    {
        int most = 0;
        for (int p = 0; p < parts; p++)
        {
            most = Math.Max(most, bounds[p + 1] - bounds[p]);
        }

        return most;
    }

    /// <summary>
    /// Cuts sorted rows [0, B) into parts [bounds[p], bounds[p + 1]), balanced by real tokens, using at
    /// most <paramref name="maxThreads"/> parts of at least <see cref="RnnSettings.MinRowsPerThread"/> rows;
    /// returns the number of parts (1: run the loop on one thread). <paramref name="bounds"/> holds <see cref="MaxParts"/> + 1 ints.
    /// </summary>
    public static int Split(in RnnSchedule s, int maxThreads, Span<int> bounds)
    {
        int batch = s.Batch, time = s.Time;
        int parts = Math.Min(Math.Min(maxThreads, MaxParts), batch / Math.Max(1, RnnSettings.MinRowsPerThread));
        long tokens = s.Tokens;
        bounds[0] = 0;
        bounds[1] = batch;
        if (parts < 2 || tokens == 0)
        {
            return 1;
        }

        // Sorted row k runs len(k) = #{t : Active[t] > k} steps; len is non-increasing in k.
        int p = 1, tp = time;
        long cum = 0;
        for (int k = 0; k < batch && p < parts; k++)
        {
            while (tp > 0 && s.Active[tp - 1] <= k)
            {
                tp--;
            }

            cum += tp;

            // Close part p - 1 after row k once it holds its share, leaving at least one row for each later part.
            if (cum * parts >= tokens * p && batch - (k + 1) >= parts - p)
            {
                bounds[p++] = k + 1;
            }
        }

        if (p < parts)
        {
            // Too few tokens to share out (most rows empty): run on one thread.
            bounds[1] = batch;
            return 1;
        }

        bounds[parts] = batch;
        return parts;
    }

    /// <summary>
    /// Runs <paramref name="job"/> over the parts, on the pool when there are several and the pool is free,
    /// else the whole range as one part on the calling thread. A job whose parts meet at
    /// <paramref name="barrier"/> gets it reset to the number of parts that actually run.
    /// </summary>
    public static void Run<TJob>(TJob job, ReadOnlySpan<int> bounds, int parts, SpinBarrier? barrier = null, int serialThreads = 0)
        where TJob : class, IRowJob
    {
        if (parts > 1 && WorkerPool.TryAcquire())
        {
            try
            {
                barrier?.Reset(parts);
                var runner = RowJobRunner.Instance;
                runner.Set(job, bounds[..(parts + 1)]);
                WorkerPool.Run(runner, parts);
                return;
            }
            finally
            {
                RowJobRunner.Instance.Clear();
                WorkerPool.Release();
            }
        }

        barrier?.Reset(1);
        job.Run(0, bounds[parts], serialThreads);
    }

    /// <summary>Adapts a row job to the pool: part i runs rows [bounds[i], bounds[i + 1]) with single-threaded products.</summary>
    private sealed class RowJobRunner : IParallelJob
    {
        public static readonly RowJobRunner Instance = new();
        private readonly int[] _bounds = new int[MaxParts + 1];
        private IRowJob? _job;

        public void Set(IRowJob job, ReadOnlySpan<int> bounds)
        {
            _job = job;
            bounds.CopyTo(_bounds);
        }

        public void Clear() => _job = null;

        public void Execute(int index) => _job!.Run(_bounds[index], _bounds[index + 1], 1);
    }
}

/// <summary>A fused kernel's time loop over a range of sorted batch rows.</summary>
internal interface IRowJob
{
    /// <summary>Runs sorted rows [r0, r1) through every step; the per-step products use at most <paramref name="gemmThreads"/> threads (0: <see cref="Gemm.MaxThreads"/>).</summary>
    void Run(int r0, int r1, int gemmThreads);
}
