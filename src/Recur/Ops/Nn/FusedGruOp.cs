using Recur.Kernels.Rnn;

namespace Recur;

/// <summary>
/// FusedGru: a whole GRU layer over time in one op, run by <see cref="GruKernel"/>; <c>DynamicRnn</c> builds it for
/// <c>GruCell</c> (both variants) with TF's variables (docs/decisions/0013).
/// </summary>
/// <remarks>
/// Inputs: x (T, B, I) time-major, or (B, T, I) with <c>batch_major</c> (read in place, no transposes); lengths (B) int32 (an empty vector without lengths); h0 (B, H);
/// gates/kernel (I + H, 2H); gates/bias (2H); then reset before (TF1 <c>GRUCell</c>): candidate/kernel (I + H, H),
/// candidate/bias (H); reset after (cuDNN): candidate/input_projection/kernel (I, H),
/// candidate/hidden_projection/kernel (H, H), candidate/input_projection/bias (H), candidate/hidden_projection/bias (H).
/// Outputs: y (T, B, H) (or (B, T, H), as x), h (B, H), the variant workspace.
/// </remarks>
internal static class FusedGruOp
{
    public static (Tensor Y, Tensor H) Build(Tensor x, Tensor? lengths, Tensor h0, Tensor gateKernel, Tensor gateBias,
        IReadOnlyList<Tensor> candidate, int units, bool resetAfter, bool batchMajor, string name = "FusedGru")
    {
        var inputs = new List<Tensor> { x, FusedRnnCommon.LengthsInput(lengths), h0, gateKernel, gateBias };
        inputs.AddRange(candidate);
        var (t, b) = FusedRnnCommon.StaticDims(x, h0, batchMajor);
        var attrs = new Dictionary<string, object?>
        {
            ["units"] = units,
            ["reset_after"] = resetAfter,
            ["has_lengths"] = lengths is not null,
            ["batch_major"] = batchMajor,
        };
        var op = FusedRnnCommon.Build("FusedGru", name, inputs, new[] { (x.DType, FusedRnnCommon.SequenceShape(batchMajor, t, b, units)), (x.DType, new Shape(b, units)) }, attrs);
        return (op.Outputs[0], op.Outputs[1]);
    }

    [OpKernel("FusedGru", BorrowsInputs = true)]
    private static void Kernel(OpContext ctx)
    {
        if (ctx.Input(0).DType == DType.Float64) Forward<double, FusedF64>(ctx);
        else Forward<float, FusedF32>(ctx);
    }

    [OpKernel("FusedGruGrad", BorrowsInputs = true)]
    private static void GradKernel(OpContext ctx)
    {
        if (ctx.Input(0).DType == DType.Float64) Backward<double, FusedF64>(ctx);
        else Backward<float, FusedF32>(ctx);
    }

    /// <summary>d FusedGru: one FusedGruGrad op over the saved workspace (dx, dh0 and every weight).</summary>
    [OpGradient("FusedGru")]
    private static Tensor?[] Grad(Operation op, IReadOnlyList<Tensor?> dy) => FusedRnnCommon.BuildGradient(op, dy);

    internal static GruConfig Config(OpContext ctx)
    {
        int h = ctx.Attr<int>("units");
        bool after = ctx.Attr<bool>("reset_after");
        var gk = ctx.Input(3);
        if (gk.Rank != 2 || gk.Shape[1] != 2 * h || gk.Shape[0] < h)
            ctx.FailArgument($"gates/kernel must have shape (input_depth + {h}, {2 * h}), but got {gk.Shape}.");
        var (t, b, i) = FusedRnnCommon.Sequence(ctx, ctx.Input(0), gk.Shape[0] - h);
        FusedRnnCommon.Expect(ctx, ctx.Input(2), "h0 (the initial state)", b, h);
        FusedRnnCommon.Expect(ctx, ctx.Input(4), "gates/bias", 2 * h);
        if (after)
        {
            FusedRnnCommon.Expect(ctx, ctx.Input(5), "candidate/input_projection/kernel", i, h);
            FusedRnnCommon.Expect(ctx, ctx.Input(6), "candidate/hidden_projection/kernel", h, h);
            FusedRnnCommon.Expect(ctx, ctx.Input(7), "candidate/input_projection/bias", h);
            FusedRnnCommon.Expect(ctx, ctx.Input(8), "candidate/hidden_projection/bias", h);
        }
        else
        {
            FusedRnnCommon.Expect(ctx, ctx.Input(5), "candidate/kernel", i + h, h);
            FusedRnnCommon.Expect(ctx, ctx.Input(6), "candidate/bias", h);
        }
        return new GruConfig(t, b, i, h) { ResetAfter = after, BatchMajor = FusedRnnCommon.BatchMajor(ctx) };
    }

    internal static GruWeights<T> Weights<T>(OpContext ctx, in GruConfig c)
    {
        int ih = c.InputSize * c.Units;
        var ck = ctx.Input(5).AsSpan<T>();
        return c.ResetAfter
            ? new GruWeights<T>
            {
                GateKernel = ctx.Input(3).AsSpan<T>(),
                GateBias = ctx.Input(4).AsSpan<T>(),
                CandidateInputKernel = ck,
                CandidateHiddenKernel = ctx.Input(6).AsSpan<T>(),
                CandidateBias = ctx.Input(7).AsSpan<T>(),
                CandidateHiddenBias = ctx.Input(8).AsSpan<T>(),
            }
            : new GruWeights<T>
            {
                GateKernel = ctx.Input(3).AsSpan<T>(),
                GateBias = ctx.Input(4).AsSpan<T>(),
                CandidateInputKernel = ck[..ih],
                CandidateHiddenKernel = ck[ih..],
                CandidateBias = ctx.Input(6).AsSpan<T>(),
            };
    }

    private static void Forward<T, TApi>(OpContext ctx)
        where TApi : IFusedRnnApi<T>
    {
        var cfg = Config(ctx);
        var lengths = FusedRnnCommon.Lengths(ctx, cfg.Batch);
        var x = ctx.Input(0);
        bool training = ctx.IsOutputNeeded(2);
        int n = GruKernel.WorkspaceSize(cfg, training);
        var ws = FusedRnnCommon.RentWorkspace<T>(ctx, n, training);
        var y = ctx.AllocateOutput(0, FusedRnnCommon.SequenceDims(cfg.BatchMajor, cfg.Time, cfg.Batch, cfg.Units, stackalloc int[3]), x.DType);
        var h = ctx.AllocateOutput(1, [cfg.Batch, cfg.Units], x.DType);
        TApi.GruForward(cfg, Weights<T>(ctx, cfg), x.AsSpan<T>(), lengths, ctx.Input(2).AsSpan<T>(), y.Data<T>(), h.Data<T>(), ws.AsSpan(0, n), training);
        ctx.SetOutput(0, y);
        ctx.SetOutput(1, h);
        FusedRnnCommon.FinishForward(ctx, 2, ws, n, training);
    }

    /// <summary>The weight gradients' spans in the gradient op's outputs: dx, dh0, d gates/kernel, d gates/bias, then the candidate gradients in input order.</summary>
    internal static GruGradients<T> Gradients<T>(in GruConfig cfg, NDArray[] outs)
    {
        int ih = cfg.InputSize * cfg.Units;
        var dck = outs[4].Data<T>().AsSpan();
        return cfg.ResetAfter
            ? new GruGradients<T>
            {
                GateKernel = outs[2].Data<T>(),
                GateBias = outs[3].Data<T>(),
                CandidateInputKernel = dck,
                CandidateHiddenKernel = outs[5].Data<T>(),
                CandidateBias = outs[6].Data<T>(),
                CandidateHiddenBias = outs[7].Data<T>(),
            }
            : new GruGradients<T>
            {
                GateKernel = outs[2].Data<T>(),
                GateBias = outs[3].Data<T>(),
                CandidateInputKernel = dck[..ih],
                CandidateHiddenKernel = dck[ih..],
                CandidateBias = outs[5].Data<T>(),
            };
    }

    private static void Backward<T, TApi>(OpContext ctx)
        where TApi : IFusedRnnApi<T>
    {
        var cfg = Config(ctx);
        var lengths = FusedRnnCommon.Lengths(ctx, cfg.Batch);
        int nIn = ctx.InputCount - 3;   // forward inputs, then workspace, dy, dh
        var x = ctx.Input(0);
        var dy = ctx.Input(nIn + 1);
        var dh = ctx.Input(nIn + 2);
        var dySpan = FusedRnnCommon.Gradient<T>(ctx, dy, "the gradient of y", FusedRnnCommon.SequenceDims(cfg.BatchMajor, cfg.Time, cfg.Batch, cfg.Units, stackalloc int[3]));
        var dhSpan = FusedRnnCommon.Gradient<T>(ctx, dh, "the gradient of the final h", cfg.Batch, cfg.Units);
        var outs = new NDArray[ctx.Op.Outputs.Count];
        for (int k = 0, i = 0; i < nIn; i++)
        {
            if (i == 1) continue;
            outs[k] = ctx.AllocateOutput(k, ctx.Input(i).Shape, x.DType);
            k++;
        }
        var grads = Gradients<T>(cfg, outs);
        var ws = FusedRnnCommon.BeginBackward<T>(ctx, nIn, GruKernel.WorkspaceSize(cfg, training: true));
        try
        {
            TApi.GruBackward(cfg, Weights<T>(ctx, cfg), x.AsSpan<T>(), lengths, dySpan, dhSpan,
                FusedRnnCommon.BackwardSpan(ctx, ws), FusedRnnCommon.InputGradient<T>(ctx, outs[0]), outs[1].Data<T>(), grads);
        }
        finally
        {
            FusedRnnCommon.EndBackward(ws);
        }
        for (int k = 0; k < outs.Length; k++) ctx.SetOutput(k, outs[k]);
    }
}
