using System.Diagnostics;
using System.Globalization;
using System.Text;
using Recur.Benchmarks.Gemm;
using Recur.Kernels.Rnn;

namespace Recur.Benchmarks.Rnn;

/// <summary>
/// The fused RNN kernels on issue 5's grid: <c>LstmKernel</c>, <c>GruKernel</c> (both variants) and
/// <c>SimpleRnnKernel</c>, inference (<c>Forward</c>, training: false) and a training step
/// (<c>Forward</c>, training: true, then <c>Backward</c> with dL/dy = 1 and dx), float, zero initial
/// state, against the best peer of performance_anchors.md §5 (quiet-machine wall ms).
/// </summary>
/// <remarks>
/// For each case and thread count (<c>Gemm.MaxThreads</c>): wait for a quiet machine (2 threads), warm
/// up, then time single calls; report the median and 10th percentile of the wall time, the median
/// CPU time of the calling thread (at 1 thread this excludes time the OS gave to other processes),
/// and GFLOP/s = 2·B·T·(I+H)·G·H (training: 3×) over the time used for the ratio: thread CPU time on
/// 1 thread, wall time (median) on 2.
/// </remarks>
internal static class RnnBench
{
    private enum Cell
    {
        Lstm,
        GruBefore,
        GruAfter,
        Rnn,
    }

    /// <summary>One grid row and its best-peer wall ms: inference 1 / 2 threads, training 1 / 2 threads.</summary>
    private sealed record Case(Cell Cell, int B, int T, int I, int H, double PeerInfer1, double PeerInfer2, double PeerTrain1, double PeerTrain2)
    {
        public int Gates => Cell switch { Cell.Lstm => 4, Cell.Rnn => 1, _ => 3 };

        public double ForwardFlops => 2.0 * B * T * (I + H) * Gates * H;

        public string Name => $"{Cell switch { Cell.Lstm => "lstm", Cell.GruBefore => "gru", Cell.GruAfter => "gru-ra", _ => "rnn" }}-{B}x{T}x{I}x{H}";
    }

    private static readonly Case[] Grid =
    [
        new(Cell.Lstm, 1, 100, 128, 128, 1.25, 1.72, 5.47, 5.09),
        new(Cell.Lstm, 16, 100, 128, 256, 23.1, 12.4, 79.9, 53.0),
        new(Cell.Lstm, 64, 100, 256, 256, 119, 58.3, 424, 220),
        new(Cell.Lstm, 64, 50, 512, 512, 204, 113, 609, 305),
        new(Cell.Lstm, 128, 200, 128, 128, 128, 89.7, 453, 261),
        new(Cell.GruBefore, 16, 100, 128, 256, 17.9, 11.4, 43.5, 38.7),
        new(Cell.GruBefore, 64, 100, 256, 256, 72.6, 47.5, 270, 161),
        new(Cell.GruAfter, 1, 100, 128, 128, 0.85, 1.95, 3.43, 5.46),
        new(Cell.GruAfter, 64, 50, 512, 512, 146, 83.1, 456, 246),
        new(Cell.Rnn, 1, 100, 128, 128, 0.23, 0.91, 1.49, 2.93),
        new(Cell.Rnn, 64, 100, 256, 256, 31.0, 21.4, 107, 67.6),
    ];

    /// <summary>--batch-major: (B, T, ·) input and output, as <c>recur bench</c>'s graphs feed them, instead of time-major.</summary>
    private static bool BatchMajor { get; set; }

    /// <summary>--batch N: run the chosen rows at batch N instead of their own (an A/B or a probe; the peer figures no longer apply).</summary>
    private static int BatchOverride { get; set; }

    /// <summary>The grid rows whose name contains <paramref name="filter"/>, at <see cref="BatchOverride"/> when set.</summary>
    private static IEnumerable<Case> Rows(string filter) =>
        Grid.Where(c => c.Name.Contains(filter, StringComparison.Ordinal)).Select(c => BatchOverride > 0 ? c with { B = BatchOverride } : c);

    /// <summary>--ab-p10: a wall-clock A/B compares each round's 10th-percentile call instead of its median (2-thread calls on this VM are bimodal).</summary>
    private static bool AbP10 { get; set; }

    /// <summary>--ab-threads N: the thread count of an A/B (default 1; the unit split's is at least 2); above 1 it is timed by wall clock.</summary>
    private static int AbThreads { get; set; } = 1;

    /// <summary>--chunk-bytes N: the input chunks' size that <c>--ab chunkx</c> turns on (default 256 KiB).</summary>
    private static int ChunkBytes { get; set; } = 256 * 1024;

    /// <summary>--var: lengths round(linspace(T, T/2, B)), longest first (recur bench's variable-length rows), instead of every row T steps.</summary>
    private static bool VariableLengths { get; set; }

    public static int Run(string[] args)
    {
        bool quick = false;
        int[] threadCounts = [1, 2];
        string filter = "";
        string mode = "both";
        double seconds = 2;
        double quietWait = 20;
        string? output = null;
        string? abKnob = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--quick": quick = true; break;
                case "--threads": threadCounts = args[++i].Split(',').Select(int.Parse).ToArray(); break;
                case "--filter": filter = args[++i]; break;
                case "--mode": mode = args[++i]; break;
                case "--seconds": seconds = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--quiet-wait": quietWait = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--out": output = args[++i]; break;
                case "--ab": abKnob = args[++i]; break;
                case "--min-rows": Kernels.Rnn.RnnSettings.MinRowsPerThread = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--var": VariableLengths = true; break;
                case "--chunk-bytes": ChunkBytes = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--batch": BatchOverride = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--batch-major": BatchMajor = true; break;
                case "--ab-threads": AbThreads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--ab-p10": AbP10 = true; break;
                case "--unit-split-rows": Kernels.Rnn.RnnSettings.UnitSplitMaxRows = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default:
                    Console.Error.WriteLine($"rnn: unknown option '{args[i]}'.");
                    return 1;
            }
        }

        if (quick)
        {
            seconds = Math.Min(seconds, 0.6);
        }

        if (abKnob is not null)
        {
            return RunAb(abKnob, filter, mode, seconds);
        }

        var table = new StringBuilder();
        table.AppendLine("| case | mode | thr | wall med ms | wall p10 ms | thread CPU med ms | GFLOP/s | %pk | best peer ms | peer / ours | busy before |");
        table.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
        Console.Write(table.ToString());
        foreach (Case c in Rows(filter))
        {
            var run = new Runner(c);
            foreach (int threads in threadCounts)
            {
                Kernels.Gemm.MaxThreads = threads;
                foreach (bool training in new[] { false, true })
                {
                    if ((training && mode == "infer") || (!training && mode == "train"))
                    {
                        continue;
                    }

                    double busy = threads > 1 ? QuickGemm.WaitForQuiet(quietWait) : double.NaN;
                    Action call = training ? run.Train : run.Infer;
                    (double wallMed, double wallP10, double cpuMed) = Measure(call, seconds, quick ? 3 : 10);
                    double used = threads == 1 ? cpuMed : wallMed;
                    double flops = c.ForwardFlops * (training ? 3 : 1);
                    double gflops = flops / used / 1e6;
                    double peak = threads == 1 ? 98.1 : 190;
                    double peer = training ? (threads == 1 ? c.PeerTrain1 : c.PeerTrain2) : (threads == 1 ? c.PeerInfer1 : c.PeerInfer2);
                    string line = string.Create(
                        CultureInfo.InvariantCulture,
                        $"| {c.Name} | {(training ? "train" : "infer")} | {threads} | {wallMed:G4} | {wallP10:G4} | {cpuMed:G4} | {gflops:F1} | {gflops / peak:P0} | {peer:G4} | {peer / used:F2} | {(double.IsNaN(busy) ? "-" : busy.ToString("P0", CultureInfo.InvariantCulture))} |");
                    Console.WriteLine(line);
                    table.AppendLine(line);
                }
            }
        }

        if (output is not null)
        {
            File.WriteAllText(output, table.ToString());
        }

        return 0;
    }

    /// <summary>
    /// A/B of an internal knob (on one thread; the unit split on two): alternating rounds of ~<paramref name="seconds"/>/10 with the knob
    /// off and on, median thread CPU time per call of each (both see the same background load).
    /// </summary>
    private static int RunAb(string knob, string filter, string mode, double seconds)
    {
        Action<bool> set = knob switch
        {
            "pack" => on => Kernels.Rnn.RnnSettings.PackWeights = on,
            "fused" => on => Kernels.Rnn.RnnSettings.FusedStep = on,
            "joint" => on => Kernels.Rnn.RnnSettings.JointGruPanels = on,
            "inplace" => on => Kernels.Rnn.RnnSettings.InPlaceBatchMajor = on,
            "unit" => on => Kernels.Rnn.RnnSettings.UnitSplitMaxRows = on ? int.MaxValue : 0,
            "tail" => on => Kernels.Blas.GemmSettings.SplitRowTail = on,
            "iny" => on => Kernels.Rnn.RnnSettings.StepsInOutput = on,
            "packa" => on => Kernels.Blas.GemmSettings.VectorPackA = on,
            "joinx" => on => Kernels.Rnn.RnnSettings.JoinGruInputKernels = on,
            "act" => on => Kernels.Rnn.RnnSettings.FusedActivations = on,
            "fusepackb" => on => Kernels.Blas.GemmSettings.FusePackB = on,
            "twoended" => on => Kernels.Blas.GemmSettings.TwoEndedColumns = Kernels.Blas.GemmSettings.TwoEndedRows = on,
            "place" => on => Kernels.Blas.ThreadPlacement.Enabled = Kernels.Blas.WorkerPool.YieldToSleepers = on,
            "serp" => on => Kernels.Rnn.RnnSettings.Serpentine = on,
            "pairpack" => on => Kernels.Rnn.RnnSettings.PairedPack = on,
            "serialsteps" => on => Kernels.Rnn.RnnSettings.StepParallelMinFlops = on ? 8_000_000 : 0,
            "wide" => on => Kernels.Rnn.RnnSettings.WideCells = on,
            "pfg" => on => Kernels.Rnn.RnnSettings.PrefetchGateRows = on,
            "tallrows" => on => Kernels.Blas.GemmSettings.TallRowsPackBOnce = on,
            "exactrows" => on => Kernels.Blas.GemmSettings.ExactPartialRows = on,
            "sumsinpack" => on => Kernels.Blas.GemmSettings.SumsInPackB = on,
            "pcopy" => on => Kernels.Rnn.RnnMath.ParallelCopyMinBytes = on ? 1024 * 1024 : 0,
            "chunkx" => on => Kernels.Rnn.RnnSettings.InputChunkBytes = on ? ChunkBytes : 0,
            "tallk" => on =>
            {
                Kernels.Blas.GemmSettings.SingleBlockMaxPackedA = on ? 512 * 1024 : long.MaxValue;
                Kernels.Blas.GemmSettings.SharedBlockMaxPackedA = on ? 4 * 1024 * 1024 : long.MaxValue;
            },
            "avx512" => on => Kernels.Blas.GemmSettings.Path = on ? Kernels.Blas.KernelPath.Auto : Kernels.Blas.KernelPath.Vector256,
            _ => throw new ArgumentException($"rnn --ab: unknown knob '{knob}' (pack, fused, joint, inplace, unit, tail, iny, packa, joinx, act, fusepackb, twoended, place, serp, pairpack, serialsteps, wide, pfg, chunkx, tallrows, exactrows, sumsinpack, pcopy, tallk, avx512)."),
        };

        // The unit split is a 2-thread schedule: it is timed on 2 threads by wall clock, the others on 1 by thread CPU time.
        bool wallClock = knob == "unit" || AbThreads > 1;
        Kernels.Gemm.MaxThreads = knob == "unit" ? Math.Max(2, AbThreads) : AbThreads;
        string clock = wallClock ? (AbP10 ? "wall p10" : "wall") : "CPU";
        Console.WriteLine($"| case | mode | {knob} off {clock} ms | {knob} on {clock} ms | on / off |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (Case c in Rows(filter))
        {
            var run = new Runner(c);
            foreach (bool training in new[] { false, true })
            {
                if ((training && mode == "infer") || (!training && mode == "train"))
                {
                    continue;
                }

                Action call = training ? run.Train : run.Infer;
                var off = new List<double>();
                var on = new List<double>();
                for (int round = 0; round < 10; round++)
                {
                    foreach (bool setting in new[] { false, true })
                    {
                        set(setting);
                        (double wall, double wallP10, double cpu) = Measure(call, seconds / 10, 3);
                        (setting ? on : off).Add(wallClock ? (AbP10 ? wallP10 : wall) : cpu);
                    }
                }

                off.Sort();
                on.Sort();
                double a = off[off.Count / 2], b = on[on.Count / 2];
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {c.Name} | {(training ? "train" : "infer")} | {a:G4} | {b:G4} | {b / a:F3} |"));
            }
        }

        set(true);
        return 0;
    }

    /// <summary>Warms up, then times single calls for about <paramref name="seconds"/> (at least <paramref name="minCalls"/>): wall median, wall p10, thread-CPU median (ms).</summary>
    private static (double WallMed, double WallP10, double CpuMed) Measure(Action call, double seconds, int minCalls)
    {
        var warm = Stopwatch.StartNew();
        int warmCalls = 0;
        while (warmCalls < 2 || (warm.Elapsed.TotalSeconds < 0.3 && warmCalls < 50))
        {
            call();
            warmCalls++;
        }

        var wall = new List<double>();
        var cpu = new List<double>();
        var total = Stopwatch.StartNew();
        while ((wall.Count < minCalls || total.Elapsed.TotalSeconds < seconds) && wall.Count < 2000)
        {
            double c0 = AbProbe.ThreadCpuSeconds();
            long t0 = Stopwatch.GetTimestamp();
            call();
            wall.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            cpu.Add((AbProbe.ThreadCpuSeconds() - c0) * 1e3);
        }

        wall.Sort();
        cpu.Sort();
        return (wall[wall.Count / 2], wall[wall.Count / 10], cpu[cpu.Count / 2]);
    }

    /// <summary>The buffers of one case and the two calls on them.</summary>
    private sealed class Runner
    {
        private readonly Case _c;
        private readonly int[] _lengths;
        private readonly float[] _x, _y, _dy, _dx, _hF, _cF, _wsInfer, _wsTrain;
        private readonly float[] _k1, _b1, _k2, _b2, _b3, _dk1, _db1, _dk2, _dk3, _db2, _db3;

        public Runner(Case c)
        {
            _c = c;
            int t = c.T, b = c.B, i = c.I, h = c.H;
            var rng = new Random(5);
            float[] R(int n, double scale) => Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() - 0.5) * 2 * scale)).ToArray();
            _x = R(t * b * i, 1);
            _y = new float[t * b * h];
            _dy = Enumerable.Repeat(1f, t * b * h).ToArray();
            _dx = new float[t * b * i];
            _hF = new float[b * h];
            _cF = new float[b * h];
            _lengths = VariableLengths ? Enumerable.Range(0, b).Select(k => (int)Math.Round(t - (b > 1 ? (double)k * (t - (t / 2)) / (b - 1) : 0))).ToArray() : [];
            double ws = 1 / Math.Sqrt(i + h);
            switch (c.Cell)
            {
                case Cell.Lstm:
                    _k1 = R((i + h) * 4 * h, ws);
                    _b1 = R(4 * h, 0.1);
                    _k2 = _b2 = _b3 = [];
                    _dk1 = new float[_k1.Length];
                    _db1 = new float[_b1.Length];
                    _dk2 = _dk3 = _db2 = _db3 = [];
                    _wsInfer = new float[LstmKernel.WorkspaceSize(Lstm, false)];
                    _wsTrain = new float[LstmKernel.WorkspaceSize(Lstm, true)];
                    break;
                case Cell.GruBefore:
                case Cell.GruAfter:
                    _k1 = R((i + h) * 2 * h, ws);
                    _b1 = R(2 * h, 0.1);
                    _k2 = R((i + h) * h, ws);
                    _b2 = R(h, 0.1);
                    _b3 = c.Cell == Cell.GruAfter ? R(h, 0.1) : [];
                    _dk1 = new float[_k1.Length];
                    _db1 = new float[_b1.Length];
                    _dk2 = new float[i * h];
                    _dk3 = new float[h * h];
                    _db2 = new float[h];
                    _db3 = new float[_b3.Length];
                    _wsInfer = new float[GruKernel.WorkspaceSize(Gru, false)];
                    _wsTrain = new float[GruKernel.WorkspaceSize(Gru, true)];
                    break;
                default:
                    _k1 = R((i + h) * h, ws);
                    _b1 = R(h, 0.1);
                    _k2 = _b2 = _b3 = [];
                    _dk1 = new float[_k1.Length];
                    _db1 = new float[_b1.Length];
                    _dk2 = _dk3 = _db2 = _db3 = [];
                    _wsInfer = new float[SimpleRnnKernel.WorkspaceSize(Simple, false)];
                    _wsTrain = new float[SimpleRnnKernel.WorkspaceSize(Simple, true)];
                    break;
            }
        }

        private LstmConfig Lstm => new(_c.T, _c.B, _c.I, _c.H) { BatchMajor = BatchMajor };

        private GruConfig Gru => new(_c.T, _c.B, _c.I, _c.H) { ResetAfter = _c.Cell == Cell.GruAfter, BatchMajor = BatchMajor };

        private SimpleRnnConfig Simple => new(_c.T, _c.B, _c.I, _c.H) { BatchMajor = BatchMajor };

        public void Infer() => Forward(_wsInfer, false);

        public void Train()
        {
            Forward(_wsTrain, true);
            switch (_c.Cell)
            {
                case Cell.Lstm:
                    LstmKernel.Backward(
                        Lstm, new LstmWeights<float> { Kernel = _k1, Bias = _b1 }, _x, _lengths, _dy, default, default, _wsTrain, _dx, default, default,
                        new LstmGradients<float> { Kernel = _dk1, Bias = _db1 });
                    break;
                case Cell.GruBefore:
                case Cell.GruAfter:
                    GruKernel.Backward(
                        Gru, GruW(), _x, _lengths, _dy, default, _wsTrain, _dx, default,
                        new GruGradients<float> { GateKernel = _dk1, GateBias = _db1, CandidateInputKernel = _dk2, CandidateHiddenKernel = _dk3, CandidateBias = _db2, CandidateHiddenBias = _db3 });
                    break;
                default:
                    SimpleRnnKernel.Backward(Simple, _k1, _x, _lengths, _dy, default, _wsTrain, _dx, default, _dk1, _db1);
                    break;
            }
        }

        private GruWeights<float> GruW()
        {
            int ih = _c.I * _c.H;
            return new GruWeights<float>
            {
                GateKernel = _k1, GateBias = _b1, CandidateInputKernel = _k2.AsSpan(0, ih), CandidateHiddenKernel = _k2.AsSpan(ih),
                CandidateBias = _b2, CandidateHiddenBias = _b3,
            };
        }

        private void Forward(float[] ws, bool training)
        {
            switch (_c.Cell)
            {
                case Cell.Lstm:
                    LstmKernel.Forward(Lstm, new LstmWeights<float> { Kernel = _k1, Bias = _b1 }, _x, _lengths, default, default, _y, _cF, _hF, ws, training);
                    break;
                case Cell.GruBefore:
                case Cell.GruAfter:
                    GruKernel.Forward(Gru, GruW(), _x, _lengths, default, _y, _hF, ws, training);
                    break;
                default:
                    SimpleRnnKernel.Forward(Simple, _k1, _b1, _x, _lengths, default, _y, _hF, ws, training);
                    break;
            }
        }
    }
}
