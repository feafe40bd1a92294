using System.Diagnostics;

namespace Recur;

/// <summary>
/// numpy broadcasting for the element-wise binary ops: the static rule on partial shapes (build time) and the run-time
/// plan. A plan drops size-1 output dimensions, merges adjacent dimensions whose strides chain, and leaves an innermost
/// run in which each input is either contiguous or one repeated value, so every fast path (same shape, scalar,
/// bias-like row) is one span call per run; the outer dimensions are walked with an odometer, never recursively.
/// </summary>
internal static class Broadcast
{
    /// <summary>
    /// Broadcasts two partial static shapes (TF's <c>broadcast_static_shape</c> extended to -1 dims): unknown rank
    /// gives unknown rank, an unknown dim against 1 stays unknown, an unknown dim against n ≠ 1 gives n.
    /// </summary>
    /// <exception cref="ArgumentException">Two known dims differ and neither is 1.</exception>
    public static Shape StaticShape(Shape x, Shape y, string op)
    {
        if (!x.IsRankKnown || !y.IsRankKnown) return Shape.Unknown;
        int rank = Math.Max(x.Rank, y.Rank);
        var dims = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int dx = i < rank - x.Rank ? 1 : x[i - (rank - x.Rank)];
            int dy = i < rank - y.Rank ? 1 : y[i - (rank - y.Rank)];
            if (dx == dy) dims[i] = dx;
            else if (dx == 1) dims[i] = dy;
            else if (dy == 1) dims[i] = dx;
            else if (dx == -1) dims[i] = dy;
            else if (dy == -1) dims[i] = dx;
            else throw new ArgumentException($"{op}: incompatible shapes for broadcasting: {x} and {y}.");
        }
        return Shape.FromOwned(dims);
    }

    /// <summary>Broadcasts two concrete shapes, or returns false when they are incompatible.</summary>
    public static bool TryShape(Shape x, Shape y, out Shape result)
    {
        int rank = Math.Max(x.Rank, y.Rank);
        var dims = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int dx = i < rank - x.Rank ? 1 : x[i - (rank - x.Rank)];
            int dy = i < rank - y.Rank ? 1 : y[i - (rank - y.Rank)];
            if (dx == dy || dy == 1) dims[i] = dx;
            else if (dx == 1) dims[i] = dy;
            else
            {
                result = default;
                return false;
            }
        }
        result = Shape.FromOwned(dims);
        return true;
    }

    /// <summary>
    /// The iteration plan for <c>out = f(x, y)</c>: <see cref="Dims"/> are the merged outer dimensions (outermost
    /// first) with per-input element strides (0 where broadcast); the innermost run has <see cref="Inner"/> elements
    /// and per-input stride 0 (one repeated value) or 1 (contiguous).
    /// </summary>
    public sealed class Plan
    {
        public required int[] Dims { get; init; }
        public required int[] XStrides { get; init; }
        public required int[] YStrides { get; init; }
        public required int Inner { get; init; }
        public required int XInner { get; init; }
        public required int YInner { get; init; }
        public required long Total { get; init; }
    }

    /// <summary>Builds the plan for concrete shapes already known to broadcast to <paramref name="output"/>.</summary>
    public static Plan MakePlan(Shape x, Shape y, Shape output)
    {
        int rank = output.Rank;
        var dims = new List<int>(rank);
        var xs = new List<long>(rank);
        var ys = new List<long>(rank);
        long xStride = 1, yStride = 1;
        // Walk from the innermost dimension outwards, dropping size-1 output dims and merging chained strides.
        for (int i = rank - 1; i >= 0; i--)
        {
            int d = output[i];
            int dx = i < rank - x.Rank ? 1 : x[i - (rank - x.Rank)];
            int dy = i < rank - y.Rank ? 1 : y[i - (rank - y.Rank)];
            long sx = dx == 1 ? 0 : xStride;
            long sy = dy == 1 ? 0 : yStride;
            xStride *= dx;
            yStride *= dy;
            if (d == 1) continue;
            int last = dims.Count - 1;
            if (last >= 0 && sx == xs[last] * dims[last] && sy == ys[last] * dims[last])
            {
                dims[last] *= d;
            }
            else
            {
                dims.Add(d);
                xs.Add(sx);
                ys.Add(sy);
            }
        }
        long total = output.NumElements;
        if (dims.Count == 0)
        {
            return new Plan { Dims = Array.Empty<int>(), XStrides = Array.Empty<int>(), YStrides = Array.Empty<int>(), Inner = 1, XInner = 1, YInner = 1, Total = total };
        }
        Debug.Assert(xs[0] <= 1 && ys[0] <= 1, "the innermost stride is 0 or 1");
        int outer = dims.Count - 1;
        var od = new int[outer];
        var oxs = new int[outer];
        var oys = new int[outer];
        for (int j = 0; j < outer; j++)
        {
            // Reverse: outermost first.
            od[j] = dims[dims.Count - 1 - j];
            oxs[j] = (int)xs[dims.Count - 1 - j];
            oys[j] = (int)ys[dims.Count - 1 - j];
        }
        return new Plan { Dims = od, XStrides = oxs, YStrides = oys, Inner = dims[0], XInner = (int)xs[0], YInner = (int)ys[0], Total = total };
    }
}

/// <summary>
/// One element-wise binary function over spans in the three forms a broadcast run needs: vector-vector,
/// vector-scalar and scalar-vector. <see cref="Scalar"/> is the specification the span forms must equal.
/// </summary>
internal interface IBinarySpanOp<T, TOut>
{
    static abstract TOut Scalar(T x, T y);

    static abstract void VV(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<TOut> d);

    static abstract void VS(ReadOnlySpan<T> x, T y, Span<TOut> d);

    static abstract void SV(T x, ReadOnlySpan<T> y, Span<TOut> d);
}

/// <summary>The shared builder and kernel driver of the broadcasting binary ops.</summary>
internal static class BinaryOp
{
    private static readonly DType[] Numeric = { DType.Float32, DType.Float64, DType.Int32, DType.Int64 };

    /// <summary>Validates dtypes, infers the broadcast shape and adds the op.</summary>
    public static Tensor Build(string type, Tensor x, Tensor y, string? name, DType[]? allowed = null, DType? outputDType = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.DType != y.DType)
            throw new ArgumentException($"{type}: both inputs must have the same dtype, but got {x.DType} and {y.DType}.");
        CheckDType(type, x.DType, allowed ?? Numeric);
        var shape = Broadcast.StaticShape(x.Shape, y.Shape, type);
        return Graph.Default.AddOperation(type, name ?? DefaultName(type), new[] { x, y }, new[] { (outputDType ?? x.DType, shape) }).Outputs[0];
    }

    /// <summary>Throws when <paramref name="dtype"/> is not one of <paramref name="allowed"/>.</summary>
    public static void CheckDType(string type, DType dtype, DType[] allowed)
    {
        if (Array.IndexOf(allowed, dtype) < 0)
            throw new ArgumentException($"{type}: dtype {dtype} is not supported; expected one of {string.Join(", ", allowed)}.");
    }

    /// <summary>TF's default op names: the snake_case of the type (<c>Add</c> → <c>add</c>, <c>LessEqual</c> → <c>less_equal</c>).</summary>
    public static string DefaultName(string type)
    {
        var sb = new System.Text.StringBuilder(type.Length + 4);
        for (int i = 0; i < type.Length; i++)
        {
            char c = type[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && !char.IsUpper(type[i - 1])) sb.Append('_');
                sb.Append(char.ToLowerInvariant(c));
            }
            else sb.Append(c);
        }
        return sb.ToString();
    }

    /// <summary>Dispatches a numeric binary kernel on the input dtype.</summary>
    public static void RunNumeric<TF, TD, TI, TL>(OpContext ctx)
        where TF : IBinarySpanOp<float, float>
        where TD : IBinarySpanOp<double, double>
        where TI : IBinarySpanOp<int, int>
        where TL : IBinarySpanOp<long, long>
    {
        switch (ctx.Input(0).DType)
        {
            case DType.Float32: Run<TF, float, float>(ctx); break;
            case DType.Float64: Run<TD, double, double>(ctx); break;
            case DType.Int32: Run<TI, int, int>(ctx); break;
            case DType.Int64: Run<TL, long, long>(ctx); break;
            default: ctx.Fail($"dtype {ctx.Input(0).DType} is not supported."); break;
        }
    }

    /// <summary>Dispatches a numeric comparison kernel (output Bool) on the input dtype.</summary>
    public static void RunCompare<TF, TD, TI, TL>(OpContext ctx)
        where TF : IBinarySpanOp<float, bool>
        where TD : IBinarySpanOp<double, bool>
        where TI : IBinarySpanOp<int, bool>
        where TL : IBinarySpanOp<long, bool>
    {
        switch (ctx.Input(0).DType)
        {
            case DType.Float32: Run<TF, float, bool>(ctx); break;
            case DType.Float64: Run<TD, double, bool>(ctx); break;
            case DType.Int32: Run<TI, int, bool>(ctx); break;
            case DType.Int64: Run<TL, long, bool>(ctx); break;
            default: ctx.Fail($"dtype {ctx.Input(0).DType} is not supported."); break;
        }
    }

    /// <summary>Computes <c>out = f(x, y)</c> with numpy broadcasting into a fresh output.</summary>
    public static void Run<TOp, T, TOut>(OpContext ctx)
        where TOp : IBinarySpanOp<T, TOut>
    {
        var xa = ctx.Input(0);
        var ya = ctx.Input(1);
        // Same shape, or a size-1 operand of no greater rank: the result has the other operand's shape (no new Shape).
        Shape shape;
        if (xa.Shape == ya.Shape || (ya.Size == 1 && ya.Rank <= xa.Rank)) shape = xa.Shape;
        else if (xa.Size == 1 && xa.Rank <= ya.Rank) shape = ya.Shape;
        else if (!Broadcast.TryShape(xa.Shape, ya.Shape, out shape))
            ctx.FailArgument($"incompatible shapes for broadcasting: {xa.Shape} and {ya.Shape}.");
        var result = ctx.AllocateOutput(0, shape, DTypeExtensions.Of<TOut>());
        Apply<TOp, T, TOut>(xa.Data<T>(), xa.Shape, ya.Data<T>(), ya.Shape, result.Data<TOut>(), shape);
        ctx.SetOutput(0, result);
    }

    /// <summary>The broadcast loop over raw storage (also used by other kernels).</summary>
    public static void Apply<TOp, T, TOut>(T[] x, Shape xShape, T[] y, Shape yShape, TOut[] d, Shape shape)
        where TOp : IBinarySpanOp<T, TOut>
    {
        if (d.Length == 0) return;
        if (x.Length == d.Length && y.Length == d.Length)
        {
            TOp.VV(x, y, d);
            return;
        }
        if (y.Length == 1 && x.Length == d.Length)
        {
            TOp.VS(x, y[0], d);
            return;
        }
        if (x.Length == 1 && y.Length == d.Length)
        {
            TOp.SV(x[0], y, d);
            return;
        }
        var plan = Broadcast.MakePlan(xShape, yShape, shape);
        int outer = plan.Dims.Length;
        var counter = new int[outer];
        int n = plan.Inner;
        long xOff = 0, yOff = 0;
        for (long o = 0; o < d.Length; o += n)
        {
            var dst = d.AsSpan((int)o, n);
            if (plan.XInner == 1 && plan.YInner == 1) TOp.VV(x.AsSpan((int)xOff, n), y.AsSpan((int)yOff, n), dst);
            else if (plan.YInner == 0 && plan.XInner == 1) TOp.VS(x.AsSpan((int)xOff, n), y[yOff], dst);
            else if (plan.XInner == 0 && plan.YInner == 1) TOp.SV(x[xOff], y.AsSpan((int)yOff, n), dst);
            else dst.Fill(TOp.Scalar(x[xOff], y[yOff]));

            // Odometer over the outer dims, innermost of them first.
            for (int j = outer - 1; j >= 0; j--)
            {
                xOff += plan.XStrides[j];
                yOff += plan.YStrides[j];
                if (++counter[j] < plan.Dims[j]) break;
                xOff -= (long)plan.XStrides[j] * plan.Dims[j];
                yOff -= (long)plan.YStrides[j] * plan.Dims[j];
                counter[j] = 0;
            }
        }
    }
}
