namespace Recur.Benchmarks;

internal static class Program
{
    private static void Main(string[] args) => Console.WriteLine(args.Length);
}
