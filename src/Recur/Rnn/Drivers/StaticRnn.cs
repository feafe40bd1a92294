namespace Recur.Rnn;

/// <summary>TF's <c>static_rnn</c>: one copy of the cell per step, the length fixed when the graph is built.</summary>
internal static class StaticRnnDriver
{
    public const string Who = "StaticRnn";

    public static (IReadOnlyList<RnnState> Outputs, RnnState State) Run(RnnCell cell, IReadOnlyList<RnnState> inputs,
        RnnState? initialState, DType? dtype, Tensor? sequenceLength, string? scope, string who = Who)
    {
        RnnCommon.AssertCell(cell, "cell", who);
        if (inputs is null) throw new ArgumentException($"{who}: inputs must be a sequence (a list over time).", nameof(inputs));
        if (inputs.Count == 0) throw new ArgumentException($"{who}: inputs must not be empty.", nameof(inputs));
        using (Tf.VariableScope(scope ?? "rnn"))
        {
            // Batch size and input-depth checks on every step's leaves.
            var first = inputs[0].Flatten();
            int staticBatch = -1;
            foreach (var step in inputs)
            {
                foreach (var x in step.Flatten())
                {
                    if (!x.Shape.IsRankKnown)
                        throw new ArgumentException($"{who}: input '{x.Name}' must have a known rank.", nameof(inputs));
                    if (x.Rank >= 2)
                    {
                        for (int d = 1; d < x.Rank; d++)
                        {
                            if (x.Shape[d] < 0)
                                throw new ArgumentException($"{who}: input size (dimension {d} of inputs) must be accessible via shape inference, but saw value None (input shape {x.Shape}).", nameof(inputs));
                        }
                    }
                    int b = x.Shape[0];
                    if (b >= 0 && staticBatch >= 0 && b != staticBatch)
                        throw new ArgumentException($"{who}: the batch dimensions of the inputs are not compatible: {staticBatch} vs {b} (input '{x.Name}').", nameof(inputs));
                    if (b >= 0) staticBatch = b;
                }
            }
            var firstInput = first[0];
            Tensor batchSize = firstInput.Shape[0] >= 0 ? Tf.Constant(firstInput.Shape[0]) : Tf.Shape(firstInput)[0];
            var state = RnnCommon.InitialState(cell, initialState, dtype, batchSize, who, "If no initial_state is provided, dtype must be specified.");
            Tensor? seqLen = null;
            RnnState? zeroOutput = null;
            if (sequenceLength is not null)
            {
                seqLen = RnnCommon.PrepareSequenceLength(sequenceLength, null, who);
                zeroOutput = RnnCommon.ZeroOutput(cell.OutputSize, batchSize, RnnCommon.InferStateDType(dtype, state));
            }
            var outputs = new List<RnnState>(inputs.Count);
            for (int t = 0; t < inputs.Count; t++)
            {
                var (output, newState) = cell.Call(inputs[t], state);
                if (seqLen is not null)
                    (output, newState) = RnnCommon.CopySomeThrough(Tf.Constant(t), seqLen, zeroOutput!, state, output, newState);
                outputs.Add(output);
                state = newState;
            }
            return (outputs, state);
        }
    }
}
