using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Recur.Kernels;

namespace Recur.Cli.Bench;

/// <summary>What <c>recur bench</c> was asked to run (parsed and validated by the command).</summary>
internal sealed record BenchSettings
{
    /// <summary>FMA peak of the issue's machine, fp32, 1 thread: one Zen 3 core, 2 FMA pipes × 8 lanes × 2 FLOPs at
    /// ~3.07 GHz (performance_anchors.md §2, measured 98.1 GFLOP/s); used only until <see cref="FmaPeak"/> replaces it.</summary>
    public const double DefaultPeak1 = 98.1;

    /// <summary>FMA peak on 2 threads (both cores; performance_anchors.md §2 measured 190 GFLOP/s, not quite 2 × 98.1).</summary>
    public const double DefaultPeak2 = 190;

    /// <summary>No <c>--peak-gflops</c>: the command measures the peak (<see cref="FmaPeak"/>) before the run.</summary>
    public bool PeakMeasured { get; init; }

    public required IReadOnlyList<BenchCase> Cases { get; init; }
    public required IReadOnlyList<BenchMode> Modes { get; init; }
    public required IReadOnlyList<int> Threads { get; init; }
    public Regex? Filter { get; init; }
    public bool Quick { get; init; }

    /// <summary>Turns the layer wavefront off (<see cref="Recur.Kernels.Rnn.RnnWavefront.Enabled"/>) for the run.</summary>
    public bool NoWavefront { get; init; }
    public double QuietWait { get; init; }
    public double Peak1 { get; init; } = DefaultPeak1;
    public double Peak2 { get; init; } = DefaultPeak2;
    public IReadOnlyList<string> Peers { get; init; } = PeerProgram.Names;
    public string? PeersDirectory { get; init; }
    public string? JsonPath { get; init; }
    public bool Verbose { get; init; }
    public string Python { get; init; } = "/usr/bin/python3";

    /// <summary>The FMA peak for <paramref name="threads"/> (1 or 2).</summary>
    public double Peak(int threads) => threads == 1 ? Peak1 : Peak2;

    /// <summary>The (case, threads, modes) groups to run, in order: case by case, each thread count, the modes the filter keeps.</summary>
    public IReadOnlyList<(BenchCase Case, int Threads, IReadOnlyList<BenchMode> Modes)> Groups()
    {
        var groups = new List<(BenchCase, int, IReadOnlyList<BenchMode>)>();
        foreach (var c in Cases)
        {
            var modes = Modes.Where(m => Filter is null || Filter.IsMatch(c.Key(m))).ToList();
            if (modes.Count == 0) continue;
            foreach (int t in Threads) groups.Add((c, t, modes));
        }
        return groups;
    }
}

/// <summary>
/// Runs <c>recur bench</c>: for each (case, thread count) Recur's rows and the peers' rows of the same case back to back,
/// alternating which goes first (Recur first in even groups, peers first in odd ones), so that a change of load on a
/// shared machine hits both sides alike and no side always runs warm after the other. Prints the table as it goes and
/// writes the <c>--json</c> records.
/// </summary>
internal sealed class BenchRunner(BenchSettings settings, TextWriter stdout, TextWriter stderr)
{
    /// <summary>Runs every group and returns the rows.</summary>
    public IReadOnlyList<BenchRow> Run()
    {
        var groups = settings.Groups();
        string version = Commands.VersionCommand.ShortVersion(typeof(BenchRunner).Assembly);
        WriteHeader(groups, version);
        var peers = LocatePeers();
        using var json = OpenJson();
        stdout.WriteLine();
        stdout.WriteLine(BenchTable.Header());
        stdout.Flush();
        var rows = new List<BenchRow>();
        int saved = Gemm.MaxThreads;
        bool savedWavefront = Recur.Kernels.Rnn.RnnWavefront.Enabled;
        try
        {
            if (settings.NoWavefront) Recur.Kernels.Rnn.RnnWavefront.Enabled = false;
            for (int g = 0; g < groups.Count; g++)
            {
                var (c, threads, modes) = groups[g];
                bool recurFirst = g % 2 == 0;
                var covering = peers.Where(p => p.Covers(c)).ToList();
                var peerRecords = new Dictionary<string, PeerRecord>(StringComparer.Ordinal);
                var recur = new List<(BenchMode Mode, BenchTiming Timing, double? Busy)>();
                if (recurFirst) recur.AddRange(modes.Select(m => MeasureRecur(c, m, threads)));
                foreach (var peer in covering) RunPeer(peer, c, modes, threads, peerRecords);
                if (!recurFirst) recur.AddRange(modes.Select(m => MeasureRecur(c, m, threads)));
                foreach (var (mode, timing, busy) in recur)
                {
                    var mine = covering
                        .Select(p => peerRecords.GetValueOrDefault(p.Name + "|" + PeerRecord.JoinKey(c, mode, threads)))
                        .OfType<PeerRecord>()
                        .ToDictionary(p => p.Peer, StringComparer.Ordinal);
                    var row = new BenchRow(c, mode, threads, timing, settings.Peak(threads), settings.Quick, busy, recurFirst, mine);
                    rows.Add(row);
                    stdout.WriteLine(BenchTable.Format(row));
                    stdout.Flush();
                    if (json is not null)
                    {
                        json.WriteLine(row.ToJsonLine(version, DateTimeOffset.UtcNow));
                        json.Flush();
                    }
                }
            }
        }
        finally
        {
            Gemm.MaxThreads = saved;
            Recur.Kernels.Rnn.RnnWavefront.Enabled = savedWavefront;
        }
        stdout.WriteLine();
        foreach (var line in BenchTable.SummaryLines(rows)) stdout.WriteLine(line);
        if (settings.JsonPath is string path) stdout.WriteLine($"{rows.Count} records written to {Path.GetFullPath(path)}");
        return rows;
    }

    private (BenchMode, BenchTiming, double?) MeasureRecur(BenchCase c, BenchMode mode, int threads)
    {
        Gemm.MaxThreads = threads;
        if (settings.Verbose) stderr.WriteLine($"# recur   {c.Key(mode)} threads {threads} ...");
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using var graph = RecurRnnGraph.Build(c, mode);
        double? busy = BenchTimer.WaitQuiet(settings.QuietWait);
        var timing = BenchTimer.Measure(() => graph.Run(), settings.Quick);
        return (mode, timing, busy);
    }

    private void RunPeer(PeerProgram peer, BenchCase c, IReadOnlyList<BenchMode> modes, int threads, Dictionary<string, PeerRecord> into)
    {
        if (settings.Verbose) stderr.WriteLine($"# {peer.Name,-7} {string.Join(", ", modes.Select(c.Key))} threads {threads} ...");
        var (records, problem) = peer.Run(c, modes, threads, settings.Quick, settings.QuietWait, settings.Verbose ? stderr : null);
        foreach (var r in records) into[r.Peer + "|" + r.Key] = r;
        if (problem is not null) stderr.WriteLine($"recur bench: {peer.Name}: {problem}");
    }

    private List<PeerProgram> LocatePeers()
    {
        var found = new List<PeerProgram>();
        if (settings.Peers.Count == 0)
        {
            stdout.WriteLine("peers: none (--peers none); rows have no ratio");
            return found;
        }
        string? dir = settings.PeersDirectory
            ?? PeerProgram.FindPeersDirectory([Directory.GetCurrentDirectory(), AppContext.BaseDirectory]);
        if (dir is null)
        {
            stdout.WriteLine($"peers: benchmarks/peers/{PeerProgram.MarkerFile} not found above {Directory.GetCurrentDirectory()} or {AppContext.BaseDirectory}; give --peers-dir DIR. Rows have no ratio.");
            return found;
        }
        foreach (var name in PeerProgram.Names.Where(settings.Peers.Contains))
        {
            var (peer, reason) = name == PeerProgram.PyTorch
                ? PeerProgram.LocatePyTorch(dir, settings.Python)
                : PeerProgram.LocateOneDnn(dir);
            if (peer is null)
            {
                stdout.WriteLine($"peer {name}: not available: {reason}; its rows have no figure");
                continue;
            }
            stdout.WriteLine($"peer {name}: {reason}");
            found.Add(peer);
        }
        return found;
    }

    private StreamWriter? OpenJson()
    {
        if (settings.JsonPath is not string path) return null;
        string full = Path.GetFullPath(path);
        string? parent = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(parent)) Directory.CreateDirectory(parent);
        return new StreamWriter(full, append: false);
    }

    private void WriteHeader(IReadOnlyList<(BenchCase Case, int Threads, IReadOnlyList<BenchMode> Modes)> groups, string version)
    {
        var inv = CultureInfo.InvariantCulture;
        int rowCount = groups.Sum(g => g.Modes.Count);
        stdout.WriteLine(string.Create(inv,
            $"recur bench {version}: {rowCount} rows ({groups.Select(g => g.Case).Distinct().Count()} cases × modes × threads {string.Join(",", settings.Threads)}), "
            + $"{(settings.Quick ? "quick protocol (1 warm-up call ≥ 0.1 s, max(3, ~0.5 s) timed, ≤ 20)" : "full protocol (warm-up ≥ 3 calls and ≥ 0.5 s, max(10, ~3 s) timed, ≤ 300)")}, median wall time"));
        stdout.WriteLine(string.Create(inv,
            $"machine: {Environment.ProcessorCount} cores, {CpuModel()}, {RuntimeInformation.FrameworkDescription}; load average {LoadAverage()}; FMA peak {settings.Peak1:F1} GFLOP/s (1 thread), {settings.Peak2:F1} (2 threads){(settings.PeakMeasured ? ", measured now" : "")}"));
        stdout.WriteLine("order: per (case, threads) Recur's rows and the peers' rows back to back, Recur first in even groups and the peers first in odd ones");
        if (settings.NoWavefront) stdout.WriteLine("--no-wavefront: stacked layers run one after another (no layer wavefront)");
    }

    private static string CpuModel()
    {
        try
        {
            if (File.Exists("/proc/cpuinfo"))
            {
                var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
                if (line is not null && line.IndexOf(':', StringComparison.Ordinal) is int colon and >= 0) return line[(colon + 1)..].Trim();
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return RuntimeInformation.ProcessArchitecture.ToString();
        }
        return RuntimeInformation.ProcessArchitecture.ToString();
    }

    private static string LoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "unknown";
        }
    }
}
