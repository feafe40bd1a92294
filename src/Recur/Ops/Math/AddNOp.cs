using System.Numerics;
using System.Numerics.Tensors;

namespace Recur;

/// <summary>AddN: the element-wise sum of a list of same-shape, same-dtype tensors (no broadcasting, as in TF).</summary>
internal static class AddNOp
{
    private static readonly DType[] Numeric = { DType.Float32, DType.Float64, DType.Int32, DType.Int64 };

    public static Tensor Build(IReadOnlyList<Tensor> inputs, string? name)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count == 0)
            throw new ArgumentException("AddN: inputs must contain at least one tensor, but the list is empty.", nameof(inputs));
        var first = inputs[0] ?? throw new ArgumentNullException(nameof(inputs), "AddN: inputs[0] is null.");
        BinaryOp.CheckDType("AddN", first.DType, Numeric);
        var shape = first.Shape;
        for (int i = 1; i < inputs.Count; i++)
        {
            var t = inputs[i] ?? throw new ArgumentNullException(nameof(inputs), $"AddN: inputs[{i}] is null.");
            if (t.DType != first.DType)
                throw new ArgumentException($"AddN: all inputs must have the same dtype, but inputs[0] is {first.DType} and inputs[{i}] is {t.DType}.", nameof(inputs));
            if (!t.Shape.IsCompatibleWith(shape))
                throw new ArgumentException($"AddN: all inputs must have the same shape, but inputs[0] has {first.Shape} and inputs[{i}] has {t.Shape}.", nameof(inputs));
            shape = shape.MergeWith(t.Shape);
        }
        return Graph.Default.AddOperation("AddN", name ?? "AddN", inputs.ToArray(), new[] { (first.DType, shape) }).Outputs[0];
    }

    [OpKernel("AddN", BorrowsInputs = true)]
    private static void Kernel(OpContext ctx)
    {
        var first = ctx.Input(0);
        for (int i = 1; i < ctx.InputCount; i++)
        {
            if (ctx.Input(i).Shape != first.Shape)
                ctx.FailArgument($"all inputs must have the same shape, but inputs[0] has {first.Shape} and inputs[{i}] has {ctx.Input(i).Shape}.");
        }
        var r = ctx.AllocateOutput(0, first.Shape, first.DType);
        switch (first.DType)
        {
            case DType.Float32: Sum<float>(ctx, r); break;
            case DType.Float64: Sum<double>(ctx, r); break;
            case DType.Int32: Sum<int>(ctx, r); break;
            case DType.Int64: Sum<long>(ctx, r); break;
            default: ctx.Fail($"dtype {first.DType} is not supported."); break;
        }
        ctx.SetOutput(0, r);
    }

    /// <summary>d Σ xᵢ = dy for every input.</summary>
    [OpGradient("AddN")]
    private static Tensor?[] Grad(Operation op, IReadOnlyList<Tensor?> dy)
    {
        var r = new Tensor?[op.Inputs.Count];
        if (dy[0] is { } g) Array.Fill(r, g);
        return r;
    }


    private static void Sum<T>(OpContext ctx, NDArray result)
        where T : INumber<T>
    {
        var d = result.Data<T>();
        if (ctx.InputCount == 1)
        {
            ctx.Input(0).Data<T>().CopyTo(d, 0);
            return;
        }
        TensorPrimitives.Add(ctx.Input(0).Data<T>(), ctx.Input(1).Data<T>(), d);
        for (int i = 2; i < ctx.InputCount; i++) TensorPrimitives.Add(d, ctx.Input(i).Data<T>(), d);
    }
}
