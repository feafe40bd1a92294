namespace Recur.Training;

/// <summary>
/// A built model: its placeholders, the training loss, the task's metric on a batch, the predictions, and the
/// training op (Adam on the loss, counting <see cref="GlobalStep"/>).
/// </summary>
public sealed class TaskModel
{
    /// <summary>Collects the parts of a model; <see cref="Finish"/> builds the training op.</summary>
    private TaskModel(Tensor inputs, Tensor? lengths, Tensor targets, Tensor loss, Tensor metric, Tensor predictions, Operation trainOp, Variable globalStep)
    {
        Inputs = inputs;
        Lengths = lengths;
        Targets = targets;
        Loss = loss;
        Metric = metric;
        Predictions = predictions;
        TrainOp = trainOp;
        GlobalStep = globalStep;
    }

    /// <summary>The placeholder <c>X</c>: float32 <c>(batch, time, features)</c>.</summary>
    public Tensor Inputs { get; }

    /// <summary>The placeholder <c>seq_len</c>: int32 <c>(batch)</c>, or null when the model takes full-length sequences.</summary>
    public Tensor? Lengths { get; }

    /// <summary>The placeholder <c>y</c> of the targets.</summary>
    public Tensor Targets { get; }

    /// <summary>The scalar training loss (mean squared error or mean cross-entropy).</summary>
    public Tensor Loss { get; }

    /// <summary>The scalar metric of the fed batch: the task's mean squared error or its accuracy.</summary>
    public Tensor Metric { get; }

    /// <summary>The predictions: values of the target's shape, or class probabilities <c>(batch, classes)</c>.</summary>
    public Tensor Predictions { get; }

    /// <summary>One Adam step on <see cref="Loss"/>; increments <see cref="GlobalStep"/>.</summary>
    public Operation TrainOp { get; }

    /// <summary>The Int64 <c>global_step</c> variable.</summary>
    public Variable GlobalStep { get; }

    /// <summary>The feeds of <paramref name="batch"/> for this model's placeholders.</summary>
    public FeedDict Feed(SequenceBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var feeds = new FeedDict { [Inputs] = batch.Inputs, [Targets] = batch.Targets };
        if (Lengths is not null)
        {
            int[] lengths = batch.Lengths ?? Enumerable.Repeat(batch.Inputs.Shape[1], batch.Count).ToArray();
            feeds[Lengths] = new NDArray(lengths);
        }
        return feeds;
    }

    /// <summary>
    /// Adds the training op for <paramref name="loss"/> — TF1's
    /// <c>tf.train.AdamOptimizer(lr).minimize(loss, global_step)</c>, with the gradients clipped to a global norm
    /// (<c>tf.clip_by_global_norm</c>) when the options ask — and returns the model.
    /// </summary>
    public static TaskModel Finish(ModelOptions options, Tensor inputs, Tensor? lengths, Tensor targets, Tensor loss, Tensor metric, Tensor predictions)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loss);
        var globalStep = Tf.Train.GetOrCreateGlobalStep();
        var optimizer = new Tf.Train.AdamOptimizer(options.LearningRate);
        Operation trainOp;
        if (options.ClipNorm is double clipNorm)
        {
            var gradsAndVars = optimizer.ComputeGradients(loss);
            var connected = gradsAndVars.Where(gv => gv.Gradient is not null).ToList();
            var (clipped, _) = Tf.ClipByGlobalNorm(connected.Select(gv => gv.Gradient).ToList(), clipNorm);
            trainOp = optimizer.ApplyGradients(connected.Select((gv, i) => (clipped[i], gv.Variable)), globalStep);
        }
        else
        {
            trainOp = optimizer.Minimize(loss, globalStep: globalStep);
        }
        return new TaskModel(inputs, lengths, targets, loss, metric, predictions, trainOp, globalStep);
    }
}
