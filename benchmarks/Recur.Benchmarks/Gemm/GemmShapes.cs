namespace Recur.Benchmarks.Gemm;

/// <summary>One SGEMM problem: C[M, N] = A[M, K] . B[K, N], row-major, no transposes.</summary>
public sealed record GemmShape(string Name, int M, int N, int K)
{
    public double Flops => 2.0 * M * N * K;

    public override string ToString() => Name;

    /// <summary>Square sizes and the RNN shapes (M = batch, N = 4H, K = H: the LSTM recurrent product).</summary>
    public static IReadOnlyList<GemmShape> All { get; } = Build();

    public static GemmShape Parse(string name) => All.First(s => s.Name == name);

    private static List<GemmShape> Build()
    {
        var list = new List<GemmShape>();
        foreach (int s in new[] { 256, 512, 1024, 2048 })
        {
            list.Add(new GemmShape($"sq{s}", s, s, s));
        }

        foreach (int h in new[] { 128, 256, 512 })
        {
            foreach (int m in new[] { 1, 16, 64, 128 })
            {
                list.Add(new GemmShape($"rnn-m{m}-h{h}", m, 4 * h, h));
            }
        }

        return list;
    }
}
