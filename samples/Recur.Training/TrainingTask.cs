namespace Recur.Training;

/// <summary>How a task is scored: mean squared error (lower is better) or accuracy (higher is better).</summary>
public enum TaskMetric
{
    /// <summary>Mean squared error of the predictions (<c>metric=mse</c>); the target is an upper bound.</summary>
    MeanSquaredError,

    /// <summary>The fraction of sequences classified correctly (<c>metric=accuracy</c>); the target is a lower bound.</summary>
    Accuracy,
}

/// <summary>
/// A learning task: a seeded source of training batches, fixed validation and test sets, a TF1 model builder, the
/// metric the task is scored by and the value the model must reach. The training stream is a pure function of
/// (seed, global step), so a resumed run sees the same batches as an uninterrupted one.
/// </summary>
public abstract class TrainingTask
{
    /// <summary>The name used by <c>recur train --task</c> (<c>sine</c>, <c>adding</c>, <c>classify</c>, <c>csv</c>).</summary>
    public abstract string Name { get; }

    /// <summary>How the task is scored.</summary>
    public abstract TaskMetric Metric { get; }

    /// <summary>The value to reach: MSE below it, or accuracy at or above it.</summary>
    public abstract double Target { get; }

    /// <summary>The metric's short name in the result line: <c>mse</c> or <c>accuracy</c>.</summary>
    public string MetricName => Metric == TaskMetric.MeanSquaredError ? "mse" : "accuracy";

    /// <summary>The number of input features per step.</summary>
    public abstract int Features { get; }

    /// <summary>
    /// The training steps that make one epoch when the data is finite (a CSV file: one pass over the training rows
    /// with batches of <paramref name="batchSize"/>); null for the generated tasks, whose data never runs out.
    /// </summary>
    public virtual int? StepsPerEpoch(int batchSize) => null;

    /// <summary>The training batch for global step <paramref name="step"/> (deterministic in the task's seed and the step).</summary>
    public abstract SequenceBatch TrainingBatch(long step, int batchSize);

    /// <summary>The held-out sequences scored after every epoch.</summary>
    public abstract SequenceBatch ValidationSet { get; }

    /// <summary>The held-out sequences of the final score (never seen in training or validation).</summary>
    public abstract SequenceBatch TestSet { get; }

    /// <summary>Builds the model on <see cref="Graph.Default"/>.</summary>
    public abstract TaskModel BuildModel(ModelOptions options);

    /// <summary>True when <paramref name="value"/> of <see cref="Metric"/> reaches <see cref="Target"/>.</summary>
    public bool Reached(double value) => Metric == TaskMetric.MeanSquaredError ? value < Target : value >= Target;

    /// <summary>
    /// True when <paramref name="value"/> beats the target with a margin (MSE below half the target, accuracy halfway
    /// from the target to 1), so that a run stopped on its validation score also meets the target on the test set.
    /// </summary>
    public bool ReachedWithMargin(double value) => Metric == TaskMetric.MeanSquaredError ? value < Target / 2 : value >= (1 + Target) / 2;

    /// <summary>A line describing the target, e.g. <c>mse &lt; 0.01</c>.</summary>
    public string TargetDescription => Metric == TaskMetric.MeanSquaredError
        ? FormattableString.Invariant($"mse < {Target}")
        : FormattableString.Invariant($"accuracy >= {Target}");

    /// <summary>A seeded generator for (seed, stream, step): independent streams for training, validation and test.</summary>
    protected static Random Rng(int seed, int stream, long step)
    {
        // SplitMix64 over (seed, stream, step): the same numbers in every process. (HashCode.Combine is randomized per
        // process, which made "seeded" runs differ from one run to the next.)
        ulong z = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)stream * 0xBF58476D1CE4E5B9UL + (ulong)step * 0x94D049BB133111EBUL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        return new Random(unchecked((int)z ^ (int)(z >> 32)));
    }
}

/// <summary>What every model builder takes.</summary>
/// <param name="Hidden">Units of the recurrent cell.</param>
/// <param name="LearningRate">Adam's learning rate.</param>
/// <param name="ClipNorm">Clip the gradients to this global norm (TF: <c>tf.clip_by_global_norm</c>); null for none.</param>
public sealed record ModelOptions(int Hidden, double LearningRate, double? ClipNorm = null);
