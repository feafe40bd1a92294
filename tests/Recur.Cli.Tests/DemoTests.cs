using Recur.Cli.Commands;
using Recur.Cli.Demo;

namespace Recur.Cli.Tests;

public sealed class DemoTests
{
    private static readonly StaticVsDynamic.Config Config = new(TimedRuns: 1);

    [Fact]
    public void Measure_SameWeights_StaticAndDynamicOutputsAreEqual()
    {
        var row = StaticVsDynamic.Measure(Config, 20, estimatedStaticBuild: null);

        Assert.Null(row.Skipped);
        Assert.Equal(0.0, row.MaxDiff);
        Assert.True(row.FusedDiff < 1e-5, $"fused vs loop: {row.FusedDiff}");
        Assert.True(row.FusedOps < row.DynamicOps);
    }

    [Fact]
    public void Measure_LongerSequence_StaticGraphGrowsLinearlyAndDynamicStaysTheSame()
    {
        var r10 = StaticVsDynamic.Measure(Config, 10, null);
        var r20 = StaticVsDynamic.Measure(Config, 20, null);
        var r40 = StaticVsDynamic.Measure(Config, 40, null);

        Assert.Equal(r10.DynamicOps, r40.DynamicOps);
        Assert.Equal(r20.StaticOps - r10.StaticOps, (r40.StaticOps - r20.StaticOps) / 2);   // a fixed number of ops per step
        Assert.True(r20.StaticOps > r10.StaticOps);
        Assert.True(r10.StaticOps > r10.DynamicOps);
    }

    [Fact]
    public void Measure_EstimateOverBudget_SkipsTheStaticGraphAndSaysWhy()
    {
        var row = StaticVsDynamic.Measure(Config, 10, TimeSpan.FromMinutes(5));

        Assert.NotNull(row.Skipped);
        Assert.Contains("300 s", row.Skipped, StringComparison.Ordinal);
        Assert.Null(row.StaticBuild);
        Assert.Null(row.MaxDiff);
        Assert.True(row.DynamicOps > 0);
    }

    [Fact]
    public void LongerSequence_StaticGraph_RefusesWithThePlaceholderAndBothShapes()
    {
        var (error, dynamicOutput) = DemoCommand.LongerSequence(new DemoReport("t"), Config, 10);

        Assert.Equal("Session.Run: placeholder 'X' expects shape (?, 10, 8), but was fed shape (4, 11, 8).", error);
        Assert.Equal(new Shape(4, 11, 32), dynamicOutput);
    }

    [Fact]
    public void BatchSizes_OneDynamicGraph_ServesEveryBatchWithTheSameRows()
    {
        var results = DemoCommand.BatchSizes(new DemoReport("t"), Config);

        Assert.Equal([1, 3, 16], results.Select(r => r.Batch));
        Assert.Equal([new Shape(1, 50, 32), new Shape(3, 50, 32), new Shape(16, 50, 32)], results.Select(r => r.Output));
        Assert.All(results, r => Assert.True(r.MaxDiffToBatch16 <= 1e-6, $"batch {r.Batch}: {r.MaxDiffToBatch16}"));
    }

    [Fact]
    public void Run_DemoWithStepsAndOut_WritesTheMarkdownTable()
    {
        string path = Path.Combine(Path.GetTempPath(), $"recur-demo-{Guid.NewGuid():N}.md");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        try
        {
            int code = CommandLine.CreateDefault().Run(["demo", "--steps", "5,10", "--out", path], stdout, stderr);

            Assert.Equal(0, code);
            string md = File.ReadAllText(path);
            Assert.Contains("## Static vs dynamic: graph size, build time, run time, outputs", md, StringComparison.Ordinal);
            Assert.Contains("| T | static ops | dynamic ops |", md, StringComparison.Ordinal);
            Assert.Contains("## Sample BookBasicRnn:", md, StringComparison.Ordinal);
            Assert.Contains("placeholder 'X' expects shape (?, 5, 8), but was fed shape (4, 6, 8)", md, StringComparison.Ordinal);
            Assert.Contains("T = 5:", stderr.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("0")]
    [InlineData("10,x")]
    [InlineData(",")]
    public void Run_BadSteps_IsAUsageError(string steps)
    {
        var stderr = new StringWriter();

        int code = CommandLine.CreateDefault().Run(["demo", "--steps", steps], new StringWriter(), stderr);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--steps", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ParseSteps_List_KeepsTheOrderGiven()
    {
        Assert.Equal([100, 10], DemoCommand.ParseSteps(" 100, 10 "));
    }
}
