using System.Diagnostics;
using System.Globalization;

namespace Recur.Training;

/// <summary>Receives a training run's progress (the CLI's progress bar, a sample's console lines).</summary>
public interface ITrainingObserver
{
    /// <summary>Training starts at <paramref name="startStep"/> (0, or the restored checkpoint's step) of <paramref name="totalSteps"/>.</summary>
    void Started(TrainingTask task, long startStep, long totalSteps, string? restoredFrom);

    /// <summary>One training step ran.</summary>
    void StepDone(StepRecord record, long totalSteps, double stepsPerSecond);

    /// <summary>An epoch ended and was validated.</summary>
    void EpochDone(EpochRecord record, TrainingTask task);

    /// <summary>A checkpoint was written.</summary>
    void CheckpointSaved(string path);
}

/// <summary>
/// The training loop shared by the samples, <c>recur train</c> and the learning tests: builds the task's model on a
/// new graph, initializes it (or restores the latest checkpoint), runs the training op for epochs × steps global
/// steps on the task's seeded batches, validates and checkpoints after every epoch, saves a checkpoint when
/// cancelled, and scores the test set. Keep the trainer to fetch more from its <see cref="Session"/> afterwards;
/// dispose it to free the session.
/// </summary>
public sealed class Trainer : IDisposable
{
    /// <summary>The steps of an epoch for a generated task when <see cref="TrainingOptions.StepsPerEpoch"/> is not given.</summary>
    public const int DefaultStepsPerEpoch = 100;

    /// <summary>The checkpoint prefix inside the output directory.</summary>
    public const string CheckpointPrefix = "model.ckpt";

    private const int EvaluationChunk = 500;

    private readonly TrainingOptions _options;
    private readonly List<StepRecord> _steps = new();
    private readonly List<EpochRecord> _epochs = new();

    /// <summary>Builds <paramref name="task"/>'s model on a new graph seeded with <see cref="TrainingOptions.Seed"/>.</summary>
    public Trainer(TrainingTask task, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Epochs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.BatchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Hidden);
        if (options.StepsPerEpoch is int s) ArgumentOutOfRangeException.ThrowIfNegativeOrZero(s);
        if (options.Resume && options.OutputDirectory is null)
            throw new ArgumentException("Trainer: Resume needs an OutputDirectory to restore from.", nameof(options));
        Task = task;
        _options = options;
        Graph = new Graph { Seed = options.Seed };
        using (Graph.AsDefault())
        {
            Model = task.BuildModel(options.Model);
            Initializer = Tf.GlobalVariablesInitializer();
        }
        Session = new Session(Graph) { CheckNumerics = options.CheckNumerics };
        Saver = new Tf.Train.Saver(maxToKeep: 3);
        StepsPerEpoch = options.StepsPerEpoch ?? task.StepsPerEpoch(options.BatchSize) ?? DefaultStepsPerEpoch;
    }

    /// <summary>The task trained.</summary>
    public TrainingTask Task { get; }

    /// <summary>The model's graph.</summary>
    public Graph Graph { get; }

    /// <summary>The model.</summary>
    public TaskModel Model { get; }

    /// <summary>The session holding the model's variables.</summary>
    public Session Session { get; }

    /// <summary>The checkpoint saver (every variable, Adam's slots and the global step included).</summary>
    public Tf.Train.Saver Saver { get; }

    /// <summary>Training steps per epoch.</summary>
    public int StepsPerEpoch { get; }

    /// <summary>The global step at which training ends: epochs × steps per epoch.</summary>
    public long TotalSteps => (long)_options.Epochs * StepsPerEpoch;

    private Operation Initializer { get; }

    /// <summary>Trains, then scores the test set. Cancelling <paramref name="cancellation"/> stops after the current step and saves a checkpoint.</summary>
    /// <exception cref="FileNotFoundException">Resume was asked but the output directory holds no checkpoint.</exception>
    public TrainingResult Run(ITrainingObserver? observer = null, CancellationToken cancellation = default)
    {
        var clock = Stopwatch.StartNew();
        string? restored = null;
        string? outDir = _options.OutputDirectory;
        if (_options.Resume)
        {
            restored = Tf.Train.Saver.LatestCheckpoint(outDir!)
                ?? throw new FileNotFoundException($"Trainer: --resume found no checkpoint in '{outDir}' (no 'checkpoint' index naming an existing file).");
            Saver.Restore(Session, restored);
            LoadHistory(outDir!);
        }
        else
        {
            Session.Run(Initializer);
        }
        long step = Tf.Train.GlobalStep(Session, Model.GlobalStep);
        _steps.RemoveAll(r => r.Step > step);
        _epochs.RemoveAll(r => r.Step > step);
        observer?.Started(Task, step, TotalSteps, restored);

        string? checkpoint = null;
        bool interrupted = false;
        var rate = Stopwatch.StartNew();
        long rateStart = step;
        double epochLoss = 0;
        int epochCount = 0;
        while (step < TotalSteps)
        {
            if (cancellation.IsCancellationRequested)
            {
                interrupted = true;
                break;
            }
            var batch = Task.TrainingBatch(step, _options.BatchSize);
            var values = Session.Run([Model.Loss, Model.Metric], [Model.TrainOp], Model.Feed(batch));
            step++;
            var record = new StepRecord(step, values[0].GetDouble(0), values[1].GetDouble(0));
            _steps.Add(record);
            epochLoss += record.Loss;
            epochCount++;
            double elapsed = rate.Elapsed.TotalSeconds;
            observer?.StepDone(record, TotalSteps, elapsed > 0 ? (step - rateStart) / elapsed : 0);
            if (step % StepsPerEpoch == 0)
            {
                var (valLoss, valMetric) = Evaluate(Task.ValidationSet);
                var epoch = new EpochRecord((int)(step / StepsPerEpoch), step, epochLoss / epochCount, valLoss, valMetric, clock.Elapsed.TotalSeconds);
                _epochs.Add(epoch);
                epochLoss = 0;
                epochCount = 0;
                observer?.EpochDone(epoch, Task);
                if (outDir is not null)
                {
                    checkpoint = Save(outDir, step);
                    observer?.CheckpointSaved(checkpoint);
                }
                if (_options.StopAtTarget && Task.ReachedWithMargin(valMetric)) break;
            }
        }
        if (outDir is not null && (interrupted || (checkpoint is null && step > 0) || (checkpoint is not null && !checkpoint.EndsWith($"-{step}", StringComparison.Ordinal))))
        {
            checkpoint = Save(outDir, step);
            observer?.CheckpointSaved(checkpoint);
        }
        var (testLoss, testMetric) = Evaluate(Task.TestSet);
        return new TrainingResult
        {
            Task = Task.Name,
            MetricName = Task.MetricName,
            TestMetric = testMetric,
            TestLoss = testLoss,
            ReachedTarget = Task.Reached(testMetric),
            Steps = step,
            Seconds = clock.Elapsed.TotalSeconds,
            Interrupted = interrupted,
            Checkpoint = checkpoint,
            StepHistory = _steps.ToList(),
            EpochHistory = _epochs.ToList(),
        };
    }

    /// <summary>The loss and metric on <paramref name="set"/>, in chunks, weighted by chunk size.</summary>
    public (double Loss, double Metric) Evaluate(SequenceBatch set)
    {
        ArgumentNullException.ThrowIfNull(set);
        double loss = 0, metric = 0;
        for (int start = 0; start < set.Count; start += EvaluationChunk)
        {
            int count = Math.Min(EvaluationChunk, set.Count - start);
            var chunk = count == set.Count ? set : set.Slice(start, count);
            var values = Session.Run([Model.Loss, Model.Metric], Model.Feed(chunk));
            loss += values[0].GetDouble(0) * count;
            metric += values[1].GetDouble(0) * count;
        }
        return (loss / set.Count, metric / set.Count);
    }

    private string Save(string outDir, long step)
    {
        string path = Saver.Save(Session, Path.Combine(outDir, CheckpointPrefix), globalStep: step);
        WriteHistory(outDir);
        return path;
    }

    /// <summary>The step history file, <c>steps.csv</c>: <c>step,loss,metric</c>.</summary>
    public const string StepHistoryFile = "steps.csv";

    /// <summary>The epoch history file, <c>epochs.csv</c>: <c>epoch,step,train_loss,val_loss,val_metric,seconds</c>.</summary>
    public const string EpochHistoryFile = "epochs.csv";

    private void WriteHistory(string outDir)
    {
        var inv = CultureInfo.InvariantCulture;
        File.WriteAllLines(Path.Combine(outDir, StepHistoryFile),
            ["step,loss,metric", .. _steps.Select(r => string.Create(inv, $"{r.Step},{r.Loss:R},{r.Metric:R}"))]);
        File.WriteAllLines(Path.Combine(outDir, EpochHistoryFile),
            ["epoch,step,train_loss,val_loss,val_metric,seconds",
             .. _epochs.Select(e => string.Create(inv, $"{e.Epoch},{e.Step},{e.TrainLoss:R},{e.ValidationLoss:R},{e.ValidationMetric:R},{e.Seconds:R}"))]);
    }

    private void LoadHistory(string outDir)
    {
        var inv = CultureInfo.InvariantCulture;
        string steps = Path.Combine(outDir, StepHistoryFile), epochs = Path.Combine(outDir, EpochHistoryFile);
        if (File.Exists(steps))
        {
            foreach (var line in File.ReadLines(steps).Skip(1))
            {
                var f = line.Split(',');
                if (f.Length == 3 && long.TryParse(f[0], inv, out long s) && double.TryParse(f[1], inv, out double l) && double.TryParse(f[2], inv, out double m))
                    _steps.Add(new StepRecord(s, l, m));
            }
        }
        if (File.Exists(epochs))
        {
            foreach (var line in File.ReadLines(epochs).Skip(1))
            {
                var f = line.Split(',');
                if (f.Length == 6 && int.TryParse(f[0], inv, out int e) && long.TryParse(f[1], inv, out long s)
                    && double.TryParse(f[2], inv, out double tl) && double.TryParse(f[3], inv, out double vl)
                    && double.TryParse(f[4], inv, out double vm) && double.TryParse(f[5], inv, out double sec))
                    _epochs.Add(new EpochRecord(e, s, tl, vl, vm, sec));
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose() => Session.Dispose();
}
