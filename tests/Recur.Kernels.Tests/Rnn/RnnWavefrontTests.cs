using System.Collections.Concurrent;
using Recur.Kernels.Rnn;

namespace Recur.Kernels.Tests.Rnn;

/// <summary>
/// The layer-wavefront scheduler (issue 5: "the layer wavefront for multi-layer cells"): every (layer, chunk) task runs
/// once, after the tasks it depends on, with one GEMM thread on its own thread; layers run side by side; a failing task
/// stops the wavefront and its exception reaches the caller.
/// </summary>
[Collection(nameof(GemmCollection))]
public class RnnWavefrontTests
{
    private sealed class Recorder(int layers, int chunks, Action<int, int>? body = null) : IWavefrontTasks
    {
        private readonly int[,] _done = new int[layers, chunks];
        private int _clock;
        public readonly ConcurrentBag<string> Errors = new();
        public readonly ConcurrentDictionary<int, byte> Threads = new();
        public int Overlaps;
        private int _running;

        public void Run(int layer, int chunk)
        {
            if (Interlocked.Increment(ref _running) > 1) Interlocked.Increment(ref Overlaps);
            Threads[Environment.CurrentManagedThreadId] = 0;
            if (Gemm.MaxThreads != 1) Errors.Add($"({layer},{chunk}) saw Gemm.MaxThreads {Gemm.MaxThreads}");
            if (layer > 0 && Volatile.Read(ref _done[layer - 1, chunk]) == 0) Errors.Add($"({layer},{chunk}) ran before ({layer - 1},{chunk})");
            if (chunk > 0 && Volatile.Read(ref _done[layer, chunk - 1]) == 0) Errors.Add($"({layer},{chunk}) ran before ({layer},{chunk - 1})");
            if (Volatile.Read(ref _done[layer, chunk]) != 0) Errors.Add($"({layer},{chunk}) ran twice");
            body?.Invoke(layer, chunk);
            Thread.SpinWait(20000);   // long enough for the layers to overlap
            Interlocked.Decrement(ref _running);
            Volatile.Write(ref _done[layer, chunk], Interlocked.Increment(ref _clock));
        }

        public int Count()
        {
            int n = 0;
            foreach (int v in _done) n += v > 0 ? 1 : 0;
            return n;
        }
    }

    [Theory]
    [InlineData(1, 5, 2)]
    [InlineData(2, 4, 2)]
    [InlineData(3, 7, 2)]
    [InlineData(4, 3, 3)]
    [InlineData(2, 1, 2)]
    [InlineData(3, 4, 1)]
    public void EveryTask_OnceAfterItsDependencies(int layers, int chunks, int threads)
    {
        int saved = Gemm.MaxThreads;
        try
        {
            Gemm.MaxThreads = threads;
            for (int rep = 0; rep < 3; rep++)
            {
                var r = new Recorder(layers, chunks);
                RnnWavefront.Run(r, layers, chunks, threads);
                Assert.Empty(r.Errors);
                Assert.Equal(layers * chunks, r.Count());
                Assert.Equal(threads, Gemm.MaxThreads);   // the per-task cap is lifted afterwards
                if (threads == 1 || layers == 1) Assert.Single(r.Threads);
            }
        }
        finally
        {
            Gemm.MaxThreads = saved;
        }
    }

    /// <summary>With two threads and two layers, the layers do run at the same time (the point of the wavefront).</summary>
    [Fact]
    public void TwoLayers_RunSideBySide()
    {
        int overlaps = 0;
        for (int rep = 0; rep < 5 && overlaps == 0; rep++)
        {
            var r = new Recorder(2, 8);
            RnnWavefront.Run(r, 2, 8, 2);
            Assert.Empty(r.Errors);
            overlaps = r.Overlaps;
        }
        Assert.True(overlaps > 0, "the two layers' tasks never overlapped in 5 tries");
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(0, 2)]
    [InlineData(1, 0)]
    [InlineData(1, 3)]
    public void FailingTask_ReachesTheCaller_NoHang(int failLayer, int failChunk)
    {
        for (int threads = 1; threads <= 2; threads++)
        {
            var r = new Recorder(2, 4, (l, c) =>
            {
                if (l == failLayer && c == failChunk) throw new InvalidOperationException($"task ({l},{c}) failed");
            });
            var e = Assert.Throws<InvalidOperationException>(() => RnnWavefront.Run(r, 2, 4, threads));
            Assert.Equal($"task ({failLayer},{failChunk}) failed", e.Message);
        }
        // The pool is free again.
        var ok = new Recorder(2, 3);
        RnnWavefront.Run(ok, 2, 3, 2);
        Assert.Equal(6, ok.Count());
    }

    [Fact]
    public void BadCounts_ClearErrors()
    {
        var r = new Recorder(1, 1);
        Assert.Contains("layers must be in [1, 4096], but got 0", Assert.Throws<ArgumentException>(() => RnnWavefront.Run(r, 0, 1, 2)).Message, StringComparison.Ordinal);
        Assert.Contains("chunks", Assert.Throws<ArgumentOutOfRangeException>(() => RnnWavefront.Run(r, 1, -1, 2)).Message, StringComparison.Ordinal);
        Assert.Contains("threads must be at least 1, but got 0", Assert.Throws<ArgumentException>(() => RnnWavefront.Run(r, 1, 1, 0)).Message, StringComparison.Ordinal);
        RnnWavefront.Run(r, 1, 0, 2);
        Assert.Equal(0, r.Count());
    }

    [Fact]
    public void Chunks_And_Pays()
    {
        Assert.Equal(0, RnnWavefront.Chunks(0));
        Assert.Equal(2, RnnWavefront.Chunks(25));
        Assert.Equal(4, RnnWavefront.Chunks(100));
        Assert.Equal(16, RnnWavefront.Chunks(1000));
        Assert.Equal(7, RnnWavefront.Chunks(100, RnnWavefront.CachedChunkSteps));   // 15-step chunks: 15 × 6 + 10
        Assert.True(RnnWavefront.Pays(1, 100, 128 * 512 * 4, 2));
        Assert.False(RnnWavefront.Pays(1, 100, 128 * 512 * 4, 1));        // one thread
        Assert.False(RnnWavefront.Pays(16, 100, 128 * 512 * 4, 2));       // the row split gives each thread 8 rows
        Assert.True(RnnWavefront.Pays(1, 100, 256 * 1024 * 4, 2));        // an H = 256 LSTM's Wh (1 MiB)
        Assert.False(RnnWavefront.Pays(1, 100, 512 * 2048 * 4, 2));       // an H = 512 LSTM's (4 MiB): the layers' own unit split wins
        Assert.False(RnnWavefront.Pays(1, 24, 128 * 512 * 4, 2));         // under one chunk's worth of steps
    }
}
