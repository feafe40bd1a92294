using System.Numerics;
using Recur.Kernels.Blas;

namespace Recur.Kernels.Tests;

/// <summary>GEMM tests change process-wide knobs (MaxThreads, kernel path), so they run alone.</summary>
[CollectionDefinition(nameof(GemmCollection), DisableParallelization = true)]
public sealed class GemmCollection;

[Collection(nameof(GemmCollection))]
public sealed class GemmTests
{
    private static readonly int[] Sizes = [1, 7, 17, 33, 129, 300];

    /// <summary>(m, n, k): every triple from the small sizes, plus mixes with 129 and 300 that cover GEMV, edge tiles and several K blocks.</summary>
    public static IEnumerable<(int M, int N, int K)> Shapes()
    {
        foreach (int m in Sizes[..4])
        {
            foreach (int n in Sizes[..4])
            {
                foreach (int k in Sizes[..4])
                {
                    yield return (m, n, k);
                }
            }
        }

        (int, int, int)[] large =
        [
            (129, 129, 129), (300, 300, 300), (300, 129, 17), (17, 300, 129), (129, 17, 300), (1, 300, 129),
            (300, 1, 33), (33, 129, 1), (7, 300, 300), (300, 7, 129), (129, 300, 7), (1, 129, 300), (129, 1, 300),
            (300, 33, 300), (33, 300, 300),

            // Rows that fit one register panel (B read in place when not transposed), and a 4-row remainder.
            (5, 33, 300), (6, 129, 17), (2, 300, 129), (4, 7, 33), (16, 300, 300),

            // Row blocks of 6q + 1 and 6q + 2 rows end in 4 + 3 and 4 + 4 row panels (single row block; the last row block of
            // a taller product, 152 = 144 + 8 floats or 2·72 + 8 doubles).
            (8, 129, 300), (13, 300, 17), (14, 33, 300), (32, 129, 129), (152, 129, 300),
        ];
        foreach (var s in large)
        {
            yield return s;
        }
    }

    public static TheoryData<int, int, int, bool, bool, int> Cases()
    {
        var data = new TheoryData<int, int, int, bool, bool, int>();
        foreach (var (m, n, k) in Shapes())
        {
            foreach (bool ta in new[] { false, true })
            {
                foreach (bool tb in new[] { false, true })
                {
                    foreach (int threads in new[] { 1, 2 })
                    {
                        data.Add(m, n, k, ta, tb, threads);
                    }
                }
            }
        }

        return data;
    }

    public static TheoryData<int, int, int, bool, bool> PortableCases()
    {
        var data = new TheoryData<int, int, int, bool, bool>();
        foreach (var (m, n, k) in new[] { (7, 17, 33), (33, 7, 17), (129, 33, 300), (17, 129, 7), (1, 33, 17), (33, 1, 7), (5, 33, 17), (300, 17, 33) })
        {
            foreach (bool ta in new[] { false, true })
            {
                foreach (bool tb in new[] { false, true })
                {
                    data.Add(m, n, k, ta, tb);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Multiply_Float_MatchesNaiveLoop(int m, int n, int k, bool transA, bool transB, int threads) =>
        WithThreads(threads, () => CheckAgainstNaive<float>(m, n, k, transA, transB));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Multiply_Double_MatchesNaiveLoop(int m, int n, int k, bool transA, bool transB, int threads) =>
        WithThreads(threads, () => CheckAgainstNaive<double>(m, n, k, transA, transB));

    /// <summary>The AVX2 6x16 tile, forced where the AVX-512 tile would run (elsewhere it is the default path).</summary>
    [Theory]
    [MemberData(nameof(PortableCases))]
    [InlineData(8, 129, 300, false, false)]
    [InlineData(13, 300, 17, true, false)]
    [InlineData(152, 129, 300, false, true)]
    public void Multiply_Vector256Kernel_MatchesNaiveLoop(int m, int n, int k, bool transA, bool transB) =>
        WithPath(KernelPath.Vector256, () =>
        {
            CheckAgainstNaive<float>(m, n, k, transA, transB);
            CheckAgainstNaive<double>(m, n, k, transA, transB);
        });

    /// <summary>
    /// The AVX-512 8x16 tile and the AVX2 6x16 tile compute each C value as the same chain of FMAs over k, on the same
    /// B panels, so their products must be bitwise equal: every shape of <see cref="Shapes"/> (full and partial 6- and
    /// 8-row panels, several K blocks, GEMV), both transposes, float and double, 1 and 2 threads. Where the machine has
    /// no AVX-512 both runs take the AVX2 tile; the test bites on AVX-512 machines (Zen 4, this project's host since
    /// 2026-11-22).
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Multiply_Avx512Tile_BitwiseEqualToAvx2Tile(int threads) =>
        WithThreads(threads, () =>
        {
            foreach (var (m, n, k) in Shapes())
            {
                foreach (bool ta in new[] { false, true })
                {
                    foreach (bool tb in new[] { false, true })
                    {
                        CheckTilesBitwise<float>(m, n, k, ta, tb);
                        CheckTilesBitwise<double>(m, n, k, ta, tb);
                    }
                }
            }
        });

    private static void CheckTilesBitwise<T>(int m, int n, int k, bool transA, bool transB)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int lda = (transA ? m : k) + 3, ldb = (transB ? k : n) + 2;
        T[] a = Data.Uniform<T>((transA ? k : m) * lda, seed: 41 + m), b = Data.Uniform<T>((transB ? n : k) * ldb, seed: 42 + n);
        T[] avx2 = Data.Uniform<T>(m * n, seed: 43 + k), auto = (T[])avx2.Clone();
        T alpha = T.CreateTruncating(1.25), beta = T.CreateTruncating(-0.5);
        WithPath(KernelPath.Vector256, () => Multiply(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, avx2, n));
        Multiply(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, auto, n);
        for (int i = 0; i < auto.Length; i++)
        {
            if (!auto[i].Equals(avx2[i]))
            {
                Assert.Fail($"{typeof(T).Name} m={m} n={n} k={k} transA={transA} transB={transB}: C[{i / n},{i % n}] = {auto[i]} with {GemmDriver<T>.ChooseKernel()}, {avx2[i]} with the AVX2 tile.");
            }
        }
    }

    [Theory]
    [MemberData(nameof(PortableCases))]
    public void Multiply_Vector128Kernel_MatchesNaiveLoop(int m, int n, int k, bool transA, bool transB) =>
        WithPath(KernelPath.Vector128, () =>
        {
            CheckAgainstNaive<float>(m, n, k, transA, transB);
            CheckAgainstNaive<double>(m, n, k, transA, transB);
        });

    [Theory]
    [MemberData(nameof(PortableCases))]
    public void Multiply_ScalarKernel_MatchesNaiveLoop(int m, int n, int k, bool transA, bool transB) =>
        WithPath(KernelPath.Scalar, () =>
        {
            CheckAgainstNaive<float>(m, n, k, transA, transB);
            CheckAgainstNaive<double>(m, n, k, transA, transB);
        });

    [Theory]
    [InlineData(7, 33, 17)]
    [InlineData(33, 300, 129)]
    [InlineData(300, 300, 33)]
    [InlineData(1, 300, 300)]
    [InlineData(300, 1, 300)]
    public void Multiply_ForcedThreadingAtSmallSizes_MatchesNaiveLoop(int m, int n, int k)
    {
        double flops = GemmSettings.MinFlopsPerThread;
        long gemv = GemmSettings.GemvValuesPerThread;
        try
        {
            GemmSettings.MinFlopsPerThread = 1;
            GemmSettings.GemvValuesPerThread = 1;
            WithThreads(2, () =>
            {
                foreach (bool ta in new[] { false, true })
                {
                    foreach (bool tb in new[] { false, true })
                    {
                        CheckAgainstNaive<float>(m, n, k, ta, tb);
                        CheckAgainstNaive<double>(m, n, k, ta, tb);
                    }
                }
            });
        }
        finally
        {
            GemmSettings.MinFlopsPerThread = flops;
            GemmSettings.GemvValuesPerThread = gemv;
        }
    }

    /// <summary>
    /// Every threaded path, forced at small sizes, gives bitwise the one-thread result, call after call
    /// (the threads race for the claims differently each time): the column split of short-and-wide
    /// products (M within one MC block), the row split (more rows; chunks start on MR boundaries; K over
    /// several KC blocks makes the threads wait for the shared B buffers; N over NC gives several column
    /// blocks) and GEMV's split of the output range.
    /// </summary>
    [Theory]
    [InlineData(16, 300, 129)]
    [InlineData(8, 300, 129)]
    [InlineData(13, 300, 300)]
    [InlineData(5, 129, 300)]
    [InlineData(33, 300, 33)]
    [InlineData(300, 129, 300)]
    [InlineData(300, 300, 33)]
    [InlineData(145, 17, 600)]
    [InlineData(150, 4100, 20)]
    [InlineData(1, 300, 300)]
    [InlineData(300, 1, 300)]
    public void Multiply_ForcedThreads_BitwiseEqualToOneThread(int m, int n, int k)
    {
        double flops = GemmSettings.MinFlopsPerThread, flopsShort = GemmSettings.MinFlopsPerThreadShort;
        long gemv = GemmSettings.GemvValuesPerThread;
        try
        {
            GemmSettings.MinFlopsPerThread = 1;
            GemmSettings.MinFlopsPerThreadShort = 1;
            GemmSettings.GemvValuesPerThread = 1;
            foreach (bool ta in new[] { false, true })
            {
                foreach (bool tb in new[] { false, true })
                {
                    CheckThreadsBitwise<float>(m, n, k, ta, tb);
                    CheckThreadsBitwise<double>(m, n, k, ta, tb);
                }
            }
        }
        finally
        {
            GemmSettings.MinFlopsPerThread = flops;
            GemmSettings.MinFlopsPerThreadShort = flopsShort;
            GemmSettings.GemvValuesPerThread = gemv;
        }
    }

    /// <summary>
    /// Packing moves values without arithmetic, so the 8-step transposing pack of a row-major float A must give results
    /// bitwise equal to the value-by-value pack: every panel height 1..6 (M = 1..17 and a second MC block), K with
    /// and without a remainder of 8 and over one KC block, and a leading dimension past K (A a column range).
    /// </summary>
    [Theory]
    [InlineData(1, 40, 8)]
    [InlineData(2, 40, 9)]
    [InlineData(3, 33, 31)]
    [InlineData(4, 17, 64)]
    [InlineData(5, 40, 300)]
    [InlineData(6, 33, 16)]
    [InlineData(13, 40, 130)]
    [InlineData(14, 17, 257)]
    [InlineData(16, 300, 256)]
    [InlineData(17, 33, 77)]
    [InlineData(151, 40, 300)]
    public void Multiply_VectorPackA_BitwiseEqualToValuePack(int m, int n, int k)
    {
        bool saved = GemmSettings.VectorPackA;
        try
        {
            CheckSettingKeepsBits(on => GemmSettings.VectorPackA = on, "the vector pack of A", m, n, k, lda: k + 5, ldb: n, threads: 1);
        }
        finally
        {
            GemmSettings.VectorPackA = saved;
        }
    }

    /// <summary>
    /// Packing a row-major B block row by row (each row's NR-value pieces handed to the panels) instead of panel by panel
    /// moves the same values: bitwise equal results, with a partial last panel, ldb &gt; N, several K and row blocks, and
    /// on 2 threads (whose row path packs shared B blocks in chunks of panels).
    /// </summary>
    [Theory]
    [InlineData(150, 40, 300, 1)]
    [InlineData(300, 129, 17, 1)]
    [InlineData(145, 33, 600, 2)]
    [InlineData(200, 300, 300, 2)]
    [InlineData(151, 32, 257, 1)]
    public void Multiply_PackBByRows_BitwiseEqualToPanelOrder(int m, int n, int k, int threads)
    {
        bool saved = GemmSettings.PackBByRows;
        double flops = GemmSettings.MinFlopsPerThread;
        try
        {
            GemmSettings.MinFlopsPerThread = 1;
            CheckSettingKeepsBits(on => GemmSettings.PackBByRows = on, "packing B by rows", m, n, k, lda: k, ldb: n + 3, threads);
        }
        finally
        {
            GemmSettings.PackBByRows = saved;
            GemmSettings.MinFlopsPerThread = flops;
        }
    }

    /// <summary>
    /// The first row panel's tile packing the B panel as it reads it (<see cref="GemmSettings.FusePackB"/>) leaves the
    /// same packed panel as the separate pack for the other row panels: bitwise equal results for row counts with one,
    /// two and many row panels (7 and 8 rows start with a 4-row panel and do not fuse), K past one KC block, a partial
    /// last column panel, ldb &gt; N, and on 2 threads (column ranges per thread).
    /// </summary>
    [Theory]
    [InlineData(6, 40, 300, 1)]
    [InlineData(7, 33, 40, 1)]
    [InlineData(12, 48, 256, 1)]
    [InlineData(16, 300, 257, 1)]
    [InlineData(17, 40, 600, 1)]
    [InlineData(64, 129, 300, 2)]
    [InlineData(144, 64, 130, 2)]
    public void Multiply_FusePackB_BitwiseEqualToSeparatePack(int m, int n, int k, int threads)
    {
        bool saved = GemmSettings.FusePackB;
        double flops = GemmSettings.MinFlopsPerThread;
        try
        {
            GemmSettings.MinFlopsPerThread = 1;
            CheckSettingKeepsBits(on => GemmSettings.FusePackB = on, "B packed by the first tile", m, n, k, lda: k, ldb: n + 3, threads);
        }
        finally
        {
            GemmSettings.FusePackB = saved;
            GemmSettings.MinFlopsPerThread = flops;
        }
    }

    /// <summary>
    /// Few rows over a long K (the weight gradients' Xᵀ·dG): past <see cref="GemmSettings.SingleBlockMaxPackedA"/> (one
    /// thread) or <see cref="GemmSettings.SharedBlockMaxPackedA"/> (several, which split the columns) the product runs
    /// the blocked loop. Each C element sees the same K blocks in the same order, so the result is bitwise the
    /// single-row-block path's; and it matches the naive loop. Float and double, A transposed or not, partial panels,
    /// 1 to 3 threads (the limits lowered so that small products take the path).
    /// </summary>
    [Theory]
    [InlineData(40, 70, 600, true, 1)]
    [InlineData(40, 70, 600, false, 2)]
    [InlineData(17, 300, 513, true, 2)]
    [InlineData(144, 33, 700, true, 3)]
    [InlineData(9, 130, 257, false, 1)]
    [InlineData(64, 64, 1030, true, 2)]
    public void Multiply_TallK_BlockedLoop_BitwiseEqualToSingleBlockPath(int m, int n, int k, bool transA, int threads)
    {
        long single = GemmSettings.SingleBlockMaxPackedA, shared = GemmSettings.SharedBlockMaxPackedA;
        double flops = GemmSettings.MinFlopsPerThread, flopsShort = GemmSettings.MinFlopsPerThreadShort;
        try
        {
            GemmSettings.MinFlopsPerThread = GemmSettings.MinFlopsPerThreadShort = 1;
            WithThreads(threads, () =>
            {
                CheckTallK<float>(m, n, k, transA, threads);
                CheckTallK<double>(m, n, k, transA, threads);
                GemmSettings.SingleBlockMaxPackedA = GemmSettings.SharedBlockMaxPackedA = 1024;
                CheckAgainstNaive<float>(m, n, k, transA, false);
                CheckAgainstNaive<double>(m, n, k, transA, false);
            });
        }
        finally
        {
            (GemmSettings.SingleBlockMaxPackedA, GemmSettings.SharedBlockMaxPackedA) = (single, shared);
            (GemmSettings.MinFlopsPerThread, GemmSettings.MinFlopsPerThreadShort) = (flops, flopsShort);
        }
    }

    /// <summary>
    /// Many rows, K past one block and a narrow op(B) (dx = dG·Wxᵀ): with <see cref="GemmSettings.TallRowsPackBOnce"/>
    /// op(B) is packed once and each row block runs all its K blocks before the next. Every tile sees the same K blocks
    /// in the same order as in the blocked loop, so the result is bitwise the blocked loop's; and it matches the naive
    /// loop. Float and double, either operand transposed, partial row and column panels, one thread (the path ran:
    /// its per-thread count), and an op(B) over the size limit keeps the blocked loop.
    /// </summary>
    [Theory]
    [InlineData(300, 16, 257, false, true)]
    [InlineData(433, 33, 600, true, false)]
    [InlineData(290, 130, 513, false, false)]
    [InlineData(577, 7, 1030, true, true)]
    public void Multiply_TallRows_PackBOnce_BitwiseEqualToBlockedLoop(int m, int n, int k, bool transA, bool transB)
    {
        bool saved = GemmSettings.TallRowsPackBOnce;
        long limit = GemmSettings.TallRowsMaxPackedB;
        try
        {
            WithThreads(1, () =>
            {
                CheckTallRows<float>(m, n, k, transA, transB);
                CheckTallRows<double>(m, n, k, transA, transB);
                GemmSettings.TallRowsPackBOnce = true;
                long before = GemmDriver<float>.RowBlocksPackedBOnThisThread + GemmDriver<double>.RowBlocksPackedBOnThisThread;
                CheckAgainstNaive<float>(m, n, k, transA, transB);
                CheckAgainstNaive<double>(m, n, k, transA, transB);
                Assert.Equal(before + 2, GemmDriver<float>.RowBlocksPackedBOnThisThread + GemmDriver<double>.RowBlocksPackedBOnThisThread);

                GemmSettings.TallRowsMaxPackedB = (long)k * 16 * sizeof(float) - 1;
                before = GemmDriver<float>.RowBlocksPackedBOnThisThread;
                CheckAgainstNaive<float>(m, n, k, transA, transB);
                Assert.Equal(before, GemmDriver<float>.RowBlocksPackedBOnThisThread);
            });
        }
        finally
        {
            GemmSettings.TallRowsPackBOnce = saved;
            GemmSettings.TallRowsMaxPackedB = limit;
        }
    }

    private static void CheckTallRows<T>(int m, int n, int k, bool transA, bool transB)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int lda = (transA ? m : k) + 1, ldb = (transB ? k : n) + 3;
        T[] a = Data.Uniform<T>((transA ? k : m) * lda, seed: 71 + m), b = Data.Uniform<T>((transB ? n : k) * ldb, seed: 72 + n), c0 = Data.Uniform<T>(m * n, seed: 73 + k);
        T[] expected = (T[])c0.Clone(), got = (T[])c0.Clone();
        GemmSettings.TallRowsPackBOnce = false;
        Multiply(transA, transB, m, n, k, T.CreateTruncating(1.5), a, lda, b, ldb, T.CreateTruncating(0.5), expected, n);
        GemmSettings.TallRowsPackBOnce = true;
        long before = GemmDriver<T>.RowBlocksPackedBOnThisThread;
        Multiply(transA, transB, m, n, k, T.CreateTruncating(1.5), a, lda, b, ldb, T.CreateTruncating(0.5), got, n);
        Assert.Equal(before + 1, GemmDriver<T>.RowBlocksPackedBOnThisThread);
        for (int i = 0; i < got.Length; i++)
        {
            if (!got[i].Equals(expected[i]))
            {
                Assert.Fail($"{typeof(T).Name} m={m} n={n} k={k} transA={transA} transB={transB}: C[{i / n},{i % n}] = {got[i]} with B packed once, {expected[i]} on the blocked loop.");
            }
        }
    }

    private static void CheckTallK<T>(int m, int n, int k, bool transA, int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int lda = (transA ? m : k) + 2;
        T[] a = Data.Uniform<T>((transA ? k : m) * lda, seed: 61 + m), b = Data.Uniform<T>(k * n, seed: 62 + n), c0 = Data.Uniform<T>(m * n, seed: 63 + k);
        T[] expected = (T[])c0.Clone(), got = (T[])c0.Clone();
        T alpha = T.CreateTruncating(1.5), beta = T.CreateTruncating(0.5);
        GemmSettings.SingleBlockMaxPackedA = GemmSettings.SharedBlockMaxPackedA = long.MaxValue;
        Multiply(transA, m, n, k, alpha, a, lda, b, beta, expected);
        GemmSettings.SingleBlockMaxPackedA = GemmSettings.SharedBlockMaxPackedA = 1024;
        Multiply(transA, m, n, k, alpha, a, lda, b, beta, got);
        for (int i = 0; i < got.Length; i++)
        {
            if (!got[i].Equals(expected[i]))
            {
                Assert.Fail($"{typeof(T).Name} m={m} n={n} k={k} transA={transA} threads={threads}: C[{i / n},{i % n}] = {got[i]} on the blocked loop, {expected[i]} on the single-row-block path.");
            }
        }

        static void Multiply(bool transA, int m, int n, int k, T alpha, T[] a, int lda, T[] b, T beta, T[] c)
        {
            if (typeof(T) == typeof(float))
            {
                Gemm.Multiply(transA, false, m, n, k, float.CreateTruncating(alpha), (float[])(object)a, lda, (float[])(object)b, n, float.CreateTruncating(beta), (float[])(object)c, n);
            }
            else
            {
                Gemm.Multiply(transA, false, m, n, k, double.CreateTruncating(alpha), (double[])(object)a, lda, (double[])(object)b, n, double.CreateTruncating(beta), (double[])(object)c, n);
            }
        }
    }

    /// <summary>
    /// C = 1.5·A·B + 0.5·C (row-major A and B with the given leading dimensions) with a packing setting off, then on:
    /// packing moves values without arithmetic, so the two must be bitwise equal; and the product must match the naive
    /// loop, so that a pack wrong both ways cannot pass.
    /// </summary>
    /// <summary>
    /// The 512-bit tile's 5- to 7-row panels with one accumulator chain a row (<see cref="GemmSettings.ExactPartialRows"/>),
    /// and row blocks of 8q + 1..3 rows that end in a 4-row and a 5- to 7-row panel, against the full 8-row tile on the
    /// zero-padded panel: every row's chain is the same, so the products are bitwise equal; and they match the naive
    /// loop. Row counts 5..7 (one panel), 8q + 1..7, a row block past MC (the last block's tail), K past one KC block,
    /// float and double, 1 and 2 threads, and the recurrent products' pre-packed weights. Where the machine has no
    /// AVX-512 both runs take the AVX2 tile; the test bites on AVX-512 machines.
    /// </summary>
    [Theory]
    [InlineData(5, 40, 300, 1)]
    [InlineData(6, 33, 129, 1)]
    [InlineData(7, 129, 300, 2)]
    [InlineData(9, 48, 257, 1)]
    [InlineData(10, 300, 129, 2)]
    [InlineData(11, 17, 300, 1)]
    [InlineData(21, 64, 513, 1)]
    [InlineData(27, 129, 129, 2)]
    [InlineData(155, 40, 300, 1)]
    public void Multiply_ExactPartialRows_BitwiseEqualToFullTile(int m, int n, int k, int threads)
    {
        bool saved = GemmSettings.ExactPartialRows;
        double flops = GemmSettings.MinFlopsPerThread;
        try
        {
            GemmSettings.MinFlopsPerThread = 1;
            CheckSettingKeepsBits(on => GemmSettings.ExactPartialRows = on, "exact partial rows", m, n, k, lda: k + 1, ldb: n + 3, threads);
            CheckAgainstNaive<double>(m, n, k, true, false);
            WithThreads(1, () =>
            {
                foreach (bool transB in new[] { false, true })
                {
                    CheckPackedKeepsBits<float>(m, n, k, transB);
                    CheckPackedKeepsBits<double>(m, n, k, transB);
                }
            });
        }
        finally
        {
            GemmSettings.ExactPartialRows = saved;
            GemmSettings.MinFlopsPerThread = flops;
        }

        static void CheckPackedKeepsBits<T>(int m, int n, int k, bool transB)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int ldb = (transB ? k : n) + 3;
            T[] a = Data.Uniform<T>(m * k, seed: 81 + m), b = Data.Uniform<T>((transB ? n : k) * ldb, seed: 82 + n);
            T[] packed = new T[Recur.Kernels.Rnn.RnnMath.PackedSize(k, n)];
            int nr = Recur.Kernels.Rnn.RnnMath.PackWeights<T>(transB, k, n, b, ldb, packed);
            T[] got = new T[m * n], expected = new T[m * n];
            GemmSettings.ExactPartialRows = false;
            Recur.Kernels.Rnn.RnnMath.GemmPacked<T>(transB, m, n, k, a, k, b, ldb, packed, nr, T.Zero, expected, n, 1);
            GemmSettings.ExactPartialRows = true;
            Recur.Kernels.Rnn.RnnMath.GemmPacked<T>(transB, m, n, k, a, k, b, ldb, packed, nr, T.Zero, got, n, 1);
            for (int i = 0; i < got.Length; i++)
            {
                if (!got[i].Equals(expected[i]))
                {
                    Assert.Fail($"{typeof(T).Name} m={m} n={n} k={k} transB={transB}: C[{i / n},{i % n}] = {got[i]} on packed weights with exact partial rows, {expected[i]} with the full tile.");
                }
            }
        }
    }

    /// <summary>
    /// A weight gradient with its bias gradient (<c>Gemm.MultiplySumB</c>): C = op(A)·B + beta·C and B's column sums over
    /// K. Where the product packs B block by block (the blocked loop on one thread, the shared-pack row job and the
    /// column-split tall job on two) the packing writes each KC block's sums; elsewhere (one row panel reading B in place,
    /// the column job, a GEMV, K = 0) a separate pass does. Either way the sums are each block's from zero, added in
    /// block order: bitwise equal to the separate pass with <see cref="GemmSettings.SumsInPackB"/> off, within rounding of
    /// a double sum, and C matches the plain product bitwise. Float and double, ldb &gt; N, a partial last panel.
    /// </summary>
    [Theory]
    [InlineData(300, 500, 600, true, 1, true)]
    [InlineData(300, 70, 600, true, 1, false)]
    [InlineData(160, 1024, 700, true, 1, true)]
    [InlineData(300, 129, 1100, false, 2, true)]
    [InlineData(40, 130, 900, true, 2, true)]
    [InlineData(6, 70, 600, false, 1, false)]
    [InlineData(17, 33, 300, true, 1, false)]
    [InlineData(1, 40, 300, true, 1, false)]
    [InlineData(50, 40, 0, true, 1, false)]
    public void MultiplySumB_SumsBitwiseEqualToSeparatePass(int m, int n, int k, bool transA, int threads, bool inPack)
    {
        bool saved = GemmSettings.SumsInPackB;
        double flops = GemmSettings.MinFlopsPerThread;
        long shared = GemmSettings.SharedBlockMaxPackedA, single = GemmSettings.SingleBlockMaxPackedA;
        try
        {
            GemmSettings.MinFlopsPerThread = 1;
            if (m <= 64 && threads == 2)
            {
                // Few rows over a long K on two threads: the column-split tall job, each part on the blocked loop.
                GemmSettings.SharedBlockMaxPackedA = GemmSettings.SingleBlockMaxPackedA = 1024;
            }

            WithThreads(threads, () =>
            {
                CheckSums<float>(m, n, k, transA, threads, inPack);
                CheckSums<double>(m, n, k, transA, threads, inPack);
            });
        }
        finally
        {
            GemmSettings.SumsInPackB = saved;
            GemmSettings.MinFlopsPerThread = flops;
            (GemmSettings.SharedBlockMaxPackedA, GemmSettings.SingleBlockMaxPackedA) = (shared, single);
        }
    }

    private static void CheckSums<T>(int m, int n, int k, bool transA, int threads, bool inPack)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int lda = (transA ? m : k) + 1, ldb = n + 3;
        T[] a = Data.Uniform<T>(Math.Max(1, (transA ? k : m) * lda), seed: 91 + m), b = Data.Uniform<T>(Math.Max(1, k * ldb), seed: 92 + n);
        T[] c0 = Data.Uniform<T>(m * n, seed: 93 + k);
        T beta = T.CreateTruncating(0.5);
        T[] plain = (T[])c0.Clone(), separate = (T[])c0.Clone(), packed = (T[])c0.Clone();
        T[] sumsSeparate = new T[n + 2], sumsPacked = new T[n + 2];
        sumsSeparate[n] = sumsPacked[n] = T.CreateTruncating(7.0);
        RnnMultiply(transA, m, n, k, a, lda, b, ldb, beta, plain, threads);

        GemmSettings.SumsInPackB = false;
        long before = GemmDriver<T>.SeparateSumsOnThisThread;
        Gemm.MultiplySumB<T>(transA, m, n, k, a, lda, b, ldb, beta, separate, n, sumsSeparate, threads);
        Assert.Equal(before + 1, GemmDriver<T>.SeparateSumsOnThisThread);

        GemmSettings.SumsInPackB = true;
        before = GemmDriver<T>.SeparateSumsOnThisThread;
        Gemm.MultiplySumB<T>(transA, m, n, k, a, lda, b, ldb, beta, packed, n, sumsPacked, threads);
        Assert.Equal(before + (inPack ? 0 : 1), GemmDriver<T>.SeparateSumsOnThisThread);

        string what = $"{typeof(T).Name} m={m} n={n} k={k} transA={transA} threads={threads}";
        for (int i = 0; i < plain.Length; i++)
        {
            Assert.True(packed[i].Equals(plain[i]) && separate[i].Equals(plain[i]), $"{what}: C[{i / n},{i % n}] = {packed[i]} / {separate[i]} with the sums, {plain[i]} without.");
        }

        for (int j = 0; j < n; j++)
        {
            double exact = 0;
            for (int p = 0; p < k; p++)
            {
                exact += double.CreateTruncating(b[(p * ldb) + j]);
            }

            Assert.True(sumsPacked[j].Equals(sumsSeparate[j]), $"{what}: sum[{j}] = {sumsPacked[j]} from the packing, {sumsSeparate[j]} from the separate pass.");
            Assert.True(Math.Abs(double.CreateTruncating(sumsPacked[j]) - exact) <= 1e-5 * (1 + k), $"{what}: sum[{j}] = {sumsPacked[j]}, the double sum {exact}.");
        }

        Assert.Equal(T.CreateTruncating(7.0), sumsPacked[n]);
        Assert.Equal(T.CreateTruncating(7.0), sumsSeparate[n]);

        static void RnnMultiply(bool transA, int m, int n, int k, T[] a, int lda, T[] b, int ldb, T beta, T[] c, int threads)
        {
            if (typeof(T) == typeof(float))
            {
                Gemm.Multiply(transA, false, m, n, k, 1f, (float[])(object)a, lda, (float[])(object)b, ldb, float.CreateTruncating(beta), (float[])(object)c, n, threads);
            }
            else
            {
                Gemm.Multiply(transA, false, m, n, k, 1.0, (double[])(object)a, lda, (double[])(object)b, ldb, double.CreateTruncating(beta), (double[])(object)c, n, threads);
            }
        }
    }

    private static void CheckSettingKeepsBits(Action<bool> set, string setting, int m, int n, int k, int lda, int ldb, int threads)
    {
        float[] a = Data.Uniform<float>(m * lda, seed: 31 + m), b = Data.Uniform<float>(k * ldb, seed: 32 + n), c0 = Data.Uniform<float>(m * n, seed: 33 + k);
        float[] expected = (float[])c0.Clone(), got = (float[])c0.Clone();
        WithThreads(threads, () =>
        {
            set(false);
            Gemm.Multiply(false, false, m, n, k, 1.5f, a, lda, b, ldb, 0.5f, expected, n);
            set(true);
            Gemm.Multiply(false, false, m, n, k, 1.5f, a, lda, b, ldb, 0.5f, got, n);
        });
        for (int i = 0; i < got.Length; i++)
        {
            if (!got[i].Equals(expected[i]))
            {
                Assert.Fail($"m={m} n={n} k={k} threads={threads}: C[{i / n},{i % n}] = {got[i]:R} with {setting}, {expected[i]:R} without.");
            }
        }

        CheckAgainstNaive<float>(m, n, k, false, false);
    }

    /// <summary>
    /// Weights packed once (the recurrent products' B: all of K per panel, KC block after KC block) and multiplied
    /// from the panels: the product of the unpacked B, for K past one KC block, a partial last panel, ldb &gt; N and
    /// both storage orders of B, float and double, with the row-by-row pack and without.
    /// </summary>
    [Theory]
    [InlineData(16, 40, 300, false)]
    [InlineData(16, 40, 300, true)]
    [InlineData(5, 33, 513, false)]
    [InlineData(64, 48, 257, true)]
    [InlineData(13, 17, 129, false)]
    public void GemmPacked_MatchesTheUnpackedProduct(int m, int n, int k, bool transB)
    {
        bool saved = GemmSettings.PackBByRows;
        try
        {
            foreach (bool byRows in new[] { true, false })
            {
                GemmSettings.PackBByRows = byRows;
                WithThreads(1, () =>
                {
                    CheckPacked<float>(m, n, k, transB, byRows);
                    CheckPacked<double>(m, n, k, transB, byRows);
                });
            }
        }
        finally
        {
            GemmSettings.PackBByRows = saved;
        }
    }

    private static void CheckPacked<T>(int m, int n, int k, bool transB, bool byRows)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int ldb = (transB ? k : n) + 3;
        T[] a = Data.Uniform<T>(m * k, seed: 51 + m), b = Data.Uniform<T>((transB ? n : k) * ldb, seed: 52 + n);
        T[] packed = new T[Recur.Kernels.Rnn.RnnMath.PackedSize(k, n)];
        int nr = Recur.Kernels.Rnn.RnnMath.PackWeights<T>(transB, k, n, b, ldb, packed);
        T[] got = new T[m * n], expected = new T[m * n];
        Recur.Kernels.Rnn.RnnMath.GemmPacked<T>(transB, m, n, k, a, k, b, ldb, packed, nr, T.Zero, got, n, 1);
        Recur.Kernels.Rnn.RnnMath.Gemm<T>(false, transB, m, n, k, a, k, b, ldb, T.Zero, expected, n, 1);
        for (int i = 0; i < got.Length; i++)
        {
            double g = double.CreateTruncating(got[i]), e = double.CreateTruncating(expected[i]);
            Assert.True(Math.Abs(g - e) <= 1e-4 * (1 + Math.Abs(e)), $"{typeof(T).Name} m={m} n={n} k={k} transB={transB} byRows={byRows}: C[{i / n},{i % n}] = {g:R} from the packed weights, {e:R} unpacked.");
        }
    }

    [Fact]
    public void Multiply_ThreeThreadsOnTallAndWideProducts_MatchesNaiveLoop() =>
        WithThreads(3, () =>
        {
            CheckAgainstNaive<float>(300, 300, 129, false, false);
            CheckAgainstNaive<float>(17, 300, 300, true, false);
            CheckAgainstNaive<double>(300, 17, 300, false, true);
        });

    [Theory]
    [InlineData(1, 512, 128)]
    [InlineData(16, 1024, 256)]
    [InlineData(300, 300, 300)]
    public void Multiply_SteadyState_AllocatesNothing(int m, int n, int k) =>
        WithThreads(2, () =>
        {
            float[] a = Data.Uniform<float>(m * k, 1), b = Data.Uniform<float>(k * n, 2), c = new float[m * n];
            for (int i = 0; i < 3; i++)
            {
                Gemm.Multiply(false, false, m, n, k, 1f, a, k, b, n, 0f, c, n);
                Gemm.Multiply(true, true, m, n, k, 1f, a, m, b, k, 1f, c, n);
            }

            // A window of 10 call pairs that allocates nothing, out of up to 5: a per-call allocation shows in every
            // window, while the runtime's own one-off work on this thread (tiered-JIT call counting reaching its
            // threshold mid-window, ~1 KB, seen in 1 of ~20 full runs on a busy machine) shows in one at most.
            long least = long.MaxValue;
            for (int window = 0; window < 5 && least != 0; window++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < 10; i++)
                {
                    Gemm.Multiply(false, false, m, n, k, 1f, a, k, b, n, 0f, c, n);
                    Gemm.Multiply(true, true, m, n, k, 1f, a, m, b, k, 1f, c, n);
                }

                least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
            }

            Assert.Equal(0, least);
        });

    [Fact]
    public void Multiply_ZeroK_ScalesCByBeta()
    {
        float[] c = [1, 2, 3, 4, 5, 6];
        Gemm.Multiply(false, false, 2, 3, 0, 1f, [], 1, [], 3, 2f, c, 3);
        Assert.Equal(new float[] { 2, 4, 6, 8, 10, 12 }, c);
    }

    [Fact]
    public void Multiply_AlphaZeroBetaZero_OverwritesNaNWithZeros()
    {
        double[] a = [1, 2, 3, 4];
        double[] c = [double.NaN, double.NaN, double.NaN, double.NaN];
        Gemm.Multiply(false, false, 2, 2, 2, 0.0, a, 2, a, 2, 0.0, c, 2);
        Assert.Equal(new double[] { 0, 0, 0, 0 }, c);
    }

    [Fact]
    public void Multiply_EmptyOutput_DoesNothing()
    {
        float[] c = [42f];
        Gemm.Multiply(false, false, 0, 5, 3, 1f, [], 3, new float[15], 5, 0f, c, 5);
        Gemm.Multiply(true, true, 4, 0, 3, 1f, new float[12], 4, [], 3, 0f, c, 1);
        Assert.Equal(42f, c[0]);
    }

    [Fact]
    public void Multiply_SmallKnownProduct_GivesExactValues()
    {
        // (2 x 3) . (3 x 2)
        float[] a = [1, 2, 3, 4, 5, 6];
        float[] b = [7, 8, 9, 10, 11, 12];
        float[] c = new float[4];
        Gemm.Multiply(false, false, 2, 2, 3, 1f, a, 3, b, 2, 0f, c, 2);
        Assert.Equal(new float[] { 58, 64, 139, 154 }, c);
    }

    [Fact]
    public void Multiply_NegativeDimension_ThrowsNamingIt()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(false, false, -1, 2, 2, 1f, new float[4], 2, new float[4], 2, 0f, new float[4], 2));
        Assert.Equal("m", e.ParamName);
        Assert.Contains("Gemm.Multiply: m must be non-negative, but is -1.", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(false, false, 2, 2, -3, 1.0, new double[4], 2, new double[4], 2, 0.0, new double[4], 2));
        Assert.Equal("k", e.ParamName);
    }

    [Fact]
    public void Multiply_LeadingDimensionTooSmall_ThrowsNamingIt()
    {
        var e = Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 2, 3, 4, 1f, new float[8], 3, new float[12], 3, 0f, new float[6], 3));
        Assert.Equal("lda", e.ParamName);
        Assert.Contains("lda must be at least 4 for a stored a of shape (2 x 4), but is 3.", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, true, 2, 3, 4, 1f, new float[8], 4, new float[12], 3, 0f, new float[6], 3));
        Assert.Equal("ldb", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 2, 3, 4, 1.0, new double[8], 4, new double[12], 3, 0.0, new double[6], 2));
        Assert.Equal("ldc", e.ParamName);
    }

    [Fact]
    public void Multiply_SpanTooShort_ThrowsNamingIt()
    {
        var e = Assert.Throws<ArgumentException>(() => Gemm.Multiply(true, false, 2, 3, 4, 1f, new float[7], 2, new float[12], 3, 0f, new float[6], 3));
        Assert.Equal("a", e.ParamName);
        Assert.Contains("a must hold at least 8 values for a stored (4 x 2) matrix with leading dimension 2, but has length 7.", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 2, 3, 4, 1f, new float[8], 4, new float[11], 3, 0f, new float[6], 3));
        Assert.Equal("b", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 2, 3, 4, 1.0, new double[8], 4, new double[12], 3, 0.0, new double[7], 5));
        Assert.Equal("c", e.ParamName);
    }

    [Fact]
    public void MaxThreads_LessThanOne_Throws()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.MaxThreads = 0);
        Assert.Contains("Gemm.MaxThreads", e.Message, StringComparison.Ordinal);
    }

    private static void WithThreads(int threads, Action body)
    {
        int saved = Gemm.MaxThreads;
        try
        {
            Gemm.MaxThreads = threads;
            body();
        }
        finally
        {
            Gemm.MaxThreads = saved;
        }
    }

    private static void WithPath(KernelPath path, Action body)
    {
        KernelPath saved = GemmSettings.Path;
        try
        {
            GemmSettings.Path = path;
            body();
        }
        finally
        {
            GemmSettings.Path = saved;
        }
    }

    /// <summary>
    /// Runs one product with padded leading dimensions and checks it against a triple loop in double.
    /// alpha/beta vary with the shape; with beta == 0 the old C is NaN (it must be ignored). The
    /// padding between C's rows holds a sentinel that must survive.
    /// </summary>
    private static void CheckAgainstNaive<T>(int m, int n, int k, bool transA, bool transB)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int variant = (m + (3 * n) + (7 * k) + (transA ? 1 : 0) + (transB ? 2 : 0)) % 4;
        (double alpha, double beta) = variant switch { 0 => (1.0, 0.0), 1 => (0.5, -1.5), 2 => (-2.0, 1.0), _ => (1.25, 0.0) };
        int pad = variant % 2 == 0 ? 0 : 3;
        int rowsA = transA ? k : m, colsA = transA ? m : k, lda = colsA + pad;
        int rowsB = transB ? n : k, colsB = transB ? k : n, ldb = colsB + pad + 1;
        int ldc = n + pad;
        T[] a = Data.Uniform<T>(((rowsA - 1) * lda) + colsA, seed: 1 + m + k);
        T[] b = Data.Uniform<T>(((rowsB - 1) * ldb) + colsB, seed: 2 + n + k);
        T[] c = Data.Uniform<T>(((m - 1) * ldc) + n, seed: 3 + m + n);
        T sentinel = T.CreateTruncating(12345.0);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                if (beta == 0)
                {
                    c[(i * ldc) + j] = T.NaN;
                }
            }

            for (int j = n; j < ldc && (i * ldc) + j < c.Length; j++)
            {
                c[(i * ldc) + j] = sentinel;
            }
        }

        T[] c0 = (T[])c.Clone();
        Multiply(transA, transB, m, n, k, T.CreateTruncating(alpha), a, lda, b, ldb, T.CreateTruncating(beta), c, ldc);

        double tol = Tolerance.For<T>(ToleranceKind.Accumulation);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0, scale = 0;
                for (int p = 0; p < k; p++)
                {
                    double av = double.CreateTruncating(transA ? a[(p * lda) + i] : a[(i * lda) + p]);
                    double bv = double.CreateTruncating(transB ? b[(j * ldb) + p] : b[(p * ldb) + j]);
                    sum += av * bv;
                    scale += Math.Abs(av * bv);
                }

                double old = double.CreateTruncating(c0[(i * ldc) + j]);
                double expected = (alpha * sum) + (beta == 0 ? 0 : beta * old);
                double bound = (Math.Abs(alpha) * scale) + (beta == 0 ? 0 : Math.Abs(beta * old));
                double actual = double.CreateTruncating(c[(i * ldc) + j]);
                if (!Tolerance.Close(actual, expected, tol, bound))
                {
                    Assert.Fail($"{typeof(T).Name} m={m} n={n} k={k} transA={transA} transB={transB} alpha={alpha} beta={beta}: C[{i},{j}] = {actual:R}, expected {expected:R}.");
                }
            }

            for (int j = n; j < ldc && (i * ldc) + j < c.Length; j++)
            {
                Assert.Equal(sentinel, c[(i * ldc) + j]);
            }
        }
    }

    /// <summary>One product on one thread, then repeatedly on 2 and 3 threads: every result must be bitwise the first.</summary>
    private static void CheckThreadsBitwise<T>(int m, int n, int k, bool transA, bool transB)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int lda = transA ? m : k, ldb = transB ? k : n;
        T[] a = Data.Uniform<T>(m * k, seed: 11 + m), b = Data.Uniform<T>(k * n, seed: 12 + n), c0 = Data.Uniform<T>(m * n, seed: 13 + k);
        T alpha = T.CreateTruncating(1.25), beta = T.CreateTruncating(-0.5);
        T[] expected = (T[])c0.Clone();
        WithThreads(1, () => Multiply(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, expected, n));
        foreach (int threads in new[] { 2, 3 })
        {
            WithThreads(threads, () =>
            {
                for (int round = 0; round < 8; round++)
                {
                    T[] c = (T[])c0.Clone();
                    Multiply(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, n);
                    for (int i = 0; i < c.Length; i++)
                    {
                        if (!c[i].Equals(expected[i]))
                        {
                            Assert.Fail($"{typeof(T).Name} m={m} n={n} k={k} transA={transA} transB={transB} threads={threads} round={round}: C[{i / n},{i % n}] = {c[i]:R}, one thread gave {expected[i]:R}.");
                        }
                    }
                }
            });
        }
    }

    private static void Multiply<T>(bool transA, bool transB, int m, int n, int k, T alpha, T[] a, int lda, T[] b, int ldb, T beta, T[] c, int ldc)
    {
        if (typeof(T) == typeof(float))
        {
            Gemm.Multiply(transA, transB, m, n, k, (float)(object)alpha!, (float[])(object)a, lda, (float[])(object)b, ldb, (float)(object)beta!, (float[])(object)c, ldc);
        }
        else
        {
            Gemm.Multiply(transA, transB, m, n, k, (double)(object)alpha!, (double[])(object)a, lda, (double[])(object)b, ldb, (double)(object)beta!, (double[])(object)c, ldc);
        }
    }
}
