using System.Diagnostics;
using Recur.Training;
using Recur.Training.Tasks;
using Xunit.Abstractions;

namespace Recur.Tests.Learning;

/// <summary>
/// The models that learn, CI-sized: each trains with fixed seeds and checks the task's target on held-out data.
/// Sizes (against the full-size runs of <c>recur train</c>):
/// sine — the book's BasicRNNCell(100), Adam 0.001, batch 50, 20 steps, 800 steps (book: 1500), next-step MSE &lt; 0.01;
/// adding — T = 30 (full size 100), LSTMCell(32), Adam 0.01, batch 64, 600 steps, MSE &lt; 0.01 (baseline 0.167);
/// classify — lengths 5..50 with sequence_length, GRUCell(32), Adam 0.01, batch 64, 200 steps, accuracy ≥ 95 %.
/// They share one collection so they do not compete with each other for the cores.
/// </summary>
[Collection("Learning")]
public sealed class LearningTests(ITestOutputHelper output)
{
    private TrainingResult Train(TrainingTask task, TrainingOptions options)
    {
        var sw = Stopwatch.StartNew();
        using var trainer = new Trainer(task, options);
        var result = trainer.Run();
        output.WriteLine($"{result.ResultLine} (test loss {result.TestLoss:F5}, wall {sw.Elapsed.TotalSeconds:F1} s)");
        foreach (var e in result.EpochHistory)
            output.WriteLine($"epoch {e.Epoch} step {e.Step} train {e.TrainLoss:F5} val loss {e.ValidationLoss:F5} val {task.MetricName} {e.ValidationMetric:F5}");
        return result;
    }

    [Fact]
    public void SineTask_BookBasicRnn800Steps_NextStepMseBelow001()
    {
        var task = new SineTask(seed: 42, validationSize: 200, testSize: 500);
        var result = Train(task, new TrainingOptions { Epochs = 4, StepsPerEpoch = 200, BatchSize = 50, Hidden = 100, LearningRate = 0.001, Seed = 42 });
        Assert.Equal(800, result.Steps);
        Assert.True(result.TestMetric < 0.01, $"next-step MSE {result.TestMetric} should be < 0.01");
        Assert.True(result.StepHistory[^1].Loss < result.StepHistory[0].Loss / 10, "the training loss should fall by 10x");
    }

    [Fact]
    public void AddingTask_LstmT30_MseBelow001()
    {
        var task = new AddingTask(seed: 42, steps: 30, validationSize: 200, testSize: 500);
        var result = Train(task, new TrainingOptions { Epochs = 6, StepsPerEpoch = 100, BatchSize = 64, Hidden = 32, LearningRate = 0.01, ClipNorm = 1.0, Seed = 42 });
        Assert.True(result.TestMetric < 0.01, $"MSE {result.TestMetric} should be < 0.01 (always answering 1 gives {AddingTask.BaselineMse:F3})");
        // The untrained model is no better than the baseline: learning happened, not luck.
        Assert.True(result.StepHistory[0].Loss > 0.1, $"first-step loss {result.StepHistory[0].Loss}");
    }

    [Fact]
    public void ClassifyTask_GruWithSequenceLength_AccuracyAtLeast95()
    {
        var task = new ClassifyTask(seed: 42, validationSize: 200, testSize: 500);
        var result = Train(task, new TrainingOptions { Epochs = 2, StepsPerEpoch = 100, BatchSize = 64, Hidden = 32, LearningRate = 0.01, Seed = 42 });
        Assert.True(result.TestMetric >= 0.95, $"accuracy {result.TestMetric} should be >= 0.95");
    }
}
