using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Recur.Tests.Rnn.Conformance;

/// <summary>A dense row-major float64 array read from a fixture: <c>{"shape": [...], "data": [...]}</c>.</summary>
internal sealed record DenseArray(int[] Shape, double[] Data)
{
    public static DenseArray Parse(JsonElement e) => new(
        e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray(),
        e.GetProperty("data").EnumerateArray().Select(d => d.GetDouble()).ToArray());

    public int Rows => Shape[0];

    public int Cols => Shape.Length == 2 ? Shape[1] : 1;

    /// <summary>The sub-array at index <paramref name="i"/> of the first axis (e.g. layer·directions + d of h_n).</summary>
    public DenseArray Slice0(int i)
    {
        int inner = Data.Length / Shape[0];
        return new(Shape[1..], Data.AsSpan(i * inner, inner).ToArray());
    }

    public NDArray ToNDArray(DType dtype) => dtype == DType.Float32
        ? new NDArray(Data.Select(v => (float)v).ToArray(), new Shape(Shape))
        : new NDArray((double[])Data.Clone(), new Shape(Shape));
}

/// <summary>
/// The weight-layout algebra of the conformance tests: ONNX / PyTorch keep a gate's weights as a row block
/// (G·hidden, input), TF keeps them as a column block of a (input + hidden, G·hidden) kernel applied to [x, h].
/// </summary>
internal static class Layout
{
    /// <summary>Rows [k·h, (k+1)·h) of a matrix (or elements of a vector): gate block k.</summary>
    public static DenseArray Block(DenseArray m, int k, int h)
    {
        int cols = m.Shape.Length == 2 ? m.Shape[1] : 1;
        var shape = m.Shape.Length == 2 ? new[] { h, cols } : new[] { h };
        return new(shape, m.Data.AsSpan(k * h * cols, h * cols).ToArray());
    }

    public static DenseArray Transpose(DenseArray m)
    {
        int r = m.Shape[0], c = m.Shape[1];
        var t = new double[r * c];
        for (int i = 0; i < r; i++)
            for (int j = 0; j < c; j++)
                t[j * r + i] = m.Data[i * c + j];
        return new(new[] { c, r }, t);
    }

    /// <summary>Stacks matrices with equal column counts on axis 0.</summary>
    public static DenseArray Rows(params DenseArray[] parts) =>
        new(new[] { parts.Sum(p => p.Shape[0]), parts[0].Shape[1] }, parts.SelectMany(p => p.Data).ToArray());

    /// <summary>Concatenates matrices with equal row counts on axis 1 (or vectors end to end).</summary>
    public static DenseArray Cols(params DenseArray[] parts)
    {
        if (parts[0].Shape.Length == 1) return new(new[] { parts.Sum(p => p.Shape[0]) }, parts.SelectMany(p => p.Data).ToArray());
        int r = parts[0].Shape[0], c = parts.Sum(p => p.Shape[1]);
        var d = new double[r * c];
        int off = 0;
        foreach (var p in parts)
        {
            int pc = p.Shape[1];
            for (int i = 0; i < r; i++) Array.Copy(p.Data, i * pc, d, i * c + off, pc);
            off += pc;
        }
        return new(new[] { r, c }, d);
    }

    public static DenseArray Add(DenseArray a, DenseArray b) => new(a.Shape, a.Data.Zip(b.Data, (x, y) => x + y).ToArray());

    public static DenseArray Zeros(params int[] shape) => new(shape, new double[shape.Aggregate(1, (p, d) => p * d)]);

    /// <summary>The TF kernel column block for one gate: [blk(W, k)ᵀ; blk(R, k)ᵀ], shape (input + hidden, h).</summary>
    public static DenseArray GateColumn(DenseArray w, DenseArray r, int k, int h) =>
        Rows(Transpose(Block(w, k, h)), Transpose(Block(r, k, h)));
}

/// <summary>Locating and reading the committed data files, and comparing with a useful message.</summary>
internal static class ConformanceData
{
    public static string PathOf(params string[] parts) =>
        Path.Combine(new[] { AppContext.BaseDirectory, "Data" }.Concat(parts).ToArray());

    public static JsonDocument Read(params string[] parts) => JsonDocument.Parse(File.ReadAllText(PathOf(parts)));

    /// <summary>
    /// Asserts |actual − expected| ≤ tol·(1 + |expected|) elementwise (the TestUtil rule), and on failure reports the
    /// first mismatch, the worst one and how many elements are off, so a cell/driver author sees the pattern.
    /// </summary>
    public static void AssertClose(string what, double[] expected, NDArray actual, double tol, int[]? expectedShape = null)
    {
        if (expectedShape is not null)
            Assert.True(actual.Shape.ToArray().SequenceEqual(expectedShape),
                $"{what}: expected shape ({string.Join(", ", expectedShape)}), got {actual.Shape}");
        Assert.True(expected.Length == actual.Size, $"{what}: expected {expected.Length} elements, got {actual.Size} (shape {actual.Shape})");
        int bad = 0, first = -1, worst = -1;
        double worstDiff = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double a = actual.GetDouble(i), e = expected[i], diff = Math.Abs(a - e);
            if (double.IsNaN(diff) || diff > tol * (1 + Math.Abs(e)))
            {
                bad++;
                if (first < 0) first = i;
            }
            if (double.IsNaN(diff) || diff > worstDiff)
            {
                worstDiff = double.IsNaN(diff) ? double.PositiveInfinity : diff;
                worst = i;
            }
        }
        if (bad == 0) return;
        var msg = new StringBuilder();
        msg.Append(CultureInfo.InvariantCulture,
            $"{what}: {bad} of {expected.Length} elements off (tol {tol:G3} abs+rel, shape {actual.Shape}). ");
        msg.Append(CultureInfo.InvariantCulture,
            $"First at {Index(first, actual.Shape)}: expected {expected[first]:R}, got {actual.GetDouble(first):R}. ");
        msg.Append(CultureInfo.InvariantCulture,
            $"Worst at {Index(worst, actual.Shape)}: expected {expected[worst]:R}, got {actual.GetDouble(worst):R} (|diff| {worstDiff:G3}).");
        Assert.Fail(msg.ToString());
    }

    private static string Index(int flat, Shape shape)
    {
        var dims = shape.ToArray();
        var idx = new int[dims.Length];
        for (int d = dims.Length - 1; d >= 0; d--)
        {
            idx[d] = dims[d] > 0 ? flat % dims[d] : 0;
            flat = dims[d] > 0 ? flat / dims[d] : flat;
        }
        return "[" + string.Join(", ", idx) + "]";
    }
}
