using System.Numerics;
using Recur.Kernels.Blas;

namespace Recur.Kernels;

/// <summary>
/// General matrix multiply on row-major spans (BLAS <c>?gemm</c>; what TF's <c>MatMul</c> kernel calls).
/// </summary>
/// <remarks>
/// <para>Math: <c>C[m, n] = alpha * op(A)[m, k] * op(B)[k, n] + beta * C</c>, with <c>op(X) = X</c> or <c>X^T</c>.</para>
/// <para>Shapes, all row-major: A is stored (m x k) with leading dimension <c>lda &gt;= k</c>, or (k x m)
/// with <c>lda &gt;= m</c> when <c>transA</c>; B is stored (k x n) with <c>ldb &gt;= n</c>, or (n x k) with
/// <c>ldb &gt;= k</c> when <c>transB</c>; C is (m x n) with <c>ldc &gt;= n</c>. Element (i, j) of a stored
/// matrix X is <c>x[i * ldx + j]</c>.</para>
/// <para>Implementation: products with one row or one column stream the matrix once (GEMV); everything
/// else is packed and cache-blocked around an FMA register-tile kernel (6x16 floats / 6x8 doubles on
/// AVX2, 6x8 / 6x4 on 128-bit SIMD, 4x4 scalar) and split over up to <see cref="MaxThreads"/> threads
/// above a size threshold. See docs/decisions/0002-gemm-kernel.md.</para>
/// <para>Example: <c>Gemm.Multiply(false, false, 2, 3, 4, 1f, a, 4, b, 3, 0f, c, 3);</c> computes
/// <c>c = a . b</c> for a (2 x 4) and b (4 x 3).</para>
/// </remarks>
public static class Gemm
{
    private const string Owner = "Gemm.Multiply";
    private static int s_maxThreads = Environment.ProcessorCount;

    /// <summary>A per-thread cap on <see cref="MaxThreads"/> (0: none): a wavefront task runs its layer on its own thread.</summary>
    [ThreadStatic]
    private static int t_threadLimit;

    /// <summary>Caps <see cref="MaxThreads"/> on the calling thread (0 removes the cap); returns the previous cap.</summary>
    internal static int SetThreadLimit(int limit)
    {
        int old = t_threadLimit;
        t_threadLimit = limit;
        return old;
    }

    /// <summary>
    /// The most threads one call uses (default <see cref="Environment.ProcessorCount"/>). Small products
    /// use fewer; set 1 to keep every call on the calling thread. Inside a layer-wavefront task
    /// (<see cref="Rnn.RnnWavefront"/>) it reads 1 on that task's thread.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public static int MaxThreads
    {
        get
        {
            int m = Volatile.Read(ref s_maxThreads);
            int limit = t_threadLimit;
            return limit > 0 && limit < m ? limit : m;
        }
        set
        {
            if (value < 1)
            {
                ThrowHelper.ArgumentOutOfRange(nameof(value), $"Gemm.MaxThreads: the thread count must be at least 1, but got {value}.");
            }

            Volatile.Write(ref s_maxThreads, value);
        }
    }

    /// <summary>Single precision GEMM: <c>C = alpha * op(A) * op(B) + beta * C</c> (BLAS <c>sgemm</c>, row-major).</summary>
    /// <param name="transA">Use A transposed: A is stored (k x m).</param>
    /// <param name="transB">Use B transposed: B is stored (n x k).</param>
    /// <param name="m">Rows of op(A) and of C.</param>
    /// <param name="n">Columns of op(B) and of C.</param>
    /// <param name="k">Columns of op(A), rows of op(B).</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="a">The stored A: (m x k), or (k x m) when <paramref name="transA"/>.</param>
    /// <param name="lda">Leading dimension (row stride) of the stored A.</param>
    /// <param name="b">The stored B: (k x n), or (n x k) when <paramref name="transB"/>.</param>
    /// <param name="ldb">Leading dimension (row stride) of the stored B.</param>
    /// <param name="beta">Scale of the old C; 0 overwrites C without reading it (NaNs in C are ignored).</param>
    /// <param name="c">C, (m x n); updated in place. Must not overlap A or B.</param>
    /// <param name="ldc">Leading dimension (row stride) of C.</param>
    /// <exception cref="ArgumentException">A dimension is negative, a leading dimension is smaller than
    /// its matrix's row length, or a span is too short for its matrix; the exception names the argument.</exception>
    public static void Multiply(bool transA, bool transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc) =>
        Multiply(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, MaxThreads);

    /// <summary>The same product on at most <paramref name="maxThreads"/> threads (the fused RNN kernels pass 1 from inside their own parallel parts).</summary>
    internal static unsafe void Multiply(bool transA, bool transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc, int maxThreads)
    {
        Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        fixed (float* pa = a, pb = b, pc = c)
        {
            var p = new GemmProblem<float>
            {
                A = pa, B = pb, C = pc, Lda = lda, Ldb = ldb, Ldc = ldc, M = m, N = n, K = k,
                TransA = transA, TransB = transB, Alpha = alpha, Beta = beta,
            };
            GemmDriver<float>.Multiply(ref p, maxThreads);
        }
    }

    /// <summary>Double precision GEMM: <c>C = alpha * op(A) * op(B) + beta * C</c> (BLAS <c>dgemm</c>, row-major).</summary>
    /// <param name="transA">Use A transposed: A is stored (k x m).</param>
    /// <param name="transB">Use B transposed: B is stored (n x k).</param>
    /// <param name="m">Rows of op(A) and of C.</param>
    /// <param name="n">Columns of op(B) and of C.</param>
    /// <param name="k">Columns of op(A), rows of op(B).</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="a">The stored A: (m x k), or (k x m) when <paramref name="transA"/>.</param>
    /// <param name="lda">Leading dimension (row stride) of the stored A.</param>
    /// <param name="b">The stored B: (k x n), or (n x k) when <paramref name="transB"/>.</param>
    /// <param name="ldb">Leading dimension (row stride) of the stored B.</param>
    /// <param name="beta">Scale of the old C; 0 overwrites C without reading it (NaNs in C are ignored).</param>
    /// <param name="c">C, (m x n); updated in place. Must not overlap A or B.</param>
    /// <param name="ldc">Leading dimension (row stride) of C.</param>
    /// <exception cref="ArgumentException">A dimension is negative, a leading dimension is smaller than
    /// its matrix's row length, or a span is too short for its matrix; the exception names the argument.</exception>
    public static void Multiply(bool transA, bool transB, int m, int n, int k, double alpha, ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> b, int ldb, double beta, Span<double> c, int ldc) =>
        Multiply(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, MaxThreads);

    /// <summary>The same product on at most <paramref name="maxThreads"/> threads (the fused RNN kernels pass 1 from inside their own parallel parts).</summary>
    internal static unsafe void Multiply(bool transA, bool transB, int m, int n, int k, double alpha, ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> b, int ldb, double beta, Span<double> c, int ldc, int maxThreads)
    {
        Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        fixed (double* pa = a, pb = b, pc = c)
        {
            var p = new GemmProblem<double>
            {
                A = pa, B = pb, C = pc, Lda = lda, Ldb = ldb, Ldc = ldc, M = m, N = n, K = k,
                TransA = transA, TransB = transB, Alpha = alpha, Beta = beta,
            };
            GemmDriver<double>.Multiply(ref p, maxThreads);
        }
    }

    /// <summary>
    /// <c>C = op(A)·B + beta·C</c> (B not transposed) on at most <paramref name="maxThreads"/> threads that also writes the
    /// column sums of B over its <paramref name="k"/> rows into the first <paramref name="n"/> values of
    /// <paramref name="sumsB"/> (an RNN's bias gradient beside its weight gradient: <c>Σ_t dG_t</c> beside <c>Xᵀ·dG</c>),
    /// mostly while B is packed (<see cref="GemmDriver{T}.MultiplySumB"/>).
    /// </summary>
    internal static unsafe void MultiplySumB<T>(bool transA, int m, int n, int k, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, T beta, Span<T> c, int ldc, Span<T> sumsB, int maxThreads)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Validate(transA, false, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (sumsB.Length < n)
        {
            ThrowHelper.Argument(nameof(sumsB), $"{Owner}: sumsB must hold at least n = {n} values, but holds {sumsB.Length}.");
        }

        fixed (T* pa = a, pb = b, pc = c, ps = sumsB)
        {
            var p = new GemmProblem<T>
            {
                A = pa, B = pb, C = pc, Lda = lda, Ldb = ldb, Ldc = ldc, M = m, N = n, K = k,
                TransA = transA, TransB = false, Alpha = T.One, Beta = beta,
            };
            GemmDriver<T>.MultiplySumB(ref p, ps, maxThreads);
        }
    }

    private static void Validate(bool transA, bool transB, int m, int n, int k, int aLength, int lda, int bLength, int ldb, int cLength, int ldc)
    {
        ThrowHelper.CheckNonNegative(m, Owner, nameof(m));
        ThrowHelper.CheckNonNegative(n, Owner, nameof(n));
        ThrowHelper.CheckNonNegative(k, Owner, nameof(k));
        CheckMatrix(transA ? k : m, transA ? m : k, aLength, lda, "a", nameof(lda));
        CheckMatrix(transB ? n : k, transB ? k : n, bLength, ldb, "b", nameof(ldb));
        CheckMatrix(m, n, cLength, ldc, "c", nameof(ldc));
    }

    private static void CheckMatrix(int rows, int cols, int length, int ld, string name, string ldName)
    {
        if (ld < Math.Max(1, cols))
        {
            ThrowHelper.Argument(ldName, $"{Owner}: {ldName} must be at least {Math.Max(1, cols)} for a stored {name} of shape ({rows} x {cols}), but is {ld}.");
        }

        long required = rows == 0 || cols == 0 ? 0 : ((long)(rows - 1) * ld) + cols;
        if (length < required)
        {
            ThrowHelper.Argument(name, $"{Owner}: {name} must hold at least {required} values for a stored ({rows} x {cols}) matrix with leading dimension {ld}, but has length {length}.");
        }
    }
}
