using System.Text;

namespace Recur;

/// <summary>
/// A pruned, ordered program for one fetch/feed signature of a graph: the ops the fetches need (stopping at fed
/// tensors), in creation order (which is topological, since inputs always exist before their consumers), with each
/// tensor mapped to a slot and each slot released after its last reader.
/// </summary>
internal sealed class ExecutionPlan
{
    public required Graph Graph { get; init; }
    public required Operation[] Ops { get; init; }
    public required int[][] InputSlots { get; init; }
    public required int[] OutputBase { get; init; }
    public required int[][] ReleaseAfter { get; init; }
    public required int SlotCount { get; init; }
    public required Tensor[] Feeds { get; init; }
    public required int[] FeedSlots { get; init; }
    public required int[] FetchSlots { get; init; }
    public required bool[][] OutputNeeded { get; init; }
}

/// <summary>Builds and runs <see cref="ExecutionPlan"/>s. Iterative throughout: no recursion over graph depth.</summary>
internal static class Executor
{
    /// <summary>Returns the cached plan for this signature, building it on first use.</summary>
    public static ExecutionPlan GetPlan(Graph graph, IReadOnlyList<Tensor> fetches, IReadOnlyList<Operation> targets, IReadOnlyList<Tensor> feeds)
    {
        var key = new StringBuilder();
        foreach (var f in fetches) key.Append(f.Op.Id).Append(':').Append(f.ValueIndex).Append(',');
        key.Append('|');
        foreach (var t in targets) key.Append(t.Id).Append(',');
        key.Append('|');
        foreach (var f in feeds) key.Append(f.Op.Id).Append(':').Append(f.ValueIndex).Append(',');
        return graph.PlanCache.GetOrAdd(key.ToString(), _ => Build(graph, fetches, targets, feeds));
    }

    private static ExecutionPlan Build(Graph graph, IReadOnlyList<Tensor> fetches, IReadOnlyList<Operation> targets, IReadOnlyList<Tensor> feeds)
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

        // Slots: feeds first, then every output of every planned op.
        var slotOf = new Dictionary<Tensor, int>();
        int slot = 0;
        var feedArr = feeds.ToArray();
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
        var lastUse = new int[slot];
        Array.Fill(lastUse, -1);
        for (int i = 0; i < ops.Length; i++)
        {
            var ins = ops[i].InputArray;
            var s = new int[ins.Length];
            for (int j = 0; j < ins.Length; j++)
            {
                s[j] = slotOf[ins[j]];
                lastUse[s[j]] = i;
            }
            inputSlots[i] = s;
        }
        var fetchSlots = new int[fetches.Count];
        var isFetch = new bool[slot];
        for (int i = 0; i < fetchSlots.Length; i++)
        {
            fetchSlots[i] = slotOf[fetches[i]];
            isFetch[fetchSlots[i]] = true;
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
                if (!isFetch[s] && lastUse[s] < 0) (release[i] ??= new List<int>()).Add(s);
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
        return new ExecutionPlan
        {
            OutputNeeded = outputNeeded,
            Graph = graph,
            Ops = ops,
            InputSlots = inputSlots,
            OutputBase = outputBase,
            ReleaseAfter = release.Select(r => r?.ToArray() ?? Array.Empty<int>()).ToArray(),
            SlotCount = slot,
            Feeds = feedArr,
            FeedSlots = feedSlots,
            FetchSlots = fetchSlots,
        };
    }

    /// <summary>Runs a plan with the feed values (in <see cref="ExecutionPlan.Feeds"/> order) and returns the fetches.</summary>
    public static NDArray[] Run(ExecutionPlan plan, IReadOnlyList<NDArray> feedValues, RunContext run)
    {
        var slots = new NDArray?[plan.SlotCount];
        for (int i = 0; i < plan.FeedSlots.Length; i++) slots[plan.FeedSlots[i]] = feedValues[i];
        var ops = plan.Ops;
        for (int i = 0; i < ops.Length; i++)
        {
            run.Cancellation.ThrowIfCancellationRequested();
            var op = ops[i];
            var inSlots = plan.InputSlots[i];
            var inputs = new NDArray[inSlots.Length];
            for (int j = 0; j < inputs.Length; j++) inputs[j] = slots[inSlots[j]]!;
            var ctx = new OpContext(op, inputs, run, plan.OutputNeeded[i]);
            try
            {
                op.Def.Kernel(ctx);
            }
            catch (Exception e) when (e is not (ArgumentException or InvalidOperationException or OperationCanceledException or KeyNotFoundException or OutOfMemoryException))
            {
                throw new InvalidOperationException($"{op.Type} '{op.Name}' failed: {e.Message}", e);
            }
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
                slots[b + k] = v;
            }
            if (run.Session.CheckNumerics) CheckNumericsOps.CheckOutputs(op, outs);
            foreach (int s in plan.ReleaseAfter[i]) slots[s] = null;
        }
        var result = new NDArray[plan.FetchSlots.Length];
        for (int i = 0; i < result.Length; i++) result[i] = slots[plan.FetchSlots[i]]!;
        return result;
    }
}
