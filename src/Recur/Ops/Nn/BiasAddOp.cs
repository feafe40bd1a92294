using System.Numerics;
using System.Numerics.Tensors;
using Recur.Kernels;

namespace Recur;

/// <summary>BiasAdd: adds a rank-1 bias over the last dimension (TF's NHWC <c>BiasAdd</c>).</summary>
internal static class BiasAddOp
{
    private static readonly DType[] Numeric = { DType.Float32, DType.Float64, DType.Int32, DType.Int64 };

    public static Tensor Build(Tensor value, Tensor bias, string? name)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(bias);
        if (value.DType != bias.DType)
            throw new ArgumentException($"BiasAdd: value and bias must have the same dtype, but got {value.DType} and {bias.DType}.");
        BinaryOp.CheckDType("BiasAdd", value.DType, Numeric);
        if (value.Rank >= 0 && value.Rank < 2)
            throw new ArgumentException($"BiasAdd: value must have rank >= 2, but got shape {value.Shape}.");
        if (bias.Rank >= 0 && bias.Rank != 1)
            throw new ArgumentException($"BiasAdd: bias must have rank 1, but got shape {bias.Shape}.");
        var shape = value.Shape;
        if (value.Rank >= 0 && bias.Rank == 1)
        {
            int c = value.Shape[-1], nb = bias.Shape[0];
            if (c >= 0 && nb >= 0 && c != nb)
                throw new ArgumentException($"BiasAdd: the last dimension of value must equal the length of bias, but got {value.Shape} and {bias.Shape}.");
            if (c < 0 && nb >= 0) shape = value.Shape.WithDim(value.Rank - 1, nb);
        }
        return Graph.Default.AddOperation("BiasAdd", name ?? "BiasAdd", new[] { value, bias }, new[] { (value.DType, shape) }).Outputs[0];
    }

    [OpKernel("BiasAdd", BorrowsInputs = true)]
    private static void Kernel(OpContext ctx)
    {
        var x = ctx.Input(0);
        var b = ctx.Input(1);
        if (x.Rank < 2 || b.Rank != 1 || x.Shape[-1] != b.Shape[0])
            ctx.FailArgument($"value must have rank >= 2 and last dimension equal to the length of the rank-1 bias, but got {x.Shape} and {b.Shape}.");
        var r = ctx.AllocateOutput(0, x.Shape, x.DType);
        int cols = b.Size;
        int rows = cols == 0 ? 0 : x.Size / cols;
        switch (x.DType)
        {
            case DType.Float32: Reduction.BiasAdd(x.Data<float>(), b.Data<float>(), rows, r.Data<float>()); break;
            case DType.Float64: Reduction.BiasAdd(x.Data<double>(), b.Data<double>(), rows, r.Data<double>()); break;
            case DType.Int32: Integer(x.Data<int>(), b.Data<int>(), rows, r.Data<int>()); break;
            case DType.Int64: Integer(x.Data<long>(), b.Data<long>(), rows, r.Data<long>()); break;
            default: ctx.Fail($"dtype {x.DType} is not supported."); break;
        }
        ctx.SetOutput(0, r);
    }

    /// <summary>d BiasAdd = (dy, Σ dy over every axis but the last).</summary>
    [OpGradient("BiasAdd")]
    private static Tensor?[] Grad(Operation op, IReadOnlyList<Tensor?> dy) =>
        dy[0] is { } g ? new Tensor?[] { g, GradientKernelOps.BiasAddGrad(g) } : new Tensor?[2];


    private static void Integer<T>(T[] x, T[] b, int rows, T[] d)
        where T : IBinaryInteger<T>
    {
        int cols = b.Length;
        for (int i = 0; i < rows; i++) TensorPrimitives.Add(x.AsSpan(i * cols, cols), b, d.AsSpan(i * cols, cols));
    }
}
