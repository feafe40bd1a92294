namespace Recur.Training;

/// <summary>How to train: the loop's sizes, the model's options, and where checkpoints and pictures go.</summary>
public sealed record TrainingOptions
{
    /// <summary>Epochs to train (with <see cref="Resume"/>: the total, counting those already done).</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Training steps per epoch; null: one pass over a finite training set, or 100 for a generated task.</summary>
    public int? StepsPerEpoch { get; init; }

    /// <summary>Sequences per training batch.</summary>
    public int BatchSize { get; init; } = 50;

    /// <summary>Units of the recurrent cell.</summary>
    public int Hidden { get; init; } = 100;

    /// <summary>Adam's learning rate.</summary>
    public double LearningRate { get; init; } = 0.001;

    /// <summary>Clip gradients to this global norm; null for none.</summary>
    public double? ClipNorm { get; init; }

    /// <summary>The graph seed (initializers).</summary>
    public int Seed { get; init; } = 42;

    /// <summary>
    /// The numerics guard (<see cref="Session.CheckNumerics"/>, TF's <c>check_numerics</c> on every tensor): the first
    /// NaN or infinity stops training with an error naming the op that produced it, before the update runs.
    /// </summary>
    public bool CheckNumerics { get; init; }

    /// <summary>Where checkpoints (<c>model.ckpt-STEP</c>) and <c>history.csv</c> go; null writes nothing.</summary>
    public string? OutputDirectory { get; init; }

    /// <summary>Restore the latest checkpoint of <see cref="OutputDirectory"/> and continue from its global step.</summary>
    public bool Resume { get; init; }

    /// <summary>Stop early once an epoch's validation metric beats the task's target with a margin (<see cref="TrainingTask.ReachedWithMargin"/>).</summary>
    public bool StopAtTarget { get; init; }

    /// <summary>The model options these training options imply.</summary>
    public ModelOptions Model => new(Hidden, LearningRate, ClipNorm);
}
