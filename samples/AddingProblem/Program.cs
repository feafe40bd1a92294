// The adding problem (Hochreiter & Schmidhuber 1997): sequences of T = 100 steps of (value ~ U[0, 1], marker), the
// marker 1 at exactly two steps (one in each half); the target is the sum of the two marked values. Always
// answering 1 scores MSE 1/6 ≈ 0.167; an LSTMCell(64) → dense(1) on its final h, trained with Adam (0.01, gradients
// clipped to global norm 1), goes below 0.01 once it learns to carry the first marked value across the sequence.
// The graph is built by AddingTask.BuildModel (samples/Recur.Training/Tasks/AddingTask.cs, TF1 Python in its doc).
//
// Run it with:  dotnet run --project samples/AddingProblem            (T = 100; several minutes on 2 cores)
//               dotnet run --project samples/AddingProblem -- 30      (T = 30, the CI size; under a minute)

using System.Globalization;
using Recur.Training;
using Recur.Training.Tasks;

int T = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100;
var task = new AddingTask(seed: 42, steps: T);
var options = new TrainingOptions
{
    Epochs = 40, StepsPerEpoch = 100, BatchSize = 64, Hidden = 64, LearningRate = 0.01, ClipNorm = 1.0, Seed = 42,
    StopAtTarget = true,   // stop after the first epoch whose validation MSE is below 0.005 (half the target)
};
using var trainer = new Trainer(task, options);
var result = trainer.Run(new EpochPrinter(Console.Out));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"T = {T}: test MSE {result.TestMetric:F5} on {task.TestSet.Count} held-out sequences (always answering 1: {AddingTask.BaselineMse:F3}; target < {task.Target}): {(result.ReachedTarget ? "reached" : "NOT reached")}"));
Console.WriteLine(result.ResultLine);
return result.ReachedTarget ? 0 : 1;
