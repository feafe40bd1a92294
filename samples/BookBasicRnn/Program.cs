// The book's program: Aurélien Géron, "Hands-On Machine Learning with Scikit-Learn and TensorFlow" (1st ed.),
// chapter 14, "Basic RNNs in TensorFlow": a layer of five recurrent neurons over two time steps, built three
// ways, then with sequence lengths. TF1 Python (reset_graph() is the book's helper: tf.reset_default_graph(),
// tf.set_random_seed(42), np.random.seed(42)):
//
//   # (a) manual: the recurrent layer written out for two steps
//   n_inputs = 3
//   n_neurons = 5
//
//   X0 = tf.placeholder(tf.float32, [None, n_inputs])
//   X1 = tf.placeholder(tf.float32, [None, n_inputs])
//
//   Wx = tf.Variable(tf.random_normal(shape=[n_inputs, n_neurons], dtype=tf.float32))
//   Wy = tf.Variable(tf.random_normal(shape=[n_neurons, n_neurons], dtype=tf.float32))
//   b = tf.Variable(tf.zeros([1, n_neurons], dtype=tf.float32))
//
//   Y0 = tf.tanh(tf.matmul(X0, Wx) + b)
//   Y1 = tf.tanh(tf.matmul(Y0, Wy) + tf.matmul(X1, Wx) + b)
//
//   init = tf.global_variables_initializer()
//
//   # Mini-batch:        instance 0,instance 1,instance 2,instance 3
//   X0_batch = np.array([[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 0, 1]]) # t = 0
//   X1_batch = np.array([[9, 8, 7], [0, 0, 0], [6, 5, 4], [3, 2, 1]]) # t = 1
//
//   with tf.Session() as sess:
//       init.run()
//       Y0_val, Y1_val = sess.run([Y0, Y1], feed_dict={X0: X0_batch, X1: X1_batch})
//   print(Y0_val)
//   print(Y1_val)
//
//   # (b) static_rnn over the unstacked time steps ("packing sequences")
//   reset_graph()
//   n_steps = 2
//   X = tf.placeholder(tf.float32, [None, n_steps, n_inputs])
//   X_seqs = tf.unstack(tf.transpose(X, perm=[1, 0, 2]))
//   basic_cell = tf.contrib.rnn.BasicRNNCell(num_units=n_neurons)
//   output_seqs, states = tf.contrib.rnn.static_rnn(basic_cell, X_seqs, dtype=tf.float32)
//   outputs = tf.transpose(tf.stack(output_seqs), perm=[1, 0, 2])
//
//   init = tf.global_variables_initializer()
//
//   X_batch = np.array([
//           # t = 0      t = 1
//           [[0, 1, 2], [9, 8, 7]], # instance 1
//           [[3, 4, 5], [0, 0, 0]], # instance 2
//           [[6, 7, 8], [6, 5, 4]], # instance 3
//           [[9, 0, 1], [3, 2, 1]], # instance 4
//       ])
//
//   with tf.Session() as sess:
//       init.run()
//       outputs_val = outputs.eval(feed_dict={X: X_batch})
//   print(outputs_val)
//
//   # (c) dynamic_rnn
//   reset_graph()
//   X = tf.placeholder(tf.float32, [None, n_steps, n_inputs])
//   basic_cell = tf.contrib.rnn.BasicRNNCell(num_units=n_neurons)
//   outputs, states = tf.nn.dynamic_rnn(basic_cell, X, dtype=tf.float32)
//
//   init = tf.global_variables_initializer()
//   with tf.Session() as sess:
//       init.run()
//       outputs_val = outputs.eval(feed_dict={X: X_batch})
//   print(outputs_val)
//
//   # (d) dynamic_rnn with sequence lengths: instance 2 has one step, padded with a zero vector
//   reset_graph()
//   X = tf.placeholder(tf.float32, [None, n_steps, n_inputs])
//   basic_cell = tf.contrib.rnn.BasicRNNCell(num_units=n_neurons)
//
//   seq_length = tf.placeholder(tf.int32, [None])
//   outputs, states = tf.nn.dynamic_rnn(basic_cell, X, dtype=tf.float32,
//                                       sequence_length=seq_length)
//
//   init = tf.global_variables_initializer()
//   seq_length_batch = np.array([2, 1, 2, 2])
//
//   with tf.Session() as sess:
//       init.run()
//       outputs_val, states_val = sess.run(
//           [outputs, states], feed_dict={X: X_batch, seq_length: seq_length_batch})
//   print(outputs_val)
//   print(states_val)
//
// What the port adds: in the book each graph draws its own random weights, so the three ways print different
// numbers. Here (b), (c) and (d) load the manual graph's weights into the cell after init.run()
// (basic_rnn_cell/kernel = [Wx; Wy], the input rows first; basic_rnn_cell/bias = b), TF's Variable.load, and the
// port checks that all three give the same outputs. Run it with:  dotnet run --project samples/BookBasicRnn

using Recur.Rnn;

namespace Recur.Samples;

/// <summary>The book's two-step <c>BasicRNNCell</c>: manual, <c>static_rnn</c>, <c>dynamic_rnn</c>, and <c>sequence_length</c>.</summary>
public static class BookBasicRnn
{
    /// <summary>Runs the sample on the console.</summary>
    public static int Main() => SampleResult.RunOnConsole(Run);

    /// <summary>
    /// Runs the sample, printing to <paramref name="output"/>. Values kept: <c>Wx</c>, <c>Wy</c>, <c>b</c>,
    /// <c>manual</c> (Y0, Y1 stacked to (4, 2, 5)), <c>static</c>, <c>dynamic</c>, <c>seq_length.outputs</c>,
    /// <c>seq_length.states</c>.
    /// </summary>
    public static SampleResult Run(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var sample = new SampleResult(nameof(BookBasicRnn), output);

        // Mini-batch:                       instance 0 ... instance 3
        var X0Batch = NDArray.FromArray(new float[,] { { 0, 1, 2 }, { 3, 4, 5 }, { 6, 7, 8 }, { 9, 0, 1 } });   // t = 0
        var X1Batch = NDArray.FromArray(new float[,] { { 9, 8, 7 }, { 0, 0, 0 }, { 6, 5, 4 }, { 3, 2, 1 } });   // t = 1
        var XBatch = NDArray.FromArray(new float[,,]
        {
            // t = 0      t = 1
            { { 0, 1, 2 }, { 9, 8, 7 } },   // instance 1
            { { 3, 4, 5 }, { 0, 0, 0 } },   // instance 2
            { { 6, 7, 8 }, { 6, 5, 4 } },   // instance 3
            { { 9, 0, 1 }, { 3, 2, 1 } },   // instance 4
        });

        // (a) manual
        output.WriteLine("(a) manual: Y0 = tanh(X0·Wx + b), Y1 = tanh(Y0·Wy + X1·Wx + b)");
        const int nInputs = 3;
        const int nNeurons = 5;
        const int nSteps = 2;
        NDArray wxValue, wyValue, bValue, y0Val, y1Val;
        using (ResetGraph())
        {
            var X0 = Tf.Placeholder(DType.Float32, new Shape(-1, nInputs));
            var X1 = Tf.Placeholder(DType.Float32, new Shape(-1, nInputs));

            // tf.Variable(tf.random_normal(shape)) is a variable whose initializer is a standard normal draw
            var Wx = Tf.GetVariable("Wx", new Shape(nInputs, nNeurons), DType.Float32, Initializers.RandomNormal(0.0, 1.0));
            var Wy = Tf.GetVariable("Wy", new Shape(nNeurons, nNeurons), DType.Float32, Initializers.RandomNormal(0.0, 1.0));
            var b = Tf.GetVariable("b", new Shape(1, nNeurons), DType.Float32, Initializers.Zeros());

            var Y0 = Tf.Tanh(Tf.MatMul(X0, Wx) + b);
            var Y1 = Tf.Tanh(Tf.MatMul(Y0, Wy) + Tf.MatMul(X1, Wx) + b);

            var init = Tf.GlobalVariablesInitializer();

            using var sess = new Session();
            sess.Run(init);
            var values = sess.Run([Y0, Y1], new FeedDict { [X0] = X0Batch, [X1] = X1Batch });
            (y0Val, y1Val) = (values[0], values[1]);
            var weights = sess.Run([Wx, Wy, b]);
            (wxValue, wyValue, bValue) = (sample.Keep("Wx", weights[0]), sample.Keep("Wy", weights[1]), sample.Keep("b", weights[2]));
        }
        output.WriteLine(y0Val);
        output.WriteLine(y1Val);
        var manual = sample.Keep("manual", StackSteps(y0Val, y1Val));

        // The cell's weights: kernel (n_inputs + n_neurons, n_neurons) = [Wx; Wy], bias (n_neurons,) = b.
        var kernelValue = new NDArray(wxValue.ToArray<float>().Concat(wyValue.ToArray<float>()).ToArray(), new Shape(nInputs + nNeurons, nNeurons));
        var biasValue = bValue.Reshape(new Shape(nNeurons));

        // (b) static_rnn over tf.unstack(tf.transpose(X, perm=[1, 0, 2]))
        output.WriteLine();
        output.WriteLine("(b) static_rnn over the unstacked time steps");
        NDArray staticVal;
        using (ResetGraph())
        {
            var X = Tf.Placeholder(DType.Float32, new Shape(-1, nSteps, nInputs));
            var XSeqs = Tf.Unstack(Tf.Transpose(X, perm: [1, 0, 2]));
            var basicCell = new BasicRnnCell(numUnits: nNeurons);
            var (outputSeqs, states) = Tf.Nn.StaticRnn(basicCell, XSeqs, dtype: DType.Float32);
            var outputs = Tf.Transpose(Tf.Stack(outputSeqs), perm: [1, 0, 2]);

            var init = Tf.GlobalVariablesInitializer();

            using var sess = new Session();
            sess.Run(init);
            basicCell.Kernel!.Load(kernelValue, sess);   // the manual graph's weights (not in the book)
            basicCell.Bias!.Load(biasValue, sess);
            staticVal = sample.Keep("static", sess.Run(outputs, new FeedDict { [X] = XBatch }));
            output.WriteLine($"variables: {string.Join(", ", Graph.Default.Variables.Select(v => $"{v.Name} {v.Shape}"))}");
        }
        output.WriteLine(staticVal);

        // (c) dynamic_rnn
        output.WriteLine();
        output.WriteLine("(c) dynamic_rnn");
        NDArray dynamicVal;
        using (ResetGraph())
        {
            var X = Tf.Placeholder(DType.Float32, new Shape(-1, nSteps, nInputs));
            var basicCell = new BasicRnnCell(numUnits: nNeurons);
            var (outputs, states) = Tf.Nn.DynamicRnn(basicCell, X, dtype: DType.Float32);

            var init = Tf.GlobalVariablesInitializer();
            using var sess = new Session();
            sess.Run(init);
            basicCell.Kernel!.Load(kernelValue, sess);
            basicCell.Bias!.Load(biasValue, sess);
            dynamicVal = sample.Keep("dynamic", sess.Run(outputs, new FeedDict { [X] = XBatch }));
        }
        output.WriteLine(dynamicVal);

        output.WriteLine();
        double manualVsStatic = NumPy.MaxAbsDiff(manual, staticVal);
        double staticVsDynamic = NumPy.MaxAbsDiff(staticVal, dynamicVal);
        sample.Check("manual == static_rnn (float32 forward tolerance 1e-6)", manualVsStatic <= 1e-6, $"max abs diff {NumPy.Short(manualVsStatic)}");
        sample.Check("static_rnn == dynamic_rnn", staticVsDynamic <= 1e-6, $"max abs diff {NumPy.Short(staticVsDynamic)}");

        // (d) dynamic_rnn with sequence_length
        output.WriteLine();
        output.WriteLine("(d) dynamic_rnn with seq_length_batch = [2, 1, 2, 2]");
        NDArray outputsVal, statesVal;
        using (ResetGraph())
        {
            var X = Tf.Placeholder(DType.Float32, new Shape(-1, nSteps, nInputs));
            var basicCell = new BasicRnnCell(numUnits: nNeurons);

            var seqLength = Tf.Placeholder(DType.Int32, new Shape(-1));
            var (outputs, states) = Tf.Nn.DynamicRnn(basicCell, X, dtype: DType.Float32, sequenceLength: seqLength);

            var init = Tf.GlobalVariablesInitializer();
            var seqLengthBatch = new NDArray(new[] { 2, 1, 2, 2 });

            using var sess = new Session();
            sess.Run(init);
            basicCell.Kernel!.Load(kernelValue, sess);
            basicCell.Bias!.Load(biasValue, sess);
            var values = sess.Run([outputs, states.Tensor], new FeedDict { [X] = XBatch, [seqLength] = seqLengthBatch });
            (outputsVal, statesVal) = (sample.Keep("seq_length.outputs", values[0]), sample.Keep("seq_length.states", values[1]));
        }
        output.WriteLine(outputsVal);
        output.WriteLine(statesVal);

        // The book's point: instance 2's second output is zeros and its state is its first output.
        sample.Check("outputs_val[1, 1] == zeros (past instance 2's length)", NumPy.AllZero(NumPy.At(outputsVal, 1, 1)));
        double stateDiff = NumPy.MaxAbsDiff(NumPy.At(statesVal, 1), NumPy.At(outputsVal, 1, 0));
        sample.Check("states_val[1] == outputs_val[1, 0] (state copied through)", stateDiff == 0, $"max abs diff {NumPy.Short(stateDiff)}");
        double fullRows = 0;
        foreach (int i in (int[])[0, 2, 3]) fullRows = Math.Max(fullRows, NumPy.MaxAbsDiff(NumPy.At(outputsVal, i), NumPy.At(dynamicVal, i)));
        sample.Check("instances of length 2 are unchanged by sequence_length", fullRows == 0, $"max abs diff {NumPy.Short(fullRows)}");
        return sample;
    }

    /// <summary>The book's <c>reset_graph()</c>: a fresh default graph with random seed 42 (disposing restores the previous default).</summary>
    private static IDisposable ResetGraph() => new Graph { Seed = 42 }.AsDefault();

    /// <summary>Y0 (batch, units) and Y1 (batch, units) as one (batch, 2, units) array, like the drivers' outputs.</summary>
    private static NDArray StackSteps(NDArray y0, NDArray y1)
    {
        int batch = y0.Shape[0], units = y0.Shape[1];
        var a = y0.ToArray<float>();
        var c = y1.ToArray<float>();
        var data = new float[batch * 2 * units];
        for (int i = 0; i < batch; i++)
        {
            Array.Copy(a, i * units, data, (2 * i) * units, units);
            Array.Copy(c, i * units, data, (2 * i + 1) * units, units);
        }
        return new NDArray(data, new Shape(batch, 2, units));
    }
}
