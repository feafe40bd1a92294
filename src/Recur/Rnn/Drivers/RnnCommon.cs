namespace Recur.Rnn;

/// <summary>Pieces shared by the static and dynamic drivers: TF's dtype inference, batch size, initial state and <c>_rnn_step</c>.</summary>
internal static class RnnCommon
{
    /// <summary>TF's <c>assert_like_rnncell</c>: a null cell is not a cell.</summary>
    public static void AssertCell(RnnCell? cell, string argName, string driver)
    {
        if (cell is null)
            throw new ArgumentNullException(argName, $"{driver}: the argument '{argName}' (null) is not an RNNCell.");
    }

    /// <summary>TF's <c>_infer_state_dtype</c>: <paramref name="dtype"/> if given, else the single dtype of the state's leaves.</summary>
    public static DType InferStateDType(DType? dtype, RnnState state)
    {
        if (dtype is DType d) return d;
        var leaves = state.Flatten();
        if (leaves.Count == 0) throw new ArgumentException("Unable to infer dtype from empty state.");
        var first = leaves[0].DType;
        if (leaves.Any(l => l.DType != first))
            throw new ArgumentException("State has tensors of different inferred dtypes. Unable to infer a single representative dtype. Pass dtype.");
        return first;
    }

    /// <summary>The initial state: <paramref name="initialState"/> if given (structure-checked), else the cell's zero state of <paramref name="dtype"/>.</summary>
    public static RnnState InitialState(RnnCell cell, RnnState? initialState, DType? dtype, Tensor batchSize, string driver, string missingDTypeMessage)
    {
        if (initialState is not null)
        {
            if (!cell.StateSize.Matches(initialState))
                throw new ArgumentException($"{driver}: initial_state must have the structure of the cell's state_size {cell.StateSize}, but got {initialState}.", nameof(initialState));
            return initialState;
        }
        if (dtype is null) throw new ArgumentException($"{driver}: {missingDTypeMessage}", nameof(dtype));
        return cell.ZeroState(batchSize, dtype.Value);
    }

    /// <summary>Casts sequence_length to int32 and checks its static rank (TF's "must be a vector of length batch_size").</summary>
    public static Tensor PrepareSequenceLength(Tensor sequenceLength, Tensor? batchSize, string driver)
    {
        if (!sequenceLength.DType.IsInteger())
            throw new ArgumentException($"{driver}: sequence_length must be int32 or int64, but got dtype {sequenceLength.DType}.", nameof(sequenceLength));
        if (sequenceLength.Shape.IsRankKnown && sequenceLength.Rank != 1)
            throw new ArgumentException($"{driver}: sequence_length must be a vector of length batch_size, but saw shape: {sequenceLength.Shape}.", nameof(sequenceLength));
        var len = sequenceLength.DType == DType.Int32 ? sequenceLength : Tf.Cast(sequenceLength, DType.Int32);
        return RnnOps.CheckSequenceLength(len, batchSize, driver);
    }

    /// <summary>Zeros of (batch,) + size for every leaf of the output size.</summary>
    public static RnnState ZeroOutput(RnnSize outputSize, Tensor batchSize, DType dtype) => RnnCell.ZerosFor(outputSize, batchSize, dtype);

    /// <summary>
    /// TF's <c>_copy_some_through</c> for one time step: rows with <c>time &gt;= length</c> get the zero output and keep
    /// the old state; rank-0 leaves are never copied through.
    /// </summary>
    public static (RnnState Output, RnnState State) CopySomeThrough(Tensor time, Tensor sequenceLength, RnnState zeroOutput,
        RnnState oldState, RnnState newOutput, RnnState newState)
    {
        var copy = Tf.GreaterEqual(time, sequenceLength);    // (batch,) bool
        var zo = zeroOutput.Flatten();
        var no = newOutput.Flatten();
        var os = oldState.Flatten();
        var ns = newState.Flatten();
        if (zo.Count != no.Count)
            throw new ArgumentException($"The cell's output {newOutput} does not have the structure of its output_size (zero output {zeroOutput}).");
        if (os.Count != ns.Count)
            throw new ArgumentException($"The cell's new state {newState} does not have the structure of its state {oldState}.");
        var outs = new Tensor[no.Count];
        for (int i = 0; i < outs.Length; i++) outs[i] = CopyOne(copy, zo[i], no[i]);
        var states = new Tensor[ns.Count];
        for (int i = 0; i < states.Length; i++) states[i] = CopyOne(copy, os[i], ns[i]);
        return (newOutput.PackAs(outs), newState.PackAs(states));
    }

    private static Tensor CopyOne(Tensor copy, Tensor old, Tensor @new)
    {
        if (@new.DType == DType.Variant || (@new.Shape.IsRankKnown && @new.Rank == 0)) return @new;   // TensorArrays and scalars pass through
        return Tf.Where(copy, old, @new);
    }

    /// <summary>The first dimension of <paramref name="x"/>: a constant when static, else <c>Tf.Shape(x)[axis]</c>.</summary>
    public static Tensor Dim(Tensor x, int axis) =>
        x.Shape.IsRankKnown && x.Shape[axis] >= 0 ? Tf.Constant(x.Shape[axis]) : Tf.Shape(x)[axis];

    /// <summary>Swaps the first two dimensions (TF's <c>_transpose_batch_time</c>); tensors of static rank &lt; 2 are returned unchanged.</summary>
    public static Tensor TransposeBatchTime(Tensor x)
    {
        if (x.Shape.IsRankKnown && x.Rank < 2) return x;
        if (!x.Shape.IsRankKnown)
            throw new ArgumentException($"RNN: input '{x.Name}' must have a known rank to swap its batch and time dimensions.");
        var perm = Enumerable.Range(0, x.Rank).ToArray();
        perm[0] = 1;
        perm[1] = 0;
        return Tf.Transpose(x, perm);
    }

    /// <summary>Wraps a nest of inputs given as a tensor or state nest.</summary>
    public static IReadOnlyList<Tensor> FlattenInputs(RnnState inputs, string driver)
    {
        var flat = inputs.Flatten();
        if (flat.Count == 0) throw new ArgumentException($"{driver}: inputs must not be empty.", nameof(inputs));
        return flat;
    }
}
