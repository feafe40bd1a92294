using Recur.Training;
using Recur.Training.Tasks;

namespace Recur.Cli.Training;

/// <summary>The pictures of <c>recur train --out DIR</c>: the loss curve, and for the sine task predictions against truth.</summary>
internal static class TrainingPlots
{
    /// <summary>The loss-curve file name.</summary>
    public const string LossFile = "loss.svg";

    /// <summary>The sine task's predictions file name.</summary>
    public const string PredictionsFile = "predictions.svg";

    /// <summary>
    /// Training loss per step (a moving average over about 1 % of the steps) and validation loss per epoch, log scale.
    /// </summary>
    /// <param name="result">The run.</param>
    /// <param name="title">The chart title.</param>
    /// <param name="baseline">A reference loss drawn as a horizontal line (the adding problem's 1/6), or null.</param>
    /// <param name="baselineLabel">Its legend text.</param>
    public static SvgPlot LossCurve(TrainingResult result, string title, double? baseline = null, string? baselineLabel = null)
    {
        var steps = result.StepHistory;
        int window = Math.Max(1, steps.Count / 100);
        var x = new List<double>();
        var y = new List<double>();
        double sum = 0;
        for (int i = 0; i < steps.Count; i++)
        {
            sum += steps[i].Loss;
            if (i >= window) sum -= steps[i - window].Loss;
            if ((i + 1) % Math.Max(1, window / 4) == 0 || i == steps.Count - 1)
            {
                x.Add(steps[i].Step);
                y.Add(sum / Math.Min(i + 1, window));
            }
        }
        var series = new List<PlotSeries>
        {
            new(window > 1 ? $"training loss (mean of {window} steps)" : "training loss", x, y, SvgPlot.Palette[0]),
        };
        if (result.EpochHistory.Count > 0)
        {
            series.Add(new("validation loss (per epoch)", result.EpochHistory.Select(e => (double)e.Step).ToList(),
                result.EpochHistory.Select(e => e.ValidationLoss).ToList(), SvgPlot.Palette[1]));
        }
        if (baseline is double level && x.Count > 0)
            series.Add(new(baselineLabel ?? "baseline", [x[0], x[^1]], [level, level], "#888888"));
        return new SvgPlot { Title = title, XLabel = "global step", YLabel = "loss", LogY = true, Series = series };
    }

    /// <summary>The sine task: f(t) against the model's next-step prediction from the 20 values before each t.</summary>
    public static SvgPlot SinePredictions(SineTask task, Trainer trainer)
    {
        var (t, truth, predicted) = task.PredictSeries(trainer.Session, trainer.Model);
        return new SvgPlot
        {
            Title = $"sine: next-step predictions from {task.Steps}-step windows",
            XLabel = "t",
            YLabel = "f(t) = t·sin(t)/3 + 2·sin(5t)",
            Series =
            [
                new("truth f(t)", t, truth, SvgPlot.Palette[0]),
                new("prediction", t, predicted, SvgPlot.Palette[1], Dots: true),
            ],
        };
    }
}
