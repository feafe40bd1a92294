namespace Recur.Rnn;

/// <summary>TF's <c>bidirectional_dynamic_rnn</c> and <c>static_bidirectional_rnn</c>.</summary>
internal static class BidirectionalDriver
{
    public static ((RnnState Fw, RnnState Bw) Outputs, (RnnState Fw, RnnState Bw) States) Dynamic(RnnCell cellFw, RnnCell cellBw,
        RnnState inputs, Tensor? sequenceLength, RnnState? initialStateFw, RnnState? initialStateBw, DType? dtype,
        int? parallelIterations, bool swapMemory, bool timeMajor, string? scope)
    {
        const string who = "BidirectionalDynamicRnn";
        RnnCommon.AssertCell(cellFw, "cellFw", who);
        RnnCommon.AssertCell(cellBw, "cellBw", who);
        ArgumentNullException.ThrowIfNull(inputs);
        using (Tf.VariableScope(scope ?? "bidirectional_rnn"))
        {
            var (outFw, stateFw) = DynamicRnnDriver.Run(cellFw, inputs, sequenceLength, initialStateFw, dtype,
                parallelIterations, swapMemory, timeMajor, "fw");
            int timeAxis = timeMajor ? 0 : 1, batchAxis = timeMajor ? 1 : 0;
            Tensor Reverse(Tensor x) => sequenceLength is null
                ? Tf.Reverse(x, new[] { timeAxis })
                : Tf.ReverseSequence(x, sequenceLength, timeAxis, batchAxis);
            var reversed = inputs.Map(Reverse);
            var (outBw, stateBw) = DynamicRnnDriver.Run(cellBw, reversed, sequenceLength, initialStateBw, dtype,
                parallelIterations, swapMemory, timeMajor, "bw");
            outBw = outBw.Map(Reverse);
            return ((outFw, outBw), (stateFw, stateBw));
        }
    }

    public static (IReadOnlyList<RnnState> Outputs, RnnState StateFw, RnnState StateBw) Static(RnnCell cellFw, RnnCell cellBw,
        IReadOnlyList<RnnState> inputs, RnnState? initialStateFw, RnnState? initialStateBw, DType? dtype, Tensor? sequenceLength, string? scope)
    {
        const string who = "StaticBidirectionalRnn";
        RnnCommon.AssertCell(cellFw, "cellFw", who);
        RnnCommon.AssertCell(cellBw, "cellBw", who);
        if (inputs is null) throw new ArgumentException($"{who}: inputs must be a sequence (a list over time).", nameof(inputs));
        if (inputs.Count == 0) throw new ArgumentException($"{who}: inputs must not be empty.", nameof(inputs));
        using (Tf.VariableScope(scope ?? "bidirectional_rnn"))
        {
            var (outFw, stateFw) = StaticRnnDriver.Run(cellFw, inputs, initialStateFw, dtype, sequenceLength, "fw", who);
            var reversed = ReverseSeq(inputs, sequenceLength);
            var (tmp, stateBw) = StaticRnnDriver.Run(cellBw, reversed, initialStateBw, dtype, sequenceLength, "bw", who);
            var outBw = ReverseSeq(tmp, sequenceLength);
            var outputs = new List<RnnState>(inputs.Count);
            for (int t = 0; t < inputs.Count; t++)
            {
                var f = outFw[t].Flatten();
                var b = outBw[t].Flatten();
                outputs.Add(outFw[t].PackAs(f.Select((x, i) => Tf.Concat(new[] { x, b[i] }, 1)).ToList()));
            }
            return (outputs, stateFw, stateBw);
        }
    }

    /// <summary>TF's <c>_reverse_seq</c>: reverses a list over time, only the first length[b] steps of each row when lengths are given.</summary>
    private static List<RnnState> ReverseSeq(IReadOnlyList<RnnState> seq, Tensor? lengths)
    {
        if (lengths is null) return seq.Reverse().ToList();
        int leaves = seq[0].Flatten().Count;
        var perLeaf = new List<Tensor[]>();
        for (int k = 0; k < leaves; k++)
        {
            var stacked = Tf.Stack(seq.Select(s => s.Flatten()[k]).ToList(), 0);              // (T, B, D)
            var rev = Tf.ReverseSequence(stacked, lengths, 0, 1);
            perLeaf.Add(Tf.Unstack(rev, 0));
        }
        return seq.Select((s, t) => s.PackAs(perLeaf.Select(l => l[t]).ToList())).ToList();
    }
}
