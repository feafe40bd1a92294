namespace Recur.Keras;

/// <summary>
/// The Keras backend functions the RNN layers are built on (TF: <c>tf.keras.backend</c>, graph mode).
/// </summary>
public static class Backend
{
    private const string Who = "Backend.Rnn";

    /// <summary>
    /// Iterates <paramref name="stepFunction"/> over the time dimension of <paramref name="inputs"/>
    /// (TF: <c>tf.keras.backend.rnn(step_function, inputs, initial_states, go_backwards, mask, constants, unroll,
    /// input_length, time_major, zero_output_for_mask, return_all_outputs)</c>).
    /// </summary>
    /// <remarks>
    /// <para>
    /// The math, for processing steps k = 0 … T−1 over input step t = k (or t = T−1−k with
    /// <paramref name="goBackwards"/>): <c>(o, s') = stepFunction(x_t, states ++ constants)</c>. Without a mask,
    /// <c>outputs[k] = o</c> and <c>states = s'</c>. With a mask, row b at a masked step (<c>mask[b, t] = false</c>)
    /// keeps every state (<c>states = where(mask_t, s', states)</c>) and outputs the previous step's (already masked)
    /// output — zeros before the first processed step — or zeros when <paramref name="zeroOutputForMask"/> is set:
    /// <c>outputs[k] = where(mask_t, o, zeroOutputForMask ? 0 : outputs[k−1])</c>. <c>LastOutput = outputs[T−1]</c>,
    /// so with trailing padding it is the last unmasked output (or zeros with <paramref name="zeroOutputForMask"/>).
    /// Outputs are in processing order: with <paramref name="goBackwards"/>, <c>Outputs[:, 0]</c> belongs to input
    /// step T−1.
    /// </para>
    /// <para>
    /// <paramref name="unroll"/> = true builds one copy of the step per time step (T must be known when the graph is
    /// built); otherwise one <c>While</c> loop over <see cref="TensorArray"/>s runs as many steps as the fed data has.
    /// Both give the same values and gradients. As in Keras, the while form calls <paramref name="stepFunction"/>
    /// once outside the loop on input step 0 to learn the output's dtype and shape (that value is discarded; the
    /// session prunes it).
    /// </para>
    /// <para>
    /// One deliberate difference from tf-keras: with <paramref name="unroll"/>, <paramref name="goBackwards"/> and
    /// <paramref name="zeroOutputForMask"/> together, tf-keras zeroes the stacked outputs with the <i>unreversed</i>
    /// mask (its outputs are in processing order, so rows are zeroed at the wrong steps, and the result differs from
    /// its own while-loop form). Recur zeroes masked steps in processing order in both forms.
    /// </para>
    /// <para>Shapes (B = batch, T = time; <c>(time, batch, …)</c> instead when <paramref name="timeMajor"/>):</para>
    /// <list type="bullet">
    /// <item><paramref name="inputs"/>: <c>(batch, time, features…)</c>, rank ≥ 3.</item>
    /// <item><paramref name="initialStates"/>: each <c>(batch, …)</c>; the step returns new states of the same shapes.</item>
    /// <item><paramref name="mask"/>: <c>(batch, time)</c> (<c>(time, batch)</c> when time-major), Bool (other dtypes are
    /// cast, non-zero = keep).</item>
    /// <item><paramref name="constants"/>: any tensors, appended to the states passed to the step (not masked, not carried).</item>
    /// <item>Result <c>LastOutput</c>: <c>(batch, output…)</c>; <c>Outputs</c>: <c>(batch, time, output…)</c>, or
    /// <c>(batch, 1, output…)</c> when <paramref name="returnAllOutputs"/> is false; <c>NewStates</c>: the final states.</item>
    /// </list>
    /// </remarks>
    /// <param name="stepFunction">
    /// <c>(input_t (batch, features…), states ++ constants) → (output (batch, output…), new states)</c> (TF: the
    /// step_function); it must return as many new states as <paramref name="initialStates"/> has.
    /// </param>
    /// <param name="inputs">The sequence, at least rank 3.</param>
    /// <param name="initialStates">The states before the first step (may be empty).</param>
    /// <param name="goBackwards">Process the time steps from last to first.</param>
    /// <param name="mask">Optional (batch, time) mask; true = a real step.</param>
    /// <param name="constants">Optional tensors passed to every step after the states.</param>
    /// <param name="unroll">Build a static loop (needs a known T) instead of a <c>While</c> loop.</param>
    /// <param name="inputLength">
    /// The static number of time steps, if known (TF: <c>input_length</c>); when given it must be positive and equal
    /// a known T, and it bounds the <c>While</c> loop (<c>maximum_iterations</c>). Keras's ragged form (a tensor of
    /// row lengths) is not supported here; pass a mask.
    /// </param>
    /// <param name="timeMajor">Inputs, mask and outputs are <c>(time, batch, …)</c>.</param>
    /// <param name="zeroOutputForMask">Masked steps output zeros instead of the previous output.</param>
    /// <param name="returnAllOutputs">Keep every step's output; when false, <c>Outputs</c> holds only the last one.</param>
    /// <returns>The last output, all outputs and the final states.</returns>
    /// <exception cref="ArgumentException">
    /// Inputs of rank &lt; 3; no time steps; <paramref name="unroll"/> with an unknown number of time steps
    /// ("Unrolling requires a fixed number of timesteps."); a mask that is not rank 2 or whose shape does not match
    /// (batch, time); an <paramref name="inputLength"/> that is not positive or differs from the inputs' time
    /// dimension; a step function that returns no output or a different number of states.
    /// </exception>
    /// <example><code>
    /// // TF: last, outputs, states = K.rnn(lambda x, s: (x, [s[0] + 1]), inputs, [h0], mask=mask)
    /// var (last, outputs, states) = Backend.Rnn((x, s) => (x, new[] { s[0] + 1.0 }), inputs, new[] { h0 }, mask: mask);
    /// </code></example>
    public static (Tensor LastOutput, Tensor Outputs, IReadOnlyList<Tensor> NewStates) Rnn(
        Func<Tensor, IReadOnlyList<Tensor>, (Tensor Output, IReadOnlyList<Tensor> NewStates)> stepFunction,
        Tensor inputs, IReadOnlyList<Tensor> initialStates, bool goBackwards = false, Tensor? mask = null,
        IReadOnlyList<Tensor>? constants = null, bool unroll = false, int? inputLength = null, bool timeMajor = false,
        bool zeroOutputForMask = false, bool returnAllOutputs = true)
    {
        ArgumentNullException.ThrowIfNull(stepFunction);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(initialStates);
        for (int i = 0; i < initialStates.Count; i++)
        {
            if (initialStates[i] is null) throw new ArgumentException($"{Who}: initialStates[{i}] is null.", nameof(initialStates));
        }
        var consts = constants ?? Array.Empty<Tensor>();
        for (int i = 0; i < consts.Count; i++)
        {
            if (consts[i] is null) throw new ArgumentException($"{Who}: constants[{i}] is null.", nameof(constants));
        }
        if (!inputs.Shape.IsRankKnown || inputs.Rank < 3)
        {
            throw new ArgumentException(
                $"{Who}: inputs must have rank at least 3 ((batch, time, features), or (time, batch, features) with timeMajor), but got shape {inputs.Shape}.",
                nameof(inputs));
        }

        var x = timeMajor ? inputs : SwapBatchTime(inputs);   // (time, batch, …)
        int staticT = x.Shape[0];
        if (staticT == 0)
            throw new ArgumentException($"{Who}: inputs must have at least one time step, but got shape {inputs.Shape}.", nameof(inputs));
        if (inputLength is int length)
        {
            if (length <= 0)
                throw new ArgumentException($"{Who}: inputLength must be positive, but got {length}.", nameof(inputLength));
            if (staticT >= 0 && length != staticT)
                throw new ArgumentException($"{Who}: inputLength is {length}, but the inputs have {staticT} time steps (shape {inputs.Shape}).", nameof(inputLength));
        }
        var m = mask is null ? null : PrepareMask(mask, x, timeMajor);   // (time, batch) Bool

        Step step = (input, states) =>
        {
            var (output, newStates) = stepFunction(input, states.Concat(consts).ToArray());
            if (output is null) throw new ArgumentException($"{Who}: the step function returned a null output.", nameof(stepFunction));
            if (newStates is null || newStates.Count != states.Count || newStates.Any(s => s is null))
            {
                throw new ArgumentException(
                    $"{Who}: the step function must return {states.Count} new states (one per initial state), but returned {newStates?.Count.ToString() ?? "null"}"
                    + (newStates is not null && newStates.Any(s => s is null) ? " with a null entry." : "."),
                    nameof(stepFunction));
            }
            return (output, newStates);
        };

        Tensor lastOutput, outputs;
        IReadOnlyList<Tensor> finalStates;
        if (unroll)
        {
            if (staticT < 0)
                throw new ArgumentException($"{Who}: Unrolling requires a fixed number of timesteps, but the inputs have shape {inputs.Shape}.", nameof(unroll));
            (lastOutput, outputs, finalStates) = Unrolled(step, x, initialStates, m, goBackwards, zeroOutputForMask, returnAllOutputs);
        }
        else
        {
            (lastOutput, outputs, finalStates) = Looped(step, x, initialStates, m, goBackwards, zeroOutputForMask, returnAllOutputs, inputLength);
        }
        if (!timeMajor) outputs = SwapBatchTime(outputs);
        return (lastOutput, outputs, finalStates);
    }

    private delegate (Tensor Output, IReadOnlyList<Tensor> NewStates) Step(Tensor input, IReadOnlyList<Tensor> states);

    /// <summary>TF: <c>swap_batch_timestep</c>, a transpose of the first two dimensions.</summary>
    private static Tensor SwapBatchTime(Tensor x)
    {
        var perm = Enumerable.Range(0, x.Rank).ToArray();
        (perm[0], perm[1]) = (1, 0);
        return Tf.Transpose(x, perm);
    }

    private static Tensor PrepareMask(Tensor mask, Tensor timeMajorInputs, bool timeMajor)
    {
        if (!mask.Shape.IsRankKnown || mask.Rank != 2)
        {
            throw new ArgumentException(
                $"{Who}: mask must have shape {(timeMajor ? "(time, batch)" : "(batch, time)")}, but got shape {mask.Shape}.", nameof(mask));
        }
        if (mask.DType != DType.Bool) mask = Tf.Cast(mask, DType.Bool);
        var m = timeMajor ? mask : Tf.Transpose(mask, new[] { 1, 0 });
        var expected = timeMajorInputs.Shape.Slice(0, 2);
        if (!m.Shape.IsCompatibleWith(expected))
        {
            var shown = timeMajor ? expected : new Shape(expected[1], expected[0]);
            throw new ArgumentException(
                $"{Who}: mask must have shape {shown} to match the inputs of shape {(timeMajor ? timeMajorInputs.Shape : SwappedShape(timeMajorInputs.Shape))}, but got shape {mask.Shape}.",
                nameof(mask));
        }
        return m;
    }

    private static Shape SwappedShape(Shape s)
    {
        var d = s.Dims.ToArray();
        (d[0], d[1]) = (d[1], d[0]);
        return new Shape(d);
    }

    /// <summary>Per row of the batch: <paramref name="keep"/> where <paramref name="maskT"/> (batch,) is true, else <paramref name="other"/>.</summary>
    private static Tensor Masked(Tensor maskT, Tensor keep, Tensor other) => Tf.Where(maskT, keep, other);

    private static IReadOnlyList<Tensor> MaskStates(Tensor maskT, IReadOnlyList<Tensor> newStates, IReadOnlyList<Tensor> states)
    {
        var result = new Tensor[states.Count];
        for (int i = 0; i < result.Length; i++) result[i] = Masked(maskT, newStates[i], states[i]);
        return result;
    }

    /// <summary>The static loop (TF: the <c>unroll=True</c> branch of <c>backend.rnn</c>).</summary>
    private static (Tensor, Tensor, IReadOnlyList<Tensor>) Unrolled(Step step, Tensor x, IReadOnlyList<Tensor> initialStates, Tensor? mask,
        bool goBackwards, bool zeroOutputForMask, bool returnAllOutputs)
    {
        var inputs = Tf.Unstack(x, 0).ToList();
        var masks = mask is null ? null : Tf.Unstack(mask, 0).ToList();
        if (goBackwards)
        {
            inputs.Reverse();
            masks?.Reverse();
        }
        IReadOnlyList<Tensor> states = initialStates.ToArray();
        var outputs = new List<Tensor>();
        for (int k = 0; k < inputs.Count; k++)
        {
            var (output, newStates) = step(inputs[k], states);
            if (masks is not null)
            {
                // Keras zeroes masked outputs after the loop; where(m, where(m, o, prev), 0) = where(m, o, 0), so doing it
                // here gives the same values and gradients.
                var fallback = zeroOutputForMask || outputs.Count == 0 ? Tf.ZerosLike(output) : outputs[^1];
                output = Masked(masks[k], output, fallback);
                newStates = MaskStates(masks[k], newStates, states);
            }
            states = newStates;
            if (!returnAllOutputs) outputs.Clear();
            outputs.Add(output);
        }
        return (outputs[^1], Tf.Stack(outputs, 0), states);
    }

    /// <summary>The <c>While</c> loop over tensor arrays (TF: the <c>unroll=False</c> branch of <c>backend.rnn</c>).</summary>
    private static (Tensor, Tensor, IReadOnlyList<Tensor>) Looped(Step step, Tensor x, IReadOnlyList<Tensor> initialStates, Tensor? mask,
        bool goBackwards, bool zeroOutputForMask, bool returnAllOutputs, int? inputLength)
    {
        int staticT = x.Shape[0];
        var timeSteps = staticT >= 0 ? Tf.Constant(staticT) : Tf.Shape(x)[0];
        var inputTa = NewArray(x.DType, staticT, timeSteps, x.Shape.Slice(1), "input_ta_0")
            .Unstack(goBackwards ? Tf.Reverse(x, new[] { 0 }) : x);
        TensorArray? maskTa = null;
        if (mask is not null)
            maskTa = NewArray(DType.Bool, staticT, timeSteps, mask.Shape.Slice(1), "mask_ta").Unstack(goBackwards ? Tf.Reverse(mask, new[] { 0 }) : mask);

        // As in Keras: one call on input step 0 to learn the output's dtype and shape; the value is discarded.
        var (outputTimeZero, _) = step(x[0], initialStates);
        var outputTa = returnAllOutputs
            ? NewArray(outputTimeZero.DType, staticT, timeSteps, outputTimeZero.Shape, "output_ta_0")
            : new TensorArray(outputTimeZero.DType, 1, elementShape: outputTimeZero.Shape, name: "output_ta_0");
        var zeroOutput = Tf.ZerosLike(outputTimeZero);

        var time = Tf.Constant(0, name: "time");
        var (_, finalTa, _, finalStates) = Tf.WhileLoop(
            v => Tf.Less(v.Item1, timeSteps),
            v =>
            {
                var (t, ta, prevOutput, states) = v;
                var (output, newStates) = step(inputTa.Read(t), states);
                if (maskTa is not null)
                {
                    var maskT = maskTa.Read(t);
                    output = Masked(maskT, output, zeroOutputForMask ? zeroOutput : prevOutput);
                    newStates = MaskStates(maskT, newStates, states);
                }
                ta = ta.Write(returnAllOutputs ? t : Tf.Constant(0), output);
                return (t + 1, ta, output, newStates.ToArray());
            },
            (time, outputTa, zeroOutput, initialStates.ToArray()),
            maximumIterations: inputLength is int n ? Tf.Constant(n) : null,
            name: "while");
        var outputs = finalTa.Stack();
        return (outputs[-1], outputs, finalStates);
    }

    private static TensorArray NewArray(DType dtype, int staticSize, Tensor size, Shape elementShape, string name) =>
        staticSize >= 0
            ? new TensorArray(dtype, staticSize, elementShape: elementShape, name: name)
            : new TensorArray(dtype, size, elementShape: elementShape, name: name);
}
