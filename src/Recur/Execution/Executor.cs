using System.Collections.Concurrent;

namespace Recur;

/// <summary>
/// A pruned, ordered program for one fetch/feed signature of a graph: the ops the fetches need (stopping at fed
/// tensors), in creation order (which is topological, since inputs always exist before their consumers; ops that need a
/// fused RNN chain's outputs may move after the chain, see Executor.SinkChainReaders), with each
/// tensor mapped to a slot and each slot released after its last reader. A plan is immutable; the mutable state of a
/// run (slots, per-op input arrays and contexts, the buffer pool) lives in an <see cref="ExecutionFrame"/> rented
/// per run, so concurrent runs of one plan never share state.
/// </summary>
internal sealed class ExecutionPlan
{
    private const int MaxSpareFrames = 16;
    private ExecutionFrame? _cachedFrame;
    private readonly Stack<ExecutionFrame> _spareFrames = new();

    public required Graph Graph { get; init; }
    public required Operation[] Ops { get; init; }
    public required int[][] InputSlots { get; init; }
    public required int[] OutputBase { get; init; }
    public required int[][] ReleaseAfter { get; init; }
    public required int SlotCount { get; init; }
    public required Tensor[] Fetches { get; init; }
    public required Operation[] Targets { get; init; }
    public required Tensor[] Feeds { get; init; }
    public required int[] FeedSlots { get; init; }
    public required int[] FetchSlots { get; init; }
    public required bool[][] OutputNeeded { get; init; }

    /// <summary>
    /// Per op: null, or — at the last op of a chain of fused RNN layers that may run as a wavefront
    /// (<see cref="FusedRnnStack"/>) — the chain's op indexes in order. The chain's other ops are
    /// <see cref="Deferred"/>: they run with it, at its last op's place.
    /// </summary>
    public required int[]?[] Chains { get; init; }

    /// <summary>Per op: it runs later, with the chain it belongs to (see <see cref="Chains"/>).</summary>
    public required bool[] Deferred { get; init; }

    /// <summary>
    /// Per slot: an array the producing kernel allocated through <see cref="OpContext.AllocateOutput(int, Shape, DType)"/>
    /// may go back to the pool when the slot is released — the slot is not fed, not fetched, and every op reading it
    /// only borrows its inputs (<see cref="OpKernelAttribute.BorrowsInputs"/>).
    /// </summary>
    public required bool[] Recyclable { get; init; }

    /// <summary>Whether this plan was built for exactly this signature.</summary>
    public bool Matches(ReadOnlySpan<Tensor> fetches, ReadOnlySpan<Operation> targets, ReadOnlySpan<Tensor> feeds)
    {
        if (fetches.Length != Fetches.Length || targets.Length != Targets.Length || feeds.Length != Feeds.Length) return false;
        for (int i = 0; i < fetches.Length; i++)
        {
            if (fetches[i].Op != Fetches[i].Op || fetches[i].ValueIndex != Fetches[i].ValueIndex) return false;
        }
        for (int i = 0; i < targets.Length; i++)
        {
            if (targets[i] != Targets[i]) return false;
        }
        for (int i = 0; i < feeds.Length; i++)
        {
            if (feeds[i].Op != Feeds[i].Op || feeds[i].ValueIndex != Feeds[i].ValueIndex) return false;
        }
        return true;
    }

    /// <summary>A frame for one run: the last one returned when free (the common, serial case), else a spare or a new one.</summary>
    public ExecutionFrame RentFrame()
    {
        var f = Interlocked.Exchange(ref _cachedFrame, null);
        if (f is not null) return f;
        lock (_spareFrames)
        {
            if (_spareFrames.TryPop(out f)) return f;
        }
        return new ExecutionFrame(this);
    }

    /// <summary>Gives a frame back after its run (its slots already cleared); frames beyond a few spares are dropped.</summary>
    public void ReturnFrame(ExecutionFrame frame)
    {
        if (Interlocked.CompareExchange(ref _cachedFrame, frame, null) is null) return;
        lock (_spareFrames)
        {
            if (_spareFrames.Count < MaxSpareFrames) _spareFrames.Push(frame);
        }
    }
}

/// <summary>
/// The reusable state of one run of a plan: the slots, one input array and one <see cref="OpContext"/> per op, which
/// slots hold arrays the executor owns, and the buffer pool. Used by one run at a time.
/// </summary>
internal sealed class ExecutionFrame
{
    public ExecutionFrame(ExecutionPlan plan)
    {
        Slots = new NDArray?[plan.SlotCount];
        Owned = new bool[plan.SlotCount];
        Contexts = new OpContext[plan.Ops.Length];
        for (int i = 0; i < Contexts.Length; i++)
            Contexts[i] = new OpContext(plan.Ops[i], new NDArray[plan.InputSlots[i].Length], plan.OutputNeeded[i], Pool);
    }

    public NDArray?[] Slots { get; }

    /// <summary>Per slot: the array in it was allocated for it by its producer in this run and sits in no other slot.</summary>
    public bool[] Owned { get; }

    public OpContext[] Contexts { get; }

    public BufferPool Pool { get; } = new();

    /// <summary>The contexts of a chain of fused RNN ops (<see cref="ExecutionPlan.Chains"/>), in chain order; made once per frame.</summary>
    public OpContext[] ChainContexts(int[] chain)
    {
        _chainContexts ??= new OpContext[Contexts.Length][];
        int last = chain[^1];
        if (_chainContexts[last] is { } cached) return cached;
        var members = new OpContext[chain.Length];
        for (int k = 0; k < chain.Length; k++) members[k] = Contexts[chain[k]];
        return _chainContexts[last] = members;
    }

    private OpContext[]?[]? _chainContexts;

    /// <summary>The run context of top-level runs (nested runs, such as loop bodies, use their caller's).</summary>
    public RunContext TopRun { get; } = new(null!, default);
}

/// <summary>
/// The plans of one graph, found by a hash of the signature (fetched tensors, target ops, fed tensors) and confirmed
/// by comparing it: looking up a known plan allocates nothing.
/// </summary>
internal sealed class PlanCache
{
    private readonly ConcurrentDictionary<int, ExecutionPlan[]> _byHash = new();
    private readonly Lock _lock = new();

    public int Count
    {
        get
        {
            int n = 0;
            foreach (var bucket in _byHash) n += bucket.Value.Length;
            return n;
        }
    }

    public ExecutionPlan GetOrAdd(Graph graph, ReadOnlySpan<Tensor> fetches, ReadOnlySpan<Operation> targets, ReadOnlySpan<Tensor> feeds)
    {
        int hash = Hash(fetches, targets, feeds);
        if (_byHash.TryGetValue(hash, out var bucket))
        {
            foreach (var p in bucket)
            {
                if (p.Matches(fetches, targets, feeds)) return p;
            }
        }
        var plan = Executor.Build(graph, fetches.ToArray(), targets.ToArray(), feeds.ToArray());
        lock (_lock)
        {
            _byHash.TryGetValue(hash, out bucket);
            if (bucket is not null)
            {
                foreach (var p in bucket)
                {
                    if (p.Matches(fetches, targets, feeds)) return p;
                }
            }
            _byHash[hash] = bucket is null ? new[] { plan } : [.. bucket, plan];
        }
        return plan;
    }

    private static int Hash(ReadOnlySpan<Tensor> fetches, ReadOnlySpan<Operation> targets, ReadOnlySpan<Tensor> feeds)
    {
        var h = new HashCode();
        foreach (var f in fetches) { h.Add(f.Op.Id); h.Add(f.ValueIndex); }
        h.Add(-1);
        foreach (var t in targets) h.Add(t.Id);
        h.Add(-2);
        foreach (var f in feeds) { h.Add(f.Op.Id); h.Add(f.ValueIndex); }
        return h.ToHashCode();
    }
}

/// <summary>Builds and runs <see cref="ExecutionPlan"/>s. Iterative throughout: no recursion over graph depth.</summary>
internal static class Executor
{
    /// <summary>Returns the cached plan for this signature, building it on first use (a known signature allocates nothing).</summary>
    public static ExecutionPlan GetPlan(Graph graph, ReadOnlySpan<Tensor> fetches, ReadOnlySpan<Operation> targets, ReadOnlySpan<Tensor> feeds) =>
        graph.PlanCache.GetOrAdd(graph, fetches, targets, feeds);

    internal static ExecutionPlan Build(Graph graph, Tensor[] fetches, Operation[] targets, Tensor[] feeds)
    {
        var fed = new HashSet<Tensor>(feeds);
        var needed = new HashSet<Operation>();
        var stack = new Stack<Operation>();
        foreach (var f in fetches)
        {
            if (!fed.Contains(f) && needed.Add(f.Op)) stack.Push(f.Op);
        }
        foreach (var t in targets)
        {
            if (needed.Add(t)) stack.Push(t);
        }
        while (stack.Count > 0)
        {
            var op = stack.Pop();
            foreach (var input in op.InputArray)
            {
                if (!fed.Contains(input) && needed.Add(input.Op)) stack.Push(input.Op);
            }
            foreach (var c in op.ControlInputs)
            {
                if (needed.Add(c)) stack.Push(c);
            }
        }
        var ops = needed.ToArray();
        Array.Sort(ops, (a, b) => a.Id.CompareTo(b.Id));
        ops = SinkChainReaders(ops, fed);

        // Slots: feeds first, then every output of every planned op.
        var slotOf = new Dictionary<Tensor, int>();
        int slot = 0;
        var feedArr = feeds;
        var feedSlots = new int[feedArr.Length];
        for (int i = 0; i < feedArr.Length; i++)
        {
            if (!slotOf.TryGetValue(feedArr[i], out int s)) { s = slot++; slotOf[feedArr[i]] = s; }
            feedSlots[i] = s;
        }
        var outputBase = new int[ops.Length];
        for (int i = 0; i < ops.Length; i++)
        {
            outputBase[i] = slot;
            foreach (var o in ops[i].Outputs)
            {
                if (fed.Contains(o)) { slot++; continue; }   // the fed value wins; this slot is written and ignored
                slotOf[o] = slot++;
            }
        }
        var inputSlots = new int[ops.Length][];
        for (int i = 0; i < ops.Length; i++)
        {
            var ins = ops[i].InputArray;
            var s = new int[ins.Length];
            for (int j = 0; j < ins.Length; j++) s[j] = slotOf[ins[j]];
            inputSlots[i] = s;
        }
        var fetchSlots = new int[fetches.Length];
        var isFetch = new bool[slot];
        for (int i = 0; i < fetchSlots.Length; i++)
        {
            fetchSlots[i] = slotOf[fetches[i]];
            isFetch[fetchSlots[i]] = true;
        }
        var (chains, deferred, runsAt) = FindChains(ops, inputSlots, outputBase, isFetch, slot);
        // A slot's last use is where its last reader runs (a deferred chain member runs at its chain's last op).
        var lastUse = new int[slot];
        Array.Fill(lastUse, -1);
        for (int i = 0; i < ops.Length; i++)
        {
            foreach (int s in inputSlots[i]) lastUse[s] = Math.Max(lastUse[s], runsAt[i]);
        }
        var release = new List<int>[ops.Length];
        for (int s = 0; s < slot; s++)
        {
            if (isFetch[s] || lastUse[s] < 0) continue;
            (release[lastUse[s]] ??= new List<int>()).Add(s);
        }
        // Outputs nobody reads are dropped right after their op runs.
        for (int i = 0; i < ops.Length; i++)
        {
            for (int k = 0; k < ops[i].Outputs.Count; k++)
            {
                int s = outputBase[i] + k;
                if (!isFetch[s] && lastUse[s] < 0) (release[runsAt[i]] ??= new List<int>()).Add(s);
            }
        }
        var outputNeeded = new bool[ops.Length][];
        for (int i = 0; i < ops.Length; i++)
        {
            outputNeeded[i] = new bool[ops[i].Outputs.Count];
            for (int k = 0; k < outputNeeded[i].Length; k++)
            {
                int s = outputBase[i] + k;
                outputNeeded[i][k] = isFetch[s] || lastUse[s] >= 0;
            }
        }
        // Recycling is opt-in per reader: one reader that may keep or forward the array pins it for the whole run.
        var recyclable = new bool[slot];
        for (int i = 0; i < ops.Length; i++)
        {
            for (int k = 0; k < ops[i].Outputs.Count; k++)
            {
                int s = outputBase[i] + k;
                recyclable[s] = !isFetch[s];
            }
        }
        foreach (int s in feedSlots) recyclable[s] = false;
        for (int i = 0; i < ops.Length; i++)
        {
            if (ops[i].Def.BorrowsInputs) continue;
            foreach (int s in inputSlots[i]) recyclable[s] = false;
        }
        return new ExecutionPlan
        {
            OutputNeeded = outputNeeded,
            Graph = graph,
            Ops = ops,
            InputSlots = inputSlots,
            OutputBase = outputBase,
            ReleaseAfter = release.Select(r => r?.ToArray() ?? Array.Empty<int>()).ToArray(),
            SlotCount = slot,
            Fetches = fetches,
            Targets = targets,
            Feeds = feedArr,
            FeedSlots = feedSlots,
            FetchSlots = fetchSlots,
            Recyclable = recyclable,
            Chains = chains,
            Deferred = deferred,
        };
    }

    /// <summary>
    /// Reorders the plan so that linked fused RNN ops (<see cref="FusedRnnStack.Chains"/>: stacked layers, or their
    /// gradient ops top layer first) are not kept apart by ops that need their outputs: such ops between two links —
    /// a metric on a lower layer's output, the initial state's gradient assembled from the layers' dh0 — move, in
    /// their order, to just after the next link, so the links can run as one wavefront. Only when the next link does
    /// not need them and nothing stateful sits between the links; the order stays topological.
    /// </summary>
    private static Operation[] SinkChainReaders(Operation[] ops, HashSet<Tensor> fed)
    {
        var next = new Dictionary<Operation, Operation>();
        var linked = new HashSet<Operation>();
        foreach (var op in ops)
        {
            if (!FusedRnnStack.IsLayer(op) && !FusedRnnStack.IsGradient(op)) continue;
            var t = op.InputArray[FusedRnnStack.LinkInput(op)];
            if (fed.Contains(t) || t.ValueIndex != 0 || !FusedRnnStack.Chains(t.Op, op) || next.ContainsKey(t.Op)) continue;
            next[t.Op] = op;
            linked.Add(op);
        }
        if (next.Count == 0) return ops;
        var list = new List<Operation>(ops);
        bool Needs(Operation op, HashSet<Operation> of)
        {
            foreach (var t in op.InputArray)
            {
                if (!fed.Contains(t) && of.Contains(t.Op)) return true;
            }
            foreach (var c in op.ControlInputs)
            {
                if (of.Contains(c)) return true;
            }
            return false;
        }
        foreach (var start in ops)
        {
            if (!next.ContainsKey(start) || linked.Contains(start)) continue;
            var members = new HashSet<Operation> { start };
            var cur = start;
            while (next.TryGetValue(cur, out var n))
            {
                int a = list.IndexOf(cur), b = list.IndexOf(n);
                var moved = new List<Operation>();
                var movedSet = new HashSet<Operation>();
                bool stateful = false;
                for (int k = a + 1; k < b; k++)
                {
                    var op = list[k];
                    stateful |= op.Def.Stateful && op.Type != "VariableV2";
                    if (Needs(op, members) || Needs(op, movedSet))
                    {
                        moved.Add(op);
                        movedSet.Add(op);
                    }
                }
                if (stateful || Needs(n, movedSet)) break;
                if (moved.Count > 0)
                {
                    foreach (var op in moved) list.Remove(op);
                    list.InsertRange(list.IndexOf(n) + 1, moved);
                }
                members.Add(n);
                cur = n;
            }
        }
        return list.ToArray();
    }

    /// <summary>
    /// Chains of fused RNN layers, or of LSTM gradient ops, that may run as one wavefront (<see cref="FusedRnnStack"/>):
    /// op j joins the chain of op i when j's link input (a layer's x, a gradient op's dy) is i's first output
    /// (<see cref="FusedRnnStack.Chains"/>), neither layer's workspace is fetched, nothing that runs between them reads i's
    /// chain's outputs or depends on them by a control edge,
    /// and nothing between them changes state (an assignment or optimizer op: the deferred op must see what it would
    /// have seen). Returns per op its chain (at the chain's last op), whether it is deferred, and where it runs.
    /// </summary>
    private static (int[]?[] Chains, bool[] Deferred, int[] RunsAt) FindChains(Operation[] ops, int[][] inputSlots, int[] outputBase, bool[] isFetch, int slotCount)
    {
        var chains = new int[]?[ops.Length];
        var deferred = new bool[ops.Length];
        var runsAt = new int[ops.Length];
        for (int i = 0; i < ops.Length; i++) runsAt[i] = i;
        if (!ops.Any(op => FusedRnnStack.IsLayer(op) || FusedRnnStack.IsGradient(op))) return (chains, deferred, runsAt);
        var readers = new List<int>?[slotCount];
        for (int i = 0; i < ops.Length; i++)
        {
            foreach (int s in inputSlots[i]) (readers[s] ??= new List<int>()).Add(i);
        }
        var indexOf = new Dictionary<Operation, int>();
        for (int i = 0; i < ops.Length; i++) indexOf[ops[i]] = i;
        // A layer links whether or not a gradient reads its workspace (in training its kernels run on time windows of the
        // whole workspace); a fetched workspace keeps it out.
        bool Linkable(int i) => FusedRnnStack.IsGradient(ops[i]) || !isFetch[outputBase[i] + ops[i].Outputs.Count - 1];
        var chainOf = new List<int>?[ops.Length];
        for (int j = 0; j < ops.Length; j++)
        {
            var next = ops[j];
            if (!(FusedRnnStack.IsLayer(next) || FusedRnnStack.IsGradient(next)) || !Linkable(j)) continue;
            int link = FusedRnnStack.LinkInput(next);
            var x = next.InputArray[link];
            if (!indexOf.TryGetValue(x.Op, out int i) || x.ValueIndex != 0 || inputSlots[j][link] != outputBase[i]) continue;
            if (!FusedRnnStack.Chains(ops[i], next) || !Linkable(i)) continue;
            var chain = chainOf[i] ?? new List<int> { i };
            int start = chain[0];
            bool ok = true;
            // What runs between the chain's first op and j must not need the chain's outputs, nor change state.
            for (int k = start + 1; ok && k < j; k++)
            {
                if (chain.Contains(k)) continue;
                var op = ops[k];
                if (op.Def.Stateful && op.Type != "VariableV2") ok = false;
                foreach (var c in op.ControlInputs)
                {
                    if (indexOf.TryGetValue(c, out int ci) && chain.Contains(ci)) ok = false;
                }
            }
            // Up to j, a member's outputs are read only by the next member, as its link input and nothing else.
            for (int n = 0; ok && n < chain.Count; n++)
            {
                int m = chain[n], successor = n + 1 < chain.Count ? chain[n + 1] : j;
                for (int o = 0; ok && o < ops[m].Outputs.Count; o++)
                {
                    int s = outputBase[m] + o;
                    foreach (int r in readers[s] ?? [])
                    {
                        if (r > j) continue;
                        int linkIn = FusedRnnStack.LinkInput(ops[r]);
                        if (o != 0 || r != successor || Array.IndexOf(inputSlots[r], s) != linkIn || Array.LastIndexOf(inputSlots[r], s) != linkIn) ok = false;
                    }
                }
            }
            if (!ok) continue;
            chain.Add(j);
            chainOf[i] = null;
            chainOf[j] = chain;
        }
        for (int j = 0; j < ops.Length; j++)
        {
            if (chainOf[j] is not { } chain) continue;
            chains[j] = chain.ToArray();
            foreach (int m in chain)
            {
                runsAt[m] = j;
                deferred[m] = m != j;
            }
        }
        return (chains, deferred, runsAt);
    }

    /// <summary>
    /// Runs a plan nested in another run (a loop body or condition) with the feed values (in
    /// <see cref="ExecutionPlan.Feeds"/> order), writing the fetched values to <paramref name="results"/>.
    /// </summary>
    public static void Run(ExecutionPlan plan, ReadOnlySpan<NDArray> feedValues, RunContext run, Span<NDArray> results)
    {
        var frame = plan.RentFrame();
        RunInFrame(plan, frame, feedValues, run, results, ownsRun: false);
    }

    /// <summary>Runs a plan for <paramref name="session"/> (a top-level <c>Session.Run</c>).</summary>
    public static void Run(ExecutionPlan plan, ReadOnlySpan<NDArray> feedValues, Session session, CancellationToken cancellation, Span<NDArray> results)
    {
        var frame = plan.RentFrame();
        var run = frame.TopRun;
        run.Reset(session, cancellation);
        // RunInFrame clears the frame's run context before it hands the frame back: once returned, another thread may
        // rent the frame and set its own context (resetting it here, after the return, raced with that thread).
        RunInFrame(plan, frame, feedValues, run, results, ownsRun: true);
    }

    /// <summary>Runs a plan and returns the fetches in a new array (tests and callers that want one).</summary>
    public static NDArray[] Run(ExecutionPlan plan, ReadOnlySpan<NDArray> feedValues, RunContext run)
    {
        var results = new NDArray[plan.FetchSlots.Length];
        Run(plan, feedValues, run, results);
        return results;
    }

    private static void RunInFrame(ExecutionPlan plan, ExecutionFrame frame, ReadOnlySpan<NDArray> feedValues, RunContext run, Span<NDArray> results, bool ownsRun)
    {
        var slots = frame.Slots;
        var owned = frame.Owned;
        var pool = frame.Pool;
        bool completed = false;
        pool.BeginRun();
        try
        {
            for (int i = 0; i < plan.FeedSlots.Length; i++) slots[plan.FeedSlots[i]] = feedValues[i];
            var ops = plan.Ops;
            bool checkNumerics = run.Session.CheckNumerics;
            for (int i = 0; i < ops.Length; i++)
            {
                run.Cancellation.ThrowIfCancellationRequested();
                if (plan.Deferred[i]) continue;
                if (plan.Chains[i] is { } chain) RunChain(plan, frame, chain, run, checkNumerics);
                else RunOp(plan, frame, i, run, checkNumerics);
                foreach (int s in plan.ReleaseAfter[i])
                {
                    if (owned[s])
                    {
                        pool.Return(slots[s]!);
                        owned[s] = false;
                    }
                    slots[s] = null;
                }
            }
            for (int i = 0; i < results.Length; i++) results[i] = slots[plan.FetchSlots[i]]!;
            completed = true;
        }
        finally
        {
            // Fetched and fed values leave with the caller; on failure nothing is recycled (the frame stays valid).
            Array.Clear(slots);
            Array.Clear(owned);
            if (completed) pool.EndRun();
            if (ownsRun) run.Reset(null!, default);
            plan.ReturnFrame(frame);
        }
    }
    /// <summary>Runs op <paramref name="i"/>: fills its inputs from the slots, calls its kernel and stores its outputs.</summary>
    private static void RunOp(ExecutionPlan plan, ExecutionFrame frame, int i, RunContext run, bool checkNumerics)
    {
        var op = plan.Ops[i];
        var ctx = frame.Contexts[i];
        FillInputs(plan, frame, i);
        ctx.Begin(run);
        bool returned = false;
        try
        {
            op.Def.Kernel(ctx);
            returned = true;
            StoreOutputs(plan, frame, i, checkNumerics);
        }
        catch (Exception e) when (!returned && IsKernelFault(e))
        {
            throw new InvalidOperationException($"{op.Type} '{op.Name}' failed: {e.Message}", e);
        }
        finally
        {
            ctx.End(returned);
        }
    }

    /// <summary>
    /// Runs a chain of fused RNN layers: as one wavefront when <see cref="FusedRnnStack.TryRun"/> takes it, else op by op.
    /// </summary>
    private static void RunChain(ExecutionPlan plan, ExecutionFrame frame, int[] chain, RunContext run, bool checkNumerics)
    {
        var members = frame.ChainContexts(chain);
        foreach (int i in chain)
        {
            FillInputs(plan, frame, i);
            frame.Contexts[i].Begin(run);
        }
        bool returned = false, taken = false;
        try
        {
            taken = FusedRnnStack.TryRun(members);
            returned = true;
            if (taken)
            {
                foreach (int i in chain) StoreOutputs(plan, frame, i, checkNumerics);
            }
        }
        catch (Exception e) when (!returned && IsKernelFault(e))
        {
            var op = plan.Ops[chain[0]];
            throw new InvalidOperationException($"{op.Type} '{op.Name}' (a layer wavefront of {chain.Length} fused RNN ops) failed: {e.Message}", e);
        }
        finally
        {
            foreach (int i in chain) frame.Contexts[i].End(returned);
        }
        if (!taken)
        {
            foreach (int i in chain) RunOp(plan, frame, i, run, checkNumerics);
        }
    }

    private static bool IsKernelFault(Exception e) =>
        e is not (ArgumentException or InvalidOperationException or OperationCanceledException or KeyNotFoundException or OutOfMemoryException);

    private static void FillInputs(ExecutionPlan plan, ExecutionFrame frame, int i)
    {
        var slots = frame.Slots;
        var inSlots = plan.InputSlots[i];
        var inputs = frame.Contexts[i].InputArray;
        for (int j = 0; j < inputs.Length; j++) inputs[j] = slots[inSlots[j]]!;
    }

    /// <summary>Checks op <paramref name="i"/>'s outputs against the graph and puts them in their slots.</summary>
    private static void StoreOutputs(ExecutionPlan plan, ExecutionFrame frame, int i, bool checkNumerics)
    {
        var op = plan.Ops[i];
        var ctx = frame.Contexts[i];
        var outs = ctx.Outputs;
        int b = plan.OutputBase[i];
        for (int k = 0; k < outs.Length; k++)
        {
            var v = outs[k];
            if (v is null)
                throw new InvalidOperationException($"{op.Type} '{op.Name}': the kernel did not produce output {k}.");
            var t = op.Outputs[k];
            if (v.DType != t.DType || !v.Shape.IsCompatibleWith(t.Shape))
                throw new InvalidOperationException(
                    $"{op.Type} '{op.Name}': output {k} was computed with dtype {v.DType} and shape {v.Shape}, but the graph declares dtype {t.DType} and shape {t.Shape}.");
            frame.Slots[b + k] = v;
            frame.Owned[b + k] = plan.Recyclable[b + k] && ctx.OwnsOutput(k);
        }
        if (checkNumerics) CheckNumericsOps.CheckOutputs(op, outs!);
    }
}
