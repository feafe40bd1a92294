using System.Globalization;

namespace Recur.Training;

/// <summary>A CSV file of sequences that is not in the documented format; the message names the file and line.</summary>
public sealed class CsvFormatException(string message) : Exception(message);

/// <summary>
/// Sequences read from a CSV file, one sequence per row: <c>label,x1,x2,…</c>. With <c>F</c> features per step the
/// values after the label are the steps in order, <c>F</c> values each (<c>label,s1f1,s1f2,s2f1,s2f2,…</c>), so a
/// row holds a positive multiple of <c>F</c> values; rows may differ in length (the model is fed their lengths).
/// Blank lines and lines starting with <c>#</c> are skipped; a first row whose label is not a number is a header.
/// Labels that are all whole numbers ≥ 0 are classes (0 … K−1, K ≥ 2); otherwise, or when asked, they are
/// regression targets.
/// </summary>
/// <example><code>
/// # label, then 3 steps of 2 features
/// 1,0.5,0.1,0.7,0.2,0.9,0.3
/// 0,0.1,0.0,0.2,0.1
/// </code></example>
public sealed class CsvSequences
{
    private CsvSequences(string path, int features, IReadOnlyList<double> labels, IReadOnlyList<float[]> sequences, IReadOnlyList<int> lineNumbers)
    {
        Path = path;
        Features = features;
        Labels = labels;
        Sequences = sequences;
        LineNumbers = lineNumbers;
        MaxLength = sequences.Max(s => s.Length) / features;
    }

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <summary>Values per step.</summary>
    public int Features { get; }

    /// <summary>The label of each sequence.</summary>
    public IReadOnlyList<double> Labels { get; }

    /// <summary>The values of each sequence, steps × features, row-major.</summary>
    public IReadOnlyList<float[]> Sequences { get; }

    /// <summary>The line of the file each sequence came from (from 1).</summary>
    public IReadOnlyList<int> LineNumbers { get; }

    /// <summary>The number of sequences.</summary>
    public int Count => Labels.Count;

    /// <summary>The longest sequence, in steps.</summary>
    public int MaxLength { get; }

    /// <summary>True when every label is a whole number ≥ 0 and there are at least two classes.</summary>
    public bool LabelsAreClasses => Labels.All(l => l >= 0 && l == Math.Floor(l) && l < int.MaxValue) && Labels.Max() >= 1;

    /// <summary>Reads and validates <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="CsvFormatException">A row is malformed (the message gives the line and what was expected), or
    /// the file holds fewer than 2 sequences.</exception>
    public static CsvSequences Load(string path, int features)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"CSV file '{path}' does not exist.", path);
        return Parse(File.ReadLines(path), path, features);
    }

    /// <summary>Parses <paramref name="lines"/> (named <paramref name="source"/> in errors).</summary>
    /// <exception cref="CsvFormatException">A row is malformed, or there are fewer than 2 sequences.</exception>
    public static CsvSequences Parse(IEnumerable<string> lines, string source, int features)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(features);
        var labels = new List<double>();
        var sequences = new List<float[]>();
        var lineNumbers = new List<int>();
        int lineNumber = 0;
        bool first = true;
        foreach (string raw in lines)
        {
            lineNumber++;
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            string[] fields = line.Split(',');
            bool isFirst = first;
            first = false;
            if (!TryNumber(fields[0], out double label))
            {
                if (isFirst) continue;   // a header row
                throw Error(source, lineNumber, $"the label (first field) must be a number, but got '{fields[0].Trim()}'");
            }
            int values = fields.Length - 1;
            if (values == 0)
                throw Error(source, lineNumber, $"expected a label and at least one step of {features} value{(features == 1 ? "" : "s")}, but the row has only a label");
            if (values % features != 0)
                throw Error(source, lineNumber, $"expected a multiple of {features} values after the label ({features} per step), but got {values}");
            var seq = new float[values];
            for (int i = 0; i < values; i++)
            {
                if (!TryNumber(fields[i + 1], out double v))
                    throw Error(source, lineNumber, $"field {i + 2} must be a number, but got '{fields[i + 1].Trim()}'");
                if (!double.IsFinite(v) || Math.Abs(v) > float.MaxValue)
                    throw Error(source, lineNumber, $"field {i + 2} must be a finite float32 value, but got '{fields[i + 1].Trim()}'");
                seq[i] = (float)v;
            }
            if (!double.IsFinite(label)) throw Error(source, lineNumber, $"the label must be finite, but got '{fields[0].Trim()}'");
            labels.Add(label);
            sequences.Add(seq);
            lineNumbers.Add(lineNumber);
        }
        if (labels.Count < 2)
            throw new CsvFormatException($"{source}: expected at least 2 sequences (rows 'label,x1,x2,...'), but found {labels.Count}.");
        return new CsvSequences(source, features, labels, sequences, lineNumbers);
    }

    private static bool TryNumber(string field, out double value) =>
        double.TryParse(field.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value);

    private static CsvFormatException Error(string source, int line, string what) => new($"{source}:{line}: {what}.");
}
