// The blog's program: Denny Britz, "RNNs in TensorFlow, a Practical Guide and Undocumented Features" (2016),
// the dynamic_rnn + sequence_length example, in TF1 Python:
//
//   import tensorflow as tf
//   import numpy as np
//
//   tf.reset_default_graph()
//
//   # Create input data
//   X = np.random.randn(2, 10, 8)
//
//   # The second example is of length 6
//   X[1,6:] = 0
//   X_lengths = [10, 6]
//
//   cell = tf.nn.rnn_cell.LSTMCell(num_units=64, state_is_tuple=True)
//
//   outputs, last_states = tf.nn.dynamic_rnn(
//       cell=cell,
//       dtype=tf.float64,
//       sequence_length=X_lengths,
//       inputs=X)
//
//   result = tf.contrib.learn.run_n(
//       {"outputs": outputs, "last_states": last_states},
//       n=1,
//       feed_dict=None)
//
//   assert result[0]["outputs"].shape == (2, 10, 64)
//
//   # Outputs for the second example past past length 6 should be 0
//   assert (result[0]["outputs"][1,7,:] == np.zeros(cell.output_size)).all()
//
//   print(result[0]["outputs"])
//   print(result[0]["last_states"])
//
// Differences from the Python, all deliberate: the random data comes from System.Random(42) (np.random.randn is
// unseeded in the blog), and the graph seed is 42 so the LSTM kernel's Glorot-uniform values are the same on
// every run. Run it with:  dotnet run --project samples/BlogLstmSequenceLength

using Recur.Rnn;

namespace Recur.Samples;

/// <summary>The blog's <c>dynamic_rnn</c> with <c>sequence_length=[10, 6]</c> over an <c>LSTMCell</c>, in float64.</summary>
public static class BlogLstmSequenceLength
{
    /// <summary>Runs the sample on the console.</summary>
    public static int Main() => SampleResult.RunOnConsole(Run);

    /// <summary>Runs the sample, printing to <paramref name="output"/>; values kept: <c>outputs</c>, <c>last_states.c</c>, <c>last_states.h</c>, <c>X</c>, <c>rnn/lstm_cell/kernel</c>, <c>rnn/lstm_cell/bias</c>.</summary>
    public static SampleResult Run(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var sample = new SampleResult(nameof(BlogLstmSequenceLength), output);

        // tf.reset_default_graph()
        var graph = new Graph { Seed = 42 };
        using var defaultGraph = graph.AsDefault();

        // # Create input data
        // X = np.random.randn(2, 10, 8)
        var X = NumPy.RandomRandn(new Random(42), 2, 10, 8);

        // # The second example is of length 6
        // X[1,6:] = 0
        for (int t = 6; t < 10; t++)
            for (int k = 0; k < 8; k++)
                X[1, t, k] = 0;
        int[] xLengths = [10, 6];

        // cell = tf.nn.rnn_cell.LSTMCell(num_units=64, state_is_tuple=True)
        var cell = new LstmCell(numUnits: 64, stateIsTuple: true);

        // outputs, last_states = tf.nn.dynamic_rnn(cell=cell, dtype=tf.float64, sequence_length=X_lengths, inputs=X)
        var (outputs, lastStates) = Tf.Nn.DynamicRnn(
            cell: cell,
            dtype: DType.Float64,
            sequenceLength: Tf.Constant(new NDArray(xLengths)),
            inputs: Tf.Constant(NDArray.FromArray(X)));

        // result = tf.contrib.learn.run_n({"outputs": outputs, "last_states": last_states}, n=1, feed_dict=None)
        var result = ContribLearn.RunN(
            new Dictionary<string, RnnState> { ["outputs"] = outputs, ["last_states"] = lastStates },
            n: 1,
            feedDict: null);

        // assert result[0]["outputs"].shape == (2, 10, 64)
        var outputsValue = sample.Keep("outputs", result[0]["outputs"].Array);
        sample.Check("result[0][\"outputs\"].shape == (2, 10, 64)", outputsValue.Shape == new Shape(2, 10, 64),
            $"got {NumPy.ShapeTuple(outputsValue.Shape)}");

        // # Outputs for the second example past past length 6 should be 0
        // assert (result[0]["outputs"][1,7,:] == np.zeros(cell.output_size)).all()
        var row1Step7 = NumPy.At(outputsValue, 1, 7);
        sample.Check("(result[0][\"outputs\"][1,7,:] == np.zeros(cell.output_size)).all()",
            row1Step7.Shape == new Shape(cell.OutputSize.Units) && NumPy.AllZero(row1Step7));

        // (not in the blog) the final state is the state after each row's last valid step: h == outputs[b, length-1, :]
        var h = result[0]["last_states"].H;
        double hDiff = Math.Max(NumPy.MaxAbsDiff(NumPy.At(h, 0), NumPy.At(outputsValue, 0, 9)),
                                NumPy.MaxAbsDiff(NumPy.At(h, 1), NumPy.At(outputsValue, 1, 5)));
        sample.Check("last_states.h[b] == outputs[b, X_lengths[b]-1, :]", hDiff == 0, $"max abs diff {NumPy.Short(hDiff)}");

        // print(result[0]["outputs"])
        output.WriteLine(result[0]["outputs"].Array);
        // print(result[0]["last_states"])
        output.WriteLine(result[0]["last_states"]);

        // (not in the blog) the LSTM's weights, for tests that recompute the outputs: run_n's session is closed, and a
        // new session initializes the variables to the same values (graph seed 42).
        using (var session = new Session())
        {
            session.Run(Tf.GlobalVariablesInitializer());
            sample.Keep("rnn/lstm_cell/kernel", session.Run(cell.Kernel!));
            sample.Keep("rnn/lstm_cell/bias", session.Run(cell.Bias!));
        }
        sample.Keep("last_states.c", result[0]["last_states"].C);
        sample.Keep("last_states.h", result[0]["last_states"].H);
        sample.Keep("X", NDArray.FromArray(X));
        return sample;
    }
}
