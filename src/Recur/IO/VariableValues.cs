namespace Recur.IO;

/// <summary>Reading variables out of a session and assigning file contents to them, with the shared checks and messages.</summary>
internal static class VariableValues
{
    /// <summary>The current values of <paramref name="entries"/> (key → variable), checking graph and initialization.</summary>
    public static List<(string Key, NDArray Value)> Read(Session sess, IEnumerable<(string Key, Variable Variable)> entries, string who)
    {
        var values = new List<(string, NDArray)>();
        foreach (var (key, v) in entries)
        {
            if (v.Graph != sess.Graph)
                throw new ArgumentException($"{who}: variable '{v.Name}' belongs to a different graph than the session's.");
            if (!sess.IsInitialized(v))
                throw new InvalidOperationException(
                    $"{who}: variable '{v.Name}' is not initialized in this session; run Tf.GlobalVariablesInitializer() or restore it first.");
            values.Add((key, sess.ReadVariable(v)));
        }
        if (values.Count == 0)
            throw new InvalidOperationException($"{who}: there are no variables to save (the graph has none).");
        return values;
    }

    /// <summary>
    /// Assigns <paramref name="arrays"/>[key] to each variable after checking every one: a missing key is a
    /// <see cref="KeyNotFoundException"/> naming close matches; a dtype or shape difference an <see cref="ArgumentException"/>
    /// naming both. Nothing is assigned unless everything checks out.
    /// </summary>
    public static void Assign(Session sess, IReadOnlyList<(string Key, Variable Variable)> entries,
        IReadOnlyDictionary<string, NDArray> arrays, string source, string who)
    {
        if (entries.Count == 0)
            throw new InvalidOperationException($"{who}: there are no variables to restore (the graph has none).");
        foreach (var (_, v) in entries)
            if (v.Graph != sess.Graph)
                throw new ArgumentException($"{who}: variable '{v.Name}' belongs to a different graph than the session's.");
        var missing = entries.Where(e => !arrays.ContainsKey(e.Key)).ToList();
        if (missing.Count > 0)
        {
            var (key, v) = missing[0];
            string which = key == v.Name ? $"variable '{key}'" : $"entry '{key}' (for variable '{v.Name}')";
            string more = missing.Count > 1
                ? $" {missing.Count - 1} more are missing: {string.Join(", ", missing.Skip(1).Take(5).Select(m => $"'{m.Key}'"))}{(missing.Count > 6 ? ", …" : "")}."
                : "";
            throw new KeyNotFoundException(
                $"{who}: {source} has no {which}.{NameMatch.Hint(key, arrays.Keys.ToList(), source)}{more}");
        }
        foreach (var (key, v) in entries)
        {
            var a = arrays[key];
            string which = key == v.Name ? $"variable '{key}'" : $"variable '{v.Name}' (entry '{key}')";
            if (a.DType != v.DType)
                throw new ArgumentException($"{who}: {which} has dtype {v.DType} in the graph, but {source} stores dtype {a.DType}.");
            if (a.Shape != v.Shape)
                throw new ArgumentException($"{who}: {which} has shape {v.Shape} in the graph, but {source} stores shape {a.Shape}.");
        }
        foreach (var (key, v) in entries) sess.StoreVariable(v, arrays[key], who);
    }
}
