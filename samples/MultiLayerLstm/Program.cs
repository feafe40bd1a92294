// The API docs' program: the example in the docstring of tf.nn.dynamic_rnn (TF 1.x), a MultiRNNCell of two
// LSTMCells of 128 and 256 units. TF1 Python (the docstring leaves `data` open; here it is a placeholder of shape
// [None, None, 16] fed with a seeded random batch):
//
//   data = tf.placeholder(tf.float32, [None, None, 16])
//
//   # create 2 LSTMCells
//   rnn_layers = [tf.nn.rnn_cell.LSTMCell(size) for size in [128, 256]]
//
//   # create a RNN cell composed sequentially of a number of RNNCells
//   multi_rnn_cell = tf.nn.rnn_cell.MultiRNNCell(rnn_layers)
//
//   # 'outputs' is a tensor of shape [batch_size, max_time, 256]
//   # 'state' is a N-tuple where N is the number of LSTMCells containing a
//   # tf.nn.rnn_cell.LSTMStateTuple for each cell
//   outputs, state = tf.nn.dynamic_rnn(cell=multi_rnn_cell,
//                                      inputs=data,
//                                      dtype=tf.float32)
//
//   for v in tf.global_variables():
//       print(v.name, v.shape)
//
//   with tf.Session() as sess:
//       sess.run(tf.global_variables_initializer())
//       outputs_val, state_val = sess.run([outputs, state],
//                                         feed_dict={data: np.random.randn(4, 20, 16)})
//   print(outputs_val.shape)
//   for layer, (c, h) in enumerate(state_val):
//       print(layer, c.shape, h.shape)
//   print(state_val[1].h)
//
// Run it with:  dotnet run --project samples/MultiLayerLstm

using System.Globalization;
using Recur.Rnn;

namespace Recur.Samples;

/// <summary>The <c>dynamic_rnn</c> docstring's <c>MultiRNNCell</c> of <c>LSTMCell(128)</c> and <c>LSTMCell(256)</c>.</summary>
public static class MultiLayerLstm
{
    /// <summary>Runs the sample on the console.</summary>
    public static int Main() => SampleResult.RunOnConsole(Run);

    /// <summary>
    /// Runs the sample, printing to <paramref name="output"/>. Values kept: <c>outputs</c>, <c>state[0].c</c>,
    /// <c>state[0].h</c>, <c>state[1].c</c>, <c>state[1].h</c>.
    /// </summary>
    public static SampleResult Run(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var sample = new SampleResult(nameof(MultiLayerLstm), output);
        var graph = new Graph { Seed = 42 };
        using var defaultGraph = graph.AsDefault();

        var data = Tf.Placeholder(DType.Float32, new Shape(-1, -1, 16));

        // create 2 LSTMCells
        var rnnLayers = ((int[])[128, 256]).Select(size => (RnnCell)new LstmCell(size)).ToList();

        // create a RNN cell composed sequentially of a number of RNNCells
        var multiRnnCell = new MultiRnnCell(rnnLayers);

        // 'outputs' is a tensor of shape [batch_size, max_time, 256]
        // 'state' is a N-tuple where N is the number of LSTMCells containing a LstmStateTuple for each cell
        var (outputs, state) = Tf.Nn.DynamicRnn(cell: multiRnnCell, inputs: data, dtype: DType.Float32);

        foreach (var v in graph.Variables)
            output.WriteLine($"{v.TensorName} {NumPy.ShapeTuple(v.Shape)}");
        output.WriteLine($"static shape of outputs: {outputs.Shape}");

        NDArray outputsVal;
        StateValue stateVal;
        using (var sess = new Session())
        {
            sess.Run(Tf.GlobalVariablesInitializer());
            var feed = new FeedDict { [data] = NDArray.FromArray(NumPy.RandomRandnFloat32(new Random(42), 4, 20, 16)) };
            var fetched = sess.Run(new[] { outputs }.Concat(state.Flatten()).ToList(), feed);
            outputsVal = sample.Keep("outputs", fetched[0]);
            stateVal = StateValue.FromLeaves(state, fetched.Skip(1).ToList());
        }
        output.WriteLine(NumPy.ShapeTuple(outputsVal.Shape));
        for (int layer = 0; layer < stateVal.Count; layer++)
        {
            var (c, h) = (stateVal[layer].C, stateVal[layer].H);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{layer} {NumPy.ShapeTuple(c.Shape)} {NumPy.ShapeTuple(h.Shape)}"));
            sample.Keep($"state[{layer}].c", c);
            sample.Keep($"state[{layer}].h", h);
        }
        output.WriteLine(stateVal[1].H);

        string[] expectedNames =
        [
            "rnn/multi_rnn_cell/cell_0/lstm_cell/kernel", "rnn/multi_rnn_cell/cell_0/lstm_cell/bias",
            "rnn/multi_rnn_cell/cell_1/lstm_cell/kernel", "rnn/multi_rnn_cell/cell_1/lstm_cell/bias",
        ];
        sample.Check("variables are rnn/multi_rnn_cell/cell_{0,1}/lstm_cell/{kernel,bias}",
            graph.Variables.Select(v => v.Name).SequenceEqual(expectedNames, StringComparer.Ordinal));
        sample.Check("kernels are (16 + 128, 4·128) and (128 + 256, 4·256)",
            graph.GetVariable("rnn/multi_rnn_cell/cell_0/lstm_cell/kernel").Shape == new Shape(144, 512)
            && graph.GetVariable("rnn/multi_rnn_cell/cell_1/lstm_cell/kernel").Shape == new Shape(384, 1024));
        sample.Check("outputs_val.shape == (4, 20, 256)", outputsVal.Shape == new Shape(4, 20, 256));
        sample.Check("state is 2 LSTMStateTuples with c, h of (4, 128) and (4, 256)",
            stateVal.Count == 2 && stateVal[0].C.Shape == new Shape(4, 128) && stateVal[0].H.Shape == new Shape(4, 128)
            && stateVal[1].C.Shape == new Shape(4, 256) && stateVal[1].H.Shape == new Shape(4, 256));
        double lastDiff = 0;
        for (int b = 0; b < 4; b++) lastDiff = Math.Max(lastDiff, NumPy.MaxAbsDiff(NumPy.At(stateVal[1].H, b), NumPy.At(outputsVal, b, 19)));
        sample.Check("state[1].h == outputs[:, -1, :]", lastDiff == 0, $"max abs diff {NumPy.Short(lastDiff)}");
        return sample;
    }
}
