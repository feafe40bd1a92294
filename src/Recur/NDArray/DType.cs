namespace Recur;

/// <summary>
/// Element type of a tensor or array. TF equivalent: <c>tf.DType</c> (<c>tf.float32</c>, <c>tf.float64</c>,
/// <c>tf.int32</c>, <c>tf.int64</c>, <c>tf.bool</c>, and <c>tf.variant</c> for list handles).
/// </summary>
public enum DType
{
    /// <summary>32-bit IEEE float (<c>tf.float32</c>).</summary>
    Float32,
    /// <summary>64-bit IEEE float (<c>tf.float64</c>).</summary>
    Float64,
    /// <summary>32-bit signed integer (<c>tf.int32</c>).</summary>
    Int32,
    /// <summary>64-bit signed integer (<c>tf.int64</c>).</summary>
    Int64,
    /// <summary>Boolean (<c>tf.bool</c>).</summary>
    Bool,
    /// <summary>
    /// An opaque handle such as a <see cref="TensorArray"/>'s list (<c>tf.variant</c>). Not constructible
    /// from user data; it only flows between the ops that understand it.
    /// </summary>
    Variant,
}

/// <summary>Helpers on <see cref="DType"/> (TF: the properties of <c>tf.DType</c> such as <c>size</c>, <c>is_floating</c>, <c>is_integer</c>, <c>name</c>).</summary>
public static class DTypeExtensions
{
    /// <summary>Size in bytes of one element (0 for <see cref="DType.Variant"/>).</summary>
    public static int Size(this DType dtype) => dtype switch
    {
        DType.Float32 => 4,
        DType.Float64 => 8,
        DType.Int32 => 4,
        DType.Int64 => 8,
        DType.Bool => 1,
        _ => 0,
    };

    /// <summary>True for <see cref="DType.Float32"/> and <see cref="DType.Float64"/>.</summary>
    public static bool IsFloating(this DType dtype) => dtype is DType.Float32 or DType.Float64;

    /// <summary>True for <see cref="DType.Int32"/> and <see cref="DType.Int64"/>.</summary>
    public static bool IsInteger(this DType dtype) => dtype is DType.Int32 or DType.Int64;

    /// <summary>True for the numeric types (floating and integer).</summary>
    public static bool IsNumeric(this DType dtype) => dtype.IsFloating() || dtype.IsInteger();

    /// <summary>The CLR element type: float, double, int, long, bool (object for Variant).</summary>
    public static Type ClrType(this DType dtype) => dtype switch
    {
        DType.Float32 => typeof(float),
        DType.Float64 => typeof(double),
        DType.Int32 => typeof(int),
        DType.Int64 => typeof(long),
        DType.Bool => typeof(bool),
        _ => typeof(object),
    };

    /// <summary>The TF-style name: float32, float64, int32, int64, bool, variant.</summary>
    public static string TfName(this DType dtype) => dtype switch
    {
        DType.Float32 => "float32",
        DType.Float64 => "float64",
        DType.Int32 => "int32",
        DType.Int64 => "int64",
        DType.Bool => "bool",
        _ => "variant",
    };

    /// <summary>The <see cref="DType"/> of a CLR element type.</summary>
    /// <exception cref="ArgumentException">The type is not float, double, int, long or bool.</exception>
    public static DType FromClrType(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        if (type == typeof(float)) return DType.Float32;
        if (type == typeof(double)) return DType.Float64;
        if (type == typeof(int)) return DType.Int32;
        if (type == typeof(long)) return DType.Int64;
        if (type == typeof(bool)) return DType.Bool;
        throw new ArgumentException($"DType: element type {type.Name} is not supported; expected float, double, int, long or bool.", nameof(type));
    }

    /// <summary>The <see cref="DType"/> of <typeparamref name="T"/>.</summary>
    public static DType Of<T>() => FromClrType(typeof(T));
}
