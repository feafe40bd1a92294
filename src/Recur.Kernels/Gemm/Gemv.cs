using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Recur.Kernels.Blas;

/// <summary>
/// Matrix-vector products for GEMM calls with M == 1 or N == 1 (the B=1 recurrent step). Packing
/// would read the matrix twice for one use of each value; these kernels stream it once, in one of
/// two forms: "axpy" (y = sum_p x[p] * row_p, rows contiguous in the output index) and "dot"
/// (y[j] = dot(x, row_j), rows contiguous in the reduction index).
/// </summary>
internal static unsafe class Gemv<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly Job s_job = new();

    public static void Multiply(ref GemmProblem<T> p, int maxThreads)
    {
        Debug.Assert(p.M == 1 || p.N == 1, "GEMV handles one row or one column");
        if (p.M == 1)
        {
            // C[0, :] = alpha * x . op(B) + beta * C[0, :], x = op(A)[0, :].
            T* x = Contiguous(p.A, p.TransA ? p.Lda : 1, p.K, PackBuffer<T>.ForA(p.K));
            if (!p.TransB)
            {
                Run(Form.Axpy, x, p.K, p.B, p.Ldb, p.N, p.C, 1, p.Alpha, p.Beta, maxThreads);
            }
            else
            {
                Run(Form.Dot, x, p.K, p.B, p.Ldb, p.N, p.C, 1, p.Alpha, p.Beta, maxThreads);
            }
        }
        else
        {
            // C[:, 0] = alpha * op(A) . x + beta * C[:, 0], x = op(B)[:, 0].
            T* x = Contiguous(p.B, p.TransB ? 1 : p.Ldb, p.K, PackBuffer<T>.ForA(p.K));
            if (!p.TransA)
            {
                Run(Form.Dot, x, p.K, p.A, p.Lda, p.M, p.C, p.Ldc, p.Alpha, p.Beta, maxThreads);
            }
            else if (p.Ldc == 1)
            {
                Run(Form.Axpy, x, p.K, p.A, p.Lda, p.M, p.C, 1, p.Alpha, p.Beta, maxThreads);
            }
            else
            {
                // Strided output: accumulate into a contiguous scratch row, then scatter.
                T* y = PackBuffer<T>.ForB(p.M);
                Run(Form.Axpy, x, p.K, p.A, p.Lda, p.M, y, 1, T.One, T.Zero, maxThreads);
                for (int i = 0; i < p.M; i++)
                {
                    T* ci = p.C + (i * p.Ldc);
                    *ci = p.Beta == T.Zero ? p.Alpha * y[i] : (p.Alpha * y[i]) + (p.Beta * *ci);
                }
            }
        }
    }

    private enum Form
    {
        Axpy,
        Dot,
    }

    private static T* Contiguous(T* src, nint stride, int k, T* scratch)
    {
        if (stride == 1)
        {
            return src;
        }

        for (int p = 0; p < k; p++)
        {
            scratch[p] = src[p * stride];
        }

        return scratch;
    }

    private static void Run(Form form, T* x, int k, T* mat, nint ldm, int n, T* y, nint incy, T alpha, T beta, int maxThreads)
    {
        long size = (long)k * n;
        int threads = (int)Math.Min(maxThreads, Math.Max(1, size / GemmSettings.GemvValuesPerThread));
        threads = (int)Math.Min(threads, Math.Max(1, (n + 63) / 64));
        if (threads > 1 && WorkerPool.TryAcquire())
        {
            try
            {
                s_job.Set(form, x, k, mat, ldm, n, y, incy, alpha, beta, threads);
                WorkerPool.Run(s_job, threads, optionalWorkers: true);
                return;
            }
            finally
            {
                WorkerPool.Release();
            }
        }

        RunRange(form, x, k, mat, ldm, 0, n, y, incy, alpha, beta);
    }

    private static void RunRange(Form form, T* x, int k, T* mat, nint ldm, int j0, int j1, T* y, nint incy, T alpha, T beta)
    {
        if (form == Form.Axpy)
        {
            Debug.Assert(incy == 1, "axpy writes a contiguous row");
            Axpy(x, k, mat + j0, ldm, j1 - j0, y + j0, alpha, beta);
        }
        else
        {
            Dot(x, k, mat + (j0 * ldm), ldm, j1 - j0, y + (j0 * incy), incy, alpha, beta);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<T> Fma(Vector<T> a, Vector<T> b, Vector<T> c)
    {
        if (System.Runtime.Intrinsics.X86.Fma.IsSupported || AdvSimd.IsSupported)
        {
            if (typeof(T) == typeof(float))
            {
                return Vector.FusedMultiplyAdd(a.As<T, float>(), b.As<T, float>(), c.As<T, float>()).As<float, T>();
            }

            if (typeof(T) == typeof(double))
            {
                return Vector.FusedMultiplyAdd(a.As<T, double>(), b.As<T, double>(), c.As<T, double>()).As<double, T>();
            }
        }

        return (a * b) + c;
    }

    /// <summary>
    /// y[0..n) = alpha * sum_p x[p] * mat[p * ldm + j] + beta * y (beta == 0: y not read). The matrix is
    /// streamed row by row, four rows per pass over y (y stays in L1), so the hardware prefetchers see
    /// four sequential streams instead of one strided walk per column block.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Axpy(T* x, int k, T* mat, nint ldm, int n, T* y, T alpha, T beta)
    {
        int p = 0;
        for (; p + 4 <= k; p += 4)
        {
            T* r0 = mat + (p * ldm);
            AxpyPass4(r0, r0 + ldm, r0 + (2 * ldm), r0 + (3 * ldm), alpha * x[p], alpha * x[p + 1], alpha * x[p + 2], alpha * x[p + 3], n, y, p == 0 ? beta : T.One);
        }

        for (; p < k; p++)
        {
            AxpyPass1(mat + (p * ldm), alpha * x[p], n, y, p == 0 ? beta : T.One);
        }
    }

    /// <summary>y = scale * y + s0 * r0 + s1 * r1 + s2 * r2 + s3 * r3 (scale == 0: y not read).</summary>
    private static void AxpyPass4(T* r0, T* r1, T* r2, T* r3, T s0, T s1, T s2, T s3, int n, T* y, T scale)
    {
        int w = Vector<T>.Count;
        bool overwrite = scale == T.Zero;
        int j = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var v0 = new Vector<T>(s0);
            var v1 = new Vector<T>(s1);
            var v2 = new Vector<T>(s2);
            var v3 = new Vector<T>(s3);
            var vs = new Vector<T>(scale);
            for (; j + (2 * w) <= n; j += 2 * w)
            {
                Vector<T> acc0 = overwrite ? Vector<T>.Zero : Vector.Load(y + j) * vs;
                Vector<T> acc1 = overwrite ? Vector<T>.Zero : Vector.Load(y + j + w) * vs;
                acc0 = Fma(v0, Vector.Load(r0 + j), acc0);
                acc1 = Fma(v0, Vector.Load(r0 + j + w), acc1);
                acc0 = Fma(v1, Vector.Load(r1 + j), acc0);
                acc1 = Fma(v1, Vector.Load(r1 + j + w), acc1);
                acc0 = Fma(v2, Vector.Load(r2 + j), acc0);
                acc1 = Fma(v2, Vector.Load(r2 + j + w), acc1);
                acc0 = Fma(v3, Vector.Load(r3 + j), acc0);
                acc1 = Fma(v3, Vector.Load(r3 + j + w), acc1);
                acc0.Store(y + j);
                acc1.Store(y + j + w);
            }

            for (; j + w <= n; j += w)
            {
                Vector<T> acc0 = overwrite ? Vector<T>.Zero : Vector.Load(y + j) * vs;
                acc0 = Fma(v0, Vector.Load(r0 + j), acc0);
                acc0 = Fma(v1, Vector.Load(r1 + j), acc0);
                acc0 = Fma(v2, Vector.Load(r2 + j), acc0);
                acc0 = Fma(v3, Vector.Load(r3 + j), acc0);
                acc0.Store(y + j);
            }
        }

        for (; j < n; j++)
        {
            T acc = overwrite ? T.Zero : y[j] * scale;
            acc += s0 * r0[j];
            acc += s1 * r1[j];
            acc += s2 * r2[j];
            acc += s3 * r3[j];
            y[j] = acc;
        }
    }

    /// <summary>y = scale * y + s0 * r0 (scale == 0: y not read).</summary>
    private static void AxpyPass1(T* r0, T s0, int n, T* y, T scale)
    {
        int w = Vector<T>.Count;
        bool overwrite = scale == T.Zero;
        int j = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var v0 = new Vector<T>(s0);
            var vs = new Vector<T>(scale);
            for (; j + w <= n; j += w)
            {
                Vector<T> acc0 = overwrite ? Vector<T>.Zero : Vector.Load(y + j) * vs;
                Fma(v0, Vector.Load(r0 + j), acc0).Store(y + j);
            }
        }

        for (; j < n; j++)
        {
            y[j] = (overwrite ? T.Zero : y[j] * scale) + (s0 * r0[j]);
        }
    }

    /// <summary>y[j * incy] = alpha * dot(x, mat[j * ldm ..]) + beta * y[j * incy] for j &lt; n.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot(T* x, int k, T* mat, nint ldm, int n, T* y, nint incy, T alpha, T beta)
    {
        int w = Vector<T>.Count;
        bool overwrite = beta == T.Zero;
        int j = 0;
        for (; j + 4 <= n; j += 4)
        {
            T* r0 = mat + (j * ldm);
            T* r1 = r0 + ldm;
            T* r2 = r1 + ldm;
            T* r3 = r2 + ldm;
            Vector<T> a0 = default, a1 = default, a2 = default, a3 = default;
            int p = 0;
            if (Vector.IsHardwareAccelerated)
            {
                for (; p + w <= k; p += w)
                {
                    Vector<T> xv = Vector.Load(x + p);
                    a0 = Fma(Vector.Load(r0 + p), xv, a0);
                    a1 = Fma(Vector.Load(r1 + p), xv, a1);
                    a2 = Fma(Vector.Load(r2 + p), xv, a2);
                    a3 = Fma(Vector.Load(r3 + p), xv, a3);
                }
            }

            T s0 = Vector.Sum(a0), s1 = Vector.Sum(a1), s2 = Vector.Sum(a2), s3 = Vector.Sum(a3);
            for (; p < k; p++)
            {
                T xp = x[p];
                s0 += r0[p] * xp;
                s1 += r1[p] * xp;
                s2 += r2[p] * xp;
                s3 += r3[p] * xp;
            }

            Store(y + (j * incy), s0, alpha, beta, overwrite);
            Store(y + ((j + 1) * incy), s1, alpha, beta, overwrite);
            Store(y + ((j + 2) * incy), s2, alpha, beta, overwrite);
            Store(y + ((j + 3) * incy), s3, alpha, beta, overwrite);
        }

        for (; j < n; j++)
        {
            T* r0 = mat + (j * ldm);
            Vector<T> a0 = default;
            int p = 0;
            if (Vector.IsHardwareAccelerated)
            {
                for (; p + w <= k; p += w)
                {
                    a0 = Fma(Vector.Load(r0 + p), Vector.Load(x + p), a0);
                }
            }

            T s0 = Vector.Sum(a0);
            for (; p < k; p++)
            {
                s0 += r0[p] * x[p];
            }

            Store(y + (j * incy), s0, alpha, beta, overwrite);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(T* y, T s, T alpha, T beta, bool overwrite) =>
        *y = overwrite ? alpha * s : (alpha * s) + (beta * *y);

    /// <summary>
    /// The output index range in chunks (two per thread, on multiples of 64 values) taken from a shared
    /// counter, so a thread that starts late takes fewer and one that never started is called off. Each
    /// output value is computed as on one thread (the same rows, in the same order, with the same vector
    /// alignment), so the result is bitwise the single-thread one.
    /// </summary>
    private sealed class Job : IParallelJob
    {
        private Form _form;
        private T* _x;
        private int _k;
        private T* _mat;
        private nint _ldm;
        private int _n;
        private T* _y;
        private nint _incy;
        private T _alpha;
        private T _beta;
        private int _chunk;
        private int _next;

        public void Set(Form form, T* x, int k, T* mat, nint ldm, int n, T* y, nint incy, T alpha, T beta, int parts)
        {
            _form = form;
            _x = x;
            _k = k;
            _mat = mat;
            _ldm = ldm;
            _n = n;
            _y = y;
            _incy = incy;
            _alpha = alpha;
            _beta = beta;
            _chunk = Math.Max(64, (n + (2 * parts * 64) - 1) / (2 * parts * 64) * 64);
            _next = 0;
        }

        public void Execute(int index)
        {
            int chunks = (_n + _chunk - 1) / _chunk;
            int c;
            while (Volatile.Read(ref _next) < chunks && (c = Interlocked.Increment(ref _next) - 1) < chunks)
            {
                int j0 = c * _chunk;
                RunRange(_form, _x, _k, _mat, _ldm, j0, Math.Min(_n, j0 + _chunk), _y, _incy, _alpha, _beta);
            }
        }
    }
}
