using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Recur.Kernels.Operators;

/// <summary>An element-wise function of one value: the scalar form is the specification, the vector forms the same math per lane.</summary>
internal interface IUnaryOperator<T>
    where T : unmanaged
{
    static abstract T Invoke(T x);

    static abstract Vector128<T> Invoke(Vector128<T> x);

    static abstract Vector256<T> Invoke(Vector256<T> x);
}

/// <summary>An element-wise function of two values: the scalar form is the specification, the vector forms the same math per lane.</summary>
internal interface IBinaryOperator<T>
    where T : unmanaged
{
    static abstract T Invoke(T x, T y);

    static abstract Vector128<T> Invoke(Vector128<T> x, Vector128<T> y);

    static abstract Vector256<T> Invoke(Vector256<T> x, Vector256<T> y);
}

/// <summary>sign(x): 1 for x &gt; 0, -1 for x &lt; 0, x itself for zeros and NaN.</summary>
internal readonly struct SignOperator<T> : IUnaryOperator<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T x) => x > T.Zero ? T.One : x < T.Zero ? T.NegativeOne : x;

    public static Vector128<T> Invoke(Vector128<T> x) =>
        Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128<T>.Zero), Vector128<T>.One,
            Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128<T>.Zero), -Vector128<T>.One, x));

    public static Vector256<T> Invoke(Vector256<T> x) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<T>.Zero), Vector256<T>.One,
            Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<T>.Zero), -Vector256<T>.One, x));
}

/// <summary>Sigmoid backward from its output: dy * y * (1 - y).</summary>
internal readonly struct SigmoidGradOperator<T> : IBinaryOperator<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T y, T dy) => dy * y * (T.One - y);

    public static Vector128<T> Invoke(Vector128<T> y, Vector128<T> dy) => dy * y * (Vector128<T>.One - y);

    public static Vector256<T> Invoke(Vector256<T> y, Vector256<T> dy) => dy * y * (Vector256<T>.One - y);
}

/// <summary>Tanh backward from its output: dy * (1 - y * y).</summary>
internal readonly struct TanhGradOperator<T> : IBinaryOperator<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T y, T dy) => dy * (T.One - (y * y));

    public static Vector128<T> Invoke(Vector128<T> y, Vector128<T> dy) => dy * (Vector128<T>.One - (y * y));

    public static Vector256<T> Invoke(Vector256<T> y, Vector256<T> dy) => dy * (Vector256<T>.One - (y * y));
}

/// <summary>ReLU backward from its input: x &gt; 0 ? dy : 0.</summary>
internal readonly struct ReluGradOperator<T> : IBinaryOperator<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T x, T dy) => x > T.Zero ? dy : T.Zero;

    public static Vector128<T> Invoke(Vector128<T> x, Vector128<T> dy) => Vector128.GreaterThan(x, Vector128<T>.Zero) & dy;

    public static Vector256<T> Invoke(Vector256<T> x, Vector256<T> dy) => Vector256.GreaterThan(x, Vector256<T>.Zero) & dy;
}

/// <summary>The loop drivers for the operator structs: 256-bit, then 128-bit, then scalar tail.</summary>
internal static class OperatorLoops
{
    /// <summary>destination[i] = TOp(x[i]); destination may be x itself.</summary>
    public static void Unary<T, TOp>(ReadOnlySpan<T> x, Span<T> destination)
        where T : unmanaged
        where TOp : struct, IUnaryOperator<T>
    {
        System.Diagnostics.Debug.Assert(destination.Length >= x.Length, "destination is validated at the entry");
        ref T rx = ref MemoryMarshal.GetReference(x);
        ref T rd = ref MemoryMarshal.GetReference(destination);
        nuint n = (nuint)x.Length;
        nuint i = 0;
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
        {
            for (nuint w = (nuint)Vector256<T>.Count; i + w <= n; i += w)
            {
                TOp.Invoke(Vector256.LoadUnsafe(ref rx, i)).StoreUnsafe(ref rd, i);
            }
        }

        if (Vector128.IsHardwareAccelerated && Vector128<T>.IsSupported)
        {
            for (nuint w = (nuint)Vector128<T>.Count; i + w <= n; i += w)
            {
                TOp.Invoke(Vector128.LoadUnsafe(ref rx, i)).StoreUnsafe(ref rd, i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref rd, i) = TOp.Invoke(Unsafe.Add(ref rx, i));
        }
    }

    /// <summary>destination[i] = TOp(x[i], y[i]); destination may be x or y itself.</summary>
    public static void Binary<T, TOp>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination)
        where T : unmanaged
        where TOp : struct, IBinaryOperator<T>
    {
        System.Diagnostics.Debug.Assert(y.Length == x.Length && destination.Length >= x.Length, "lengths are validated at the entry");
        ref T rx = ref MemoryMarshal.GetReference(x);
        ref T ry = ref MemoryMarshal.GetReference(y);
        ref T rd = ref MemoryMarshal.GetReference(destination);
        nuint n = (nuint)x.Length;
        nuint i = 0;
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
        {
            for (nuint w = (nuint)Vector256<T>.Count; i + w <= n; i += w)
            {
                TOp.Invoke(Vector256.LoadUnsafe(ref rx, i), Vector256.LoadUnsafe(ref ry, i)).StoreUnsafe(ref rd, i);
            }
        }

        if (Vector128.IsHardwareAccelerated && Vector128<T>.IsSupported)
        {
            for (nuint w = (nuint)Vector128<T>.Count; i + w <= n; i += w)
            {
                TOp.Invoke(Vector128.LoadUnsafe(ref rx, i), Vector128.LoadUnsafe(ref ry, i)).StoreUnsafe(ref rd, i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref rd, i) = TOp.Invoke(Unsafe.Add(ref rx, i), Unsafe.Add(ref ry, i));
        }
    }
}
