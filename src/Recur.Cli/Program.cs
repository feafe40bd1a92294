namespace Recur.Cli;

internal static class Program
{
    private static int Main(string[] args)
    {
        Console.WriteLine("recur");
        return 0;
    }
}
