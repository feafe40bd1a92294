using System.Diagnostics;
using System.Globalization;
using Recur.Training;

namespace Recur.Cli.Training;

/// <summary>
/// The progress of <c>recur train</c>: on stderr, a bar with the step, loss, accuracy (classification), steps/s and
/// ETA — redrawn in place with <c>\r</c> when stderr is a terminal, otherwise one line every
/// <see cref="LineInterval"/> steps — and on stdout one line per epoch with the validation scores.
/// </summary>
internal sealed class TrainingProgress : ITrainingObserver
{
    private const int BarWidth = 24;
    private static readonly TimeSpan RedrawInterval = TimeSpan.FromMilliseconds(100);

    private readonly TextWriter _stdout;
    private readonly TextWriter _stderr;
    private readonly bool _terminal;
    private readonly Stopwatch _sinceDraw = Stopwatch.StartNew();
    private int _epochs;
    private long _startStep;
    private bool _barVisible;
    private double _smoothedLoss = double.NaN;
    private double _smoothedMetric = double.NaN;

    /// <summary>Progress to <paramref name="stdout"/> and <paramref name="stderr"/>; <paramref name="terminal"/>: stderr is a console.</summary>
    public TrainingProgress(TextWriter stdout, TextWriter stderr, bool terminal, int lineInterval, int epochs)
    {
        _stdout = stdout;
        _stderr = stderr;
        _terminal = terminal;
        LineInterval = Math.Max(1, lineInterval);
        _epochs = epochs;
    }

    /// <summary>Steps between progress lines when stderr is not a terminal.</summary>
    public int LineInterval { get; }

    /// <summary>The metric's name on the bar (accuracy tasks show <c>acc</c>).</summary>
    public TaskMetric Metric { get; private set; }

    public void Started(TrainingTask task, long startStep, long totalSteps, string? restoredFrom)
    {
        Metric = task.Metric;
        _startStep = startStep;
        if (restoredFrom is not null)
            _stdout.WriteLine(FormattableString.Invariant($"restored {restoredFrom} at global step {startStep}"));
        if (startStep >= totalSteps)
            _stdout.WriteLine(FormattableString.Invariant($"global step {startStep} already reaches {totalSteps} (epochs × steps); nothing to train, evaluating."));
    }

    public void StepDone(StepRecord record, long totalSteps, double stepsPerSecond)
    {
        const double alpha = 0.1;
        _smoothedLoss = double.IsNaN(_smoothedLoss) ? record.Loss : (1 - alpha) * _smoothedLoss + alpha * record.Loss;
        _smoothedMetric = double.IsNaN(_smoothedMetric) ? record.Metric : (1 - alpha) * _smoothedMetric + alpha * record.Metric;
        bool last = record.Step >= totalSteps;
        if (_terminal)
        {
            if (!last && _sinceDraw.Elapsed < RedrawInterval) return;
            _sinceDraw.Restart();
            _stderr.Write("\r" + Bar(record.Step, totalSteps, stepsPerSecond) + "\u001b[K");
            _barVisible = true;
        }
        else if (record.Step % LineInterval == 0 || last || record.Step == _startStep + 1)
        {
            _stderr.WriteLine(Bar(record.Step, totalSteps, stepsPerSecond));
        }
    }

    public void EpochDone(EpochRecord record, TrainingTask task)
    {
        ClearBar();
        string metric = task.Metric == TaskMetric.Accuracy ? "val accuracy" : "val mse";
        _stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"epoch {record.Epoch,3}/{_epochs}  step {record.Step,6}  train loss {record.TrainLoss:F5}  val loss {record.ValidationLoss:F5}  {metric} {record.ValidationMetric:F5}{(task.Reached(record.ValidationMetric) ? " ✓" : "")}  ({record.Seconds:F1} s)"));
    }

    public void CheckpointSaved(string path)
    {
        ClearBar();
        _stderr.WriteLine($"checkpoint {path}");
    }

    /// <summary>Ends a bar left on the terminal line.</summary>
    public void ClearBar()
    {
        if (!_barVisible) return;
        _stderr.Write("\r\u001b[K");
        _barVisible = false;
    }

    /// <summary>One progress line: <c>[######------] 42% step 420/1000 loss 0.01234 acc 0.981 12.3 steps/s ETA 0:47</c>.</summary>
    internal string Bar(long step, long total, double stepsPerSecond)
    {
        double fraction = total > 0 ? Math.Clamp((double)step / total, 0, 1) : 1;
        int filled = (int)Math.Round(fraction * BarWidth);
        string bar = new string('#', filled) + new string('-', BarWidth - filled);
        string acc = Metric == TaskMetric.Accuracy ? string.Create(CultureInfo.InvariantCulture, $"  acc {_smoothedMetric:F3}") : "";
        string eta = stepsPerSecond > 0 ? FormatDuration((total - step) / stepsPerSecond) : "?";
        return string.Create(CultureInfo.InvariantCulture,
            $"[{bar}] {fraction * 100,3:F0}%  step {step}/{total}  loss {_smoothedLoss:F5}{acc}  {stepsPerSecond:F1} steps/s  ETA {eta}");
    }

    /// <summary><c>m:ss</c> or <c>h:mm:ss</c>.</summary>
    internal static string FormatDuration(double seconds)
    {
        if (!double.IsFinite(seconds) || seconds < 0) return "?";
        var t = TimeSpan.FromSeconds(Math.Round(seconds));
        return t.TotalHours >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalHours}:{t.Minutes:00}:{t.Seconds:00}")
            : string.Create(CultureInfo.InvariantCulture, $"{t.Minutes}:{t.Seconds:00}");
    }
}
