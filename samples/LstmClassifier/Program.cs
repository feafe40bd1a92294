// The static-vs-dynamic article's classifier head: an LSTM over a padded batch of variable-length sequences, the
// last relevant output of each sequence (the output at step length - 1, the "last_relevant" gather), a dense
// layer and a softmax. TF1 Python:
//
//   n_steps, n_inputs, n_hidden, n_classes = 12, 6, 32, 3
//
//   X = tf.placeholder(tf.float32, [None, n_steps, n_inputs])
//   seq_len = tf.placeholder(tf.int32, [None])
//
//   cell = tf.nn.rnn_cell.LSTMCell(n_hidden)
//   outputs, state = tf.nn.dynamic_rnn(cell, X, sequence_length=seq_len, dtype=tf.float32)
//
//   # the last relevant output: outputs[b, seq_len[b] - 1, :]
//   batch_size = tf.shape(outputs)[0]
//   index = tf.range(0, batch_size) * n_steps + (seq_len - 1)
//   last = tf.gather(tf.reshape(outputs, [-1, n_hidden]), index)
//
//   W = tf.get_variable("dense/kernel", [n_hidden, n_classes])
//   b = tf.get_variable("dense/bias", [n_classes], initializer=tf.zeros_initializer())
//   logits = tf.matmul(last, W) + b
//   probabilities = tf.nn.softmax(logits)
//
//   with tf.Session() as sess:
//       sess.run(tf.global_variables_initializer())
//       probs, last_val, h = sess.run([probabilities, last, state.h],
//                                     feed_dict={X: X_batch, seq_len: [12, 7, 3, 1, 9]})
//   print(probs)
//   assert np.allclose(last_val, h)        # the final state's h is the same last output
//
// X_batch is a seeded random batch of 5 sequences (np.random.randn(5, 12, 6), float32) with the steps past each
// length set to 0. Run it with:  dotnet run --project samples/LstmClassifier

using Recur.Rnn;

namespace Recur.Samples;

/// <summary>LSTM → last relevant output (gather by length − 1) → dense → softmax, over a variable-length batch.</summary>
public static class LstmClassifier
{
    /// <summary>Runs the sample on the console.</summary>
    public static int Main() => SampleResult.RunOnConsole(Run);

    /// <summary>Runs the sample, printing to <paramref name="output"/>. Values kept: <c>probabilities</c>, <c>last</c>, <c>state.h</c>, <c>dense/kernel</c> (the bias is zeros).</summary>
    public static SampleResult Run(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var sample = new SampleResult(nameof(LstmClassifier), output);
        var graph = new Graph { Seed = 42 };
        using var defaultGraph = graph.AsDefault();

        const int nSteps = 12, nInputs = 6, nHidden = 32, nClasses = 3;

        var X = Tf.Placeholder(DType.Float32, new Shape(-1, nSteps, nInputs), name: "X");
        var seqLen = Tf.Placeholder(DType.Int32, new Shape(-1), name: "seq_len");

        var cell = new LstmCell(nHidden);
        var (outputs, state) = Tf.Nn.DynamicRnn(cell, X, sequenceLength: seqLen, dtype: DType.Float32);

        // the last relevant output: outputs[b, seq_len[b] - 1, :]
        var batchSize = Tf.Shape(outputs)[0];
        var index = Tf.Range(Tf.Constant(0), batchSize, Tf.Constant(1)) * nSteps + (seqLen - 1);
        var last = Tf.Gather(Tf.Reshape(outputs, [-1, nHidden]), index);

        var W = Tf.GetVariable("dense/kernel", new Shape(nHidden, nClasses));
        var b = Tf.GetVariable("dense/bias", new Shape(nClasses), initializer: Initializers.Zeros());
        var logits = Tf.MatMul(last, W) + b;
        var probabilities = Tf.Nn.Softmax(logits);

        int[] lengths = [12, 7, 3, 1, 9];
        var xBatch = NumPy.RandomRandnFloat32(new Random(42), lengths.Length, nSteps, nInputs);
        for (int i = 0; i < lengths.Length; i++)
            for (int t = lengths[i]; t < nSteps; t++)
                for (int k = 0; k < nInputs; k++)
                    xBatch[i, t, k] = 0;

        NDArray probs, lastVal, h;
        using (var sess = new Session())
        {
            sess.Run(Tf.GlobalVariablesInitializer());
            sample.Keep("dense/kernel", sess.Run(W));
            var values = sess.Run([probabilities, last, ((LstmStateTuple)state).H],
                new FeedDict { [X] = NDArray.FromArray(xBatch), [seqLen] = new NDArray(lengths) });
            (probs, lastVal, h) = (sample.Keep("probabilities", values[0]), sample.Keep("last", values[1]), sample.Keep("state.h", values[2]));
        }
        output.WriteLine($"sequence lengths: [{string.Join(", ", lengths)}]");
        output.WriteLine("class probabilities:");
        output.WriteLine(probs);

        double diff = NumPy.MaxAbsDiff(lastVal, h);
        sample.Check("np.allclose(last_val, h): the gathered last output is the final state's h", diff <= 1e-6, $"max abs diff {NumPy.Short(diff)}");
        double sumErr = 0;
        var p = probs.ToArray<float>();
        for (int i = 0; i < lengths.Length; i++)
            sumErr = Math.Max(sumErr, Math.Abs(p.Skip(i * nClasses).Take(nClasses).Sum() - 1.0));
        sample.Check("each row of probabilities sums to 1", sumErr <= 1e-6, $"max |sum - 1| {NumPy.Short(sumErr)}");
        sample.Check("probabilities.shape == (5, 3)", probs.Shape == new Shape(lengths.Length, nClasses));
        return sample;
    }
}
