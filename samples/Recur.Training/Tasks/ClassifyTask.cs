using Recur.Rnn;

namespace Recur.Training.Tasks;

/// <summary>
/// A variable-length sequence classifier: sequences of 5 to 50 tokens (one-hot over a vocabulary of 8), class 1
/// when the marker token (7) appears anywhere in the sequence, class 0 otherwise (balanced). Batches are padded to
/// 50 steps and the padding is noise that contains the marker half of the time, so only a model that stops at each
/// sequence's length (<c>sequence_length</c>) can score well. TF1:
/// <code>
/// X = tf.placeholder(tf.float32, [None, 50, 8]);  seq_len = tf.placeholder(tf.int32, [None])
/// y = tf.placeholder(tf.int32, [None])
/// outputs, state = tf.nn.dynamic_rnn(tf.nn.rnn_cell.GRUCell(n_hidden), X, sequence_length=seq_len, dtype=tf.float32)
/// logits = tf.layers.dense(state, 2)
/// loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
/// accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1, output_type=tf.int32), y), tf.float32))
/// </code>
/// Target: accuracy ≥ 95 % on held-out sequences.
/// </summary>
public sealed class ClassifyTask : TrainingTask
{
    /// <summary>The vocabulary size: tokens 0 … 7, one-hot encoded.</summary>
    public const int Vocabulary = 8;

    /// <summary>The token whose presence makes class 1.</summary>
    public const int Marker = Vocabulary - 1;

    private readonly int _seed;

    /// <summary>A task with lengths in [<paramref name="minLength"/>, <paramref name="maxLength"/>], seeded by <paramref name="seed"/>.</summary>
    public ClassifyTask(int seed = 42, int minLength = 5, int maxLength = 50, int validationSize = 500, int testSize = 1000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minLength, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, minLength);
        _seed = seed;
        MinLength = minLength;
        MaxLength = maxLength;
        ValidationSet = Sequences(Rng(seed, 1, 0), validationSize);
        TestSet = Sequences(Rng(seed, 2, 0), testSize);
    }

    /// <inheritdoc/>
    public override string Name => "classify";

    /// <inheritdoc/>
    public override TaskMetric Metric => TaskMetric.Accuracy;

    /// <inheritdoc/>
    public override double Target => 0.95;

    /// <inheritdoc/>
    public override int Features => Vocabulary;

    /// <summary>The shortest sequence.</summary>
    public int MinLength { get; }

    /// <summary>The longest sequence, and the padded length of every batch.</summary>
    public int MaxLength { get; }

    /// <inheritdoc/>
    public override SequenceBatch TrainingBatch(long step, int batchSize) => Sequences(Rng(_seed, 0, step), batchSize);

    /// <inheritdoc/>
    public override SequenceBatch ValidationSet { get; }

    /// <inheritdoc/>
    public override SequenceBatch TestSet { get; }

    /// <summary><paramref name="count"/> padded sequences <c>(count, MaxLength, 8)</c>, their labels and lengths.</summary>
    public SequenceBatch Sequences(Random rng, int count)
    {
        ArgumentNullException.ThrowIfNull(rng);
        int T = MaxLength;
        var x = new float[count * T * Vocabulary];
        var labels = new int[count];
        var lengths = new int[count];
        for (int i = 0; i < count; i++)
        {
            int length = rng.Next(MinLength, MaxLength + 1);
            int label = rng.Next(2);
            var tokens = new int[T];
            for (int t = 0; t < length; t++) tokens[t] = rng.Next(Marker);
            if (label == 1) tokens[rng.Next(length)] = Marker;
            // Padding: random tokens, with a marker in half of the padded tails.
            for (int t = length; t < T; t++) tokens[t] = rng.Next(Marker);
            if (length < T && rng.Next(2) == 1) tokens[rng.Next(length, T)] = Marker;
            for (int t = 0; t < T; t++) x[(i * T + t) * Vocabulary + tokens[t]] = 1;
            labels[i] = label;
            lengths[i] = length;
        }
        return new SequenceBatch(new NDArray(x, new Shape(count, T, Vocabulary)), new NDArray(labels, new Shape(count)), lengths);
    }

    /// <inheritdoc/>
    public override TaskModel BuildModel(ModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var X = Tf.Placeholder(DType.Float32, new Shape(-1, MaxLength, Vocabulary), name: "X");
        var seqLen = Tf.Placeholder(DType.Int32, new Shape(-1), name: "seq_len");
        var y = Tf.Placeholder(DType.Int32, new Shape(-1), name: "y");
        var cell = new GruCell(options.Hidden);
        var (_, state) = Tf.Nn.DynamicRnn(cell, X, sequenceLength: seqLen, dtype: DType.Float32);
        return Classifier.Head(options, X, seqLen, y, state.Tensor, options.Hidden, 2);
    }
}
