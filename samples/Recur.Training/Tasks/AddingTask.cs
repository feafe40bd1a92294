using Recur.Rnn;

namespace Recur.Training.Tasks;

/// <summary>
/// The adding problem (Hochreiter &amp; Schmidhuber 1997, the form of Le et al. 2015 and Arjovsky et al. 2016): each
/// sequence has T steps of two features, a value drawn from U[0, 1] and a marker that is 1 at exactly two steps —
/// one in the first half, one in the second — and 0 elsewhere. The target is the sum of the two marked values. A
/// model that ignores its input can do no better than always answering 1, whose mean squared error is
/// Var(U + U) = 1/6 ≈ 0.167; an LSTM must carry the first marked value across up to T steps. TF1:
/// <code>
/// X = tf.placeholder(tf.float32, [None, T, 2]);  y = tf.placeholder(tf.float32, [None, 1])
/// outputs, state = tf.nn.dynamic_rnn(tf.nn.rnn_cell.LSTMCell(n_hidden), X, dtype=tf.float32)
/// prediction = tf.layers.dense(state.h, 1)
/// loss = tf.reduce_mean(tf.square(prediction - y))
/// </code>
/// Target: MSE &lt; 0.01 on held-out sequences.
/// </summary>
public sealed class AddingTask : TrainingTask
{
    /// <summary>The mean squared error of always answering 1: Var(U₁ + U₂) = 2/12.</summary>
    public const double BaselineMse = 1.0 / 6.0;

    private readonly int _seed;

    /// <summary>A task with sequences of <paramref name="steps"/> steps (T), seeded by <paramref name="seed"/>.</summary>
    public AddingTask(int seed = 42, int steps = 100, int validationSize = 500, int testSize = 1000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 2);
        _seed = seed;
        Steps = steps;
        ValidationSet = Sequences(Rng(seed, 1, 0), validationSize);
        TestSet = Sequences(Rng(seed, 2, 0), testSize);
    }

    /// <inheritdoc/>
    public override string Name => "adding";

    /// <inheritdoc/>
    public override TaskMetric Metric => TaskMetric.MeanSquaredError;

    /// <inheritdoc/>
    public override double Target => 0.01;

    /// <inheritdoc/>
    public override int Features => 2;

    /// <summary>The sequence length T.</summary>
    public int Steps { get; }

    /// <inheritdoc/>
    public override SequenceBatch TrainingBatch(long step, int batchSize) => Sequences(Rng(_seed, 0, step), batchSize);

    /// <inheritdoc/>
    public override SequenceBatch ValidationSet { get; }

    /// <inheritdoc/>
    public override SequenceBatch TestSet { get; }

    /// <summary><paramref name="count"/> sequences <c>(count, T, 2)</c> and their sums <c>(count, 1)</c>.</summary>
    public SequenceBatch Sequences(Random rng, int count)
    {
        ArgumentNullException.ThrowIfNull(rng);
        int T = Steps, half = T / 2;
        var x = new float[count * T * 2];
        var y = new float[count];
        for (int i = 0; i < count; i++)
        {
            for (int t = 0; t < T; t++) x[(i * T + t) * 2] = rng.NextSingle();
            int first = rng.Next(half), second = half + rng.Next(T - half);
            x[(i * T + first) * 2 + 1] = 1;
            x[(i * T + second) * 2 + 1] = 1;
            y[i] = x[(i * T + first) * 2] + x[(i * T + second) * 2];
        }
        return new SequenceBatch(new NDArray(x, new Shape(count, T, 2)), new NDArray(y, new Shape(count, 1)), null);
    }

    /// <inheritdoc/>
    public override TaskModel BuildModel(ModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var X = Tf.Placeholder(DType.Float32, new Shape(-1, Steps, 2), name: "X");
        var y = Tf.Placeholder(DType.Float32, new Shape(-1, 1), name: "y");
        var cell = new LstmCell(options.Hidden);
        var (_, state) = Tf.Nn.DynamicRnn(cell, X, dtype: DType.Float32);
        var h = ((LstmStateTuple)state).H;
        var W = Tf.GetVariable("dense/kernel", new Shape(options.Hidden, 1));
        var b = Tf.GetVariable("dense/bias", new Shape(1), initializer: Initializers.Zeros());
        var prediction = Tf.MatMul(h, W) + b;
        var loss = Tf.Losses.MeanSquaredError(y, prediction);
        return TaskModel.Finish(options, X, null, y, loss, loss, prediction);
    }
}
