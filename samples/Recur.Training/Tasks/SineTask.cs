using Recur.Rnn;

namespace Recur.Training.Tasks;

/// <summary>
/// The time-series predictor of Géron's <i>Hands-On Machine Learning</i>, chapter 14: a BasicRNNCell(100) with ReLU
/// over windows of 20 steps of f(t) = t·sin(t)/3 + 2·sin(5t), trained with Adam (lr 0.001) on the mean squared
/// error to predict, at every step, the value one step (0.1) later. The book's TF1 Python:
/// <code>
/// t_min, t_max, resolution = 0, 30, 0.1
/// def time_series(t): return t * np.sin(t) / 3 + 2 * np.sin(t * 5)
/// def next_batch(batch_size, n_steps):
///     t0 = np.random.rand(batch_size, 1) * (t_max - t_min - n_steps * resolution)
///     Ts = t0 + np.arange(0., n_steps + 1) * resolution
///     ys = time_series(Ts)
///     return ys[:, :-1].reshape(-1, n_steps, 1), ys[:, 1:].reshape(-1, n_steps, 1)
///
/// n_steps, n_inputs, n_neurons, n_outputs = 20, 1, 100, 1
/// X = tf.placeholder(tf.float32, [None, n_steps, n_inputs])
/// y = tf.placeholder(tf.float32, [None, n_steps, n_outputs])
/// cell = tf.contrib.rnn.BasicRNNCell(num_units=n_neurons, activation=tf.nn.relu)
/// rnn_outputs, states = tf.nn.dynamic_rnn(cell, X, dtype=tf.float32)
/// stacked_rnn_outputs = tf.reshape(rnn_outputs, [-1, n_neurons])
/// stacked_outputs = tf.layers.dense(stacked_rnn_outputs, n_outputs)
/// outputs = tf.reshape(stacked_outputs, [-1, n_steps, n_outputs])
/// loss = tf.reduce_mean(tf.square(outputs - y))
/// training_op = tf.train.AdamOptimizer(learning_rate=0.001).minimize(loss)
/// </code>
/// The score is the mean squared error of the prediction that follows each held-out window (the value at
/// t0 + 2.0, predicted from the 20 values before it): the book's use of the model. The training loss averages all
/// 20 steps, including the first ones, which see too little of the curve to be predictable (about 0.04 at best).
/// Target: MSE &lt; 0.01.
/// </summary>
public sealed class SineTask : TrainingTask
{
    /// <summary>The book's constants.</summary>
    public const double TMin = 0, TMax = 30, Resolution = 0.1;

    private readonly int _seed;

    /// <summary>A task with windows of <paramref name="steps"/> values, seeded by <paramref name="seed"/>.</summary>
    public SineTask(int seed = 42, int steps = 20, int validationSize = 500, int testSize = 1000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 2);
        _seed = seed;
        Steps = steps;
        ValidationSet = Windows(Rng(seed, 1, 0), validationSize);
        TestSet = Windows(Rng(seed, 2, 0), testSize);
    }

    /// <inheritdoc/>
    public override string Name => "sine";

    /// <inheritdoc/>
    public override TaskMetric Metric => TaskMetric.MeanSquaredError;

    /// <inheritdoc/>
    public override double Target => 0.01;

    /// <inheritdoc/>
    public override int Features => 1;

    /// <summary>The window length <c>n_steps</c>.</summary>
    public int Steps { get; }

    /// <summary>The series: f(t) = t·sin(t)/3 + 2·sin(5t).</summary>
    public static double TimeSeries(double t) => t * Math.Sin(t) / 3 + 2 * Math.Sin(t * 5);

    /// <inheritdoc/>
    public override SequenceBatch TrainingBatch(long step, int batchSize) => Windows(Rng(_seed, 0, step), batchSize);

    /// <inheritdoc/>
    public override SequenceBatch ValidationSet { get; }

    /// <inheritdoc/>
    public override SequenceBatch TestSet { get; }

    /// <summary>The book's <c>next_batch</c>: <paramref name="count"/> random windows and the same windows shifted by one step.</summary>
    public SequenceBatch Windows(Random rng, int count)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var x = new float[count * Steps];
        var y = new float[count * Steps];
        for (int i = 0; i < count; i++)
        {
            double t0 = rng.NextDouble() * (TMax - TMin - Steps * Resolution);
            for (int k = 0; k < Steps; k++)
            {
                x[i * Steps + k] = (float)TimeSeries(t0 + k * Resolution);
                y[i * Steps + k] = (float)TimeSeries(t0 + (k + 1) * Resolution);
            }
        }
        return new SequenceBatch(new NDArray(x, new Shape(count, Steps, 1)), new NDArray(y, new Shape(count, Steps, 1)), null);
    }

    /// <inheritdoc/>
    public override TaskModel BuildModel(ModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        int nNeurons = options.Hidden;
        var X = Tf.Placeholder(DType.Float32, new Shape(-1, Steps, 1), name: "X");
        var y = Tf.Placeholder(DType.Float32, new Shape(-1, Steps, 1), name: "y");
        var cell = new BasicRnnCell(nNeurons, activation: Tf.Nn.Relu);
        var (rnnOutputs, _) = Tf.Nn.DynamicRnn(cell, X, dtype: DType.Float32);
        // tf.layers.dense on the stacked outputs: what OutputProjectionWrapper does per step.
        var stackedRnnOutputs = Tf.Reshape(rnnOutputs, [-1, nNeurons]);
        var W = Tf.GetVariable("dense/kernel", new Shape(nNeurons, 1));
        var b = Tf.GetVariable("dense/bias", new Shape(1), initializer: Initializers.Zeros());
        var stackedOutputs = Tf.MatMul(stackedRnnOutputs, W) + b;
        var outputs = Tf.Reshape(stackedOutputs, [-1, Steps, 1]);
        var loss = Tf.ReduceMean(Tf.Square(outputs - y), name: "loss");
        // The score: the prediction after the whole window, outputs[:, -1] against y[:, -1].
        var lastError = Tf.Slice(outputs - y, [0, Steps - 1, 0], [-1, 1, 1]);
        var metric = Tf.ReduceMean(Tf.Square(lastError), name: "next_step_mse");
        return TaskModel.Finish(options, X, null, y, loss, metric, outputs);
    }

    /// <summary>
    /// The model's prediction of every point of the series from the <see cref="Steps"/> values before it, for
    /// t from <see cref="TMin"/> + Steps·Resolution to <see cref="TMax"/>: the "predictions against truth" plot.
    /// </summary>
    public (double[] T, double[] Truth, double[] Predicted) PredictSeries(Session session, TaskModel model)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(model);
        int count = (int)Math.Round((TMax - TMin) / Resolution) - Steps + 1;
        var x = new float[count * Steps];
        var ts = new double[count];
        var truth = new double[count];
        for (int i = 0; i < count; i++)
        {
            double t0 = TMin + i * Resolution;
            for (int k = 0; k < Steps; k++) x[i * Steps + k] = (float)TimeSeries(t0 + k * Resolution);
            ts[i] = t0 + Steps * Resolution;
            truth[i] = TimeSeries(ts[i]);
        }
        var outputs = session.Run(model.Predictions, new FeedDict { [model.Inputs] = new NDArray(x, new Shape(count, Steps, 1)) }).AsSpan<float>();
        var predicted = new double[count];
        for (int i = 0; i < count; i++) predicted[i] = outputs[i * Steps + Steps - 1];
        return (ts, truth, predicted);
    }
}
