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
                if (typeof(T) == typeof(float) && mrFull == 6 && kc >= 8 && Avx.IsSupported && GemmSettings.VectorPackA)
                {
                    PackSixRowsFloat((float*)dst, (float*)src, lda, mr, kc);
                }
                else if (typeof(T) == typeof(float) && mrFull == 8 && kc >= 8 && Avx.IsSupported && GemmSettings.VectorPackA)
                {
                    PackEightRowsFloat((float*)dst, (float*)src, lda, mr, kc);
                }
                else if (mr == 6 && mrFull == 6)
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

                if (mr == 8 && mrFull == 8 && Vector256.IsHardwareAccelerated && GemmSettings.VectorPackAT)
                {
                    // A full 8-row panel: one or two vectors per K step.
                    for (int p = 0; p < kc; p++)
                    {
                        T* s = src + (p * lda);
                        T* d = dst + (p * 8);
                        Vector256.Load(s).Store(d);
                        if (Vector256<T>.Count == 4)
                        {
                            Vector256.Load(s + 4).Store(d + 4);
                        }
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

    /// <summary>
    /// One 6-value-stride panel of a row-major float A (<paramref name="mr"/> of its 6 rows real, the rest zeros), 8 k
    /// steps at a time: the rows' 8-value runs are transposed in registers (rows 6 and 7 of the 8 x 8 transpose are
    /// zeros) and each k step's 6 values go out in one 8-wide store that the next step's store overlaps; the block's
    /// last step stores 4 + 2 values so that nothing past the panel is written. The k remainder is copied by value.
    /// </summary>
    private static void PackSixRowsFloat(float* dst, float* src, nint lda, int mr, int kc)
    {
        float* r0 = src, r1 = src + lda, r2 = src + (2 * lda), r3 = src + (3 * lda), r4 = src + (4 * lda), r5 = src + (5 * lda);
        Vector256<float> zero = Vector256<float>.Zero;
        int p = 0;
        for (; p + 8 <= kc; p += 8)
        {
            Vector256<float> v0 = Vector256.Load(r0 + p);
            Vector256<float> v1 = mr > 1 ? Vector256.Load(r1 + p) : zero;
            Vector256<float> v2 = mr > 2 ? Vector256.Load(r2 + p) : zero;
            Vector256<float> v3 = mr > 3 ? Vector256.Load(r3 + p) : zero;
            Vector256<float> v4 = mr > 4 ? Vector256.Load(r4 + p) : zero;
            Vector256<float> v5 = mr > 5 ? Vector256.Load(r5 + p) : zero;

            // t: (a0 b0 a1 b1 | a4 b4 a5 b5), (a2 b2 a3 b3 | a6 b6 a7 b7), ... for the row pairs (0,1), (2,3), (4,5).
            Vector256<float> t0 = Avx.UnpackLow(v0, v1), t1 = Avx.UnpackHigh(v0, v1);
            Vector256<float> t2 = Avx.UnpackLow(v2, v3), t3 = Avx.UnpackHigh(v2, v3);
            Vector256<float> t4 = Avx.UnpackLow(v4, v5), t5 = Avx.UnpackHigh(v4, v5);

            // q_k: rows 0..3 of steps k and k + 4 (a_k b_k c_k d_k | a_k+4 ...); e_k: rows 4, 5 of the same and two zeros.
            Vector256<float> q0 = Avx.Shuffle(t0, t2, 0x44), q1 = Avx.Shuffle(t0, t2, 0xEE);
            Vector256<float> q2 = Avx.Shuffle(t1, t3, 0x44), q3 = Avx.Shuffle(t1, t3, 0xEE);
            Vector256<float> e0 = Avx.Shuffle(t4, zero, 0x44), e1 = Avx.Shuffle(t4, zero, 0xEE);
            Vector256<float> e2 = Avx.Shuffle(t5, zero, 0x44), e3 = Avx.Shuffle(t5, zero, 0xEE);

            float* d = dst + (p * 6);
            Avx.Permute2x128(q0, e0, 0x20).Store(d);
            Avx.Permute2x128(q1, e1, 0x20).Store(d + 6);
            Avx.Permute2x128(q2, e2, 0x20).Store(d + 12);
            Avx.Permute2x128(q3, e3, 0x20).Store(d + 18);
            Avx.Permute2x128(q0, e0, 0x31).Store(d + 24);
            Avx.Permute2x128(q1, e1, 0x31).Store(d + 30);
            Avx.Permute2x128(q2, e2, 0x31).Store(d + 36);
            Avx.ExtractVector128(q3, 1).Store(d + 42);
            Sse2.StoreLow((double*)(d + 46), Avx.ExtractVector128(e3, 1).AsDouble());
        }

        for (; p < kc; p++)
        {
            float* d = dst + (p * 6);
            d[0] = r0[p];
            d[1] = mr > 1 ? r1[p] : 0f;
            d[2] = mr > 2 ? r2[p] : 0f;
            d[3] = mr > 3 ? r3[p] : 0f;
            d[4] = mr > 4 ? r4[p] : 0f;
            d[5] = mr > 5 ? r5[p] : 0f;
        }
    }

    /// <summary>
    /// One 8-value-stride panel of a row-major float A (<paramref name="mr"/> of its 8 rows real, the rest zeros), 8 k
    /// steps at a time by an 8 x 8 in-register transpose; the k remainder is copied by value.
    /// </summary>
    private static void PackEightRowsFloat(float* dst, float* src, nint lda, int mr, int kc)
    {
        Vector256<float> zero = Vector256<float>.Zero;
        int p = 0;
        for (; p + 8 <= kc; p += 8)
        {
            float* s = src + p;
            Vector256<float> v0 = Vector256.Load(s);
            Vector256<float> v1 = mr > 1 ? Vector256.Load(s + lda) : zero;
            Vector256<float> v2 = mr > 2 ? Vector256.Load(s + (2 * lda)) : zero;
            Vector256<float> v3 = mr > 3 ? Vector256.Load(s + (3 * lda)) : zero;
            Vector256<float> v4 = mr > 4 ? Vector256.Load(s + (4 * lda)) : zero;
            Vector256<float> v5 = mr > 5 ? Vector256.Load(s + (5 * lda)) : zero;
            Vector256<float> v6 = mr > 6 ? Vector256.Load(s + (6 * lda)) : zero;
            Vector256<float> v7 = mr > 7 ? Vector256.Load(s + (7 * lda)) : zero;

            // Pairs of rows interleaved, then quads, then the 128-bit halves: column k of the block is rows 0..7 at step p + k.
            Vector256<float> t0 = Avx.UnpackLow(v0, v1), t1 = Avx.UnpackHigh(v0, v1);
            Vector256<float> t2 = Avx.UnpackLow(v2, v3), t3 = Avx.UnpackHigh(v2, v3);
            Vector256<float> t4 = Avx.UnpackLow(v4, v5), t5 = Avx.UnpackHigh(v4, v5);
            Vector256<float> t6 = Avx.UnpackLow(v6, v7), t7 = Avx.UnpackHigh(v6, v7);
            Vector256<float> q0 = Avx.Shuffle(t0, t2, 0x44), q1 = Avx.Shuffle(t0, t2, 0xEE);
            Vector256<float> q2 = Avx.Shuffle(t1, t3, 0x44), q3 = Avx.Shuffle(t1, t3, 0xEE);
            Vector256<float> q4 = Avx.Shuffle(t4, t6, 0x44), q5 = Avx.Shuffle(t4, t6, 0xEE);
            Vector256<float> q6 = Avx.Shuffle(t5, t7, 0x44), q7 = Avx.Shuffle(t5, t7, 0xEE);

            float* d = dst + (p * 8);
            Avx.Permute2x128(q0, q4, 0x20).Store(d);
            Avx.Permute2x128(q1, q5, 0x20).Store(d + 8);
            Avx.Permute2x128(q2, q6, 0x20).Store(d + 16);
            Avx.Permute2x128(q3, q7, 0x20).Store(d + 24);
            Avx.Permute2x128(q0, q4, 0x31).Store(d + 32);
            Avx.Permute2x128(q1, q5, 0x31).Store(d + 40);
            Avx.Permute2x128(q2, q6, 0x31).Store(d + 48);
            Avx.Permute2x128(q3, q7, 0x31).Store(d + 56);
        }

        for (; p < kc; p++)
        {
            float* d = dst + (p * 8);
            int i = 0;
            for (; i < mr; i++)
            {
                d[i] = src[(i * lda) + p];
            }

            for (; i < 8; i++)
            {
                d[i] = 0f;
            }
        }
    }

    /// <summary>
    /// <see cref="PackB(T*, T*, nint, bool, int, int, int, int, bool)"/> of a row-major B that also writes the block's
    /// column sums: <paramref name="sums"/>[j] = Σ_p B[p0 + p, j0 + j] for j in [0, nc), added row after row from zero
    /// while each row is in L1 on its way into the panels (the bias gradient of an RNN's weight-gradient product, which
    /// then needs no pass of its own over B). The same panels as the plain pack.
    /// </summary>
    public static void PackB(T* dst, T* b, nint ldb, int p0, int kc, int j0, int nc, T* sums)
    {
        Debug.Assert(sums != null, "the sums' destination");
        new Span<T>(sums, nc).Clear();
        int nrFull = TK.NR;
        int full = nc / nrFull;
        nint panelStride = (nint)kc * nrFull;
        for (int p = 0; p < kc; p++)
        {
            T* s = b + ((p0 + p) * ldb) + j0;
            T* d = dst + (p * nrFull);
            for (int q = 0; q < full; q++)
            {
                CopyRowAdd(s + (q * nrFull), d + (q * panelStride), sums + (q * nrFull));
            }

            int j = full * nrFull;
            if (j < nc)
            {
                T* dp = d + (full * panelStride);
                for (int jj = 0; j + jj < nc; jj++)
                {
                    T v = s[j + jj];
                    dp[jj] = v;
                    sums[j + jj] += v;
                }

                for (int jj = nc - j; jj < nrFull; jj++)
                {
                    dp[jj] = T.Zero;
                }
            }
        }
    }

    /// <summary>Packs op(B)[p0 .. p0+kc, j0 .. j0+nc] into ceil(nc/NR) panels of kc*NR values.</summary>
    /// <remarks>With <paramref name="prefetchNext"/>, also prefetches the next NR columns (the next panel) of each row.</remarks>
    public static void PackB(T* dst, T* b, nint ldb, bool transB, int p0, int kc, int j0, int nc, bool prefetchNext = false)
    {
        int nrFull = TK.NR;
        int start = 0;
        if (!transB && !prefetchNext && nc >= 2 * nrFull && GemmSettings.PackBByRows)
        {
            // Several full panels of a row-major B: walk each row of the block once, left to right, handing its NR-value
            // pieces to the panels. Panel by panel, every read would be a new row (a new page, ldb apart), which the
            // hardware prefetchers do not follow; row by row they stream.
            int full = nc / nrFull;
            nint panelStride = (nint)kc * nrFull;
            for (int p = 0; p < kc; p++)
            {
                T* s = b + ((p0 + p) * ldb) + j0;
                T* d = dst + (p * nrFull);
                for (int q = 0; q < full; q++)
                {
                    CopyRow(s + (q * nrFull), d + (q * panelStride));
                }
            }

            start = full * nrFull;
            dst += full * panelStride;
        }

        for (int jr = start; jr < nc; jr += nrFull)
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

    /// <summary><see cref="CopyRow"/>, also adding the NR values into <paramref name="sums"/> (one add per value, in row order).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyRowAdd(T* src, T* dst, T* sums)
    {
        int nr = TK.NR;
        if (Vector256.IsHardwareAccelerated && nr % Vector256<T>.Count == 0)
        {
            for (int j = 0; j < nr; j += Vector256<T>.Count)
            {
                Vector256<T> v = Vector256.Load(src + j);
                v.Store(dst + j);
                (Vector256.Load(sums + j) + v).Store(sums + j);
            }
        }
        else if (Vector128.IsHardwareAccelerated && nr % Vector128<T>.Count == 0)
        {
            for (int j = 0; j < nr; j += Vector128<T>.Count)
            {
                Vector128<T> v = Vector128.Load(src + j);
                v.Store(dst + j);
                (Vector128.Load(sums + j) + v).Store(sums + j);
            }
        }
        else
        {
            for (int j = 0; j < nr; j++)
            {
                dst[j] = src[j];
                sums[j] += src[j];
            }
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
