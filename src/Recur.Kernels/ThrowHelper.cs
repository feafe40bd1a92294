using System.Diagnostics.CodeAnalysis;

namespace Recur.Kernels;

/// <summary>Throw helpers kept out of line so that the public entry points stay small and inlinable.</summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    public static void Argument(string paramName, string message) => throw new ArgumentException(message, paramName);

    [DoesNotReturn]
    public static void ArgumentOutOfRange(string paramName, string message) =>
        throw new ArgumentOutOfRangeException(paramName, message);

    /// <summary>Checks that <paramref name="actual"/> equals <paramref name="expected"/>.</summary>
    public static void CheckLength(int actual, int expected, string owner, string paramName)
    {
        if (actual != expected)
        {
            Argument(paramName, $"{owner}: {paramName} must have length {expected}, but has length {actual}.");
        }
    }

    /// <summary>Checks that a destination holds at least <paramref name="required"/> elements.</summary>
    public static void CheckDestination(int actual, int required, string owner, string paramName)
    {
        if (actual < required)
        {
            Argument(paramName, $"{owner}: {paramName} must have length at least {required}, but has length {actual}.");
        }
    }

    /// <summary>Checks that a dimension is not negative.</summary>
    public static void CheckNonNegative(int value, string owner, string paramName)
    {
        if (value < 0)
        {
            ArgumentOutOfRange(paramName, $"{owner}: {paramName} must be non-negative, but is {value}.");
        }
    }
}
