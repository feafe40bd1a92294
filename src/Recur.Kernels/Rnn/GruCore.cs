using System.Diagnostics;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Recur.Kernels.Blas;

namespace Recur.Kernels.Rnn;

/// <summary>Where each buffer of the GRU workspace starts (elements of T) and how long the whole is.</summary>
internal readonly struct GruLayout
{
    public readonly int Xg, G, Hp, Aux, HState, Rec, Rh, Tmp, Wp, Wcp, Wv, Wx, Dwx, Total;

    public GruLayout(in GruConfig c, bool training, int slots)
    {
        int n = c.Time * c.Batch, h = c.Units, b = c.Batch;
        long o = slots;
        Xg = Take(ref o, (long)n * c.InputSize);
        G = Take(ref o, (long)n * 3 * h);
        Hp = training ? Take(ref o, (long)n * h) : -1;
        Aux = training ? Take(ref o, (long)n * h) : -1;
        HState = Take(ref o, (long)b * h);
        Rec = Take(ref o, (long)b * 3 * h);
        Rh = Take(ref o, (long)b * h);
        Tmp = Take(ref o, (long)Math.Max(b, 1) * h);

        // The recurrent weights packed once per call into GEMM panels (Wgh and Wch; transposed for the backward steps).
        Wp = Take(ref o, Math.Max(RnnMath.PackedSize(h, 2 * h), RnnMath.PackedSize(2 * h, h)));
        Wcp = Take(ref o, RnnMath.PackedSize(h, h));
        Wv = Take(ref o, FusedStep.PackedSize(3, h, h));

        // [Wgx | Wcx] side by side (I x 3H), and in training the input kernels' gradient before it is split, with the
        // biases' gradient (Σ dG, 3H) in a row after it.
        Wx = Take(ref o, (long)c.InputSize * 3 * h);
        Dwx = training ? Take(ref o, (long)(c.InputSize + 1) * 3 * h) : -1;
        if (o > int.MaxValue)
        {
            ThrowHelper.ArgumentOutOfRange("config", $"GruKernel: the workspace ({o} elements) is too large for span indexing.");
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

/// <summary>The fused GRU forward and backward passes (both variants) for one float type; <see cref="GruKernel"/> validates and calls in.</summary>
internal static unsafe class GruCore<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public static void Forward(
        in GruConfig cfg, GruWeights<T> w, ReadOnlySpan<T> x, ReadOnlySpan<int> lengths, ReadOnlySpan<T> h0,
        Span<T> y, Span<T> hFinal, Span<T> ws, bool training, int t0 = 0, int t1 = -1)
    {
        int T_ = cfg.Time, B = cfg.Batch, I = cfg.InputSize, H = cfg.Units, G3 = 3 * H, G2 = 2 * H;
        var L = new GruLayout(cfg, training, RnnSchedule.Slots(T_, B));

        // A window (steps [t0, t1); GruKernel.ForwardWindow) runs on the whole sequence's schedule and workspace, as the
        // LSTM's: the first window reads h0, the last writes the final state; G stays in token order, no unit split.
        bool windowed = t1 >= 0;
        t1 = windowed ? t1 : T_;
        var s = t0 == 0 ? RnnSchedule.Build(T_, B, lengths, ws) : RnnSchedule.View(T_, B, ws);
        int first = s.Offset[t0], n = s.Offset[t1] - first;

        ReadOnlySpan<T> wgx = w.GateKernel[..(I * G2)];
        Span<T> g = ws.Slice(L.G, T_ * B * G3), hS = ws.Slice(L.HState, B * H);
        if (t0 == 0)
        {
            RnnMath.GatherState(s, h0, H, hS);
        }

        // The time loop: its units split between threads at small batches (reset before: two barriers a step), else
        // its rows (no barrier), else one thread.
        Span<int> bounds = stackalloc int[RnnPartition.MaxParts + 1];
        Span<int> unitBounds = stackalloc int[RnnPartition.MaxParts + 1];
        int unitParts = windowed ? 0 : PackUnitSplit(cfg, s, w, ws, L, unitBounds);
        int parts = unitParts > 1 ? unitParts : RnnPartition.Split(s, Kernels.Gemm.MaxThreads, bounds);
        // Input projections for every real token: G[:, 0:2H] = X·Wgx, G[:, 2H:3H] = X·Wcx (before the loop, or in
        // chunks inside a one-thread inference loop: RnnMath.InputChunkSteps).
        int chunk = RnnMath.InputChunkSteps<T>(s, G3, I, g.Length, training, windowed, parts, RnnPartition.MaxRows(bounds, parts), unitParts > 1);
        long gatesPacked = RnnMath.PackedSize(I, G2);
        if (chunk > 0 && ((long)chunk * B * G3) + gatesPacked + RnnMath.PackedSize(I, H) > g.Length)
        {
            chunk = 0;   // Wgx's and Wcx's panels, each rounded up to whole panels, do not fit behind a chunk's rows
        }

        ReadOnlySpan<T> xp = x[(first * I)..];
        bool gBatchMajor = chunk == 0 && !windowed && RnnMath.InPlaceBatchMajor(s, cfg.BatchMajor, training);
        bool partMajor = chunk > 0 && parts > 1;
        if (partMajor)
        {
            // Several parts, each running its own chunks: x's rows part by part, each part's in step order.
            RnnMath.GatherPartMajor(x, I, cfg.BatchMajor, T_, B, bounds, parts, ws.Slice(L.Xg, n * I));
            xp = ws.Slice(L.Xg, n * I);
        }
        else if ((!s.Dense || cfg.BatchMajor) && !gBatchMajor)
        {
            Span<T> xg = ws.Slice(L.Xg + (first * I), n * I);
            RnnMath.GatherRows(s, x, I, cfg.BatchMajor, xg, 0, t0, t1);
            xp = xg;
        }

        Span<T> gw = g[(first * G3)..];
        var cache = cfg.PackCache;
        int wxNr = 0;
        Span<T> wxPacked = default;
        if (chunk > 0)
        {
            // In chunks inside the loop (RnnMath.InputChunkSteps): Wgx's and Wcx's panels, back to back, behind the
            // front of G's region that each chunk's rows reuse.
            wxPacked = g.Slice(chunk * B * G3, (int)(gatesPacked + RnnMath.PackedSize(I, H)));
            RnnMath.PackWeights(false, I, H, w.CandidateInputKernel, H, wxPacked[(int)gatesPacked..]);
            wxNr = RnnMath.PackWeights(false, I, G2, wgx, G2, wxPacked);
        }
        else if (RnnMath.CachesInput(cache, n, I))
        {
            // A cached call (a wavefront's chunk, on one thread): Wgx and Wcx packed once for every chunk, back to back.
            T[] packedX = cache!.Input<T>(gatesPacked + RnnMath.PackedSize(I, H));
            if (cache.InputNr == 0)
            {
                RnnMath.PackWeights(false, I, H, w.CandidateInputKernel, H, packedX.AsSpan((int)gatesPacked));
                cache.InputNr = RnnMath.PackWeights(false, I, G2, wgx, G2, packedX);
            }

            RnnMath.GemmPacked(false, n, G2, I, xp, I, wgx, G2, packedX, cache.InputNr, T.Zero, gw, G3, 1);
            RnnMath.GemmPacked(false, n, H, I, xp, I, w.CandidateInputKernel, H, packedX.AsSpan((int)gatesPacked), cache.InputNr, T.Zero, gw[G2..], G3, 1);
        }
        else if (JoinInputs(n))
        {
            Span<T> wx = ws.Slice(L.Wx, I * G3);
            JoinInputKernels(w, I, H, wx);
            RnnMath.Gemm(false, false, n, G3, I, xp, I, wx, G3, T.Zero, gw, G3);
        }
        else if (n > 0)
        {
            RnnMath.Gemm(false, false, n, G2, I, xp, I, wgx, G2, T.Zero, gw, G3);
            RnnMath.Gemm(false, false, n, H, I, xp, I, w.CandidateInputKernel, H, T.Zero, gw[G2..], G3);
        }

        // Wgh's and Wch's GEMM panels (back to back) and the one-row panels: in the workspace, or kept in the cache across
        // calls (not the unit split's).
        Span<T> wp = unitParts > 1 || cache is null ? ws[L.Wp..] : cache.Recurrent<T>(RnnMath.PackedSize(H, G2) + RnnMath.PackedSize(H, H));
        Span<T> wcp = unitParts > 1 || cache is null ? ws[L.Wcp..] : wp[(int)RnnMath.PackedSize(H, G2)..];
        Span<T> wv = cache is null ? ws.Slice(L.Wv) : cache.Fused<T>(FusedStep.PackedSize(3, H, H));
        int nr = unitParts > 1 ? 0 : PackRecurrent(cfg, s, parts, w, wp, wcp, backward: false, cache);
        bool oneRowSlices = cfg.ResetAfter && unitParts > 1 && s.Active[0] < 2;
        bool fused = (unitParts <= 1 || oneRowSlices) && PackFused(cfg, s, w, wv, cache);
        Debug.Assert(!oneRowSlices || fused, "one-row weight slices run the fused step: Choose(oneRow) and PackFused must agree");
        bool inY = !windowed && unitParts <= 1 && s.Dense && !training && RnnSettings.StepsInOutput;
        fixed (T* pws = ws, pgk = w.GateKernel, pgb = w.GateBias, pck = w.CandidateHiddenKernel, pcb = w.CandidateBias, pchb = w.CandidateHiddenBias, py = y)
        fixed (T* px = xp, pwx = wxPacked, pcx = w.CandidateInputKernel)
        fixed (int* pub = unitBounds, ppb = bounds)
        {
            var job = Job.Instance;
            job.C = new Ctx
            {
                Cfg = cfg, Training = training, Ws = pws, WsLength = ws.Length, GateKernel = pgk, GateBias = pgb, HiddenKernel = pck,
                CandidateBias = pcb, HiddenBias = pchb, Seq = py, SeqLength = y.Length, PanelWidth = nr, Fused = fused, GBatchMajor = gBatchMajor,
                UnitBounds = unitParts > 1 ? pub : null, UnitParts = unitParts, InY = inY, Wp = Ptr(wp), Wcp = Ptr(wcp), Wv = Ptr(wv),
                WpLength = wp.Length, WcpLength = wcp.Length, T0 = t0, T1 = t1,
                ChunkSteps = chunk, X = px, XLength = xp.Length, WxPacked = pwx, WxPackedLength = wxPacked.Length, WxNr = wxNr, CandidateInputKernel = pcx,
                PartBounds = partMajor ? ppb : null, Parts = parts,
            };
            job.Backward = false;
            if (unitParts > 1)
            {
                RnnPartition.Run(job, unitBounds, unitParts, job.Barrier);
            }
            else
            {
                RnnPartition.Run(job, bounds, parts, null, RnnSettings.SerialSteps(parts, s.Batch, 3L * H * H) ? 1 : 0);
            }
        }

        if (t1 < T_)
        {
            return;   // not the last window: the state stays in the workspace
        }

        if (inY)
        {
            RnnMath.FinalStateFromOutput<T>(cfg.BatchMajor, T_, B, H, y, hS);
        }

        RnnMath.ScatterState(s, hS, H, hFinal);
    }

    /// <summary>What the time loop reads and writes, as pinned pointers (the parts of a parallel loop rebuild their spans from it).</summary>
    private struct Ctx
    {
        public GruConfig Cfg;
        public bool Training;
        public T* Ws;
        public int WsLength;
        public T* GateKernel;
        public T* GateBias;
        public T* HiddenKernel;
        public T* CandidateBias;
        public T* HiddenBias;

        /// <summary>y (forward) or dy (backward; null: zeros).</summary>
        public T* Seq;
        public int SeqLength;

        /// <summary>The panel width of the packed recurrent weights in the workspace; 0: not packed.</summary>
        public int PanelWidth;

        /// <summary>The recurrent weights are packed for <see cref="FusedStep"/>: steps with one active row run it.</summary>
        public bool Fused;

        /// <summary>The forward pass's packed Wgh and Wch (GEMM panels or the unit split's) and <see cref="FusedStep"/>'s panels (workspace or <see cref="RnnPackCache"/>).</summary>
        public T* Wp;
        public T* Wcp;
        public T* Wv;
        public int WpLength;
        public int WcpLength;

        /// <summary>G's rows follow x's batch-major (b, t) order (<see cref="RnnMath.GateRow"/>).</summary>
        public bool GBatchMajor;

        /// <summary>
        /// Steps per input-projection chunk (0: G was computed for every token before the loop): every
        /// <see cref="ChunkSteps"/> steps the loop computes the next steps' rows of G into the front of G's region from
        /// x's rows (<see cref="X"/>, I apart, from the first token) and Wgx's and Wcx's panels (<see cref="WxPacked"/>).
        /// </summary>
        public int ChunkSteps;
        public T* X;
        public int XLength;
        public T* WxPacked;
        public int WxPackedLength;
        public int WxNr;
        public T* CandidateInputKernel;

        /// <summary>
        /// With input chunks on several parts: the row split's bounds (<see cref="Parts"/> + 1), x gathered part by part
        /// (<see cref="RnnMath.GatherPartMajor"/>) and each part's chunk rows from row r0·<see cref="ChunkSteps"/> of G's
        /// region; null otherwise.
        /// </summary>
        public int* PartBounds;
        public int Parts;

        /// <summary>The unit split's part bounds (<see cref="UnitParts"/> + 1 of them; null: no unit split).</summary>
        public int* UnitBounds;
        public int UnitParts;

        /// <summary>Dense inference on the row split: h_t goes straight into y, whose rows are the next step's h_{t−1}.</summary>
        public bool InY;

        /// <summary>The steps [T0, T1) this call runs (the whole sequence, or a window of it).</summary>
        public int T0;
        public int T1;
    }

    /// <summary>The time loop as a row job (one per calling thread; the pool runs one dispatch at a time).</summary>
    private sealed class Job : IRowJob
    {
        [ThreadStatic]
        private static Job? t_instance;

        public Ctx C;
        public bool Backward;

        /// <summary>Where the unit split's parts meet, twice a step.</summary>
        public readonly SpinBarrier Barrier = new();

        public static Job Instance => t_instance ??= new Job();

        public void Run(int r0, int r1, int gemmThreads)
        {
            if (Backward)
            {
                BackwardSteps(C, r0, r1, gemmThreads);
            }
            else if (C.UnitBounds != null)
            {
                try
                {
                    if (C.Cfg.ResetAfter)
                    {
                        ForwardSlices(C, r0, r1, Barrier);
                    }
                    else
                    {
                        ForwardUnits(C, r0, r1, Barrier);
                    }
                }
                catch
                {
                    Barrier.Abort();
                    throw;
                }
            }
            else if (C.PartBounds != null)
            {
                // Each part's chunks are laid out for its own rows: a range of several parts (the pool was busy, and they
                // run on this thread) runs them one after another.
                for (int p = 0; p < C.Parts; p++)
                {
                    int a = Math.Max(r0, C.PartBounds[p]), b = Math.Min(r1, C.PartBounds[p + 1]);
                    if (a < b)
                    {
                        ForwardSteps(C, a, b, gemmThreads);
                    }
                }
            }
            else
            {
                ForwardSteps(C, r0, r1, gemmThreads);
            }
        }
    }

    /// <summary>
    /// Sorted rows [r0, r1) through every step of the forward pass. With <see cref="Ctx.InY"/> (dense inference) h_t is
    /// written straight into y's rows of step t, which are h_{t−1} for step t + 1 (h0 from the state buffer); otherwise
    /// h lives in the state buffer and is copied to y each step.
    /// </summary>
    private static void ForwardSteps(in Ctx c, int r0, int r1, int gemmThreads)
    {
        GruConfig cfg = c.Cfg;
        int T_ = cfg.Time, B = cfg.Batch, I = cfg.InputSize, H = cfg.Units, G3 = 3 * H, G2 = 2 * H;
        bool after = cfg.ResetAfter, training = c.Training, inY = c.InY;
        var L = new GruLayout(cfg, training, RnnSchedule.Slots(T_, B));
        var ws = new Span<T>(c.Ws, c.WsLength);
        var s = RnnSchedule.View(T_, B, ws);
        var y = new Span<T>(c.Seq, c.SeqLength);
        ReadOnlySpan<T> wgh = new ReadOnlySpan<T>(c.GateKernel, (I + H) * G2).Slice(I * G2, H * G2);
        ReadOnlySpan<T> wch = new(c.HiddenKernel, H * H), gateBias = new(c.GateBias, G2), cBias = new(c.CandidateBias, H);
        ReadOnlySpan<T> chBias = new(c.HiddenBias, after ? H : 0);

        // y's rows of one step lie ys apart (dense: the schedule's order is the batch order).
        int ys = cfg.BatchMajor ? T_ * H : H;
        Span<T> g = ws.Slice(L.G, T_ * B * G3), hS = ws.Slice(L.HState, B * H), rec = ws.Slice(L.Rec, B * G3);
        Span<T> tmp = ws.Slice(L.Tmp + (r0 * H), H);

        // G's row of token GateRow(t, k) is that row − gBase (gBase 0 without input chunks; RnnMath.ChunkBase with them).
        int gBase = 0, chunkStart = c.T0;
        for (int t = c.T0; t < c.T1; t++)
        {
            if (c.ChunkSteps > 0)
            {
                bool partMajor = c.PartBounds != null;
                if ((t - c.T0) % c.ChunkSteps == 0)
                {
                    // The next chunk's G rows: this part's rows of steps [t, end) (several parts), or every active row.
                    int end = Math.Min(c.T1, t + c.ChunkSteps), gatesPacked = (int)RnnMath.PackedSize(I, G2);
                    chunkStart = t;
                    var (token, rows) = RnnMath.ChunkRows(s, partMajor, t, end, r0, r1);
                    Span<T> ring = g[((partMajor ? r0 * c.ChunkSteps : 0) * G3)..];
                    var xs = new ReadOnlySpan<T>(c.X, c.XLength);
                    var packed = new ReadOnlySpan<T>(c.WxPacked, c.WxPackedLength);
                    RnnMath.InputChunk(token, rows, G2, I, xs, I, new ReadOnlySpan<T>(c.GateKernel, I * G2), packed, c.WxNr, ring, G3);
                    RnnMath.InputChunk(token, rows, H, I, xs, I, new ReadOnlySpan<T>(c.CandidateInputKernel, I * H), packed[gatesPacked..], c.WxNr, ring[G2..], G3);
                }

                gBase = RnnMath.ChunkBase(s, partMajor, c.ChunkSteps, chunkStart, t, r0, r1);
            }

            int nb = Math.Min(s.Active[t], r1) - r0, off = s.Offset[t] + r0;

            // Where this step reads h_{t−1} and writes h_t: the state buffer (rows H apart), or y's rows (ys apart).
            int ldp = inY && t > 0 ? ys : H, ldn = inY ? ys : H;
            Span<T> hOut = nb <= 0 ? default
                : inY ? y.Slice(RnnMath.SequenceRow(cfg.BatchMajor, T_, B, t, r0) * H, ((nb - 1) * ys) + H)
                : hS.Slice(r0 * H, nb * H);
            Span<T> hIn = nb <= 0 ? default
                : inY && t > 0 ? y.Slice(RnnMath.SequenceRow(cfg.BatchMajor, T_, B, t - 1, r0) * H, ((nb - 1) * ys) + H)
                : hS.Slice(r0 * H, nb * H);
            if (nb == 1 && c.Fused)
            {
                // One row: the GEMV on the unit-block panels, then the cell's row passes.
                Span<T> hRow = hOut[..H];
                Span<T> hFrom = training ? ws.Slice(L.Hp + (off * H), H) : inY ? hIn[..H] : tmp;
                if (hFrom != hIn[..H])
                {
                    hIn[..H].CopyTo(hFrom);
                }

                FusedStep.GruResetAfter(
                    (float*)c.Wv, (float*)Ptr(hFrom), H, (float*)Ptr(g.Slice((RnnMath.GateRow(c.GBatchMajor, s, t, r0) - gBase) * G3, G3)), (float*)Ptr(rec.Slice(r0 * G3, G3)), (float*)c.GateBias, (float*)c.CandidateBias,
                    (float*)c.HiddenBias, training ? (float*)Ptr(ws.Slice(L.Aux + (off * H), H)) : null, (float*)Ptr(hRow), training,
                    reverse: RnnSettings.ReversedStep(t));
            }
            else if (nb > 0)
            {
                ReadOnlySpan<T> hPrev = hIn;
                if (training)
                {
                    Span<T> saved = ws.Slice(L.Hp + (off * H), nb * H);
                    hIn.CopyTo(saved);
                    hPrev = saved;
                }

                Span<T> recRows = rec.Slice(r0 * G3, nb * G3);
                if (after && JointPanels(c, nb, gemmThreads))
                {
                    // Wgh's and Wch's panels lie back to back: one product h·[Wgh | Wch] (N = 3H) packs h once.
                    var p = new GemmProblem<T>
                    {
                        A = Ptr(MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(hPrev), hPrev.Length)), Lda = ldp, C = Ptr(recRows), Ldc = G3,
                        M = nb, N = G3, K = H, Alpha = T.One, Beta = T.Zero,
                    };
                    GemmDriver<T>.MultiplyPanelsOnly(ref p, c.Wp);
                }
                else
                {
                    RnnMath.GemmPacked(false, nb, G2, H, hPrev, ldp, wgh, G2, new ReadOnlySpan<T>(c.Wp, c.WpLength), c.PanelWidth, T.Zero, recRows, G3, gemmThreads);
                    if (after)
                    {
                        RnnMath.GemmPacked(false, nb, H, H, hPrev, ldp, wch, H, new ReadOnlySpan<T>(c.Wcp, c.WcpLength), c.PanelWidth, T.Zero, recRows[G2..], G3, gemmThreads);
                    }
                }

                Span<T> aux = training ? ws.Slice(L.Aux + (off * H), nb * H) : ws.Slice(L.Rh + (r0 * H), nb * H);
                bool vec = FusedStep.IsSupported<T>();
                for (int k = 0; k < nb; k++)
                {
                    ReadOnlySpan<T> hp = hPrev.Slice(k * ldp, H);
                    Span<T> hn = hOut.Slice(k * ldn, H);
                    if (vec)
                    {
                        // One vectorised pass per row instead of a handful of TensorPrimitives calls.
                        if (c.ChunkSteps == 0 && !training && k + 1 < nb)
                        {
                            // The next row's gates (all of G's row after a reset-after product), while this row's pass runs.
                            RnnMath.PrefetchRow<T>(g.Slice(RnnMath.GateRow(c.GBatchMajor, s, t, r0 + k + 1) * G3, after ? G3 : G2));
                        }

                        T* pg = Ptr(g.Slice((RnnMath.GateRow(c.GBatchMajor, s, t, r0 + k) - gBase) * G3, G3)), pr = Ptr(recRows.Slice(k * G3, G3)), pa = Ptr(aux.Slice(k * H, H));
                        T* ph = Ptr(MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(hp), H)), pn = Ptr(hn);
                        fixed (T* pgb = gateBias)
                        fixed (T* pcb = cBias)
                        fixed (T* pchb = chBias)
                        {
                            if (after)
                                FusedStep.GruAfterCell((float*)pg, (float*)pr, (float*)pgb, (float*)pcb, (float*)pchb, (float*)pa, (float*)ph, (float*)pn, H);
                            else
                                FusedStep.GruBeforeGates((float*)pg, (float*)pr, (float*)pgb, (float*)ph, (float*)pa, H);
                        }

                        continue;
                    }

                    Span<T> gr = g.Slice((RnnMath.GateRow(c.GBatchMajor, s, t, r0 + k) - gBase) * G3, G3), rr = recRows.Slice(k * G3, G3);
                    Span<T> ru = gr[..G2], r = gr[..H], gc = gr.Slice(G2, H), a = aux.Slice(k * H, H);
                    TensorPrimitives.Add(ru, rr[..G2], ru);
                    TensorPrimitives.Add(ru, gateBias, ru);
                    RnnMath.Sigmoid<T>(ru, ru);
                    if (after)
                    {
                        // hc = h·Wch + bch (saved); c = tanh(x·Wcx + bcx + r ⊙ hc).
                        TensorPrimitives.Add(rr.Slice(G2, H), chBias, a);
                        TensorPrimitives.Add(gc, cBias, gc);
                        TensorPrimitives.MultiplyAdd(r, a, gc, gc);
                        RnnMath.Tanh<T>(gc, gc);
                        Update(gr.Slice(H, H), gc, hp, hn, tmp);
                    }
                    else
                    {
                        TensorPrimitives.Multiply(r, hp, a);
                    }
                }

                if (!after)
                {
                    // The candidate's recurrent product on r ⊙ h, then c = tanh(x·Wcx + (r⊙h)·Wch + bc).
                    RnnMath.GemmPacked(false, nb, H, H, aux, H, wch, H, new ReadOnlySpan<T>(c.Wcp, c.WcpLength), c.PanelWidth, T.Zero, recRows[G2..], G3, gemmThreads);
                    for (int k = 0; k < nb; k++)
                    {
                        if (c.ChunkSteps == 0 && !training && k + 1 < nb)
                        {
                            RnnMath.PrefetchRow<T>(g.Slice((RnnMath.GateRow(c.GBatchMajor, s, t, r0 + k + 1) * G3) + G2, H));
                        }

                        Span<T> gr = g.Slice((RnnMath.GateRow(c.GBatchMajor, s, t, r0 + k) - gBase) * G3, G3), gc = gr.Slice(G2, H);
                        ReadOnlySpan<T> hp = hPrev.Slice(k * ldp, H);
                        Span<T> hn = hOut.Slice(k * ldn, H);
                        if (vec)
                        {
                            T* ph = Ptr(MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(hp), H));
                            fixed (T* pcb = cBias)
                            {
                                FusedStep.GruBeforeCandidate(
                                    (float*)Ptr(gc), (float*)Ptr(recRows.Slice((k * G3) + G2, H)), (float*)pcb, (float*)Ptr(gr.Slice(H, H)), (float*)ph, (float*)Ptr(hn), H);
                            }

                            continue;
                        }

                        TensorPrimitives.Add(gc, recRows.Slice((k * G3) + G2, H), gc);
                        TensorPrimitives.Add(gc, cBias, gc);
                        RnnMath.Tanh<T>(gc, gc);
                        Update(gr.Slice(H, H), gc, hp, hn, tmp);
                    }
                }
            }

            if (inY)
            {
                continue;
            }

            for (int k = r0; k < r1; k++)
            {
                Span<T> row = y.Slice(RnnMath.SequenceRow(cfg.BatchMajor, T_, B, t, s.Perm[k]) * H, H);
                if (k - r0 < nb)
                {
                    hS.Slice(k * H, H).CopyTo(row);
                }
                else
                {
                    row.Clear();
                }
            }
        }
    }

    /// <summary>
    /// The reset-after forward loop of one row (batch 1) on weight slices, for the parts inside units [u0, u1) (one part
    /// per thread, or all of them on one thread when the pool was busy): each step, each part runs the fused one-row
    /// step on its 8-unit blocks (the GEMV on its panels of [Wgh | Wch], the cell on its units), writes its units of
    /// h_t and y, and meets the others at the barrier, since every part reads all of h_{t−1}. h alternates between the
    /// state buffer and the <c>Tmp</c> region; when the sequence ends, its last h stays in the state buffer.
    /// </summary>
    private static void ForwardSlices(in Ctx c, int u0, int u1, SpinBarrier barrier)
    {
        GruConfig cfg = c.Cfg;
        int T_ = cfg.Time, B = cfg.Batch, H = cfg.Units, G3 = 3 * H;
        bool training = c.Training;
        var L = new GruLayout(cfg, training, RnnSchedule.Slots(T_, B));
        var s = RnnSchedule.View(T_, B, new Span<T>(c.Ws, c.WsLength));
        float* ws = (float*)c.Ws, g = ws + L.G, rec = ws + L.Rec, y = (float*)c.Seq;
        float* hState = ws + L.HState, cur = hState, next = ws + L.Tmp;
        var (p0, p1) = RnnUnitSplit.PartsWithin(c.UnitBounds, c.UnitParts, u0, u1);

        for (int t = 0; t < T_; t++)
        {
            int nb = s.Active[t], off = s.Offset[t], finished = t > 0 ? s.Active[t - 1] : nb;
            for (int p = p0; p < p1; p++)
            {
                int a = c.UnitBounds[p], w = c.UnitBounds[p + 1] - a;
                if (cur != hState)
                {
                    RnnUnitSplit.CopyRows(cur, hState, H, a, w, nb, finished);
                }

                if (nb > 0)
                {
                    if (training)
                    {
                        // The backward pass reads h_{t−1} from the saved rows: each part saves its units (the GEMV reads
                        // cur, which holds them all).
                        new ReadOnlySpan<float>(cur + a, w).CopyTo(new Span<float>(ws + L.Hp + ((long)off * H) + a, w));
                    }

                    FusedStep.GruResetAfter(
                        (float*)c.Wv, cur, H, g + ((long)RnnMath.GateRow(c.GBatchMajor, s, t, 0) * G3), rec, (float*)c.GateBias, (float*)c.CandidateBias,
                        (float*)c.HiddenBias, training ? ws + L.Aux + ((long)off * H) : null, next, training,
                        blockFrom: a / FusedStep.Block, blockTo: (a + w + FusedStep.Block - 1) / FusedStep.Block);
                }

                RnnUnitSplit.WriteOutputs(y, cfg.BatchMajor, T_, B, t, s.Perm, next, H, a, w, nb);
            }

            barrier.SignalAndWait();
            float* swap = cur;
            cur = next;
            next = swap;
        }

        // The rows still running at the last step.
        RnnUnitSplit.KeepFinalState(c.UnitBounds, p0, p1, cur, hState, H, T_ > 0 ? s.Active[T_ - 1] : 0);
    }

    /// <summary>
    /// The reset-before forward time loop for the unit-split parts inside units [u0, u1) (one part per thread, or all
    /// of them on one thread when the pool was busy). Per step, each part multiplies all active rows of h_{t−1} by its
    /// r and u columns, runs the gates on its units and writes its columns of r ⊙ h; at the first barrier every part
    /// has done so, and each multiplies r ⊙ h by its candidate columns, runs the candidate and update on its units and
    /// writes its columns of h_t and y; the second barrier ends the step. h alternates between the state buffer and the
    /// <c>Tmp</c> region (B·H); rows that finish keep their last h in the state buffer. Float, AVX2 tile only
    /// (<see cref="PackUnitSplit"/> decides).
    /// </summary>
    private static void ForwardUnits(in Ctx c, int u0, int u1, SpinBarrier barrier)
    {
        GruConfig cfg = c.Cfg;
        int T_ = cfg.Time, B = cfg.Batch, H = cfg.Units, G3 = 3 * H, G2 = 2 * H;
        bool training = c.Training;
        var L = new GruLayout(cfg, training, RnnSchedule.Slots(T_, B));
        var s = RnnSchedule.View(T_, B, new Span<T>(c.Ws, c.WsLength));
        float* ws = (float*)c.Ws, g = ws + L.G, rec = ws + L.Rec, gateBias = (float*)c.GateBias, cBias = (float*)c.CandidateBias, y = (float*)c.Seq;
        float* hState = ws + L.HState, cur = hState, next = ws + L.Tmp;
        var (p0, p1) = RnnUnitSplit.PartsWithin(c.UnitBounds, c.UnitParts, u0, u1);

        for (int t = 0; t < T_; t++)
        {
            int nb = s.Active[t], off = s.Offset[t], finished = t > 0 ? s.Active[t - 1] : nb;
            float* rh = training ? ws + L.Aux + ((long)off * H) : ws + L.Rh;
            for (int p = p0; p < p1; p++)
            {
                int a = c.UnitBounds[p], w = c.UnitBounds[p + 1] - a;

                // Rows that ran their last step at t − 1 hold their final h in cur: keep it in the state buffer.
                if (cur != hState)
                {
                    RnnUnitSplit.CopyRows(cur, hState, H, a, w, nb, finished);
                }

                if (nb > 0)
                {
                    if (training)
                    {
                        for (int k = 0; k < nb; k++)
                        {
                            new ReadOnlySpan<float>(cur + ((long)k * H) + a, w).CopyTo(new Span<float>(ws + L.Hp + ((long)(off + k) * H) + a, w));
                        }
                    }

                    // rec[:, 2a .. 2a + 2w) = h_{t−1} · [Wr | Wu] restricted to units [a, a + w).
                    var prob = new GemmProblem<float>
                    {
                        A = cur, Lda = H, C = rec + (2 * a), Ldc = G3, M = nb, N = 2 * w, K = H, Alpha = 1f, Beta = 0f,
                    };
                    GemmDriver<float>.MultiplyPanelsOnly(ref prob, (float*)c.Wp + ((long)2 * a * H));
                    for (int k = 0; k < nb; k++)
                    {
                        float* gr = g + ((long)RnnMath.GateRow(c.GBatchMajor, s, t, k) * G3) + a;
                        FusedStep.GruBeforeGates(gr, H, rec + ((long)k * G3) + (2 * a), w, gateBias + a, cur + ((long)k * H) + a, rh + ((long)k * H) + a, w);
                    }
                }
            }

            barrier.SignalAndWait();
            for (int p = p0; p < p1; p++)
            {
                int a = c.UnitBounds[p], w = c.UnitBounds[p + 1] - a;
                if (nb > 0)
                {
                    // rec[:, 2H + a .. 2H + a + w) = (r ⊙ h_{t−1}) · Wch restricted to units [a, a + w).
                    var prob = new GemmProblem<float>
                    {
                        A = rh, Lda = H, C = rec + G2 + a, Ldc = G3, M = nb, N = w, K = H, Alpha = 1f, Beta = 0f,
                    };
                    GemmDriver<float>.MultiplyPanelsOnly(ref prob, (float*)c.Wcp + ((long)a * H));
                    for (int k = 0; k < nb; k++)
                    {
                        float* gr = g + ((long)RnnMath.GateRow(c.GBatchMajor, s, t, k) * G3) + a;
                        FusedStep.GruBeforeCandidate(gr + G2, rec + ((long)k * G3) + G2 + a, cBias + a, gr + H, cur + ((long)k * H) + a, next + ((long)k * H) + a, w);
                    }
                }

                RnnUnitSplit.WriteOutputs(y, cfg.BatchMajor, T_, B, t, s.Perm, next, H, a, w, nb);
            }

            barrier.SignalAndWait();
            float* swap = cur;
            cur = next;
            next = swap;
        }

        // The rows still running at the last step.
        RnnUnitSplit.KeepFinalState(c.UnitBounds, p0, p1, cur, hState, H, T_ > 0 ? s.Active[T_ - 1] : 0);
    }

    /// <summary>
    /// Chooses the unit split for the reset-before forward loop and packs each part's panels: several threads, float
    /// with the AVX2 tile, H a multiple of <see cref="RnnUnitSplit.Granule"/>, at least two rows, and a batch
    /// <see cref="RnnSettings.UseUnitSplit"/> accepts. Part p (units [a, a + w)) has its r and u columns packed
    /// as two w-column matrices at 2·a·H in Wp, its candidate columns at a·H in Wcp. Returns the number of parts
    /// (≤ 1: no unit split).
    /// </summary>
    private static int PackUnitSplit(in GruConfig cfg, in RnnSchedule s, GruWeights<T> w, Span<T> ws, in GruLayout L, Span<int> bounds)
    {
        int I = cfg.InputSize, H = cfg.Units, G2 = 2 * H;
        if (!FusedStep.IsSupported<T>() || !GemmDriver<T>.PanelsUsable(Kernel256<T>.NR))
        {
            return 0;
        }

        if (cfg.ResetAfter)
        {
            // Reset-after: only batch 1, on weight slices of the fused one-row step (ForwardSlices; PackFused packs).
            int slices = RnnUnitSplit.Choose(s, H, bounds, oneRow: true);
            return slices > 1 && s.Active[0] < 2 ? slices : 0;
        }

        // Reset-before: the unit split's GEMMs on each part's panels, at batch 1 too (from OneRowSliceMinUnits units; it
        // has no fused one-row step, so its one-row slices are the same loop with one row, two barriers a step).
        int parts = RnnUnitSplit.Choose(s, H, bounds, oneRow: true);
        if (parts == 0)
        {
            return 0;
        }

        ReadOnlySpan<T> wgh = w.GateKernel.Slice(I * G2, H * G2);
        Span<T> wp = ws[L.Wp..], wcp = ws[L.Wcp..];
        for (int p = 0; p < parts; p++)
        {
            int a = bounds[p], width = bounds[p + 1] - a;
            RnnMath.PackWeights(false, H, width, wgh[a..], G2, wp[(2 * a * H)..]);
            RnnMath.PackWeights(false, H, width, wgh[(H + a)..], G2, wp[((2 * a * H) + (width * H))..]);
            RnnMath.PackWeights(false, H, width, w.CandidateHiddenKernel[a..], H, wcp[(a * H)..]);
        }

        return parts;
    }

    /// <summary>
    /// Packs Wgh and Wch (forward) or their transposes (backward) into GEMM panels once for all steps when the
    /// steps' products will use them (more than one active row, single-threaded products); returns the panel width, or 0.
    /// </summary>
    /// <summary>
    /// True when a forward step's two products on h (Wgh, Wch) can run as one on their packed panels: they are packed,
    /// lie back to back (H a multiple of 16, so Wgh's panels end where Wch's start), the register tile that packed
    /// them is in use, and the step's product runs on this thread with at least two rows.
    /// </summary>
    private static bool JointPanels(in Ctx c, int rows, int gemmThreads) =>
        RnnSettings.JointGruPanels && c.PanelWidth > 0 && rows >= 2 && c.Cfg.Units % 16 == 0 && c.Wcp - c.Wp == RnnMath.PackedSize(c.Cfg.Units, 2 * c.Cfg.Units) &&
        (gemmThreads == 1 || (gemmThreads <= 0 && Kernels.Gemm.MaxThreads == 1)) && GemmDriver<T>.PanelsUsable(c.PanelWidth);

    private static int PackRecurrent(in GruConfig cfg, in RnnSchedule s, int parts, GruWeights<T> w, Span<T> wp, Span<T> wcp, bool backward, RnnPackCache? cache)
    {
        int I = cfg.InputSize, H = cfg.Units, G2 = 2 * H;
        if (!RnnSettings.PackWeights || s.Time == 0 || s.Active[0] < 2 || (parts == 1 && !RnnSettings.SerialSteps(parts, s.Batch, 3L * H * H)))
        {
            return 0;
        }

        ReadOnlySpan<T> wgh = w.GateKernel.Slice(I * G2, H * G2);
        if (backward)
        {
            // With a cache (backward windows), packed by the first window.
            if (cache is not null && cache.RecurrentTransposedNr != 0)
            {
                return cache.RecurrentTransposedNr;
            }

            RnnMath.PackWeights(true, H, H, w.CandidateHiddenKernel, H, wcp);
            int nrT = RnnMath.PackWeights(true, G2, H, wgh, G2, wp);
            if (cache is not null)
            {
                cache.RecurrentTransposedNr = nrT;
            }

            return nrT;
        }

        if (cache is not null && cache.RecurrentNr != 0)
        {
            // Forward with a cache: packed by the first call that needed it.
            return cache.RecurrentNr;
        }

        RnnMath.PackWeights(false, H, H, w.CandidateHiddenKernel, H, wcp);
        int nr = RnnMath.PackWeights(false, H, G2, wgh, G2, wp);
        if (cache is not null)
        {
            cache.RecurrentNr = nr;
        }

        return nr;
    }

    /// <summary>
    /// Packs [Wgh | Wch] by unit blocks (gates r, u, c) for <see cref="FusedStep.GruResetAfter"/> when it applies
    /// (float, AVX2, reset after) and some step has exactly one active row; true when packed.
    /// </summary>
    private static bool PackFused(in GruConfig cfg, in RnnSchedule s, GruWeights<T> w, Span<T> packed, RnnPackCache? cache)
    {
        int I = cfg.InputSize, H = cfg.Units, G2 = 2 * H;
        if (!RnnSettings.FusedStep || !FusedStep.IsSupported<T>() || !cfg.ResetAfter || !RnnSettings.HasSingleRowStep(s))
        {
            return false;
        }

        if (cache is not null)
        {
            if (cache.FusedPacked)
            {
                return true;
            }

            cache.FusedPacked = true;
        }

        ReadOnlySpan<int> gates = stackalloc int[] { 0, H, 0 };
        fixed (T* pk = w.GateKernel, pc = w.CandidateHiddenKernel, pp = packed)
        {
            FusedStep.Pack((float*)pp, H, H, (float*)pk + ((long)I * G2), G2, 2, (float*)pc, H, gates);
        }

        return true;
    }

    private static T* Ptr(Span<T> span) => (T*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(span));

    /// <summary>
    /// Whether the input products run once with the joined [Wgx | Wcx] (<see cref="RnnSettings.JoinGruInputKernels"/>):
    /// from 256 tokens, where packing X (or dG) once instead of twice outweighs joining the kernels (I x 3H) per call.
    /// </summary>
    private static bool JoinInputs(int tokens) => RnnSettings.JoinGruInputKernels && tokens >= 256;

    /// <summary>Row i of <paramref name="dst"/> (I x 3H) = [Wgx row i | Wcx row i]: the input kernels side by side, for one product over all three gates.</summary>
    private static void JoinInputKernels(GruWeights<T> w, int I, int H, Span<T> dst)
    {
        int G2 = 2 * H, G3 = 3 * H;
        for (int i = 0; i < I; i++)
        {
            w.GateKernel.Slice(i * G2, G2).CopyTo(dst.Slice(i * G3, G2));
            w.CandidateInputKernel.Slice(i * H, H).CopyTo(dst.Slice((i * G3) + G2, H));
        }
    }

    /// <summary>h' = u ⊙ h + (1 − u) ⊙ c = u ⊙ (h − c) + c; <paramref name="hNew"/> may be <paramref name="hPrev"/>.</summary>
    private static void Update(ReadOnlySpan<T> u, ReadOnlySpan<T> c, ReadOnlySpan<T> hPrev, Span<T> hNew, Span<T> tmp)
    {
        TensorPrimitives.Subtract(hPrev, c, tmp);
        TensorPrimitives.MultiplyAdd(u, tmp, c, hNew);
    }

    public static void Backward(
        in GruConfig cfg, GruWeights<T> w, ReadOnlySpan<T> x, ReadOnlySpan<int> lengths, ReadOnlySpan<T> dy, ReadOnlySpan<T> dhFinal,
        Span<T> ws, Span<T> dx, Span<T> dh0, GruGradients<T> grads, int t0 = 0, int t1 = -1, Span<T> dxScratch = default)
    {
        int T_ = cfg.Time, B = cfg.Batch, I = cfg.InputSize, H = cfg.Units, G3 = 3 * H, G2 = 2 * H;
        var L = new GruLayout(cfg, true, RnnSchedule.Slots(T_, B));

        // A window (steps [t0, t1), last first; GruKernel.BackwardWindow): its steps' gradients and dx rows; the weight
        // gradients wait for BackwardWeights.
        bool windowed = t1 >= 0;
        t1 = windowed ? t1 : T_;
        var s = t1 == T_ ? RnnSchedule.Build(T_, B, lengths, ws) : RnnSchedule.View(T_, B, ws);
        int first = s.Offset[t0], n = s.Offset[t1] - first;

        // Dense time-major x is the packed input itself (the forward pass read it in place, dx is written in place);
        // otherwise the forward pass gathered it into Xg.
        bool inPlace = s.Dense && !cfg.BatchMajor;

        ReadOnlySpan<T> wgx = w.GateKernel[..(I * G2)];
        Span<T> g = ws.Slice(L.G, T_ * B * G3);
        Span<T> dhS = ws.Slice(L.HState, B * H);
        if (t1 == T_)
        {
            RnnMath.GatherState(s, dhFinal, H, dhS);
        }

        Span<int> bounds = stackalloc int[RnnPartition.MaxParts + 1];
        int parts = RnnPartition.Split(s, Kernels.Gemm.MaxThreads, bounds);
        // Whᵀ's panels: Wghᵀ then Wchᵀ, in the workspace or (windows) kept in the cache.
        var cache = windowed ? cfg.PackCache : null;
        long ghT = RnnMath.PackedSize(G2, H);
        Span<T> wpT = cache is null ? ws[L.Wp..] : cache.RecurrentTransposed<T>(ghT + RnnMath.PackedSize(H, H));
        Span<T> wcpT = cache is null ? ws[L.Wcp..] : wpT[(int)ghT..];
        int nr = PackRecurrent(cfg, s, parts, w, wpT, wcpT, backward: true, cache);
        fixed (T* pws = ws, pgk = w.GateKernel, pgb = w.GateBias, pck = w.CandidateHiddenKernel, pcb = w.CandidateBias, pchb = w.CandidateHiddenBias, pdy = dy)
        {
            var job = Job.Instance;
            job.C = new Ctx
            {
                Cfg = cfg, Training = true, Ws = pws, WsLength = ws.Length, GateKernel = pgk, GateBias = pgb, HiddenKernel = pck,
                CandidateBias = pcb, HiddenBias = pchb, Seq = pdy, SeqLength = dy.Length, PanelWidth = nr,
                Wp = Ptr(wpT), WpLength = wpT.Length, Wcp = Ptr(wcpT), WcpLength = wcpT.Length, T0 = t0, T1 = t1,
            };
            job.Backward = true;
            RnnPartition.Run(job, bounds, parts, null, RnnSettings.SerialSteps(parts, s.Batch, 3L * H * H) ? 1 : 0);
        }

        if (!windowed)
        {
            Weights(cfg, s, L, x, ws, grads);
        }

        if (!dx.IsEmpty)
        {
            // dx = [dRu | dZc] · [Wgx | Wcx]ᵀ for the call's tokens: in place, or packed (into Xg, which the weight
            // gradients no longer need, or a window's scratch) and scattered.
            Span<T> dxp = inPlace ? dx.Slice(first * I, n * I) : windowed ? dxScratch[..(n * I)] : ws.Slice(L.Xg, n * I);
            ReadOnlySpan<T> dg = g.Slice(first * G3, n * G3);
            if (windowed || JoinInputs(n))
            {
                Span<T> wx = ws.Slice(L.Wx, I * G3);
                if (cache is null || cache.InputTransposedNr == 0)
                {
                    JoinInputKernels(w, I, H, wx);
                }

                RnnMath.InputGemmTransposed(cache, n, I, G3, dg, wx, dxp, I);
            }
            else if (n > 0)
            {
                RnnMath.Gemm(false, true, n, I, G2, dg, G3, wgx, G2, T.Zero, dxp, I);
                RnnMath.Gemm(false, true, n, I, H, dg[G2..], G3, w.CandidateInputKernel, H, T.One, dxp, I);
            }

            if (!inPlace)
            {
                RnnMath.ScatterRows(s, dxp, I, cfg.BatchMajor, dx, 0, t0, t1);
            }
        }

        if (t0 == 0)
        {
            RnnMath.ScatterState(s, dhS, H, dh0);
        }
    }

    /// <summary>The weight gradients after the last backward window (<c>GruKernel.BackwardWeights</c>).</summary>
    public static void BackwardWeights(in GruConfig cfg, ReadOnlySpan<T> x, Span<T> ws, GruGradients<T> grads)
    {
        var L = new GruLayout(cfg, true, RnnSchedule.Slots(cfg.Time, cfg.Batch));
        Weights(cfg, RnnSchedule.View(cfg.Time, cfg.Batch, ws), L, x, ws, grads);
    }

    /// <summary>The weight gradients for all steps at once (x read in place when dense and time-major, else the packed Xg).</summary>
    private static void Weights(in GruConfig cfg, in RnnSchedule s, in GruLayout L, ReadOnlySpan<T> x, Span<T> ws, GruGradients<T> grads)
    {
        int I = cfg.InputSize, H = cfg.Units, G3 = 3 * H, G2 = 2 * H, n = s.Tokens;
        bool after = cfg.ResetAfter;
        bool inPlace = s.Dense && !cfg.BatchMajor;
        Span<T> g = ws.Slice(L.G, n * G3), hp = ws.Slice(L.Hp, n * H), aux = ws.Slice(L.Aux, n * H);
        ReadOnlySpan<T> xp = inPlace ? x : ws.Slice(L.Xg, n * I);
        ReadOnlySpan<T> dRu = g, dZc = n > 0 ? g[G2..] : default;
        bool join = JoinInputs(n);
        if (join)
        {
            // Xᵀ·[dRu | dZc] in one product, then split into the gate and candidate input kernels' gradients; the biases'
            // gradients (Σ dRu, Σ dZc) are summed as the product packs dG, into the row after it.
            Span<T> dwx = ws.Slice(L.Dwx, (I + 1) * G3);
            RnnMath.GemmWithColumnSums(true, I, G3, n, xp, I, g, G3, T.Zero, dwx, G3, dwx.Slice(I * G3, G3));
            for (int i = 0; i < I; i++)
            {
                dwx.Slice(i * G3, G2).CopyTo(grads.GateKernel.Slice(i * G2, G2));
                dwx.Slice((i * G3) + G2, H).CopyTo(grads.CandidateInputKernel.Slice(i * H, H));
            }

            dwx.Slice(I * G3, G2).CopyTo(grads.GateBias);
            dwx.Slice((I * G3) + G2, H).CopyTo(grads.CandidateBias);
        }
        else
        {
            RnnMath.GemmWithColumnSums(true, I, G2, n, xp, I, dRu, G3, T.Zero, grads.GateKernel, G2, grads.GateBias);
            RnnMath.GemmWithColumnSums(true, I, H, n, xp, I, dZc, G3, T.Zero, grads.CandidateInputKernel, H, grads.CandidateBias);
        }

        RnnMath.Gemm(true, false, H, G2, n, hp, H, dRu, G3, T.Zero, grads.GateKernel[(I * G2)..], G2);
        if (after)
        {
            RnnMath.GemmWithColumnSums(true, H, H, n, hp, H, aux, H, T.Zero, grads.CandidateHiddenKernel, H, grads.CandidateHiddenBias);
        }
        else
        {
            RnnMath.Gemm(true, false, H, H, n, aux, H, dZc, G3, T.Zero, grads.CandidateHiddenKernel, H);
        }
    }

    /// <summary>Sorted rows [r0, r1) through every step of the backward pass, last step first.</summary>
    private static void BackwardSteps(in Ctx c, int r0, int r1, int gemmThreads)
    {
        GruConfig cfg = c.Cfg;
        int T_ = cfg.Time, B = cfg.Batch, I = cfg.InputSize, H = cfg.Units, G3 = 3 * H, G2 = 2 * H;
        bool after = cfg.ResetAfter;
        var L = new GruLayout(cfg, true, RnnSchedule.Slots(T_, B));
        var ws = new Span<T>(c.Ws, c.WsLength);
        var s = RnnSchedule.View(T_, B, ws);
        var dy = new ReadOnlySpan<T>(c.Seq, c.SeqLength);
        ReadOnlySpan<T> wgh = new ReadOnlySpan<T>(c.GateKernel, (I + H) * G2).Slice(I * G2, H * G2);
        ReadOnlySpan<T> wch = new(c.HiddenKernel, H * H);
        Span<T> g = ws.Slice(L.G, T_ * B * G3), hp = ws.Slice(L.Hp, T_ * B * H), aux = ws.Slice(L.Aux, T_ * B * H);
        Span<T> dhS = ws.Slice(L.HState, B * H), drh = ws.Slice(L.Rh, B * H);

        for (int t = c.T1 - 1; t >= c.T0; t--)
        {
            int nb = Math.Min(s.Active[t], r1) - r0, off = s.Offset[t] + r0;
            if (nb <= 0)
            {
                continue;
            }

            Span<T> dhRows = dhS.Slice(r0 * H, nb * H);
            for (int k = 0; k < nb; k++)
            {
                int row = off + k;
                ReadOnlySpan<T> dyRow = dy.IsEmpty ? default : dy.Slice(RnnMath.SequenceRow(cfg.BatchMajor, T_, B, t, s.Perm[r0 + k]) * H, H);
                CellBackward1(g.Slice(row * G3, G3), hp.Slice(row * H, H), aux.Slice(row * H, H), dhRows.Slice(k * H, H), dyRow, after);
            }

            if (!after)
            {
                // d(r⊙h) = dZc · Whcᵀ; dr = d(r⊙h) ⊙ h; dh += d(r⊙h) ⊙ r.
                Span<T> drhRows = drh.Slice(r0 * H, nb * H);
                RnnMath.GemmPacked(true, nb, H, H, g.Slice((off * G3) + G2), G3, wch, H, new ReadOnlySpan<T>(c.Wcp, c.WcpLength), c.PanelWidth, T.Zero, drhRows, H, gemmThreads);
                for (int k = 0; k < nb; k++)
                {
                    int row = off + k;
                    CellBackward2(g.Slice(row * G3, H), hp.Slice(row * H, H), drhRows.Slice(k * H, H), dhRows.Slice(k * H, H));
                }
            }
            else
            {
                RnnMath.GemmPacked(true, nb, H, H, aux.Slice(off * H), H, wch, H, new ReadOnlySpan<T>(c.Wcp, c.WcpLength), c.PanelWidth, T.One, dhRows, H, gemmThreads);
            }

            RnnMath.GemmPacked(true, nb, H, G2, g.Slice(off * G3), G3, wgh, G2, new ReadOnlySpan<T>(c.Wp, c.WpLength), c.PanelWidth, T.One, dhRows, H, gemmThreads);
        }
    }

    /// <summary>
    /// First gradient pass of one row. dh = dh_future + dy; dc = dh(1−u); du = dh(h−c); dzc = dc(1−c²);
    /// dzu = du·u(1−u); dh_prev = dh·u (more is added by the products). Reset after: dhc = dzc·r (saved in place
    /// of hc), dzr = dzc·hc·r(1−r). <paramref name="g"/>: activations r, u, c in, gradients out (dzr only when
    /// reset after; the reset-before dzr comes in <see cref="CellBackward2"/>).
    /// </summary>
    private static void CellBackward1(Span<T> g, ReadOnlySpan<T> hPrev, Span<T> aux, Span<T> dh, ReadOnlySpan<T> dy, bool after)
    {
        int h = dh.Length;
        Span<T> r = g[..h], u = g.Slice(h, h), c = g.Slice(2 * h, h);
        bool hasDy = !dy.IsEmpty;
        int e = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            var one = Vector<T>.One;
            for (; e <= h - Vector<T>.Count; e += Vector<T>.Count)
            {
                var d = new Vector<T>(dh[e..]);
                if (hasDy)
                {
                    d += new Vector<T>(dy[e..]);
                }

                var ue = new Vector<T>(u[e..]);
                var ce = new Vector<T>(c[e..]);
                Vector<T> dc = d * (one - ue);
                Vector<T> du = d * (new Vector<T>(hPrev[e..]) - ce);
                Vector<T> dzc = dc * (one - (ce * ce));
                (d * ue).CopyTo(dh[e..]);
                (du * ue * (one - ue)).CopyTo(u[e..]);
                dzc.CopyTo(c[e..]);
                if (after)
                {
                    var hc = new Vector<T>(aux[e..]);
                    var re = new Vector<T>(r[e..]);
                    (dzc * re).CopyTo(aux[e..]);
                    (dzc * hc * re * (one - re)).CopyTo(r[e..]);
                }
            }
        }

        for (; e < h; e++)
        {
            T d = hasDy ? dh[e] + dy[e] : dh[e];
            T ue = u[e], ce = c[e], re = r[e];
            T dc = d * (T.One - ue);
            T du = d * (hPrev[e] - ce);
            T dzc = dc * (T.One - (ce * ce));
            dh[e] = d * ue;
            u[e] = du * ue * (T.One - ue);
            c[e] = dzc;
            if (after)
            {
                T hc = aux[e];
                aux[e] = dzc * re;
                r[e] = dzc * hc * re * (T.One - re);
            }
        }
    }

    /// <summary>Reset-before second pass: dr = drh ⊙ h_prev, dzr = dr·r(1−r) (in place of r), dh_prev += drh ⊙ r.</summary>
    private static void CellBackward2(Span<T> r, ReadOnlySpan<T> hPrev, ReadOnlySpan<T> drh, Span<T> dh)
    {
        int e = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            var one = Vector<T>.One;
            for (; e <= r.Length - Vector<T>.Count; e += Vector<T>.Count)
            {
                var re = new Vector<T>(r[e..]);
                var d = new Vector<T>(drh[e..]);
                (new Vector<T>(dh[e..]) + (d * re)).CopyTo(dh[e..]);
                (d * new Vector<T>(hPrev[e..]) * re * (one - re)).CopyTo(r[e..]);
            }
        }

        for (; e < r.Length; e++)
        {
            T re = r[e], d = drh[e];
            dh[e] += d * re;
            r[e] = d * hPrev[e] * re * (T.One - re);
        }
    }
}
