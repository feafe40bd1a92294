using System.Runtime.InteropServices;

namespace Recur.Kernels.Blas;

/// <summary>
/// Moves the calling thread off a CPU, on Linux, by narrowing its affinity to the other allowed CPUs for a moment
/// (the kernel migrates a thread at once when its CPU leaves its mask) and then restoring the mask it had. The pool's
/// worker uses it when it finds itself woken onto the CPU its caller is running on: seen on this 2-vCPU KVM guest
/// after idle gaps, where the scheduler left the worker queued behind the busy caller for milliseconds while the other
/// CPU sat idle (ADR 0002, "Waking on the caller's CPU"). Elsewhere, or when the calls fail, it does nothing.
/// </summary>
internal static unsafe partial class ThreadPlacement
{
    /// <summary>64-bit words of the affinity mask (1024 CPUs, glibc's cpu_set_t).</summary>
    private const int MaskWords = 16;

    private static bool s_disabled = !OperatingSystem.IsLinux();

    /// <summary>Turned off by tests and benchmarks (A/B); on by default on Linux.</summary>
    public static bool Enabled { get; set; } = true;

    /// <summary>Migrations done (diagnostics for the benchmarks' probes).</summary>
    public static int Moves;

    /// <summary>
    /// Moves the calling thread to an allowed CPU other than <paramref name="cpu"/>; false when it could not (not Linux,
    /// no other CPU allowed, or the system call failed, after which it is not tried again).
    /// </summary>
    public static bool MoveOff(int cpu)
    {
        if (s_disabled || !Enabled || cpu < 0 || cpu >= MaskWords * 64)
        {
            return false;
        }

        ulong* mask = stackalloc ulong[MaskWords];
        ulong* others = stackalloc ulong[MaskWords];
        try
        {
            if (SchedGetAffinity(0, MaskWords * sizeof(ulong), mask) != 0)
            {
                s_disabled = true;
                return false;
            }

            bool any = false;
            for (int w = 0; w < MaskWords; w++)
            {
                others[w] = mask[w] & (w == cpu / 64 ? ~(1UL << (cpu % 64)) : ulong.MaxValue);
                any |= others[w] != 0;
            }

            if (!any || SchedSetAffinity(0, MaskWords * sizeof(ulong), others) != 0)
            {
                return false;
            }

            // The thread now runs on another CPU; give it back its full mask (it stays where it is).
            SchedSetAffinity(0, MaskWords * sizeof(ulong), mask);
            Interlocked.Increment(ref Moves);
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            s_disabled = true;
            return false;
        }
    }

    /// <summary>The calling thread's affinity mask (<see cref="MaskWords"/> words) into <paramref name="mask"/>; false where it cannot be read.</summary>
    internal static bool TryGetAffinity(Span<ulong> mask)
    {
        if (s_disabled || mask.Length < MaskWords)
        {
            return false;
        }

        try
        {
            fixed (ulong* m = mask)
            {
                return SchedGetAffinity(0, MaskWords * sizeof(ulong), m) == 0;
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Whether this process may set a thread's affinity at all (setting the calling thread's mask to itself succeeds).</summary>
    internal static bool CanSetAffinity()
    {
        ulong* mask = stackalloc ulong[MaskWords];
        try
        {
            return !s_disabled && SchedGetAffinity(0, MaskWords * sizeof(ulong), mask) == 0 && SchedSetAffinity(0, MaskWords * sizeof(ulong), mask) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>
    /// The CPU the calling thread runs on now (sched_getcpu, a vDSO call), or -1 where it cannot be read. Exact, unlike
    /// <see cref="Thread.GetCurrentProcessorId"/>, which may return a cached value for many calls: a stale id could make
    /// the worker "move off" the CPU it shares with nobody onto the caller's.
    /// </summary>
    internal static int CurrentCpu()
    {
        if (s_disabled || !Enabled)
        {
            return -1;
        }

        try
        {
            return SchedGetCpu();
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return -1;
        }
    }

    /// <summary>Words of the mask <see cref="TryGetAffinity"/> fills.</summary>
    internal static int AffinityWords => MaskWords;

    [LibraryImport("libc", EntryPoint = "sched_getcpu")]
    [SuppressGCTransition]
    private static partial int SchedGetCpu();

    [LibraryImport("libc", EntryPoint = "sched_getaffinity")]
    private static partial int SchedGetAffinity(int pid, nint size, ulong* mask);

    [LibraryImport("libc", EntryPoint = "sched_setaffinity")]
    private static partial int SchedSetAffinity(int pid, nint size, ulong* mask);
}
