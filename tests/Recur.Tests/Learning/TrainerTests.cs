using System.Xml.Linq;
using Recur.Training;
using Recur.Training.Tasks;

namespace Recur.Tests.Learning;

/// <summary>The training loop's checkpoints, resume, cancellation and numerics guard, the CSV format and the SVG plots.</summary>
[Collection("Learning")]
public sealed class TrainerTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "recur-trainer-tests-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static TrainingOptions Small(string? dir = null, int epochs = 2) => new()
    {
        Epochs = epochs, StepsPerEpoch = 10, BatchSize = 16, Hidden = 8, LearningRate = 0.01, Seed = 7, OutputDirectory = dir,
    };

    private static AddingTask SmallAdding() => new(seed: 7, steps: 10, validationSize: 32, testSize: 64);

    [Fact]
    public void Run_ResumedFromCheckpoint_MatchesUninterruptedRun()
    {
        TrainingResult straight;
        using (var trainer = new Trainer(SmallAdding(), Small(epochs: 4))) straight = trainer.Run();

        string dir = Path.Combine(_dir, "resume");
        using (var first = new Trainer(SmallAdding(), Small(dir, epochs: 2)))
        {
            var half = first.Run();
            Assert.Equal(20, half.Steps);
            Assert.EndsWith("model.ckpt-20", half.Checkpoint, StringComparison.Ordinal);
        }
        TrainingResult resumed;
        using (var second = new Trainer(SmallAdding(), Small(dir, epochs: 4) with { Resume = true })) resumed = second.Run();

        Assert.Equal(40, resumed.Steps);
        Assert.Equal(40, resumed.StepHistory.Count);   // the first run's steps come back from steps.csv
        Assert.Equal(4, resumed.EpochHistory.Count);
        for (int i = 0; i < 40; i++) Assert.Equal(straight.StepHistory[i].Loss, resumed.StepHistory[i].Loss, 1e-5);
        Assert.Equal(straight.TestMetric, resumed.TestMetric, 1e-5);
    }

    [Fact]
    public void Run_ResumeWithoutCheckpoint_ThrowsFileNotFound()
    {
        using var trainer = new Trainer(SmallAdding(), Small(Path.Combine(_dir, "empty")) with { Resume = true });
        var e = Assert.Throws<FileNotFoundException>(() => trainer.Run());
        Assert.Contains("no checkpoint", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_Cancelled_SavesCheckpointAtCurrentStep()
    {
        string dir = Path.Combine(_dir, "cancel");
        using var cts = new CancellationTokenSource();
        using var trainer = new Trainer(SmallAdding(), Small(dir, epochs: 10));
        var result = trainer.Run(new CancelAt(13, cts), cts.Token);
        Assert.True(result.Interrupted);
        Assert.Equal(13, result.Steps);
        Assert.Equal(Path.Combine(dir, "model.ckpt-13"), Tf.Train.Saver.LatestCheckpoint(dir));
    }

    [Fact]
    public void Run_NaNInputWithNumericsGuard_ThrowsNamingTheOp()
    {
        using var trainer = new Trainer(new NaNTask(), Small() with { CheckNumerics = true });
        var e = Assert.Throws<InvalidOperationException>(() => trainer.Run());
        Assert.Contains("NaN", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ValidRows_ReadsLabelsLengthsAndSkipsHeaderAndComments()
    {
        var data = CsvSequences.Parse(["label,x1,x2,x3,x4", "# a comment", "", "1, 0.5,0.25,1,2", "0,1,2"], "mem.csv", features: 2);
        Assert.Equal(2, data.Count);
        Assert.Equal([1.0, 0.0], data.Labels);
        Assert.Equal(2, data.MaxLength);
        Assert.Equal([0.5f, 0.25f, 1f, 2f], data.Sequences[0]);
        Assert.Equal([4, 5], data.LineNumbers);
        Assert.True(data.LabelsAreClasses);
    }

    [Theory]
    [InlineData("1,0.5,x", "mem.csv:2: field 3 must be a number, but got 'x'.")]
    [InlineData("1,0.5,0.7,0.2", "mem.csv:2: expected a multiple of 2 values after the label (2 per step), but got 3.")]
    [InlineData("1", "mem.csv:2: expected a label and at least one step of 2 values, but the row has only a label.")]
    [InlineData("one,1,2", "mem.csv:2: the label (first field) must be a number, but got 'one'.")]
    [InlineData("1,1,NaN", "mem.csv:2: field 3 must be a finite float32 value, but got 'NaN'.")]
    public void Parse_MalformedRow_ThrowsNamingLine(string row, string message)
    {
        var e = Assert.Throws<CsvFormatException>(() => CsvSequences.Parse(["0,1,2", row], "mem.csv", features: 2));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Parse_OneRow_ThrowsTooFewSequences()
    {
        var e = Assert.Throws<CsvFormatException>(() => CsvSequences.Parse(["0,1,2"], "mem.csv", features: 1));
        Assert.Contains("at least 2 sequences", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CsvTask_SignOfSum_LearnsClasses()
    {
        // label = 1 when the sequence's sum is positive; 2..12 steps of one feature.
        var rng = new Random(3);
        var rows = new List<string>();
        for (int i = 0; i < 300; i++)
        {
            int n = rng.Next(2, 13);
            var xs = Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
            rows.Add((xs.Sum() > 0 ? "1" : "0") + "," + string.Join(",", xs.Select(x => x.ToString("R", System.Globalization.CultureInfo.InvariantCulture))));
        }
        var task = new CsvTask(CsvSequences.Parse(rows, "sum.csv", 1), seed: 3);
        Assert.True(task.IsClassification);
        Assert.Equal(60, task.ValidationSet.Count);
        using var trainer = new Trainer(task, new TrainingOptions { Epochs = 15, BatchSize = 32, Hidden = 16, LearningRate = 0.02, Seed = 3 });
        var result = trainer.Run();
        Assert.Equal(15 * 8, result.Steps);   // 240 training rows / 32 per batch = 8 steps per epoch
        Assert.True(result.TestMetric >= 0.85, $"accuracy {result.TestMetric}");
    }

    [Fact]
    public void ToSvg_TwoSeries_WritesWellFormedSvgWithPolylineAndLegend()
    {
        var plot = new SvgPlot
        {
            Title = "loss <&>", XLabel = "step", YLabel = "loss", LogY = true,
            Series = [new("train", [1, 2, 3], [1, 0.1, 0.01], "#000"), new("val", [3], [0.02], "#f00", Dots: true)],
        };
        var doc = XDocument.Parse(plot.ToSvg());
        XNamespace svg = "http://www.w3.org/2000/svg";
        var polyline = Assert.Single(doc.Descendants(svg + "polyline"));
        Assert.Equal(3, polyline.Attribute("points")!.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains(doc.Descendants(svg + "text"), t => t.Value == "loss <&>");
        Assert.Contains(doc.Descendants(svg + "text"), t => t.Value == "0.01");   // a log-scale tick
        Assert.Contains(doc.Descendants(svg + "text"), t => t.Value == "val");
    }

    private sealed class CancelAt(long step, CancellationTokenSource cts) : ITrainingObserver
    {
        public void Started(TrainingTask task, long startStep, long totalSteps, string? restoredFrom) { }

        public void StepDone(StepRecord record, long totalSteps, double stepsPerSecond)
        {
            if (record.Step == step) cts.Cancel();
        }

        public void EpochDone(EpochRecord record, TrainingTask task) { }

        public void CheckpointSaved(string path) { }
    }

    /// <summary>The adding task with a NaN in every training batch.</summary>
    private sealed class NaNTask : TrainingTask
    {
        private readonly AddingTask _inner = SmallAdding();

        public override string Name => "nan";

        public override TaskMetric Metric => TaskMetric.MeanSquaredError;

        public override double Target => 0.01;

        public override int Features => 2;

        public override SequenceBatch TrainingBatch(long step, int batchSize)
        {
            var b = _inner.TrainingBatch(step, batchSize);
            var x = b.Inputs.ToArray<float>();
            x[3] = float.NaN;
            return b with { Inputs = new NDArray(x, b.Inputs.Shape) };
        }

        public override SequenceBatch ValidationSet => _inner.ValidationSet;

        public override SequenceBatch TestSet => _inner.TestSet;

        public override TaskModel BuildModel(ModelOptions options) => _inner.BuildModel(options);
    }
}
