using System.Reflection;

namespace Recur.Cli.Commands;

/// <summary>
/// The <c>recur</c> dispatcher: finds the command named by the first argument, parses its options and runs it.
/// <c>recur</c>, <c>recur --help</c>, <c>recur help</c> list the commands; <c>recur help NAME</c> and
/// <c>recur NAME --help</c> describe one. Exit codes: 0 success, 1 failure, 2 usage error.
/// </summary>
internal sealed class CommandLine
{
    private static readonly string[] HelpWords = ["--help", "-h", "-?", "help"];

    private readonly IReadOnlyList<ICommand> _commands;

    public CommandLine(IReadOnlyList<ICommand> commands)
    {
        _commands = commands;
    }

    /// <summary>The commands shipped with the tool.</summary>
    public static CommandLine CreateDefault() => new([new DemoCommand(), new TrainCommand(), new BenchCommand(), new VersionCommand()]);

    /// <summary>The registered commands, in help order.</summary>
    public IReadOnlyList<ICommand> Commands => _commands;

    /// <summary>Runs the command line <paramref name="args"/> and returns the exit code.</summary>
    public int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Count == 0)
        {
            WriteOverview(stderr);
            return ExitCodes.Usage;
        }
        string first = args[0];
        if (HelpWords.Contains(first, StringComparer.Ordinal))
        {
            if (args.Count == 1)
            {
                WriteOverview(stdout);
                return ExitCodes.Success;
            }
            var target = Find(args[1]);
            if (target is null) return UnknownCommand(args[1], stderr);
            WriteCommandHelp(target, stdout);
            return ExitCodes.Success;
        }
        if (first == "--version") first = "version";
        var command = Find(first);
        if (command is null) return UnknownCommand(first, stderr);
        var rest = args.Skip(1).ToList();
        if (rest.Contains("--help", StringComparer.Ordinal) || rest.Contains("-h", StringComparer.Ordinal))
        {
            WriteCommandHelp(command, stdout);
            return ExitCodes.Success;
        }
        try
        {
            var parsed = ParsedArguments.Parse(command.Name, rest, command.Options);
            return command.Run(parsed, stdout, stderr);
        }
        catch (UsageException e)
        {
            stderr.WriteLine(e.Message);
            stderr.WriteLine($"Run 'recur help {command.Name}' for its options.");
            return ExitCodes.Usage;
        }
    }

    private ICommand? Find(string name) => _commands.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.Ordinal));

    private int UnknownCommand(string name, TextWriter stderr)
    {
        stderr.WriteLine($"recur: unknown command '{name}'.");
        var close = _commands.Where(c => c.Name.StartsWith(name[..Math.Min(2, name.Length)], StringComparison.OrdinalIgnoreCase)).ToList();
        if (close.Count > 0) stderr.WriteLine($"Did you mean: {string.Join(", ", close.Select(c => c.Name))}?");
        stderr.WriteLine("Run 'recur --help' for the list of commands.");
        return ExitCodes.Usage;
    }

    private void WriteOverview(TextWriter w)
    {
        w.WriteLine($"recur {VersionCommand.ShortVersion(Assembly.GetExecutingAssembly())} — TensorFlow's RNN system in C#");
        w.WriteLine();
        w.WriteLine("Usage: recur <command> [options]");
        w.WriteLine();
        w.WriteLine("Commands:");
        int width = _commands.Max(c => c.Name.Length) + 2;
        foreach (var c in _commands) w.WriteLine($"  {c.Name.PadRight(width)}{c.Summary}");
        w.WriteLine($"  {"help".PadRight(width)}Show this list, or 'recur help <command>' for one command's options.");
        w.WriteLine();
        w.WriteLine("Exit codes: 0 success, 1 failure, 2 usage error.");
    }

    private static void WriteCommandHelp(ICommand c, TextWriter w)
    {
        w.WriteLine($"recur {c.Name} — {c.Summary}");
        w.WriteLine();
        w.WriteLine($"Usage: recur {c.Name}{(c.Options.Count > 0 ? " [options]" : "")}");
        if (c.Options.Count == 0) return;
        w.WriteLine();
        w.WriteLine("Options:");
        var labels = c.Options.Select(o => o.TakesValue ? $"--{o.Name} {o.ValueName}" : $"--{o.Name}").ToList();
        int width = labels.Max(l => l.Length) + 2;
        for (int i = 0; i < labels.Count; i++) w.WriteLine($"  {labels[i].PadRight(width)}{c.Options[i].Description}");
    }
}
