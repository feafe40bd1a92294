using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Recur.Cli.Commands;

/// <summary>
/// <c>recur version</c>: the tool and library versions, the .NET runtime, and the SIMD instruction sets the
/// kernels can use on this machine (what decides which GEMM micro-kernel runs).
/// </summary>
internal sealed class VersionCommand : ICommand
{
    public string Name => "version";

    public string Summary => "Print the Recur version, the .NET runtime and the SIMD support (AVX2, FMA) of this machine.";

    public IReadOnlyList<CommandOption> Options { get; } = [];

    public int Run(ParsedArguments args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Positionals.Count > 0)
            throw new UsageException($"recur version: takes no arguments, but got '{args.Positionals[0]}'.");
        stdout.WriteLine($"recur          {ToolVersion(typeof(VersionCommand).Assembly)}");
        stdout.WriteLine($"Recur          {ToolVersion(typeof(Graph).Assembly)}");
        stdout.WriteLine($"Recur.Kernels  {ToolVersion(typeof(Recur.Kernels.Gemm).Assembly)}");
        stdout.WriteLine($"runtime        {RuntimeInformation.FrameworkDescription} ({RuntimeInformation.RuntimeIdentifier})");
        stdout.WriteLine($"os             {RuntimeInformation.OSDescription} {RuntimeInformation.OSArchitecture}");
        stdout.WriteLine($"cores          {Environment.ProcessorCount} (GEMM uses up to {Recur.Kernels.Gemm.MaxThreads} threads)");
        stdout.WriteLine($"AVX2           {YesNo(Avx2.IsSupported)}");
        stdout.WriteLine($"FMA            {YesNo(Fma.IsSupported)}");
        stdout.WriteLine($"AVX-512F       {YesNo(Avx512F.IsSupported)}");
        stdout.WriteLine($"Arm AdvSIMD    {YesNo(AdvSimd.IsSupported)}");
        stdout.WriteLine($"Vector128/256  {YesNo(Vector128.IsHardwareAccelerated)}/{YesNo(Vector256.IsHardwareAccelerated)} hardware-accelerated");
        stdout.WriteLine($"GEMM kernel    {GemmKernelDescription()}");
        return ExitCodes.Success;
    }

    /// <summary>The assembly's informational version (<c>0.1.0+commit</c>), falling back to its assembly version.</summary>
    internal static string ToolVersion(Assembly assembly)
    {
        var info = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        return info ?? assembly.GetName().Version?.ToString() ?? "unknown";
    }

    /// <summary>The informational version with the commit hash shortened to 7 characters (<c>0.1.0+64cdbc7</c>).</summary>
    internal static string ShortVersion(Assembly assembly)
    {
        string v = ToolVersion(assembly);
        int plus = v.IndexOf('+', StringComparison.Ordinal);
        return plus >= 0 && v.Length > plus + 8 ? v[..(plus + 8)] : v;
    }

    /// <summary>The micro-kernel the GEMM driver selects on this machine (the same test the driver makes).</summary>
    internal static string GemmKernelDescription()
    {
        if (Vector256.IsHardwareAccelerated && Avx2.IsSupported && Fma.IsSupported) return "Vector256 + FMA (AVX2)";
        if (Vector128.IsHardwareAccelerated) return AdvSimd.IsSupported ? "Vector128 (Arm AdvSIMD)" : "Vector128 (SSE; AVX2 or FMA unavailable or disabled)";
        return "scalar (no SIMD acceleration)";
    }

    private static string YesNo(bool value) => value ? "yes" : "no";
}
