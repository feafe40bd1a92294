using System.Globalization;
using System.Text;

namespace Recur.Cli.Commands;

/// <summary>
/// What a demo found, as sections of text, code, tables and array values: printed as plain text on the console
/// and, with <c>--out FILE</c>, written as Markdown. Commands fill it; the rendering is shared.
/// </summary>
internal sealed class DemoReport(string title)
{
    private readonly List<Section> _sections = new();

    public string Title { get; } = title;

    public IReadOnlyList<Section> Sections => _sections;

    /// <summary>Starts a new section; later blocks go into it.</summary>
    public Section AddSection(string heading)
    {
        var s = new Section(heading);
        _sections.Add(s);
        return s;
    }

    /// <summary>The report as console text.</summary>
    public void WriteText(TextWriter w)
    {
        w.WriteLine(Title);
        w.WriteLine(new string('=', Title.Length));
        for (int i = 0; i < _sections.Count; i++)
        {
            var s = _sections[i];
            w.WriteLine();
            string heading = $"{i + 1}. {s.Heading}";
            w.WriteLine(heading);
            w.WriteLine(new string('-', heading.Length));
            foreach (var block in s.Blocks)
            {
                switch (block)
                {
                    case TextBlock t:
                        w.WriteLine(t.Text);
                        break;
                    case CodeBlock c:
                        w.WriteLine($"  {c.Caption}:");
                        foreach (var line in c.Code.Split('\n')) w.WriteLine("    " + line);
                        break;
                    case TableBlock tb:
                        WriteTextTable(w, tb);
                        break;
                    case ValueBlock v:
                        w.WriteLine($"{v.Label} =");
                        foreach (var line in v.Value.Split('\n')) w.WriteLine("  " + line);
                        break;
                }
            }
        }
    }

    /// <summary>The report as a Markdown document.</summary>
    public string ToMarkdown()
    {
        var sb = new StringBuilder();
        sb.Append("# ").AppendLine(Title);
        foreach (var s in _sections)
        {
            sb.AppendLine();
            sb.Append("## ").AppendLine(s.Heading);
            foreach (var block in s.Blocks)
            {
                sb.AppendLine();
                switch (block)
                {
                    case TextBlock t:
                        sb.AppendLine(t.Text);
                        break;
                    case CodeBlock c:
                        sb.Append(c.Caption).AppendLine(":");
                        sb.AppendLine();
                        sb.Append("```").AppendLine(c.Language);
                        sb.AppendLine(c.Code);
                        sb.AppendLine("```");
                        break;
                    case TableBlock tb:
                        sb.Append("| ").Append(string.Join(" | ", tb.Headers.Select(EscapeCell))).AppendLine(" |");
                        sb.Append('|').Append(string.Concat(tb.Headers.Select(_ => "---|"))).AppendLine();
                        foreach (var row in tb.Rows)
                            sb.Append("| ").Append(string.Join(" | ", row.Select(EscapeCell))).AppendLine(" |");
                        break;
                    case ValueBlock v:
                        sb.Append('`').Append(v.Label).AppendLine("`:");
                        sb.AppendLine();
                        sb.AppendLine("```");
                        sb.AppendLine(v.Value);
                        sb.AppendLine("```");
                        break;
                }
            }
        }
        return sb.ToString();
    }

    private static string EscapeCell(string s) => s.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);

    private static void WriteTextTable(TextWriter w, TableBlock t)
    {
        var widths = new int[t.Headers.Count];
        for (int c = 0; c < widths.Length; c++)
            widths[c] = Math.Max(t.Headers[c].Length, t.Rows.Count == 0 ? 0 : t.Rows.Max(r => r[c].Length));
        string Line(IReadOnlyList<string> cells) => "  " + string.Join("  ", cells.Select((x, c) => x.PadRight(widths[c]))).TrimEnd();
        w.WriteLine(Line(t.Headers));
        w.WriteLine("  " + string.Join("  ", widths.Select(n => new string('-', n))));
        foreach (var row in t.Rows) w.WriteLine(Line(row));
    }

    /// <summary>A titled part of the report.</summary>
    internal sealed class Section(string heading)
    {
        private readonly List<Block> _blocks = new();

        public string Heading { get; } = heading;

        public IReadOnlyList<Block> Blocks => _blocks;

        public Section Text(string text)
        {
            _blocks.Add(new TextBlock(text));
            return this;
        }

        public Section Code(string caption, string language, string code)
        {
            _blocks.Add(new CodeBlock(caption, language, code.TrimEnd()));
            return this;
        }

        public Section Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
        {
            var list = rows.ToList();
            foreach (var r in list)
            {
                if (r.Count != headers.Count)
                    throw new ArgumentException($"DemoReport.Table: a row has {r.Count} cells, but the table has {headers.Count} columns.", nameof(rows));
            }
            _blocks.Add(new TableBlock(headers, list));
            return this;
        }

        public Section Value(string label, object value)
        {
            _blocks.Add(new ValueBlock(label, Convert.ToString(value, CultureInfo.InvariantCulture) ?? ""));
            return this;
        }
    }

    internal abstract record Block;

    internal sealed record TextBlock(string Text) : Block;

    internal sealed record CodeBlock(string Caption, string Language, string Code) : Block;

    internal sealed record TableBlock(IReadOnlyList<string> Headers, IReadOnlyList<IReadOnlyList<string>> Rows) : Block;

    internal sealed record ValueBlock(string Label, string Value) : Block;
}
