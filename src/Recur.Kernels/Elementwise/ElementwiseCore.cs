using System.Diagnostics;
using System.Numerics;
using System.Numerics.Tensors;

namespace Recur.Kernels.Operators;

/// <summary>Generic implementations behind <see cref="Kernels.Elementwise"/>: validate, then one TensorPrimitives call or operator loop.</summary>
internal static class ElementwiseCore
{
    private const string Owner = "Elementwise";

    public static void CheckUnary(int xLength, int destinationLength, string method) =>
        ThrowHelper.CheckDestination(destinationLength, xLength, $"{Owner}.{method}", "destination");

    public static void CheckBinary(int xLength, int yLength, int destinationLength, string method, string yName = "y")
    {
        ThrowHelper.CheckLength(yLength, xLength, $"{Owner}.{method}", yName);
        ThrowHelper.CheckDestination(destinationLength, xLength, $"{Owner}.{method}", "destination");
    }

    public static void Square<T>(ReadOnlySpan<T> x, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Multiply(x, x, destination);

    public static void Relu<T>(ReadOnlySpan<T> x, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Max(x, T.Zero, destination);

    public static void Sign<T>(ReadOnlySpan<T> x, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T> => OperatorLoops.Unary<T, SignOperator<T>>(x, destination);

    public static void SigmoidGrad<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T> => OperatorLoops.Binary<T, SigmoidGradOperator<T>>(y, dy, destination);

    public static void TanhGrad<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T> => OperatorLoops.Binary<T, TanhGradOperator<T>>(y, dy, destination);

    public static void ReluGrad<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T> => OperatorLoops.Binary<T, ReluGradOperator<T>>(x, dy, destination);

    public static void AddScaled<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, T alpha, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Debug.Assert(x.Length == y.Length, "validated at the entry");
        TensorPrimitives.MultiplyAdd(y, alpha, x, destination);
    }
}
