using System.Diagnostics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Recur.Benchmarks.Gemm;
using Recur.Kernels.Rnn;

namespace Recur.Benchmarks.Rnn;

/// <summary>
/// Diagnostic: the fused LSTM cell pass alone on one L1/L2-resident row (ns per unit by thread CPU time), and the
/// activation forms it could use, interleaved in rounds.
/// </summary>
internal static unsafe class CellProbe
{
    public static int Run(string[] args)
    {
        if (!FusedStep.IsSupported<float>())
        {
            Console.WriteLine("needs AVX2 + FMA");
            return 0;
        }

        int units = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 256;
        float* g = Alloc(4 * units), rec = Alloc(4 * units), bias = Alloc(4 * units), c = Alloc(units), cRaw = Alloc(units), m = Alloc(units);
        float* x = Alloc(4 * units), y = Alloc(4 * units);
        var rng = new Random(1);
        for (int i = 0; i < 4 * units; i++)
        {
            rec[i] = (float)((rng.NextDouble() * 4) - 2);
            bias[i] = (float)(rng.NextDouble() - 0.5);
            x[i] = (float)((rng.NextDouble() * 8) - 4);
        }

        var cases = new (string Name, Action Body)[]
        {
            ("LstmCell (as shipped)", () =>
            {
                for (int i = 0; i < 4 * units; i++) g[i] = rec[i] * 0.5f;
                FusedStep.LstmCell(g, rec, bias, 1f, c, cRaw, m, units);
            }),
            ("tanh, as shipped", () => Map<Shipped>(x, y, 4 * units)),
            ("tanh, Horner (before)", () => Map<HornerDiv>(x, y, 4 * units)),
            ("tanh, rcp + Newton", () => Map<HornerRcp>(x, y, 4 * units)),
            ("tanh, Estrin + rcp", () => Map<EstrinRcp>(x, y, 4 * units)),
            ("sigmoid, tanh form (before)", () => Map<TanhFormSigmoid>(x, y, 4 * units)),
            ("sigmoid, as shipped", () => Map<ShippedSigmoid>(x, y, 4 * units)),
            ("sigmoid, as shipped, zmm", () => Map512<ShippedSigmoid512>(x, y, 4 * units)),
            ("tanh, as shipped, zmm", () => Map512<Tanh512>(x, y, 4 * units)),
            ("g refill only", () =>
            {
                for (int i = 0; i < 4 * units; i++) g[i] = rec[i] * 0.5f;
            }),
        };

        var times = new List<double>[cases.Length];
        for (int k = 0; k < cases.Length; k++) times[k] = [];
        for (int round = 0; round < 30; round++)
        {
            for (int k = 0; k < cases.Length; k++)
            {
                double cpu0 = AbProbe.ThreadCpuSeconds();
                long start = Stopwatch.GetTimestamp();
                int calls = 0;
                while (Stopwatch.GetElapsedTime(start).TotalMilliseconds < 5)
                {
                    cases[k].Body();
                    calls++;
                }

                times[k].Add((AbProbe.ThreadCpuSeconds() - cpu0) / calls);
            }
        }

        double maxErr(Func<Vector256<float>, Vector256<float>> f)
        {
            double e = 0;
            for (double v = -10; v <= 10; v += 1e-3)
            {
                double got = f(Vector256.Create((float)v)).GetElement(0);
                e = Math.Max(e, Math.Abs(got - Math.Tanh((float)v)));
            }

            return e;
        }

        Console.WriteLine($"units {units} (LSTM row: 4 gates; tanh rows: {4 * units} values), ns per unit, median of 30 rounds");
        for (int k = 0; k < cases.Length; k++)
        {
            times[k].Sort();
            Console.WriteLine($"{cases[k].Name,-24} {times[k][times[k].Count / 2] / units * 1e9,7:F3} ns");
        }

        double maxErrSig(Func<Vector256<float>, Vector256<float>> f)
        {
            double e = 0;
            for (double v = -30; v <= 30; v += 1e-3)
            {
                double got = f(Vector256.Create((float)v)).GetElement(0);
                e = Math.Max(e, Math.Abs(got - (1 / (1 + Math.Exp(-(float)v)))));
            }

            return e;
        }

        Console.WriteLine($"max |err| vs sigmoid: shipped {maxErrSig(FusedStep.Sigmoid):E2}, tanh form {maxErrSig(TanhFormSigmoid.F):E2}");
        Console.WriteLine($"max |err| vs tanh: shipped {maxErr(FusedStep.Tanh):E2}, Horner {maxErr(TanhHorner):E2}, rcp {maxErr(TanhRcp):E2}, Estrin+rcp {maxErr(TanhEstrinRcp):E2}");
        return 0;
    }

    private static float* Alloc(int n) => (float*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc((nuint)(n * 4), 64);

    private static void Map<TF>(float* x, float* y, int n)
        where TF : IAct
    {
        for (int i = 0; i + 8 <= n; i += 8)
        {
            TF.F(Vector256.Load(x + i)).Store(y + i);
        }
    }

    private static void Map512<TF>(float* x, float* y, int n)
        where TF : IAct512
    {
        for (int i = 0; i + 16 <= n; i += 16)
        {
            TF.F(Vector512.Load(x + i)).Store(y + i);
        }
    }

    private interface IAct512
    {
        static abstract Vector512<float> F(Vector512<float> x);
    }

    private readonly struct ShippedSigmoid : IAct
    {
        public static Vector256<float> F(Vector256<float> x) => FusedStep.Sigmoid(x);
    }

    /// <summary>σ(x) = ½·tanh(x/2) + ½, the fused passes' σ before the exp2 form.</summary>
    private readonly struct TanhFormSigmoid : IAct
    {
        public static Vector256<float> F(Vector256<float> x) => Fma.MultiplyAdd(Vector256.Create(0.5f), FusedStep.Tanh(x * Vector256.Create(0.5f)), Vector256.Create(0.5f));
    }

    private readonly struct ShippedSigmoid512 : IAct512
    {
        public static Vector512<float> F(Vector512<float> x) => FusedStep.Sigmoid(x);
    }

    private readonly struct Tanh512 : IAct512
    {
        public static Vector512<float> F(Vector512<float> x) => FusedStep.Tanh(x);
    }

    private interface IAct
    {
        static abstract Vector256<float> F(Vector256<float> x);
    }

    private readonly struct Shipped : IAct
    {
        public static Vector256<float> F(Vector256<float> x) => FusedStep.Tanh(x);
    }

    private readonly struct HornerDiv : IAct
    {
        public static Vector256<float> F(Vector256<float> x) => TanhHorner(x);
    }

    private readonly struct HornerRcp : IAct
    {
        public static Vector256<float> F(Vector256<float> x) => TanhRcp(x);
    }

    private readonly struct EstrinRcp : IAct
    {
        public static Vector256<float> F(Vector256<float> x) => TanhEstrinRcp(x);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float> P, Vector256<float> Q) Estrin(Vector256<float> x)
    {
        x = Vector256.Min(Vector256.Max(x, Vector256.Create(-9f)), Vector256.Create(9f));
        Vector256<float> x2 = x * x, x4 = x2 * x2, x8 = x4 * x4;

        // p(x2) = a0 + a1 x2 + ... + a6 x2^6 evaluated as pairs.
        Vector256<float> p01 = Fma.MultiplyAdd(x2, Vector256.Create(6.37261928875436e-04f), Vector256.Create(4.89352455891786e-03f));
        Vector256<float> p23 = Fma.MultiplyAdd(x2, Vector256.Create(5.12229709037114e-08f), Vector256.Create(1.48572235717979e-05f));
        Vector256<float> p45 = Fma.MultiplyAdd(x2, Vector256.Create(2.00018790482477e-13f), Vector256.Create(-8.60467152213735e-11f));
        Vector256<float> p6 = Vector256.Create(-2.76076847742355e-16f);
        Vector256<float> p0123 = Fma.MultiplyAdd(x4, p23, p01);
        Vector256<float> p456 = Fma.MultiplyAdd(x4, p6, p45);
        Vector256<float> p = Fma.MultiplyAdd(x8, p456, p0123) * x;
        Vector256<float> q01 = Fma.MultiplyAdd(x2, Vector256.Create(2.26843463243900e-03f), Vector256.Create(4.89352518554385e-03f));
        Vector256<float> q23 = Fma.MultiplyAdd(x2, Vector256.Create(1.19825839466702e-06f), Vector256.Create(1.18534705686654e-04f));
        Vector256<float> q = Fma.MultiplyAdd(x4, q23, q01);
        return (p, q);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Clamp1(Vector256<float> v) => Vector256.Min(Vector256.Max(v, Vector256.Create(-1f)), Vector256<float>.One);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> TanhHorner(Vector256<float> x)
    {
        var (p, q) = Horner(x);
        return Clamp1(x * p / q);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float> P, Vector256<float> Q) Horner(Vector256<float> x)
    {
        x = Vector256.Min(Vector256.Max(x, Vector256.Create(-9f)), Vector256.Create(9f));
        Vector256<float> x2 = x * x;
        Vector256<float> p = Fma.MultiplyAdd(x2, Vector256.Create(-2.76076847742355e-16f), Vector256.Create(2.00018790482477e-13f));
        p = Fma.MultiplyAdd(x2, p, Vector256.Create(-8.60467152213735e-11f));
        p = Fma.MultiplyAdd(x2, p, Vector256.Create(5.12229709037114e-08f));
        p = Fma.MultiplyAdd(x2, p, Vector256.Create(1.48572235717979e-05f));
        p = Fma.MultiplyAdd(x2, p, Vector256.Create(6.37261928875436e-04f));
        p = Fma.MultiplyAdd(x2, p, Vector256.Create(4.89352455891786e-03f));
        Vector256<float> q = Fma.MultiplyAdd(x2, Vector256.Create(1.19825839466702e-06f), Vector256.Create(1.18534705686654e-04f));
        q = Fma.MultiplyAdd(x2, q, Vector256.Create(2.26843463243900e-03f));
        q = Fma.MultiplyAdd(x2, q, Vector256.Create(4.89352518554385e-03f));
        return (p, q);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Recip(Vector256<float> q)
    {
        Vector256<float> r = Avx.Reciprocal(q);
        return Fma.MultiplyAdd(r, Fma.MultiplyAddNegated(q, r, Vector256<float>.One), r);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> TanhRcp(Vector256<float> x)
    {
        var (p, q) = Horner(x);
        x = Vector256.Min(Vector256.Max(x, Vector256.Create(-9f)), Vector256.Create(9f));
        return Clamp1(x * p * Recip(q));
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> TanhEstrinRcp(Vector256<float> x)
    {
        var (p, q) = Estrin(x);
        return Clamp1(p * Recip(q));
    }
}
