using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Recur.Kernels.Blas;

namespace Recur.Kernels.Rnn;

/// <summary>One task of a layer wavefront: layer <c>layer</c>'s steps of time chunk <c>chunk</c>.</summary>
public interface IWavefrontTasks
{
    /// <summary>
    /// Runs layer <paramref name="layer"/> over time chunk <paramref name="chunk"/>. Called once per (layer, chunk), after
    /// (layer − 1, chunk) and (layer, chunk − 1) have returned; tasks of different layers may run at the same time on
    /// different threads, each with <see cref="Gemm.MaxThreads"/> reading 1 on its thread.
    /// </summary>
    /// <param name="layer">The layer, 0 = the one reading the sequence's input.</param>
    /// <param name="chunk">The time chunk, in time order.</param>
    void Run(int layer, int chunk);
}

/// <summary>
/// The layer wavefront of a stacked RNN (TF's <c>parallel_iterations</c> across the layers of a <c>MultiRNNCell</c>;
/// cuDNN's and oneDNN's multi-layer schedule): the sequence is cut into time chunks, and layer l runs chunk c as soon
/// as layer l − 1 has produced chunk c, so the layers run side by side, one per thread, each with its own weights in
/// its own core's cache.
/// </summary>
/// <remarks>
/// Thread p runs the layers l ≡ p (mod threads), its tasks in diagonal order (l + c, then l), waiting (spinning, then
/// yielding) for the tasks they depend on. Every task's arithmetic is the single-threaded arithmetic, so the result
/// does not depend on the thread count. With one thread, or while another caller holds the kernel thread pool, every
/// task runs on the calling thread in the same order. A task that throws stops the wavefront: the other threads stop
/// waiting, and the exception reaches the caller.
/// </remarks>
public static class RnnWavefront
{
    private const int MaxLayers = 4096;
    private static readonly Job s_job = new();

    /// <summary>
    /// Steps per time chunk the wavefront aims at: the pipeline's fill and drain cost one chunk per layer, and every
    /// chunk is one kernel call per layer (sort, pack, input-projection GEMM). At B = 1, H = 128, two LSTM layers on
    /// two threads, T = 100 took 0.80–0.83× the layer-by-layer time in 4 chunks, 0.85–0.89× in 8, 1.18× in 16; T = 400
    /// took 0.70–0.71× in 8 or 16 (ADR 0010, ninth part).
    /// </summary>
    public const int ChunkSteps = 25;

    /// <summary>
    /// Steps per time chunk when every layer keeps its packed weights across chunks (<see cref="RnnPackCache"/>): a
    /// chunk then costs little more than its steps, and shorter chunks shorten the pipeline's fill and drain. At B = 1,
    /// H = 128, two LSTM layers, T = 100 took 0.74–0.77× the layer-by-layer time in 4 chunks and 0.70–0.71× in 7;
    /// 10 and 16 chunks were no faster (ADR 0010, tenth part).
    /// </summary>
    public const int CachedChunkSteps = 15;

    /// <summary>
    /// The largest recurrent weight matrix (bytes) a layer may have for the wavefront: 1 MiB, an H = 256 LSTM's Wh. Each
    /// thread then streams its layer's weights from L3; with the layers' packed weights kept across chunks
    /// (<see cref="RnnPackCache"/>) a B = 1, H = 256 LSTM pair took 0.86–0.88× the layer-by-layer time (1.05–1.10× before
    /// the cache, when the limit was 256 KiB); at H = 512 (4 MiB) 1.18×, where splitting each layer's units between the
    /// threads halves each core's weight traffic and wins (ADR 0010, tenth part).
    /// </summary>
    public const long MaxRecurrentBytes = 1024 * 1024;

    /// <summary>Lets <see cref="Pays"/> choose the wavefront (default true; tests and A/B runs turn it off).</summary>
    public static bool Enabled { get; set; } = true;

    /// <summary>
    /// Whether a stack of layers should run as a wavefront rather than layer by layer: two or more threads, at least
    /// two chunks of steps, a batch too small for the row split to give every thread its rows (B &lt; 8 per thread;
    /// at B = 16 and 64 the wavefront took 1.15–1.27× the layer-by-layer time), and every layer's recurrent weights
    /// within <see cref="MaxRecurrentBytes"/>.
    /// </summary>
    /// <param name="batch">B.</param>
    /// <param name="time">T.</param>
    /// <param name="largestRecurrentBytes">The largest layer's recurrent weight matrix in bytes (P × G·H × element size).</param>
    /// <param name="threads">The threads available (<see cref="Gemm.MaxThreads"/>).</param>
    /// <returns>True when the wavefront is expected to be faster.</returns>
    public static bool Pays(int batch, int time, long largestRecurrentBytes, int threads) =>
        Enabled && threads >= 2 && batch >= 1 && batch < threads * Math.Max(1, RnnSettings.MinRowsPerThread)
        && time >= ChunkSteps && largestRecurrentBytes <= MaxRecurrentBytes;

    /// <summary>The number of time chunks for <paramref name="time"/> steps: about <paramref name="chunkSteps"/> steps each, 2 to 16.</summary>
    /// <param name="time">T (≥ 0).</param>
    /// <param name="chunkSteps">The steps a chunk aims at: <see cref="ChunkSteps"/>, or <see cref="CachedChunkSteps"/> when every layer keeps its packed weights.</param>
    /// <returns>The chunk count (0 when <paramref name="time"/> is 0).</returns>
    public static int Chunks(int time, int chunkSteps = ChunkSteps) =>
        time <= 0 ? 0 : Math.Min(time, Math.Clamp((time + Math.Max(chunkSteps, 1) - 1) / Math.Max(chunkSteps, 1), 2, 16));

    /// <summary>Runs every (layer, chunk) task on up to <paramref name="threads"/> threads (at most one per layer).</summary>
    /// <param name="tasks">The tasks.</param>
    /// <param name="layers">The stacked layers (≥ 1).</param>
    /// <param name="chunks">The time chunks (≥ 0).</param>
    /// <param name="threads">The most threads to use (≥ 1), typically <see cref="Gemm.MaxThreads"/>.</param>
    /// <exception cref="ArgumentException">A count is out of range.</exception>
    public static void Run(IWavefrontTasks tasks, int layers, int chunks, int threads)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        if (layers < 1 || layers > MaxLayers)
        {
            ThrowHelper.Argument(nameof(layers), $"RnnWavefront.Run: layers must be in [1, {MaxLayers}], but got {layers}.");
        }

        ThrowHelper.CheckNonNegative(chunks, "RnnWavefront.Run", nameof(chunks));
        if (threads < 1)
        {
            ThrowHelper.Argument(nameof(threads), $"RnnWavefront.Run: threads must be at least 1, but got {threads}.");
        }

        if (chunks == 0)
        {
            return;
        }

        int parts = Math.Min(Math.Min(threads, layers), RnnPartition.MaxParts);
        if (parts > 1 && WorkerPool.TryAcquire())
        {
            // One dispatch holds the pool at a time, so one job object serves them all (nothing is allocated per call).
            var job = s_job;
            try
            {
                job.Set(tasks, layers, chunks, parts);
                WorkerPool.Run(job, parts);
            }
            finally
            {
                job.Clear(out var error);
                WorkerPool.Release();
                if (error is not null)
                {
                    ExceptionDispatchInfo.Capture(error).Throw();
                }
            }

            return;
        }

        int old = Gemm.SetThreadLimit(1);
        try
        {
            for (int d = 0; d < layers + chunks - 1; d++)
            {
                for (int l = Math.Max(0, d - chunks + 1); l <= Math.Min(d, layers - 1); l++)
                {
                    tasks.Run(l, d - l);
                }
            }
        }
        finally
        {
            Gemm.SetThreadLimit(old);
        }
    }

    /// <summary>One wavefront dispatch: per-layer progress counters and the failure flag the waits watch.</summary>
    private sealed class Job : IParallelJob
    {
        private int[] _done = new int[8];
        private IWavefrontTasks? _tasks;
        private int _layers, _chunks, _parts;
        private int _failed;
        private Exception? _error;

        public void Set(IWavefrontTasks tasks, int layers, int chunks, int parts)
        {
            if (_done.Length < layers)
            {
                _done = new int[layers];
            }

            Array.Clear(_done, 0, layers);
            (_tasks, _layers, _chunks, _parts) = (tasks, layers, chunks, parts);
            _failed = 0;
            _error = null;
        }

        public void Clear(out Exception? error)
        {
            error = _error;
            _error = null;
            _tasks = null;
        }

        public void Execute(int index)
        {
            int layers = _layers, chunks = _chunks, parts = _parts;
            var tasks = _tasks!;
            int old = Gemm.SetThreadLimit(1);
            try
            {
                for (int d = 0; d < layers + chunks - 1; d++)
                {
                    for (int l = Math.Max(0, d - chunks + 1); l <= Math.Min(d, layers - 1); l++)
                    {
                        if (l % parts != index)
                        {
                            continue;
                        }

                        int c = d - l;
                        if (l > 0 && !WaitFor(l - 1, c))
                        {
                            return;
                        }

                        tasks.Run(l, c);
                        Volatile.Write(ref _done[l], c + 1);
                    }
                }
            }
            catch (Exception e)
            {
                if (Interlocked.Exchange(ref _failed, 1) == 0)
                {
                    _error = e;
                }
            }
            finally
            {
                Gemm.SetThreadLimit(old);
            }
        }

        /// <summary>Waits until layer <paramref name="layer"/> has finished chunk <paramref name="chunk"/>; false when another task failed.</summary>
        private bool WaitFor(int layer, int chunk)
        {
            if (Volatile.Read(ref _done[layer]) > chunk)
            {
                return true;
            }

            long start = Stopwatch.GetTimestamp();
            long hot = WorkerPool.HotTicks;
            var spin = default(SpinWait);
            while (Volatile.Read(ref _done[layer]) <= chunk)
            {
                if (Volatile.Read(ref _failed) != 0)
                {
                    return false;
                }

                if (Stopwatch.GetTimestamp() - start < hot)
                {
                    Thread.SpinWait(8);
                }
                else
                {
                    spin.SpinOnce(sleep1Threshold: -1);
                }
            }

            return true;
        }
    }
}
