namespace Recur.Cli.Tests;

/// <summary>Plain C# reference implementations (double precision) the sample outputs are checked against.</summary>
internal static class Reference
{
    private static double Sigmoid(double x) => 1.0 / (1.0 + Math.Exp(-x));

    /// <summary>
    /// TF's LSTMCell (no peepholes, no projection, forget bias 1) over x (batch, time, depth) with sequence lengths:
    /// z = [x, h]·kernel + bias, gates i, j, f, o; c = σ(f + 1)·c + σ(i)·tanh(j); h = σ(o)·tanh(c). Steps past a row's
    /// length output zeros and keep the state. Returns outputs (batch, time, units) and the final c and h.
    /// </summary>
    public static (double[,,] Outputs, double[,] C, double[,] H) Lstm(double[] x, int batch, int time, int depth,
        double[] kernel, double[] bias, int units, int[] lengths)
    {
        var outputs = new double[batch, time, units];
        var c = new double[batch, units];
        var h = new double[batch, units];
        var z = new double[4 * units];
        for (int b = 0; b < batch; b++)
        {
            for (int t = 0; t < Math.Min(time, lengths[b]); t++)
            {
                for (int k = 0; k < 4 * units; k++)
                {
                    double s = bias[k];
                    for (int d = 0; d < depth; d++) s += x[(b * time + t) * depth + d] * kernel[d * 4 * units + k];
                    for (int u = 0; u < units; u++) s += h[b, u] * kernel[(depth + u) * 4 * units + k];
                    z[k] = s;
                }
                for (int u = 0; u < units; u++)
                {
                    double i = z[u], j = z[units + u], f = z[2 * units + u], o = z[3 * units + u];
                    c[b, u] = Sigmoid(f + 1.0) * c[b, u] + Sigmoid(i) * Math.Tanh(j);
                    h[b, u] = Sigmoid(o) * Math.Tanh(c[b, u]);
                    outputs[b, t, u] = h[b, u];
                }
            }
        }
        return (outputs, c, h);
    }

    /// <summary>y = tanh(x·Wx + h·Wy + b) for one step; x (batch, inputs), h (batch, units) or null for the first step.</summary>
    public static double[,] BasicRnnStep(double[,] x, double[,]? h, double[] wx, double[] wy, double[] b, int units)
    {
        int batch = x.GetLength(0), inputs = x.GetLength(1);
        var y = new double[batch, units];
        for (int n = 0; n < batch; n++)
        {
            for (int u = 0; u < units; u++)
            {
                double s = b[u];
                for (int d = 0; d < inputs; d++) s += x[n, d] * wx[d * units + u];
                if (h is not null)
                    for (int k = 0; k < units; k++) s += h[n, k] * wy[k * units + u];
                y[n, u] = Math.Tanh(s);
            }
        }
        return y;
    }

    /// <summary>max |a[i] − b[i]| over flat arrays.</summary>
    public static double MaxAbsDiff(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        Assert.Equal(a.Count, b.Count);
        double m = 0;
        for (int i = 0; i < a.Count; i++) m = Math.Max(m, Math.Abs(a[i] - b[i]));
        return m;
    }

    public static double[] Flat(this NDArray a) => Enumerable.Range(0, a.Size).Select(a.GetDouble).ToArray();

    public static double[] Flat(this Array a) => a.Cast<double>().ToArray();
}
