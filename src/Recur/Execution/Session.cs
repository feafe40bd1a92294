using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Recur;

/// <summary>
/// Runs parts of a <see cref="Graph"/> and holds its variables' values. TF equivalent: <c>tf.compat.v1.Session</c>.
/// Only the operations the fetches need are run (fed tensors cut the graph), in topological order, iteratively.
/// <see cref="Run(Tensor, FeedDict?)"/> may be called from several threads at once.
/// </summary>
/// <example><code>using var sess = new Session(graph);
/// sess.Run(Tf.GlobalVariablesInitializer());
/// NDArray y = sess.Run(output, new FeedDict { [x] = xValue });</code></example>
public sealed class Session : IDisposable
{
    private readonly ConcurrentDictionary<Variable, NDArray> _variables = new();
    private readonly ConcurrentDictionary<Operation, SeededRandom> _random = new();
    private bool _disposed;

    /// <summary>A session over <paramref name="graph"/> (the default graph when null).</summary>
    public Session(Graph? graph = null)
    {
        Graph = graph ?? Graph.Default;
    }

    /// <summary>The graph this session runs.</summary>
    public Graph Graph { get; }

    /// <summary>
    /// The numerics guard (TF: <c>tf.debugging.check_numerics</c> on every tensor): when true, every Float32/Float64
    /// output of every op run by this session, inside loops too, is checked as it is produced, and the run stops
    /// with an <see cref="InvalidOperationException"/> naming the first op that produced a NaN or an infinity —
    /// before any later op (such as an optimizer update) runs. Costs one pass over each output; default false.
    /// </summary>
    public bool CheckNumerics { get; set; }

    /// <summary>Computes one tensor.</summary>
    /// <exception cref="ArgumentException">A feed has the wrong dtype or shape, or a tensor is from another graph.</exception>
    /// <exception cref="InvalidOperationException">A needed placeholder is not fed, a variable is not initialised, or an op fails.</exception>
    public NDArray Run(Tensor fetch, FeedDict? feeds = null)
    {
        ArgumentNullException.ThrowIfNull(fetch);
        NDArray result = null!;
        RunCore(new ReadOnlySpan<Tensor>(in fetch), ReadOnlySpan<Operation>.Empty, feeds, default, new Span<NDArray>(ref result));
        return result;
    }

    /// <summary>Computes several tensors in one pass (shared work is done once).</summary>
    public NDArray[] Run(IReadOnlyList<Tensor> fetches, FeedDict? feeds = null) => Run(fetches, Array.Empty<Operation>(), feeds);

    /// <summary>Runs an operation for its effect (e.g. an initializer or a training step).</summary>
    public void Run(Operation op, FeedDict? feeds = null)
    {
        ArgumentNullException.ThrowIfNull(op);
        RunCore(ReadOnlySpan<Tensor>.Empty, new ReadOnlySpan<Operation>(in op), feeds, default, Span<NDArray>.Empty);
    }

    /// <summary>Runs target operations and computes fetches in one pass.</summary>
    public NDArray[] Run(IReadOnlyList<Tensor> fetches, IReadOnlyList<Operation> targets, FeedDict? feeds = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(fetches);
        ArgumentNullException.ThrowIfNull(targets);
        var f = AsSpan(fetches);
        var results = new NDArray[f.Length];
        RunCore(f, AsSpan(targets), feeds, cancellation, results);
        return results;
    }

    private static ReadOnlySpan<T> AsSpan<T>(IReadOnlyList<T> list) => list switch
    {
        T[] a => a,
        List<T> l => CollectionsMarshal.AsSpan(l),
        _ => list.ToArray(),
    };

    /// <summary>
    /// The run itself: validate, order the feeds by (op id, output index) in a per-thread scratch, look the plan up
    /// (no allocation once it is known) and run it in a rented frame.
    /// </summary>
    private void RunCore(ReadOnlySpan<Tensor> fetches, ReadOnlySpan<Operation> targets, FeedDict? feeds, CancellationToken cancellation, Span<NDArray> results)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (var f in fetches)
        {
            if (f is null) throw new ArgumentNullException(nameof(fetches), "Session.Run: a fetch is null.");
            if (f.Graph != Graph)
                throw new ArgumentException($"Session.Run: fetch '{f.Name}' belongs to a different graph than this session's.", nameof(fetches));
        }
        foreach (var t in targets)
        {
            if (t is null) throw new ArgumentNullException(nameof(targets), "Session.Run: a target is null.");
            if (t.Graph != Graph)
                throw new ArgumentException($"Session.Run: target '{t.Name}' belongs to a different graph than this session's.", nameof(targets));
        }
        int n = feeds?.Count ?? 0;
        var scratch = FeedScratch.Rent(n);
        try
        {
            if (feeds is not null)
            {
                int c = 0;
                foreach (var (t, v) in feeds.Values)
                {
                    ValidateFeed(t, v);
                    // Insertion sort by (op id, output index): feed counts are small.
                    int j = c++;
                    while (j > 0 && Before(t, scratch.Tensors[j - 1]))
                    {
                        scratch.Tensors[j] = scratch.Tensors[j - 1];
                        scratch.Values[j] = scratch.Values[j - 1];
                        j--;
                    }
                    scratch.Tensors[j] = t;
                    scratch.Values[j] = v;
                }
            }
            var plan = Executor.GetPlan(Graph, fetches, targets, scratch.Tensors.AsSpan(0, n));
            Executor.Run(plan, scratch.Values.AsSpan(0, n), this, cancellation, results);
        }
        finally
        {
            FeedScratch.Return(scratch, n);
        }

        static bool Before(Tensor a, Tensor b) => a.Op.Id < b.Op.Id || (a.Op.Id == b.Op.Id && a.ValueIndex < b.ValueIndex);
    }

    /// <summary>Per-thread arrays for the sorted feeds, taken out while in use (so a nested run gets its own).</summary>
    private sealed class FeedScratch(int capacity)
    {
        [ThreadStatic]
        private static FeedScratch? t_free;

        public Tensor[] Tensors { get; } = new Tensor[capacity];

        public NDArray[] Values { get; } = new NDArray[capacity];

        public static FeedScratch Rent(int n)
        {
            var s = t_free;
            t_free = null;
            return s is not null && s.Tensors.Length >= n ? s : new FeedScratch(Math.Max(n, 8));
        }

        public static void Return(FeedScratch s, int n)
        {
            Array.Clear(s.Tensors, 0, Math.Min(n, s.Tensors.Length));
            Array.Clear(s.Values, 0, Math.Min(n, s.Values.Length));
            t_free = s;
        }
    }

    private void ValidateFeed(Tensor t, NDArray v)
    {
        if (t.Graph != Graph)
            throw new ArgumentException($"Session.Run: fed tensor '{t.Name}' belongs to a different graph than this session's.");
        string what = t.Op.Type == "Placeholder" ? "placeholder" : "tensor";
        if (v.DType != t.DType)
            throw new ArgumentException($"Session.Run: {what} '{t.Op.Name}' expects dtype {t.DType}, but was fed {v.DType}.");
        if (!v.Shape.IsCompatibleWith(t.Shape))
            throw new ArgumentException($"Session.Run: {what} '{t.Op.Name}' expects shape {t.Shape}, but was fed shape {v.Shape}.");
    }

    /// <summary>The current value of <paramref name="variable"/> in this session.</summary>
    internal NDArray ReadVariable(Variable variable)
    {
        if (_variables.TryGetValue(variable, out var v)) return v;
        throw new InvalidOperationException(
            $"Session.Run: variable '{variable.Name}' is not initialized; run Tf.GlobalVariablesInitializer() (or its InitializerOp) first, or set it with Variable.Load.");
    }

    /// <summary>Whether the variable has a value in this session (TF: <c>is_variable_initialized</c>).</summary>
    public bool IsInitialized(Variable variable)
    {
        ArgumentNullException.ThrowIfNull(variable);
        return _variables.ContainsKey(variable);
    }

    internal void StoreVariable(Variable variable, NDArray value, string who)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (variable.Graph != Graph)
            throw new ArgumentException($"{who}: variable '{variable.Name}' belongs to a different graph than this session's.");
        if (value.DType != variable.DType)
            throw new ArgumentException($"{who}: variable '{variable.Name}' has dtype {variable.DType}, but the value has dtype {value.DType}.");
        if (value.Shape != variable.Shape)
            throw new ArgumentException($"{who}: variable '{variable.Name}' has shape {variable.Shape}, but the value has shape {value.Shape}.");
        _variables[variable] = value;
    }

    /// <summary>The random stream of a stateful random op in this session (TF: per-op seeded, advancing per run).</summary>
    internal SeededRandom RandomFor(Operation op, int? graphSeed, int? opSeed)
    {
        return _random.GetOrAdd(op, o =>
        {
            // TF's get_seed: graph seed alone → op seed from the op's id; op seed alone → graph seed 87654321.
            if (graphSeed is null && opSeed is null) return new SeededRandom((ulong)Random.Shared.NextInt64());
            long g = graphSeed ?? 87654321;
            long s = opSeed ?? o.Id;
            return new SeededRandom(((ulong)g << 32) ^ (ulong)(uint)s ^ 0x9E3779B97F4A7C15UL);
        });
    }

    /// <summary>Releases the variables' values.</summary>
    public void Dispose()
    {
        _disposed = true;
        _variables.Clear();
        _random.Clear();
    }
}
