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
/// caller runs part 0 itself and wakes <c>parts - 1</c> workers through spinning events, which
/// keeps the per-call overhead in the microseconds that a per-time-step GEMM can afford. One
/// dispatch runs at a time; a concurrent caller gets <c>false</c> from <see cref="TryAcquire"/> and
/// runs serially, which is the right thing when the callers already keep the cores busy.
/// </summary>
internal static class WorkerPool
{
    private const int SpinCount = 2047;

    private static readonly Lock s_gate = new();
    private static Worker[] s_workers = [];
    private static IParallelJob? s_job;
    private static int s_pending;
    private static readonly ManualResetEventSlim s_done = new(false, SpinCount);

    /// <summary>
    /// Takes the pool for one dispatch; false when another dispatch holds it (the caller then runs
    /// serially). A successful call must be paired with <see cref="Release"/>.
    /// </summary>
    public static bool TryAcquire() => s_gate.TryEnter();

    /// <summary>Gives the pool back after <see cref="TryAcquire"/>.</summary>
    public static void Release() => s_gate.Exit();

    /// <summary>
    /// Runs <paramref name="job"/> for indexes 0 .. parts-1 in parallel (part 0 on the calling
    /// thread) and returns when all parts are done. The caller must hold the pool.
    /// </summary>
    public static void Run(IParallelJob job, int parts)
    {
        Debug.Assert(parts >= 2, "a parallel dispatch needs at least two parts");
        Debug.Assert(s_gate.IsHeldByCurrentThread, "the pool must be acquired");
        EnsureWorkers(parts - 1);
        s_job = job;
        s_done.Reset();
        Volatile.Write(ref s_pending, parts - 1);
        for (int i = 0; i < parts - 1; i++)
        {
            s_workers[i].Start.Set();
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

        s_done.Wait();
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
        public readonly ManualResetEventSlim Start = new(false, SpinCount);
        public Exception? Error;
        private readonly int _index;

        public Worker(int index)
        {
            _index = index;
            var thread = new Thread(Loop) { IsBackground = true, Name = $"Recur.Kernels worker {index}" };
            thread.Start();
        }

        private void Loop()
        {
            while (true)
            {
                Start.Wait();
                Start.Reset();
                try
                {
                    s_job!.Execute(_index);
                }
                catch (Exception e)
                {
                    Error = e;
                }

                if (Interlocked.Decrement(ref s_pending) == 0)
                {
                    s_done.Set();
                }
            }
        }
    }
}
