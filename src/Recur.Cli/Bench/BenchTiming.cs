using System.Diagnostics;
using System.Globalization;

namespace Recur.Cli.Bench;

/// <summary>The timing of one row: median and minimum wall time per call, the runs timed, and how busy the machine was.</summary>
/// <param name="MedianMs">Median wall time of one call.</param>
/// <param name="MinMs">Fastest call.</param>
/// <param name="CpuMs">Median process CPU time of one call (all threads).</param>
/// <param name="Runs">Timed calls.</param>
/// <param name="OtherLoad">Share of the machine's CPU other processes used during the timed calls; null where <c>/proc/stat</c> is missing.</param>
internal sealed record BenchTiming(double MedianMs, double MinMs, double CpuMs, int Runs, double? OtherLoad);

/// <summary>
/// The peers' timing protocol (<c>benchmarks/peers/README.md</c>, "Protocol", as performance_anchors.md §1):
/// warm-up ≥ 3 calls and ≥ 0.5 s, then max(10, ~3 s worth) timed calls, at most 300, and the median;
/// <c>--quick</c>: 1 warm-up call (≥ 0.1 s), then max(3, ~0.5 s worth), at most 20.
/// </summary>
internal static class BenchTimer
{
    /// <summary>The protocol's constants for one mode (full or quick).</summary>
    internal sealed record Protocol(int WarmRuns, double WarmSeconds, int MinRuns, double TargetSeconds, int MaxRuns)
    {
        /// <summary>The full protocol.</summary>
        public static readonly Protocol Full = new(3, 0.5, 10, 3.0, 300);

        /// <summary><c>--quick</c>.</summary>
        public static readonly Protocol Quick = new(1, 0.1, 3, 0.5, 20);

        /// <summary>Timed calls for a call that took <paramref name="estimateSeconds"/> in the warm-up.</summary>
        public int TimedRuns(double estimateSeconds) =>
            (int)Math.Min(MaxRuns, Math.Max(MinRuns, Math.Floor(TargetSeconds / Math.Max(estimateSeconds, 1e-9))));
    }

    /// <summary>
    /// Calls <paramref name="call"/> once untimed (the first <c>Session.Run</c> of a graph plans its execution and
    /// compiles code: a one-time cost that would make the warm-up's estimate, and so the number of timed calls, too
    /// small), warms it up, then times it by the protocol.
    /// </summary>
    public static BenchTiming Measure(Action call, bool quick)
    {
        var p = quick ? Protocol.Quick : Protocol.Full;
        call();
        var warm = Stopwatch.StartNew();
        int n = 0;
        while (n < p.WarmRuns || warm.Elapsed.TotalSeconds < p.WarmSeconds)
        {
            call();
            n++;
        }
        int runs = p.TimedRuns(warm.Elapsed.TotalSeconds / n);
        var wall = new double[runs];
        var cpu = new double[runs];
        using var process = Process.GetCurrentProcess();
        var meter = LoadMeter.Start();
        for (int i = 0; i < runs; i++)
        {
            process.Refresh();
            var c0 = process.TotalProcessorTime;
            long t0 = Stopwatch.GetTimestamp();
            call();
            wall[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            process.Refresh();
            cpu[i] = (process.TotalProcessorTime - c0).TotalMilliseconds;
        }
        double? other = meter.Stop();
        return new BenchTiming(Median(wall), wall.Min(), Median(cpu), runs, other);
    }

    /// <summary>The median (the mean of the middle two for an even count).</summary>
    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0) throw new ArgumentException("BenchTimer.Median: needs at least one value, but got none.", nameof(values));
        var sorted = values.Order().ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    }

    /// <summary>
    /// Waits up to <paramref name="maxSeconds"/> until other processes use less than 10 % of the machine (as the peers'
    /// <c>--quiet-wait</c>); returns the last reading, or null when not waiting or when the load cannot be read.
    /// </summary>
    public static double? WaitQuiet(double maxSeconds)
    {
        if (maxSeconds <= 0 || !LoadMeter.Available) return null;
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var meter = LoadMeter.Start();
            Thread.Sleep(500);
            double busy = meter.Stop() ?? 0;
            if (busy < 0.10 || deadline.Elapsed.TotalSeconds >= maxSeconds) return busy;
        }
    }
}

/// <summary>
/// The share of the machine's CPU used by <em>other</em> processes between <see cref="Start"/> and <see cref="Stop"/>:
/// busy jiffies of all CPUs from <c>/proc/stat</c> (user … steal) minus this process' CPU time, over cores × wall time.
/// The peers measure <c>other_load</c> the same way.
/// </summary>
internal sealed class LoadMeter
{
    private const string ProcStat = "/proc/stat";

    // USER_HZ, the unit of /proc/stat: 100 on every Linux architecture .NET runs on (sysconf(_SC_CLK_TCK)).
    private const double JiffiesPerSecond = 100.0;

    private readonly double _busy0;
    private readonly TimeSpan _own0;
    private readonly long _t0;

    private LoadMeter(double busy0, TimeSpan own0, long t0)
    {
        _busy0 = busy0;
        _own0 = own0;
        _t0 = t0;
    }

    /// <summary>True where <c>/proc/stat</c> can be read (Linux).</summary>
    public static bool Available => ReadBusySeconds() is not null;

    /// <summary>Starts a reading.</summary>
    public static LoadMeter Start() => new(ReadBusySeconds() ?? double.NaN, OwnCpu(), Stopwatch.GetTimestamp());

    /// <summary>Other processes' share of the machine since <see cref="Start"/>, in [0, 1]; null without <c>/proc/stat</c>.</summary>
    public double? Stop()
    {
        double wall = Math.Max(Stopwatch.GetElapsedTime(_t0).TotalSeconds, 1e-9);
        if (ReadBusySeconds() is not double busy1 || double.IsNaN(_busy0)) return null;
        double other = busy1 - _busy0 - (OwnCpu() - _own0).TotalSeconds;
        return Math.Clamp(other / (Environment.ProcessorCount * wall), 0, 1);
    }

    private static TimeSpan OwnCpu()
    {
        using var p = Process.GetCurrentProcess();
        return p.TotalProcessorTime;
    }

    /// <summary>Busy seconds of all CPUs since boot: the first line of <c>/proc/stat</c>, fields user … steal minus idle and iowait.</summary>
    internal static double? ReadBusySeconds()
    {
        string? line;
        try
        {
            if (!File.Exists(ProcStat)) return null;
            using var reader = new StreamReader(ProcStat);
            line = reader.ReadLine();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        return line is null ? null : ParseBusySeconds(line);
    }

    /// <summary>Parses the <c>cpu</c> line of <c>/proc/stat</c>; null when it is not one.</summary>
    internal static double? ParseBusySeconds(string cpuLine)
    {
        var parts = cpuLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 5 || parts[0] != "cpu") return null;
        long total = 0, idle = 0;
        for (int i = 1; i < parts.Length && i <= 8; i++)
        {
            if (!long.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out long v)) return null;
            total += v;
            if (i == 4 || i == 5) idle += v;   // idle, iowait
        }
        return (total - idle) / JiffiesPerSecond;
    }
}
