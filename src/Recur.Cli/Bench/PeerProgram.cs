using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Recur.Cli.Bench;

/// <summary>One record a peer program printed, joined to a row by <see cref="Key"/>.</summary>
/// <param name="Peer"><c>pytorch</c> or <c>onednn</c>.</param>
/// <param name="Key">The row key <c>cell/mode/BxTxIxH/Llayers/full|var</c> and <c>@threads</c>.</param>
/// <param name="MedianMs">The peer's median wall time of one call.</param>
/// <param name="OtherLoad">The peer's <c>other_load</c>.</param>
/// <param name="Record">The whole record as the peer printed it.</param>
internal sealed record PeerRecord(string Peer, string Key, double MedianMs, double? OtherLoad, JsonObject Record)
{
    /// <summary>The join key of a row: its key plus <c>@threads</c>.</summary>
    public static string JoinKey(BenchCase c, BenchMode mode, int threads) =>
        string.Create(CultureInfo.InvariantCulture, $"{c.Key(mode)}@{threads}");

    /// <summary>Parses one line of a peer's stdout; null for a line that is not a record (comments, blank lines, partial JSON).</summary>
    public static PeerRecord? Parse(string line)
    {
        line = line.Trim();
        if (!line.StartsWith('{')) return null;
        JsonObject? o;
        try
        {
            o = JsonNode.Parse(line) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
        if (o is null) return null;
        try
        {
            if (o["peer"] is not JsonValue peer || o["cell"] is not JsonValue cell || o["mode"] is not JsonValue mode
                || o["lengths"] is not JsonValue lengths || o["median_ms"] is not JsonValue median) return null;
            int[] dims = new int[6];
            string[] names = ["B", "T", "I", "H", "layers", "threads"];
            for (int i = 0; i < names.Length; i++)
            {
                if (o[names[i]] is not JsonValue v) return null;
                dims[i] = v.GetValue<int>();
            }
            var benchMode = mode.GetValue<string>() == "train" ? BenchMode.Train : BenchMode.Infer;
            var c = new BenchCase(cell.GetValue<string>(), dims[0], dims[1], dims[2], dims[3], dims[4], lengths.GetValue<string>() != "full");
            double? other = o["other_load"] is JsonValue load ? load.GetValue<double>() : null;
            return new PeerRecord(peer.GetValue<string>(), JoinKey(c, benchMode, dims[5]), median.GetValue<double>(), other, o);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            return null;
        }
    }
}

/// <summary>
/// A peer program of <c>benchmarks/peers/</c> (<c>torch_rnn_bench.py</c> or <c>build/onednn_rnn_bench</c>): which rows
/// of the grid it has, how to start it for a group of rows, and how to read its records.
/// </summary>
internal sealed class PeerProgram
{
    /// <summary>The PyTorch peer's name in records and in <c>--peers</c>.</summary>
    public const string PyTorch = "pytorch";

    /// <summary>The oneDNN peer's name in records and in <c>--peers</c>.</summary>
    public const string OneDnn = "onednn";

    /// <summary>The peers in the order <c>run_peers.sh</c> runs them.</summary>
    public static readonly IReadOnlyList<string> Names = [OneDnn, PyTorch];

    /// <summary>The file that marks a peers directory.</summary>
    public const string MarkerFile = "torch_rnn_bench.py";

    private readonly string _file;
    private readonly IReadOnlyList<string> _prefix;
    private readonly bool _setOmpThreads;

    private PeerProgram(string name, string file, IReadOnlyList<string> prefix, bool setOmpThreads, string version)
    {
        Name = name;
        _file = file;
        _prefix = prefix;
        _setOmpThreads = setOmpThreads;
        Version = version;
    }

    /// <summary><see cref="PyTorch"/> or <see cref="OneDnn"/>.</summary>
    public string Name { get; }

    /// <summary>What the peer says it is (torch version, path of the oneDNN binary).</summary>
    public string Version { get; }

    /// <summary>True when this peer's own grid has the row (<see cref="Covers(string, BenchCase)"/>).</summary>
    public bool Covers(BenchCase c) => Covers(Name, c);

    /// <summary>
    /// True when the grid of peer <paramref name="peer"/> has the row: PyTorch has no reset-before GRU; oneDNN has no
    /// variable lengths; neither runs shapes outside the grid (a custom <c>--shape</c> is compared only where it is a
    /// grid shape). Both run every row of <c>--grid all</c> they have, so <c>--grid issue</c> is a subset.
    /// </summary>
    public static bool Covers(string peer, BenchCase c)
    {
        bool torch = peer == PyTorch;
        if (torch && c.Cell == "gru") return false;
        if (c.VariableLengths && !torch) return false;
        var shape = (c.Batch, c.Steps, c.Input, c.Hidden);
        if (c.VariableLengths) return c.Layers == 1 && shape == BenchGrid.ExtraShape;
        if (c.Layers == 2) return c.Cell == "lstm" && BenchGrid.StackedShapes.Contains(shape);
        return c.Layers == 1 && BenchGrid.Shapes.Contains(shape);
    }

    /// <summary>
    /// The directory holding the peer programs: the first <c>benchmarks/peers</c> with <c>torch_rnn_bench.py</c> found
    /// going up from each of <paramref name="searchFrom"/> in turn; null when there is none.
    /// </summary>
    public static string? FindPeersDirectory(IEnumerable<string> searchFrom)
    {
        foreach (var start in searchFrom)
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "benchmarks", "peers");
                if (File.Exists(Path.Combine(candidate, MarkerFile))) return candidate;
            }
        }
        return null;
    }

    /// <summary>The PyTorch peer when <c>import torch</c> works in <paramref name="python"/>; otherwise why not.</summary>
    public static (PeerProgram? Peer, string Reason) LocatePyTorch(string peersDir, string python)
    {
        string script = Path.Combine(peersDir, "torch_rnn_bench.py");
        if (!File.Exists(script)) return (null, $"{script} not found");
        ProcessResult probe;
        try
        {
            probe = ProcessResult.Run(python, ["-c", "import torch; print(torch.__version__)"], null, null);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException or InvalidOperationException)
        {
            return (null, $"cannot start {python} ({e.Message}); set $PYTHON to an interpreter that has torch");
        }
        if (probe.ExitCode != 0)
        {
            string said = probe.LastErrorLine();
            return (null, $"'import torch' fails in {python} (exit code {probe.ExitCode}{(said.Length > 0 ? ": " + said : "")}); apt-get install -y python3-torch, or set $PYTHON");
        }
        string version = "torch " + probe.Stdout.Trim();
        return (new PeerProgram(PyTorch, python, [script], setOmpThreads: false, version),
            $"{version} via {python}");
    }

    /// <summary>The oneDNN peer after <c>build.sh</c> (which builds it when g++ and libdnnl-dev are there); otherwise why not.</summary>
    public static (PeerProgram? Peer, string Reason) LocateOneDnn(string peersDir)
    {
        string build = Path.Combine(peersDir, "build.sh");
        string binary = Path.Combine(peersDir, "build", "onednn_rnn_bench");
        if (!File.Exists(build)) return (null, $"{build} not found");
        ProcessResult result;
        try
        {
            result = ProcessResult.Run("/bin/sh", [build], null, null);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException or InvalidOperationException)
        {
            return (null, $"cannot run {build} ({e.Message})");
        }
        if (!File.Exists(binary))
        {
            string said = (result.Stdout + result.Stderr).Trim().Split('\n').LastOrDefault(l => l.Trim().Length > 0)?.Trim() ?? "no output";
            return (null, $"build.sh did not build it (exit code {result.ExitCode}: {said})");
        }
        return (new PeerProgram(OneDnn, binary, [], setOmpThreads: true, "oneDNN " + binary), binary);
    }

    /// <summary>
    /// Runs the peer on the rows (<paramref name="c"/>, each of <paramref name="modes"/>, <paramref name="threads"/>): the
    /// same <c>--quick</c>, <c>--quiet-wait</c> and <c>--threads</c> as Recur, and a <c>--filter</c> that matches exactly
    /// these rows' keys. Returns the records and, when some row has none, the reason.
    /// </summary>
    public (IReadOnlyList<PeerRecord> Records, string? Problem) Run(BenchCase c, IReadOnlyList<BenchMode> modes, int threads,
        bool quick, double quietWait, TextWriter? liveStderr)
    {
        var args = new List<string>(_prefix)
        {
            "--grid", "all",
            "--filter", "^(" + string.Join("|", modes.Select(c.Key)) + ")$",
            "--modes", string.Join(",", modes.Select(BenchGrid.ModeName)),
            "--threads", threads.ToString(CultureInfo.InvariantCulture),
            "--quiet-wait", quietWait.ToString("R", CultureInfo.InvariantCulture),
        };
        if (quick) args.Add("--quick");
        if (liveStderr is not null) args.Add("-v");
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        if (_setOmpThreads) env["OMP_NUM_THREADS"] = threads.ToString(CultureInfo.InvariantCulture);
        ProcessResult result;
        try
        {
            result = ProcessResult.Run(_file, args, env, liveStderr);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException or InvalidOperationException)
        {
            return ([], $"cannot start {_file}: {e.Message}");
        }
        var records = result.Stdout.Split('\n').Select(PeerRecord.Parse).OfType<PeerRecord>().Where(r => r.Peer == Name).ToList();
        var missing = modes.Select(m => PeerRecord.JoinKey(c, m, threads)).Where(k => records.All(r => r.Key != k)).ToList();
        string? problem = missing.Count == 0 ? null
            : $"no record for {string.Join(", ", missing)} (exit code {result.ExitCode}{(result.LastErrorLine() is string l && l.Length > 0 ? ": " + l : "")})";
        return (records, problem);
    }
}

/// <summary>A finished child process: exit code and everything it printed.</summary>
internal sealed record ProcessResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>The last non-empty line of stderr (or "" when it printed nothing there).</summary>
    public string LastErrorLine() => Stderr.Split('\n').LastOrDefault(l => l.Trim().Length > 0)?.Trim() ?? "";

    /// <summary>
    /// Runs <paramref name="file"/> with <paramref name="args"/> (no shell) and <paramref name="env"/> added to this
    /// process' environment, collecting stdout and stderr; stderr lines are also copied to <paramref name="liveStderr"/>.
    /// </summary>
    public static ProcessResult Run(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string>? env, TextWriter? liveStderr)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args) info.ArgumentList.Add(a);
        if (env is not null)
        {
            foreach (var (k, v) in env) info.Environment[k] = v;
        }
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (stdout) stdout.Append(e.Data).Append('\n');
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (stderr) stderr.Append(e.Data).Append('\n');
            if (liveStderr is not null)
            {
                lock (liveStderr) liveStderr.WriteLine(e.Data);
            }
        };
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.WaitForExit();
        return new ProcessResult(process.ExitCode, stdout.ToString(), stderr.ToString());
    }
}
