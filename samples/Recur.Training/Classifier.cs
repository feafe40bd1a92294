namespace Recur.Training;

/// <summary>The heads shared by the models: dense → softmax classification, dense regression.</summary>
public static class Classifier
{
    /// <summary>
    /// <c>logits = features · W + b</c> → mean sparse softmax cross-entropy, accuracy, class probabilities; then the
    /// training op (<see cref="TaskModel.Finish"/>).
    /// </summary>
    /// <param name="options">The model options.</param>
    /// <param name="inputs">The input placeholder.</param>
    /// <param name="lengths">The sequence-length placeholder, or null.</param>
    /// <param name="labels">int32 <c>(batch)</c> label placeholder.</param>
    /// <param name="features"><c>(batch, width)</c>: the final state or last output.</param>
    /// <param name="width">The width of <paramref name="features"/>.</param>
    /// <param name="classes">The number of classes.</param>
    public static TaskModel Head(ModelOptions options, Tensor inputs, Tensor? lengths, Tensor labels, Tensor features, int width, int classes)
    {
        ArgumentNullException.ThrowIfNull(features);
        var W = Tf.GetVariable("dense/kernel", new Shape(width, classes));
        var b = Tf.GetVariable("dense/bias", new Shape(classes), initializer: Initializers.Zeros());
        var logits = Tf.MatMul(features, W) + b;
        var loss = Tf.ReduceMean(Tf.Nn.SparseSoftmaxCrossEntropyWithLogits(labels, logits), name: "loss");
        var correct = Tf.Equal(Tf.ArgMax(logits, 1, DType.Int32), labels);
        var accuracy = Tf.ReduceMean(Tf.Cast(correct, DType.Float32), name: "accuracy");
        return TaskModel.Finish(options, inputs, lengths, labels, loss, accuracy, Tf.Nn.Softmax(logits));
    }

    /// <summary>
    /// <c>prediction = features · W + b</c> (<c>(batch, 1)</c>) → mean squared error against <paramref name="targets"/>;
    /// then the training op.
    /// </summary>
    public static TaskModel Regression(ModelOptions options, Tensor inputs, Tensor? lengths, Tensor targets, Tensor features, int width)
    {
        ArgumentNullException.ThrowIfNull(features);
        var W = Tf.GetVariable("dense/kernel", new Shape(width, 1));
        var b = Tf.GetVariable("dense/bias", new Shape(1), initializer: Initializers.Zeros());
        var prediction = Tf.MatMul(features, W) + b;
        var loss = Tf.Losses.MeanSquaredError(targets, prediction);
        return TaskModel.Finish(options, inputs, lengths, targets, loss, loss, prediction);
    }
}
