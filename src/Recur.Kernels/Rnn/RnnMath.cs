using System.Diagnostics;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Recur.Kernels.Blas;

namespace Recur.Kernels.Rnn;

/// <summary>
/// The generic helpers behind the fused RNN kernels: <see cref="Gemm"/> and the activations for either float
/// type (the JIT removes the type tests), gathers and scatters of rows through the length permutation, and
/// the weight-gradient product with its bias gradient. Nothing here allocates.
/// </summary>
internal static class RnnMath
{
    /// <summary>
    /// A weight gradient and its bias gradient together: C = op(A)·dG (+ beta·C) and <paramref name="columnSums"/> = Σ over
    /// dG's <paramref name="k"/> rows (n values), the sums taken while the product packs dG (<see cref="Kernels.Gemm.MultiplySumB"/>)
    /// instead of by a separate pass over it on one thread.
    /// </summary>
    public static void GemmWithColumnSums<T>(bool transA, int m, int n, int k, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> dg, int ldg, T beta, Span<T> c, int ldc, Span<T> columnSums)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Kernels.Gemm.MultiplySumB(transA, m, n, k, a, lda, dg, ldg, beta, c, ldc, columnSums, Kernels.Gemm.MaxThreads);

    /// <summary><c>C = op(A)·op(B) + beta·C</c> through <see cref="Kernels.Gemm.Multiply(bool, bool, int, int, int, float, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, float, Span{float}, int)"/>.</summary>
    /// <remarks><paramref name="threads"/>: the most threads the product may use; 0 means <see cref="Kernels.Gemm.MaxThreads"/>.</remarks>
    public static void Gemm<T>(bool transA, bool transB, int m, int n, int k, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, T beta, Span<T> c, int ldc, int threads = 0)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (threads <= 0)
        {
            threads = Kernels.Gemm.MaxThreads;
        }

        if (m == 0 || n == 0)
        {
            return;
        }

        if (typeof(T) == typeof(float))
        {
            Kernels.Gemm.Multiply(
                transA, transB, m, n, k, 1f, MemoryMarshal.Cast<T, float>(a), lda, MemoryMarshal.Cast<T, float>(b), ldb,
                float.CreateTruncating(beta), MemoryMarshal.Cast<T, float>(c), ldc, threads);
        }
        else
        {
            Kernels.Gemm.Multiply(
                transA, transB, m, n, k, 1.0, MemoryMarshal.Cast<T, double>(a), lda, MemoryMarshal.Cast<T, double>(b), ldb,
                double.CreateTruncating(beta), MemoryMarshal.Cast<T, double>(c), ldc, threads);
        }
    }

    /// <summary>Workspace elements that hold a (k x n) weight matrix packed by <see cref="PackWeights"/>.</summary>
    public static long PackedSize(int k, int n) => GemmDriver<float>.PackedBSize(k, n);

    /// <summary>
    /// Packs op(B) (k x n; B stored (n x k) when <paramref name="transB"/>) into GEMM panels once per call, for
    /// <see cref="GemmPacked"/> on every step; returns the panel width, which <see cref="GemmPacked"/> checks.
    /// </summary>
    public static unsafe int PackWeights<T>(bool transB, int k, int n, ReadOnlySpan<T> b, int ldb, Span<T> packed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (k == 0 || n == 0)
        {
            return 0;
        }

        fixed (T* pb = b, pp = packed)
        {
            return GemmDriver<T>.PackB(pp, pb, ldb, transB, k, n);
        }
    }

    /// <summary>
    /// Whether an input projection of <paramref name="rows"/> tokens and depth <paramref name="depth"/> runs on panels
    /// kept in <paramref name="cache"/>: a cache is given (a wavefront's chunk) and the call runs on one thread.
    /// </summary>
    public static bool CachesInput(RnnPackCache? cache, int rows, int depth) =>
        cache is not null && RnnSettings.PackWeights && Kernels.Gemm.MaxThreads == 1 && rows >= 2 && depth > 0;

    /// <summary>
    /// The input projection <c>C = X·W</c> (<paramref name="rows"/> × <paramref name="width"/>, depth
    /// <paramref name="depth"/>): on W's panels packed once into <paramref name="cache"/> where
    /// <see cref="CachesInput"/> says so, else the plain GEMM. Either way the same arithmetic.
    /// </summary>
    public static void InputGemm<T>(RnnPackCache? cache, int rows, int width, int depth, ReadOnlySpan<T> x, int ldx, ReadOnlySpan<T> w, Span<T> c, int ldc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!CachesInput(cache, rows, depth))
        {
            Gemm(false, false, rows, width, depth, x, ldx, w, width, T.Zero, c, ldc);
            return;
        }

        T[] packed = cache!.Input<T>(PackedSize(depth, width));
        if (cache.InputNr == 0)
        {
            cache.InputNr = PackWeights(false, depth, width, w, width, packed);
        }

        GemmPacked(false, rows, width, depth, x, ldx, w, width, packed, cache.InputNr, T.Zero, c, ldc, 1);
    }

    /// <summary>
    /// Steps per input-projection chunk of an inference loop (<see cref="RnnSettings.InputChunkBytes"/>), or 0 for one
    /// input GEMM over the whole sequence. Chunks run only in a whole-sequence inference call on the row split: one
    /// part on one thread, or several parts (each its own chunks on its own rows, <paramref name="partRows"/> at most)
    /// when every row runs all T steps; not on the unit split. They also need the whole G (<paramref name="gElements"/>)
    /// to be at least <see cref="RnnSettings.InputChunkMinBytes"/>, a chunk to hold
    /// <see cref="RnnSettings.InputChunkMinSteps"/> steps, and G's region to hold every part's chunk rows and the input
    /// weights' panels (<paramref name="depth"/> x <paramref name="width"/>) behind them.
    /// </summary>
    public static int InputChunkSteps<T>(in RnnSchedule s, int width, int depth, long gElements, bool training, bool windowed, int parts, int partRows, bool unitSplit)
        where T : unmanaged
    {
        int size = Unsafe.SizeOf<T>();
        bool split = parts > 1 ? s.Dense : parts == 1 && Kernels.Gemm.MaxThreads == 1;
        if (!split || training || windowed || unitSplit || !RnnSettings.PackWeights || RnnSettings.InputChunkBytes <= 0
            || s.Time < 2 || depth == 0 || (long)s.Tokens * width * size < RnnSettings.InputChunkMinBytes)
        {
            return 0;
        }

        long stepBytes = (long)Math.Max(1, parts > 1 ? partRows : s.Batch) * width * size;
        int steps = (int)Math.Clamp(RnnSettings.InputChunkBytes / stepBytes, 1, s.Time);
        return steps >= RnnSettings.InputChunkMinSteps && ((long)steps * s.Batch * width) + PackedSize(depth, width) <= gElements ? steps : 0;
    }

    /// <summary>
    /// Copies dense x into part-major step order for input chunks on several parts: part p's rows
    /// [<paramref name="bounds"/>[p], <paramref name="bounds"/>[p + 1]) as T blocks of those rows, from row
    /// bounds[p]·T on, so that every chunk of a part is one run of rows.
    /// </summary>
    public static void GatherPartMajor<T>(ReadOnlySpan<T> source, int width, bool batchMajor, int time, int batch, ReadOnlySpan<int> bounds, int parts, Span<T> packed)
    {
        for (int p = 0; p < parts; p++)
        {
            int b0 = bounds[p], rows = bounds[p + 1] - b0;
            for (int t = 0; t < time; t++)
            {
                for (int k = 0; k < rows; k++)
                {
                    source.Slice(SequenceRow(batchMajor, time, batch, t, b0 + k) * width, width).CopyTo(packed.Slice(((b0 * time) + (t * rows) + k) * width, width));
                }
            }
        }
    }

    /// <summary>
    /// Where the loop finds its G rows while it runs input chunks: the row of step <paramref name="t"/>'s token
    /// (schedule order, <see cref="GateRow"/>) minus the returned base is its row in G's region. One part
    /// (<paramref name="partMajor"/> false): the chunk's tokens lie in schedule order from the chunk's first,
    /// <paramref name="chunkStart"/>. Several parts (dense): part [<paramref name="r0"/>, <paramref name="r1"/>)'s
    /// chunk rows lie from row r0·<paramref name="chunkSteps"/>, one block of r1 − r0 rows a step.
    /// </summary>
    public static int ChunkBase(in RnnSchedule s, bool partMajor, int chunkSteps, int chunkStart, int t, int r0, int r1) =>
        partMajor ? s.Offset[t] + r0 - (r0 * chunkSteps) - ((t - chunkStart) * (r1 - r0)) : s.Offset[chunkStart];

    /// <summary>
    /// The x rows of the chunk of steps [<paramref name="t"/>, <paramref name="end"/>) that the loop part over rows
    /// [<paramref name="r0"/>, <paramref name="r1"/>) computes: the first one (in x as gathered) and how many. Several
    /// parts: that part's rows of those steps (<see cref="GatherPartMajor"/>); one part: every active row.
    /// </summary>
    public static (int Token, int Rows) ChunkRows(in RnnSchedule s, bool partMajor, int t, int end, int r0, int r1) =>
        partMajor ? ((r0 * s.Time) + (t * (r1 - r0)), (end - t) * (r1 - r0)) : (s.Offset[t], s.Offset[end] - s.Offset[t]);

    [ThreadStatic]
    private static long t_inputChunks;

    /// <summary>Input-projection chunks (<see cref="InputChunk"/> calls) run on the calling thread so far: tests check that a case takes the chunked path.</summary>
    public static long InputChunksOnThisThread => t_inputChunks;

    /// <summary>
    /// One input-projection chunk (<see cref="InputChunkSteps"/>): G's first <paramref name="rows"/> rows (width
    /// <paramref name="width"/>, <paramref name="ldg"/> apart) = x's rows from token <paramref name="token"/> times W,
    /// on W's panels packed once per call (panel width <paramref name="nr"/>), on the calling thread.
    /// </summary>
    public static void InputChunk<T>(int token, int rows, int width, int depth, ReadOnlySpan<T> x, int ldx, ReadOnlySpan<T> w, ReadOnlySpan<T> packed, int nr, Span<T> g, int ldg)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        t_inputChunks++;
        if (rows > 0)
        {
            GemmPacked(false, rows, width, depth, x[(token * ldx)..], ldx, w, width, packed, nr, T.Zero, g, ldg, 1);
        }
    }

    /// <summary>
    /// Asks for <paramref name="row"/>'s cache lines in L1, one prefetch per 64 bytes, when
    /// <see cref="RnnSettings.PrefetchGateRows"/> is on and the CPU has SSE; a hint, no effect on results.
    /// </summary>
    public static unsafe void PrefetchRow<T>(ReadOnlySpan<T> row)
        where T : unmanaged
    {
        if (!RnnSettings.PrefetchGateRows || !System.Runtime.Intrinsics.X86.Sse.IsSupported || row.IsEmpty)
        {
            return;
        }

        fixed (T* p0 = row)
        {
            byte* p = (byte*)p0, end = p + ((long)row.Length * sizeof(T));
            for (; p < end; p += 64)
            {
                System.Runtime.Intrinsics.X86.Sse.Prefetch0(p);
            }

            System.Runtime.Intrinsics.X86.Sse.Prefetch0(end - 1);
        }
    }

    /// <summary>
    /// The input gradient <c>C = dG·Wᵀ</c> (<paramref name="rows"/> × <paramref name="width"/>, depth
    /// <paramref name="depth"/>; W stored <paramref name="width"/> × <paramref name="depth"/>): on Wᵀ's panels packed once into
    /// <paramref name="cache"/> where <see cref="CachesInput"/> says so (a backward window), else the plain GEMM.
    /// </summary>
    public static void InputGemmTransposed<T>(RnnPackCache? cache, int rows, int width, int depth, ReadOnlySpan<T> dg, ReadOnlySpan<T> w, Span<T> c, int ldc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!CachesInput(cache, rows, depth))
        {
            Gemm(false, true, rows, width, depth, dg, depth, w, depth, T.Zero, c, ldc);
            return;
        }

        T[] packed = cache!.InputTransposed<T>(PackedSize(depth, width));
        if (cache.InputTransposedNr == 0)
        {
            cache.InputTransposedNr = PackWeights(true, depth, width, w, depth, packed);
        }

        GemmPacked(true, rows, width, depth, dg, depth, w, depth, packed, cache.InputTransposedNr, T.Zero, c, ldc, 1);
    }

    /// <summary>
    /// <c>C = A·op(B) + beta·C</c> with op(B) pre-packed by <see cref="PackWeights"/> (panel width <paramref name="nr"/>);
    /// on the calling thread when <paramref name="threads"/> is 1, else through <see cref="Gemm"/> on the unpacked B.
    /// </summary>
    public static unsafe void GemmPacked<T>(
        bool transB, int m, int n, int k, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, ReadOnlySpan<T> packed, int nr, T beta, Span<T> c, int ldc, int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (threads <= 0)
        {
            threads = Kernels.Gemm.MaxThreads;
        }

        if (threads != 1 || m < 2 || nr == 0)
        {
            Gemm(false, transB, m, n, k, a, lda, b, ldb, beta, c, ldc, threads);
            return;
        }

        Debug.Assert(a.Length >= ((m - 1) * lda) + k && c.Length >= ((m - 1) * ldc) + n, "operands fit their spans");
        fixed (T* pa = a, pb = b, pp = packed, pc = c)
        {
            var p = new GemmProblem<T>
            {
                A = pa, B = pb, C = pc, Lda = lda, Ldb = ldb, Ldc = ldc, M = m, N = n, K = k,
                TransA = false, TransB = transB, Alpha = T.One, Beta = beta,
            };
            GemmDriver<T>.MultiplyPackedB(ref p, pp, nr);
        }
    }

    /// <summary>
    /// After a dense inference loop that stepped in y: the last step's rows of y (width values each) are the final
    /// state, copied into <paramref name="state"/> (B x width; dense, so the schedule's order is the batch order).
    /// </summary>
    public static void FinalStateFromOutput<T>(bool batchMajor, int time, int batch, int width, ReadOnlySpan<T> y, Span<T> state)
    {
        for (int k = 0; time > 0 && k < batch; k++)
        {
            y.Slice(SequenceRow(batchMajor, time, batch, time - 1, k) * width, width).CopyTo(state.Slice(k * width, width));
        }
    }

    /// <summary>
    /// destination = tanh(x); may be in place. Float with AVX2 + FMA uses the fused passes' function
    /// (<see cref="FusedStep.Tanh(System.Runtime.Intrinsics.Vector256{float})"/>, a couple of ulp), so that every pass of a cell agrees; otherwise TensorPrimitives
    /// (its absolute error near 0 is at the rounding level, ~6e-8 in float, which is all a gate or state needs).
    /// </summary>
    public static void Tanh<T>(ReadOnlySpan<T> x, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T> => Activate(x, destination, sigmoid: false);

    /// <summary>destination = 1 / (1 + e^-x); may be in place. Float with AVX2 + FMA: the fused passes' σ (<see cref="FusedStep.Sigmoid(System.Runtime.Intrinsics.Vector256{float})"/>).</summary>
    public static void Sigmoid<T>(ReadOnlySpan<T> x, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T> => Activate(x, destination, sigmoid: true);

    private static unsafe void Activate<T>(ReadOnlySpan<T> x, Span<T> destination, bool sigmoid)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.IsEmpty)
        {
            return;
        }

        if (!FusedStep.IsSupported<T>() || !RnnSettings.FusedActivations)
        {
            if (sigmoid)
            {
                TensorPrimitives.Sigmoid(x, destination);
            }
            else
            {
                TensorPrimitives.Tanh(x, destination);
            }

            return;
        }

        if (destination.Length < x.Length)
        {
            ThrowHelper.ArgumentOutOfRange(nameof(destination), $"RnnMath.{(sigmoid ? "Sigmoid" : "Tanh")}: destination has {destination.Length} elements, the input {x.Length}.");
        }

        fixed (T* px = x)
        fixed (T* pd = destination)
        {
            FusedStep.ActivateRow((float*)px, (float*)pd, x.Length, sigmoid);
        }
    }

    /// <summary>destination = clamp(x, -limit, limit); may be in place.</summary>
    public static void Clip<T>(ReadOnlySpan<T> x, T limit, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        TensorPrimitives.Max(x, -limit, destination);
        TensorPrimitives.Min(destination[..x.Length], limit, destination);
    }

    /// <summary>
    /// The row of token (t, b) in a (T, B, width) time-major sequence buffer, or in a (B, T, width) batch-major one
    /// (<paramref name="batchMajor"/>); multiply by the width for the element offset.
    /// </summary>
    public static int SequenceRow(bool batchMajor, int time, int batch, int t, int b) =>
        batchMajor ? (b * time) + t : (t * batch) + b;

    /// <summary>
    /// The row of a kernel's gate buffer G for step <paramref name="t"/> and sorted row <paramref name="k"/>: the packed
    /// token order (Offset[t] + k), or, when <paramref name="batchMajorRows"/> (dense batch-major inference, whose input
    /// projection ran on x in place, so G's rows follow x's (b, t) order and the rows are unsorted), k·T + t.
    /// </summary>
    public static int GateRow(bool batchMajorRows, in RnnSchedule s, int t, int k) => batchMajorRows ? (k * s.Time) + t : s.Offset[t] + k;

    /// <summary>
    /// True when a GRU or simple-RNN forward pass may run its input projection on x in place and keep G in x's (b, t)
    /// row order: dense (every row T steps, so the schedule's order is the identity), batch-major, and inference
    /// (training keeps the packed order that the backward pass's all-token products pair with). The LSTM always packs.
    /// </summary>
    public static bool InPlaceBatchMajor(in RnnSchedule s, bool batchMajor, bool training) =>
        batchMajor && s.Dense && !training && RnnSettings.InPlaceBatchMajor;

    /// <summary>
    /// Bytes a <see cref="Gather"/> or <see cref="Scatter"/> copies from which <see cref="GatherRows"/> and
    /// <see cref="ScatterRows"/> split their steps between the pool's threads (0: never). On two threads the one-thread
    /// copy is a serial stretch of the call during which the other core waits: the variable-length LSTM (B = 64,
    /// I = H = 256) gathers 4.9 MB of x before its input product.
    /// </summary>
    public static int ParallelCopyMinBytes { get; set; } = 1024 * 1024;

    [ThreadStatic]
    private static long t_parallelCopies;

    /// <summary><see cref="GatherRows"/> and <see cref="ScatterRows"/> calls on the calling thread that split their steps between threads: tests check the path ran.</summary>
    public static long ParallelCopiesOnThisThread => t_parallelCopies;

    /// <summary><see cref="Gather"/> on the pool's threads when the copy is large (<see cref="ParallelCopyMinBytes"/>); the same rows.</summary>
    public static void GatherRows<T>(in RnnSchedule s, ReadOnlySpan<T> source, int width, bool batchMajor, Span<T> packed, int packedStride = 0, int t0 = 0, int t1 = -1)
        where T : unmanaged
    {
        if (!RowCopyJob<T>.TryRun(s, source, width, batchMajor, packed, packedStride, t0, t1, scatter: false))
        {
            Gather(s, source, width, batchMajor, packed, packedStride, t0, t1);
        }
    }

    /// <summary><see cref="Scatter"/> on the pool's threads when the copy is large (<see cref="ParallelCopyMinBytes"/>); the same rows.</summary>
    public static void ScatterRows<T>(in RnnSchedule s, ReadOnlySpan<T> packed, int width, bool batchMajor, Span<T> destination, int packedStride = 0, int t0 = 0, int t1 = -1)
        where T : unmanaged
    {
        if (!RowCopyJob<T>.TryRun(s, destination, width, batchMajor, MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(packed), packed.Length), packedStride, t0, t1, scatter: true))
        {
            Scatter(s, packed, width, batchMajor, destination, packedStride, t0, t1);
        }
    }

    /// <summary>
    /// Gathers or scatters steps [t0, t1) in chunks of steps that the caller and a worker claim from a counter (a worker
    /// that has not started when the caller runs out is called off). Each chunk is <see cref="Gather"/> or
    /// <see cref="Scatter"/> over its steps, at its rows of the packed buffer.
    /// </summary>
    private sealed unsafe class RowCopyJob<T> : Blas.IParallelJob
        where T : unmanaged
    {
        private const int Chunks = 16;
        private static readonly RowCopyJob<T> s_instance = new();
        private int* _ints;
        private T* _rows;
        private int _rowsLength;
        private T* _packed;
        private int _packedLength;
        private int _time, _batch, _width, _stride, _t0, _t1, _first;
        private bool _batchMajor, _scatter;
        private int _next;

        public static bool TryRun(in RnnSchedule s, ReadOnlySpan<T> rows, int width, bool batchMajor, Span<T> packed, int packedStride, int t0, int t1, bool scatter)
        {
            int end = t1 < 0 ? s.Time : t1;
            long bytes = (long)(s.Offset[end] - s.Offset[t0]) * width * sizeof(T);
            if (ParallelCopyMinBytes <= 0 || bytes < ParallelCopyMinBytes || Kernels.Gemm.MaxThreads < 2 || end - t0 < 2 || !Blas.WorkerPool.TryAcquire())
            {
                return false;
            }

            try
            {
                fixed (int* ints = s.Perm)
                fixed (T* pr = rows, pp = packed)
                {
                    var job = s_instance;
                    job._ints = ints;
                    job._rows = pr;
                    job._packed = pp;
                    (job._rowsLength, job._packedLength) = (rows.Length, packed.Length);
                    (job._time, job._batch, job._width, job._stride, job._t0, job._t1, job._first) = (s.Time, s.Batch, width, packedStride > 0 ? packedStride : width, t0, end, s.Offset[t0]);
                    (job._batchMajor, job._scatter, job._next) = (batchMajor, scatter, 0);
                    t_parallelCopies++;
                    Blas.WorkerPool.Run(job, 2, optionalWorkers: true);
                    job._ints = null;
                    job._rows = job._packed = null;
                }
            }
            finally
            {
                Blas.WorkerPool.Release();
            }

            return true;
        }

        public void Execute(int index)
        {
            var s = RnnSchedule.At(_ints, _time, _batch);
            var rows = new Span<T>(_rows, _rowsLength);
            var packed = new Span<T>(_packed, _packedLength);
            int steps = _t1 - _t0, c;
            while ((c = Interlocked.Increment(ref _next) - 1) < Chunks)
            {
                int a = _t0 + (int)((long)steps * c / Chunks), b = _t0 + (int)((long)steps * (c + 1) / Chunks);
                if (a == b)
                {
                    continue;
                }

                Span<T> at = packed[((s.Offset[a] - _first) * _stride)..];
                if (_scatter)
                {
                    Scatter(s, at, _width, _batchMajor, rows, _stride, a, b);
                }
                else
                {
                    Gather(s, rows, _width, _batchMajor, at, _stride, a, b);
                }
            }
        }
    }

    /// <summary>
    /// Copies the active rows of each step, in length order, from a (T, B, width) buffer — (B, T, width) when
    /// <paramref name="batchMajor"/> — into the packed buffer.
    /// </summary>
    /// <remarks>With a window (steps [<paramref name="t0"/>, <paramref name="t1"/>); −1: to the end), only its tokens, packed from
    /// token <paramref name="t0"/>'s offset on (the packed buffer's row 0 is the window's first token).</remarks>
    public static void Gather<T>(in RnnSchedule s, ReadOnlySpan<T> source, int width, bool batchMajor, Span<T> packed, int packedStride = 0, int t0 = 0, int t1 = -1)
    {
        int ps = packedStride > 0 ? packedStride : width;
        int end = t1 < 0 ? s.Time : t1, first = s.Offset[t0];
        for (int t = t0; t < end; t++)
        {
            int nb = s.Active[t], off = s.Offset[t] - first;
            for (int k = 0; k < nb; k++)
            {
                source.Slice(SequenceRow(batchMajor, s.Time, s.Batch, t, s.Perm[k]) * width, width).CopyTo(packed.Slice((off + k) * ps, width));
            }
        }
    }

    /// <summary>
    /// The inverse of <see cref="Gather"/>: packed rows (<paramref name="packedStride"/> apart; 0: <paramref name="width"/>) back to
    /// (T, B, width) or (B, T, width) with zeros in the rows past each length.
    /// </summary>
    /// <remarks>With a window (steps [<paramref name="t0"/>, <paramref name="t1"/>); −1: to the end), only its steps' rows, the
    /// packed buffer's row 0 being the window's first token (as <see cref="Gather"/> packs them).</remarks>
    public static void Scatter<T>(in RnnSchedule s, ReadOnlySpan<T> packed, int width, bool batchMajor, Span<T> destination, int packedStride = 0, int t0 = 0, int t1 = -1)
    {
        int ps = packedStride > 0 ? packedStride : width;
        int end = t1 < 0 ? s.Time : t1, first = s.Offset[t0];
        for (int t = t0; t < end; t++)
        {
            int nb = s.Active[t], off = s.Offset[t] - first;
            for (int k = 0; k < s.Batch; k++)
            {
                Span<T> row = destination.Slice(SequenceRow(batchMajor, s.Time, s.Batch, t, s.Perm[k]) * width, width);
                if (k < nb)
                {
                    packed.Slice((off + k) * ps, width).CopyTo(row);
                }
                else
                {
                    row.Clear();
                }
            }
        }
    }

    /// <summary>sorted[k] = source[perm[k]] for (B, width) states; an empty source gives zeros.</summary>
    public static void GatherState<T>(in RnnSchedule s, ReadOnlySpan<T> source, int width, Span<T> sorted)
    {
        if (source.IsEmpty)
        {
            sorted[..(s.Batch * width)].Clear();
            return;
        }

        for (int k = 0; k < s.Batch; k++)
        {
            source.Slice(s.Perm[k] * width, width).CopyTo(sorted.Slice(k * width, width));
        }
    }

    /// <summary>destination[perm[k]] = sorted[k] for (B, width) states; an empty destination is skipped.</summary>
    public static void ScatterState<T>(in RnnSchedule s, ReadOnlySpan<T> sorted, int width, Span<T> destination)
    {
        if (destination.IsEmpty)
        {
            return;
        }

        for (int k = 0; k < s.Batch; k++)
        {
            sorted.Slice(k * width, width).CopyTo(destination.Slice(s.Perm[k] * width, width));
        }
    }
}
