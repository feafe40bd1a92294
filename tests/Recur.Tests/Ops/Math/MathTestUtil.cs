namespace Recur.Tests.Ops.Math;

/// <summary>Helpers for the math op tests: typed arrays from doubles and naive reference loops.</summary>
internal static class MathTestUtil
{
    /// <summary>An array of <paramref name="dtype"/> holding <paramref name="values"/> converted.</summary>
    public static NDArray Arr(DType dtype, double[] values, params int[] shape)
    {
        var s = new Shape(shape);
        return dtype switch
        {
            DType.Float32 => new NDArray(values.Select(v => (float)v).ToArray(), s),
            DType.Float64 => new NDArray(values.ToArray(), s),
            DType.Int32 => new NDArray(values.Select(v => (int)v).ToArray(), s),
            DType.Int64 => new NDArray(values.Select(v => (long)v).ToArray(), s),
            DType.Bool => new NDArray(values.Select(v => v != 0).ToArray(), s),
            _ => throw new ArgumentException("dtype"),
        };
    }

    /// <summary>The values of an array as doubles.</summary>
    public static double[] Values(NDArray a)
    {
        var r = new double[a.Size];
        for (int i = 0; i < r.Length; i++) r[i] = a.GetDouble(i);
        return r;
    }

    /// <summary>Naive numpy broadcasting by multi-index arithmetic (the oracle for the broadcast engine).</summary>
    public static (double[] Values, int[] Shape) NaiveBroadcast(double[] x, int[] xs, double[] y, int[] ys, Func<double, double, double> f)
    {
        int rank = System.Math.Max(xs.Length, ys.Length);
        var xp = Enumerable.Repeat(1, rank - xs.Length).Concat(xs).ToArray();
        var yp = Enumerable.Repeat(1, rank - ys.Length).Concat(ys).ToArray();
        var os = new int[rank];
        for (int i = 0; i < rank; i++) os[i] = xp[i] == 1 ? yp[i] : xp[i];
        int n = os.Aggregate(1, (a, b) => a * b);
        var r = new double[n];
        var idx = new int[rank];
        for (int flat = 0; flat < n; flat++)
        {
            int rem = flat;
            for (int i = rank - 1; i >= 0; i--)
            {
                idx[i] = rem % os[i];
                rem /= os[i];
            }
            int xi = 0, yi = 0;
            for (int i = 0; i < rank; i++)
            {
                xi = xi * xp[i] + (xp[i] == 1 ? 0 : idx[i]);
                yi = yi * yp[i] + (yp[i] == 1 ? 0 : idx[i]);
            }
            r[flat] = f(x[xi], y[yi]);
        }
        return (r, os);
    }

    /// <summary>A constant from a CLR array of any rank (avoids the NDArray/Array overload ambiguity for 1-D arrays).</summary>
    public static Tensor C(Array value) => Tf.Constant(NDArray.FromArray(value));
}
