using System.Globalization;

namespace Recur.Samples;

/// <summary>
/// The few numpy helpers the seed programs use, over plain .NET arrays and <see cref="NDArray"/>. Random numbers
/// come from a seeded <see cref="Random"/>, so every run prints the same values (they are not numpy's numbers:
/// numpy's generator is not reproduced).
/// </summary>
public static class NumPy
{
    /// <summary>
    /// <c>np.random.randn(d0, d1, d2)</c>: standard normal values (Box–Muller over <paramref name="random"/>) as a
    /// <c>double[d0, d1, d2]</c>.
    /// </summary>
    public static double[,,] RandomRandn(Random random, int d0, int d1, int d2)
    {
        ArgumentNullException.ThrowIfNull(random);
        var a = new double[d0, d1, d2];
        for (int i = 0; i < d0; i++)
            for (int j = 0; j < d1; j++)
                for (int k = 0; k < d2; k++)
                    a[i, j, k] = StandardNormal(random);
        return a;
    }

    /// <summary><c>np.random.randn(d0, d1, d2).astype(np.float32)</c>.</summary>
    public static float[,,] RandomRandnFloat32(Random random, int d0, int d1, int d2)
    {
        ArgumentNullException.ThrowIfNull(random);
        var a = new float[d0, d1, d2];
        for (int i = 0; i < d0; i++)
            for (int j = 0; j < d1; j++)
                for (int k = 0; k < d2; k++)
                    a[i, j, k] = (float)StandardNormal(random);
        return a;
    }

    /// <summary>One standard normal draw (Box–Muller).</summary>
    public static double StandardNormal(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        double u1 = 1.0 - random.NextDouble();   // (0, 1]: log is finite
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary><c>np.max(np.abs(a - b))</c> for two arrays of the same shape (any float dtype).</summary>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    public static double MaxAbsDiff(NDArray a, NDArray b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Shape != b.Shape)
            throw new ArgumentException($"NumPy.MaxAbsDiff: shapes differ: {a.Shape} vs {b.Shape}.");
        double m = 0;
        for (int i = 0; i < a.Size; i++) m = Math.Max(m, Math.Abs(a.GetDouble(i) - b.GetDouble(i)));
        return m;
    }

    /// <summary><c>(a == 0).all()</c>.</summary>
    public static bool AllZero(NDArray a)
    {
        ArgumentNullException.ThrowIfNull(a);
        for (int i = 0; i < a.Size; i++)
            if (a.GetDouble(i) != 0) return false;
        return true;
    }

    /// <summary>numpy's <c>repr</c>: <c>array(...)</c> around <see cref="NDArray.ToString"/>, continuation lines indented.</summary>
    public static string Repr(NDArray a)
    {
        ArgumentNullException.ThrowIfNull(a);
        string body = a.ToString().Replace("\n", "\n      ", StringComparison.Ordinal);
        return a.DType == DType.Float32 ? $"array({body}, dtype=float32)" : $"array({body})";
    }

    /// <summary>A shape as Python prints a tuple: <c>(2, 10, 64)</c>.</summary>
    public static string ShapeTuple(Shape shape)
    {
        var dims = shape.ToArray();
        return dims.Length == 1
            ? string.Create(CultureInfo.InvariantCulture, $"({dims[0]},)")
            : "(" + string.Join(", ", dims.Select(d => d.ToString(CultureInfo.InvariantCulture))) + ")";
    }

    /// <summary>A short number for checks and tables: <c>0</c>, or three significant digits in scientific form.</summary>
    public static string Short(double value) =>
        value == 0 ? "0" : value.ToString("0.00e+00", CultureInfo.InvariantCulture);

    /// <summary><c>a[i0, i1, ...]</c> with fewer indices than dimensions: the sub-array over the remaining dimensions (a copy).</summary>
    /// <exception cref="ArgumentException">Too many indices, or one out of range.</exception>
    public static NDArray At(NDArray a, params int[] index)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(index);
        var dims = a.Shape.ToArray();
        if (index.Length > dims.Length)
            throw new ArgumentException($"NumPy.At: {index.Length} indices for an array of shape {a.Shape}.", nameof(index));
        int offset = 0;
        for (int d = 0; d < index.Length; d++)
        {
            if (index[d] < 0 || index[d] >= dims[d])
                throw new ArgumentException($"NumPy.At: index {index[d]} is out of bounds for axis {d} with size {dims[d]}.", nameof(index));
            offset = offset * dims[d] + index[d];
        }
        var rest = dims[index.Length..];
        int size = rest.Aggregate(1, (p, n) => p * n);
        offset *= size;
        var shape = new Shape(rest);
        return a.DType switch
        {
            DType.Float32 => new NDArray(a.ToArray<float>().AsSpan(offset, size).ToArray(), shape),
            DType.Float64 => new NDArray(a.ToArray<double>().AsSpan(offset, size).ToArray(), shape),
            DType.Int32 => new NDArray(a.ToArray<int>().AsSpan(offset, size).ToArray(), shape),
            _ => throw new ArgumentException($"NumPy.At: dtype {a.DType} is not supported.", nameof(a)),
        };
    }
}
