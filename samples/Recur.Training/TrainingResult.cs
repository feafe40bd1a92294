using System.Globalization;

namespace Recur.Training;

/// <summary>The training loss of one step.</summary>
/// <param name="Step">The global step after the update.</param>
/// <param name="Loss">The loss of the step's batch (computed before the update).</param>
/// <param name="Metric">The task's metric on the step's batch.</param>
public readonly record struct StepRecord(long Step, double Loss, double Metric);

/// <summary>The validation scores at the end of one epoch.</summary>
/// <param name="Epoch">The epoch number, from 1.</param>
/// <param name="Step">The global step at its end.</param>
/// <param name="TrainLoss">The mean training loss of the epoch's steps.</param>
/// <param name="ValidationLoss">The loss on the validation set.</param>
/// <param name="ValidationMetric">The task's metric on the validation set.</param>
/// <param name="Seconds">Training seconds so far in this run.</param>
public readonly record struct EpochRecord(int Epoch, long Step, double TrainLoss, double ValidationLoss, double ValidationMetric, double Seconds);

/// <summary>What a training run reached.</summary>
public sealed record TrainingResult
{
    /// <summary>The task's name.</summary>
    public required string Task { get; init; }

    /// <summary>The metric's name (<c>mse</c>, <c>accuracy</c>).</summary>
    public required string MetricName { get; init; }

    /// <summary>The metric on the test set.</summary>
    public required double TestMetric { get; init; }

    /// <summary>The loss on the test set.</summary>
    public required double TestLoss { get; init; }

    /// <summary>True when <see cref="TestMetric"/> reaches the task's target.</summary>
    public required bool ReachedTarget { get; init; }

    /// <summary>The global step at the end.</summary>
    public required long Steps { get; init; }

    /// <summary>Wall-clock seconds of this run (build, training, validation, test).</summary>
    public required double Seconds { get; init; }

    /// <summary>True when the run was cancelled (Ctrl-C) before its last step.</summary>
    public required bool Interrupted { get; init; }

    /// <summary>The last checkpoint written, or null.</summary>
    public string? Checkpoint { get; init; }

    /// <summary>Every step's training loss, including those of earlier runs when resumed (from <c>history.csv</c>).</summary>
    public required IReadOnlyList<StepRecord> StepHistory { get; init; }

    /// <summary>Every epoch's validation scores, including earlier runs' when resumed.</summary>
    public required IReadOnlyList<EpochRecord> EpochHistory { get; init; }

    /// <summary>The machine-readable line: <c>result: task=adding metric=mse value=0.0042 steps=3000 seconds=95.1</c>.</summary>
    public string ResultLine => string.Create(CultureInfo.InvariantCulture,
        $"result: task={Task} metric={MetricName} value={FormatMetric(TestMetric)} steps={Steps} seconds={Seconds:F1}");

    /// <summary>A metric value with four significant decimals (<c>0.0042</c>, <c>0.9870</c>, <c>1.2e-05</c>).</summary>
    public static string FormatMetric(double value) =>
        value != 0 && Math.Abs(value) < 1e-3 ? value.ToString("0.0##e+00", CultureInfo.InvariantCulture) : value.ToString("F4", CultureInfo.InvariantCulture);
}
