using System.Globalization;
using System.Net;
using System.Text;

namespace Recur.Training;

/// <summary>One line of a plot: points (x, y), a legend label and a colour; dots draws markers instead of a line.</summary>
/// <param name="Label">The legend text.</param>
/// <param name="X">The x values.</param>
/// <param name="Y">The y values (same count as <paramref name="X"/>).</param>
/// <param name="Color">An SVG colour (<c>#1f77b4</c>).</param>
/// <param name="Dots">Draw a small circle at every point instead of a polyline.</param>
public sealed record PlotSeries(string Label, IReadOnlyList<double> X, IReadOnlyList<double> Y, string Color, bool Dots = false);

/// <summary>
/// A line chart written as SVG by hand (no packages): a frame with ticks and grid lines on both axes, axis labels,
/// a title, a legend, and one polyline per series; optionally a base-10 logarithmic y axis for loss curves.
/// </summary>
public sealed class SvgPlot
{
    private const double Width = 720, Height = 420, Left = 80, Right = 20, Top = 40, Bottom = 60;

    /// <summary>The chart title.</summary>
    public required string Title { get; init; }

    /// <summary>The x-axis label.</summary>
    public required string XLabel { get; init; }

    /// <summary>The y-axis label.</summary>
    public required string YLabel { get; init; }

    /// <summary>Use a logarithmic y axis (values ≤ 0 are left out).</summary>
    public bool LogY { get; init; }

    /// <summary>The series, drawn in order.</summary>
    public required IReadOnlyList<PlotSeries> Series { get; init; }

    /// <summary>Colours for series: blue, orange, green, red.</summary>
    public static readonly IReadOnlyList<string> Palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"];

    /// <summary>Writes the SVG document to <paramref name="path"/>, creating its directory.</summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        File.WriteAllText(path, ToSvg());
    }

    /// <summary>The SVG document.</summary>
    public string ToSvg()
    {
        var points = Series.SelectMany(s => s.X.Zip(s.Y)).Where(p => double.IsFinite(p.First) && double.IsFinite(p.Second) && (!LogY || p.Second > 0)).ToList();
        double xMin = points.Count > 0 ? points.Min(p => p.First) : 0, xMax = points.Count > 0 ? points.Max(p => p.First) : 1;
        double yMin = points.Count > 0 ? points.Min(p => Ty(p.Second)) : 0, yMax = points.Count > 0 ? points.Max(p => Ty(p.Second)) : 1;
        if (xMax <= xMin) (xMin, xMax) = (xMin - 0.5, xMax + 0.5);
        if (yMax <= yMin) (yMin, yMax) = (yMin - 0.5, yMax + 0.5);
        double[] xTicks = NiceTicks(xMin, xMax, 8);
        double[] yTicks = LogY ? LogTicks(yMin, yMax) : NiceTicks(yMin, yMax, 6);
        if (!LogY)
        {
            yMin = Math.Min(yMin, yTicks[0]);
            yMax = Math.Max(yMax, yTicks[^1]);
        }
        else
        {
            yMin = Math.Floor(yMin);
            yMax = Math.Ceiling(yMax);
        }
        double plotW = Width - Left - Right, plotH = Height - Top - Bottom;
        double Px(double x) => Left + (x - xMin) / (xMax - xMin) * plotW;
        double Py(double y) => Top + plotH - (Ty(y) - yMin) / (yMax - yMin) * plotH;
        double PyRaw(double ty) => Top + plotH - (ty - yMin) / (yMax - yMin) * plotH;

        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.Append(inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        sb.Append(inv, $"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>\n");
        sb.Append(inv, $"<text x=\"{Width / 2}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">{Esc(Title)}</text>\n");
        // grid and ticks
        foreach (double t in xTicks.Where(t => t >= xMin - 1e-12 && t <= xMax + 1e-12))
        {
            double x = Px(t);
            sb.Append(inv, $"<line x1=\"{x:F1}\" y1=\"{Top}\" x2=\"{x:F1}\" y2=\"{Top + plotH}\" stroke=\"#e5e5e5\"/>\n");
            sb.Append(inv, $"<text x=\"{x:F1}\" y=\"{Top + plotH + 16}\" text-anchor=\"middle\">{Esc(FormatTick(t))}</text>\n");
        }
        foreach (double t in yTicks.Where(t => t >= yMin - 1e-12 && t <= yMax + 1e-12))
        {
            double y = PyRaw(t);
            sb.Append(inv, $"<line x1=\"{Left}\" y1=\"{y:F1}\" x2=\"{Left + plotW}\" y2=\"{y:F1}\" stroke=\"#e5e5e5\"/>\n");
            string label = LogY ? FormatTick(Math.Pow(10, t)) : FormatTick(t);
            sb.Append(inv, $"<text x=\"{Left - 6}\" y=\"{y + 4:F1}\" text-anchor=\"end\">{Esc(label)}</text>\n");
        }
        sb.Append(inv, $"<rect x=\"{Left}\" y=\"{Top}\" width=\"{plotW}\" height=\"{plotH}\" fill=\"none\" stroke=\"#333\"/>\n");
        sb.Append(inv, $"<text x=\"{Left + plotW / 2}\" y=\"{Height - 18}\" text-anchor=\"middle\">{Esc(XLabel)}</text>\n");
        sb.Append(inv, $"<text x=\"18\" y=\"{Top + plotH / 2}\" text-anchor=\"middle\" transform=\"rotate(-90 18 {Top + plotH / 2})\">{Esc(YLabel + (LogY ? " (log scale)" : ""))}</text>\n");
        // series
        foreach (var s in Series)
        {
            var pts = s.X.Zip(s.Y).Where(p => double.IsFinite(p.First) && double.IsFinite(p.Second) && (!LogY || p.Second > 0)).ToList();
            if (pts.Count == 0) continue;
            if (s.Dots)
            {
                foreach (var (x, y) in pts)
                    sb.Append(inv, $"<circle cx=\"{Px(x):F1}\" cy=\"{Py(y):F1}\" r=\"2.2\" fill=\"{s.Color}\"/>\n");
            }
            else
            {
                sb.Append(inv, $"<polyline fill=\"none\" stroke=\"{s.Color}\" stroke-width=\"1.5\" points=\"");
                foreach (var (x, y) in pts) sb.Append(inv, $"{Px(x):F1},{Py(y):F1} ");
                sb.Append("\"/>\n");
            }
        }
        // legend
        double ly = Top + 14;
        foreach (var s in Series)
        {
            double lx = Left + plotW - 190;
            if (s.Dots) sb.Append(inv, $"<circle cx=\"{lx + 12}\" cy=\"{ly - 4}\" r=\"3\" fill=\"{s.Color}\"/>\n");
            else sb.Append(inv, $"<line x1=\"{lx}\" y1=\"{ly - 4}\" x2=\"{lx + 24}\" y2=\"{ly - 4}\" stroke=\"{s.Color}\" stroke-width=\"2\"/>\n");
            sb.Append(inv, $"<text x=\"{lx + 30}\" y=\"{ly}\">{Esc(s.Label)}</text>\n");
            ly += 18;
        }
        sb.Append("</svg>\n");
        return sb.ToString();
    }

    private double Ty(double y) => LogY ? Math.Log10(y) : y;

    /// <summary>About <paramref name="count"/> round tick values (1, 2, 5 × 10^k steps) covering [min, max].</summary>
    internal static double[] NiceTicks(double min, double max, int count)
    {
        double raw = (max - min) / Math.Max(1, count);
        double mag = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = mag * (raw / mag < 1.5 ? 1 : raw / mag < 3.5 ? 2 : raw / mag < 7.5 ? 5 : 10);
        double start = Math.Floor(min / step) * step, end = Math.Ceiling(max / step) * step;
        var ticks = new List<double>();
        for (double t = start; t <= end + step * 1e-9; t += step) ticks.Add(Math.Abs(t) < step * 1e-9 ? 0 : t);
        return ticks.ToArray();
    }

    private static double[] LogTicks(double minExp, double maxExp)
    {
        var ticks = new List<double>();
        for (double e = Math.Floor(minExp); e <= Math.Ceiling(maxExp); e++) ticks.Add(e);
        return ticks.ToArray();
    }

    private static string FormatTick(double v)
    {
        if (v == 0) return "0";
        double a = Math.Abs(v);
        return a >= 1e5 || a < 1e-3 ? v.ToString("0.#e+0", CultureInfo.InvariantCulture) : v.ToString("0.####", CultureInfo.InvariantCulture);
    }

    private static string Esc(string s) => WebUtility.HtmlEncode(s);
}
