using System.Diagnostics;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Recur.Kernels.Blas;

namespace Recur.Kernels.Rnn;

/// <summary>Where each buffer of the LSTM workspace starts (elements of T) and how long the whole is.</summary>
internal readonly struct LstmLayout
{
    public readonly int Xg, G, C, Hp, M, Hr, C0, HState, CState, MState, Rec, Tmp, Wp, Wv, Total;

    /// <summary>
    /// The row stride of the packed input: I in inference; I + P in training, where each packed token row holds
    /// [x_t | h_{t−1}] (<see cref="Hp"/> = <see cref="Xg"/> + I), so that the weight gradient of the whole kernel
    /// is one product [X | H_prev]ᵀ · dGates that streams dGates once.
    /// </summary>
    public readonly int XStride;

    public LstmLayout(in LstmConfig c, bool training, int slots)
    {
        int n = c.Time * c.Batch, h = c.Units, p = c.OutputSize, b = c.Batch;
        bool proj = c.NumProj > 0;
        long o = slots;
        XStride = training ? c.InputSize + p : c.InputSize;
        Xg = Take(ref o, (long)n * XStride);
        G = Take(ref o, (long)n * 4 * h);
        C = training ? Take(ref o, (long)n * h) : -1;
        Hp = training ? Xg + c.InputSize : -1;
        M = training && proj ? Take(ref o, (long)n * h) : -1;
        Hr = training && proj ? Take(ref o, (long)n * p) : -1;
        C0 = training ? Take(ref o, (long)b * h) : -1;
        HState = Take(ref o, (long)b * p);
        CState = Take(ref o, (long)b * h);
        MState = proj ? Take(ref o, (long)b * h) : -1;
        Rec = Take(ref o, (long)b * 4 * h);
        Tmp = Take(ref o, 2L * Math.Max(b, 1) * h);

        // Wh packed once per call into GEMM panels: Wh for the forward steps, Whᵀ for the backward ones.
        Wp = Take(ref o, Math.Max(RnnMath.PackedSize(p, 4 * h), RnnMath.PackedSize(4 * h, p)));

        // Wh packed by unit blocks for the fused one-row step (FusedStep).
        Wv = Take(ref o, FusedStep.PackedSize(4, h, p));
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
internal static unsafe class LstmCore<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public static void Forward(
        in LstmConfig cfg, LstmWeights<T> w, ReadOnlySpan<T> x, ReadOnlySpan<int> lengths, ReadOnlySpan<T> c0, ReadOnlySpan<T> h0,
        Span<T> y, Span<T> cFinal, Span<T> hFinal, Span<T> ws, bool training, int t0 = 0, int t1 = -1)
    {
        int T_ = cfg.Time, B = cfg.Batch, I = cfg.InputSize, H = cfg.Units, P = cfg.OutputSize, GH = 4 * H;
        var L = new LstmLayout(cfg, training, RnnSchedule.Slots(T_, B));

        // A window (steps [t0, t1) of the whole sequence; LstmKernel.ForwardWindow) runs those steps on the whole
        // sequence's schedule and workspace: the first window builds the schedule and reads the initial state, the
        // others carry on from the state the previous window left in the workspace, the last writes the final state.
        bool windowed = t1 >= 0;
        t1 = windowed ? t1 : T_;
        var s = t0 == 0 ? RnnSchedule.Build(T_, B, lengths, ws) : RnnSchedule.View(T_, B, ws);
        int first = s.Offset[t0], n = s.Offset[t1] - first;

        ReadOnlySpan<T> wx = w.Kernel[..(I * GH)];
        Span<T> g = ws.Slice(L.G, T_ * B * GH);
        Span<T> hS = ws.Slice(L.HState, B * P), cS = ws.Slice(L.CState, B * H);

        if (t0 == 0)
        {
            RnnMath.GatherState(s, h0, P, hS);
            RnnMath.GatherState(s, c0, H, cS);
            if (training)
            {
                cS.CopyTo(ws.Slice(L.C0, B * H));
            }
        }

        // The input projection for every real token as one GEMM: G = X_packed · Wx. Dense time-major x is read in
        // place in inference; training always packs it, next to the h_{t−1} the loop saves (LstmLayout.XStride).
        // Dense batch-major x is packed too: unlike the GRU and the simple RNN, the LSTM keeps G in step order, whose
        // 4H-wide rows a step reads more cheaply together than T rows apart (rnn --ab inplace: 1.02–1.03× at H = 512).
        ReadOnlySpan<T> xp = x[(first * I)..];
        int ldx = I;
        var cache = cfg.PackCache;

        // The time loop, its rows split between threads when the batch is large enough (no per-step barrier).
        // The time loop: its units split between threads at small batches (one barrier a step), else its rows
        // (no barrier), else one thread.
        Span<int> bounds = stackalloc int[RnnPartition.MaxParts + 1];
        Span<int> unitBounds = stackalloc int[RnnPartition.MaxParts + 1];
        int unitParts = windowed ? 0 : PackUnitSplit(cfg, s, w.Kernel, ws.Slice(L.Wp), unitBounds);
        int parts = unitParts > 1 ? unitParts : RnnPartition.Split(s, Kernels.Gemm.MaxThreads, bounds);
        // Wh's GEMM panels and one-row panels: in the workspace, or kept in the cache across calls (not the unit split's).
        Span<T> wp = unitParts > 1 || cache is null ? ws.Slice(L.Wp) : cache.Recurrent<T>(RnnMath.PackedSize(P, GH));
        Span<T> wv = cache is null ? ws.Slice(L.Wv) : cache.Fused<T>(FusedStep.PackedSize(4, H, P));
        int nr = unitParts > 1 ? 0 : PackRecurrent(cfg, s, parts, w.Kernel, wp, backward: false, cache);
        bool oneRowSlices = unitParts > 1 && s.Active[0] < 2;
        bool fused = (unitParts <= 1 || oneRowSlices) && PackFused(cfg, s, w.Kernel, wv, cache);
        Debug.Assert(!oneRowSlices || fused, "one-row weight slices run the fused step: Choose(oneRow) and PackFused must agree");
        bool inY = unitParts <= 1 && s.Dense && !training && cfg.NumProj == 0 && RnnSettings.StepsInOutput;

        // The input projection: in chunks of a few steps inside a one-thread inference loop, each into the front of G's
        // region on Wx packed once behind them (RnnMath.InputChunkSteps); else for every real token as one GEMM before
        // the loop (with a cache — a wavefront's chunk, on one thread — on Wx packed once for every chunk).
        int chunk = RnnMath.InputChunkSteps<T>(s, GH, I, g.Length, training, windowed, parts, RnnPartition.MaxRows(bounds, parts), unitParts > 1);
        bool partMajor = chunk > 0 && parts > 1;
        if (!partMajor && (!s.Dense || cfg.BatchMajor || training))
        {
            Span<T> xg = ws.Slice(L.Xg + (first * L.XStride), n * L.XStride);
            RnnMath.GatherRows(s, x, I, cfg.BatchMajor, xg, L.XStride, t0, t1);
            xp = xg;
            ldx = L.XStride;
        }

        int wxNr = 0;
        Span<T> wxPacked = default;
        if (partMajor)
        {
            // Several parts, each running its own chunks: x's rows part by part, each part's in step order.
            RnnMath.GatherPartMajor(x, I, cfg.BatchMajor, T_, B, bounds, parts, ws.Slice(L.Xg, n * I));
            xp = ws.Slice(L.Xg, n * I);
            ldx = I;
        }

        if (chunk > 0)
        {
            wxPacked = g[(chunk * B * GH)..];
            wxNr = RnnMath.PackWeights(false, I, GH, wx, GH, wxPacked);
        }
        else
        {
            RnnMath.InputGemm(cache, n, GH, I, xp, ldx, wx, g[(first * GH)..], GH);
        }

        fixed (T* pws = ws, pk = w.Kernel, pb = w.Bias, pwi = w.PeepholeInput, pwf = w.PeepholeForget, pwo = w.PeepholeOutput, pp = w.Projection, py = y)
        fixed (T* px = xp, pwx = wxPacked)
        fixed (int* pub = unitBounds, ppb = bounds)
        {
            var job = Job.Instance;
            job.C = new Ctx
            {
                Cfg = cfg, Training = training, Ws = pws, WsLength = ws.Length, Kernel = pk, Bias = pb, Wi = pwi, Wf = pwf, Wo = pwo, Proj = pp,
                Seq = py, SeqLength = y.Length, PanelWidth = nr, Fused = fused, UnitBounds = unitParts > 1 ? pub : null, UnitParts = unitParts, InY = inY,
                Wp = Ptr(wp), WpLength = wp.Length, Wv = Ptr(wv), T0 = t0, T1 = t1,
                ChunkSteps = chunk, X = px, XLength = xp.Length, Ldx = ldx, WxPacked = pwx, WxNr = wxNr, PartBounds = partMajor ? ppb : null, Parts = parts,
            };
            job.Backward = false;
            if (unitParts > 1)
            {
                RnnPartition.Run(job, unitBounds, unitParts, job.Barrier);
            }
            else
            {
                RnnPartition.Run(job, bounds, parts, null, RnnSettings.SerialSteps(parts, s.Batch, (long)P * GH) ? 1 : 0);
            }
        }

        if (t1 < T_)
        {
            // Not the last window: the state stays in the workspace (or, stepping in y, in y's rows) for the next.
            return;
        }

        if (inY)
        {
            RnnMath.FinalStateFromOutput<T>(cfg.BatchMajor, T_, B, P, y, hS);
        }

        RnnMath.ScatterState(s, hS, P, hFinal);
        RnnMath.ScatterState(s, cS, H, cFinal);
    }

    /// <summary>What the time loop reads and writes, as pinned pointers (the parts of a parallel loop rebuild their spans from it).</summary>
    private struct Ctx
    {
        public LstmConfig Cfg;
        public bool Training;
        public T* Ws;
        public int WsLength;
        public T* Kernel;
        public T* Bias;
        public T* Wi;
        public T* Wf;
        public T* Wo;
        public T* Proj;

        /// <summary>y (forward) or dy (backward; null: zeros).</summary>
        public T* Seq;
        public int SeqLength;

        /// <summary>The panel width of the packed Wh (or Whᵀ) in the workspace; 0: not packed.</summary>
        public int PanelWidth;

        /// <summary>Wh is packed for <see cref="FusedStep"/>: steps with one active row run it.</summary>
        public bool Fused;

        /// <summary>The forward pass's packed Wh: GEMM panels (or the unit split's) and <see cref="FusedStep"/>'s panels (workspace or <see cref="RnnPackCache"/>).</summary>
        public T* Wp;
        public int WpLength;
        public T* Wv;

        /// <summary>The unit split's part bounds (<see cref="UnitParts"/> + 1 of them; null: no unit split).</summary>
        public int* UnitBounds;
        public int UnitParts;

        /// <summary>Dense inference without projection on the row split: h_t goes straight into y, whose rows are the next step's h_{t−1}.</summary>
        public bool InY;

        /// <summary>The steps [T0, T1) this call runs (the whole sequence, or a window of it).</summary>
        public int T0;
        public int T1;

        /// <summary>
        /// Steps per input-projection chunk (0: G was computed for every token before the loop): every
        /// <see cref="ChunkSteps"/> steps the loop computes the next steps' rows of G into the front of G's region from
        /// x's rows (<see cref="X"/>, <see cref="Ldx"/> apart, from the first token) and Wx's panels (<see cref="WxPacked"/>).
        /// </summary>
        public int ChunkSteps;
        public T* X;
        public int XLength;
        public int Ldx;
        public T* WxPacked;
        public int WxNr;

        /// <summary>
        /// With input chunks on several parts: the row split's bounds (<see cref="Parts"/> + 1), x gathered part by part
        /// (<see cref="RnnMath.GatherPartMajor"/>) and each part's chunk rows from row r0·<see cref="ChunkSteps"/> of G's
        /// region; null otherwise.
        /// </summary>
        public int* PartBounds;
        public int Parts;

        public readonly LstmWeights<T> Weights
        {
            get
            {
                int i = Cfg.InputSize, h = Cfg.Units, p = Cfg.OutputSize;
                int peep = Cfg.UsePeepholes ? h : 0;
                return new LstmWeights<T>
                {
                    Kernel = new ReadOnlySpan<T>(Kernel, (i + p) * 4 * h), Bias = new ReadOnlySpan<T>(Bias, 4 * h),
                    PeepholeInput = new ReadOnlySpan<T>(Wi, peep), PeepholeForget = new ReadOnlySpan<T>(Wf, peep), PeepholeOutput = new ReadOnlySpan<T>(Wo, peep),
                    Projection = new ReadOnlySpan<T>(Proj, Cfg.NumProj > 0 ? h * p : 0),
                };
            }
        }
    }

    /// <summary>The time loop as a row job (one instance: the pool runs one dispatch at a time, and a serial run calls it directly).</summary>
    private sealed class Job : IRowJob
    {
        [ThreadStatic]
        private static Job? t_instance;

        public Ctx C;
        public bool Backward;

        /// <summary>Where the unit split's parts meet each step.</summary>
        public readonly SpinBarrier Barrier = new();

        /// <summary>The calling thread's job object (a concurrent call on another thread gets its own).</summary>
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
                    ForwardUnits(C, r0, r1, Barrier);
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

    /// <summary>Sorted rows [r0, r1) through every step of the forward pass.</summary>
    private static void ForwardSteps(in Ctx c, int r0, int r1, int gemmThreads)
    {
        LstmConfig cfg = c.Cfg;
        int T_ = cfg.Time, B = cfg.Batch, I = cfg.InputSize, H = cfg.Units, P = cfg.OutputSize, GH = 4 * H;
        bool proj = cfg.NumProj > 0, peep = cfg.UsePeepholes, training = c.Training;
        var L = new LstmLayout(cfg, training, RnnSchedule.Slots(T_, B));
        var ws = new Span<T>(c.Ws, c.WsLength);
        var s = RnnSchedule.View(T_, B, ws);
        LstmWeights<T> w = c.Weights;
        var y = new Span<T>(c.Seq, c.SeqLength);

        ReadOnlySpan<T> wh = w.Kernel.Slice(I * GH, P * GH);
        Span<T> g = ws.Slice(L.G, T_ * B * GH);
        Span<T> hS = ws.Slice(L.HState, B * P), cS = ws.Slice(L.CState, B * H), rec = ws.Slice(L.Rec, B * GH);
        Span<T> tmp = ws.Slice(L.Tmp + (r0 * 2 * H), 2 * H);
        Span<T> mS = proj ? ws.Slice(L.MState, B * H) : hS;
        T forgetBias = T.CreateTruncating(cfg.ForgetBias);
        bool cellClip = cfg.CellClip.HasValue, projClip = proj && cfg.ProjClip.HasValue;
        T cClip = T.CreateTruncating(cfg.CellClip ?? 0), pClip = T.CreateTruncating(cfg.ProjClip ?? 0);

        // With InY (dense inference, no projection), h_t goes straight into y's rows of step t (ys apart), which the
        // next step reads as h_{t−1}; h0 comes from the state buffer.
        bool inY = c.InY;
        int ys = cfg.BatchMajor ? T_ * P : P;

        // G's row of token off + k is off + k − gBase (gBase 0 without input chunks; RnnMath.ChunkBase with them).
        int gBase = 0, chunkStart = c.T0;
        for (int t = c.T0; t < c.T1; t++)
        {
            if (c.ChunkSteps > 0)
            {
                bool partMajor = c.PartBounds != null;
                if ((t - c.T0) % c.ChunkSteps == 0)
                {
                    // The next chunk's G rows: this part's rows of steps [t, end) (several parts), or every active row.
                    int end = Math.Min(c.T1, t + c.ChunkSteps);
                    chunkStart = t;
                    var (token, rows) = RnnMath.ChunkRows(s, partMajor, t, end, r0, r1);
                    RnnMath.InputChunk(
                        token, rows, GH, I, new ReadOnlySpan<T>(c.X, c.XLength), c.Ldx, w.Kernel[..(I * GH)], new ReadOnlySpan<T>(c.WxPacked, (int)RnnMath.PackedSize(I, GH)), c.WxNr,
                        g[((partMajor ? r0 * c.ChunkSteps : 0) * GH)..], GH);
                }

                gBase = RnnMath.ChunkBase(s, partMajor, c.ChunkSteps, chunkStart, t, r0, r1);
            }

            int nb = Math.Min(s.Active[t], r1) - r0, off = s.Offset[t] + r0;
            if (nb == 1 && c.Fused)
            {
                // One row: the GEMV on the unit-block panels, then the cell's row passes.
                Span<T> hRow = inY ? y.Slice(RnnMath.SequenceRow(cfg.BatchMajor, T_, B, t, r0) * P, P) : hS.Slice(r0 * P, P);
                Span<T> hIn = training ? ws.Slice(L.Hp + (off * L.XStride), P)
                    : inY ? (t == 0 ? hS.Slice(r0 * P, P) : y.Slice(RnnMath.SequenceRow(cfg.BatchMajor, T_, B, t - 1, r0) * P, P))
                    : tmp[..P];
                if (!inY)
                {
                    hRow.CopyTo(hIn);
                }

                T* pc = Ptr(cS.Slice(r0 * H, H));
                FusedStep.Lstm(
                    (float*)c.Wv, (float*)Ptr(hIn), P, H, (float*)Ptr(g.Slice((off - gBase) * GH, GH)), (float*)Ptr(rec.Slice(r0 * GH, GH)), (float*)c.Bias, float.CreateTruncating(cfg.ForgetBias),
                    (float*)pc, training ? (float*)Ptr(ws.Slice(L.C + (off * H), H)) : null, (float*)Ptr(hRow), training, reverse: RnnSettings.ReversedStep(t));
            }
            else if (nb > 0)
            {
                // The recurrent product for the active rows: rec = h_{t-1} · Wh (a GEMV at one row).
                ReadOnlySpan<T> hPrev = inY && t > 0 ? y.Slice(RnnMath.SequenceRow(cfg.BatchMajor, T_, B, t - 1, r0) * P, ((nb - 1) * ys) + P) : hS.Slice(r0 * P, nb * P);
                int ldh = inY && t > 0 ? ys : P;
                if (training)
                {
                    // Saved beside each token's x (LstmLayout.XStride), and the product reads the saved rows.
                    Span<T> saved = ws.Slice(L.Hp + (off * L.XStride), ((nb - 1) * L.XStride) + P);
                    for (int k = 0; k < nb; k++)
                    {
                        hPrev.Slice(k * P, P).CopyTo(saved.Slice(k * L.XStride, P));
                    }

                    hPrev = saved;
                    ldh = L.XStride;
                }

                Span<T> recRows = rec.Slice(r0 * GH, nb * GH);
                RnnMath.GemmPacked(false, nb, GH, P, hPrev, ldh, wh, GH, new ReadOnlySpan<T>(c.Wp, c.WpLength), c.PanelWidth, T.Zero, recRows, GH, gemmThreads);

                Span<T> mRows = training && proj ? ws.Slice(L.M + (off * H), nb * H) : mS.Slice(r0 * H, nb * H);
                for (int k = 0; k < nb; k++)
                {
                    Span<T> gr = g.Slice((off - gBase + k) * GH, GH);
                    Span<T> cRow = cS.Slice((r0 + k) * H, H);
                    Span<T> cRaw = training ? ws.Slice(L.C + ((off + k) * H), H) : tmp[..H];
                    Span<T> m = inY ? y.Slice(RnnMath.SequenceRow(cfg.BatchMajor, T_, B, t, r0 + k) * P, P) : mRows.Slice(k * H, H);
                    CellForward(gr, recRows.Slice(k * GH, GH), w, forgetBias, peep, cellClip, cClip, cRow, cRaw, m);
                }

                if (proj)
                {
                    Span<T> hRows = hS.Slice(r0 * P, nb * P);
                    Span<T> hRaw = training ? ws.Slice(L.Hr + (off * P), nb * P) : hRows;
                    RnnMath.Gemm(false, false, nb, P, H, mRows, H, w.Projection, P, T.Zero, hRaw, P, gemmThreads);
                    if (projClip)
                    {
                        RnnMath.Clip<T>(hRaw, pClip, hRows);
                    }
                    else if (training)
                    {
                        hRaw.CopyTo(hRows);
                    }
                }
            }

            if (inY)
            {
                continue;
            }

            for (int k = r0; k < r1; k++)
            {
                Span<T> row = y.Slice(RnnMath.SequenceRow(cfg.BatchMajor, T_, B, t, s.Perm[k]) * P, P);
                if (k - r0 < nb)
                {
                    hS.Slice(k * P, P).CopyTo(row);
                }
                else
                {
                    row.Clear();
                }
            }
        }
    }

    /// <summary>
    /// The forward time loop for the unit-split parts inside units [u0, u1) (one part per thread, or all of them
    /// on one thread when the pool was busy): per step, each part multiplies all active rows of h_{t−1} by its
    /// own panels (its units' columns of every gate), runs the cell on its units, writes its columns of h_t and y,
    /// and meets the other parts at the barrier. h alternates between the state buffer and a second one (the
    /// <c>Tmp</c> region, B·H ≥ needed without projection); rows that finish keep their last h in the state buffer.
    /// Float only, no peepholes, clip or projection (<see cref="PackUnitSplit"/> decides).
    /// </summary>
    private static void ForwardUnits(in Ctx c, int u0, int u1, SpinBarrier barrier)
    {
        LstmConfig cfg = c.Cfg;
        int T_ = cfg.Time, B = cfg.Batch, H = cfg.Units, GH = 4 * H;
        bool training = c.Training;
        var L = new LstmLayout(cfg, training, RnnSchedule.Slots(T_, B));
        var s = RnnSchedule.View(T_, B, new Span<T>(c.Ws, c.WsLength));
        float* ws = (float*)c.Ws, g = ws + L.G, rec = ws + L.Rec, cS = ws + L.CState, bias = (float*)c.Bias, y = (float*)c.Seq;
        float* hState = ws + L.HState, cur = hState, next = ws + L.Tmp;
        float fb = (float)cfg.ForgetBias;
        var (p0, p1) = RnnUnitSplit.PartsWithin(c.UnitBounds, c.UnitParts, u0, u1);

        for (int t = 0; t < T_; t++)
        {
            int nb = s.Active[t], off = s.Offset[t], finished = t > 0 ? s.Active[t - 1] : nb;
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
                            new ReadOnlySpan<float>(cur + ((long)k * H) + a, w).CopyTo(new Span<float>(ws + L.Hp + ((long)(off + k) * L.XStride) + a, w));
                        }
                    }

                    if (nb == 1 && c.Fused)
                    {
                        // Batch 1: this part's weight slice of the fused one-row step (its 8-unit blocks, its units' cell).
                        FusedStep.Lstm(
                            (float*)c.Wv, cur, H, H, g + ((long)off * GH), rec, bias, fb, cS, training ? ws + L.C + ((long)off * H) : null, next, training,
                            blockFrom: a / FusedStep.Block, blockTo: (a + w + FusedStep.Block - 1) / FusedStep.Block);
                        RnnUnitSplit.WriteOutputs(y, cfg.BatchMajor, T_, B, t, s.Perm, next, H, a, w, nb);
                        continue;
                    }

                    // rec[:, 4a .. 4a + 4w) = h_{t−1} · [Wi | Wj | Wf | Wo] restricted to units [a, a + w).
                    var prob = new GemmProblem<float>
                    {
                        A = cur, Lda = H, C = rec + (4 * a), Ldc = GH, M = nb, N = 4 * w, K = H, Alpha = 1f, Beta = 0f,
                    };
                    GemmDriver<float>.MultiplyPanelsOnly(ref prob, (float*)c.Wp + ((long)4 * a * H));
                    for (int k = 0; k < nb; k++)
                    {
                        float* cRow = cS + ((long)k * H) + a;
                        FusedStep.LstmCell(
                            g + ((long)(off + k) * GH) + a, H, rec + ((long)k * GH) + (4 * a), w, bias + a, fb, cRow,
                            training ? ws + L.C + ((long)(off + k) * H) + a : cRow, next + ((long)k * H) + a, w);
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
    /// Chooses the unit split for the forward loop and packs each part's panels: several threads, float with the
    /// AVX2 tile, no peepholes, clip or projection, H a multiple of <see cref="RnnUnitSplit.Granule"/>, at least two
    /// rows, and a batch <see cref="RnnSettings.UseUnitSplit"/> accepts. Part p's panels (its units [a, a + w) of
    /// gates i, j, f, o, each packed as a w-column matrix) start at 4·a·H in <paramref name="packed"/>. Returns the
    /// number of parts (≤ 1: no unit split).
    /// </summary>
    private static int PackUnitSplit(in LstmConfig cfg, in RnnSchedule s, ReadOnlySpan<T> kernel, Span<T> packed, Span<int> bounds)
    {
        int H = cfg.Units, GH = 4 * H;
        if (!FusedStep.IsSupported<T>() || cfg.UsePeepholes || cfg.CellClip.HasValue || cfg.NumProj > 0 || !GemmDriver<T>.PanelsUsable(Kernel256<T>.NR))
        {
            return 0;
        }

        int parts = RnnUnitSplit.Choose(s, H, bounds, oneRow: true);
        if (parts == 0 || s.Active[0] < 2)
        {
            // One row: the parts run the fused one-row step on their blocks of the unit-block panels (PackFused).
            return parts;
        }

        ReadOnlySpan<T> wh = kernel.Slice(cfg.InputSize * GH, H * GH);
        for (int p = 0; p < parts; p++)
        {
            int a = bounds[p], w = bounds[p + 1] - a;
            for (int q = 0; q < 4; q++)
            {
                long at = ((long)4 * a * H) + ((long)q * w * H);
                RnnMath.PackWeights(false, H, w, wh[((q * H) + a)..], GH, packed[(int)at..]);
            }
        }

        return parts;
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
        if (!peep && !clip && FusedStep.IsSupported<T>())
        {
            // One vectorised pass (the fused step's epilogue) instead of a dozen TensorPrimitives calls per row.
            fixed (T* pg = g)
            fixed (T* pr = rec)
            fixed (T* pb = w.Bias)
            fixed (T* pc = c)
            fixed (T* pcr = cRaw)
            fixed (T* pm = m)
            {
                FusedStep.LstmCell((float*)pg, (float*)pr, (float*)pb, float.CreateTruncating(forgetBias), (float*)pc, (float*)pcr, (float*)pm, h);
            }

            return;
        }

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
        ReadOnlySpan<T> dcFinal, ReadOnlySpan<T> dhFinal, Span<T> ws, Span<T> dx, Span<T> dc0, Span<T> dh0, LstmGradients<T> grads,
        int t0 = 0, int t1 = -1, Span<T> dxScratch = default)
    {
        int T_ = cfg.Time, B = cfg.Batch, I = cfg.InputSize, H = cfg.Units, P = cfg.OutputSize, GH = 4 * H;
        var L = new LstmLayout(cfg, true, RnnSchedule.Slots(T_, B));

        // A window (steps [t0, t1), last window first; LstmKernel.BackwardWindow) runs those steps' gradients and their
        // dx; the last window reads the final state's gradients, the first writes the initial state's; the weight
        // gradients wait for BackwardWeights after the last call.
        bool windowed = t1 >= 0;
        t1 = windowed ? t1 : T_;
        var s = t1 == T_ ? RnnSchedule.Build(T_, B, lengths, ws) : RnnSchedule.View(T_, B, ws);
        int first = s.Offset[t0], n = s.Offset[t1] - first;

        // The forward pass (training) packed x into Xg beside the saved h_{t−1}; dense time-major dx is written in place.
        bool inPlace = s.Dense && !cfg.BatchMajor;

        ReadOnlySpan<T> wx = w.Kernel[..(I * GH)];
        Span<T> g = ws.Slice(L.G, T_ * B * GH);
        Span<T> dhS = ws.Slice(L.HState, B * P), dcS = ws.Slice(L.CState, B * H);

        if (t1 == T_)
        {
            RnnMath.GatherState(s, dhFinal, P, dhS);
            RnnMath.GatherState(s, dcFinal, H, dcS);
        }

        Span<int> bounds = stackalloc int[RnnPartition.MaxParts + 1];
        int parts = RnnPartition.Split(s, Kernels.Gemm.MaxThreads, bounds);
        var cache = windowed ? cfg.PackCache : null;
        Span<T> wpT = cache is null ? ws.Slice(L.Wp) : cache.RecurrentTransposed<T>(RnnMath.PackedSize(GH, P));
        int nr = PackRecurrent(cfg, s, parts, w.Kernel, wpT, backward: true, cache);
        fixed (T* pws = ws, pk = w.Kernel, pb = w.Bias, pwi = w.PeepholeInput, pwf = w.PeepholeForget, pwo = w.PeepholeOutput, pp = w.Projection, pdy = dy)
        {
            var job = Job.Instance;
            job.C = new Ctx
            {
                Cfg = cfg, Training = true, Ws = pws, WsLength = ws.Length, Kernel = pk, Bias = pb, Wi = pwi, Wf = pwf, Wo = pwo, Proj = pp,
                Seq = pdy, SeqLength = dy.Length, PanelWidth = nr, Wp = Ptr(wpT), WpLength = wpT.Length, T0 = t0, T1 = t1,
            };
            job.Backward = true;
            RnnPartition.Run(job, bounds, parts, null, RnnSettings.SerialSteps(parts, s.Batch, (long)P * GH) ? 1 : 0);
        }

        if (!windowed)
        {
            Weights(cfg, s, L, ws, grads);
        }

        if (!dx.IsEmpty)
        {
            // dx = dGates · Wxᵀ for the call's tokens: in place, or packed (into Xg, which the weight gradients no longer
            // need, or a window's scratch) and scattered.
            ReadOnlySpan<T> dg = g.Slice(first * GH, n * GH);
            if (inPlace)
            {
                RnnMath.InputGemmTransposed(cache, n, I, GH, dg, wx, dx.Slice(first * I, n * I), I);
            }
            else
            {
                Span<T> dxp = windowed ? dxScratch[..(n * I)] : ws.Slice(L.Xg, n * L.XStride);
                int ldp = windowed ? I : L.XStride;
                RnnMath.InputGemmTransposed(cache, n, I, GH, dg, wx, dxp, ldp);
                RnnMath.ScatterRows(s, dxp, I, cfg.BatchMajor, dx, ldp, t0, t1);
            }
        }

        if (t0 == 0)
        {
            RnnMath.ScatterState(s, dhS, P, dh0);
            RnnMath.ScatterState(s, dcS, H, dc0);
        }
    }

    /// <summary>The weight gradients after the last backward window (<c>LstmKernel.BackwardWeights</c>).</summary>
    public static void BackwardWeights(in LstmConfig cfg, Span<T> ws, LstmGradients<T> grads)
    {
        var L = new LstmLayout(cfg, true, RnnSchedule.Slots(cfg.Time, cfg.Batch));
        Weights(cfg, RnnSchedule.View(cfg.Time, cfg.Batch, ws), L, ws, grads);
    }

    /// <summary>
    /// The weight gradients for all steps at once: dKernel = [X | H_prev]ᵀ · dGates as one product over the packed
    /// [x_t | h_{t−1}] rows (dGates streamed once), dBias = Σ dGates summed as that product packs dGates, and the
    /// projection's and peepholes' gradients.
    /// </summary>
    private static void Weights(in LstmConfig cfg, in RnnSchedule s, in LstmLayout L, Span<T> ws, LstmGradients<T> grads)
    {
        int H = cfg.Units, P = cfg.OutputSize, GH = 4 * H, n = s.Tokens;
        Span<T> g = ws.Slice(L.G, n * GH);
        RnnMath.GemmWithColumnSums(true, cfg.InputSize + P, GH, n, ws.Slice(L.Xg, n * L.XStride), L.XStride, g, GH, T.Zero, grads.Kernel, GH, grads.Bias);
        if (cfg.NumProj > 0)
        {
            RnnMath.Gemm(true, false, H, P, n, ws.Slice(L.M, n * H), H, ws.Slice(L.Hr, n * P), P, T.Zero, grads.Projection, P);
        }

        if (cfg.UsePeepholes)
        {
            PeepholeGradients(cfg, s, L, ws, grads);
        }
    }

    /// <summary>Sorted rows [r0, r1) through every step of the backward pass, last step first.</summary>
    private static void BackwardSteps(in Ctx c, int r0, int r1, int gemmThreads)
    {
        LstmConfig cfg = c.Cfg;
        int T_ = cfg.Time, B = cfg.Batch, H = cfg.Units, P = cfg.OutputSize, GH = 4 * H, I = cfg.InputSize;
        bool proj = cfg.NumProj > 0, peep = cfg.UsePeepholes;
        var L = new LstmLayout(cfg, true, RnnSchedule.Slots(T_, B));
        var ws = new Span<T>(c.Ws, c.WsLength);
        var s = RnnSchedule.View(T_, B, ws);
        LstmWeights<T> w = c.Weights;
        var dy = new ReadOnlySpan<T>(c.Seq, c.SeqLength);

        ReadOnlySpan<T> wh = w.Kernel.Slice(I * GH, P * GH);
        Span<T> g = ws.Slice(L.G, T_ * B * GH), cSaved = ws.Slice(L.C, T_ * B * H), c0s = ws.Slice(L.C0, B * H);
        Span<T> dhS = ws.Slice(L.HState, B * P), dcS = ws.Slice(L.CState, B * H);
        Span<T> dmS = proj ? ws.Slice(L.MState, B * H) : dhS;
        Span<T> tmp = ws.Slice(L.Tmp + (r0 * 2 * H), 2 * H);
        bool cellClip = cfg.CellClip.HasValue, projClip = proj && cfg.ProjClip.HasValue;
        T cClip = T.CreateTruncating(cfg.CellClip ?? 0), pClip = T.CreateTruncating(cfg.ProjClip ?? 0);

        for (int t = c.T1 - 1; t >= c.T0; t--)
        {
            int nb = Math.Min(s.Active[t], r1) - r0, off = s.Offset[t] + r0;
            if (nb <= 0)
            {
                continue;
            }

            // dh for the active rows: the gradient from the future (or dh_T for rows that end here) plus dy_t.
            Span<T> dhRows = dhS.Slice(r0 * P, nb * P);
            if (!dy.IsEmpty)
            {
                for (int k = 0; k < nb; k++)
                {
                    Span<T> d = dhRows.Slice(k * P, P);
                    TensorPrimitives.Add(d, dy.Slice(RnnMath.SequenceRow(cfg.BatchMajor, T_, B, t, s.Perm[r0 + k]) * P, P), d);
                }
            }

            Span<T> dmRows = dmS.Slice(r0 * H, nb * H);
            if (proj)
            {
                // h = clip(m · Wp): dh_raw = dh ⊙ [|h_raw| ≤ clip], saved in place of h_raw for dWp; dm = dh_raw · Wpᵀ.
                Span<T> hr = ws.Slice(L.Hr + (off * P), nb * P);
                if (projClip)
                {
                    ClipGrad(dhRows, hr, pClip, hr);
                }
                else
                {
                    dhRows.CopyTo(hr);
                }

                RnnMath.Gemm(false, true, nb, H, P, hr, P, w.Projection, P, T.Zero, dmRows, H, gemmThreads);
            }

            for (int k = 0; k < nb; k++)
            {
                int row = off + k;
                ReadOnlySpan<T> cPrev = t > 0 ? cSaved.Slice((s.Offset[t - 1] + r0 + k) * H, H) : c0s.Slice((r0 + k) * H, H);
                Span<T> cPrevClipped = tmp[..H];
                if (cellClip && t > 0)
                {
                    RnnMath.Clip(cPrev, cClip, cPrevClipped);
                    cPrev = cPrevClipped;
                }

                CellBackward(
                    g.Slice(row * GH, GH), cSaved.Slice(row * H, H), cPrev, dmRows.Slice(k * H, H), dcS.Slice((r0 + k) * H, H), tmp[H..],
                    w, peep, cellClip, cClip);
            }

            // dh_{t-1} = dGates_t · Whᵀ for the active rows; the others keep their carried gradient.
            RnnMath.GemmPacked(true, nb, P, GH, g.Slice(off * GH, nb * GH), GH, wh, GH, new ReadOnlySpan<T>(c.Wp, c.WpLength), c.PanelWidth, T.Zero, dhRows, P, gemmThreads);
        }
    }

    /// <summary>
    /// Packs Wh (forward) or Whᵀ (backward) into GEMM panels once for all steps when the steps' products will
    /// use them (more than one active row, single-threaded products); returns the panel width, or 0.
    /// </summary>
    private static int PackRecurrent(in LstmConfig cfg, in RnnSchedule s, int parts, ReadOnlySpan<T> kernel, Span<T> packed, bool backward, RnnPackCache? cache)
    {
        int P = cfg.OutputSize, GH = 4 * cfg.Units;
        if (!RnnSettings.PackWeights || s.Time == 0 || s.Active[0] < 2 || (parts == 1 && !RnnSettings.SerialSteps(parts, s.Batch, (long)P * GH)))
        {
            return 0;
        }

        ReadOnlySpan<T> wh = kernel.Slice(cfg.InputSize * GH, P * GH);
        if (cache is not null)
        {
            // Packed into the cache by the first call that needs it (Wh forward, Whᵀ in backward windows).
            if (backward)
            {
                return cache.RecurrentTransposedNr != 0 ? cache.RecurrentTransposedNr : cache.RecurrentTransposedNr = RnnMath.PackWeights(true, GH, P, wh, GH, packed);
            }

            if (cache.RecurrentNr == 0)
            {
                cache.RecurrentNr = RnnMath.PackWeights(false, P, GH, wh, GH, packed);
            }

            return cache.RecurrentNr;
        }

        return backward ? RnnMath.PackWeights(true, GH, P, wh, GH, packed) : RnnMath.PackWeights(false, P, GH, wh, GH, packed);
    }

    /// <summary>
    /// Packs Wh by unit blocks for <see cref="FusedStep.Lstm"/> when it applies (float, AVX2, no peepholes, clip or
    /// projection) and some step has exactly one active row; true when packed.
    /// </summary>
    private static bool PackFused(in LstmConfig cfg, in RnnSchedule s, ReadOnlySpan<T> kernel, Span<T> packed, RnnPackCache? cache)
    {
        int H = cfg.Units, GH = 4 * H;
        if (!RnnSettings.FusedStep || !FusedStep.IsSupported<T>() || cfg.UsePeepholes || cfg.CellClip.HasValue || cfg.NumProj > 0 || !RnnSettings.HasSingleRowStep(s))
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

        ReadOnlySpan<int> gates = stackalloc int[] { 0, H, 2 * H, 3 * H };
        fixed (T* pk = kernel, pp = packed)
        {
            float* wh = (float*)pk + ((long)cfg.InputSize * GH);
            FusedStep.Pack((float*)pp, H, H, wh, GH, 4, null, 0, gates);
        }

        return true;
    }

    private static T* Ptr(Span<T> span) => (T*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(span));

    /// <summary>
    /// The peephole gradients over every real token, after the loop: dw_i = Σ di ⊙ c_{t-1}, dw_f = Σ df ⊙ c_{t-1},
    /// dw_o = Σ do ⊙ c_t (c clipped as the forward pass used it; c_{-1} = c0), from the gate gradients in G.
    /// </summary>
    private static void PeepholeGradients(in LstmConfig cfg, in RnnSchedule s, in LstmLayout L, Span<T> ws, LstmGradients<T> grads)
    {
        int T_ = cfg.Time, B = cfg.Batch, H = cfg.Units, GH = 4 * H;
        bool cellClip = cfg.CellClip.HasValue;
        T cClip = T.CreateTruncating(cfg.CellClip ?? 0);
        Span<T> g = ws.Slice(L.G, T_ * B * GH), cSaved = ws.Slice(L.C, T_ * B * H), c0s = ws.Slice(L.C0, B * H);
        Span<T> cp = ws.Slice(L.Tmp, H), cn = ws.Slice(L.Tmp + H, H);
        grads.PeepholeInput.Clear();
        grads.PeepholeForget.Clear();
        grads.PeepholeOutput.Clear();
        for (int t = 0; t < T_; t++)
        {
            int nb = s.Active[t], off = s.Offset[t];
            for (int k = 0; k < nb; k++)
            {
                ReadOnlySpan<T> cPrev = t > 0 ? cSaved.Slice((s.Offset[t - 1] + k) * H, H) : c0s.Slice(k * H, H);
                ReadOnlySpan<T> cNew = cSaved.Slice((off + k) * H, H);
                if (cellClip)
                {
                    if (t > 0)
                    {
                        RnnMath.Clip(cPrev, cClip, cp);
                        cPrev = cp;
                    }

                    RnnMath.Clip(cNew, cClip, cn);
                    cNew = cn;
                }

                ReadOnlySpan<T> dz = g.Slice((off + k) * GH, GH);
                TensorPrimitives.MultiplyAdd(dz[..H], cPrev, grads.PeepholeInput, grads.PeepholeInput);
                TensorPrimitives.MultiplyAdd(dz.Slice(2 * H, H), cPrev, grads.PeepholeForget, grads.PeepholeForget);
                TensorPrimitives.MultiplyAdd(dz.Slice(3 * H, H), cNew, grads.PeepholeOutput, grads.PeepholeOutput);
            }
        }
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
    /// dc_{t-1} = dc·a_f + di·w_i + df·w_f. (The peephole weights' own gradients are summed after the loop.)
    /// </summary>
    private static void CellBackward(
        Span<T> g, ReadOnlySpan<T> cRaw, ReadOnlySpan<T> cPrev, ReadOnlySpan<T> dh, Span<T> dc, Span<T> tau,
        LstmWeights<T> w, bool peep, bool clip, T cClip)
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
        ref T rwi = ref MemoryMarshal.GetReference(w.PeepholeInput);
        ref T rwf = ref MemoryMarshal.GetReference(w.PeepholeForget);
        ref T rwo = ref MemoryMarshal.GetReference(w.PeepholeOutput);
        int e = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
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
                if (peep)
                {
                    vdc += dO * Vector.LoadUnsafe(ref rwo, u);
                }

                if (clip)
                {
                    Vector<T> raw = Vector.LoadUnsafe(ref rc, u);
                    vdc = Vector.ConditionalSelect(Vector.BitwiseOr(Vector.LessThan(raw, lo), Vector.GreaterThan(raw, hi)), Vector<T>.Zero, vdc);
                }

                Vector<T> dI = vdc * aj * ai * (one - ai);
                Vector<T> dJ = vdc * ai * (one - (aj * aj));
                Vector<T> dF = vdc * Vector.LoadUnsafe(ref rcp, u) * af * (one - af);
                Vector<T> dcPrev = vdc * af;
                if (peep)
                {
                    dcPrev += (dI * Vector.LoadUnsafe(ref rwi, u)) + (dF * Vector.LoadUnsafe(ref rwf, u));
                }

                dcPrev.StoreUnsafe(ref rdc, u);
                dI.StoreUnsafe(ref gi, u);
                dJ.StoreUnsafe(ref gj, u);
                dF.StoreUnsafe(ref gf, u);
                dO.StoreUnsafe(ref go, u);
            }
        }

        for (; e < h; e++)
        {
            T ai = Unsafe.Add(ref gi, e), aj = Unsafe.Add(ref gj, e), af = Unsafe.Add(ref gf, e), ao = Unsafe.Add(ref go, e);
            T vtau = Unsafe.Add(ref rtau, e), vdh = Unsafe.Add(ref rdh, e), raw = Unsafe.Add(ref rc, e), cp = Unsafe.Add(ref rcp, e);
            T dO = vdh * vtau * ao * (T.One - ao);
            T vdc = Unsafe.Add(ref rdc, e) + (vdh * ao * (T.One - (vtau * vtau)));
            if (peep)
            {
                vdc += dO * Unsafe.Add(ref rwo, e);
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
                dcPrev += (dI * Unsafe.Add(ref rwi, e)) + (dF * Unsafe.Add(ref rwf, e));
            }

            Unsafe.Add(ref rdc, e) = dcPrev;
            Unsafe.Add(ref gi, e) = dI;
            Unsafe.Add(ref gj, e) = dJ;
            Unsafe.Add(ref gf, e) = dF;
            Unsafe.Add(ref go, e) = dO;
        }
    }
}
