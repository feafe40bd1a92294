namespace Recur.Cli.Commands;

/// <summary>
/// A command's arguments after parsing: option values by name and the remaining positional words. Accepts
/// <c>--name value</c>, <c>--name=value</c> and flags; <c>--</c> ends option parsing.
/// </summary>
internal sealed class ParsedArguments
{
    private readonly Dictionary<string, string?> _options;

    private ParsedArguments(Dictionary<string, string?> options, IReadOnlyList<string> positionals)
    {
        _options = options;
        Positionals = positionals;
    }

    /// <summary>Words that are not options, in order.</summary>
    public IReadOnlyList<string> Positionals { get; }

    /// <summary>True when the option (flag or valued) was given.</summary>
    public bool Has(string name) => _options.ContainsKey(name);

    /// <summary>The value of a valued option, or null when it was not given.</summary>
    public string? Value(string name) => _options.TryGetValue(name, out var v) ? v : null;

    /// <summary>Parses <paramref name="args"/> against <paramref name="options"/>.</summary>
    /// <exception cref="UsageException">An unknown option, a missing value, or a value given to a flag.</exception>
    public static ParsedArguments Parse(string commandName, IReadOnlyList<string> args, IReadOnlyList<CommandOption> options)
    {
        var byName = options.ToDictionary(o => o.Name, StringComparer.Ordinal);
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        var positionals = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg == "--")
            {
                positionals.AddRange(args.Skip(i + 1));
                break;
            }
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                positionals.Add(arg);
                continue;
            }
            string name = arg[2..];
            string? inline = null;
            int eq = name.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0)
            {
                inline = name[(eq + 1)..];
                name = name[..eq];
            }
            if (!byName.TryGetValue(name, out var option))
            {
                string known = options.Count == 0 ? "it takes no options" : "known options: " + string.Join(", ", options.Select(o => "--" + o.Name));
                throw new UsageException($"recur {commandName}: unknown option '--{name}' ({known}).");
            }
            if (!option.TakesValue)
            {
                if (inline is not null)
                    throw new UsageException($"recur {commandName}: option '--{name}' is a flag and takes no value, but got '{inline}'.");
                values[name] = null;
                continue;
            }
            if (inline is null)
            {
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    throw new UsageException($"recur {commandName}: option '--{name}' expects a value ({option.ValueName}), but none was given.");
                inline = args[++i];
            }
            if (inline.Length == 0)
                throw new UsageException($"recur {commandName}: option '--{name}' expects a non-empty value ({option.ValueName}).");
            values[name] = inline;
        }
        return new ParsedArguments(values, positionals);
    }
}

/// <summary>A command-line mistake: reported on stderr with exit code <see cref="ExitCodes.Usage"/>.</summary>
internal sealed class UsageException(string message) : Exception(message);
