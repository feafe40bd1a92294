using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Recur.Kernels.Rnn;

/// <summary>Where each buffer of the LSTM workspace starts (elements of T) and how long the whole is.</summary>
internal readonly struct LstmLayout
{
    public readonly int Xg, G, C, Hp, M, Hr, C0, HState, CState, MState, Rec, Tmp, Total;

    public LstmLayout(in LstmConfig c, bool training, int slots)
    {
        int n = c.Time * c.Batch, h = c.Units, p = c.OutputSize, b = c.Batch;
        bool proj = c.NumProj > 0;
        long o = slots;
        Xg = Take(ref o, (long)n * c.InputSize);
        G = Take(ref o, (long)n * 4 * h);
        C = training ? Take(ref o, (long)n * h) : -1;
        Hp = training ? Take(ref o, (long)n * p) : -1;
        M = training && proj ? Take(ref o, (long)n * h) : -1;
        Hr = training && proj ? Take(ref o, (long)n * p) : -1;
        C0 = training ? Take(ref o, (long)b * h) : -1;
        HState = Take(ref o, (long)b * p);
        CState = Take(ref o, (long)b * h);
        MState = proj ? Take(ref o, (long)b * h) : -1;
        Rec = Take(ref o, (long)b * 4 * h);
        Tmp = Take(ref o, 2L * h);
        if (o > int.MaxValue)
        {
            ThrowHelper.ArgumentOutOfRange("config", $"LstmKernel: the workspace ({o} elements) is too large for span indexing.");
        }

        Total = (int)o;
    }

    private static int Take(ref long offset, long size)
    {
        long start = offset;
        offset += size;
        return (int)Math.Min(start, int.MaxValue);
    }
}

/// <summary>The fused LSTM forward and backward passes for one float type; <see cref="LstmKernel"/> validates and calls in.</summary>
internal static class LstmCore<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public static void Forward(
        in LstmConfig cfg, LstmWeights<T> w, ReadOnlySpan<T> x, ReadOnlySpan<int> lengths, ReadOnlySpan<T> c0, ReadOnlySpan<T> h0,
        Span<T> y, Span<T> cFinal, Span<T> hFinal, Span<T> ws, bool training)
    {
        int T_ = cfg.Time, B = cfg.Batch, I = cfg.InputSize, H = cfg.Units, P = cfg.OutputSize, GH = 4 * H;
        bool proj = cfg.NumProj > 0, peep = cfg.UsePeepholes;
        var L = new LstmLayout(cfg, training, RnnSchedule.Slots(T_, B));
        var s = RnnSchedule.Build(T_, B, lengths, ws);
        int n = s.Tokens;

        ReadOnlySpan<T> wx = w.Kernel[..(I * GH)], wh = w.Kernel.Slice(I * GH, P * GH);
        Span<T> g = ws.Slice(L.G, T_ * B * GH);
        Span<T> hS = ws.Slice(L.HState, B * P), cS = ws.Slice(L.CState, B * H), rec = ws.Slice(L.Rec, B * GH);
        Span<T> tmp = ws.Slice(L.Tmp, 2 * H);
        Span<T> mS = proj ? ws.Slice(L.MState, B * H) : hS;
        T forgetBias = T.CreateTruncating(cfg.ForgetBias);
        bool cellClip = cfg.CellClip.HasValue, projClip = proj && cfg.ProjClip.HasValue;
        T cClip = T.CreateTruncating(cfg.CellClip ?? 0), pClip = T.CreateTruncating(cfg.ProjClip ?? 0);

        RnnMath.GatherState(s, h0, P, hS);
        RnnMath.GatherState(s, c0, H, cS);
        if (training)
        {
            cS.CopyTo(ws.Slice(L.C0, B * H));
        }

        // The input projection for every real token as one GEMM: G = X_packed · Wx.
        ReadOnlySpan<T> xp = x;
        if (!s.Dense)
        {
            Span<T> xg = ws.Slice(L.Xg, n * I);
            RnnMath.Gather(s, x, I, xg);
            xp = xg;
        }

        RnnMath.Gemm(false, false, n, GH, I, xp, I, wx, GH, T.Zero, g, GH);

        for (int t = 0; t < T_; t++)
        {
            int nb = s.Active[t], off = s.Offset[t];
            if (nb > 0)
            {
                // The recurrent product for the active rows: rec = h_{t-1} · Wh (a GEMV at one row).
                ReadOnlySpan<T> hPrev = hS[..(nb * P)];
                if (training)
                {
                    Span<T> saved = ws.Slice(L.Hp + (off * P), nb * P);
                    hS[..(nb * P)].CopyTo(saved);
                    hPrev = saved;
                }

                RnnMath.Gemm(false, false, nb, GH, P, hPrev, P, wh, GH, T.Zero, rec, GH);

                Span<T> mRows = training && proj ? ws.Slice(L.M + (off * H), nb * H) : mS[..(nb * H)];
                for (int k = 0; k < nb; k++)
                {
                    Span<T> gr = g.Slice((off + k) * GH, GH);
                    Span<T> cRow = cS.Slice(k * H, H);
                    Span<T> cRaw = training ? ws.Slice(L.C + ((off + k) * H), H) : tmp[..H];
                    CellForward(gr, rec.Slice(k * GH, GH), w, forgetBias, peep, cellClip, cClip, cRow, cRaw, mRows.Slice(k * H, H));
                }

                if (proj)
                {
                    Span<T> hRaw = training ? ws.Slice(L.Hr + (off * P), nb * P) : hS[..(nb * P)];
                    RnnMath.Gemm(false, false, nb, P, H, mRows, H, w.Projection, P, T.Zero, hRaw, P);
                    if (projClip)
                    {
                        RnnMath.Clip<T>(hRaw, pClip, hS);
                    }
                    else if (training)
                    {
                        hRaw.CopyTo(hS);
                    }
                }
            }

            Span<T> yt = y.Slice(t * B * P, B * P);
            for (int k = 0; k < B; k++)
            {
                Span<T> row = yt.Slice(s.Perm[k] * P, P);
                if (k < nb)
                {
                    hS.Slice(k * P, P).CopyTo(row);
                }
                else
                {
                    row.Clear();
                }
            }
        }

        RnnMath.ScatterState(s, hS, P, hFinal);
        RnnMath.ScatterState(s, cS, H, cFinal);
    }

    /// <summary>
    /// One row's gates and state update. On entry <paramref name="g"/> holds x·Wx; on exit the activations
    /// σ(i), tanh(j), σ(f), σ(o). <paramref name="c"/>: c_{t-1} in, the clipped c_t out; <paramref name="cRaw"/>:
    /// the unclipped c_t; <paramref name="m"/>: σ(o) ⊙ tanh(c_t).
    /// </summary>
    private static void CellForward(
        Span<T> g, ReadOnlySpan<T> rec, LstmWeights<T> w, T forgetBias, bool peep, bool clip, T cClip, Span<T> c, Span<T> cRaw, Span<T> m)
    {
        int h = c.Length;
        TensorPrimitives.Add(g, rec, g);
        TensorPrimitives.Add(g, w.Bias, g);
        Span<T> gi = g[..h], gj = g.Slice(h, h), gf = g.Slice(2 * h, h), go = g.Slice(3 * h, h);
        TensorPrimitives.Add(gf, forgetBias, gf);
        if (peep)
        {
            TensorPrimitives.MultiplyAdd(w.PeepholeInput, c, gi, gi);
            TensorPrimitives.MultiplyAdd(w.PeepholeForget, c, gf, gf);
        }

        RnnMath.Sigmoid<T>(gi, gi);
        RnnMath.Tanh<T>(gj, gj);
        RnnMath.Sigmoid<T>(gf, gf);
        TensorPrimitives.Multiply(gf, c, cRaw);
        TensorPrimitives.MultiplyAdd(gi, gj, cRaw, cRaw);
        if (clip)
        {
            RnnMath.Clip<T>(cRaw, cClip, c);
        }
        else
        {
            cRaw.CopyTo(c);
        }

        if (peep)
        {
            TensorPrimitives.MultiplyAdd(w.PeepholeOutput, c, go, go);
        }

        RnnMath.Sigmoid<T>(go, go);
        RnnMath.Tanh<T>(c, m);
        TensorPrimitives.Multiply(m, go, m);
    }

    public static void Backward(
        in LstmConfig cfg, LstmWeights<T> w, ReadOnlySpan<T> x, ReadOnlySpan<int> lengths, ReadOnlySpan<T> dy,
        ReadOnlySpan<T> dcFinal, ReadOnlySpan<T> dhFinal, Span<T> ws, Span<T> dx, Span<T> dc0, Span<T> dh0, LstmGradients<T> grads)
    {
        int T_ = cfg.Time, B = cfg.Batch, I = cfg.InputSize, H = cfg.Units, P = cfg.OutputSize, GH = 4 * H;
        bool proj = cfg.NumProj > 0, peep = cfg.UsePeepholes;
        var L = new LstmLayout(cfg, true, RnnSchedule.Slots(T_, B));
        var s = RnnSchedule.Build(T_, B, lengths, ws);
        int n = s.Tokens;

        ReadOnlySpan<T> wx = w.Kernel[..(I * GH)], wh = w.Kernel.Slice(I * GH, P * GH);
        Span<T> g = ws.Slice(L.G, T_ * B * GH), cSaved = ws.Slice(L.C, T_ * B * H), c0s = ws.Slice(L.C0, B * H);
        Span<T> dhS = ws.Slice(L.HState, B * P), dcS = ws.Slice(L.CState, B * H);
        Span<T> dmS = proj ? ws.Slice(L.MState, B * H) : dhS;
        Span<T> tmp = ws.Slice(L.Tmp, 2 * H);
        bool cellClip = cfg.CellClip.HasValue, projClip = proj && cfg.ProjClip.HasValue;
        T cClip = T.CreateTruncating(cfg.CellClip ?? 0), pClip = T.CreateTruncating(cfg.ProjClip ?? 0);

        RnnMath.GatherState(s, dhFinal, P, dhS);
        RnnMath.GatherState(s, dcFinal, H, dcS);
        if (peep)
        {
            grads.PeepholeInput.Clear();
            grads.PeepholeForget.Clear();
            grads.PeepholeOutput.Clear();
        }

        for (int t = T_ - 1; t >= 0; t--)
        {
            int nb = s.Active[t], off = s.Offset[t];
            if (nb == 0)
            {
                continue;
            }

            // dh for the active rows: the gradient from the future (or dh_T for rows that end here) plus dy_t.
            if (!dy.IsEmpty)
            {
                ReadOnlySpan<T> dyt = dy.Slice(t * B * P, B * P);
                for (int k = 0; k < nb; k++)
                {
                    Span<T> d = dhS.Slice(k * P, P);
                    TensorPrimitives.Add(d, dyt.Slice(s.Perm[k] * P, P), d);
                }
            }

            if (proj)
            {
                // h = clip(m · Wp): dh_raw = dh ⊙ [|h_raw| ≤ clip], saved in place of h_raw for dWp; dm = dh_raw · Wpᵀ.
                Span<T> hr = ws.Slice(L.Hr + (off * P), nb * P);
                if (projClip)
                {
                    ClipGrad(dhS[..(nb * P)], hr, pClip, hr);
                }
                else
                {
                    dhS[..(nb * P)].CopyTo(hr);
                }

                RnnMath.Gemm(false, true, nb, H, P, hr, P, w.Projection, P, T.Zero, dmS, H);
            }

            for (int k = 0; k < nb; k++)
            {
                int row = off + k;
                ReadOnlySpan<T> cPrev = t > 0 ? cSaved.Slice((s.Offset[t - 1] + k) * H, H) : c0s.Slice(k * H, H);
                Span<T> cPrevClipped = tmp[..H];
                if (cellClip && t > 0)
                {
                    RnnMath.Clip(cPrev, cClip, cPrevClipped);
                    cPrev = cPrevClipped;
                }

                CellBackward(
                    g.Slice(row * GH, GH), cSaved.Slice(row * H, H), cPrev, dmS.Slice(k * H, H), dcS.Slice(k * H, H), tmp[H..],
                    w, grads, peep, cellClip, cClip);
            }

            // dh_{t-1} = dGates_t · Whᵀ for the active rows; the others keep their carried gradient.
            RnnMath.Gemm(false, true, nb, P, GH, g.Slice(off * GH, nb * GH), GH, wh, GH, T.Zero, dhS, P);
        }

        // The weight gradients for all steps at once: dKernel = [X; H_prev]ᵀ · dGates, dBias = Σ dGates.
        ReadOnlySpan<T> xp = s.Dense ? x : ws.Slice(L.Xg, n * I);
        RnnMath.Gemm(true, false, I, GH, n, xp, I, g, GH, T.Zero, grads.Kernel, GH);
        RnnMath.Gemm(true, false, P, GH, n, ws.Slice(L.Hp, n * P), P, g, GH, T.Zero, grads.Kernel[(I * GH)..], GH);
        RnnMath.ColumnSums<T>(g, n, GH, GH, grads.Bias);
        if (proj)
        {
            RnnMath.Gemm(true, false, H, P, n, ws.Slice(L.M, n * H), H, ws.Slice(L.Hr, n * P), P, T.Zero, grads.Projection, P);
        }

        if (!dx.IsEmpty)
        {
            if (s.Dense)
            {
                RnnMath.Gemm(false, true, n, I, GH, g, GH, wx, GH, T.Zero, dx, I);
            }
            else
            {
                Span<T> dxp = ws.Slice(L.Xg, n * I);
                RnnMath.Gemm(false, true, n, I, GH, g, GH, wx, GH, T.Zero, dxp, I);
                RnnMath.Scatter(s, dxp, I, dx);
            }
        }

        RnnMath.ScatterState(s, dhS, P, dh0);
        RnnMath.ScatterState(s, dcS, H, dc0);
    }

    /// <summary>d = dh ⊙ [−clip ≤ raw ≤ clip] (TF's clip_by_value gradient); d may alias raw.</summary>
    private static void ClipGrad(ReadOnlySpan<T> dh, ReadOnlySpan<T> raw, T clip, Span<T> d)
    {
        for (int i = 0; i < dh.Length; i++)
        {
            T r = raw[i];
            d[i] = r < -clip || r > clip ? T.Zero : dh[i];
        }
    }

    /// <summary>
    /// One row's gate gradients. <paramref name="g"/>: the saved activations in, dGates (pre-activation, order
    /// i, j, f, o) out. <paramref name="dh"/>: dL/dm_t; <paramref name="dc"/>: dL/dc_t from the future in,
    /// dL/dc_{t-1} out. Math (a = activations, c = clip(cRaw), τ = tanh(c)):
    /// do = dh·τ·a_o(1−a_o); dc += dh·a_o(1−τ²) + do·w_o, masked where cRaw was clipped;
    /// di = dc·a_j·a_i(1−a_i); dj = dc·a_i(1−a_j²); df = dc·c_{t-1}·a_f(1−a_f);
    /// dc_{t-1} = dc·a_f + di·w_i + df·w_f.
    /// </summary>
    private static void CellBackward(
        Span<T> g, ReadOnlySpan<T> cRaw, ReadOnlySpan<T> cPrev, ReadOnlySpan<T> dh, Span<T> dc, Span<T> tau,
        LstmWeights<T> w, LstmGradients<T> grads, bool peep, bool clip, T cClip)
    {
        int h = dc.Length;
        if (clip)
        {
            RnnMath.Clip(cRaw, cClip, tau);
            RnnMath.Tanh<T>(tau, tau);
        }
        else
        {
            RnnMath.Tanh(cRaw, tau);
        }

        ref T gi = ref MemoryMarshal.GetReference(g);
        ref T gj = ref Unsafe.Add(ref gi, h);
        ref T gf = ref Unsafe.Add(ref gi, 2 * h);
        ref T go = ref Unsafe.Add(ref gi, 3 * h);
        ref T rc = ref MemoryMarshal.GetReference(cRaw);
        ref T rcp = ref MemoryMarshal.GetReference(cPrev);
        ref T rdh = ref MemoryMarshal.GetReference(dh);
        ref T rdc = ref MemoryMarshal.GetReference(dc);
        ref T rtau = ref MemoryMarshal.GetReference(tau);
        int e = 0;
        if (!peep && Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            var one = Vector<T>.One;
            var lo = new Vector<T>(-cClip);
            var hi = new Vector<T>(cClip);
            for (; e <= h - Vector<T>.Count; e += Vector<T>.Count)
            {
                nuint u = (nuint)e;
                Vector<T> ai = Vector.LoadUnsafe(ref gi, u), aj = Vector.LoadUnsafe(ref gj, u);
                Vector<T> af = Vector.LoadUnsafe(ref gf, u), ao = Vector.LoadUnsafe(ref go, u);
                Vector<T> vtau = Vector.LoadUnsafe(ref rtau, u), vdh = Vector.LoadUnsafe(ref rdh, u);
                Vector<T> dO = vdh * vtau * ao * (one - ao);
                Vector<T> vdc = Vector.LoadUnsafe(ref rdc, u) + (vdh * ao * (one - (vtau * vtau)));
                if (clip)
                {
                    Vector<T> raw = Vector.LoadUnsafe(ref rc, u);
                    vdc = Vector.ConditionalSelect(Vector.BitwiseOr(Vector.LessThan(raw, lo), Vector.GreaterThan(raw, hi)), Vector<T>.Zero, vdc);
                }

                Vector<T> dI = vdc * aj * ai * (one - ai);
                Vector<T> dJ = vdc * ai * (one - (aj * aj));
                Vector<T> dF = vdc * Vector.LoadUnsafe(ref rcp, u) * af * (one - af);
                (vdc * af).StoreUnsafe(ref rdc, u);
                dI.StoreUnsafe(ref gi, u);
                dJ.StoreUnsafe(ref gj, u);
                dF.StoreUnsafe(ref gf, u);
                dO.StoreUnsafe(ref go, u);
            }
        }

        ReadOnlySpan<T> wi = w.PeepholeInput, wf = w.PeepholeForget, wo = w.PeepholeOutput;
        for (; e < h; e++)
        {
            T ai = Unsafe.Add(ref gi, e), aj = Unsafe.Add(ref gj, e), af = Unsafe.Add(ref gf, e), ao = Unsafe.Add(ref go, e);
            T vtau = Unsafe.Add(ref rtau, e), vdh = Unsafe.Add(ref rdh, e), raw = Unsafe.Add(ref rc, e), cp = Unsafe.Add(ref rcp, e);
            T dO = vdh * vtau * ao * (T.One - ao);
            T vdc = Unsafe.Add(ref rdc, e) + (vdh * ao * (T.One - (vtau * vtau)));
            if (peep)
            {
                vdc += dO * wo[e];
            }

            if (clip && (raw < -cClip || raw > cClip))
            {
                vdc = T.Zero;
            }

            T dI = vdc * aj * ai * (T.One - ai);
            T dJ = vdc * ai * (T.One - (aj * aj));
            T dF = vdc * cp * af * (T.One - af);
            T dcPrev = vdc * af;
            if (peep)
            {
                dcPrev += (dI * wi[e]) + (dF * wf[e]);
                T cNew = clip ? T.Clamp(raw, -cClip, cClip) : raw;
                grads.PeepholeInput[e] += dI * cp;
                grads.PeepholeForget[e] += dF * cp;
                grads.PeepholeOutput[e] += dO * cNew;
            }

            Unsafe.Add(ref rdc, e) = dcPrev;
            Unsafe.Add(ref gi, e) = dI;
            Unsafe.Add(ref gj, e) = dJ;
            Unsafe.Add(ref gf, e) = dF;
            Unsafe.Add(ref go, e) = dO;
        }
    }
}
