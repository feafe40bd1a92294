using System.Globalization;
using System.Text;

namespace Recur;

/// <summary>
/// numpy's <c>str(array)</c> layout: brackets per dimension, elements padded to one width, float
/// values with at most 8 fractional digits (trailing zeros dropped, integral values as <c>1.</c>),
/// scientific notation when numpy would use it, and summarisation with <c>...</c> above 1000 elements.
/// </summary>
internal static class NDArrayFormatter
{
    private const int Threshold = 1000;
    private const int EdgeItems = 3;
    private const int Precision = 8;

    public static string Format(NDArray a)
    {
        if (a.DType == DType.Variant) return "<variant>";
        if (a.Size == 0) return "[]";
        var shape = a.Shape.Dims;
        bool summarize = a.Size > Threshold;
        var included = new List<int>();
        CollectIncluded(shape, 0, 0, summarize, included);
        var strings = new Dictionary<int, string>();
        var fmt = MakeFormatter(a, included);
        foreach (int i in included) strings[i] = fmt(i);
        int width = 0;
        foreach (var s in strings.Values) width = Math.Max(width, s.Length);
        if (shape.Length == 0) return strings[0].Trim();
        var sb = new StringBuilder();
        Write(sb, shape.ToArray(), 0, 0, summarize, strings, width, 1);
        return sb.ToString();
    }

    private static int Stride(ReadOnlySpan<int> shape, int dim)
    {
        int s = 1;
        for (int i = dim + 1; i < shape.Length; i++) s *= shape[i];
        return s;
    }

    private static void CollectIncluded(ReadOnlySpan<int> shape, int dim, int offset, bool summarize, List<int> acc)
    {
        if (dim == shape.Length) { acc.Add(offset); return; }
        int n = shape[dim], stride = Stride(shape, dim);
        if (summarize && n > 2 * EdgeItems)
        {
            for (int i = 0; i < EdgeItems; i++) CollectIncluded(shape, dim + 1, offset + i * stride, summarize, acc);
            for (int i = n - EdgeItems; i < n; i++) CollectIncluded(shape, dim + 1, offset + i * stride, summarize, acc);
        }
        else
        {
            for (int i = 0; i < n; i++) CollectIncluded(shape, dim + 1, offset + i * stride, summarize, acc);
        }
    }

    private static void Write(StringBuilder sb, int[] shape, int dim, int offset, bool summarize,
        Dictionary<int, string> strings, int width, int indent)
    {
        int n = shape[dim], stride = Stride(shape, dim);
        sb.Append('[');
        bool last = dim == shape.Length - 1;
        bool cut = summarize && n > 2 * EdgeItems;
        bool first = true;
        for (int i = 0; i < n; i++)
        {
            if (cut && i == EdgeItems)
            {
                sb.Append(last ? " ..." : "\n" + new string(' ', indent) + "...");
                i = n - EdgeItems;
            }
            if (!first || (cut && i == n - EdgeItems && i != 0))
            {
                if (last) sb.Append(' ');
                else
                {
                    sb.Append('\n', shape.Length - dim - 1);
                    sb.Append(' ', indent);
                }
            }
            first = false;
            if (last) sb.Append(strings[offset + i * stride].PadLeft(width));
            else Write(sb, shape, dim + 1, offset + i * stride, summarize, strings, width, indent + 1);
        }
        sb.Append(']');
    }

    private static Func<int, string> MakeFormatter(NDArray a, List<int> included)
    {
        switch (a.DType)
        {
            case DType.Bool:
                {
                    var d = a.Data<bool>();
                    return i => d[i] ? "True" : "False";
                }
            case DType.Int32:
            case DType.Int64:
                return i => ((long)a.GetDouble(i)).ToString(CultureInfo.InvariantCulture);
            default:
                return FloatFormatter(a, included);
        }
    }

    private static string Shortest(NDArray a, int i) => a.DType == DType.Float32
        ? a.Data<float>()[i].ToString("R", CultureInfo.InvariantCulture)
        : a.Data<double>()[i].ToString("R", CultureInfo.InvariantCulture);

    private static Func<int, string> FloatFormatter(NDArray a, List<int> included)
    {
        double maxAbs = 0, minAbs = double.PositiveInfinity;
        bool anyFinite = false;
        foreach (int i in included)
        {
            double v = a.GetDouble(i);
            if (!double.IsFinite(v)) continue;
            double av = Math.Abs(v);
            if (av == 0) continue;
            anyFinite = true;
            maxAbs = Math.Max(maxAbs, av);
            minAbs = Math.Min(minAbs, av);
        }
        bool sci = anyFinite && (maxAbs >= 1e8 || minAbs < 1e-4 || maxAbs / minAbs > 1000);
        if (sci)
        {
            // Uniform mantissa digits, as numpy does in scientific mode.
            int digits = 0;
            foreach (int i in included)
            {
                double v = a.GetDouble(i);
                if (!double.IsFinite(v)) continue;
                digits = Math.Max(digits, UniqueDigits(v, a.DType == DType.Float32));
            }
            return i =>
            {
                double v = a.GetDouble(i);
                return double.IsFinite(v) ? Scientific(v, digits) : NonFinite(v);
            };
        }
        // Positional: at most 8 fractional digits, shortest unique representation, decimal points aligned.
        var texts = new Dictionary<int, (string Int, string Frac)>();
        int maxInt = 0, maxFrac = 0;
        foreach (int i in included)
        {
            double v = a.GetDouble(i);
            if (!double.IsFinite(v)) continue;
            string s = Shortest(a, i);
            if (s.Contains('E', StringComparison.Ordinal) || FracLen(s) > Precision)
            {
                s = v.ToString("F" + Precision, CultureInfo.InvariantCulture).TrimEnd('0');
            }
            if (!s.Contains('.', StringComparison.Ordinal)) s += ".";
            int dot = s.IndexOf('.');
            var parts = (s[..dot], s[(dot + 1)..]);
            if (parts.Item1 == "-0" && v == 0 && !double.IsNegative(v)) parts.Item1 = "0";
            texts[i] = parts;
            maxInt = Math.Max(maxInt, parts.Item1.Length);
            maxFrac = Math.Max(maxFrac, parts.Item2.Length);
        }
        return i =>
        {
            if (!texts.TryGetValue(i, out var p)) return NonFinite(a.GetDouble(i));
            return p.Int.PadLeft(maxInt) + "." + p.Frac.PadRight(maxFrac);
        };
    }

    /// <summary>numpy's scientific form: mantissa with <paramref name="digits"/> fractional digits, "1." when none, exponent e±XX.</summary>
    private static string Scientific(double v, int digits)
    {
        if (v == 0) return (double.IsNegative(v) ? "-0." : "0.") + new string('0', digits) + "e+00";
        string s = v.ToString("E" + digits, CultureInfo.InvariantCulture);   // e.g. -1.50E-005
        int e = s.IndexOf('E');
        string mant = s[..e];
        if (digits == 0) mant += ".";
        int exp = int.Parse(s[(e + 1)..], CultureInfo.InvariantCulture);
        return mant + (exp < 0 ? "e-" : "e+") + Math.Abs(exp).ToString("00", CultureInfo.InvariantCulture);
    }

    /// <summary>The fewest mantissa digits (≤ 8) that still round-trip the value in its own precision.</summary>
    private static int UniqueDigits(double v, bool single)
    {
        for (int d = 0; d < Precision; d++)
        {
            string s = v.ToString("E" + d, CultureInfo.InvariantCulture);
            if (single ? float.Parse(s, CultureInfo.InvariantCulture) == (float)v : double.Parse(s, CultureInfo.InvariantCulture) == v) return d;
        }
        return Precision;
    }

    private static int FracLen(string s)
    {
        int dot = s.IndexOf('.');
        return dot < 0 ? 0 : s.Length - dot - 1;
    }

    private static string NonFinite(double v) => double.IsNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";
}
