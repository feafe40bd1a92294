using Recur.Rnn;

namespace Recur.Training.Tasks;

/// <summary>
/// The user's own sequences (<see cref="CsvSequences"/>): a seeded 80/20 split into training and held-out rows
/// (the held-out rows are both the validation and the test set), features standardized with the training rows'
/// mean and standard deviation, and an LSTM over the padded batch with <c>sequence_length</c> → final state →
/// dense: softmax over the classes (metric accuracy) or one value (metric mse). An epoch is one pass over the
/// training rows in a seeded order. Target: accuracy ≥ 0.95 or mse &lt; 0.01 (what <c>recur train</c> reports
/// against; the user's data decides what is reachable).
/// </summary>
public sealed class CsvTask : TrainingTask
{
    private readonly int _seed;
    private readonly SequenceBatch _train;

    /// <summary>Splits <paramref name="data"/>; <paramref name="regression"/> treats whole-number labels as values.</summary>
    /// <exception cref="ArgumentException">Fewer than 2 classes of labels, or too few rows for a held-out set.</exception>
    public CsvTask(CsvSequences data, int seed = 42, bool regression = false, double heldOutFraction = 0.2)
    {
        ArgumentNullException.ThrowIfNull(data);
        Data = data;
        _seed = seed;
        IsClassification = !regression && data.LabelsAreClasses;
        Classes = IsClassification ? (int)data.Labels.Max() + 1 : 0;
        var order = Enumerable.Range(0, data.Count).ToArray();
        new Random(seed).Shuffle(order);
        int heldOut = Math.Max(1, (int)Math.Round(data.Count * heldOutFraction));
        if (data.Count - heldOut < 1)
            throw new ArgumentException($"CsvTask: {data.Path} has {data.Count} sequences; need at least 2 (one to train, one held out).", nameof(data));
        var trainRows = order[heldOut..];
        var testRows = order[..heldOut];
        (Mean, Std) = Statistics(data, trainRows);
        var all = ToBatch(data, Enumerable.Range(0, data.Count).ToArray());
        _train = all.Select(trainRows);
        ValidationSet = all.Select(testRows);
    }

    /// <summary>The file's sequences.</summary>
    public CsvSequences Data { get; }

    /// <summary>True for class labels (softmax, accuracy); false for values (mse).</summary>
    public bool IsClassification { get; }

    /// <summary>The number of classes (0 for regression).</summary>
    public int Classes { get; }

    /// <summary>The training rows' mean of each feature.</summary>
    public float[] Mean { get; }

    /// <summary>The training rows' standard deviation of each feature (1 where it is 0).</summary>
    public float[] Std { get; }

    /// <summary>The number of training rows.</summary>
    public int TrainingCount => _train.Count;

    /// <inheritdoc/>
    public override string Name => "csv";

    /// <inheritdoc/>
    public override TaskMetric Metric => IsClassification ? TaskMetric.Accuracy : TaskMetric.MeanSquaredError;

    /// <inheritdoc/>
    public override double Target => IsClassification ? 0.95 : 0.01;

    /// <inheritdoc/>
    public override int Features => Data.Features;

    /// <inheritdoc/>
    public override int? StepsPerEpoch(int batchSize) => (TrainingCount + batchSize - 1) / batchSize;

    /// <inheritdoc/>
    public override SequenceBatch TrainingBatch(long step, int batchSize)
    {
        int perEpoch = StepsPerEpoch(batchSize)!.Value;
        long epoch = step / perEpoch;
        int index = (int)(step % perEpoch);
        var order = Enumerable.Range(0, TrainingCount).ToArray();
        Rng(_seed, 0, epoch).Shuffle(order);
        int start = index * batchSize;
        return _train.Select(order[start..Math.Min(TrainingCount, start + batchSize)]);
    }

    /// <inheritdoc/>
    public override SequenceBatch ValidationSet { get; }

    /// <inheritdoc/>
    public override SequenceBatch TestSet => ValidationSet;

    /// <inheritdoc/>
    public override TaskModel BuildModel(ModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var X = Tf.Placeholder(DType.Float32, new Shape(-1, Data.MaxLength, Features), name: "X");
        var seqLen = Tf.Placeholder(DType.Int32, new Shape(-1), name: "seq_len");
        var y = IsClassification ? Tf.Placeholder(DType.Int32, new Shape(-1), name: "y") : Tf.Placeholder(DType.Float32, new Shape(-1, 1), name: "y");
        var cell = new LstmCell(options.Hidden);
        var (_, state) = Tf.Nn.DynamicRnn(cell, X, sequenceLength: seqLen, dtype: DType.Float32);
        var h = ((LstmStateTuple)state).H;
        return IsClassification
            ? Classifier.Head(options, X, seqLen, y, h, options.Hidden, Classes)
            : Classifier.Regression(options, X, seqLen, y, h, options.Hidden);
    }

    private static (float[] Mean, float[] Std) Statistics(CsvSequences data, int[] rows)
    {
        int f = data.Features;
        var sum = new double[f];
        var sq = new double[f];
        long n = 0;
        foreach (int r in rows)
        {
            var s = data.Sequences[r];
            for (int i = 0; i < s.Length; i++)
            {
                sum[i % f] += s[i];
                sq[i % f] += (double)s[i] * s[i];
            }
            n += s.Length / f;
        }
        var mean = new float[f];
        var std = new float[f];
        for (int k = 0; k < f; k++)
        {
            double m = sum[k] / n;
            double v = Math.Max(0, sq[k] / n - m * m);
            mean[k] = (float)m;
            std[k] = v > 1e-24 ? (float)Math.Sqrt(v) : 1f;
        }
        return (mean, std);
    }

    private SequenceBatch ToBatch(CsvSequences data, int[] rows)
    {
        int T = data.MaxLength, f = data.Features;
        var x = new float[rows.Length * T * f];
        var lengths = new int[rows.Length];
        for (int i = 0; i < rows.Length; i++)
        {
            var s = data.Sequences[rows[i]];
            lengths[i] = s.Length / f;
            for (int j = 0; j < s.Length; j++) x[i * T * f + j] = (s[j] - Mean[j % f]) / Std[j % f];
        }
        var inputs = new NDArray(x, new Shape(rows.Length, T, f));
        NDArray targets = IsClassification
            ? new NDArray(rows.Select(r => (int)data.Labels[r]).ToArray(), new Shape(rows.Length))
            : new NDArray(rows.Select(r => (float)data.Labels[r]).ToArray(), new Shape(rows.Length, 1));
        return new SequenceBatch(inputs, targets, lengths);
    }
}
