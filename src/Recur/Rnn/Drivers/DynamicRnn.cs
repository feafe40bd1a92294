namespace Recur.Rnn;

/// <summary>TF's <c>dynamic_rnn</c> and <c>_dynamic_rnn_loop</c>: one <c>While</c> loop over time, whatever the length.</summary>
internal static class DynamicRnnDriver
{
    public const string Who = "DynamicRnn";

    public static (RnnState Outputs, RnnState State) Run(RnnCell cell, RnnState inputs, Tensor? sequenceLength,
        RnnState? initialState, DType? dtype, int? parallelIterations, bool swapMemory, bool timeMajor, string? scope)
    {
        RnnCommon.AssertCell(cell, "cell", Who);
        ArgumentNullException.ThrowIfNull(inputs);
        if (parallelIterations is <= 0)
            throw new ArgumentException($"{Who}: parallelIterations must be positive, but got {parallelIterations}.", nameof(parallelIterations));
        _ = swapMemory;   // accepted for TF compatibility; CPU execution keeps everything in memory
        using (Tf.VariableScope(scope ?? "rnn"))
        {
            var flat = RnnCommon.FlattenInputs(inputs, Who);
            if (!timeMajor)
            {
                foreach (var x in flat)
                {
                    if (!x.Shape.IsRankKnown)
                        throw new ArgumentException($"RNN: input '{x.Name}' must have a known rank to swap its batch and time dimensions.");
                }
            }
            var batchSize = BestEffortBatchSize(flat, timeMajor);
            Tensor? seqLen = null;
            if (sequenceLength is not null)
                seqLen = RnnCommon.PrepareSequenceLength(sequenceLength, batchSize, Who);
            var state = RnnCommon.InitialState(cell, initialState, dtype, batchSize, Who, "If there is no initial_state, you must give a dtype.");
            var (staticT, staticB) = CheckInputs(flat, timeMajor);
            if (flat.Count == 1 && inputs.IsTensor && staticT != 0 && cell.CanFuse && Graph.Default.UseFusedRnn)
            {
                // One fused op per layer runs the whole sequence (docs/decisions/0013); same variables, math and lengths
                // rule. The kernels read batch-major inputs and write batch-major outputs in place: no transposes.
                var (y, fusedState) = cell.CallFused(flat[0], seqLen, state, timeMajor);
                return (RnnState.Of(y), fusedState);
            }
            var timeMajorFlat = timeMajor ? flat.ToArray() : flat.Select(RnnCommon.TransposeBatchTime).ToArray();
            var (outputs, finalState) = Loop(cell, inputs, timeMajorFlat, staticT, staticB, state, parallelIterations ?? 32, seqLen, dtype, batchSize);
            if (!timeMajor) outputs = outputs.Map(RnnCommon.TransposeBatchTime);
            return (outputs, finalState);
        }
    }

    /// <summary>TF's <c>_best_effort_input_batch_size</c>: the batch axis is 1 of time-major inputs, 0 of batch-major ones.</summary>
    private static Tensor BestEffortBatchSize(IReadOnlyList<Tensor> flat, bool timeMajor)
    {
        int axis = timeMajor ? 1 : 0;
        foreach (var x in flat)
        {
            if (!x.Shape.IsRankKnown) continue;
            if (x.Rank < 2) throw new ArgumentException($"{Who}: expected input tensor {x.Name} to have rank at least 2, but its shape is {x.Shape}.");
            if (x.Shape[axis] >= 0) return Tf.Constant(x.Shape[axis]);
        }
        return Tf.Shape(flat[0])[axis];
    }

    /// <summary>
    /// The static checks of TF's <c>_dynamic_rnn_loop</c> on the inputs in their given layout; returns the static time
    /// and batch sizes (-1 where unknown).
    /// </summary>
    private static (int T, int B) CheckInputs(IReadOnlyList<Tensor> flat, bool timeMajor)
    {
        int staticT = -2, staticB = -2;
        foreach (var x in flat)
        {
            if (!x.Shape.IsRankKnown || x.Rank < 3)
                throw new ArgumentException($"{Who}: inputs must have rank at least 3 ((batch, time, depth) or (time, batch, depth)), but input '{x.Name}' has shape {x.Shape} (shape must be at least rank 3).");
            for (int d = 2; d < x.Rank; d++)
            {
                if (x.Shape[d] < 0)
                    throw new ArgumentException($"{Who}: input size (depth of inputs) must be accessible via shape inference, but saw value None (input shape {x.Shape}).");
            }
            int t = x.Shape[timeMajor ? 0 : 1], b = x.Shape[timeMajor ? 1 : 0];
            if (staticT != -2 && t != staticT)
                throw new ArgumentException($"{Who}: time steps is not the same for all the elements in the input in a batch ({staticT} vs {t}).");
            if (staticB != -2 && b != staticB)
                throw new ArgumentException($"{Who}: batch_size is not the same for all the elements in the input ({staticB} vs {b}).");
            staticT = t;
            staticB = b;
        }
        return (staticT, staticB);
    }

    /// <summary>TF's <c>_dynamic_rnn_loop</c> on time-major inputs, checked by <see cref="CheckInputs"/>.</summary>
    private static (RnnState Outputs, RnnState State) Loop(RnnCell cell, RnnState inputStructure, Tensor[] flat, int staticT, int staticB, RnnState state,
        int parallelIterations, Tensor? seqLen, DType? dtype, Tensor batchSize)
    {
        var outDType = RnnCommon.InferStateDType(dtype, state);
        var timeSteps = RnnCommon.Dim(flat[0], 0);
        var zeroOutput = RnnCommon.ZeroOutput(cell.OutputSize, batchSize, outDType);
        Tensor maxLen = seqLen is null ? timeSteps : Tf.ReduceMax(seqLen);

        var inputTas = flat.Select((x, i) => new TensorArray(x.DType, timeSteps, elementShape: x.Shape.Slice(1), name: $"input_{i}").Unstack(x)).ToArray();
        var outLeaves = cell.OutputSize.Flatten();
        var outputTas = outLeaves.Select((l, i) =>
            new TensorArray(outDType, timeSteps, elementShape: new Shape(staticB >= 0 ? staticB : -1).Concatenate(l.Shape), name: $"output_{i}")).ToArray();

        var loopBound = Tf.Minimum(timeSteps, Tf.Maximum(Tf.Constant(1), maxLen));
        var time = Tf.Constant(0, name: "time");
        var (_, finalTas, finalState) = Tf.WhileLoop(
            v => Tf.Less(v.Item1, loopBound),
            v =>
            {
                var (t, tas, st) = v;
                var inputT = Nest.PackSequenceAs(inputStructure, inputTas.Select(ta => ta.Read(t)).ToList());
                var (output, newState) = cell.Call(inputT, st);
                if (output.Flatten().Count != outLeaves.Count)
                    throw new ArgumentException($"{Who}: the cell returned an output {output} that does not match its output_size {cell.OutputSize}.");
                if (!cell.StateSize.Matches(newState))
                    throw new ArgumentException($"{Who}: the cell returned a state {newState} that does not match its state_size {cell.StateSize}.");
                if (seqLen is not null)
                    (output, newState) = RnnCommon.CopySomeThrough(t, seqLen, zeroOutput, st, output, newState);
                var flatOut = output.Flatten();
                var newTas = tas.Select((ta, i) => ta.Write(t, flatOut[i])).ToArray();
                return (t + 1, newTas, newState);
            },
            (time, outputTas, state),
            maximumIterations: timeSteps,
            name: "while");
        _ = parallelIterations;
        var stacked = finalTas.Select((ta, i) =>
        {
            var s = ta.Stack();
            var expected = new Shape(staticT >= 0 ? staticT : -1, staticB >= 0 ? staticB : -1).Concatenate(outLeaves[i].Shape);
            return RnnOps.EnsureShape(s, expected);
        }).ToList();
        return (zeroOutput.PackAs(stacked), finalState);
    }
}
