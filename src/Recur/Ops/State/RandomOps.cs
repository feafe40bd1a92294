namespace Recur;

/// <summary>Seeded random ops used by initializers (and dropout later): uniform, normal, truncated normal, orthogonal.</summary>
internal static class RandomOps
{
    public static Tensor Random(Initializers.RandomKind kind, Shape shape, DType dtype, double a, double b, int? seed, string? name = null)
    {
        if (!dtype.IsFloating())
            throw new ArgumentException($"Random initializer: dtype must be Float32 or Float64, but got {dtype}.", nameof(dtype));
        if (!shape.IsFullyDefined)
            throw new ArgumentException($"Random initializer: shape must be fully defined, but got {shape}.", nameof(shape));
        var g = Graph.Default;
        string type = kind switch
        {
            Initializers.RandomKind.Uniform => "RandomUniform",
            Initializers.RandomKind.Normal => "RandomStandardNormal",
            _ => "TruncatedNormal",
        };
        return g.AddOperation(type, name ?? type, Array.Empty<Tensor>(), new[] { (dtype, shape) },
            new Dictionary<string, object?> { ["shape"] = shape, ["dtype"] = dtype, ["a"] = a, ["b"] = b, ["seed"] = seed, ["graph_seed"] = g.Root.Seed }).Outputs[0];
    }

    public static Tensor Orthogonal(Shape shape, DType dtype, double gain, int? seed)
    {
        if (!dtype.IsFloating())
            throw new ArgumentException($"Initializers.Orthogonal: dtype must be Float32 or Float64, but got {dtype}.", nameof(dtype));
        if (!shape.IsFullyDefined || shape.Rank < 2)
            throw new ArgumentException($"Initializers.Orthogonal: the shape must be fully defined and of rank >= 2, but got {shape}.", nameof(shape));
        var g = Graph.Default;
        return g.AddOperation("Orthogonal", "Orthogonal", Array.Empty<Tensor>(), new[] { (dtype, shape) },
            new Dictionary<string, object?> { ["shape"] = shape, ["dtype"] = dtype, ["gain"] = gain, ["seed"] = seed, ["graph_seed"] = g.Root.Seed }).Outputs[0];
    }

    private static SeededRandom Rng(OpContext ctx) =>
        ctx.Run.Session.RandomFor(ctx.Op, ctx.Attr<int?>("graph_seed"), ctx.Attr<int?>("seed"));

    private static NDArray Fill(OpContext ctx, Func<SeededRandom, double> draw)
    {
        var shape = ctx.Attr<Shape>("shape");
        var dtype = ctx.Attr<DType>("dtype");
        var r = Rng(ctx);
        var result = NDArray.Empty(shape, dtype);
        lock (r.SyncRoot)
        {
            if (dtype == DType.Float32)
            {
                var d = result.Data<float>();
                for (int i = 0; i < d.Length; i++) d[i] = (float)draw(r);
            }
            else
            {
                var d = result.Data<double>();
                for (int i = 0; i < d.Length; i++) d[i] = draw(r);
            }
        }
        return result;
    }

    [OpKernel("RandomUniform", Stateful = true)]
    private static void UniformKernel(OpContext ctx)
    {
        double lo = ctx.Attr<double>("a"), hi = ctx.Attr<double>("b");
        ctx.SetOutput(0, Fill(ctx, r => lo + (hi - lo) * r.NextDouble()));
    }

    [OpKernel("RandomStandardNormal", Stateful = true)]
    private static void NormalKernel(OpContext ctx)
    {
        double mean = ctx.Attr<double>("a"), sd = ctx.Attr<double>("b");
        ctx.SetOutput(0, Fill(ctx, r => mean + sd * r.NextGaussian()));
    }

    [OpKernel("TruncatedNormal", Stateful = true)]
    private static void TruncatedNormalKernel(OpContext ctx)
    {
        double mean = ctx.Attr<double>("a"), sd = ctx.Attr<double>("b");
        ctx.SetOutput(0, Fill(ctx, r =>
        {
            double z;
            do { z = r.NextGaussian(); } while (Math.Abs(z) > 2.0);
            return mean + sd * z;
        }));
    }

    /// <summary>TF's orthogonal initializer: QR of a normal (max(r,c) × min(r,c)) matrix, Q·sign(diag R), transposed if rows &lt; cols.</summary>
    [OpKernel("Orthogonal", Stateful = true)]
    private static void OrthogonalKernel(OpContext ctx)
    {
        var shape = ctx.Attr<Shape>("shape");
        var dtype = ctx.Attr<DType>("dtype");
        double gain = ctx.Attr<double>("gain");
        int cols = shape[-1];
        long rowsL = shape.NumElements / Math.Max(1, cols);
        int rows = (int)rowsL;
        int m = Math.Max(rows, cols), n = Math.Min(rows, cols);
        var a = new double[m * n];
        var r = Rng(ctx);
        lock (r.SyncRoot)
        {
            for (int i = 0; i < a.Length; i++) a[i] = r.NextGaussian();
        }
        // Modified Gram-Schmidt on the columns of a (m × n, row-major), giving Q (m × n) and diag(R).
        var q = new double[m * n];
        for (int j = 0; j < n; j++)
        {
            for (int i = 0; i < m; i++) q[i * n + j] = a[i * n + j];
            for (int k = 0; k < j; k++)
            {
                double dot = 0;
                for (int i = 0; i < m; i++) dot += q[i * n + k] * q[i * n + j];
                for (int i = 0; i < m; i++) q[i * n + j] -= dot * q[i * n + k];
            }
            double norm = 0;
            for (int i = 0; i < m; i++) norm += q[i * n + j] * q[i * n + j];
            norm = Math.Sqrt(norm);
            // R[j,j] = norm > 0, and sign(diag R) = +1 with this construction (equivalent to TF's sign fix-up).
            for (int i = 0; i < m; i++) q[i * n + j] = norm > 0 ? q[i * n + j] / norm : 0;
        }
        var result = NDArray.Empty(shape, dtype);
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++)
            {
                double v = gain * (rows >= cols ? q[i * n + j] : q[j * n + i]);
                if (dtype == DType.Float32) result.Data<float>()[i * cols + j] = (float)v;
                else result.Data<double>()[i * cols + j] = v;
            }
        }
        ctx.SetOutput(0, result);
    }
}
