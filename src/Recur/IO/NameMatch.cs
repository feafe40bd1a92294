namespace Recur.IO;

/// <summary>"Did you mean" suggestions for names missing from a file or a graph.</summary>
internal static class NameMatch
{
    /// <summary>Up to <paramref name="max"/> candidates close to <paramref name="key"/>: small edit distance or the same last path component.</summary>
    public static IReadOnlyList<string> Close(string key, IEnumerable<string> candidates, int max = 5)
    {
        string leaf = Leaf(key);
        return candidates
            .Select(k => (k, d: EditDistance(k, key)))
            .Where(p => p.d <= Math.Max(3, key.Length / 3) || Leaf(p.k) == leaf
                || p.k.EndsWith(key, StringComparison.Ordinal) || key.EndsWith(p.k, StringComparison.Ordinal))
            .OrderBy(p => p.d).ThenBy(p => p.k, StringComparer.Ordinal)
            .Take(max).Select(p => p.k).ToList();
    }

    /// <summary>A sentence naming the close matches, or how many candidates there are.</summary>
    public static string Hint(string key, IReadOnlyCollection<string> candidates, string where)
    {
        var close = Close(key, candidates);
        if (close.Count > 0) return $" Close matches in {where}: {string.Join(", ", close.Select(c => $"'{c}'"))}.";
        return candidates.Count == 0 ? $" {Capitalize(where)} holds no entries." : $" {Capitalize(where)} holds {candidates.Count} entries, none close.";
    }

    /// <summary>The last component of a TF (<c>a/b/kernel</c>) or PyTorch (<c>lstm.weight_ih_l0</c>) name.</summary>
    private static string Leaf(string name) => name[(name.LastIndexOfAny(new[] { '/', '.' }) + 1)..];

    private static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];

    private static int EditDistance(string a, string b)
    {
        if (Math.Abs(a.Length - b.Length) > 64) return Math.Abs(a.Length - b.Length);
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) prev[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (int j = 1; j <= b.Length; j++)
                cur[j] = Math.Min(Math.Min(prev[j] + 1, cur[j - 1] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }
}
