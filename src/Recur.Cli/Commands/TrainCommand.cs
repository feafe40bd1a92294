using System.Globalization;
using Recur.Cli.Training;
using Recur.Training;
using Recur.Training.Tasks;

namespace Recur.Cli.Commands;

/// <summary>
/// <c>recur train</c>: trains one of the models that learn (<c>--task sine|adding|classify</c>) or an LSTM on the
/// user's CSV of sequences (<c>--csv FILE</c>), with a progress bar on stderr, validation after every epoch,
/// checkpoints and pictures in <c>--out DIR</c>, <c>--resume</c>, the numerics guard, and Ctrl-C saving a
/// checkpoint. The last line on stdout is machine-readable:
/// <c>result: task=adding metric=mse value=0.0042 steps=3000 seconds=95.1</c>.
/// </summary>
internal sealed class TrainCommand : ICommand
{
    /// <summary>The defaults of one task (full size).</summary>
    internal sealed record TaskDefaults(int Epochs, int? Steps, int Batch, int Hidden, double LearningRate, int Length, double? Clip);

    /// <summary>Full-size defaults per task.</summary>
    internal static readonly IReadOnlyDictionary<string, TaskDefaults> Defaults = new Dictionary<string, TaskDefaults>(StringComparer.Ordinal)
    {
        ["sine"] = new(Epochs: 10, Steps: 150, Batch: 50, Hidden: 100, LearningRate: 0.001, Length: 20, Clip: null),
        ["adding"] = new(Epochs: 40, Steps: 100, Batch: 64, Hidden: 64, LearningRate: 0.01, Length: 100, Clip: 1.0),
        ["classify"] = new(Epochs: 5, Steps: 100, Batch: 64, Hidden: 32, LearningRate: 0.01, Length: 50, Clip: null),
        ["csv"] = new(Epochs: 20, Steps: null, Batch: 32, Hidden: 32, LearningRate: 0.01, Length: 0, Clip: 5.0),
    };

    public string Name => "train";

    public string Summary => "Train an RNN: --task sine|adding|classify, or --csv FILE of your own sequences; progress, checkpoints, SVG plots.";

    public IReadOnlyList<CommandOption> Options { get; } =
    [
        new("task", "NAME", "sine (the book's time-series RNN), adding (the adding problem, LSTM), classify (variable-length GRU classifier)."),
        new("csv", "FILE", "Train on your sequences instead: one per row, 'label,x1,x2,...' (see --features); # comments, optional header."),
        new("features", "N", "With --csv: values per time step (a row holds a multiple of N values after the label). Default 1."),
        new("regression", null, "With --csv: treat whole-number labels as values to predict (mse), not classes."),
        new("epochs", "N", "Epochs to train (with --resume: the total, counting those done). Defaults: sine 10, adding 40, classify 5, csv 20."),
        new("steps", "N", "Training steps per epoch. Defaults: sine 150, adding 100, classify 100; csv: one pass over the training rows."),
        new("batch", "N", "Sequences per batch. Defaults: sine 50, adding 64, classify 64, csv 32."),
        new("hidden", "N", "Units of the recurrent cell. Defaults: sine 100, adding 64, classify 32, csv 32."),
        new("lr", "RATE", "Adam's learning rate. Defaults: sine 0.001, adding 0.01, classify 0.01, csv 0.01."),
        new("clip", "NORM", "Clip gradients to this global norm (0: no clipping). Defaults: adding 1, csv 5, others none."),
        new("length", "T", "Sequence length: sine window (20), adding T (100), classify maximum length (50)."),
        new("seed", "N", "Seed of the graph (initializers) and of the data. Default 42."),
        new("out", "DIR", "Write checkpoints (model.ckpt-STEP), steps.csv, epochs.csv, loss.svg and, for sine, predictions.svg to DIR."),
        new("resume", null, "Restore the latest checkpoint in --out DIR and continue from its global step."),
        new("stop-at-target", null, "Stop after the first epoch whose validation metric beats the target with a margin (mse < target/2, accuracy halfway to 1)."),
        new("check-numerics", null, "The numerics guard: stop at the first NaN or Inf and name the op that produced it."),
    ];

    public int Run(ParsedArguments args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Positionals.Count > 0)
            throw new UsageException($"recur train: takes no positional arguments, but got '{args.Positionals[0]}'.");
        string? taskName = args.Value("task");
        string? csv = args.Value("csv");
        if ((taskName is null) == (csv is null))
            throw new UsageException("recur train: give exactly one of --task sine|adding|classify or --csv FILE.");
        if (taskName is not null && !Defaults.ContainsKey(taskName) || taskName == "csv")
            throw new UsageException($"recur train: --task must be sine, adding or classify, but got '{taskName}'.");
        if (csv is null && (args.Has("features") || args.Has("regression")))
            throw new UsageException("recur train: --features and --regression apply only with --csv FILE.");
        if (csv is not null && args.Has("length"))
            throw new UsageException("recur train: --length does not apply to --csv (the rows give the lengths).");
        var d = Defaults[taskName ?? "csv"];
        int seed = Int(args, "seed", 42, min: 0);
        string? outDir = args.Value("out");
        bool resume = args.Has("resume");
        if (resume && outDir is null)
            throw new UsageException("recur train: --resume needs --out DIR (the directory holding the checkpoints).");
        double clip = Real(args, "clip", d.Clip ?? 0, allowZero: true);
        var options = new TrainingOptions
        {
            Epochs = Int(args, "epochs", d.Epochs, min: 1),
            StepsPerEpoch = args.Has("steps") ? Int(args, "steps", 0, min: 1) : d.Steps,
            BatchSize = Int(args, "batch", d.Batch, min: 1),
            Hidden = Int(args, "hidden", d.Hidden, min: 1),
            LearningRate = Real(args, "lr", d.LearningRate),
            ClipNorm = clip > 0 ? clip : null,
            Seed = seed,
            CheckNumerics = args.Has("check-numerics"),
            OutputDirectory = outDir,
            Resume = resume,
            StopAtTarget = args.Has("stop-at-target"),
        };

        TrainingTask task;
        try
        {
            task = taskName switch
            {
                "sine" => new SineTask(seed, Int(args, "length", d.Length, min: 2)),
                "adding" => new AddingTask(seed, Int(args, "length", d.Length, min: 2)),
                "classify" => new ClassifyTask(seed, 5, Int(args, "length", d.Length, min: 5)),
                _ => new CsvTask(CsvSequences.Load(csv!, Int(args, "features", 1, min: 1)), seed, args.Has("regression")),
            };
        }
        catch (Exception e) when (e is CsvFormatException or FileNotFoundException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            stderr.WriteLine($"recur train: {e.Message}");
            return ExitCodes.Failure;
        }
        if (resume && Tf.Train.Saver.LatestCheckpoint(outDir!) is null)
        {
            stderr.WriteLine($"recur train: --resume found no checkpoint in '{outDir}'.");
            return ExitCodes.Failure;
        }
        return Train(task, options, stdout, stderr);
    }

    private static int Train(TrainingTask task, TrainingOptions options, TextWriter stdout, TextWriter stderr)
    {
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            if (cancel.IsCancellationRequested) return;   // a second Ctrl-C ends the process
            e.Cancel = true;
            cancel.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            using var trainer = new Trainer(task, options);
            stdout.WriteLine(Describe(task, options, trainer));
            bool terminal = ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected;
            var progress = new TrainingProgress(stdout, stderr, terminal, Math.Max(1, trainer.StepsPerEpoch / 5), options.Epochs);
            TrainingResult result;
            try
            {
                result = trainer.Run(progress, cancel.Token);
            }
            finally
            {
                progress.ClearBar();
            }
            if (options.OutputDirectory is string dir) WritePictures(task, trainer, result, dir, stdout);
            string verdict = result.ReachedTarget ? "reached" : "not reached";
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"test {task.MetricName} {TrainingResult.FormatMetric(result.TestMetric)} (loss {result.TestLoss:F5}) on {task.TestSet.Count} held-out sequences: target {task.TargetDescription} {verdict}"));
            int code = ExitCodes.Success;
            if (result.Interrupted)
            {
                stderr.WriteLine(result.Checkpoint is null
                    ? $"recur train: interrupted at step {result.Steps}; no --out DIR, so nothing was saved."
                    : $"recur train: interrupted at step {result.Steps}; checkpoint {result.Checkpoint} saved. Continue with --resume.");
                code = ExitCodes.Failure;
            }
            stdout.WriteLine(result.ResultLine);
            return code;
        }
        catch (InvalidOperationException e) when (options.CheckNumerics && IsNumericsError(e))
        {
            stderr.WriteLine();
            stderr.WriteLine($"recur train: the numerics guard stopped training: {e.Message}");
            return ExitCodes.Failure;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or KeyNotFoundException or ArgumentException or InvalidOperationException)
        {
            stderr.WriteLine();
            stderr.WriteLine($"recur train: {e.Message}");
            return ExitCodes.Failure;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static bool IsNumericsError(Exception e) =>
        e.Message.Contains("NaN", StringComparison.Ordinal) || e.Message.Contains("Inf", StringComparison.Ordinal);

    private static string Describe(TrainingTask task, TrainingOptions o, Trainer trainer)
    {
        string shape = task switch
        {
            SineTask s => $"BasicRNNCell({o.Hidden}, relu) over {s.Steps} steps → dense(1) per step",
            AddingTask a => $"LSTMCell({o.Hidden}) over T = {a.Steps} → dense(1)",
            ClassifyTask c => $"GRUCell({o.Hidden}) over {c.MinLength}..{c.MaxLength} steps (sequence_length) → dense(2) → softmax",
            CsvTask c => $"LSTMCell({o.Hidden}) over {c.Data.Count} sequences of ≤ {c.Data.MaxLength} steps × {c.Features} feature{(c.Features == 1 ? "" : "s")} from {c.Data.Path} "
                + (c.IsClassification ? $"→ dense({c.Classes}) → softmax" : "→ dense(1)") + $" ({c.TrainingCount} train, {c.ValidationSet.Count} held out)",
            _ => task.Name,
        };
        return string.Create(CultureInfo.InvariantCulture,
            $"recur train: {task.Name}: {shape}; Adam lr {o.LearningRate}{(o.ClipNorm is double clip ? $", clip {clip}" : "")}, batch {o.BatchSize}, {o.Epochs} epochs × {trainer.StepsPerEpoch} steps, seed {o.Seed}; target {task.TargetDescription}");
    }

    private static void WritePictures(TrainingTask task, Trainer trainer, TrainingResult result, string dir, TextWriter stdout)
    {
        string loss = Path.Combine(dir, TrainingPlots.LossFile);
        var plot = task is AddingTask
            ? TrainingPlots.LossCurve(result, $"recur train --task {task.Name}: loss", AddingTask.BaselineMse, "always answering 1 (1/6)")
            : TrainingPlots.LossCurve(result, $"recur train --task {task.Name}: loss");
        plot.Save(loss);
        stdout.WriteLine($"loss curve {loss}");
        if (task is SineTask sine)
        {
            string predictions = Path.Combine(dir, TrainingPlots.PredictionsFile);
            TrainingPlots.SinePredictions(sine, trainer).Save(predictions);
            stdout.WriteLine($"predictions {predictions}");
        }
    }

    private static int Int(ParsedArguments args, string name, int fallback, int min)
    {
        if (args.Value(name) is not string text) return fallback;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v < min)
            throw new UsageException($"recur train: --{name} expects an integer ≥ {min}, but got '{text}'.");
        return v;
    }

    private static double Real(ParsedArguments args, string name, double fallback, bool allowZero = false)
    {
        if (args.Value(name) is not string text) return fallback;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v) || v < 0 || (v == 0 && !allowZero))
            throw new UsageException($"recur train: --{name} expects a {(allowZero ? "non-negative" : "positive")} number, but got '{text}'.");
        return v;
    }
}
