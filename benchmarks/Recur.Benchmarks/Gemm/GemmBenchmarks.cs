using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Recur.Kernels;

namespace Recur.Benchmarks.Gemm;

/// <summary>BenchmarkDotNet SGEMM: Recur vs OpenBLAS, square and RNN shapes, 1 and 2 threads.</summary>
[Config(typeof(GemmConfig))]
public class GemmBenchmarks
{
    private float[] _a = [];
    private float[] _b = [];
    private float[] _c = [];
    private GemmShape _shape = GemmShape.All[0];

    /// <summary>Environment variable with a comma-separated subset of shape names (set by <c>gemm --shapes</c>).</summary>
    public const string ShapesVariable = "RECUR_GEMM_SHAPES";

    public static IEnumerable<string> Shapes
    {
        get
        {
            string? subset = Environment.GetEnvironmentVariable(ShapesVariable);
            var all = GemmShape.All.Select(s => s.Name);
            return string.IsNullOrEmpty(subset) ? all : all.Where(n => subset.Split(',').Contains(n));
        }
    }

    [ParamsSource(nameof(Shapes))]
    public string Shape { get; set; } = "sq256";

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _shape = GemmShape.Parse(Shape);
        (_a, _b, _c) = _shape.RandomOperands();
        Kernels.Gemm.MaxThreads = Threads;
        if (OpenBlas.Available)
        {
            OpenBlas.SetNumThreads(Threads);
        }
    }

    [Benchmark(Baseline = true)]
    public void OpenBLAS() => OpenBlas.Sgemm(_shape.M, _shape.N, _shape.K, _a, _b, _c);

    [Benchmark]
    public void Recur() => Kernels.Gemm.Multiply(false, false, _shape.M, _shape.N, _shape.K, 1f, _a, _shape.K, _b, _shape.N, 0f, _c, _shape.N);

    private sealed class GemmConfig : ManualConfig
    {
        public GemmConfig()
        {
            // 28 shapes x 2 thread counts x 2 libraries: keep each case short (about 5 s).
            AddJob(Job.Default.WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(7));
            AddColumn(new GflopsColumn());
            SummaryStyle = BenchmarkDotNet.Reports.SummaryStyle.Default.WithRatioStyle(RatioStyle.Trend);
        }
    }

    /// <summary>GFLOP/s = 2MNK / mean time.</summary>
    private sealed class GflopsColumn : IColumn
    {
        public string Id => "GFLOPs";

        public string ColumnName => "GFLOP/s";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => "Billions of floating-point operations per second, 2*M*N*K / mean";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var report = summary[benchmarkCase];
            if (report?.ResultStatistics is null)
            {
                return "-";
            }

            string name = (string)benchmarkCase.Parameters["Shape"];
            double seconds = report.ResultStatistics.Mean * 1e-9;
            return (GemmShape.Parse(name).Flops / seconds / 1e9).ToString("F1");
        }

        public bool IsAvailable(Summary summary) => true;

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    }
}
