using System.Diagnostics;

namespace Recur.Kernels.Blas;

/// <summary>A unit of parallel work: the pool calls <see cref="Execute"/> once per index.</summary>
internal interface IParallelJob
{
    /// <summary>Runs part <paramref name="index"/> of the job.</summary>
    void Execute(int index);
}

/// <summary>
/// A small persistent pool of worker threads for the kernels. Dispatch allocates nothing: the
/// caller runs part 0 itself and wakes <c>parts - 1</c> workers by bumping a per-worker ticket
/// that an idle worker spins on for about <see cref="SpinMilliseconds"/> before it blocks (the first
/// <see cref="HotSpinMicroseconds"/> without ever yielding, see <see cref="HotSpinner"/>), so
/// back-to-back calls (a GEMM per time step) find it awake, as OpenBLAS's spinning threads are. One dispatch runs at a time; a concurrent caller gets <c>false</c> from
/// <see cref="TryAcquire"/> and runs serially, which is the right thing when the callers already
/// keep the cores busy.
/// </summary>
internal static class WorkerPool
{
    /// <summary>How long an idle worker (or the waiting caller) spins before it blocks.</summary>
    public const double SpinMilliseconds = 2.0;

    /// <summary>
    /// For how long of that (microseconds) a spinning thread never yields its core (it only pauses
    /// between checks), so that a dispatch that follows within this time starts within a fraction of a
    /// microsecond. Past it, the spinner yields every 64 checks. Benchmarks turn this for A/B runs.
    /// </summary>
    public static double HotSpinMicroseconds
    {
        get => s_hotMicros;
        set
        {
            s_hotMicros = value;
            HotTicks = (long)(Stopwatch.Frequency * value / 1e6);
        }
    }

    /// <summary><see cref="HotSpinMicroseconds"/> in <see cref="Stopwatch"/> ticks.</summary>
    internal static long HotTicks { get; private set; } = (long)(Stopwatch.Frequency * 100.0 / 1e6);

    private static double s_hotMicros = 100.0;
    private static readonly long s_spinTicks = (long)(Stopwatch.Frequency * SpinMilliseconds / 1000.0);
    private static readonly Lock s_gate = new();
    private static Worker[] s_workers = [];
    private static IParallelJob? s_job;
    private static int s_pending;
    private static int s_callerSleeping;
    private static readonly ManualResetEventSlim s_done = CreateDoneEvent();
    private static long s_published;
    private static int s_callerCpu = -1;

    /// <summary>
    /// The caller yields its CPU once after signaling a blocked worker, and once more at the end if it called off a worker
    /// that has still not run (A/B knob; see the comments in <see cref="Run"/>).
    /// </summary>
    public static bool YieldToSleepers { get; set; } = true;

    /// <summary>
    /// Diagnostics (the benchmarks' start-delay probe): for the last dispatch, how long after the caller
    /// published it worker <paramref name="worker"/> (1-based part index) began its part, in
    /// <see cref="Stopwatch"/> ticks; negative when the worker never began it (called off).
    /// </summary>
    public static long LastStartDelay(int worker)
    {
        long started = Volatile.Read(ref s_workers[worker - 1].Started);
        return started == 0 ? -1 : started - s_published;
    }

    /// <summary>Diagnostics (the benchmarks' gap probe): the <see cref="Stopwatch"/> timestamp at which worker <paramref name="worker"/> last returned from a blocking wait.</summary>
    public static long LastUnblocked(int worker) => Volatile.Read(ref s_workers[worker - 1].Unblocked);

    /// <summary>Diagnostics: the CPU worker <paramref name="worker"/> found itself on when it last took a ticket (before any move).</summary>
    public static int LastWakeCpu(int worker) => Volatile.Read(ref s_workers[worker - 1].WokeCpu);

    /// <summary>
    /// Takes the pool for one dispatch; false when another dispatch holds it (the caller then runs
    /// serially). A successful call must be paired with <see cref="Release"/>.
    /// </summary>
    public static bool TryAcquire() => s_gate.TryEnter();

    /// <summary>Gives the pool back after <see cref="TryAcquire"/>.</summary>
    public static void Release() => s_gate.Exit();

    /// <summary>
    /// Runs <paramref name="job"/> for indexes 0 .. parts-1 in parallel (part 0 on the calling
    /// thread) and returns when all parts are done. The caller must hold the pool. Without
    /// <paramref name="optionalWorkers"/> every part is started, so parts may wait for each other. With
    /// <paramref name="optionalWorkers"/> (for jobs whose parts take work from a shared counter, so
    /// that part 0 alone finishes the job), the parts that have not started by the time part 0
    /// returns are called off instead of waited for: a worker that was asleep or preempted then
    /// costs the caller nothing.
    /// </summary>
    public static void Run(IParallelJob job, int parts, bool optionalWorkers = false)
    {
        Debug.Assert(parts >= 2, "a parallel dispatch needs at least two parts");
        Debug.Assert(s_gate.IsHeldByCurrentThread, "the pool must be acquired");
        EnsureWorkers(parts - 1);
        s_job = job;
        Volatile.Write(ref s_pending, parts - 1);
        for (int i = 0; i < parts - 1; i++)
        {
            s_workers[i].Started = 0;
        }

        s_published = Stopwatch.GetTimestamp();
        Volatile.Write(ref s_callerCpu, ThreadPlacement.CurrentCpu());
        bool signaled = false;
        for (int i = 0; i < parts - 1; i++)
        {
            signaled |= s_workers[i].Wake();
        }

        if (signaled && YieldToSleepers)
        {
            // A worker was blocked: the OS may queue it on this CPU behind the caller (seen for milliseconds on a 2-vCPU
            // guest with the other CPU idle). Yielding once lets it run now and move itself (ThreadPlacement); when it
            // was woken elsewhere this returns at once.
            Thread.Yield();
        }

        Exception? error = null;
        try
        {
            job.Execute(0);
        }
        catch (Exception e)
        {
            error = e;
        }

        if (optionalWorkers)
        {
            bool yieldToWorker = false;
            for (int i = 0; i < parts - 1; i++)
            {
                if (s_workers[i].CallOff())
                {
                    Interlocked.Decrement(ref s_pending);
                    yieldToWorker |= s_workers[i].Asleep;
                }
            }

            if (yieldToWorker && YieldToSleepers)
            {
                // A worker was signaled but has not run yet: if the OS queued it on this CPU, let it run now, so that it
                // moves itself to another CPU (ThreadPlacement) instead of waiting behind the caller for milliseconds.
                Thread.Yield();
            }
        }

        WaitForWorkers();
        s_job = null;
        for (int i = 0; i < parts - 1; i++)
        {
            error ??= s_workers[i].Error;
            s_workers[i].Error = null;
        }

        if (error is not null)
        {
            throw new AggregateException(error);
        }
    }

    /// <summary>Spins (yielding) until the workers are done, blocking only after the spin budget.</summary>
    private static void WaitForWorkers()
    {
        if (SpinUntil(ref s_pending, 0, differ: false))
        {
            return;
        }

        while (true)
        {
            s_done.Reset();
            Interlocked.Exchange(ref s_callerSleeping, 1);
            if (Volatile.Read(ref s_pending) == 0)
            {
                Volatile.Write(ref s_callerSleeping, 0);
                return;
            }

            s_done.Wait();
            Volatile.Write(ref s_callerSleeping, 0);
            if (Volatile.Read(ref s_pending) == 0)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Spins until <paramref name="location"/> equals <paramref name="value"/> (or, with
    /// <paramref name="differ"/>, until it differs from it) for at most the spin budget; true when
    /// the condition was met.
    /// </summary>
    private static bool SpinUntil(ref int location, int value, bool differ)
    {
        var spinner = new HotSpinner(s_spinTicks);
        while (true)
        {
            int v = Volatile.Read(ref location);
            if ((v == value) != differ)
            {
                return true;
            }

            if (!spinner.SpinOnce())
            {
                return false;
            }
        }
    }

    /// <summary>
    /// The caller's "workers done" event, with its internal lock object already made: ManualResetEventSlim creates
    /// it lazily on the first wait that blocks, which would otherwise put a 24-byte allocation into whichever
    /// steady-state call first has to sleep (seen as a flaky zero-allocation test on a busy machine).
    /// </summary>
    private static ManualResetEventSlim CreateDoneEvent()
    {
        var e = new ManualResetEventSlim(false, 1);
        e.Wait(1);
        return e;
    }

    private static void EnsureWorkers(int count)
    {
        if (s_workers.Length >= count)
        {
            return;
        }

        var workers = new Worker[count];
        Array.Copy(s_workers, workers, s_workers.Length);
        for (int i = s_workers.Length; i < count; i++)
        {
            workers[i] = new Worker(i + 1);
        }

        s_workers = workers;
    }

    private sealed class Worker
    {
        public Exception? Error;
        public long Started;
        public long Unblocked;
        public int WokeCpu;
        private readonly ManualResetEventSlim _wake = new(false, 1);
        private readonly int _index;
        private const int Assigned = 1;
        private const int Running = 2;
        private const int CalledOff = 3;

        private int _ticket;
        private int _seen;
        private int _state;
        private int _sleeping;

        public Worker(int index)
        {
            _index = index;
            var thread = new Thread(Loop) { IsBackground = true, Name = $"Recur.Kernels worker {index}" };
            thread.Start();
        }

        /// <summary>Hands the worker the current job: bumps its ticket, and signals it if it has blocked (then true).</summary>
        public bool Wake()
        {
            Volatile.Write(ref _state, Assigned);
            Interlocked.Increment(ref _ticket);
            if (Volatile.Read(ref _sleeping) != 0)
            {
                _wake.Set();
                return true;
            }

            return false;
        }

        /// <summary>The worker is blocked, or has been signaled and has not run since.</summary>
        public bool Asleep => Volatile.Read(ref _sleeping) != 0;

        /// <summary>Takes back a part that the worker has not started; true when it was taken back.</summary>
        public bool CallOff() => Interlocked.CompareExchange(ref _state, CalledOff, Assigned) == Assigned;

        private void WaitForTicket()
        {
            if (SpinUntil(ref _ticket, _seen, differ: true))
            {
                return;
            }

            while (true)
            {
                _wake.Reset();
                Interlocked.Exchange(ref _sleeping, 1);
                if (Volatile.Read(ref _ticket) != _seen)
                {
                    Volatile.Write(ref _sleeping, 0);
                    return;
                }

                _wake.Wait();
                Unblocked = Stopwatch.GetTimestamp();
                Volatile.Write(ref _sleeping, 0);
                if (Volatile.Read(ref _ticket) != _seen)
                {
                    return;
                }
            }
        }

        private void Loop()
        {
            while (true)
            {
                WaitForTicket();
                WokeCpu = ThreadPlacement.CurrentCpu();
                if (WokeCpu == Volatile.Read(ref s_callerCpu) && WokeCpu >= 0)
                {
                    // On the CPU of the caller, which is running its part: the two would take turns on one core while
                    // another may be idle. Move off it (ThreadPlacement; a few µs, seen in about 1 of 1000 dispatches
                    // back to back, and after most idle gaps on the 2-vCPU CI guest).
                    ThreadPlacement.MoveOff(WokeCpu);
                }

                _seen = Volatile.Read(ref _ticket);
                if (Interlocked.CompareExchange(ref _state, Running, Assigned) != Assigned)
                {
                    // Called off (the caller finished without this part), or a stale ticket.
                    continue;
                }

                Volatile.Write(ref Started, Stopwatch.GetTimestamp());
                try
                {
                    s_job!.Execute(_index);
                }
                catch (Exception e)
                {
                    Error = e;
                }

                if (Interlocked.Decrement(ref s_pending) == 0 && Volatile.Read(ref s_callerSleeping) != 0)
                {
                    s_done.Set();
                }
            }
        }
    }
}

/// <summary>
/// A spin-wait for the pool's short waits, in two phases: for the first
/// <see cref="WorkerPool.HotSpinMicroseconds"/> it checks every pause (tens of nanoseconds) and never
/// yields, so that work published meanwhile is seen at once; after that it yields the core every 64
/// checks, so a waiting thread on an oversubscribed machine gives way to runnable ones; past the budget
/// given to the constructor it reports that the caller should block. (<see cref="SpinWait"/> backs off
/// exponentially to spins of tens of microseconds between checks, which made the pool's second thread
/// start its part ~25 µs late in most dispatches; measured by the benchmarks' <c>gemm-start</c> probe.)
/// </summary>
internal struct HotSpinner
{
    private readonly long _start;
    private readonly long _budget;
    private int _count;

    /// <summary>A spinner that gives up after <paramref name="budgetTicks"/> Stopwatch ticks (long.MaxValue: never).</summary>
    public HotSpinner(long budgetTicks)
    {
        _start = Stopwatch.GetTimestamp();
        _budget = budgetTicks;
        _count = 0;
    }

    /// <summary>Waits a little; false when the budget is spent (the caller should block instead).</summary>
    public bool SpinOnce()
    {
        _count++;
        if ((_count & 63) == 0)
        {
            long elapsed = Stopwatch.GetTimestamp() - _start;
            if (elapsed > _budget)
            {
                return false;
            }

            if (elapsed >= WorkerPool.HotTicks)
            {
                Thread.Yield();
                return true;
            }
        }

        Pause();
        return true;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void Pause()
    {
        if (System.Runtime.Intrinsics.X86.X86Base.IsSupported)
        {
            System.Runtime.Intrinsics.X86.X86Base.Pause();
        }
        else if (System.Runtime.Intrinsics.Arm.ArmBase.IsSupported)
        {
            System.Runtime.Intrinsics.Arm.ArmBase.Yield();
        }
        else
        {
            Thread.SpinWait(1);
        }
    }
}
