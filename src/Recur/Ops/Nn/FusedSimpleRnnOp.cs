using Recur.Kernels.Rnn;

namespace Recur;

/// <summary>
/// FusedRnn: a whole simple (Elman) RNN layer over time in one op, run by <see cref="SimpleRnnKernel"/>;
/// <c>DynamicRnn</c> builds it for <c>BasicRnnCell</c> with tanh or relu (docs/decisions/0013).
/// </summary>
/// <remarks>
/// Inputs: x (T, B, I) time-major, or (B, T, I) with <c>batch_major</c> (read in place, no transposes); lengths (B) int32 (an empty vector without lengths); h0 (B, H); kernel (I + H, H);
/// bias (H). Outputs: y (T, B, H) (or (B, T, H), as x), h (B, H), the variant workspace.
/// </remarks>
internal static class FusedSimpleRnnOp
{
    public static (Tensor Y, Tensor H) Build(Tensor x, Tensor? lengths, Tensor h0, Tensor kernel, Tensor bias, int units, RnnActivation activation, bool batchMajor, string name = "FusedRnn")
    {
        var inputs = new List<Tensor> { x, FusedRnnCommon.LengthsInput(lengths), h0, kernel, bias };
        var (t, b) = FusedRnnCommon.StaticDims(x, h0, batchMajor);
        var attrs = new Dictionary<string, object?>
        {
            ["units"] = units,
            ["activation"] = activation,
            ["has_lengths"] = lengths is not null,
            ["batch_major"] = batchMajor,
        };
        var op = FusedRnnCommon.Build("FusedRnn", name, inputs, new[] { (x.DType, FusedRnnCommon.SequenceShape(batchMajor, t, b, units)), (x.DType, new Shape(b, units)) }, attrs);
        return (op.Outputs[0], op.Outputs[1]);
    }

    [OpKernel("FusedRnn", BorrowsInputs = true)]
    private static void Kernel(OpContext ctx)
    {
        if (ctx.Input(0).DType == DType.Float64) Forward<double, FusedF64>(ctx);
        else Forward<float, FusedF32>(ctx);
    }

    [OpKernel("FusedRnnGrad", BorrowsInputs = true)]
    private static void GradKernel(OpContext ctx)
    {
        if (ctx.Input(0).DType == DType.Float64) Backward<double, FusedF64>(ctx);
        else Backward<float, FusedF32>(ctx);
    }

    /// <summary>d FusedRnn: one FusedRnnGrad op over the saved workspace (dx, dh0, d kernel, d bias).</summary>
    [OpGradient("FusedRnn")]
    private static Tensor?[] Grad(Operation op, IReadOnlyList<Tensor?> dy) => FusedRnnCommon.BuildGradient(op, dy);

    internal static SimpleRnnConfig Config(OpContext ctx)
    {
        int h = ctx.Attr<int>("units");
        var kernel = ctx.Input(3);
        if (kernel.Rank != 2 || kernel.Shape[1] != h || kernel.Shape[0] < h)
            ctx.FailArgument($"kernel must have shape (input_depth + {h}, {h}), but got {kernel.Shape}.");
        var (t, b, i) = FusedRnnCommon.Sequence(ctx, ctx.Input(0), kernel.Shape[0] - h);
        FusedRnnCommon.Expect(ctx, ctx.Input(2), "h0 (the initial state)", b, h);
        FusedRnnCommon.Expect(ctx, ctx.Input(4), "bias", h);
        return new SimpleRnnConfig(t, b, i, h, ctx.Attr<RnnActivation>("activation")) { BatchMajor = FusedRnnCommon.BatchMajor(ctx) };
    }

    private static void Forward<T, TApi>(OpContext ctx)
        where TApi : IFusedRnnApi<T>
    {
        var cfg = Config(ctx);
        var lengths = FusedRnnCommon.Lengths(ctx, cfg.Batch);
        var x = ctx.Input(0);
        bool training = ctx.IsOutputNeeded(2);
        int n = SimpleRnnKernel.WorkspaceSize(cfg, training);
        var ws = FusedRnnCommon.RentWorkspace<T>(ctx, n, training);
        var y = ctx.AllocateOutput(0, FusedRnnCommon.SequenceDims(cfg.BatchMajor, cfg.Time, cfg.Batch, cfg.Units, stackalloc int[3]), x.DType);
        var h = ctx.AllocateOutput(1, [cfg.Batch, cfg.Units], x.DType);
        TApi.RnnForward(cfg, ctx.Input(3).AsSpan<T>(), ctx.Input(4).AsSpan<T>(), x.AsSpan<T>(), lengths, ctx.Input(2).AsSpan<T>(),
            y.Data<T>(), h.Data<T>(), ws.AsSpan(0, n), training);
        ctx.SetOutput(0, y);
        ctx.SetOutput(1, h);
        FusedRnnCommon.FinishForward(ctx, 2, ws, n, training);
    }

    private static void Backward<T, TApi>(OpContext ctx)
        where TApi : IFusedRnnApi<T>
    {
        var cfg = Config(ctx);
        var lengths = FusedRnnCommon.Lengths(ctx, cfg.Batch);
        var x = ctx.Input(0);
        var dy = ctx.Input(6);   // forward inputs 0..4, workspace 5, dy 6, dh 7
        var dh = ctx.Input(7);
        var dySpan = FusedRnnCommon.Gradient<T>(ctx, dy, "the gradient of y", FusedRnnCommon.SequenceDims(cfg.BatchMajor, cfg.Time, cfg.Batch, cfg.Units, stackalloc int[3]));
        var dhSpan = FusedRnnCommon.Gradient<T>(ctx, dh, "the gradient of the final h", cfg.Batch, cfg.Units);
        var dx = ctx.AllocateOutput(0, x.Shape, x.DType);
        var dh0 = ctx.AllocateOutput(1, ctx.Input(2).Shape, x.DType);
        var dk = ctx.AllocateOutput(2, ctx.Input(3).Shape, x.DType);
        var db = ctx.AllocateOutput(3, ctx.Input(4).Shape, x.DType);
        var ws = FusedRnnCommon.BeginBackward<T>(ctx, 5, SimpleRnnKernel.WorkspaceSize(cfg, training: true));
        try
        {
            TApi.RnnBackward(cfg, ctx.Input(3).AsSpan<T>(), x.AsSpan<T>(), lengths, dySpan, dhSpan,
                FusedRnnCommon.BackwardSpan(ctx, ws), FusedRnnCommon.InputGradient<T>(ctx, dx), dh0.Data<T>(), dk.Data<T>(), db.Data<T>());
        }
        finally
        {
            FusedRnnCommon.EndBackward(ws);
        }
        ctx.SetOutput(0, dx);
        ctx.SetOutput(1, dh0);
        ctx.SetOutput(2, dk);
        ctx.SetOutput(3, db);
    }
}
