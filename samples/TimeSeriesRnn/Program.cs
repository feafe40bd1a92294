// Géron, Hands-On Machine Learning, chapter 14: "Training to Predict Time Series". A BasicRNNCell(100) with ReLU
// over 20 steps of f(t) = t·sin(t)/3 + 2·sin(5t), a dense layer on every step's output (the book's
// OutputProjectionWrapper, written as reshape (B·T, 100) · W + b), Adam with learning rate 0.001, the mean squared
// error, 1500 iterations of batches of 50 random windows. The graph is built by SineTask.BuildModel
// (samples/Recur.Training/Tasks/SineTask.cs, the book's Python in its doc comment); this program trains it and, as
// the book does, predicts the window that starts at t = 12.2:
//
//   t_instance = np.linspace(12.2, 12.2 + resolution * (n_steps + 1), n_steps + 1)
//   X_new = time_series(np.array(t_instance[:-1].reshape(-1, n_steps, n_inputs)))
//   y_pred = sess.run(outputs, feed_dict={X: X_new})
//
// Run it with:  dotnet run --project samples/TimeSeriesRnn      (about a minute on 2 cores)

using System.Globalization;
using Recur.Training;
using Recur.Training.Tasks;

var task = new SineTask(seed: 42);
var options = new TrainingOptions { Epochs = 10, StepsPerEpoch = 150, BatchSize = 50, Hidden = 100, LearningRate = 0.001, Seed = 42 };
using var trainer = new Trainer(task, options);
var result = trainer.Run(new EpochPrinter(Console.Out));

// The book's test instance: the 20 values from t = 12.2, and the value after each.
const double t0 = 12.2;
var x = new float[task.Steps];
for (int k = 0; k < task.Steps; k++) x[k] = (float)SineTask.TimeSeries(t0 + k * SineTask.Resolution);
var yPred = trainer.Session.Run(trainer.Model.Predictions,
    new Recur.FeedDict { [trainer.Model.Inputs] = new Recur.NDArray(x, new Recur.Shape(1, task.Steps, 1)) }).ToArray<float>();
Console.WriteLine("t       target   y_pred");
for (int k = task.Steps - 5; k < task.Steps; k++)
{
    double t = t0 + (k + 1) * SineTask.Resolution;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{t,5:F1}  {SineTask.TimeSeries(t),8:F4}  {yPred[k],7:F4}"));
}
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"next-step MSE on {task.TestSet.Count} held-out windows: {result.TestMetric:F5} (target < {task.Target}): {(result.ReachedTarget ? "reached" : "NOT reached")}"));
Console.WriteLine(result.ResultLine);
return result.ReachedTarget ? 0 : 1;
