using System.Globalization;
using System.Text.RegularExpressions;
using Recur.Cli.Bench;

namespace Recur.Cli.Commands;

/// <summary>
/// <c>recur bench</c>: times <c>Tf.Nn.DynamicRnn</c> on issue 5's grid (every cell, inference and training, padded and
/// variable lengths, 1 and 2 threads, two 2-layer LSTMs) and runs the peer programs of <c>benchmarks/peers/</c> (PyTorch,
/// oneDNN) on the same rows in the same invocation. Prints ms, GFLOP/s, % of the FMA peak, tokens/s, each peer's ms
/// and the ratio best peer / Recur per row, then the geometric mean of the ratios; <c>--json FILE</c> writes one
/// record per row. Protocol and fairness: docs/decisions/0012-recur-bench.md.
/// </summary>
internal sealed class BenchCommand : ICommand
{
    public string Name => "bench";

    public string Summary => "Time DynamicRnn on issue 5's RNN grid against the PyTorch and oneDNN peers (benchmarks/peers) in the same run: ms, GFLOP/s, % of peak, ratio.";

    public IReadOnlyList<CommandOption> Options { get; } =
    [
        new("grid", "all|issue", "all: 5 shapes × lstm, gru, gru_reset_after, rnn_tanh (default); issue: the issue table's 11 rows. Both add the 2-layer LSTMs (B=64, T=100, I=H=256 and B=1, T=100, I=H=128) and the variable-length rows (B=64, T=100, I=H=256)."),
        new("filter", "REGEX", "Only rows whose key cell/mode/BxTxIxH/Llayers/full|var matches (.NET regex), e.g. 'lstm/.*/64x100x256x256/L1/full'."),
        new("cells", "LIST", "Only these cells: lstm, gru (reset before, TF1), gru_reset_after (PyTorch/cuDNN), rnn_tanh. Default: all four."),
        new("shape", "B,T,I,H", "One custom padded 1-layer shape instead of the grid (peers only run their grid's shapes)."),
        new("modes", "LIST", "infer, train or infer,train (default)."),
        new("threads", "LIST", "1, 2 or 1,2 (default): Gemm.MaxThreads for Recur, the same count for the peers."),
        new("quick", null, "Quick protocol: 1 warm-up call (≥ 0.1 s), then max(3, ~0.5 s) timed calls, at most 20 (default: ≥ 3 and ≥ 0.5 s, then max(10, ~3 s), at most 300)."),
        new("quiet-wait", "S", "Before each row wait up to S seconds until other processes use < 10 % of the machine (default 0)."),
        new("peers", "LIST", "none, or a list of pytorch, onednn (default: both, where available)."),
        new("peers-dir", "DIR", "The directory of the peer programs (default: benchmarks/peers found above the current directory or the tool)."),
        new("peak-gflops", "P1,P2", "The machine's FMA peak in GFLOP/s for 1 and 2 threads, for % of peak (default: measured at the start of the run, register-only FMA chains on 1 and 2 threads)."),
        new("json", "FILE", "Write one JSON record per row to FILE (JSON lines; the file is replaced)."),
        new("no-wavefront", null, "Run stacked layers one after another, never as a layer wavefront (an A/B of the wavefront on the batch-1 2-layer rows)."),
        new("verbose", null, "Progress on stderr, the peers' included."),
    ];

    public int Run(ParsedArguments args, TextWriter stdout, TextWriter stderr)
    {
        var settings = Parse(args);
        if (settings.Groups().Count == 0)
        {
            string example = settings.Cases.Count > 0 ? settings.Cases[0].Key(settings.Modes[0]) : "lstm/infer/64x100x256x256/L1/full";
            throw new UsageException($"recur bench: --filter '{settings.Filter}' matches no row (keys look like '{example}').");
        }
        if (settings.PeakMeasured)
        {
            // Only the thread counts the run uses (each takes ~0.5 s); the other keeps the issue machine's figure, as do both
            // without FMA hardware (nothing to measure; the header then omits "measured now").
            double peak1 = settings.Threads.Contains(1) ? FmaPeak.Measure(1) : settings.Peak1;
            double peak2 = settings.Threads.Contains(2) ? FmaPeak.Measure(Math.Min(2, Environment.ProcessorCount)) : settings.Peak2;
            settings = double.IsFinite(peak1) && double.IsFinite(peak2)
                ? settings with { Peak1 = peak1, Peak2 = peak2 }
                : settings with { PeakMeasured = false };
        }

        try
        {
            new BenchRunner(settings, stdout, stderr).Run();
            return ExitCodes.Success;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"recur bench: {e.Message}");
            return ExitCodes.Failure;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            stderr.WriteLine($"recur bench: Recur failed: {e.Message}");
            return ExitCodes.Failure;
        }
    }

    /// <summary>Parses and validates the options.</summary>
    /// <exception cref="UsageException">A bad option value: names the option, what it expects and what it got.</exception>
    internal static BenchSettings Parse(ParsedArguments args)
    {
        if (args.Positionals.Count > 0)
            throw new UsageException($"recur bench: takes no positional arguments, but got '{args.Positionals[0]}'.");
        string grid = args.Value("grid") ?? "all";
        if (grid is not ("all" or "issue"))
            throw new UsageException($"recur bench: --grid expects all or issue, but got '{grid}'.");
        var cells = args.Value("cells") is string cellList ? List("cells", cellList, BenchGrid.Cells) : BenchGrid.Cells;
        if (args.Has("shape") && args.Has("grid"))
            throw new UsageException("recur bench: --shape replaces the grid; give --shape or --grid, not both.");
        var cases = args.Value("shape") is string shape
            ? BenchGrid.Custom(ParseShape(shape), cells)
            : BenchGrid.Build(grid == "issue", cells);
        var modes = args.Value("modes") is string modeList
            ? List("modes", modeList, ["infer", "train"]).Select(m => m == "train" ? BenchMode.Train : BenchMode.Infer).ToList()
            : [BenchMode.Infer, BenchMode.Train];
        var threads = args.Value("threads") is string threadList
            ? List("threads", threadList, ["1", "2"]).Select(t => int.Parse(t, CultureInfo.InvariantCulture)).ToList()
            : [1, 2];
        Regex? filter = null;
        if (args.Value("filter") is string pattern)
        {
            try
            {
                filter = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException e)
            {
                throw new UsageException($"recur bench: --filter expects a regular expression, but got '{pattern}' ({e.Message}).");
            }
        }
        double quietWait = 0;
        if (args.Value("quiet-wait") is string quiet
            && (!double.TryParse(quiet, NumberStyles.Float, CultureInfo.InvariantCulture, out quietWait) || !double.IsFinite(quietWait) || quietWait < 0))
            throw new UsageException($"recur bench: --quiet-wait expects a number of seconds ≥ 0, but got '{quiet}'.");
        IReadOnlyList<string> peers = PeerProgram.Names;
        if (args.Value("peers") is string peerList)
            peers = peerList == "none" ? [] : List("peers", peerList, [PeerProgram.PyTorch, PeerProgram.OneDnn], extra: "none");
        string? peersDir = args.Value("peers-dir");
        if (peersDir is not null && !File.Exists(Path.Combine(peersDir, PeerProgram.MarkerFile)))
            throw new UsageException($"recur bench: --peers-dir expects the directory of the peer programs (holding {PeerProgram.MarkerFile} and build.sh), but got '{peersDir}'.");
        string? peakText = args.Value("peak-gflops");
        var (peak1, peak2) = peakText is not null ? ParsePeak(peakText) : (BenchSettings.DefaultPeak1, BenchSettings.DefaultPeak2);
        return new BenchSettings
        {
            Cases = cases,
            Modes = modes,
            Threads = threads,
            Filter = filter,
            Quick = args.Has("quick"),
            NoWavefront = args.Has("no-wavefront"),
            QuietWait = quietWait,
            Peak1 = peak1,
            Peak2 = peak2,
            PeakMeasured = peakText is null,
            Peers = peers,
            PeersDirectory = peersDir,
            JsonPath = args.Value("json"),
            Verbose = args.Has("verbose"),
            Python = Environment.GetEnvironmentVariable("PYTHON") is string py && py.Length > 0 ? py : "/usr/bin/python3",
        };
    }

    /// <summary>A comma-separated list of distinct words from <paramref name="allowed"/>, in the order given.</summary>
    private static List<string> List(string option, string text, IReadOnlyList<string> allowed, string? extra = null)
    {
        var items = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        string expected = string.Join(", ", allowed) + (extra is null ? "" : $" (or {extra})");
        if (items.Length == 0)
            throw new UsageException($"recur bench: --{option} expects a comma-separated list of {expected}, but got '{text}'.");
        var result = new List<string>();
        foreach (var item in items)
        {
            if (!allowed.Contains(item))
                throw new UsageException($"recur bench: --{option} expects a comma-separated list of {expected}, but got '{item}' in '{text}'.");
            if (!result.Contains(item)) result.Add(item);
        }
        return result;
    }

    /// <summary>Parses <c>--shape B,T,I,H</c>: four positive integers.</summary>
    internal static (int B, int T, int I, int H) ParseShape(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new int[parts.Length];
        bool ok = parts.Length == 4;
        for (int i = 0; ok && i < 4; i++)
            ok = int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out values[i]) && values[i] > 0;
        if (!ok) throw new UsageException($"recur bench: --shape expects four positive integers B,T,I,H (e.g. 64,100,256,256), but got '{text}'.");
        return (values[0], values[1], values[2], values[3]);
    }

    /// <summary>Parses <c>--peak-gflops P1,P2</c>: two positive numbers.</summary>
    internal static (double P1, double P2) ParsePeak(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new double[parts.Length];
        bool ok = parts.Length == 2;
        for (int i = 0; ok && i < 2; i++)
            ok = double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) && double.IsFinite(values[i]) && values[i] > 0;
        if (!ok) throw new UsageException($"recur bench: --peak-gflops expects two positive numbers P1,P2 (GFLOP/s on 1 and 2 threads, e.g. 98.1,190), but got '{text}'.");
        return (values[0], values[1]);
    }
}
