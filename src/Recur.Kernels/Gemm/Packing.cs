using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Recur.Kernels.Blas;

/// <summary>
/// Packs blocks of op(A) and op(B) into the panel layouts the micro-kernels read: A as MR-row
/// panels (MR consecutive values per k step), B as NR-column panels (NR consecutive values per k
/// step). Transposes are resolved here, and partial panels are zero-padded so that the kernel
/// always computes a full register tile.
/// </summary>
internal static unsafe class Packing<T, TK>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TK : struct, IMicroKernel<T>
{
    /// <summary>Packs op(A)[i0 .. i0+mc, p0 .. p0+kc] into ceil(mc/MR) panels of MR*kc values.</summary>
    public static void PackA(T* dst, T* a, nint lda, bool transA, int i0, int mc, int p0, int kc)
    {
        int mrFull = TK.MR;
        for (int ir = 0; ir < mc; ir += mrFull)
        {
            int mr = Math.Min(mrFull, mc - ir);
            if (!transA)
            {
                // A(i, p) = a[i * lda + p]: gather one value from each of mr rows per k step.
                T* src = a + ((i0 + ir) * lda) + p0;
                if (mr == 6 && mrFull == 6)
                {
                    T* r0 = src, r1 = src + lda, r2 = src + (2 * lda), r3 = src + (3 * lda), r4 = src + (4 * lda), r5 = src + (5 * lda);
                    T* d = dst;
                    for (int p = 0; p < kc; p++)
                    {
                        d[0] = r0[p];
                        d[1] = r1[p];
                        d[2] = r2[p];
                        d[3] = r3[p];
                        d[4] = r4[p];
                        d[5] = r5[p];
                        d += 6;
                    }
                }
                else
                {
                    for (int p = 0; p < kc; p++)
                    {
                        T* d = dst + (p * mrFull);
                        int i = 0;
                        for (; i < mr; i++)
                        {
                            d[i] = src[(i * lda) + p];
                        }

                        for (; i < mrFull; i++)
                        {
                            d[i] = T.Zero;
                        }
                    }
                }
            }
            else
            {
                // A(i, p) = a[p * lda + i]: mr contiguous values per k step.
                T* src = a + (p0 * lda) + i0 + ir;
                if (mr == 6 && mrFull == 6 && GemmSettings.VectorPackAT)
                {
                    // A full panel: four values as one vector, then two.
                    for (int p = 0; p < kc; p++)
                    {
                        T* s = src + (p * lda);
                        T* d = dst + (p * 6);
                        if (Vector128<T>.Count == 4 && Vector128.IsHardwareAccelerated)
                        {
                            Vector128.Load(s).Store(d);
                        }
                        else if (Vector256<T>.Count == 4 && Vector256.IsHardwareAccelerated)
                        {
                            Vector256.Load(s).Store(d);
                        }
                        else
                        {
                            d[0] = s[0];
                            d[1] = s[1];
                            d[2] = s[2];
                            d[3] = s[3];
                        }

                        d[4] = s[4];
                        d[5] = s[5];
                    }

                    dst += mrFull * kc;
                    continue;
                }

                for (int p = 0; p < kc; p++)
                {
                    T* s = src + (p * lda);
                    T* d = dst + (p * mrFull);
                    int i = 0;
                    for (; i < mr; i++)
                    {
                        d[i] = s[i];
                    }

                    for (; i < mrFull; i++)
                    {
                        d[i] = T.Zero;
                    }
                }
            }

            dst += mrFull * kc;
        }
    }

    /// <summary>Packs op(B)[p0 .. p0+kc, j0 .. j0+nc] into ceil(nc/NR) panels of kc*NR values.</summary>
    /// <remarks>With <paramref name="prefetchNext"/>, also prefetches the next NR columns (the next panel) of each row.</remarks>
    public static void PackB(T* dst, T* b, nint ldb, bool transB, int p0, int kc, int j0, int nc, bool prefetchNext = false)
    {
        int nrFull = TK.NR;
        for (int jr = 0; jr < nc; jr += nrFull)
        {
            int nr = Math.Min(nrFull, nc - jr);
            if (!transB)
            {
                T* src = b + (p0 * ldb) + j0 + jr;
                if (nr == nrFull && prefetchNext && Sse.IsSupported)
                {
                    for (int p = 0; p < kc; p++)
                    {
                        T* s = src + (p * ldb);
                        Sse.Prefetch0(s + nrFull);
                        Sse.Prefetch0(s + (2 * nrFull) - 1);
                        CopyRow(s, dst + (p * nrFull));
                    }
                }
                else if (nr == nrFull)
                {
                    for (int p = 0; p < kc; p++)
                    {
                        CopyRow(src + (p * ldb), dst + (p * nrFull));
                    }
                }
                else
                {
                    for (int p = 0; p < kc; p++)
                    {
                        T* s = src + (p * ldb);
                        T* d = dst + (p * nrFull);
                        int j = 0;
                        for (; j < nr; j++)
                        {
                            d[j] = s[j];
                        }

                        for (; j < nrFull; j++)
                        {
                            d[j] = T.Zero;
                        }
                    }
                }
            }
            else
            {
                // B(p, j) = b[j * ldb + p]: each stored row j becomes one column of the panel.
                T* src = b + ((j0 + jr) * ldb) + p0;
                int j = 0;
                for (; j < nr; j++)
                {
                    T* s = src + (j * ldb);
                    T* d = dst + j;
                    for (int p = 0; p < kc; p++)
                    {
                        d[p * nrFull] = s[p];
                    }
                }

                for (; j < nrFull; j++)
                {
                    T* d = dst + j;
                    for (int p = 0; p < kc; p++)
                    {
                        d[p * nrFull] = T.Zero;
                    }
                }
            }

            dst += nrFull * kc;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyRow(T* src, T* dst)
    {
        int nr = TK.NR;
        if (Vector256.IsHardwareAccelerated && nr % Vector256<T>.Count == 0)
        {
            for (int j = 0; j < nr; j += Vector256<T>.Count)
            {
                Vector256.Load(src + j).Store(dst + j);
            }
        }
        else if (Vector128.IsHardwareAccelerated && nr % Vector128<T>.Count == 0)
        {
            for (int j = 0; j < nr; j += Vector128<T>.Count)
            {
                Vector128.Load(src + j).Store(dst + j);
            }
        }
        else
        {
            for (int j = 0; j < nr; j++)
            {
                dst[j] = src[j];
            }
        }

        Debug.Assert(nr > 0, "NR must be positive.");
    }
}
