using BenchmarkDotNet.Running;
using Recur.Benchmarks.Gemm;
using Recur.Benchmarks.Rnn;

namespace Recur.Benchmarks;

/// <summary>
/// Benchmark dispatcher: <c>dotnet run -c Release --project benchmarks/Recur.Benchmarks -- &lt;suite&gt; [options]</c>.
/// Add a suite by adding an entry to <see cref="Suites"/>.
/// </summary>
internal static class Program
{
    private static readonly (string Name, string Help, Func<string[], int> Run)[] Suites =
    [
        ("gemm-kernel", "Diagnostic: the AVX2 register-tile kernel alone on cache-resident panels.", _ => KernelProbe.Run()),
        ("gemm-ab", "Diagnostic: A/B of an internal GEMM setting on one thread. [shape filter]", AbProbe.Run),
        ("gemm-threads", "Diagnostic: wall GFLOP/s and CPU/wall of one shape at 1 and 2 threads. [shape]", ThreadProbe.Run),
        ("gemm-start", "Diagnostic: start delay of the pool's second thread (histogram), synthetic and GEMM. [--calls N] [--quiet-wait S]", StartDelayProbe.Run),
        ("gemm-gap", "Diagnostic: 2-thread SGEMM call times by position after an idle gap, Recur vs OpenBLAS, and Recur's worker start delay. [shape] [--gap-ms G] [--calls N] [--rounds R] [--recur-only] [--verbose] [--no-move]", GapProbe.Run),
        ("gemm-cpu", "Single-thread SGEMM vs OpenBLAS timed by thread CPU time (robust to other load). [shape filter]", CpuTimeGemm.Run),
        ("rnn-parts", "Diagnostic: one forward's time by part (input GEMM, recurrent GEMMs, cell passes), interleaved rounds. [B T I H [gru|gru-ra|rnn|lstm-train [threads]]]", PartsProbe.Run),
        ("rnn-stack", "Diagnostic: a stacked LSTM, GRU or RNN (time-major inference) layer by layer vs the layer wavefront in C chunks, without and with the pack cache. [B T I H L [chunks,...] [--threads N] [--cell lstm|gru|rnn]]", StackProbe.Run),
        ("rnn-train-stack", "Diagnostic: a stacked LSTM's training step, layer by layer vs the forward and backward layer wavefront on time windows (weight gradients once at the end). [B T I H L [chunks,...] [--threads N]]", TrainStackProbe.Run),
        ("rnn-chunks", "Diagnostic: one LSTM layer's packs, inference, training forward and backward, whole sequence vs C time chunks (a wavefront's per-layer cost), 1 thread. [B T I H C]", ChunkProbe.Run),
        ("rnn-fused-tile", "Diagnostic: one batched LSTM inference step, the GEMM then the cell passes vs a fused 4-row x 4-gate tile with the cell in registers (AVX-512). [B H]", FusedTileProbe.Run),
        ("rnn-graph-ab", "Diagnostic: a DynamicRnn graph through Session.Run, large fetched outputs on the ordinary heap vs the pinned object heap, alternating rounds, 1 thread. [cell B T I H] [--train [--weights-only]] [--seconds S]", GraphProbe.Run),
        ("rnn-cell", "Diagnostic: the fused LSTM cell pass and tanh forms on one cached row, ns per unit. [units]", CellProbe.Run),
        ("rnn", "Fused LSTM/GRU/RNN kernels on issue 5's grid vs the best peer. [--quick] [--threads 1,2] [--filter lstm-64] [--mode infer|train|both] [--seconds S] [--quiet-wait S] [--ab KNOB [--ab-threads N] [--ab-p10]] [--var] [--batch-major] [--batch N] [--min-rows N] [--unit-split-rows N] [--out file.md]", RnnBench.Run),
        ("gemm", "SGEMM vs OpenBLAS (BenchmarkDotNet; [--shapes sq1024,rnn-m64-h256] picks shapes, BDN options pass through). --quick [--seconds S] [--threads 1,2] [--filter sq] [--out file.md]: Stopwatch median table.", RunGemm),
    ];

    private static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            Console.WriteLine("usage: Recur.Benchmarks <suite> [options]");
            foreach (var (name, help, _) in Suites)
            {
                Console.WriteLine($"  {name,-8} {help}");
            }

            return args.Length == 0 ? 1 : 0;
        }

        foreach (var (name, _, run) in Suites)
        {
            if (name == args[0])
            {
                return run(args[1..]);
            }
        }

        Console.Error.WriteLine($"unknown suite '{args[0]}'; run with --help for the list.");
        return 1;
    }

    private static int RunGemm(string[] args)
    {
        if (args.Contains("--quick"))
        {
            return QuickGemm.Run(args.Where(a => a != "--quick").ToArray());
        }

        int shapes = Array.IndexOf(args, "--shapes");
        if (shapes >= 0 && shapes + 1 < args.Length)
        {
            Environment.SetEnvironmentVariable(GemmBenchmarks.ShapesVariable, args[shapes + 1]);
            args = [.. args[..shapes], .. args[(shapes + 2)..]];
        }

        BenchmarkSwitcher.FromTypes([typeof(GemmBenchmarks)]).Run(args.Length == 0 ? ["--filter", "*"] : args);
        return 0;
    }
}
