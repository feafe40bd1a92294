using System.Globalization;

namespace Recur.Training;

/// <summary>The samples' progress: one line per epoch on a text writer (the CLI draws a progress bar instead).</summary>
public sealed class EpochPrinter(TextWriter output) : ITrainingObserver
{
    /// <inheritdoc/>
    public void Started(TrainingTask task, long startStep, long totalSteps, string? restoredFrom)
    {
        ArgumentNullException.ThrowIfNull(task);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"training {task.Name} for {totalSteps - startStep} steps; target {task.TargetDescription}"));
    }

    /// <inheritdoc/>
    public void StepDone(StepRecord record, long totalSteps, double stepsPerSecond) { }

    /// <inheritdoc/>
    public void EpochDone(EpochRecord record, TrainingTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"epoch {record.Epoch,3}  step {record.Step,6}  train loss {record.TrainLoss:F5}  val {task.MetricName} {record.ValidationMetric:F5}  ({record.Seconds:F1} s)"));
    }

    /// <inheritdoc/>
    public void CheckpointSaved(string path) { }
}
