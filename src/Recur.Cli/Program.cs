using Recur.Cli.Commands;

namespace Recur.Cli;

/// <summary>Entry point of the <c>recur</c> command.</summary>
internal static class Program
{
    private static int Main(string[] args) => CommandLine.CreateDefault().Run(args, Console.Out, Console.Error);
}
