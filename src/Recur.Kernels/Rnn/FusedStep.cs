using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Recur.Kernels.Rnn;

/// <summary>
/// The one-row recurrent step with the cell in the GEMV's epilogue (float, AVX2 + FMA): the DeepCPU / oneDNN
/// post-GEMM idea for batch 1. The recurrent weights are packed once per call into one panel per 8 units holding,
/// for every k, the 8 columns of each gate (<see cref="Pack"/>); a step then streams each panel once with
/// h_{t-1}[k] broadcast from L1, keeps the gate sums in registers, and finishes those 8 units at once: bias, the
/// activations, the state update, the saved activations. h_t goes to a separate buffer (every panel reads h_{t-1}).
/// </summary>
/// <remarks>
/// The activations use a Cephes-style exp (degree-6 polynomial, 2^n by exponent bits; relative error ≤ 1.2e-7 on
/// [-87, 88]): σ(x) = 1/(1 + e^-x), tanh(x) = 2σ(2x) − 1, whose error is absolute (≈1e-7), like
/// <c>TensorPrimitives.Tanh</c>'s near 0. Callers fall back to GEMV plus the span-level cell where
/// <see cref="IsSupported"/> is false (no AVX2/FMA, double).
/// </remarks>
internal static unsafe class FusedStep
{
    /// <summary>Units per panel: one 256-bit float vector.</summary>
    public const int Block = 8;

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
        for (int b = 0; b < blocks; b++)
        {
            int u0 = b * Block, n = Math.Min(Block, units - u0);
            float* panel = dst + ((long)b * k * Block * gates);
            for (int p = 0; p < k; p++)
            {
                float* d = panel + ((long)p * Block * gates);
                for (int g = 0; g < gates; g++)
                {
                    float* src = g < firstGatesFromW ? w + ((long)p * ldw) + gateOffsets[g] + u0 : w2 + ((long)p * ldw2) + gateOffsets[g] + u0;
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
    /// <paramref name="hOut"/>: h_t; must not be <paramref name="h"/>.
    /// </summary>
    public static void Lstm(float* panels, float* h, int k, int units, float* g, float* bias, float forgetBias, float* c, float* cSave, float* hOut, bool training)
    {
        int blocks = (units + Block - 1) / Block;
        float* tmp = stackalloc float[6 * Block];
        var fb = Vector256.Create(forgetBias);
        for (int b = 0; b < blocks; b++)
        {
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

            LstmUnits(i0 + i1, j0 + j1, f0 + f1, o0 + o1, g, bias, fb, c, training ? cSave : null, hOut, units, u0, n, training, tmp);
        }
    }

    /// <summary>
    /// The cell of 8 units (n valid) of one LSTM row, given their recurrent sums: z = recurrent + x·Wx (in
    /// <paramref name="g"/>) + bias (+ forget bias on f); c_t = σ(f)⊙c + σ(i)⊙tanh(j) into <paramref name="c"/> (and
    /// <paramref name="cCopy"/> unless null), σ(o)⊙tanh(c_t) into <paramref name="hOut"/>, and with
    /// <paramref name="storeGates"/> the activations over the pre-activations in <paramref name="g"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LstmUnits(
        Vector256<float> ri, Vector256<float> rj, Vector256<float> rf, Vector256<float> ro, float* g, float* bias, Vector256<float> fb,
        float* c, float* cCopy, float* hOut, int units, int u0, int n, bool storeGates, float* tmp)
    {
        float* gi = g + u0, gj = g + units + u0, gf = g + (2 * units) + u0, go = g + (3 * units) + u0;
        float* bi = bias + u0, bj = bias + units + u0, bf = bias + (2 * units) + u0, bo = bias + (3 * units) + u0;
        Vector256<float> ai = Sigmoid(ri + Load(gi, n, tmp) + Load(bi, n, tmp));
        Vector256<float> aj = Tanh(rj + Load(gj, n, tmp) + Load(bj, n, tmp));
        Vector256<float> af = Sigmoid(rf + Load(gf, n, tmp) + Load(bf, n, tmp) + fb);
        Vector256<float> ao = Sigmoid(ro + Load(go, n, tmp) + Load(bo, n, tmp));
        Vector256<float> cNew = Fma.MultiplyAdd(af, Load(c + u0, n, tmp), ai * aj);
        Store(cNew, c + u0, n);
        if (cCopy is not null)
        {
            Store(cNew, cCopy + u0, n);
        }

        Store(ao * Tanh(cNew), hOut + u0, n);
        if (storeGates)
        {
            Store(ai, gi, n);
            Store(aj, gj, n);
            Store(af, gf, n);
            Store(ao, go, n);
        }
    }

    /// <summary>
    /// The gates and state update of one LSTM row after its recurrent product (no peepholes or clip), in one pass:
    /// z = <paramref name="g"/> + <paramref name="rec"/> + bias (+ forget bias on f); on exit <paramref name="g"/>
    /// holds σ(i), tanh(j), σ(f), σ(o), <paramref name="c"/> and <paramref name="cRaw"/> hold c_t =
    /// σ(f)⊙c_{t-1} + σ(i)⊙tanh(j), and <paramref name="m"/> = σ(o)⊙tanh(c_t). <paramref name="cRaw"/> may be
    /// <paramref name="c"/>.
    /// </summary>
    public static void LstmCell(float* g, float* rec, float* bias, float forgetBias, float* c, float* cRaw, float* m, int units)
    {
        float* tmp = stackalloc float[Block];
        var fb = Vector256.Create(forgetBias);
        for (int u0 = 0; u0 < units; u0 += Block)
        {
            int n = Math.Min(Block, units - u0);
            float* r = rec + u0;
            LstmUnits(Load(r, n, tmp), Load(r + units, n, tmp), Load(r + (2 * units), n, tmp), Load(r + (3 * units), n, tmp),
                g, bias, fb, c, cRaw, m, units, u0, n, storeGates: true, tmp);
        }
    }

    /// <summary>
    /// The gates and update of one reset-after GRU row after its recurrent products, in one pass. <paramref name="g"/>:
    /// x·[Wgx | Wcx] (3H: r, u, c) in; r, u, c activations out. <paramref name="rec"/>: h·[Wgh | Wch] (3H).
    /// <paramref name="aux"/> = h·Wch + bch (saved for the backward pass); <paramref name="hNew"/> = u⊙h + (1−u)⊙c, which
    /// may be <paramref name="hPrev"/>.
    /// </summary>
    public static void GruAfterCell(float* g, float* rec, float* gateBias, float* cBias, float* chBias, float* aux, float* hPrev, float* hNew, int units)
    {
        float* tmp = stackalloc float[Block];
        for (int u0 = 0; u0 < units; u0 += Block)
        {
            int n = Math.Min(Block, units - u0);
            float* r = rec + u0;
            GruAfterUnits(Load(r, n, tmp), Load(r + units, n, tmp), Load(r + (2 * units), n, tmp),
                g, gateBias, cBias, chBias, hPrev, aux, hNew, units, u0, n, storeGates: true, tmp);
        }
    }

    /// <summary>
    /// The gates of one reset-before GRU row, in one pass: <paramref name="ru"/> (2H: r, u) = σ(x·Wgx + h·Wgh + bias) in
    /// place (<paramref name="rec"/> holds h·Wgh), and <paramref name="rh"/> = r ⊙ h for the candidate's product.
    /// </summary>
    public static void GruBeforeGates(float* ru, float* rec, float* gateBias, float* hPrev, float* rh, int units)
    {
        float* tmp = stackalloc float[Block];
        for (int u0 = 0; u0 < units; u0 += Block)
        {
            int n = Math.Min(Block, units - u0);
            Vector256<float> ar = Sigmoid(Load(ru + u0, n, tmp) + Load(rec + u0, n, tmp) + Load(gateBias + u0, n, tmp));
            Vector256<float> au = Sigmoid(Load(ru + units + u0, n, tmp) + Load(rec + units + u0, n, tmp) + Load(gateBias + units + u0, n, tmp));
            Store(ar, ru + u0, n);
            Store(au, ru + units + u0, n);
            Store(ar * Load(hPrev + u0, n, tmp), rh + u0, n);
        }
    }

    /// <summary>
    /// The candidate and update of one reset-before GRU row: <paramref name="gc"/> = tanh(x·Wcx + (r⊙h)·Wch + bc) in place
    /// (<paramref name="recC"/> holds (r⊙h)·Wch), <paramref name="hNew"/> = u⊙h + (1−u)⊙c (may be <paramref name="hPrev"/>).
    /// </summary>
    public static void GruBeforeCandidate(float* gc, float* recC, float* cBias, float* u, float* hPrev, float* hNew, int units)
    {
        float* tmp = stackalloc float[Block];
        for (int u0 = 0; u0 < units; u0 += Block)
        {
            int n = Math.Min(Block, units - u0);
            Vector256<float> ac = Tanh(Load(gc + u0, n, tmp) + Load(recC + u0, n, tmp) + Load(cBias + u0, n, tmp));
            Vector256<float> au = Load(u + u0, n, tmp), h = Load(hPrev + u0, n, tmp);
            Store(ac, gc + u0, n);
            Store(Fma.MultiplyAdd(au, h - ac, ac), hNew + u0, n);
        }
    }

    /// <summary>
    /// One reset-after GRU step of one row. <paramref name="g"/>: the row's x·[Wgx | Wcx] (3H: r, u, c) in; with
    /// <paramref name="training"/>, the activations r, u, c out and <paramref name="hcSave"/> = h·Wch + bch.
    /// Panels: gates r, u, c (from Wgh and Wch). h_t = u⊙h + (1−u)⊙c into <paramref name="hOut"/> (not <paramref name="h"/>).
    /// </summary>
    public static void GruResetAfter(
        float* panels, float* h, int units, float* g, float* gateBias, float* cBias, float* chBias, float* hcSave, float* hOut, bool training)
    {
        int k = units, blocks = (units + Block - 1) / Block;
        float* tmp = stackalloc float[Block];
        for (int b = 0; b < blocks; b++)
        {
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

            GruAfterUnits(r0 + r1, x0 + x1, c0 + c1, g, gateBias, cBias, chBias, h, training ? hcSave : null, hOut, units, u0, n, training, tmp);
        }
    }

    /// <summary>
    /// The reset-after GRU cell of 8 units (n valid) of one row, given their recurrent sums for r, u and the candidate:
    /// r, u = σ(recurrent + x·Wgx + bias), hc = recurrent_c + bch, c = tanh(x·Wcx + bcx + r⊙hc);
    /// <paramref name="hOut"/> = u⊙h + (1−u)⊙c (may be <paramref name="h"/>); hc into <paramref name="hcSave"/> unless null,
    /// and with <paramref name="storeGates"/> the activations r, u, c over the pre-activations in <paramref name="g"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GruAfterUnits(
        Vector256<float> rr, Vector256<float> ru, Vector256<float> rc, float* g, float* gateBias, float* cBias, float* chBias,
        float* h, float* hcSave, float* hOut, int units, int u0, int n, bool storeGates, float* tmp)
    {
        float* gr = g + u0, gu = g + units + u0, gc = g + (2 * units) + u0;
        Vector256<float> ar = Sigmoid(rr + Load(gr, n, tmp) + Load(gateBias + u0, n, tmp));
        Vector256<float> au = Sigmoid(ru + Load(gu, n, tmp) + Load(gateBias + units + u0, n, tmp));
        Vector256<float> hc = rc + Load(chBias + u0, n, tmp);
        Vector256<float> ac = Tanh(Fma.MultiplyAdd(ar, hc, Load(gc, n, tmp) + Load(cBias + u0, n, tmp)));
        Vector256<float> hPrev = Load(h + u0, n, tmp);
        Store(Fma.MultiplyAdd(au, hPrev - ac, ac), hOut + u0, n);
        if (hcSave is not null)
        {
            Store(hc, hcSave + u0, n);
        }

        if (storeGates)
        {
            Store(ar, gr, n);
            Store(au, gu, n);
            Store(ac, gc, n);
        }
    }

    /// <summary>
    /// One simple-RNN step of one row: z (the row's x·Wx, in place) becomes act(z + h·Wh + bias), which is h_t
    /// (written only to <paramref name="z"/>; <paramref name="h"/> is read).
    /// </summary>
    public static void SimpleRnn(float* panels, float* h, int units, float* z, float* bias, bool tanh)
    {
        int k = units, blocks = (units + Block - 1) / Block;
        float* tmp = stackalloc float[Block];
        for (int b = 0; b < blocks; b++)
        {
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

            Vector256<float> v = (a0 + a1) + (a2 + a3) + Load(z + u0, n, tmp) + Load(bias + u0, n, tmp);
            Store(tanh ? Tanh(v) : Vector256.Max(v, Vector256<float>.Zero), z + u0, n);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Load(float* p, int n, float* tmp)
    {
        if (n == Block)
        {
            return Vector256.Load(p);
        }

        for (int e = 0; e < Block; e++)
        {
            tmp[e] = e < n ? p[e] : 0f;
        }

        return Vector256.Load(tmp);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector256<float> v, float* p, int n)
    {
        if (n == Block)
        {
            v.Store(p);
            return;
        }

        for (int e = 0; e < n; e++)
        {
            p[e] = v.GetElement(e);
        }
    }

    /// <summary>σ(x) = 1 / (1 + e^−x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid(Vector256<float> x) => Vector256<float>.One / (Vector256<float>.One + Exp(-x));

    /// <summary>tanh(x) = 2σ(2x) − 1 (absolute error ≈ 1e-7).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x)
    {
        var two = Vector256.Create(2f);
        return Fma.MultiplySubtract(two, Sigmoid(x + x), Vector256<float>.One);
    }

    /// <summary>e^x, Cephes expf: x = n·ln2 + r (ln2 in two parts), e^r by a degree-6 polynomial, 2^n by exponent bits; x clamped to [−87.3, 88.3].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        x = Vector256.Min(Vector256.Max(x, Vector256.Create(-87.3f)), Vector256.Create(88.3f));
        Vector256<float> n = Avx.RoundToNearestInteger(x * Vector256.Create(1.44269504088896341f));
        Vector256<float> r = Fma.MultiplyAddNegated(n, Vector256.Create(0.693359375f), x);
        r = Fma.MultiplyAddNegated(n, Vector256.Create(-2.12194440e-4f), r);
        Vector256<float> p = Vector256.Create(1.9875691500e-4f);
        p = Fma.MultiplyAdd(p, r, Vector256.Create(1.3981999507e-3f));
        p = Fma.MultiplyAdd(p, r, Vector256.Create(8.3334519073e-3f));
        p = Fma.MultiplyAdd(p, r, Vector256.Create(4.1665795894e-2f));
        p = Fma.MultiplyAdd(p, r, Vector256.Create(1.6666665459e-1f));
        p = Fma.MultiplyAdd(p, r, Vector256.Create(5.0000001201e-1f));
        p = Fma.MultiplyAdd(p, r * r, r + Vector256<float>.One);
        Vector256<int> e = Avx2.ShiftLeftLogical(Avx.ConvertToVector256Int32(n) + Vector256.Create(127), 23);
        return p * e.AsSingle();
    }
}
