using Recur.Kernels;

namespace Recur;

/// <summary>Softmax and LogSoftmax over the last axis (TF: <c>tf.nn.softmax</c>, <c>tf.nn.log_softmax</c>), max-subtracted for stability.</summary>
internal static class SoftmaxOps
{
    private static readonly DType[] Floating = { DType.Float32, DType.Float64 };

    public static Tensor Build(string type, Tensor logits, string? name)
    {
        ArgumentNullException.ThrowIfNull(logits);
        BinaryOp.CheckDType(type, logits.DType, Floating);
        if (logits.Rank == 0)
            throw new ArgumentException($"{type}: logits must have rank >= 1, but got a scalar.", nameof(logits));
        return Graph.Default.AddOperation(type, name ?? type, new[] { logits }, new[] { (logits.DType, logits.Shape) }).Outputs[0];
    }

    [OpKernel("Softmax", BorrowsInputs = true)]
    private static void SoftmaxKernel(OpContext ctx) => Run(ctx, log: false);

    [OpKernel("LogSoftmax", BorrowsInputs = true)]
    private static void LogSoftmaxKernel(OpContext ctx) => Run(ctx, log: true);

    /// <summary>d softmax = (dy - Σ_j dy_j y_j) · y.</summary>
    [OpGradient("Softmax")]
    private static Tensor?[] SoftmaxGrad(Operation op, IReadOnlyList<Tensor?> dy)
    {
        if (dy[0] is not { } g) return new Tensor?[1];
        var y = op.Outputs[0];
        var dot = Tf.ReduceSum(Tf.Multiply(g, y), new[] { -1 }, keepDims: true);
        return new Tensor?[] { Tf.Multiply(Tf.Subtract(g, dot), y) };
    }

    /// <summary>d log_softmax = dy - e^y · Σ_j dy_j.</summary>
    [OpGradient("LogSoftmax")]
    private static Tensor?[] LogSoftmaxGrad(Operation op, IReadOnlyList<Tensor?> dy)
    {
        if (dy[0] is not { } g) return new Tensor?[1];
        var y = op.Outputs[0];
        return new Tensor?[] { Tf.Subtract(g, Tf.Multiply(Tf.Exp(y), Tf.ReduceSum(g, new[] { -1 }, keepDims: true))) };
    }


    private static void Run(OpContext ctx, bool log)
    {
        var x = ctx.Input(0);
        if (x.Rank == 0) ctx.FailArgument("logits must have rank >= 1, but got a scalar.");
        int cols = x.Shape[-1];
        int rows = cols == 0 ? 0 : x.Size / cols;
        var r = ctx.AllocateOutput(0, x.Shape, x.DType);
        if (x.DType == DType.Float32)
        {
            if (log) Reduction.LogSoftmax(x.Data<float>(), rows, cols, r.Data<float>());
            else Reduction.Softmax(x.Data<float>(), rows, cols, r.Data<float>());
        }
        else
        {
            if (log) Reduction.LogSoftmax(x.Data<double>(), rows, cols, r.Data<double>());
            else Reduction.Softmax(x.Data<double>(), rows, cols, r.Data<double>());
        }
        ctx.SetOutput(0, r);
    }
}
