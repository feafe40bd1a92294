using Recur.Kernels.Rnn;

namespace Recur;

/// <summary>
/// FusedLstm: a whole LSTM layer over time in one op (TF's <c>CudnnRNN</c>/<c>BlockLSTM</c> idea, with TF1
/// <c>LSTMCell</c>'s math and variables), run by <see cref="LstmKernel"/>; <c>DynamicRnn</c> builds it for
/// <c>LstmCell</c>/<c>BasicLstmCell</c> (docs/decisions/0013).
/// </summary>
/// <remarks>
/// Inputs: x (T, B, I) time-major, or (B, T, I) with <c>batch_major</c> (read in place, no transposes); lengths (B) int32 (an empty vector without lengths); c0 (B, H); h0 (B, P);
/// kernel (I + P, 4H); bias (4H); with peepholes w_i_diag, w_f_diag, w_o_diag (H); with a projection
/// projection/kernel (H, P). Outputs: y (T, B, P) (or (B, T, P), as x), c (B, H), h (B, P), and a variant workspace that holds what
/// the gradient needs when the plan computes a gradient (training), nothing otherwise.
/// </remarks>
internal static class FusedLstmOp
{
    private const int Peep = 6;

    public static (Tensor Y, Tensor C, Tensor H) Build(Tensor x, Tensor? lengths, Tensor c0, Tensor h0, Tensor kernel, Tensor bias,
        (Tensor I, Tensor F, Tensor O)? peepholes, Tensor? projection, int units, double forgetBias, double? cellClip, double? projClip, bool batchMajor,
        string name = "FusedLstm")
    {
        int p = projection is null ? units : projection.Shape[1];
        var inputs = new List<Tensor> { x, FusedRnnCommon.LengthsInput(lengths), c0, h0, kernel, bias };
        if (peepholes is var (wi, wf, wo)) inputs.AddRange(new[] { wi, wf, wo });
        if (projection is not null) inputs.Add(projection);
        var (t, b) = FusedRnnCommon.StaticDims(x, c0, batchMajor);
        var attrs = new Dictionary<string, object?>
        {
            ["units"] = units,
            ["num_proj"] = projection is null ? 0 : p,
            ["use_peepholes"] = peepholes is not null,
            ["forget_bias"] = forgetBias,
            ["cell_clip"] = cellClip,
            ["proj_clip"] = projClip,
            ["has_lengths"] = lengths is not null,
            ["batch_major"] = batchMajor,
        };
        var op = FusedRnnCommon.Build("FusedLstm", name, inputs,
            new[] { (x.DType, FusedRnnCommon.SequenceShape(batchMajor, t, b, p)), (x.DType, new Shape(b, units)), (x.DType, new Shape(b, p)) }, attrs);
        return (op.Outputs[0], op.Outputs[1], op.Outputs[2]);
    }

    [OpKernel("FusedLstm", BorrowsInputs = true)]
    private static void Kernel(OpContext ctx)
    {
        if (ctx.Input(0).DType == DType.Float64) Forward<double, FusedF64>(ctx);
        else Forward<float, FusedF32>(ctx);
    }

    [OpKernel("FusedLstmGrad", BorrowsInputs = true)]
    private static void GradKernel(OpContext ctx)
    {
        if (ctx.Input(0).DType == DType.Float64) Backward<double, FusedF64>(ctx);
        else Backward<float, FusedF32>(ctx);
    }

    /// <summary>d FusedLstm: one FusedLstmGrad op over the saved workspace (dx, dc0, dh0 and every weight).</summary>
    [OpGradient("FusedLstm")]
    private static Tensor?[] Grad(Operation op, IReadOnlyList<Tensor?> dy) => FusedRnnCommon.BuildGradient(op, dy);

    /// <summary>Checks the inputs against each other and returns the kernel configuration.</summary>
    internal static LstmConfig Config(OpContext ctx)
    {
        int h = ctx.Attr<int>("units"), numProj = ctx.Attr<int>("num_proj");
        bool peep = ctx.Attr<bool>("use_peepholes");
        int p = numProj > 0 ? numProj : h;
        var kernel = ctx.Input(4);
        if (kernel.Rank != 2 || kernel.Shape[1] != 4 * h || kernel.Shape[0] < p)
            ctx.FailArgument($"kernel must have shape (input_depth + {p}, {4 * h}), but got {kernel.Shape}.");
        var (t, b, i) = FusedRnnCommon.Sequence(ctx, ctx.Input(0), kernel.Shape[0] - p);
        FusedRnnCommon.Expect(ctx, ctx.Input(2), "c0 (the initial c state)", b, h);
        FusedRnnCommon.Expect(ctx, ctx.Input(3), "h0 (the initial h state)", b, p);
        FusedRnnCommon.Expect(ctx, ctx.Input(5), "bias", 4 * h);
        int next = Peep;
        if (peep)
        {
            for (int k = 0; k < 3; k++) FusedRnnCommon.Expect(ctx, ctx.Input(next++), "peephole weights", h);
        }
        if (numProj > 0) FusedRnnCommon.Expect(ctx, ctx.Input(next), "projection/kernel", h, p);
        return new LstmConfig(t, b, i, h)
        {
            NumProj = numProj,
            UsePeepholes = peep,
            ForgetBias = ctx.Attr<double>("forget_bias"),
            CellClip = ctx.Attr<double?>("cell_clip"),
            ProjClip = ctx.Attr<double?>("proj_clip"),
            BatchMajor = FusedRnnCommon.BatchMajor(ctx),
        };
    }

    internal static LstmWeights<T> Weights<T>(OpContext ctx, in LstmConfig c)
    {
        int proj = c.UsePeepholes ? Peep + 3 : Peep;
        return new LstmWeights<T>
        {
            Kernel = ctx.Input(4).AsSpan<T>(),
            Bias = ctx.Input(5).AsSpan<T>(),
            PeepholeInput = c.UsePeepholes ? ctx.Input(Peep).AsSpan<T>() : default,
            PeepholeForget = c.UsePeepholes ? ctx.Input(Peep + 1).AsSpan<T>() : default,
            PeepholeOutput = c.UsePeepholes ? ctx.Input(Peep + 2).AsSpan<T>() : default,
            Projection = c.NumProj > 0 ? ctx.Input(proj).AsSpan<T>() : default,
        };
    }

    private static void Forward<T, TApi>(OpContext ctx)
        where TApi : IFusedRnnApi<T>
    {
        var cfg = Config(ctx);
        var lengths = FusedRnnCommon.Lengths(ctx, cfg.Batch);
        var x = ctx.Input(0);
        int outIndex = ctx.Op.Outputs.Count - 1;
        bool training = ctx.IsOutputNeeded(outIndex);
        int n = LstmKernel.WorkspaceSize(cfg, training);
        var ws = FusedRnnCommon.RentWorkspace<T>(ctx, n, training);
        var y = ctx.AllocateOutput(0, FusedRnnCommon.SequenceDims(cfg.BatchMajor, cfg.Time, cfg.Batch, cfg.OutputSize, stackalloc int[3]), x.DType);
        var c = ctx.AllocateOutput(1, [cfg.Batch, cfg.Units], x.DType);
        var h = ctx.AllocateOutput(2, [cfg.Batch, cfg.OutputSize], x.DType);
        TApi.LstmForward(cfg, Weights<T>(ctx, cfg), x.AsSpan<T>(), lengths, ctx.Input(2).AsSpan<T>(), ctx.Input(3).AsSpan<T>(),
            y.Data<T>(), c.Data<T>(), h.Data<T>(), ws.AsSpan(0, n), training);
        ctx.SetOutput(0, y);
        ctx.SetOutput(1, c);
        ctx.SetOutput(2, h);
        FusedRnnCommon.FinishForward(ctx, outIndex, ws, n, training);
    }

    /// <summary>The weight gradients' spans in the gradient op's outputs (dx, dc0, dh0, d kernel, d bias, d peepholes, d projection).</summary>
    internal static LstmGradients<T> Gradients<T>(in LstmConfig cfg, NDArray[] outs)
    {
        int proj = cfg.UsePeepholes ? 8 : 5;   // output index of d projection
        return new LstmGradients<T>
        {
            Kernel = outs[3].Data<T>(),
            Bias = outs[4].Data<T>(),
            PeepholeInput = cfg.UsePeepholes ? outs[5].Data<T>() : default,
            PeepholeForget = cfg.UsePeepholes ? outs[6].Data<T>() : default,
            PeepholeOutput = cfg.UsePeepholes ? outs[7].Data<T>() : default,
            Projection = cfg.NumProj > 0 ? outs[proj].Data<T>() : default,
        };
    }

    private static void Backward<T, TApi>(OpContext ctx)
        where TApi : IFusedRnnApi<T>
    {
        var cfg = Config(ctx);
        var lengths = FusedRnnCommon.Lengths(ctx, cfg.Batch);
        int nIn = ctx.InputCount - 4;   // forward inputs, then workspace, dy, dc, dh
        var x = ctx.Input(0);
        var dy = ctx.Input(nIn + 1);
        var dc = ctx.Input(nIn + 2);
        var dh = ctx.Input(nIn + 3);
        var dySpan = FusedRnnCommon.Gradient<T>(ctx, dy, "the gradient of y", FusedRnnCommon.SequenceDims(cfg.BatchMajor, cfg.Time, cfg.Batch, cfg.OutputSize, stackalloc int[3]));
        var dcSpan = FusedRnnCommon.Gradient<T>(ctx, dc, "the gradient of the final c", cfg.Batch, cfg.Units);
        var dhSpan = FusedRnnCommon.Gradient<T>(ctx, dh, "the gradient of the final h", cfg.Batch, cfg.OutputSize);
        var outs = new NDArray[ctx.Op.Outputs.Count];
        for (int k = 0, i = 0; i < nIn; i++)
        {
            if (i == 1) continue;
            outs[k] = ctx.AllocateOutput(k, ctx.Input(i).Shape, x.DType);
            k++;
        }
        var grads = Gradients<T>(cfg, outs);
        var ws = FusedRnnCommon.BeginBackward<T>(ctx, nIn, LstmKernel.WorkspaceSize(cfg, training: true));
        try
        {
            TApi.LstmBackward(cfg, Weights<T>(ctx, cfg), x.AsSpan<T>(), lengths, dySpan, dcSpan, dhSpan,
                FusedRnnCommon.BackwardSpan(ctx, ws), FusedRnnCommon.InputGradient<T>(ctx, outs[0]), outs[1].Data<T>(), outs[2].Data<T>(), grads);
        }
        finally
        {
            FusedRnnCommon.EndBackward(ws);
        }
        for (int k = 0; k < outs.Length; k++) ctx.SetOutput(k, outs[k]);
    }
}
