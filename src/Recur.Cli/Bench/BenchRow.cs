using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Recur.Cli.Bench;

/// <summary>
/// One measured row: Recur's timing of (case, mode, threads) and the peers' records of the same row.
/// Speed ratio = best peer's median ms / Recur's median ms (above 1: Recur is faster).
/// </summary>
internal sealed record BenchRow(
    BenchCase Case,
    BenchMode Mode,
    int Threads,
    BenchTiming Recur,
    double PeakGflops,
    bool Quick,
    double? BusyBefore,
    bool RecurFirst,
    IReadOnlyDictionary<string, PeerRecord> Peers)
{
    /// <summary><c>cell/mode/BxTxIxH/Llayers/full|var</c>.</summary>
    public string Key => Case.Key(Mode);

    /// <summary>FLOPs of one call by issue 5's count.</summary>
    public double Flops => Case.Flops(Mode);

    /// <summary>FLOPs / median time.</summary>
    public double Gflops => Flops / (Recur.MedianMs * 1e6);

    /// <summary><see cref="Gflops"/> as a percentage of the machine's FMA peak for <see cref="Threads"/> threads.</summary>
    public double PercentOfPeak => 100 * Gflops / PeakGflops;

    /// <summary>Real tokens per second.</summary>
    public double TokensPerSecond => Case.Tokens / (Recur.MedianMs / 1e3);

    /// <summary>The peer with the lower median, or null when no peer has this row.</summary>
    public PeerRecord? BestPeer => Peers.Values.OrderBy(p => p.MedianMs).FirstOrDefault();

    /// <summary>Best peer's median ms / Recur's median ms; null without a peer.</summary>
    public double? Ratio => BestPeer is PeerRecord best ? best.MedianMs / Recur.MedianMs : null;

    /// <summary>The highest <c>other_load</c> among Recur's and the peers' timed runs of this row.</summary>
    public double? MaxOtherLoad
    {
        get
        {
            var loads = Peers.Values.Select(p => p.OtherLoad).Append(Recur.OtherLoad).OfType<double>().ToList();
            return loads.Count == 0 ? null : loads.Max();
        }
    }

    /// <summary>
    /// The <c>--json</c> record: the peers' join keys and figures (cell, mode, B, T, I, H, layers, threads, lengths,
    /// median_ms, gflops, tokens, tokens_per_s, min_ms, runs, other_load) plus pct_peak, the peers' medians, the best
    /// peer and the ratio, and each peer's whole record under <c>peers</c>.
    /// </summary>
    public JsonObject ToJson(string version, DateTimeOffset time)
    {
        var best = BestPeer;
        var peers = new JsonObject();
        foreach (var (name, record) in Peers.OrderBy(p => p.Key, StringComparer.Ordinal))
            peers[name] = record.Record.DeepClone();
        var o = new JsonObject
        {
            ["peer"] = "recur",
            ["key"] = Key,
            ["cell"] = Case.Cell,
            ["mode"] = BenchGrid.ModeName(Mode),
            ["B"] = Case.Batch,
            ["T"] = Case.Steps,
            ["I"] = Case.Input,
            ["H"] = Case.Hidden,
            ["layers"] = Case.Layers,
            ["threads"] = Threads,
            ["lengths"] = Case.LengthsLabel,
            ["median_ms"] = Math.Round(Recur.MedianMs, 4),
            ["gflops"] = Math.Round(Gflops, 2),
            ["pct_peak"] = Math.Round(PercentOfPeak, 2),
            ["peak_gflops"] = PeakGflops,
            ["flops"] = Flops,
            ["tokens"] = Case.Tokens,
            ["tokens_per_s"] = Math.Round(TokensPerSecond, 1),
            ["min_ms"] = Math.Round(Recur.MinMs, 4),
            ["cpu_ms"] = Math.Round(Recur.CpuMs, 4),
            ["runs"] = Recur.Runs,
            ["other_load"] = Recur.OtherLoad is double l ? Math.Round(l, 3) : null,
            ["busy_before"] = BusyBefore is double b ? Math.Round(b, 3) : null,
            ["quick"] = Quick,
            ["pytorch_ms"] = Peers.TryGetValue(PeerProgram.PyTorch, out var pt) ? pt.MedianMs : null,
            ["onednn_ms"] = Peers.TryGetValue(PeerProgram.OneDnn, out var od) ? od.MedianMs : null,
            ["best_peer"] = best?.Peer,
            ["best_peer_ms"] = best?.MedianMs,
            ["ratio"] = Ratio is double r ? Math.Round(r, 4) : null,
            ["recur_first"] = RecurFirst,
            ["version"] = version,
            ["time"] = time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            ["peers"] = peers,
        };
        return o;
    }

    /// <summary><see cref="ToJson"/> on one line.</summary>
    public string ToJsonLine(string version, DateTimeOffset time) => ToJson(version, time).ToJsonString(JsonOptions);

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
