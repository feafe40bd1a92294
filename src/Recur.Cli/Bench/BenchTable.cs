using System.Globalization;

namespace Recur.Cli.Bench;

/// <summary>The readable table <c>recur bench</c> prints to stdout, one line per row, and the summary under it.</summary>
internal static class BenchTable
{
    private const int KeyWidth = 46;   // the longest grid key, gru_reset_after/train/128x200x128x128/L1/full, is 45

    /// <summary>The column headings.</summary>
    public static string Header() =>
        $"{"row",-KeyWidth} {"thr",3} {"Recur ms",10} {"GFLOP/s",8} {"%peak",6} {"tokens/s",10} {"PyTorch ms",10} {"oneDNN ms",10} {"best",8} {"ratio",6} {"load",5}";

    /// <summary>One row; "–" where a peer has no figure.</summary>
    public static string Format(BenchRow row)
    {
        var inv = CultureInfo.InvariantCulture;
        string Peer(string name) => row.Peers.TryGetValue(name, out var p) ? Ms(p.MedianMs) : "–";
        return string.Create(inv,
            $"{row.Key,-KeyWidth} {row.Threads,3} {Ms(row.Recur.MedianMs),10} {row.Gflops,8:F2} {row.PercentOfPeak,5:F1}% {row.TokensPerSecond,10:F0} {Peer(PeerProgram.PyTorch),10} {Peer(PeerProgram.OneDnn),10} {row.BestPeer?.Peer ?? "–",8} {(row.Ratio is double r ? r.ToString("F2", inv) : "–"),6} {(row.MaxOtherLoad is double l ? l.ToString("F2", inv) : "–"),5}");
    }

    /// <summary>Milliseconds with three significant figures (at least two decimals below 10 ms).</summary>
    public static string Ms(double ms)
    {
        var inv = CultureInfo.InvariantCulture;
        return ms switch
        {
            >= 1000 => ms.ToString("F0", inv),
            >= 100 => ms.ToString("F1", inv),
            >= 10 => ms.ToString("F2", inv),
            _ => ms.ToString("F3", inv),
        };
    }

    /// <summary>The geometric mean of the ratios of the rows that have a peer, and how many of them are ≥ 1.</summary>
    public static (double? GeoMean, int AtLeastOne, int WithPeer) Summarize(IReadOnlyList<BenchRow> rows)
    {
        var ratios = rows.Select(r => r.Ratio).OfType<double>().ToList();
        if (ratios.Count == 0) return (null, 0, 0);
        double geo = Math.Exp(ratios.Average(Math.Log));
        return (geo, ratios.Count(r => r >= 1.0), ratios.Count);
    }

    /// <summary>The summary lines under the table.</summary>
    public static IEnumerable<string> SummaryLines(IReadOnlyList<BenchRow> rows)
    {
        var inv = CultureInfo.InvariantCulture;
        var (geo, atLeastOne, withPeer) = Summarize(rows);
        if (geo is not double g)
        {
            yield return string.Create(inv, $"{rows.Count} rows; no row has a peer figure, so there is no ratio.");
            yield break;
        }
        yield return string.Create(inv,
            $"ratio = best peer median ms / Recur median ms (> 1: Recur faster). Geometric mean {g:F3} over {withPeer} rows with a peer; {atLeastOne} of {withPeer} rows ≥ 1.0; {rows.Count - withPeer} rows without a peer.");
        foreach (var group in rows.Where(r => r.Ratio is not null).GroupBy(r => (r.Threads, r.Mode)).OrderBy(gr => gr.Key.Threads).ThenBy(gr => gr.Key.Mode))
        {
            var (gg, ok, n) = Summarize(group.ToList());
            yield return string.Create(inv, $"  {group.Key.Threads} thread{(group.Key.Threads == 1 ? "" : "s")}, {BenchGrid.ModeName(group.Key.Mode)}: geometric mean {gg:F3}, {ok} of {n} ≥ 1.0");
        }
        var loaded = rows.Count(r => r.MaxOtherLoad > 0.10);
        if (loaded > 0)
            yield return $"{loaded} of {rows.Count} rows were timed while other processes used > 10 % of the machine (column load); re-run those on a quiet machine (--quiet-wait S) before quoting them.";
    }
}
