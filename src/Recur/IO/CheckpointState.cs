using System.Text;

namespace Recur.IO;

/// <summary>
/// The <c>checkpoint</c> index file that sits next to the checkpoints of a directory, in TF's text format:
/// <code>model_checkpoint_path: "model.ckpt-300"
/// all_model_checkpoint_paths: "model.ckpt-200"
/// all_model_checkpoint_paths: "model.ckpt-300"</code>
/// Paths are relative to the directory (absolute ones are read too). TF equivalent: <c>CheckpointState</c>.
/// </summary>
internal sealed record CheckpointState(string? Latest, IReadOnlyList<string> All)
{
    /// <summary>The index file's name (TF: <c>latest_filename</c> default).</summary>
    public const string FileName = "checkpoint";

    /// <summary>Index files larger than this are rejected unread.</summary>
    public const int MaxFileBytes = 1 << 20;

    /// <summary>The state of <paramref name="directory"/>, or null when it has no index file.</summary>
    /// <exception cref="InvalidDataException">The index file is too large or malformed.</exception>
    public static CheckpointState? Read(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) return null;
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        if (fs.Length > MaxFileBytes)
            throw new InvalidDataException($"Checkpoint index '{path}' is {fs.Length} bytes; an index file is at most {MaxFileBytes} bytes (corrupt or not an index).");
        var bytes = new byte[fs.Length];
        fs.ReadExactly(bytes);
        string text;
        try { text = new UTF8Encoding(false, true).GetString(bytes); }
        catch (DecoderFallbackException) { throw new InvalidDataException($"Checkpoint index '{path}' is not valid UTF-8 text."); }
        return Parse(text, path);
    }

    /// <summary>Parses the text format; unknown keys (TF's timestamps) are ignored.</summary>
    internal static CheckpointState Parse(string text, string where)
    {
        string? latest = null;
        var all = new List<string>();
        var lines = text.Split('\n');
        for (int n = 0; n < lines.Length; n++)
        {
            var line = lines[n].Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
                throw new InvalidDataException($"Checkpoint index '{where}', line {n + 1}: expected 'key: \"value\"', but found '{Shorten(line)}'.");
            var key = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (key is not ("model_checkpoint_path" or "all_model_checkpoint_paths")) continue;
            var s = Unquote(value) ?? throw new InvalidDataException(
                $"Checkpoint index '{where}', line {n + 1}: {key} must be a double-quoted string, but found '{Shorten(value)}'.");
            if (key == "model_checkpoint_path") latest = s;
            else all.Add(s);
        }
        if (latest is not null && !all.Contains(latest)) all.Add(latest);
        return new CheckpointState(latest, all);
    }

    /// <summary>Writes the index of <paramref name="directory"/> atomically.</summary>
    public static void Write(string directory, string latest, IEnumerable<string> all)
    {
        var sb = new StringBuilder();
        sb.Append("model_checkpoint_path: ").Append(Quote(latest)).Append('\n');
        foreach (var p in all) sb.Append("all_model_checkpoint_paths: ").Append(Quote(p)).Append('\n');
        var bytes = new UTF8Encoding(false).GetBytes(sb.ToString());
        AtomicFile.Write(Path.Combine(directory, FileName), s => s.Write(bytes));
    }

    private static string Quote(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (char c in s)
        {
            switch (c)
            {
                case '\\': sb.Append("\\\\"); break;
                case '"': sb.Append("\\\""); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20) sb.Append('\\').Append(Convert.ToString(c, 8).PadLeft(3, '0'));
                    else sb.Append(c);
                    break;
            }
        }
        return sb.Append('"').ToString();
    }

    /// <summary>The content of a C-escaped double-quoted string, or null when malformed.</summary>
    private static string? Unquote(string v)
    {
        if (v.Length < 2 || v[0] != '"' || v[^1] != '"') return null;
        var sb = new StringBuilder();
        for (int i = 1; i < v.Length - 1; i++)
        {
            char c = v[i];
            if (c == '"') return null;
            if (c != '\\') { sb.Append(c); continue; }
            if (++i >= v.Length - 1) return null;
            char e = v[i];
            switch (e)
            {
                case '\\': case '"': case '\'': sb.Append(e); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case >= '0' and <= '7':
                    if (i + 2 >= v.Length - 1 || !IsOctal(v[i + 1]) || !IsOctal(v[i + 2])) return null;
                    sb.Append((char)Convert.ToInt32(v.Substring(i, 3), 8));
                    i += 2;
                    break;
                default: return null;
            }
        }
        return sb.ToString();
    }

    private static bool IsOctal(char c) => c is >= '0' and <= '7';

    private static string Shorten(string s) => s.Length <= 80 ? s : s[..80] + "…";
}
