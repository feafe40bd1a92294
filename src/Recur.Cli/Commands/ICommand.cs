namespace Recur.Cli.Commands;

/// <summary>One <c>recur</c> sub-command (<c>recur demo</c>, <c>recur version</c>, …).</summary>
internal interface ICommand
{
    /// <summary>The word typed after <c>recur</c>.</summary>
    string Name { get; }

    /// <summary>One line for <c>recur --help</c>.</summary>
    string Summary { get; }

    /// <summary>The options this command accepts, for <c>recur help NAME</c> and for parsing.</summary>
    IReadOnlyList<CommandOption> Options { get; }

    /// <summary>Runs the command; returns the process exit code (see <see cref="ExitCodes"/>).</summary>
    int Run(ParsedArguments args, TextWriter stdout, TextWriter stderr);
}

/// <summary>A <c>--name</c> option: a flag, or an option that takes one value (<c>--out FILE</c>).</summary>
/// <param name="Name">The option without the leading dashes.</param>
/// <param name="ValueName">The placeholder shown in help (<c>FILE</c>); null for a flag.</param>
/// <param name="Description">One line of help.</param>
internal sealed record CommandOption(string Name, string? ValueName, string Description)
{
    /// <summary>True when the option takes a value.</summary>
    public bool TakesValue => ValueName is not null;
}

/// <summary>The process exit codes of <c>recur</c>.</summary>
internal static class ExitCodes
{
    /// <summary>The command succeeded.</summary>
    public const int Success = 0;

    /// <summary>The command ran and failed (an exception from Recur, an unwritable file).</summary>
    public const int Failure = 1;

    /// <summary>The command line was wrong: unknown command or option, missing value.</summary>
    public const int Usage = 2;
}
