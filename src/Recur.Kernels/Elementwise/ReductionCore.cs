using System.Buffers;
using System.Diagnostics;
using System.Numerics;
using System.Numerics.Tensors;

namespace Recur.Kernels.Operators;

/// <summary>Generic implementations behind <see cref="Kernels.Reduction"/>.</summary>
internal static class ReductionCore
{
    private const string Owner = "Reduction";
    private const int StackLimit = 256;

    public static T Max<T>(ReadOnlySpan<T> x)
        where T : unmanaged, IFloatingPointIeee754<T> => x.IsEmpty ? T.NegativeInfinity : TensorPrimitives.Max(x);

    public static T Min<T>(ReadOnlySpan<T> x)
        where T : unmanaged, IFloatingPointIeee754<T> => x.IsEmpty ? T.PositiveInfinity : TensorPrimitives.Min(x);

    public static void CheckAxis(int xLength, int outer, int axis, int inner, int destinationLength, string method)
    {
        string owner = $"{Owner}.{method}";
        ThrowHelper.CheckNonNegative(outer, owner, nameof(outer));
        ThrowHelper.CheckNonNegative(axis, owner, nameof(axis));
        ThrowHelper.CheckNonNegative(inner, owner, nameof(inner));
        long expected = (long)outer * axis * inner;
        if (xLength != expected)
        {
            ThrowHelper.Argument("x", $"{owner}: x must have length outer * axis * inner = {outer} * {axis} * {inner} = {expected}, but has length {xLength}.");
        }

        ThrowHelper.CheckDestination(destinationLength, outer * inner, owner, "destination");
    }

    public static void CheckRows(int xLength, int rows, int cols, int destinationLength, int destinationRequired, string method, string colsName = "cols")
    {
        string owner = $"{Owner}.{method}";
        ThrowHelper.CheckNonNegative(rows, owner, nameof(rows));
        ThrowHelper.CheckNonNegative(cols, owner, colsName);
        long expected = (long)rows * cols;
        if (xLength != expected)
        {
            ThrowHelper.Argument("x", $"{owner}: x must have length rows * {colsName} = {rows} * {cols} = {expected}, but has length {xLength}.");
        }

        ThrowHelper.CheckDestination(destinationLength, destinationRequired, owner, "destination");
    }

    /// <summary>The kind of an axis reduction.</summary>
    public enum AxisOp
    {
        Sum,
        Max,
        Min,
    }

    public static void ReduceAxis<T>(ReadOnlySpan<T> x, int outer, int axis, int inner, Span<T> destination, AxisOp op)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Debug.Assert(x.Length == outer * axis * inner && destination.Length >= outer * inner, "validated at the entry");
        for (int o = 0; o < outer; o++)
        {
            ReadOnlySpan<T> xo = x.Slice(o * axis * inner, axis * inner);
            Span<T> d = destination.Slice(o * inner, inner);
            if (axis == 0)
            {
                d.Fill(op switch { AxisOp.Sum => T.Zero, AxisOp.Max => T.NegativeInfinity, _ => T.PositiveInfinity });
            }
            else if (inner == 1)
            {
                d[0] = op switch { AxisOp.Sum => TensorPrimitives.Sum(xo), AxisOp.Max => TensorPrimitives.Max(xo), _ => TensorPrimitives.Min(xo) };
            }
            else
            {
                xo[..inner].CopyTo(d);
                for (int a = 1; a < axis; a++)
                {
                    ReadOnlySpan<T> row = xo.Slice(a * inner, inner);
                    switch (op)
                    {
                        case AxisOp.Sum: TensorPrimitives.Add(d, row, d); break;
                        case AxisOp.Max: TensorPrimitives.Max(d, row, d); break;
                        default: TensorPrimitives.Min(d, row, d); break;
                    }
                }
            }
        }
    }

    public static void ArgMaxAxis<T>(ReadOnlySpan<T> x, int outer, int axis, int inner, Span<long> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (axis == 0 && outer * inner > 0)
        {
            ThrowHelper.Argument(nameof(axis), $"{Owner}.ArgMaxAxis: cannot take the argmax over an empty axis (axis = 0) of {outer * inner} slices.");
        }

        T[]? rented = null;
        Span<T> column = inner == 1 ? default : axis <= StackLimit ? stackalloc T[StackLimit] : (rented = ArrayPool<T>.Shared.Rent(axis));
        column = column[..(inner == 1 ? 0 : axis)];
        for (int o = 0; o < outer; o++)
        {
            ReadOnlySpan<T> xo = x.Slice(o * axis * inner, axis * inner);
            if (inner == 1)
            {
                destination[o] = TensorPrimitives.IndexOfMax(xo);
                continue;
            }

            for (int i = 0; i < inner; i++)
            {
                for (int a = 0; a < axis; a++)
                {
                    column[a] = xo[(a * inner) + i];
                }

                destination[(o * inner) + i] = TensorPrimitives.IndexOfMax((ReadOnlySpan<T>)column);
            }
        }

        if (rented is not null)
        {
            ArrayPool<T>.Shared.Return(rented);
        }
    }

    public static void Softmax<T>(ReadOnlySpan<T> x, int rows, int cols, Span<T> destination, bool log)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (cols == 0)
        {
            return;
        }

        T[]? rented = null;
        Span<T> scratch = !log ? default : cols <= StackLimit ? stackalloc T[StackLimit] : (rented = ArrayPool<T>.Shared.Rent(cols));
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<T> row = x.Slice(r * cols, cols);
            Span<T> d = destination.Slice(r * cols, cols);
            T max = TensorPrimitives.Max(row);
            TensorPrimitives.Subtract(row, max, d);
            if (log)
            {
                Span<T> e = scratch[..cols];
                TensorPrimitives.Exp(d, e);
                TensorPrimitives.Subtract(d, T.Log(TensorPrimitives.Sum((ReadOnlySpan<T>)e)), d);
            }
            else
            {
                TensorPrimitives.Exp(d, d);
                TensorPrimitives.Divide(d, TensorPrimitives.Sum((ReadOnlySpan<T>)d), d);
            }
        }

        if (rented is not null)
        {
            ArrayPool<T>.Shared.Return(rented);
        }
    }

    public static void BiasAdd<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> bias, int rows, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int cols = bias.Length;
        for (int r = 0; r < rows; r++)
        {
            TensorPrimitives.Add(x.Slice(r * cols, cols), bias, destination.Slice(r * cols, cols));
        }
    }

    public static void SumRows<T>(ReadOnlySpan<T> x, int rows, int cols, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> d = destination[..cols];
        if (rows == 0)
        {
            d.Clear();
            return;
        }

        x[..cols].CopyTo(d);
        for (int r = 1; r < rows; r++)
        {
            TensorPrimitives.Add(d, x.Slice(r * cols, cols), d);
        }
    }
}
