// A variable-length sequence classifier: 5 to 50 one-hot tokens per sequence, class 1 when the marker token appears
// anywhere in it. The batch is padded to 50 steps with noise that holds a marker half of the time, so the GRU must
// stop at each sequence's length: tf.nn.dynamic_rnn(GRUCell(32), X, sequence_length=seq_len) → final state →
// dense(2) → softmax, trained on the mean sparse softmax cross-entropy with Adam (0.01). The graph is built by
// ClassifyTask.BuildModel (samples/Recur.Training/Tasks/ClassifyTask.cs, TF1 Python in its doc comment).
//
// Run it with:  dotnet run --project samples/SequenceClassifier      (under a minute on 2 cores)

using System.Globalization;
using Recur.Training;
using Recur.Training.Tasks;

var task = new ClassifyTask(seed: 42);
var options = new TrainingOptions { Epochs = 5, StepsPerEpoch = 100, BatchSize = 64, Hidden = 32, LearningRate = 0.01, Seed = 42 };
using var trainer = new Trainer(task, options);
var result = trainer.Run(new EpochPrinter(Console.Out));

// What the padding would cost without sequence_length: how many held-out sequences have a marker only in their padding.
var test = task.TestSet;
int T = task.MaxLength, V = ClassifyTask.Vocabulary, fooled = 0;
var xs = test.Inputs.AsSpan<float>();
var labels = test.Targets.AsSpan<int>();
for (int i = 0; i < test.Count; i++)
{
    bool inPadding = false;
    for (int t = test.Lengths![i]; t < T; t++) inPadding |= xs[(i * T + t) * V + ClassifyTask.Marker] == 1;
    if (labels[i] == 0 && inPadding) fooled++;
}
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{fooled} of {test.Count} held-out sequences are class 0 with a marker in their padding (a model reading past the length would call them 1)."));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"test accuracy {result.TestMetric:P1} (target >= {task.Target:P0}): {(result.ReachedTarget ? "reached" : "NOT reached")}"));
Console.WriteLine(result.ResultLine);
return result.ReachedTarget ? 0 : 1;
