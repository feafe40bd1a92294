using System.Diagnostics;

namespace Recur.Benchmarks.Rnn;

/// <summary>The stack probes' timing: interleaved rounds of each variant (≥ 100 ms and ≥ 3 calls a round), wall-clock medians.</summary>
internal static class StackRounds
{
    /// <summary>Times every variant in 15 interleaved rounds and prints each median and its ratio to the first variant.</summary>
    public static void Print(IReadOnlyList<(string Name, Action Run)> variants, int nameWidth)
    {
        var times = variants.Select(_ => new List<double>()).ToArray();
        for (int round = 0; round < 15; round++)
        {
            for (int v = 0; v < variants.Count; v++)
            {
                variants[v].Run();
                int calls = 0;
                var sw = Stopwatch.StartNew();
                while (sw.Elapsed.TotalMilliseconds < 100 || calls < 3)
                {
                    variants[v].Run();
                    calls++;
                }

                times[v].Add(sw.Elapsed.TotalMilliseconds / calls);
            }
        }

        double baseMs = Median(times[0]);
        for (int v = 0; v < variants.Count; v++)
        {
            double m = Median(times[v]);
            Console.WriteLine($"  {variants[v].Name.PadRight(nameWidth)} {m,9:F3} ms  {m / baseMs:F2}x");
        }
    }

    private static double Median(List<double> v)
    {
        var s = v.OrderBy(d => d).ToArray();
        return s[s.Length / 2];
    }
}
