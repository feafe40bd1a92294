using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Recur.Kernels.Rnn;

/// <summary>
/// The one-row recurrent step (float, AVX2 + FMA) and the per-row cell passes shared with the batched steps. The
/// recurrent weights are packed once per call into one panel per 8 units holding, for every k, the 8 columns of each
/// gate (<see cref="Pack"/>); a one-row step streams each panel once with h_{t-1}[k] broadcast from L1 and keeps the
/// gate sums in registers until the panel ends. The cell then runs as short row passes (bias and activations over
/// the gates, then the state update): their iterations are independent, so the out-of-order core overlaps the
/// long activation chains of neighbouring blocks, which one fused pass per 8 units could not (it was latency-bound at
/// about twice the time). h_t goes to a separate buffer (every panel reads h_{t-1}).
/// </summary>
/// <remarks>
/// The activations use Eigen's float tanh (the 13/6-degree rational interpolant on [−9, 9] that TensorFlow's CPU
/// kernels use; a couple of ulp) and σ(x) = 1 / (1 + 2^(−x·log₂e)) with a polynomial 2^f, whose error is absolute (≈1e-7).
/// With AVX-512F the row passes run 16 units at a time, with the same bits. Callers fall back to
/// GEMV plus the span-level cell where <see cref="IsSupported"/> is false (no AVX2/FMA, double).
/// </remarks>
internal static unsafe class FusedStep
{
    /// <summary>Units per panel: one 256-bit float vector.</summary>
    public const int Block = 8;

    /// <summary>Units per step of the row passes' 512-bit loops.</summary>
    private const int WideBlock = 16;

    // σ's constants: −log₂e, and the degree-5 Chebyshev interpolant of 2^f on [−½, ½] (c0 + c1·f + … + c5·f⁵).
    private const float NegLog2E = -1.44269504088896341f;
    private const float Exp2C0 = 1.0000000754548972f, Exp2C1 = 0.6931471880262287f, Exp2C2 = 0.24022107485308208f;
    private const float Exp2C3 = 0.05550357114219461f, Exp2C4 = 0.009676031918326564f, Exp2C5 = 0.0013390863364533504f;

    /// <summary>The row passes run 16 units at a time in 512-bit vectors (AVX-512F, <see cref="RnnSettings.WideCells"/>), then 8 at a time.</summary>
    private static bool Wide => Avx512F.IsSupported && RnnSettings.WideCells;

    /// <summary>True where the fused step runs: float with AVX2 and FMA.</summary>
    public static bool IsSupported<T>() => typeof(T) == typeof(float) && Avx2.IsSupported && Fma.IsSupported && Vector256.IsHardwareAccelerated;

    /// <summary>Floats that <see cref="Pack"/> writes for <paramref name="gates"/> gates of <paramref name="units"/> units and depth <paramref name="k"/>.</summary>
    public static long PackedSize(int gates, int units, int k) => (long)((units + Block - 1) / Block) * Block * gates * k;

    /// <summary>
    /// Packs gate columns into panels: panel b, row p holds gate g's columns [g0 + 8b, g0 + 8b + 8) of
    /// <paramref name="w"/> (row stride <paramref name="ldw"/>) at p·8·gates + 8·g; columns past the units are zero.
    /// <paramref name="gateOffsets"/>[g] is gate g's first column in its matrix; gate g reads <paramref name="w"/> when
    /// g &lt; <paramref name="firstGatesFromW"/>, else <paramref name="w2"/> (row stride <paramref name="ldw2"/>).
    /// </summary>
    public static void Pack(
        float* dst, int units, int k, float* w, int ldw, int firstGatesFromW, float* w2, int ldw2, ReadOnlySpan<int> gateOffsets)
    {
        int gates = gateOffsets.Length;
        int blocks = (units + Block - 1) / Block;
        int b0 = 0;
        if (RnnSettings.PairedPack)
        {
            // Two full blocks at a time: each row's 16 columns of a gate (a cache line when aligned) go to both panels in
            // one pass, so the source (often cold, in L3) is read once row by row instead of once per panel.
            for (; b0 + 2 <= units / Block; b0 += 2)
            {
                int u0 = b0 * Block;
                float* panel0 = dst + ((long)b0 * k * Block * gates), panel1 = panel0 + ((long)k * Block * gates);
                for (int p = 0; p < k; p++)
                {
                    long o = (long)p * Block * gates;
                    for (int g = 0; g < gates; g++)
                    {
                        float* src = g < firstGatesFromW ? w + ((long)p * ldw) + gateOffsets[g] + u0 : w2 + ((long)p * ldw2) + gateOffsets[g] + u0;
                        Vector256.Load(src).Store(panel0 + o + (g * Block));
                        Vector256.Load(src + Block).Store(panel1 + o + (g * Block));
                    }
                }
            }
        }

        for (int b = b0; b < blocks; b++)
        {
            int u0 = b * Block, n = Math.Min(Block, units - u0);
            float* panel = dst + ((long)b * k * Block * gates);
            for (int p = 0; p < k; p++)
            {
                float* d = panel + ((long)p * Block * gates);
                for (int g = 0; g < gates; g++)
                {
                    float* src = g < firstGatesFromW ? w + ((long)p * ldw) + gateOffsets[g] + u0 : w2 + ((long)p * ldw2) + gateOffsets[g] + u0;
                    if (n == Block)
                    {
                        // A full block: one vector (this pack runs on every call, ahead of a batch-1 sequence).
                        Vector256.Load(src).Store(d + (g * Block));
                        continue;
                    }

                    int e = 0;
                    for (; e < n; e++)
                    {
                        d[(g * Block) + e] = src[e];
                    }

                    for (; e < Block; e++)
                    {
                        d[(g * Block) + e] = 0f;
                    }
                }
            }
        }
    }

    /// <summary>
    /// One LSTM step of one row (no peepholes, clip or projection). <paramref name="g"/>: the row's x·Wx (4H, gates
    /// i, j, f, o) in; with <paramref name="training"/>, the activations σ(i), tanh(j), σ(f), σ(o) out.
    /// <paramref name="c"/>: c_{t-1} in, c_t out; <paramref name="cSave"/> (training): c_t again, else null.
    /// <paramref name="hOut"/>: h_t; must not be <paramref name="h"/>. <paramref name="rec"/>: 4H floats of scratch for the
    /// recurrent sums. <paramref name="reverse"/>: visit the panels from the last one back (alternate it step by step,
    /// <see cref="RnnSettings.Serpentine"/>, so each step starts on the panels the previous one left in L1).
    /// [<paramref name="blockFrom"/>, <paramref name="blockTo"/>): the 8-unit blocks to compute (a weight slice of the
    /// one-row unit split; every block by default): only their units of <paramref name="g"/>, <paramref name="rec"/>,
    /// <paramref name="c"/>, <paramref name="cSave"/> and <paramref name="hOut"/> are touched.
    /// </summary>
    public static void Lstm(
        float* panels, float* h, int k, int units, float* g, float* rec, float* bias, float forgetBias, float* c, float* cSave, float* hOut, bool training,
        bool reverse = false, int blockFrom = 0, int blockTo = int.MaxValue)
    {
        int blocks = Math.Min((units + Block - 1) / Block, blockTo) - blockFrom;
        for (int visit = 0; visit < blocks; visit++)
        {
            int b = blockFrom + (reverse ? blocks - 1 - visit : visit);
            int u0 = b * Block, n = Math.Min(Block, units - u0);
            float* w = panels + ((long)b * k * 4 * Block);
            Vector256<float> i0 = default, j0 = default, f0 = default, o0 = default;
            Vector256<float> i1 = default, j1 = default, f1 = default, o1 = default;
            int p = 0;
            for (; p + 2 <= k; p += 2)
            {
                float* r = w + (p * 4 * Block);
                var h0 = Vector256.Create(h[p]);
                var h1 = Vector256.Create(h[p + 1]);
                i0 = Fma.MultiplyAdd(h0, Vector256.Load(r), i0);
                j0 = Fma.MultiplyAdd(h0, Vector256.Load(r + 8), j0);
                f0 = Fma.MultiplyAdd(h0, Vector256.Load(r + 16), f0);
                o0 = Fma.MultiplyAdd(h0, Vector256.Load(r + 24), o0);
                i1 = Fma.MultiplyAdd(h1, Vector256.Load(r + 32), i1);
                j1 = Fma.MultiplyAdd(h1, Vector256.Load(r + 40), j1);
                f1 = Fma.MultiplyAdd(h1, Vector256.Load(r + 48), f1);
                o1 = Fma.MultiplyAdd(h1, Vector256.Load(r + 56), o1);
            }

            if (p < k)
            {
                float* r = w + (p * 4 * Block);
                var h0 = Vector256.Create(h[p]);
                i0 = Fma.MultiplyAdd(h0, Vector256.Load(r), i0);
                j0 = Fma.MultiplyAdd(h0, Vector256.Load(r + 8), j0);
                f0 = Fma.MultiplyAdd(h0, Vector256.Load(r + 16), f0);
                o0 = Fma.MultiplyAdd(h0, Vector256.Load(r + 24), o0);
            }

            StoreSums(rec + u0, units, n, i0 + i1, j0 + j1, f0 + f1, o0 + o1);
        }

        // The cell as two row passes (see LstmCell) on the blocks' units; the activations land in g either way.
        int ua = blockFrom * Block, uw = Math.Min(units, (blockFrom + blocks) * Block) - ua;
        LstmCell(g + ua, units, rec + ua, units, bias + ua, forgetBias, c + ua, (training ? cSave : c) + ua, hOut + ua, uw);
    }

    /// <summary>Stores the gate sums of one 8-unit block (n valid) at <paramref name="dst"/> + gate·<paramref name="units"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreSums(
        float* dst, int units, int n, Vector256<float> s0, Vector256<float> s1, Vector256<float> s2, Vector256<float> s3, int gates = 4)
    {
        Store(s0, dst, n);
        Store(s1, dst + units, n);
        Store(s2, dst + (2 * units), n);
        if (gates > 3)
        {
            Store(s3, dst + (3 * units), n);
        }
    }

    /// <summary>
    /// The gates and state update of one LSTM row after its recurrent product (no peepholes or clip), in one pass:
    /// z = <paramref name="g"/> + <paramref name="rec"/> + bias (+ forget bias on f); on exit <paramref name="g"/>
    /// holds σ(i), tanh(j), σ(f), σ(o), <paramref name="c"/> and <paramref name="cRaw"/> hold c_t =
    /// σ(f)⊙c_{t-1} + σ(i)⊙tanh(j), and <paramref name="m"/> = σ(o)⊙tanh(c_t). <paramref name="cRaw"/> may be
    /// <paramref name="c"/>.
    /// </summary>
    public static void LstmCell(float* g, float* rec, float* bias, float forgetBias, float* c, float* cRaw, float* m, int units) =>
        LstmCell(g, units, rec, units, bias, forgetBias, c, cRaw, m, units);

    /// <summary>
    /// <see cref="LstmCell(float*, float*, float*, float, float*, float*, float*, int)"/> on a range of
    /// <paramref name="units"/> units whose gates lie <paramref name="gStride"/> apart in <paramref name="g"/> and
    /// the bias, and <paramref name="recStride"/> apart in <paramref name="rec"/> (a unit-split part's slice).
    /// </summary>
    // Not inlined into its forwarding overload or a caller: its loops' tanh must fit the JIT's inlining budget (see Activate).
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void LstmCell(float* g, int gStride, float* rec, int recStride, float* bias, float forgetBias, float* c, float* cRaw, float* m, int units)
    {
        // Two passes over the row rather than one per 8 units: each activation is a chain of ~15–25 dependent
        // instructions, and an 8-unit block needs five of them plus tanh(c_t) after the other four, so a single fused
        // pass is bound by that latency (≈220 cycles a block with the exp form). Short loops with independent iterations let the out-of-order
        // core overlap the chains of neighbouring blocks (≈2× faster); the extra traffic stays in L1.
        Activate(g, g, rec, bias, 0f, tanh: false, units);
        Activate(g + gStride, g + gStride, rec + recStride, bias + gStride, 0f, tanh: true, units);
        Activate(g + (2 * gStride), g + (2 * gStride), rec + (2 * recStride), bias + (2 * gStride), forgetBias, tanh: false, units);
        Activate(g + (3 * gStride), g + (3 * gStride), rec + (3 * recStride), bias + (3 * gStride), 0f, tanh: false, units);
        float* gi = g, gj = g + gStride, gf = g + (2 * gStride), go = g + (3 * gStride);
        int u = 0;
        if (Wide)
        {
            for (; u + WideBlock <= units; u += WideBlock)
            {
                Vector512<float> cNew = Avx512F.FusedMultiplyAdd(Vector512.Load(gf + u), Vector512.Load(c + u), Vector512.Load(gi + u) * Vector512.Load(gj + u));
                cNew.Store(c + u);
                cNew.Store(cRaw + u);
                (Vector512.Load(go + u) * Tanh(cNew)).Store(m + u);
            }
        }

        for (; u + Block <= units; u += Block)
        {
            Vector256<float> cNew = Fma.MultiplyAdd(Vector256.Load(gf + u), Vector256.Load(c + u), Vector256.Load(gi + u) * Vector256.Load(gj + u));
            cNew.Store(c + u);
            cNew.Store(cRaw + u);
            (Vector256.Load(go + u) * Tanh(cNew)).Store(m + u);
        }

        if (u < units)
        {
            Vector256<float> mask = TailMask(units - u);
            Vector256<float> cNew = Fma.MultiplyAdd(Avx.MaskLoad(gf + u, mask), Avx.MaskLoad(c + u, mask), Avx.MaskLoad(gi + u, mask) * Avx.MaskLoad(gj + u, mask));
            Avx.MaskStore(c + u, mask, cNew);
            Avx.MaskStore(cRaw + u, mask, cNew);
            Avx.MaskStore(m + u, mask, Avx.MaskLoad(go + u, mask) * Tanh(cNew));
        }
    }

    /// <summary>
    /// <paramref name="dst"/>[i] = act(<paramref name="a"/>[i] + <paramref name="b"/>[i] + <paramref name="bias"/>[i] + <paramref name="add"/>)
    /// for i &lt; <paramref name="n"/>, act = σ, or tanh when <paramref name="tanh"/>; <paramref name="dst"/> may be
    /// <paramref name="a"/>. One short loop whose iterations are independent, so their activation chains overlap.
    /// </summary>
    private static void Activate(float* dst, float* a, float* b, float* bias, float add, bool tanh, int n)
    {
        if (tanh)
        {
            Activate<TanhAct>(dst, a, b, bias, add, n);
        }
        else
        {
            Activate<SigmoidAct>(dst, a, b, bias, add, n);
        }
    }

    // Not inlined: inlined into a cell pass (with its own loops' tanh), it used up the JIT's inlining budget, which then
    // left tanh and σ in the pass's loops as calls, the vectors passed through memory.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Activate<TAct>(float* dst, float* a, float* b, float* bias, float add, int n)
        where TAct : struct, IActivation
    {
        int i = 0;
        if (Wide)
        {
            Vector512<float> wAdd = Vector512.Create(add);
            for (; i + WideBlock <= n; i += WideBlock)
            {
                TAct.Apply(Vector512.Load(a + i) + Vector512.Load(b + i) + (Vector512.Load(bias + i) + wAdd)).Store(dst + i);
            }
        }

        Vector256<float> vAdd = Vector256.Create(add);
        for (; i + Block <= n; i += Block)
        {
            TAct.Apply(Vector256.Load(a + i) + Vector256.Load(b + i) + (Vector256.Load(bias + i) + vAdd)).Store(dst + i);
        }

        if (i < n)
        {
            Vector256<float> mask = TailMask(n - i);
            Vector256<float> z = Avx.MaskLoad(a + i, mask) + Avx.MaskLoad(b + i, mask) + (Avx.MaskLoad(bias + i, mask) + vAdd);
            Avx.MaskStore(dst + i, mask, TAct.Apply(z));
        }
    }

    /// <summary>
    /// <paramref name="dst"/>[i] = tanh(<paramref name="x"/>[i]), or σ(x[i]) with <paramref name="sigmoid"/>, for i &lt;
    /// <paramref name="n"/> (may be in place): the span-level activations of the cells' other passes (the LSTM's
    /// backward tanh(c_t), the peephole and clip forms), with the same function as the fused passes.
    /// </summary>
    public static void ActivateRow(float* x, float* dst, int n, bool sigmoid)
    {
        if (sigmoid)
        {
            ActivateRow<SigmoidAct>(x, dst, n);
        }
        else
        {
            ActivateRow<TanhAct>(x, dst, n);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ActivateRow<TAct>(float* x, float* dst, int n)
        where TAct : struct, IActivation
    {
        int i = 0;
        if (Wide)
        {
            for (; i + WideBlock <= n; i += WideBlock)
            {
                TAct.Apply(Vector512.Load(x + i)).Store(dst + i);
            }
        }

        for (; i + Block <= n; i += Block)
        {
            TAct.Apply(Vector256.Load(x + i)).Store(dst + i);
        }

        if (i < n)
        {
            Vector256<float> mask = TailMask(n - i);
            Avx.MaskStore(dst + i, mask, TAct.Apply(Avx.MaskLoad(x + i, mask)));
        }
    }

    /// <summary><paramref name="z"/>[i] = tanh(<paramref name="z"/>[i] + <paramref name="bias"/>[i]) for i &lt; <paramref name="n"/>: a batched simple-RNN row after its recurrent product.</summary>
    public static void BiasTanh(float* z, float* bias, int n)
    {
        int i = 0;
        if (Wide)
        {
            for (; i + WideBlock <= n; i += WideBlock)
            {
                Tanh(Vector512.Load(z + i) + Vector512.Load(bias + i)).Store(z + i);
            }
        }

        for (; i + Block <= n; i += Block)
        {
            Vector256<float> v = Vector256.Load(z + i) + Vector256.Load(bias + i);
            Tanh(v).Store(z + i);
        }

        if (i < n)
        {
            Vector256<float> mask = TailMask(n - i);
            Vector256<float> v = Avx.MaskLoad(z + i, mask) + Avx.MaskLoad(bias + i, mask);
            Avx.MaskStore(z + i, mask, Tanh(v));
        }
    }

    /// <summary>Lanes [0, n) set (n in 1..8): the mask of a partial block for <c>Avx.MaskLoad</c>/<c>MaskStore</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> TailMask(int n) =>
        Vector256.LessThan(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(n)).AsSingle();

    /// <summary>
    /// The gates and update of one reset-after GRU row after its recurrent products, in one pass. <paramref name="g"/>:
    /// x·[Wgx | Wcx] (3H: r, u, c) in; r, u, c activations out. <paramref name="rec"/>: h·[Wgh | Wch] (3H).
    /// <paramref name="aux"/> = h·Wch + bch (saved for the backward pass); <paramref name="hNew"/> = u⊙h + (1−u)⊙c, which
    /// may be <paramref name="hPrev"/>.
    /// </summary>
    public static void GruAfterCell(float* g, float* rec, float* gateBias, float* cBias, float* chBias, float* aux, float* hPrev, float* hNew, int units) =>
        GruAfterCell(g, units, rec, units, gateBias, cBias, chBias, aux, hPrev, hNew, units);

    /// <summary>
    /// <see cref="GruAfterCell(float*, float*, float*, float*, float*, float*, float*, float*, int)"/> on a range of
    /// <paramref name="units"/> units whose gates lie <paramref name="gStride"/> apart in <paramref name="g"/> and
    /// <paramref name="gateBias"/> and <paramref name="recStride"/> apart in <paramref name="rec"/> (a weight slice's units).
    /// </summary>
    // Not inlined into its forwarding overload or a caller: its loops' tanh must fit the JIT's inlining budget (see Activate).
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void GruAfterCell(
        float* g, int gStride, float* rec, int recStride, float* gateBias, float* cBias, float* chBias, float* aux, float* hPrev, float* hNew, int units)
    {
        // r and u first, then the candidate and the update (two passes, as in LstmCell).
        if (gStride == units && recStride == units)
        {
            Activate(g, g, rec, gateBias, 0f, tanh: false, 2 * units);
        }
        else
        {
            Activate(g, g, rec, gateBias, 0f, tanh: false, units);
            Activate(g + gStride, g + gStride, rec + recStride, gateBias + gStride, 0f, tanh: false, units);
        }

        float* gr = g, gu = g + gStride, gc = g + (2 * gStride), rc = rec + (2 * recStride);
        int u = 0;
        if (Wide)
        {
            for (; u + WideBlock <= units; u += WideBlock)
            {
                Vector512<float> hc = Vector512.Load(rc + u) + Vector512.Load(chBias + u);
                Vector512<float> ac = Tanh(Avx512F.FusedMultiplyAdd(Vector512.Load(gr + u), hc, Vector512.Load(gc + u) + Vector512.Load(cBias + u)));
                Avx512F.FusedMultiplyAdd(Vector512.Load(gu + u), Vector512.Load(hPrev + u) - ac, ac).Store(hNew + u);
                ac.Store(gc + u);
                if (aux is not null)
                {
                    hc.Store(aux + u);
                }
            }
        }

        for (; u + Block <= units; u += Block)
        {
            Vector256<float> hc = Vector256.Load(rc + u) + Vector256.Load(chBias + u);
            Vector256<float> ac = Tanh(Fma.MultiplyAdd(Vector256.Load(gr + u), hc, Vector256.Load(gc + u) + Vector256.Load(cBias + u)));
            Fma.MultiplyAdd(Vector256.Load(gu + u), Vector256.Load(hPrev + u) - ac, ac).Store(hNew + u);
            ac.Store(gc + u);
            if (aux is not null)
            {
                hc.Store(aux + u);
            }
        }

        if (u < units)
        {
            Vector256<float> mask = TailMask(units - u);
            Vector256<float> hc = Avx.MaskLoad(rc + u, mask) + Avx.MaskLoad(chBias + u, mask);
            Vector256<float> ac = Tanh(Fma.MultiplyAdd(Avx.MaskLoad(gr + u, mask), hc, Avx.MaskLoad(gc + u, mask) + Avx.MaskLoad(cBias + u, mask)));
            Avx.MaskStore(hNew + u, mask, Fma.MultiplyAdd(Avx.MaskLoad(gu + u, mask), Avx.MaskLoad(hPrev + u, mask) - ac, ac));
            Avx.MaskStore(gc + u, mask, ac);
            if (aux is not null)
            {
                Avx.MaskStore(aux + u, mask, hc);
            }
        }
    }

    /// <summary>
    /// The gates of one reset-before GRU row: <paramref name="ru"/> (2H: r, u) = σ(x·Wgx + h·Wgh + bias) in place
    /// (<paramref name="rec"/> holds h·Wgh; an <see cref="Activate"/> pass over each gate), then
    /// <paramref name="rh"/> = r ⊙ h for the candidate's product.
    /// </summary>
    public static void GruBeforeGates(float* ru, float* rec, float* gateBias, float* hPrev, float* rh, int units) =>
        GruBeforeGates(ru, units, rec, units, gateBias, hPrev, rh, units);

    /// <summary>
    /// <see cref="GruBeforeGates(float*, float*, float*, float*, float*, int)"/> on a range of <paramref name="units"/>
    /// units whose r and u gates lie <paramref name="gStride"/> apart in <paramref name="ru"/> and the bias, and
    /// <paramref name="recStride"/> apart in <paramref name="rec"/> (a unit-split part's slice).
    /// </summary>
    public static void GruBeforeGates(float* ru, int gStride, float* rec, int recStride, float* gateBias, float* hPrev, float* rh, int units)
    {
        Activate(ru, ru, rec, gateBias, 0f, tanh: false, units);
        Activate(ru + gStride, ru + gStride, rec + recStride, gateBias + gStride, 0f, tanh: false, units);
        int u = 0;
        for (; u + Block <= units; u += Block)
        {
            (Vector256.Load(ru + u) * Vector256.Load(hPrev + u)).Store(rh + u);
        }

        if (u < units)
        {
            Vector256<float> mask = TailMask(units - u);
            Avx.MaskStore(rh + u, mask, Avx.MaskLoad(ru + u, mask) * Avx.MaskLoad(hPrev + u, mask));
        }
    }

    /// <summary>
    /// The candidate and update of one reset-before GRU row: <paramref name="gc"/> = tanh(x·Wcx + (r⊙h)·Wch + bc) in place
    /// (<paramref name="recC"/> holds (r⊙h)·Wch), <paramref name="hNew"/> = u⊙h + (1−u)⊙c (may be <paramref name="hPrev"/>).
    /// </summary>
    public static void GruBeforeCandidate(float* gc, float* recC, float* cBias, float* u, float* hPrev, float* hNew, int units)
    {
        Activate(gc, gc, recC, cBias, 0f, tanh: true, units);
        int i = 0;
        for (; i + Block <= units; i += Block)
        {
            Vector256<float> ac = Vector256.Load(gc + i);
            Fma.MultiplyAdd(Vector256.Load(u + i), Vector256.Load(hPrev + i) - ac, ac).Store(hNew + i);
        }

        if (i < units)
        {
            Vector256<float> mask = TailMask(units - i);
            Vector256<float> ac = Avx.MaskLoad(gc + i, mask);
            Avx.MaskStore(hNew + i, mask, Fma.MultiplyAdd(Avx.MaskLoad(u + i, mask), Avx.MaskLoad(hPrev + i, mask) - ac, ac));
        }
    }

    /// <summary>
    /// One reset-after GRU step of one row. <paramref name="g"/>: the row's x·[Wgx | Wcx] (3H: r, u, c) in; with
    /// <paramref name="training"/>, the activations r, u, c out and <paramref name="hcSave"/> = h·Wch + bch.
    /// Panels: gates r, u, c (from Wgh and Wch). h_t = u⊙h + (1−u)⊙c into <paramref name="hOut"/> (not <paramref name="h"/>).
    /// </summary>
    public static void GruResetAfter(
        float* panels, float* h, int units, float* g, float* rec, float* gateBias, float* cBias, float* chBias, float* hcSave, float* hOut, bool training,
        bool reverse = false, int blockFrom = 0, int blockTo = int.MaxValue)
    {
        int k = units, blocks = Math.Min((units + Block - 1) / Block, blockTo) - blockFrom;
        for (int visit = 0; visit < blocks; visit++)
        {
            int b = blockFrom + (reverse ? blocks - 1 - visit : visit);
            int u0 = b * Block, n = Math.Min(Block, units - u0);
            float* w = panels + ((long)b * k * 3 * Block);
            Vector256<float> r0 = default, x0 = default, c0 = default, r1 = default, x1 = default, c1 = default;
            int p = 0;
            for (; p + 2 <= k; p += 2)
            {
                float* q = w + (p * 3 * Block);
                var h0 = Vector256.Create(h[p]);
                var h1 = Vector256.Create(h[p + 1]);
                r0 = Fma.MultiplyAdd(h0, Vector256.Load(q), r0);
                x0 = Fma.MultiplyAdd(h0, Vector256.Load(q + 8), x0);
                c0 = Fma.MultiplyAdd(h0, Vector256.Load(q + 16), c0);
                r1 = Fma.MultiplyAdd(h1, Vector256.Load(q + 24), r1);
                x1 = Fma.MultiplyAdd(h1, Vector256.Load(q + 32), x1);
                c1 = Fma.MultiplyAdd(h1, Vector256.Load(q + 40), c1);
            }

            if (p < k)
            {
                float* q = w + (p * 3 * Block);
                var h0 = Vector256.Create(h[p]);
                r0 = Fma.MultiplyAdd(h0, Vector256.Load(q), r0);
                x0 = Fma.MultiplyAdd(h0, Vector256.Load(q + 8), x0);
                c0 = Fma.MultiplyAdd(h0, Vector256.Load(q + 16), c0);
            }

            StoreSums(rec + u0, units, n, r0 + r1, x0 + x1, c0 + c1, default, gates: 3);
        }

        int ua = blockFrom * Block, uw = Math.Min(units, (blockFrom + blocks) * Block) - ua;
        GruAfterCell(
            g + ua, units, rec + ua, units, gateBias + ua, cBias + ua, chBias + ua, training ? hcSave + ua : null, h + ua, hOut + ua, uw);
    }

    /// <summary>
    /// One simple-RNN step of one row: z (the row's x·Wx, in place) becomes act(z + h·Wh + bias), which is h_t
    /// (written only to <paramref name="z"/>; <paramref name="h"/> is read).
    /// </summary>
    public static void SimpleRnn(float* panels, float* h, int units, float* z, float* bias, bool tanh, bool reverse = false)
    {
        int k = units, blocks = (units + Block - 1) / Block;
        for (int visit = 0; visit < blocks; visit++)
        {
            int b = reverse ? blocks - 1 - visit : visit;
            int u0 = b * Block, n = Math.Min(Block, units - u0);
            float* w = panels + ((long)b * k * Block);
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            int p = 0;
            for (; p + 4 <= k; p += 4)
            {
                float* q = w + (p * Block);
                a0 = Fma.MultiplyAdd(Vector256.Create(h[p]), Vector256.Load(q), a0);
                a1 = Fma.MultiplyAdd(Vector256.Create(h[p + 1]), Vector256.Load(q + 8), a1);
                a2 = Fma.MultiplyAdd(Vector256.Create(h[p + 2]), Vector256.Load(q + 16), a2);
                a3 = Fma.MultiplyAdd(Vector256.Create(h[p + 3]), Vector256.Load(q + 24), a3);
            }

            for (; p < k; p++)
            {
                a0 = Fma.MultiplyAdd(Vector256.Create(h[p]), Vector256.Load(w + (p * Block)), a0);
            }

            Vector256<float> v = (a0 + a1) + (a2 + a3) + Load(z + u0, n) + Load(bias + u0, n);
            Store(tanh ? Tanh(v) : Vector256.Max(v, Vector256<float>.Zero), z + u0, n);
        }
    }

    /// <summary>The first <paramref name="n"/> (1..8) floats at <paramref name="p"/>, zeros past them (a masked load; nothing past is read).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Load(float* p, int n) => n == Block ? Vector256.Load(p) : Avx.MaskLoad(p, TailMask(n));

    /// <summary>Stores the first <paramref name="n"/> (1..8) lanes of <paramref name="v"/> at <paramref name="p"/> (a masked store).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector256<float> v, float* p, int n)
    {
        if (n == Block)
        {
            v.Store(p);
        }
        else
        {
            Avx.MaskStore(p, TailMask(n), v);
        }
    }

    /// <summary>
    /// σ(x) = 1 / (1 + 2^y), y = −x·log₂e clamped to [−126, 126] (σ is within 1e-38 of 0 or 1 beyond), split as n + f
    /// with n = round(y): 2^f by the degree-5 Chebyshev interpolant on [−½, ½] (relative error 1.0e-7), times 2^n
    /// built in the exponent bits. Absolute error 9.7e-8 on [−30, 30] (<c>rnn-cell</c>), 11 vector operations and a
    /// divide: 0.69× the time of the earlier ½·tanh(x/2) + ½. <see cref="Sigmoid(Vector512{float})"/> gives the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid(Vector256<float> x)
    {
        Vector256<float> y = Vector256.Min(Vector256.Max(x * Vector256.Create(NegLog2E), Vector256.Create(-126f)), Vector256.Create(126f));
        Vector256<float> n = Avx.RoundToNearestInteger(y);
        Vector256<float> f = y - n;
        Vector256<float> p = Fma.MultiplyAdd(f, Vector256.Create(Exp2C5), Vector256.Create(Exp2C4));
        p = Fma.MultiplyAdd(p, f, Vector256.Create(Exp2C3));
        p = Fma.MultiplyAdd(p, f, Vector256.Create(Exp2C2));
        p = Fma.MultiplyAdd(p, f, Vector256.Create(Exp2C1));
        p = Fma.MultiplyAdd(p, f, Vector256.Create(Exp2C0));
        Vector256<float> scale = Avx2.ShiftLeftLogical(Avx.ConvertToVector256Int32(n) + Vector256.Create(127), 23).AsSingle();
        return Vector256<float>.One / Fma.MultiplyAdd(p, scale, Vector256<float>.One);
    }

    /// <summary><see cref="Sigmoid(Vector256{float})"/> on 16 lanes (AVX-512F; vscalefps scales by 2^n): the same bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sigmoid(Vector512<float> x)
    {
        Vector512<float> y = Vector512.Min(Vector512.Max(x * Vector512.Create(NegLog2E), Vector512.Create(-126f)), Vector512.Create(126f));
        Vector512<float> n = Avx512F.RoundScale(y, 0);
        Vector512<float> f = y - n;
        Vector512<float> p = Avx512F.FusedMultiplyAdd(f, Vector512.Create(Exp2C5), Vector512.Create(Exp2C4));
        p = Avx512F.FusedMultiplyAdd(p, f, Vector512.Create(Exp2C3));
        p = Avx512F.FusedMultiplyAdd(p, f, Vector512.Create(Exp2C2));
        p = Avx512F.FusedMultiplyAdd(p, f, Vector512.Create(Exp2C1));
        p = Avx512F.FusedMultiplyAdd(p, f, Vector512.Create(Exp2C0));
        return Vector512<float>.One / (Vector512<float>.One + Avx512F.Scale(p, n));
    }

    /// <summary>
    /// tanh(x) by the 13/6-degree rational interpolant on [−9, 9] that Eigen (and so TensorFlow's CPU kernels) use for
    /// float, ±1 outside, kept in [−1, 1]: accurate to a couple of ulp, with 17 vector operations and no exp. The
    /// polynomials in x² are evaluated by Estrin's scheme (pairs of coefficients, then x⁴ and x⁸) rather than Horner's:
    /// the same coefficients with a dependency chain of 4 FMAs instead of 6, which measured 0.88× the time of a
    /// row of activations (<c>rnn-cell</c>); the error bound is unchanged (2.4e-7 absolute on [−10, 10]).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x)
    {
        x = Vector256.Min(Vector256.Max(x, Vector256.Create(-9f)), Vector256.Create(9f));
        Vector256<float> x2 = x * x, x4 = x2 * x2, x8 = x4 * x4;
        Vector256<float> p01 = Fma.MultiplyAdd(x2, Vector256.Create(6.37261928875436e-04f), Vector256.Create(4.89352455891786e-03f));
        Vector256<float> p23 = Fma.MultiplyAdd(x2, Vector256.Create(5.12229709037114e-08f), Vector256.Create(1.48572235717979e-05f));
        Vector256<float> p45 = Fma.MultiplyAdd(x2, Vector256.Create(2.00018790482477e-13f), Vector256.Create(-8.60467152213735e-11f));
        Vector256<float> p456 = Fma.MultiplyAdd(x4, Vector256.Create(-2.76076847742355e-16f), p45);
        Vector256<float> p = Fma.MultiplyAdd(x8, p456, Fma.MultiplyAdd(x4, p23, p01));
        Vector256<float> q01 = Fma.MultiplyAdd(x2, Vector256.Create(2.26843463243900e-03f), Vector256.Create(4.89352518554385e-03f));
        Vector256<float> q23 = Fma.MultiplyAdd(x2, Vector256.Create(1.19825839466702e-06f), Vector256.Create(1.18534705686654e-04f));
        Vector256<float> q = Fma.MultiplyAdd(x4, q23, q01);

        // The interpolant overshoots ±1 by an ulp near the clamp; a gate or state must stay in [−1, 1] (and σ in [0, 1]).
        return Vector256.Min(Vector256.Max(x * p / q, Vector256.Create(-1f)), Vector256<float>.One);
    }

    /// <summary><see cref="Tanh(Vector256{float})"/> on 16 lanes (AVX-512F): the same coefficients, operations and bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> x)
    {
        x = Vector512.Min(Vector512.Max(x, Vector512.Create(-9f)), Vector512.Create(9f));
        Vector512<float> x2 = x * x, x4 = x2 * x2, x8 = x4 * x4;
        Vector512<float> p01 = Avx512F.FusedMultiplyAdd(x2, Vector512.Create(6.37261928875436e-04f), Vector512.Create(4.89352455891786e-03f));
        Vector512<float> p23 = Avx512F.FusedMultiplyAdd(x2, Vector512.Create(5.12229709037114e-08f), Vector512.Create(1.48572235717979e-05f));
        Vector512<float> p45 = Avx512F.FusedMultiplyAdd(x2, Vector512.Create(2.00018790482477e-13f), Vector512.Create(-8.60467152213735e-11f));
        Vector512<float> p456 = Avx512F.FusedMultiplyAdd(x4, Vector512.Create(-2.76076847742355e-16f), p45);
        Vector512<float> p = Avx512F.FusedMultiplyAdd(x8, p456, Avx512F.FusedMultiplyAdd(x4, p23, p01));
        Vector512<float> q01 = Avx512F.FusedMultiplyAdd(x2, Vector512.Create(2.26843463243900e-03f), Vector512.Create(4.89352518554385e-03f));
        Vector512<float> q23 = Avx512F.FusedMultiplyAdd(x2, Vector512.Create(1.19825839466702e-06f), Vector512.Create(1.18534705686654e-04f));
        Vector512<float> q = Avx512F.FusedMultiplyAdd(x4, q23, q01);
        return Vector512.Min(Vector512.Max(x * p / q, Vector512.Create(-1f)), Vector512<float>.One);
    }

    /// <summary>An activation on 8 or 16 lanes, for the row passes' generic loops.</summary>
    private interface IActivation
    {
        static abstract Vector256<float> Apply(Vector256<float> x);

        static abstract Vector512<float> Apply(Vector512<float> x);
    }

    private readonly struct TanhAct : IActivation
    {
        public static Vector256<float> Apply(Vector256<float> x) => Tanh(x);

        public static Vector512<float> Apply(Vector512<float> x) => Tanh(x);
    }

    private readonly struct SigmoidAct : IActivation
    {
        public static Vector256<float> Apply(Vector256<float> x) => Sigmoid(x);

        public static Vector512<float> Apply(Vector512<float> x) => Sigmoid(x);
    }
}
