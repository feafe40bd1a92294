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

    private const int LineWidth = 75;

    public static string Format(NDArray a)
    {
        if (a.DType == DType.Variant) return "<variant>";
        if (a.Size == 0) return "[]";
        var shape = a.Shape.ToArray();
        bool summarize = a.Size > Threshold;
        var included = new List<int>();
        CollectIncluded(shape, 0, 0, summarize, included);
        var fmt = MakeFormatter(a, included);
        var strings = new Dictionary<int, string>();
        int width = 0;
        foreach (int i in included)
        {
            var str = fmt(i);
            strings[i] = str;
            width = Math.Max(width, str.Length);
        }
        if (shape.Length == 0) return strings[0].Trim();
        foreach (int i in included) strings[i] = strings[i].PadLeft(width);
        return Recurse(shape, 0, 0, " ", LineWidth, summarize, strings);
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

    /// <summary>numpy's <c>_formatArray.recurser</c> (numpy ≥ 1.14 layout, line width 75, separator ' ').</summary>
    private static string Recurse(int[] shape, int dim, int offset, string hangingIndent, int currWidth, bool summarize,
        Dictionary<int, string> strings)
    {
        int axesLeft = shape.Length - dim;
        string nextHangingIndent = hangingIndent + " ";
        int nextWidth = currWidth - 1;
        int n = shape[dim], stride = Stride(shape, dim);
        bool showSummary = summarize && n > 2 * EdgeItems;
        int leading = showSummary ? EdgeItems : 0;
        int trailing = showSummary ? EdgeItems : n;
        string Child(int i) => dim + 1 == shape.Length
            ? strings[offset + i * stride]
            : Recurse(shape, dim + 1, offset + i * stride, nextHangingIndent, nextWidth, summarize, strings);
        var sb = new StringBuilder();
        if (axesLeft == 1)
        {
            int elemWidth = currWidth - 1;
            var line = new StringBuilder(hangingIndent);
            for (int i = 0; i < leading; i++)
            {
                ExtendLine(sb, line, Child(i), elemWidth, hangingIndent);
                line.Append(' ');
            }
            if (showSummary)
            {
                ExtendLine(sb, line, "...", elemWidth, hangingIndent);
                line.Append(' ');
            }
            for (int i = trailing; i > 1; i--)
            {
                ExtendLine(sb, line, Child(n - i), elemWidth, hangingIndent);
                line.Append(' ');
            }
            ExtendLine(sb, line, Child(n - 1), elemWidth, hangingIndent);
            sb.Append(line);
        }
        else
        {
            string lineSep = new string('\n', axesLeft - 1);
            for (int i = 0; i < leading; i++) sb.Append(hangingIndent).Append(Child(i)).Append(lineSep);
            if (showSummary) sb.Append(hangingIndent).Append("...").Append(lineSep);
            for (int i = trailing; i > 1; i--) sb.Append(hangingIndent).Append(Child(n - i)).Append(lineSep);
            sb.Append(hangingIndent).Append(Child(n - 1));
        }
        return "[" + sb.ToString(hangingIndent.Length, sb.Length - hangingIndent.Length) + "]";
    }

    /// <summary>numpy's <c>_extendLine</c>: wrap before a word that would overflow, unless wrapping cannot help.</summary>
    private static void ExtendLine(StringBuilder s, StringBuilder line, string word, int lineWidth, string nextLinePrefix)
    {
        bool needsWrap = line.Length + word.Length > lineWidth && line.Length > nextLinePrefix.Length;
        if (needsWrap)
        {
            s.Append(line.ToString().TrimEnd()).Append('\n');
            line.Clear().Append(nextLinePrefix);
        }
        line.Append(word);
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
