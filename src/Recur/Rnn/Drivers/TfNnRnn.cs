using Recur.Rnn;

namespace Recur;

public static partial class Tf
{
    public static partial class Nn
    {
        /// <summary>
        /// Runs <paramref name="cell"/> over time with one <c>While</c> loop built once: any time length and any batch
        /// size at run time (TF: <c>tf.compat.v1.nn.dynamic_rnn</c>).
        /// </summary>
        /// <param name="cell">The cell.</param>
        /// <param name="inputs">(batch, time, depth), or (time, batch, depth) when <paramref name="timeMajor"/>.</param>
        /// <param name="sequenceLength">Optional int32/int64 (batch,): for row b, steps t ≥ length[b] output zeros and carry
        /// the state through, so the final state is the state after step length[b] − 1 (the initial state for 0).
        /// Lengths above T act as T; a negative length fed at run time is an error.</param>
        /// <param name="initialState">Optional initial state with the structure of <c>cell.StateSize</c>.</param>
        /// <param name="dtype">The dtype of the zero initial state and the outputs; required when there is no initial state.</param>
        /// <param name="parallelIterations">TF's loop parallelism (default 32): accepted, no numeric effect.</param>
        /// <param name="swapMemory">TF's GPU→CPU swap of activations: accepted; a no-op on the CPU.</param>
        /// <param name="timeMajor">Whether inputs and outputs are time-major.</param>
        /// <param name="scope">Variable scope (default <c>rnn</c>): variables are named <c>rnn/&lt;cell&gt;/kernel</c>.</param>
        /// <returns>Outputs (batch, time, output_size) (or time-major) and the final state.</returns>
        /// <exception cref="ArgumentException">No dtype and no initial state, inputs of rank &lt; 3, unknown depth, a
        /// sequence length that is not a vector, a state that does not match the cell, or (at run time) lengths that do
        /// not match the batch or are negative.</exception>
        /// <example><code>var cell = new LstmCell(64);
        /// var (outputs, state) = Tf.Nn.DynamicRnn(cell, x, sequenceLength: lengths, dtype: DType.Float32);
        /// var last = ((LstmStateTuple)state).H;</code></example>
        public static (Tensor Outputs, RnnState State) DynamicRnn(RnnCell cell, Tensor inputs,
            Tensor? sequenceLength = null, RnnState? initialState = null, DType? dtype = null,
            int? parallelIterations = null, bool swapMemory = false, bool timeMajor = false, string? scope = null)
        {
            ArgumentNullException.ThrowIfNull(inputs);
            var (outputs, state) = DynamicRnnDriver.Run(cell, RnnState.Of(inputs), sequenceLength, initialState, dtype,
                parallelIterations, swapMemory, timeMajor, scope);
            return (SingleOutput(outputs, "DynamicRnn"), state);
        }

        /// <summary>
        /// <see cref="DynamicRnn(RnnCell, Tensor, Tensor?, RnnState?, DType?, int?, bool, bool, string?)"/> with nested
        /// inputs (every leaf (batch, time, …) with the same batch and time) and nested outputs following the cell's
        /// <c>OutputSize</c>.
        /// </summary>
        public static (RnnState Outputs, RnnState State) DynamicRnn(RnnCell cell, RnnState inputs,
            Tensor? sequenceLength = null, RnnState? initialState = null, DType? dtype = null,
            int? parallelIterations = null, bool swapMemory = false, bool timeMajor = false, string? scope = null) =>
            DynamicRnnDriver.Run(cell, inputs, sequenceLength, initialState, dtype, parallelIterations, swapMemory, timeMajor, scope);

        /// <summary>
        /// Unrolls <paramref name="cell"/> over a list of inputs fixed when the graph is built: one copy of the cell per
        /// step, all sharing variables (TF: <c>tf.compat.v1.nn.static_rnn</c>). Note the argument order differs from
        /// <see cref="DynamicRnn(RnnCell, Tensor, Tensor?, RnnState?, DType?, int?, bool, bool, string?)"/>, as in TF.
        /// </summary>
        /// <param name="cell">The cell.</param>
        /// <param name="inputs">T tensors of shape (batch, depth).</param>
        /// <param name="initialState">Optional initial state.</param>
        /// <param name="dtype">Required when there is no initial state.</param>
        /// <param name="sequenceLength">Optional (batch,) lengths, same semantics as DynamicRnn.</param>
        /// <param name="scope">Variable scope (default <c>rnn</c>).</param>
        /// <returns>T outputs (batch, output_size) and the final state.</returns>
        /// <exception cref="ArgumentException">Empty inputs, unknown depth, incompatible batch dimensions, no dtype and no
        /// initial state, or a sequence length that is not a vector.</exception>
        public static (IReadOnlyList<Tensor> Outputs, RnnState State) StaticRnn(RnnCell cell, IReadOnlyList<Tensor> inputs,
            RnnState? initialState = null, DType? dtype = null, Tensor? sequenceLength = null, string? scope = null)
        {
            if (inputs is null) throw new ArgumentException("StaticRnn: inputs must be a sequence (a list over time).", nameof(inputs));
            var (outputs, state) = StaticRnnDriver.Run(cell, inputs.Select(RnnState.Of).ToList(), initialState, dtype, sequenceLength, scope);
            return (outputs.Select(o => SingleOutput(o, "StaticRnn")).ToList(), state);
        }

        /// <summary><see cref="StaticRnn(RnnCell, IReadOnlyList{Tensor}, RnnState?, DType?, Tensor?, string?)"/> with nested inputs and outputs per step.</summary>
        public static (IReadOnlyList<RnnState> Outputs, RnnState State) StaticRnn(RnnCell cell, IReadOnlyList<RnnState> inputs,
            RnnState? initialState = null, DType? dtype = null, Tensor? sequenceLength = null, string? scope = null) =>
            StaticRnnDriver.Run(cell, inputs, initialState, dtype, sequenceLength, scope);

        /// <summary>
        /// A forward and a backward <see cref="DynamicRnn(RnnCell, Tensor, Tensor?, RnnState?, DType?, int?, bool, bool, string?)"/>
        /// (TF: <c>tf.compat.v1.nn.bidirectional_dynamic_rnn</c>). The backward cell sees each row reversed over its first
        /// length[b] steps (<c>ReverseSequence</c>; the whole time axis without lengths) and its outputs are reversed back.
        /// Outputs are not concatenated (use <c>Tf.Concat(new[] { fw, bw }, 2)</c>). Variables:
        /// <c>bidirectional_rnn/fw/…</c> and <c>bidirectional_rnn/bw/…</c>.
        /// </summary>
        public static ((Tensor Fw, Tensor Bw) Outputs, (RnnState Fw, RnnState Bw) States) BidirectionalDynamicRnn(
            RnnCell cellFw, RnnCell cellBw, Tensor inputs, Tensor? sequenceLength = null,
            RnnState? initialStateFw = null, RnnState? initialStateBw = null, DType? dtype = null,
            int? parallelIterations = null, bool swapMemory = false, bool timeMajor = false, string? scope = null)
        {
            ArgumentNullException.ThrowIfNull(inputs);
            var (o, s) = BidirectionalDriver.Dynamic(cellFw, cellBw, RnnState.Of(inputs), sequenceLength, initialStateFw, initialStateBw,
                dtype, parallelIterations, swapMemory, timeMajor, scope);
            return ((SingleOutput(o.Fw, "BidirectionalDynamicRnn"), SingleOutput(o.Bw, "BidirectionalDynamicRnn")), s);
        }

        /// <summary>
        /// A forward and a backward <see cref="StaticRnn(RnnCell, IReadOnlyList{Tensor}, RnnState?, DType?, Tensor?, string?)"/>
        /// whose outputs are concatenated per step (TF: <c>tf.compat.v1.nn.static_bidirectional_rnn</c>, which returns a
        /// 3-tuple).
        /// </summary>
        /// <returns>T outputs (batch, fw_output + bw_output) and both final states.</returns>
        public static (IReadOnlyList<Tensor> Outputs, RnnState StateFw, RnnState StateBw) StaticBidirectionalRnn(
            RnnCell cellFw, RnnCell cellBw, IReadOnlyList<Tensor> inputs, RnnState? initialStateFw = null,
            RnnState? initialStateBw = null, DType? dtype = null, Tensor? sequenceLength = null, string? scope = null)
        {
            if (inputs is null) throw new ArgumentException("StaticBidirectionalRnn: inputs must be a sequence (a list over time).", nameof(inputs));
            var (o, fw, bw) = BidirectionalDriver.Static(cellFw, cellBw, inputs.Select(RnnState.Of).ToList(), initialStateFw, initialStateBw,
                dtype, sequenceLength, scope);
            return (o.Select(x => SingleOutput(x, "StaticBidirectionalRnn")).ToList(), fw, bw);
        }

        /// <summary>
        /// <see cref="StaticBidirectionalRnn(RnnCell, RnnCell, IReadOnlyList{Tensor}, RnnState?, RnnState?, DType?, Tensor?, string?)"/>
        /// with nested inputs per step: every output leaf is the concatenation of the forward and backward leaf.
        /// </summary>
        public static (IReadOnlyList<RnnState> Outputs, RnnState StateFw, RnnState StateBw) StaticBidirectionalRnn(
            RnnCell cellFw, RnnCell cellBw, IReadOnlyList<RnnState> inputs, RnnState? initialStateFw = null,
            RnnState? initialStateBw = null, DType? dtype = null, Tensor? sequenceLength = null, string? scope = null) =>
            BidirectionalDriver.Static(cellFw, cellBw, inputs, initialStateFw, initialStateBw, dtype, sequenceLength, scope);

        /// <summary>
        /// An RNN whose loop is driven by <paramref name="loopFn"/> (TF: <c>tf.compat.v1.nn.raw_rnn</c>): it gives the first
        /// input and state at time 0, and after every step the next input, which rows are finished, what to emit and
        /// an optional loop state. Finished rows emit zeros and keep their state. The loop ends when every row is finished.
        /// </summary>
        /// <returns>The emitted values — dynamic-size tensor arrays in the structure of the emits
        /// (<c>emitTa.TensorArray.Stack()</c> gives (time, batch, …) for a single emit) — the final state, and the final
        /// loop state (null when none was used).</returns>
        public static (RnnState EmitTa, RnnState FinalState, RnnState? FinalLoopState) RawRnn(RnnCell cell, RawRnnLoopFn loopFn,
            int? parallelIterations = null, bool swapMemory = false, string? scope = null) =>
            RawRnnDriver.Run(cell, loopFn, parallelIterations, swapMemory, scope);

        /// <summary>
        /// <see cref="StaticRnn(RnnCell, IReadOnlyList{Tensor}, RnnState?, DType?, Tensor?, string?)"/> whose initial
        /// state comes from <paramref name="stateSaver"/> and whose final state is saved back (TF:
        /// <c>tf.compat.v1.nn.static_state_saving_rnn</c>). <paramref name="stateNames"/> has one name per leaf of the
        /// cell's state (e.g. c and h of an LSTM).
        /// </summary>
        /// <exception cref="ArgumentException">The number of names differs from the state's leaves.</exception>
        public static (IReadOnlyList<Tensor> Outputs, RnnState State) StaticStateSavingRnn(RnnCell cell, IReadOnlyList<Tensor> inputs,
            IStateSaver stateSaver, IReadOnlyList<string> stateNames, Tensor? sequenceLength = null, string? scope = null)
        {
            if (inputs is null) throw new ArgumentException("StaticStateSavingRnn: inputs must be a sequence (a list over time).", nameof(inputs));
            var (o, s) = StateSavingDriver.Run(cell, inputs.Select(RnnState.Of).ToList(), stateSaver, stateNames, true, sequenceLength, scope);
            return (o.Select(x => SingleOutput(x, "StaticStateSavingRnn")).ToList(), s);
        }

        /// <summary>
        /// <see cref="StaticStateSavingRnn(RnnCell, IReadOnlyList{Tensor}, IStateSaver, IReadOnlyList{string}, Tensor?, string?)"/>
        /// with nested inputs and outputs per step.
        /// </summary>
        public static (IReadOnlyList<RnnState> Outputs, RnnState State) StaticStateSavingRnn(RnnCell cell, IReadOnlyList<RnnState> inputs,
            IStateSaver stateSaver, IReadOnlyList<string> stateNames, Tensor? sequenceLength = null, string? scope = null)
        {
            if (inputs is null) throw new ArgumentException("StaticStateSavingRnn: inputs must be a sequence (a list over time).", nameof(inputs));
            return StateSavingDriver.Run(cell, inputs, stateSaver, stateNames, true, sequenceLength, scope);
        }

        /// <summary>The single-name form for cells whose state is one tensor (TF: <c>state_name</c> a string).</summary>
        public static (IReadOnlyList<Tensor> Outputs, RnnState State) StaticStateSavingRnn(RnnCell cell, IReadOnlyList<Tensor> inputs,
            IStateSaver stateSaver, string stateName, Tensor? sequenceLength = null, string? scope = null)
        {
            if (inputs is null) throw new ArgumentException("StaticStateSavingRnn: inputs must be a sequence (a list over time).", nameof(inputs));
            ArgumentNullException.ThrowIfNull(stateName);
            var (o, s) = StateSavingDriver.Run(cell, inputs.Select(RnnState.Of).ToList(), stateSaver, new[] { stateName }, false, sequenceLength, scope);
            return (o.Select(x => SingleOutput(x, "StaticStateSavingRnn")).ToList(), s);
        }

        private static Tensor SingleOutput(RnnState output, string who) => output.IsTensor ? output.Tensor
            : throw new InvalidOperationException($"{who}: the cell's output is a nest ({output}); use the overload that takes RnnState inputs.");
    }
}
