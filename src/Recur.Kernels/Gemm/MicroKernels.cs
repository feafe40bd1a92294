using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Recur.Kernels.Blas;

/// <summary>
/// A GEMM register-tile kernel: C[MR, NR] = alpha * sum_p Apanel[p] (x) Bpanel[p] + beta * C.
/// The A micro-panel is packed (MR consecutive values per k step); the B micro-panel has NR
/// contiguous values per k step with a row stride <c>ldb</c> (NR when packed, the matrix's leading
/// dimension when read in place). beta == 0 means C is not read.
/// </summary>
internal interface IMicroKernel<T>
    where T : unmanaged
{
    /// <summary>Rows of the register tile.</summary>
    static abstract int MR { get; }

    /// <summary>Columns of the register tile.</summary>
    static abstract int NR { get; }

    /// <summary>Most rows <see cref="RunRows"/> handles (0: none, edge tiles go through a scratch tile).</summary>
    static abstract int MaxPartialRows { get; }

    /// <summary>Runs the tile update; see the interface summary.</summary>
    static abstract unsafe void Run(int kc, T* a, T* b, nint ldb, T* c, nint ldc, T alpha, T beta);

    /// <summary>
    /// The update for the first <paramref name="rows"/> (1..MaxPartialRows) rows of a full-width tile,
    /// straight into C; the A panel keeps its MR-value stride.
    /// </summary>
    static abstract unsafe void RunRows(int rows, int kc, T* a, T* b, nint ldb, T* c, nint ldc, T alpha, T beta);

    /// <summary>
    /// A full tile whose B micro-panel is read in place (rows <paramref name="ldb"/> apart) and also left packed in
    /// <paramref name="packed"/> (NR values per k step) for the other row panels: the AVX2 tile packs inside its K loop,
    /// the others copy the panel first.
    /// </summary>
    static abstract unsafe void RunPackB(int kc, T* a, T* b, nint ldb, T* packed, T* c, nint ldc, T alpha, T beta);
}

/// <summary>The <see cref="IMicroKernel{T}.RunPackB"/> of the kernels that do not fuse it: copy the panel, then run the tile on the copy.</summary>
internal static class PackThenRun
{
    public static unsafe void CopyPanel<T>(int kc, int nr, T* b, nint ldb, T* packed)
        where T : unmanaged
    {
        for (int p = 0; p < kc; p++)
        {
            new ReadOnlySpan<T>(b + (p * ldb), nr).CopyTo(new Span<T>(packed + (p * nr), nr));
        }
    }
}

/// <summary>Fused multiply-add helpers that pick the hardware instruction when there is one.</summary>
internal static class Simd
{
    /// <summary>a * b + c on 16 floats / 8 doubles (AVX-512F path only).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Fma512<T>(Vector512<T> a, Vector512<T> b, Vector512<T> c)
    {
        if (typeof(T) == typeof(float))
        {
            return Avx512F.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        }

        if (typeof(T) == typeof(double))
        {
            return Avx512F.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        }

        return (a * b) + c;
    }

    /// <summary>a * b + c on 8 floats / 4 doubles (AVX2 + FMA path only).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Fma256<T>(Vector256<T> a, Vector256<T> b, Vector256<T> c)
    {
        if (typeof(T) == typeof(float))
        {
            return Fma.MultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        }

        if (typeof(T) == typeof(double))
        {
            return Fma.MultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        }

        return (a * b) + c;
    }

    /// <summary>a * b + c on 4 floats / 2 doubles: fused where the hardware has it, multiply then add otherwise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Fma128<T>(Vector128<T> a, Vector128<T> b, Vector128<T> c)
    {
        if (Fma.IsSupported)
        {
            if (typeof(T) == typeof(float))
            {
                return Fma.MultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
            }

            if (typeof(T) == typeof(double))
            {
                return Fma.MultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
            }
        }
        else if (AdvSimd.IsSupported)
        {
            if (typeof(T) == typeof(float))
            {
                return Vector128.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
            }

            if (typeof(T) == typeof(double))
            {
                return Vector128.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
            }
        }

        return (a * b) + c;
    }
}

/// <summary>AVX2/FMA register tile: 6 rows x 2 Vector256 (6x16 floats, 6x8 doubles), 12 accumulators.</summary>
internal readonly struct Kernel256<T> : IMicroKernel<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int MR => 6;

    public static int NR => 2 * Vector256<T>.Count;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Run(int kc, T* a, T* b, nint ldb, T* c, nint ldc, T alpha, T beta)
    {
        nint w = Vector256<T>.Count;

        // Start fetching the C tile now: it is needed only after kc rank-1 updates, and for large
        // matrices its rows are far apart in memory (one page each), so misses would stall the stores.
        if (Sse.IsSupported && GemmSettings.PrefetchC)
        {
            T* cr = c;
            for (int i = 0; i < 6; i++)
            {
                Sse.Prefetch0(cr);
                Sse.Prefetch0(cr + (2 * w) - 1);
                cr += ldc;
            }
        }

        Vector256<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<T> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        int p = 0;
        if (GemmSettings.UnrollK)
        {
            // Two rank-1 updates per iteration: half the loop's pointer and counter work per FMA.
            nint ldb2 = 2 * ldb;
            for (; p + 2 <= kc; p += 2)
            {
                Vector256<T> b0 = Vector256.Load(b);
                Vector256<T> b1 = Vector256.Load(b + w);
                Vector256<T> av = Vector256.Create(a[0]);
                c00 = Simd.Fma256(av, b0, c00);
                c01 = Simd.Fma256(av, b1, c01);
                av = Vector256.Create(a[1]);
                c10 = Simd.Fma256(av, b0, c10);
                c11 = Simd.Fma256(av, b1, c11);
                av = Vector256.Create(a[2]);
                c20 = Simd.Fma256(av, b0, c20);
                c21 = Simd.Fma256(av, b1, c21);
                av = Vector256.Create(a[3]);
                c30 = Simd.Fma256(av, b0, c30);
                c31 = Simd.Fma256(av, b1, c31);
                av = Vector256.Create(a[4]);
                c40 = Simd.Fma256(av, b0, c40);
                c41 = Simd.Fma256(av, b1, c41);
                av = Vector256.Create(a[5]);
                c50 = Simd.Fma256(av, b0, c50);
                c51 = Simd.Fma256(av, b1, c51);
                b0 = Vector256.Load(b + ldb);
                b1 = Vector256.Load(b + ldb + w);
                av = Vector256.Create(a[6]);
                c00 = Simd.Fma256(av, b0, c00);
                c01 = Simd.Fma256(av, b1, c01);
                av = Vector256.Create(a[7]);
                c10 = Simd.Fma256(av, b0, c10);
                c11 = Simd.Fma256(av, b1, c11);
                av = Vector256.Create(a[8]);
                c20 = Simd.Fma256(av, b0, c20);
                c21 = Simd.Fma256(av, b1, c21);
                av = Vector256.Create(a[9]);
                c30 = Simd.Fma256(av, b0, c30);
                c31 = Simd.Fma256(av, b1, c31);
                av = Vector256.Create(a[10]);
                c40 = Simd.Fma256(av, b0, c40);
                c41 = Simd.Fma256(av, b1, c41);
                av = Vector256.Create(a[11]);
                c50 = Simd.Fma256(av, b0, c50);
                c51 = Simd.Fma256(av, b1, c51);
                a += 12;
                b += ldb2;
            }
        }

        for (; p < kc; p++)
        {
            Vector256<T> b0 = Vector256.Load(b);
            Vector256<T> b1 = Vector256.Load(b + w);
            Vector256<T> av = Vector256.Create(a[0]);
            c00 = Simd.Fma256(av, b0, c00);
            c01 = Simd.Fma256(av, b1, c01);
            av = Vector256.Create(a[1]);
            c10 = Simd.Fma256(av, b0, c10);
            c11 = Simd.Fma256(av, b1, c11);
            av = Vector256.Create(a[2]);
            c20 = Simd.Fma256(av, b0, c20);
            c21 = Simd.Fma256(av, b1, c21);
            av = Vector256.Create(a[3]);
            c30 = Simd.Fma256(av, b0, c30);
            c31 = Simd.Fma256(av, b1, c31);
            av = Vector256.Create(a[4]);
            c40 = Simd.Fma256(av, b0, c40);
            c41 = Simd.Fma256(av, b1, c41);
            av = Vector256.Create(a[5]);
            c50 = Simd.Fma256(av, b0, c50);
            c51 = Simd.Fma256(av, b1, c51);
            a += 6;
            b += ldb;
        }

        Vector256<T> va = Vector256.Create(alpha);
        if (beta == T.Zero)
        {
            (c00 * va).Store(c); (c01 * va).Store(c + w); c += ldc;
            (c10 * va).Store(c); (c11 * va).Store(c + w); c += ldc;
            (c20 * va).Store(c); (c21 * va).Store(c + w); c += ldc;
            (c30 * va).Store(c); (c31 * va).Store(c + w); c += ldc;
            (c40 * va).Store(c); (c41 * va).Store(c + w); c += ldc;
            (c50 * va).Store(c); (c51 * va).Store(c + w);
        }
        else
        {
            Vector256<T> vb = Vector256.Create(beta);
            Update(c, w, c00, c01, va, vb); c += ldc;
            Update(c, w, c10, c11, va, vb); c += ldc;
            Update(c, w, c20, c21, va, vb); c += ldc;
            Update(c, w, c30, c31, va, vb); c += ldc;
            Update(c, w, c40, c41, va, vb); c += ldc;
            Update(c, w, c50, c51, va, vb);
        }
    }

    /// <summary>
    /// <see cref="Run"/> for a full tile that reads its B micro-panel in place (<paramref name="b"/>, rows
    /// <paramref name="ldb"/> apart) and copies it into <paramref name="packed"/> (NR values per k step) on the way,
    /// so that the other row panels read the packed copy: the B panel is packed by the first tile's loads, which
    /// overlap its FMAs, instead of by a separate pass before it (ADR 0002, "Packing B in the first tile").
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void RunPackB(int kc, T* a, T* b, nint ldb, T* packed, T* c, nint ldc, T alpha, T beta)
    {
        nint w = Vector256<T>.Count;
        Vector256<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<T> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            // The next panel's piece of this row (the adjacent cache line, same page): its pack then finds the line
            // in cache and the page translated. Without this, 8 KiB rows (H = 512) ran 10-15 % slower than a separate pack.
            if (Sse.IsSupported)
            {
                Sse.Prefetch0(b + (2 * w));
                Sse.Prefetch0(b + (4 * w) - 1);
            }
            Vector256<T> b0 = Vector256.Load(b);
            Vector256<T> b1 = Vector256.Load(b + w);
            b0.Store(packed);
            b1.Store(packed + w);
            Vector256<T> av = Vector256.Create(a[0]);
            c00 = Simd.Fma256(av, b0, c00);
            c01 = Simd.Fma256(av, b1, c01);
            av = Vector256.Create(a[1]);
            c10 = Simd.Fma256(av, b0, c10);
            c11 = Simd.Fma256(av, b1, c11);
            av = Vector256.Create(a[2]);
            c20 = Simd.Fma256(av, b0, c20);
            c21 = Simd.Fma256(av, b1, c21);
            av = Vector256.Create(a[3]);
            c30 = Simd.Fma256(av, b0, c30);
            c31 = Simd.Fma256(av, b1, c31);
            av = Vector256.Create(a[4]);
            c40 = Simd.Fma256(av, b0, c40);
            c41 = Simd.Fma256(av, b1, c41);
            av = Vector256.Create(a[5]);
            c50 = Simd.Fma256(av, b0, c50);
            c51 = Simd.Fma256(av, b1, c51);
            a += 6;
            b += ldb;
            packed += 2 * w;
        }

        Vector256<T> va = Vector256.Create(alpha);
        Vector256<T> vb = Vector256.Create(beta);
        bool overwrite = beta == T.Zero;
        StoreRow(c, w, c00, c01, va, vb, overwrite); c += ldc;
        StoreRow(c, w, c10, c11, va, vb, overwrite); c += ldc;
        StoreRow(c, w, c20, c21, va, vb, overwrite); c += ldc;
        StoreRow(c, w, c30, c31, va, vb, overwrite); c += ldc;
        StoreRow(c, w, c40, c41, va, vb, overwrite); c += ldc;
        StoreRow(c, w, c50, c51, va, vb, overwrite);
    }

    public static int MaxPartialRows => 4;

    /// <summary>Up to 4 rows x 2 vectors (8 accumulators): the M remainder of the 6-row panels (e.g. rows 13..16 of a batch of 16).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void RunRows(int rows, int kc, T* a, T* b, nint ldb, T* c, nint ldc, T alpha, T beta)
    {
        nint w = Vector256<T>.Count;
        Vector256<T> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector256<T> c20 = default, c21 = default, c30 = default, c31 = default;
        int p = 0;
        if (GemmSettings.UnrollK)
        {
            nint ldb2 = 2 * ldb;
            for (; p + 2 <= kc; p += 2)
            {
                Vector256<T> b0 = Vector256.Load(b);
                Vector256<T> b1 = Vector256.Load(b + w);
                Vector256<T> av = Vector256.Create(a[0]);
                c00 = Simd.Fma256(av, b0, c00);
                c01 = Simd.Fma256(av, b1, c01);
                av = Vector256.Create(a[1]);
                c10 = Simd.Fma256(av, b0, c10);
                c11 = Simd.Fma256(av, b1, c11);
                av = Vector256.Create(a[2]);
                c20 = Simd.Fma256(av, b0, c20);
                c21 = Simd.Fma256(av, b1, c21);
                av = Vector256.Create(a[3]);
                c30 = Simd.Fma256(av, b0, c30);
                c31 = Simd.Fma256(av, b1, c31);
                b0 = Vector256.Load(b + ldb);
                b1 = Vector256.Load(b + ldb + w);
                av = Vector256.Create(a[6]);
                c00 = Simd.Fma256(av, b0, c00);
                c01 = Simd.Fma256(av, b1, c01);
                av = Vector256.Create(a[7]);
                c10 = Simd.Fma256(av, b0, c10);
                c11 = Simd.Fma256(av, b1, c11);
                av = Vector256.Create(a[8]);
                c20 = Simd.Fma256(av, b0, c20);
                c21 = Simd.Fma256(av, b1, c21);
                av = Vector256.Create(a[9]);
                c30 = Simd.Fma256(av, b0, c30);
                c31 = Simd.Fma256(av, b1, c31);
                a += 12;
                b += ldb2;
            }
        }

        for (; p < kc; p++)
        {
            Vector256<T> b0 = Vector256.Load(b);
            Vector256<T> b1 = Vector256.Load(b + w);
            Vector256<T> av = Vector256.Create(a[0]);
            c00 = Simd.Fma256(av, b0, c00);
            c01 = Simd.Fma256(av, b1, c01);
            av = Vector256.Create(a[1]);
            c10 = Simd.Fma256(av, b0, c10);
            c11 = Simd.Fma256(av, b1, c11);
            av = Vector256.Create(a[2]);
            c20 = Simd.Fma256(av, b0, c20);
            c21 = Simd.Fma256(av, b1, c21);
            av = Vector256.Create(a[3]);
            c30 = Simd.Fma256(av, b0, c30);
            c31 = Simd.Fma256(av, b1, c31);
            a += 6;
            b += ldb;
        }

        Vector256<T> va = Vector256.Create(alpha);
        Vector256<T> vb = Vector256.Create(beta);
        bool overwrite = beta == T.Zero;
        StoreRow(c, w, c00, c01, va, vb, overwrite);
        if (rows > 1)
        {
            StoreRow(c + ldc, w, c10, c11, va, vb, overwrite);
        }

        if (rows > 2)
        {
            StoreRow(c + (2 * ldc), w, c20, c21, va, vb, overwrite);
        }

        if (rows > 3)
        {
            StoreRow(c + (3 * ldc), w, c30, c31, va, vb, overwrite);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreRow(T* c, nint w, Vector256<T> x0, Vector256<T> x1, Vector256<T> va, Vector256<T> vb, bool overwrite)
    {
        if (overwrite)
        {
            (x0 * va).Store(c);
            (x1 * va).Store(c + w);
        }
        else
        {
            Update(c, w, x0, x1, va, vb);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Update(T* c, nint w, Vector256<T> x0, Vector256<T> x1, Vector256<T> va, Vector256<T> vb)
    {
        Simd.Fma256(vb, Vector256.Load(c), x0 * va).Store(c);
        Simd.Fma256(vb, Vector256.Load(c + w), x1 * va).Store(c + w);
    }
}

/// <summary>
/// AVX-512 register tile: 8 rows x 1 Vector512 (8x16 floats, 8x8 doubles), 8 accumulators. Its panels are the AVX2
/// tile's (NR is the same 16 floats / 8 doubles), so weights packed for one run on the other, and each C value is the
/// same chain of FMAs over k in the same order, so both tiles give bitwise the same products (ADR 0002, "The AVX-512
/// tile"). On Zen 4, whose 512-bit FMAs are double-pumped, it reaches the FMA units' ceiling where the 6x16 AVX2 tile,
/// with one broadcast per two FMAs, stays near 84 %.
/// </summary>
internal readonly struct Kernel512<T> : IMicroKernel<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int MR => 8;

    public static int NR => Vector512<T>.Count;

    public static int MaxPartialRows => 7;

    /// <summary>True where the tile runs: 512-bit vectors accelerated, with AVX-512F.</summary>
    public static bool IsSupported => Vector512.IsHardwareAccelerated && Avx512F.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Run(int kc, T* a, T* b, nint ldb, T* c, nint ldc, T alpha, T beta)
    {
        if (Sse.IsSupported && GemmSettings.PrefetchC)
        {
            T* cr = c;
            for (int i = 0; i < 8; i++)
            {
                Sse.Prefetch0(cr);
                Sse.Prefetch0(cr + Vector512<T>.Count - 1);
                cr += ldc;
            }
        }

        Vector512<T> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        int p = 0;
        nint ldb2 = 2 * ldb;
        for (; p + 2 <= kc; p += 2)
        {
            Vector512<T> b0 = Vector512.Load(b);
            c0 = Simd.Fma512(Vector512.Create(a[0]), b0, c0);
            c1 = Simd.Fma512(Vector512.Create(a[1]), b0, c1);
            c2 = Simd.Fma512(Vector512.Create(a[2]), b0, c2);
            c3 = Simd.Fma512(Vector512.Create(a[3]), b0, c3);
            c4 = Simd.Fma512(Vector512.Create(a[4]), b0, c4);
            c5 = Simd.Fma512(Vector512.Create(a[5]), b0, c5);
            c6 = Simd.Fma512(Vector512.Create(a[6]), b0, c6);
            c7 = Simd.Fma512(Vector512.Create(a[7]), b0, c7);
            b0 = Vector512.Load(b + ldb);
            c0 = Simd.Fma512(Vector512.Create(a[8]), b0, c0);
            c1 = Simd.Fma512(Vector512.Create(a[9]), b0, c1);
            c2 = Simd.Fma512(Vector512.Create(a[10]), b0, c2);
            c3 = Simd.Fma512(Vector512.Create(a[11]), b0, c3);
            c4 = Simd.Fma512(Vector512.Create(a[12]), b0, c4);
            c5 = Simd.Fma512(Vector512.Create(a[13]), b0, c5);
            c6 = Simd.Fma512(Vector512.Create(a[14]), b0, c6);
            c7 = Simd.Fma512(Vector512.Create(a[15]), b0, c7);
            a += 16;
            b += ldb2;
        }

        if (p < kc)
        {
            Vector512<T> b0 = Vector512.Load(b);
            c0 = Simd.Fma512(Vector512.Create(a[0]), b0, c0);
            c1 = Simd.Fma512(Vector512.Create(a[1]), b0, c1);
            c2 = Simd.Fma512(Vector512.Create(a[2]), b0, c2);
            c3 = Simd.Fma512(Vector512.Create(a[3]), b0, c3);
            c4 = Simd.Fma512(Vector512.Create(a[4]), b0, c4);
            c5 = Simd.Fma512(Vector512.Create(a[5]), b0, c5);
            c6 = Simd.Fma512(Vector512.Create(a[6]), b0, c6);
            c7 = Simd.Fma512(Vector512.Create(a[7]), b0, c7);
        }

        Store(8, c, ldc, alpha, beta, c0, c1, c2, c3, c4, c5, c6, c7);
    }

    /// <summary>
    /// The first <paramref name="rows"/> (1..7) rows: up to 4 rows run four accumulator chains (enough to cover the FMA
    /// latency at one 512-bit FMA a cycle), 5 to 7 one chain a row (<see cref="GemmSettings.ExactPartialRows"/>; else the
    /// full tile, storing their rows: the panel's padding rows are zeros). Every row's chain adds the same products in the
    /// same order as the full tile's, so the results are bitwise the same either way.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void RunRows(int rows, int kc, T* a, T* b, nint ldb, T* c, nint ldc, T alpha, T beta)
    {
        if (rows > 4 && GemmSettings.ExactPartialRows)
        {
            switch (rows)
            {
                case 5: RunExact<Rows5>(kc, a, b, ldb, c, ldc, alpha, beta); return;
                case 6: RunExact<Rows6>(kc, a, b, ldb, c, ldc, alpha, beta); return;
                default: RunExact<Rows7>(kc, a, b, ldb, c, ldc, alpha, beta); return;
            }
        }

        Vector512<T> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        if (rows <= 4)
        {
            for (int p = 0; p < kc; p++)
            {
                Vector512<T> b0 = Vector512.Load(b);
                c0 = Simd.Fma512(Vector512.Create(a[0]), b0, c0);
                c1 = Simd.Fma512(Vector512.Create(a[1]), b0, c1);
                c2 = Simd.Fma512(Vector512.Create(a[2]), b0, c2);
                c3 = Simd.Fma512(Vector512.Create(a[3]), b0, c3);
                a += 8;
                b += ldb;
            }
        }
        else
        {
            for (int p = 0; p < kc; p++)
            {
                Vector512<T> b0 = Vector512.Load(b);
                c0 = Simd.Fma512(Vector512.Create(a[0]), b0, c0);
                c1 = Simd.Fma512(Vector512.Create(a[1]), b0, c1);
                c2 = Simd.Fma512(Vector512.Create(a[2]), b0, c2);
                c3 = Simd.Fma512(Vector512.Create(a[3]), b0, c3);
                c4 = Simd.Fma512(Vector512.Create(a[4]), b0, c4);
                c5 = Simd.Fma512(Vector512.Create(a[5]), b0, c5);
                c6 = Simd.Fma512(Vector512.Create(a[6]), b0, c6);
                c7 = Simd.Fma512(Vector512.Create(a[7]), b0, c7);
                a += 8;
                b += ldb;
            }
        }

        Store(rows, c, ldc, alpha, beta, c0, c1, c2, c3, c4, c5, c6, c7);
    }

    /// <summary>
    /// <typeparamref name="TRows"/>.Value (5..7) rows, one accumulator chain each: the JIT compiles one loop per row count,
    /// with no FMA for the panel's zero padding rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void RunExact<TRows>(int kc, T* a, T* b, nint ldb, T* c, nint ldc, T alpha, T beta)
        where TRows : struct, IRowCount
    {
        Vector512<T> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<T> b0 = Vector512.Load(b);
            c0 = Simd.Fma512(Vector512.Create(a[0]), b0, c0);
            c1 = Simd.Fma512(Vector512.Create(a[1]), b0, c1);
            c2 = Simd.Fma512(Vector512.Create(a[2]), b0, c2);
            c3 = Simd.Fma512(Vector512.Create(a[3]), b0, c3);
            c4 = Simd.Fma512(Vector512.Create(a[4]), b0, c4);
            if (TRows.Value > 5)
            {
                c5 = Simd.Fma512(Vector512.Create(a[5]), b0, c5);
            }

            if (TRows.Value > 6)
            {
                c6 = Simd.Fma512(Vector512.Create(a[6]), b0, c6);
            }

            a += 8;
            b += ldb;
        }

        Store(TRows.Value, c, ldc, alpha, beta, c0, c1, c2, c3, c4, c5, c6, default);
    }

    /// <summary><see cref="Run"/> reading its B micro-panel in place and leaving it packed in <paramref name="packed"/> on the way.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void RunPackB(int kc, T* a, T* b, nint ldb, T* packed, T* c, nint ldc, T alpha, T beta)
    {
        nint w = Vector512<T>.Count;
        Vector512<T> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        for (int p = 0; p < kc; p++)
        {
            if (Sse.IsSupported)
            {
                // The next panel's piece of this row (the adjacent cache line): its pack then finds it in cache.
                Sse.Prefetch0(b + w);
            }

            Vector512<T> b0 = Vector512.Load(b);
            b0.Store(packed);
            c0 = Simd.Fma512(Vector512.Create(a[0]), b0, c0);
            c1 = Simd.Fma512(Vector512.Create(a[1]), b0, c1);
            c2 = Simd.Fma512(Vector512.Create(a[2]), b0, c2);
            c3 = Simd.Fma512(Vector512.Create(a[3]), b0, c3);
            c4 = Simd.Fma512(Vector512.Create(a[4]), b0, c4);
            c5 = Simd.Fma512(Vector512.Create(a[5]), b0, c5);
            c6 = Simd.Fma512(Vector512.Create(a[6]), b0, c6);
            c7 = Simd.Fma512(Vector512.Create(a[7]), b0, c7);
            a += 8;
            b += ldb;
            packed += w;
        }

        Store(8, c, ldc, alpha, beta, c0, c1, c2, c3, c4, c5, c6, c7);
    }

    /// <summary>Writes the first <paramref name="rows"/> accumulators: alpha·x, or beta·C + alpha·x (the AVX2 tile's arithmetic).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Store(int rows, T* c, nint ldc, T alpha, T beta, Vector512<T> c0, Vector512<T> c1, Vector512<T> c2, Vector512<T> c3, Vector512<T> c4, Vector512<T> c5, Vector512<T> c6, Vector512<T> c7)
    {
        Vector512<T> va = Vector512.Create(alpha);
        Vector512<T> vb = Vector512.Create(beta);
        bool overwrite = beta == T.Zero;
        StoreRow(c, c0, va, vb, overwrite);
        if (rows > 1)
        {
            StoreRow(c + ldc, c1, va, vb, overwrite);
        }

        if (rows > 2)
        {
            StoreRow(c + (2 * ldc), c2, va, vb, overwrite);
        }

        if (rows > 3)
        {
            StoreRow(c + (3 * ldc), c3, va, vb, overwrite);
        }

        if (rows > 4)
        {
            StoreRow(c + (4 * ldc), c4, va, vb, overwrite);
        }

        if (rows > 5)
        {
            StoreRow(c + (5 * ldc), c5, va, vb, overwrite);
        }

        if (rows > 6)
        {
            StoreRow(c + (6 * ldc), c6, va, vb, overwrite);
        }

        if (rows > 7)
        {
            StoreRow(c + (7 * ldc), c7, va, vb, overwrite);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreRow(T* c, Vector512<T> x, Vector512<T> va, Vector512<T> vb, bool overwrite)
    {
        if (overwrite)
        {
            (x * va).Store(c);
        }
        else
        {
            Simd.Fma512(vb, Vector512.Load(c), x * va).Store(c);
        }
    }
}

/// <summary>128-bit register tile (SSE, NEON): 6 rows x 2 Vector128 (6x8 floats, 6x4 doubles).</summary>
internal readonly struct Kernel128<T> : IMicroKernel<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int MR => 6;

    public static int NR => 2 * Vector128<T>.Count;

    public static int MaxPartialRows => 0;

    public static unsafe void RunRows(int rows, int kc, T* a, T* b, nint ldb, T* c, nint ldc, T alpha, T beta) =>
        throw new NotSupportedException();

    public static unsafe void RunPackB(int kc, T* a, T* b, nint ldb, T* packed, T* c, nint ldc, T alpha, T beta)
    {
        PackThenRun.CopyPanel(kc, NR, b, ldb, packed);
        Run(kc, a, packed, NR, c, ldc, alpha, beta);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Run(int kc, T* a, T* b, nint ldb, T* c, nint ldc, T alpha, T beta)
    {
        nint w = Vector128<T>.Count;
        Vector128<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector128<T> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector128<T> b0 = Vector128.Load(b);
            Vector128<T> b1 = Vector128.Load(b + w);
            Vector128<T> av = Vector128.Create(a[0]);
            c00 = Simd.Fma128(av, b0, c00);
            c01 = Simd.Fma128(av, b1, c01);
            av = Vector128.Create(a[1]);
            c10 = Simd.Fma128(av, b0, c10);
            c11 = Simd.Fma128(av, b1, c11);
            av = Vector128.Create(a[2]);
            c20 = Simd.Fma128(av, b0, c20);
            c21 = Simd.Fma128(av, b1, c21);
            av = Vector128.Create(a[3]);
            c30 = Simd.Fma128(av, b0, c30);
            c31 = Simd.Fma128(av, b1, c31);
            av = Vector128.Create(a[4]);
            c40 = Simd.Fma128(av, b0, c40);
            c41 = Simd.Fma128(av, b1, c41);
            av = Vector128.Create(a[5]);
            c50 = Simd.Fma128(av, b0, c50);
            c51 = Simd.Fma128(av, b1, c51);
            a += 6;
            b += ldb;
        }

        Vector128<T> va = Vector128.Create(alpha);
        if (beta == T.Zero)
        {
            (c00 * va).Store(c); (c01 * va).Store(c + w); c += ldc;
            (c10 * va).Store(c); (c11 * va).Store(c + w); c += ldc;
            (c20 * va).Store(c); (c21 * va).Store(c + w); c += ldc;
            (c30 * va).Store(c); (c31 * va).Store(c + w); c += ldc;
            (c40 * va).Store(c); (c41 * va).Store(c + w); c += ldc;
            (c50 * va).Store(c); (c51 * va).Store(c + w);
        }
        else
        {
            Vector128<T> vb = Vector128.Create(beta);
            Update(c, w, c00, c01, va, vb); c += ldc;
            Update(c, w, c10, c11, va, vb); c += ldc;
            Update(c, w, c20, c21, va, vb); c += ldc;
            Update(c, w, c30, c31, va, vb); c += ldc;
            Update(c, w, c40, c41, va, vb); c += ldc;
            Update(c, w, c50, c51, va, vb);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Update(T* c, nint w, Vector128<T> x0, Vector128<T> x1, Vector128<T> va, Vector128<T> vb)
    {
        Simd.Fma128(vb, Vector128.Load(c), x0 * va).Store(c);
        Simd.Fma128(vb, Vector128.Load(c + w), x1 * va).Store(c + w);
    }
}

/// <summary>Portable scalar register tile, 4x4: the fallback when no SIMD is accelerated.</summary>
internal readonly struct KernelScalar<T> : IMicroKernel<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int MR => 4;

    public static int NR => 4;

    public static int MaxPartialRows => 0;

    public static unsafe void RunRows(int rows, int kc, T* a, T* b, nint ldb, T* c, nint ldc, T alpha, T beta) =>
        throw new NotSupportedException();

    public static unsafe void RunPackB(int kc, T* a, T* b, nint ldb, T* packed, T* c, nint ldc, T alpha, T beta)
    {
        PackThenRun.CopyPanel(kc, NR, b, ldb, packed);
        Run(kc, a, packed, NR, c, ldc, alpha, beta);
    }

    public static unsafe void Run(int kc, T* a, T* b, nint ldb, T* c, nint ldc, T alpha, T beta)
    {
        T* acc = stackalloc T[16];
        for (int i = 0; i < 16; i++)
        {
            acc[i] = T.Zero;
        }

        for (int p = 0; p < kc; p++)
        {
            for (int i = 0; i < 4; i++)
            {
                T ai = a[i];
                acc[(i * 4) + 0] += ai * b[0];
                acc[(i * 4) + 1] += ai * b[1];
                acc[(i * 4) + 2] += ai * b[2];
                acc[(i * 4) + 3] += ai * b[3];
            }

            a += 4;
            b += ldb;
        }

        for (int i = 0; i < 4; i++)
        {
            T* ci = c + (i * ldc);
            for (int j = 0; j < 4; j++)
            {
                ci[j] = beta == T.Zero ? alpha * acc[(i * 4) + j] : (alpha * acc[(i * 4) + j]) + (beta * ci[j]);
            }
        }
    }
}

/// <summary>A row count known when the JIT compiles a kernel (<see cref="Kernel512{T}"/>'s 5- to 7-row loops).</summary>
internal interface IRowCount
{
    static abstract int Value { get; }
}

internal readonly struct Rows5 : IRowCount
{
    public static int Value => 5;
}

internal readonly struct Rows6 : IRowCount
{
    public static int Value => 6;
}

internal readonly struct Rows7 : IRowCount
{
    public static int Value => 7;
}
