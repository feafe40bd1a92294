using System.Numerics;

namespace Recur;

/// <summary>
/// Cast between Float32, Float64, Int32, Int64 and Bool (TF: <c>tf.cast</c>): floats to integers truncate toward zero
/// (saturating out of range, NaN → 0), integers narrow by wrapping, numbers to Bool are <c>x ≠ 0</c>, Bool to numbers
/// 1 or 0.
/// </summary>
internal static class CastOp
{
    public static Tensor Build(Tensor x, DType dtype, string? name)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.DType == DType.Variant || dtype == DType.Variant)
            throw new ArgumentException($"Cast: cannot cast from {x.DType} to {dtype}; Variant tensors cannot be cast.");
        return Graph.Default.AddOperation("Cast", name ?? "Cast", new[] { x }, new[] { (dtype, x.Shape) },
            new Dictionary<string, object?> { ["DstT"] = dtype, ["SrcT"] = x.DType }).Outputs[0];
    }

    [OpKernel("Cast")]
    private static void Kernel(OpContext ctx)
    {
        var x = ctx.Input(0);
        var to = ctx.Attr<DType>("DstT");
        if (x.DType == to)
        {
            ctx.SetOutput(0, x);
            return;
        }
        var r = ctx.AllocateOutput(0, x.Shape, to);
        switch (x.DType)
        {
            case DType.Float32: From(x.Data<float>(), r); break;
            case DType.Float64: From(x.Data<double>(), r); break;
            case DType.Int32: From(x.Data<int>(), r); break;
            case DType.Int64: From(x.Data<long>(), r); break;
            case DType.Bool:
                var b = x.Data<bool>();
                switch (to)
                {
                    case DType.Float32: Fill(b, r.Data<float>()); break;
                    case DType.Float64: Fill(b, r.Data<double>()); break;
                    case DType.Int32: Fill(b, r.Data<int>()); break;
                    case DType.Int64: Fill(b, r.Data<long>()); break;
                }
                break;
            default: ctx.Fail($"cannot cast from {x.DType} to {to}."); break;
        }
        ctx.SetOutput(0, r);
    }

    /// <summary>d cast(x) = cast(dy) back to x's dtype between floating types; none otherwise.</summary>
    [OpGradient("Cast")]
    private static Tensor?[] Grad(Operation op, IReadOnlyList<Tensor?> dy)
    {
        var src = op.Inputs[0].DType;
        if (dy[0] is not { } g || !src.IsFloating() || !g.DType.IsFloating()) return new Tensor?[1];
        return new Tensor?[] { g.DType == src ? g : Build(g, src, null) };
    }


    private static void From<TFrom>(TFrom[] x, NDArray r)
        where TFrom : INumber<TFrom>
    {
        switch (r.DType)
        {
            case DType.Float32: Convert(x, r.Data<float>()); break;
            case DType.Float64: Convert(x, r.Data<double>()); break;
            case DType.Int32: Convert(x, r.Data<int>()); break;
            case DType.Int64: Convert(x, r.Data<long>()); break;
            case DType.Bool:
                var d = r.Data<bool>();
                for (int i = 0; i < x.Length; i++) d[i] = !TFrom.IsZero(x[i]);
                break;
        }
    }

    private static void Convert<TFrom, TTo>(TFrom[] x, TTo[] d)
        where TFrom : INumber<TFrom>
        where TTo : INumber<TTo>
    {
        bool floatToInt = (typeof(TFrom) == typeof(float) || typeof(TFrom) == typeof(double)) && (typeof(TTo) == typeof(int) || typeof(TTo) == typeof(long));
        if (floatToInt)
        {
            for (int i = 0; i < x.Length; i++) d[i] = TTo.CreateSaturating(x[i]);
        }
        else
        {
            for (int i = 0; i < x.Length; i++) d[i] = TTo.CreateTruncating(x[i]);
        }
    }

    private static void Fill<T>(bool[] b, T[] d)
        where T : INumber<T>
    {
        for (int i = 0; i < b.Length; i++) d[i] = b[i] ? T.One : T.Zero;
    }
}
