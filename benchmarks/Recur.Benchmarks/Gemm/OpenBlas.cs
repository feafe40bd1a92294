using System.Runtime.InteropServices;

namespace Recur.Benchmarks.Gemm;

/// <summary>P/Invoke to OpenBLAS (Debian <c>libopenblas0-pthread</c>: <c>libopenblas.so.0</c>), the peer for SGEMM.</summary>
internal static unsafe partial class OpenBlas
{
    private const string Library = "libopenblas.so.0";

    public const int RowMajor = 101;
    public const int NoTrans = 111;
    public const int Trans = 112;

    private static bool? s_available;

    /// <summary>Whether the library loads on this machine.</summary>
    public static bool Available => s_available ??= NativeLibrary.TryLoad(Library, out _);

    [LibraryImport(Library, EntryPoint = "cblas_sgemm")]
    private static partial void CblasSgemm(int order, int transA, int transB, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc);

    [LibraryImport(Library, EntryPoint = "openblas_set_num_threads")]
    public static partial void SetNumThreads(int threads);

    public static void Sgemm(int m, int n, int k, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c)
    {
        fixed (float* pa = a, pb = b, pc = c)
        {
            CblasSgemm(RowMajor, NoTrans, NoTrans, m, n, k, 1f, pa, k, pb, n, 0f, pc, n);
        }
    }

    /// <summary>C = op(A)·op(B) for a benchmark shape (transposes and leading dimensions from the shape).</summary>
    public static void Sgemm(GemmShape s, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c)
    {
        fixed (float* pa = a, pb = b, pc = c)
        {
            CblasSgemm(RowMajor, s.TransA ? Trans : NoTrans, s.TransB ? Trans : NoTrans, s.M, s.N, s.K, 1f, pa, s.Lda, pb, s.Ldb, 0f, pc, s.N);
        }
    }
}
