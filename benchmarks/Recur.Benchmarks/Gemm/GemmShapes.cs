namespace Recur.Benchmarks.Gemm;

/// <summary>One SGEMM problem: C[M, N] = op(A)[M, K] . op(B)[K, N], row-major (A stored K x M when TransA, B stored N x K when TransB).</summary>
public sealed record GemmShape(string Name, int M, int N, int K, bool TransA = false, bool TransB = false)
{
    public double Flops => 2.0 * M * N * K;

    /// <summary>Leading dimension of the stored A.</summary>
    public int Lda => TransA ? M : K;

    /// <summary>Leading dimension of the stored B.</summary>
    public int Ldb => TransB ? K : N;

    public override string ToString() => Name;

    /// <summary>The stored A and B of this shape filled with uniform values in [−0.5, 0.5) (seed 42), and a zero C.</summary>
    public (float[] A, float[] B, float[] C) RandomOperands()
    {
        var rng = new Random(42);
        float[] a = Enumerable.Range(0, M * K).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        float[] b = Enumerable.Range(0, K * N).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        return (a, b, new float[M * N]);
    }

    /// <summary>Square sizes and the RNN shapes (M = batch, N = 4H, K = H: the LSTM recurrent product).</summary>
    public static IReadOnlyList<GemmShape> All { get; } = Build();

    /// <summary>
    /// The big products of LSTM training at B = 64, T = 50, I = H = 512 (K or M = B·T = 3200 tokens), and of one
    /// half (Wx or Wh) at B = 64, T = 100, I = H = 256 (6400 tokens):
    /// the weight gradient dW = Xᵀ·dG (M = I + H, N = 4H, K = B·T; A transposed) and dx = dG·Wxᵀ
    /// (M = B·T, N = I, K = 4H; B transposed).
    /// </summary>
    public static IReadOnlyList<GemmShape> Training { get; } =
    [
        new GemmShape("dw-h512", 1024, 2048, 3200, TransA: true),
        new GemmShape("dx-h512", 3200, 512, 2048, TransB: true),
        new GemmShape("dw-h256", 256, 1024, 6400, TransA: true),
        new GemmShape("dx-h256", 6400, 256, 1024, TransB: true),
        new GemmShape("dwxh-h256", 512, 1024, 6400, TransA: true),
        new GemmShape("dw-gru-h256", 256, 768, 6400, TransA: true),

        // dx = dG·Wxᵀ with a narrow x: the LSTM at B = 128, T = 200, I = H = 128 (K = 4H) and the GRU at B = 64, I = H = 256 (K = 3H).
        new GemmShape("dx-b128-h128", 25600, 128, 512, TransB: true),
        new GemmShape("dx-gru-h256", 6400, 256, 768, TransB: true),

        // Weight gradients with few rows and a long K: dWx at I = 128 and B = 16, 32, 64 (T = 100); dWx or dWh at B = 128, T = 200, I = H = 128.
        new GemmShape("dw-b16-i128", 128, 1024, 1600, TransA: true),
        new GemmShape("dw-b32-i128", 128, 1024, 3200, TransA: true),
        new GemmShape("dw-b64-i128", 128, 1024, 6400, TransA: true),
        new GemmShape("dw-b128-h128", 128, 512, 25600, TransA: true),

        // The simple RNN's weight gradient halves at B = 64, T = 100, I = H = 256: Xᵀ·dZ and Hpᵀ·dZ (N = H).
        new GemmShape("dw-rnn-h256", 256, 256, 6400, TransA: true),

        // The forward's input projections: G = X·Wx for every token (LSTM and GRU at B = 64, H = 256; LSTM at H = 512; LSTM at B = 16, I = 128).
        new GemmShape("xw-h256", 6400, 1024, 256),
        new GemmShape("xw-gru-h256", 6400, 768, 256),
        new GemmShape("xw-h512", 3200, 2048, 512),
        new GemmShape("xw-b16-h256", 1600, 1024, 128),
    ];

    public static GemmShape Parse(string name) => All.Concat(Training).First(s => s.Name == name);

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
