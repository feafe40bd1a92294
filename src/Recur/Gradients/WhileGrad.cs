namespace Recur;

/// <summary>Everything the backward loop needs: the gradient body graph, its arguments and results.</summary>
internal sealed class WhileGradInfo
{
    public required Graph Graph { get; init; }
    public required int[] DiffVars { get; init; }
    public required Tensor[] DvarArgs { get; init; }
    public required Tensor[] SavedArgs { get; init; }
    public required Tensor[] SavedForward { get; init; }
    public required Tensor[] DvarResults { get; init; }
    public required int[] CaptureOutputs { get; init; }
    public required Tensor[] DcapResults { get; init; }
    public required Tensor[] CaptureInners { get; init; }
}

/// <summary>
/// The gradient of <c>While</c> is a loop that runs backwards over the values the forward loop saved per iteration
/// (TF's while_v2 rule). The body's gradient is built once, symbolically, into a gradient function graph whose
/// inputs are the incoming loop-variable gradients and the saved forward values; the <c>WhileGrad</c> op runs it for
/// iterations N−1 … 0, passing loop-variable gradients along and summing the gradients of captured tensors
/// (weights read in the body) over all iterations.
/// </summary>
internal static class WhileGradOp
{
    [OpGradient("While")]
    private static Tensor?[] WhileGradient(Operation op, IReadOnlyList<Tensor?> dys)
    {
        var info = op.GetAttr<WhileInfo>("info");
        int n = info.LoopVarCount, nc = info.CondCaptures.Length, nb = info.BodyCaptures.Length;
        var grads = new Tensor?[op.Inputs.Count];
        var diff = Enumerable.Range(0, n).Where(i => GradientBuilder.IsDifferentiable(info.BodyArgs[i].DType)).ToArray();
        if (diff.All(i => dys[i] is null)) return grads;
        var outer = Graph.Default;

        // Initial loop-variable gradients (zeros where no gradient flows into an output).
        var initial = diff.Select(i => dys[i] ?? (info.BodyArgs[i].DType == DType.Variant
            ? TensorListGrads.ZerosLikeList(op.Outputs[i]) : Tf.ZerosLike(op.Outputs[i]))).ToArray();

        // The gradient body: forward body tensors come in as saved per-iteration values.
        var gb = new Graph(outer, op.Name + "_grad_body");
        var savedForward = new List<Tensor>();
        var savedArgs = new List<Tensor>();
        var savedMap = new Dictionary<Tensor, Tensor>();
        gb.ForeignResolver = t =>
        {
            if (t.Graph != info.BodyGraph) return null;
            if (savedMap.TryGetValue(t, out var a)) return a;
            a = StateOps.Arg(gb, -1, t.DType, t.Shape, "saved");
            savedMap[t] = a;
            savedForward.Add(t);
            savedArgs.Add(a);
            return a;
        };
        var dvarArgs = diff.Select((i, k) => StateOps.Arg(gb, k, info.BodyArgs[i].DType, info.Invariants[i], "dvar" + k)).ToArray();
        var capIdx = Enumerable.Range(0, nb).Where(k => GradientBuilder.IsDifferentiable(info.BodyCaptures[k].DType)).ToArray();
        var xs = diff.Select(i => info.BodyArgs[i]).Concat(capIdx.Select(k => info.BodyCaptures[k])).ToList();
        var bodyGrads = GradientBuilder.Build(diff.Select(i => info.BodyResults[i]).ToList(), xs, dvarArgs, UnconnectedGradients.None, gb);
        Tensor[] dvarResults;
        using (gb.AsDefault())
        {
            dvarResults = diff.Select((i, k) => bodyGrads[k] is { } g ? Own(gb, g)
                : info.BodyArgs[i].DType == DType.Variant ? TensorListGrads.ZerosLikeList(dvarArgs[k]) : Tf.ZerosLike(dvarArgs[k])).ToArray();
        }
        var capOutputs = new List<int>();
        var dcapResults = new List<Tensor>();
        using (gb.AsDefault())
        {
            for (int j = 0; j < capIdx.Length; j++)
            {
                if (bodyGrads[diff.Length + j] is not { } g) continue;
                capOutputs.Add(capIdx[j]);
                dcapResults.Add(Own(gb, g));
            }
        }
        lock (info.SavedLock)
        {
            foreach (var t in savedForward)
                if (!info.SavedTensors.Contains(t)) info.SavedTensors.Add(t);
        }
        var gradInfo = new WhileGradInfo
        {
            Graph = gb,
            DiffVars = diff,
            DvarArgs = dvarArgs,
            SavedArgs = savedArgs.ToArray(),
            SavedForward = savedForward.ToArray(),
            DvarResults = dvarResults,
            CaptureOutputs = capOutputs.ToArray(),
            DcapResults = dcapResults.ToArray(),
            CaptureInners = gb.Captures.Select(c => c.Inner).ToArray(),
        };
        // Inputs: the tape, the initial gradients, the forward captured values (for zero shapes), the gradient body's own captures.
        var inputs = new List<Tensor> { op.Outputs[n] };
        inputs.AddRange(initial);
        inputs.AddRange(capOutputs.Select(k => op.Inputs[n + nc + k]));
        inputs.AddRange(gb.Captures.Select(c => c.Outer));
        var outs = diff.Select(i => (info.BodyArgs[i].DType, info.Invariants[i]))
            .Concat(capOutputs.Select(k => (op.Inputs[n + nc + k].DType, op.Inputs[n + nc + k].Shape))).ToArray();
        var gop = outer.AddOperation("WhileGrad", op.Name.Replace('/', '_') + "_grad", inputs, outs,
            new Dictionary<string, object?> { ["info"] = gradInfo });
        for (int k = 0; k < diff.Length; k++) grads[diff[k]] = gop.Outputs[k];
        for (int j = 0; j < capOutputs.Count; j++) grads[n + nc + capOutputs[j]] = gop.Outputs[diff.Length + j];
        return grads;
    }

    /// <summary>Results of the gradient body must be its own tensors.</summary>
    private static Tensor Own(Graph gb, Tensor t) => t.Graph == gb ? t : StateOps.Identity(gb.Resolve(t, "WhileGrad", null), null);

    [OpKernel("WhileGrad")]
    private static void WhileGradKernel(OpContext ctx)
    {
        var gi = ctx.Attr<WhileGradInfo>("info");
        var tape = ctx.Input(0).Payload<WhileTape>();
        int nd = gi.DiffVars.Length, ncap = gi.CaptureOutputs.Length, ncapIn = gi.CaptureInners.Length;
        var savedIdx = gi.SavedForward.Select(t => Array.IndexOf(tape.Saved, t)).ToArray();
        for (int k = 0; k < savedIdx.Length; k++)
        {
            if (savedIdx[k] < 0)
                ctx.Fail($"the forward loop did not record '{gi.SavedForward[k].Name}', which its gradient needs; build the gradient before running the loop in this plan.");
        }
        var feedsT = gi.DvarArgs.Concat(gi.SavedArgs).Concat(gi.CaptureInners).ToArray();
        var fetches = gi.DvarResults.Concat(gi.DcapResults).ToArray();
        var plan = Executor.GetPlan(gi.Graph, fetches, Array.Empty<Operation>(), feedsT);
        var feeds = new NDArray[feedsT.Length];
        for (int j = 0; j < ncapIn; j++) feeds[nd + savedIdx.Length + j] = ctx.Input(1 + nd + ncap + j);
        var dvars = new NDArray[nd];
        for (int k = 0; k < nd; k++) dvars[k] = ctx.Input(1 + k);
        var dcaps = new NDArray?[ncap];
        var r = new NDArray[nd + ncap];
        for (int it = tape.Iterations.Count - 1; it >= 0; it--)
        {
            ctx.Run.Cancellation.ThrowIfCancellationRequested();
            var saved = tape.Iterations[it];
            Array.Copy(dvars, feeds, nd);
            for (int k = 0; k < savedIdx.Length; k++) feeds[nd + k] = saved[savedIdx[k]];
            Executor.Run(plan, feeds, ctx.Run, r);
            for (int k = 0; k < nd; k++) dvars[k] = r[k];
            for (int j = 0; j < ncap; j++)
                dcaps[j] = dcaps[j] is null ? r[nd + j] : TensorListGrads.AddArrays(dcaps[j]!, r[nd + j]);
        }
        for (int k = 0; k < nd; k++) ctx.SetOutput(k, dvars[k]);
        for (int j = 0; j < ncap; j++)
        {
            var like = ctx.Input(1 + nd + j);
            ctx.SetOutput(nd + j, dcaps[j] ?? (like.DType == DType.Variant
                ? NDArray.Variant(like.Payload<TensorList>().Cleared())
                : NDArray.Zeros(like.Shape, like.DType)));
        }
    }
}
