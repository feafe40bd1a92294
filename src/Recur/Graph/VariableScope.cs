namespace Recur;

/// <summary>How a variable scope treats existing variables. TF equivalent: the <c>reuse</c> argument of
/// <c>tf.variable_scope</c> (<c>None</c>/<c>False</c>, <c>True</c>, <c>tf.AUTO_REUSE</c>).</summary>
public enum VariableReuse
{
    /// <summary>Inherit from the enclosing scope (TF's <c>None</c>; at the top level: create, and fail if the variable exists).</summary>
    Inherit,
    /// <summary>Only return existing variables; fail if one does not exist (TF's <c>reuse=True</c>).</summary>
    Reuse,
    /// <summary>Create when missing, return when present (TF's <c>tf.AUTO_REUSE</c>).</summary>
    AutoReuse,
}

/// <summary>One entry of the variable-scope stack.</summary>
internal sealed record VariableScopeState(string Name, VariableReuse Reuse, Initializer? Initializer, string NameScope);

/// <summary>The variable-scope stack of a root graph (function graphs share their root's stack).</summary>
internal sealed class VariableScopeStack
{
    private readonly List<VariableScopeState> _stack = new();
    private readonly Dictionary<string, int> _scopeCounts = new(StringComparer.Ordinal);

    public VariableScopeState Current => _stack.Count == 0 ? new VariableScopeState("", VariableReuse.Inherit, null, "") : _stack[^1];

    public int Depth => _stack.Count;

    public void Push(VariableScopeState s) => _stack.Add(s);

    public void Pop(int expectedDepth)
    {
        if (_stack.Count != expectedDepth)
            throw new InvalidOperationException("Tf.VariableScope: scopes must be disposed in reverse order of creation.");
        _stack.RemoveAt(_stack.Count - 1);
    }

    /// <summary>TF's <c>_get_unique_variable_scope</c>: default-named scopes become name, name_1, name_2, ….</summary>
    public string UniqueScopeName(string prefix)
    {
        string parent = Current.Name;
        string baseName = parent.Length > 0 ? parent + "/" + prefix : prefix;
        if (!_scopeCounts.TryGetValue(baseName, out int n) || n == 0)
        {
            return prefix;
        }
        int idx = 1;
        while (_scopeCounts.ContainsKey($"{baseName}_{idx}")) idx++;
        return $"{prefix}_{idx}";
    }

    /// <summary>TF's <c>close_variable_subscopes</c>: entering a scope resets the default-name counters below it.</summary>
    public void CloseSubscopes(string fullName)
    {
        string prefix = fullName + "/";
        foreach (var k in _scopeCounts.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).ToList())
            _scopeCounts[k] = 0;
    }

    /// <summary>Records that a variable scope with this full name was opened.</summary>
    public void MarkOpened(string fullName)
    {
        _scopeCounts.TryGetValue(fullName, out int n);
        _scopeCounts[fullName] = n + 1;
    }
}
