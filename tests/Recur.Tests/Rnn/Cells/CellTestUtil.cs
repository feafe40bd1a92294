using Recur.Rnn;

namespace Recur.Tests.Rnn.Cells;

/// <summary>
/// Helpers for the cell tests: arrays of either float dtype, and an independent plain-loop reference of every TF1
/// cell equation (row-major double arrays; no graph, no ops).
/// </summary>
internal static class CellTestUtil
{
    public static readonly DType[] FloatTypes = { DType.Float32, DType.Float64 };

    public static TheoryData<DType> Dtypes() => new() { DType.Float32, DType.Float64 };

    /// <summary>An NDArray of <paramref name="dtype"/> from doubles.</summary>
    public static NDArray Arr(DType dtype, double[] values, params int[] shape) => dtype == DType.Float32
        ? new NDArray(values.Select(v => (float)v).ToArray(), new Shape(shape))
        : new NDArray(values, new Shape(shape));

    /// <summary>A constant-filled array.</summary>
    public static NDArray Full(DType dtype, double value, params int[] shape) =>
        Arr(dtype, Enumerable.Repeat(value, shape.Aggregate(1, (a, b) => a * b)).ToArray(), shape);

    /// <summary>Deterministic data, rounded to float32 when the test runs in float32 (so the reference sees the same numbers).</summary>
    public static double[] Data(DType dtype, int n, int seed, double lo = -1, double hi = 1)
    {
        var d = TestUtil.RandomDoubles(n, seed, lo, hi);
        if (dtype == DType.Float32) for (int i = 0; i < d.Length; i++) d[i] = (float)d[i];
        return d;
    }

    /// <summary>The flat values of an array as doubles.</summary>
    public static double[] Values(NDArray a)
    {
        var r = new double[a.Size];
        for (int i = 0; i < r.Length; i++) r[i] = a.GetDouble(i);
        return r;
    }

    /// <summary>Forward tolerance: float32 results are compared with a float64 reference.</summary>
    public static double Tol(DType dtype) => dtype == DType.Float32 ? 2e-5 : 1e-12;

    // ---- Reference math: plain loops.

    public static double Sigmoid(double x) => 1.0 / (1.0 + Math.Exp(-x));

    /// <summary>(rows × k) · (k × cols).</summary>
    public static double[] MatMul(double[] a, int rows, int k, double[] b, int cols)
    {
        var c = new double[rows * cols];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++)
            {
                double s = 0;
                for (int t = 0; t < k; t++) s += a[i * k + t] * b[t * cols + j];
                c[i * cols + j] = s;
            }
        }
        return c;
    }

    /// <summary>Row-wise concatenation [a, b] of (rows × ca) and (rows × cb).</summary>
    public static double[] ConcatCols(double[] a, int ca, double[] b, int cb, int rows)
    {
        var r = new double[rows * (ca + cb)];
        for (int i = 0; i < rows; i++)
        {
            Array.Copy(a, i * ca, r, i * (ca + cb), ca);
            Array.Copy(b, i * cb, r, i * (ca + cb) + ca, cb);
        }
        return r;
    }

    /// <summary>Columns [start, start + width) of a (rows × cols) matrix.</summary>
    public static double[] Cols(double[] a, int rows, int cols, int start, int width)
    {
        var r = new double[rows * width];
        for (int i = 0; i < rows; i++) Array.Copy(a, i * cols + start, r, i * width, width);
        return r;
    }

    /// <summary>
    /// TF1 LSTMCell (and BasicLSTMCell: no peepholes/clip/projection) step. Gates i, j, f, o in the kernel's column blocks.
    /// Returns (m = output = new h, new c).
    /// </summary>
    public static (double[] M, double[] C) LstmStep(double[] x, int batch, int depth, double[] c, double[] h, int n, int p,
        double[] kernel, double[] bias, double forgetBias,
        double[]? wf = null, double[]? wi = null, double[]? wo = null, double? cellClip = null,
        double[]? proj = null, double? projClip = null)
    {
        int hd = proj is null ? n : p;
        var xh = ConcatCols(x, depth, h, hd, batch);
        var z = MatMul(xh, batch, depth + hd, kernel, 4 * n);
        var newC = new double[batch * n];
        var m = new double[batch * n];
        for (int b = 0; b < batch; b++)
        {
            for (int u = 0; u < n; u++)
            {
                double zi = z[b * 4 * n + u] + bias[u];
                double zj = z[b * 4 * n + n + u] + bias[n + u];
                double zf = z[b * 4 * n + 2 * n + u] + bias[2 * n + u];
                double zo = z[b * 4 * n + 3 * n + u] + bias[3 * n + u];
                double cp = c[b * n + u];
                double cn = wf is null
                    ? Sigmoid(zf + forgetBias) * cp + Sigmoid(zi) * Math.Tanh(zj)
                    : Sigmoid(zf + forgetBias + wf[u] * cp) * cp + Sigmoid(zi + wi![u] * cp) * Math.Tanh(zj);
                if (cellClip is double cc) cn = Math.Min(Math.Max(cn, -cc), cc);
                newC[b * n + u] = cn;
                m[b * n + u] = (wo is null ? Sigmoid(zo) : Sigmoid(zo + wo[u] * cn)) * Math.Tanh(cn);
            }
        }
        if (proj is null) return (m, newC);
        var mp = MatMul(m, batch, n, proj, p);
        if (projClip is double pc) for (int i = 0; i < mp.Length; i++) mp[i] = Math.Min(Math.Max(mp[i], -pc), pc);
        return (mp, newC);
    }

    /// <summary>TF1 GRUCell step (reset before the candidate matmul); gate kernel columns [r, u].</summary>
    public static double[] GruStep(double[] x, int batch, int depth, double[] h, int n,
        double[] gateKernel, double[] gateBias, double[] candKernel, double[] candBias)
    {
        var g = MatMul(ConcatCols(x, depth, h, n, batch), batch, depth + n, gateKernel, 2 * n);
        var r = new double[batch * n];
        var u = new double[batch * n];
        for (int b = 0; b < batch; b++)
        {
            for (int k = 0; k < n; k++)
            {
                r[b * n + k] = Sigmoid(g[b * 2 * n + k] + gateBias[k]);
                u[b * n + k] = Sigmoid(g[b * 2 * n + n + k] + gateBias[n + k]);
            }
        }
        var rh = new double[batch * n];
        for (int i = 0; i < rh.Length; i++) rh[i] = r[i] * h[i];
        var cz = MatMul(ConcatCols(x, depth, rh, n, batch), batch, depth + n, candKernel, n);
        var result = new double[batch * n];
        for (int b = 0; b < batch; b++)
        {
            for (int k = 0; k < n; k++)
            {
                int i = b * n + k;
                double c = Math.Tanh(cz[i] + candBias[k]);
                result[i] = u[i] * h[i] + (1 - u[i]) * c;
            }
        }
        return result;
    }

    /// <summary>cuDNN / CudnnCompatibleGRUCell step: c = tanh(x·Wi + bi + r ⊙ (h·Wh + bh)).</summary>
    public static double[] GruResetAfterStep(double[] x, int batch, int depth, double[] h, int n,
        double[] gateKernel, double[] gateBias, double[] wi, double[] bi, double[] wh, double[] bh)
    {
        var g = MatMul(ConcatCols(x, depth, h, n, batch), batch, depth + n, gateKernel, 2 * n);
        var xi = MatMul(x, batch, depth, wi, n);
        var hh = MatMul(h, batch, n, wh, n);
        var result = new double[batch * n];
        for (int b = 0; b < batch; b++)
        {
            for (int k = 0; k < n; k++)
            {
                int i = b * n + k;
                double r = Sigmoid(g[b * 2 * n + k] + gateBias[k]);
                double u = Sigmoid(g[b * 2 * n + n + k] + gateBias[n + k]);
                double c = Math.Tanh(xi[i] + bi[k] + r * (hh[i] + bh[k]));
                result[i] = u * h[i] + (1 - u) * c;
            }
        }
        return result;
    }

    /// <summary>Builds in a fresh graph (under <c>root</c> with a 0.5 scope initializer when asked), then runs with initialised variables.</summary>
    public static NDArray[] Run(Func<IReadOnlyList<Tensor>> build, Func<FeedDict>? feeds = null, Action<Session>? load = null)
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var fetches = build();
            using var s = new Session(g);
            s.Run(Tf.GlobalVariablesInitializer());
            load?.Invoke(s);
            return s.Run(fetches, feeds?.Invoke());
        }
    }

    /// <summary>The variable names of the default graph, in creation order.</summary>
    public static string[] VariableNames() => Graph.Default.Variables.Select(v => v.Name).ToArray();

    /// <summary>Flattens a state's tensors (c, h order for LSTM tuples).</summary>
    public static IReadOnlyList<Tensor> Leaves(RnnState s) => s.Flatten();
}
