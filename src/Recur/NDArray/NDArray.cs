using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Recur;

/// <summary>
/// A concrete, dense, row-major array: the values you feed to and fetch from a <see cref="Session"/>.
/// TF equivalent: the numpy arrays passed in <c>feed_dict</c> and returned by <c>Session.run</c>.
/// </summary>
/// <remarks>
/// An <see cref="NDArray"/> is treated as immutable once created: ops never write into their inputs.
/// </remarks>
/// <example><code>var x = new NDArray(new float[] { 1, 2, 3, 4, 5, 6 }, new Shape(2, 3));
/// var y = NDArray.FromArray(new double[2, 10, 8]);
/// float[] flat = x.ToArray&lt;float&gt;();
/// Console.WriteLine(x);   // [[1. 2. 3.]
///                         //  [4. 5. 6.]]</code></example>
public sealed class NDArray
{
    private readonly Array _data;

    /// <summary>The array's shape (always fully defined).</summary>
    public Shape Shape { get; private set; }

    /// <summary>The element type.</summary>
    public DType DType { get; }

    /// <summary>Number of elements.</summary>
    public int Size => _data.Length;

    /// <summary>Rank (number of dimensions).</summary>
    public int Rank => Shape.Rank;

    /// <summary>Wraps float data (not copied) in the given shape.</summary>
    /// <exception cref="ArgumentException">The shape is not fully defined or its size differs from the data length.</exception>
    public NDArray(float[] data, Shape shape) : this(data, shape, DType.Float32) { }

    /// <summary>Wraps double data (not copied) in the given shape.</summary>
    public NDArray(double[] data, Shape shape) : this(data, shape, DType.Float64) { }

    /// <summary>Wraps int data (not copied) in the given shape.</summary>
    public NDArray(int[] data, Shape shape) : this(data, shape, DType.Int32) { }

    /// <summary>Wraps long data (not copied) in the given shape.</summary>
    public NDArray(long[] data, Shape shape) : this(data, shape, DType.Int64) { }

    /// <summary>Wraps bool data (not copied) in the given shape.</summary>
    public NDArray(bool[] data, Shape shape) : this(data, shape, DType.Bool) { }

    /// <summary>A rank-1 float array.</summary>
    public NDArray(params float[] data) : this(data, new Shape(data.Length)) { }

    /// <summary>A rank-1 double array.</summary>
    public NDArray(params double[] data) : this(data, new Shape(data.Length)) { }

    /// <summary>A rank-1 int array.</summary>
    public NDArray(params int[] data) : this(data, new Shape(data.Length)) { }

    /// <summary>A rank-1 long array.</summary>
    public NDArray(params long[] data) : this(data, new Shape(data.Length)) { }

    /// <summary>A rank-1 bool array.</summary>
    public NDArray(params bool[] data) : this(data, new Shape(data.Length)) { }

    private NDArray(Array data, Shape shape, DType dtype)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!shape.IsFullyDefined)
            throw new ArgumentException($"NDArray: the shape must be fully defined, but got {shape}.", nameof(shape));
        if (shape.NumElements != data.Length)
            throw new ArgumentException($"NDArray: shape {shape} holds {shape.NumElements} elements, but the data has {data.Length}.", nameof(data));
        _data = data;
        Shape = shape;
        DType = dtype;
    }

    /// <summary>Creates an array from a (possibly multi-dimensional) CLR array, copying it, e.g. <c>new double[2, 10, 8]</c>.</summary>
    /// <exception cref="ArgumentException">The element type is not float, double, int, long or bool.</exception>
    public static NDArray FromArray(Array array)
    {
        ArgumentNullException.ThrowIfNull(array);
        var elem = array.GetType().GetElementType()!;
        if (elem.IsArray)
            throw new ArgumentException("NDArray.FromArray: jagged arrays are not supported; use a rectangular array such as new double[2, 3].", nameof(array));
        var dtype = DTypeExtensions.FromClrType(elem);
        var dims = new int[array.Rank];
        for (int i = 0; i < dims.Length; i++) dims[i] = array.GetLength(i);
        var flat = Array.CreateInstance(elem, array.Length);
        // Rectangular arrays are stored row-major; Buffer.BlockCopy works for primitive types.
        Buffer.BlockCopy(array, 0, flat, 0, Buffer.ByteLength(array));
        return new NDArray(flat, new Shape(dims), dtype);
    }

    /// <summary>Creates an array of the given shape and dtype filled with zeros (false).</summary>
    public static NDArray Zeros(Shape shape, DType dtype)
    {
        if (!shape.IsFullyDefined)
            throw new ArgumentException($"NDArray.Zeros: the shape must be fully defined, but got {shape}.", nameof(shape));
        long n = shape.NumElements;
        if (n > Array.MaxLength)
            throw new ArgumentException($"NDArray.Zeros: shape {shape} has {n} elements, more than an array can hold.", nameof(shape));
        return new NDArray(Array.CreateInstance(ElementType(dtype), (int)n), shape, dtype);
    }

    /// <summary>A scalar (rank 0) float array.</summary>
    public static NDArray Scalar(float value) => new(new[] { value }, Shape.Scalar);

    /// <summary>A scalar (rank 0) double array.</summary>
    public static NDArray Scalar(double value) => new(new[] { value }, Shape.Scalar);

    /// <summary>A scalar (rank 0) int array.</summary>
    public static NDArray Scalar(int value) => new(new[] { value }, Shape.Scalar);

    /// <summary>A scalar (rank 0) long array.</summary>
    public static NDArray Scalar(long value) => new(new[] { value }, Shape.Scalar);

    /// <summary>A scalar (rank 0) bool array.</summary>
    public static NDArray Scalar(bool value) => new(new[] { value }, Shape.Scalar);

    /// <summary>A scalar of the given dtype holding <paramref name="value"/> converted.</summary>
    public static NDArray Scalar(double value, DType dtype) => dtype switch
    {
        DType.Float32 => Scalar((float)value),
        DType.Float64 => Scalar(value),
        DType.Int32 => Scalar((int)value),
        DType.Int64 => Scalar((long)value),
        DType.Bool => Scalar(value != 0),
        _ => throw new ArgumentException($"NDArray.Scalar: dtype {dtype} cannot hold a number.", nameof(dtype)),
    };

    /// <summary>Wraps already-owned typed data without copying (internal fast path).</summary>
    internal static NDArray Wrap<T>(T[] data, Shape shape) => new(data, shape, DTypeExtensions.Of<T>());

    /// <summary>
    /// Arrays of at least this many bytes that <see cref="Empty"/> allocates go to the pinned object heap. A fetched
    /// output is a fresh array every run; on the large object heap the GC decommits and recommits such arrays' memory,
    /// and the kernel writing a recommitted array page-faults on every page (0.9–3 ms for a 6.5 MB RNN output on this
    /// project's host). The pinned heap keeps its memory (docs/decisions/0011-executor-memory.md).
    /// </summary>
    internal static long PinnedMinBytes { get; set; } = 1 << 20;

    /// <summary>Creates an uninitialised array of the given shape for an op's output.</summary>
    internal static NDArray Empty(Shape shape, DType dtype)
    {
        long n = shape.NumElements;
        if (n > Array.MaxLength)
            throw new InvalidOperationException($"NDArray: shape {shape} has {n} elements, more than an array can hold.");
        bool pinned = n * dtype.Size() >= PinnedMinBytes;
        Array data = dtype switch
        {
            DType.Float32 => GC.AllocateUninitializedArray<float>((int)n, pinned),
            DType.Float64 => GC.AllocateUninitializedArray<double>((int)n, pinned),
            DType.Int32 => GC.AllocateUninitializedArray<int>((int)n, pinned),
            DType.Int64 => GC.AllocateUninitializedArray<long>((int)n, pinned),
            DType.Bool => new bool[n],
            _ => throw new ArgumentException($"NDArray: dtype {dtype} has no element storage.", nameof(dtype)),
        };
        return new NDArray(data, shape, dtype);
    }

    /// <summary>
    /// Gives a pooled array (one that nothing outside the executor's buffer pool references) a new shape of the same
    /// size, so the pool can hand out the same object again without allocating.
    /// </summary>
    internal void ReuseAs(Shape shape)
    {
        System.Diagnostics.Debug.Assert(shape.IsFullyDefined && shape.NumElements == _data.Length, "a reused array keeps its size");
        Shape = shape;
    }

    /// <summary>A variant (handle) scalar holding an opaque payload (TensorArray lists).</summary>
    internal static NDArray Variant(object payload) => new(new[] { payload }, Shape.Scalar, DType.Variant);

    /// <summary>The payload of a variant scalar.</summary>
    internal T Payload<T>() where T : class
    {
        if (DType != DType.Variant || _data is not object[] o || o[0] is not T t)
            throw new InvalidOperationException($"NDArray: expected a variant holding {typeof(T).Name}, but got dtype {DType}.");
        return t;
    }

    private static Type ElementType(DType dtype) => dtype switch
    {
        DType.Variant => throw new ArgumentException("NDArray: variant arrays cannot be created from data.", nameof(dtype)),
        _ => dtype.ClrType(),
    };

    /// <summary>The elements as a read-only span of <typeparamref name="T"/>, which must match <see cref="DType"/>.</summary>
    /// <exception cref="InvalidOperationException">T does not match the dtype.</exception>
    public ReadOnlySpan<T> AsSpan<T>() => Data<T>();

    /// <summary>The underlying storage (internal: kernels write into fresh outputs only).</summary>
    internal T[] Data<T>()
    {
        if (_data is T[] t) return t;
        ThrowTypeMismatch(typeof(T));
        return null;
    }

    /// <summary>The untyped underlying storage.</summary>
    internal Array RawData => _data;

    /// <summary>A flat row-major copy of the elements as <typeparamref name="T"/>, which must match <see cref="DType"/>.</summary>
    /// <exception cref="InvalidOperationException">T does not match the dtype.</exception>
    public T[] ToArray<T>() => (T[])Data<T>().Clone();

    /// <summary>The single element of a size-1 array as <typeparamref name="T"/>.</summary>
    public T GetScalar<T>()
    {
        var d = Data<T>();
        if (d.Length != 1)
            throw new InvalidOperationException($"NDArray.GetScalar: expected exactly one element, but the shape is {Shape}.");
        return d[0];
    }

    /// <summary>Element at a flat row-major index, converted to double (numeric dtypes and bool).</summary>
    public double GetDouble(int flatIndex) => _data switch
    {
        float[] f => f[flatIndex],
        double[] d => d[flatIndex],
        int[] i => i[flatIndex],
        long[] l => l[flatIndex],
        bool[] b => b[flatIndex] ? 1 : 0,
        _ => throw new InvalidOperationException($"NDArray: dtype {DType} has no numeric value."),
    };

    /// <summary>The same data viewed with another shape of equal size (no copy).</summary>
    public NDArray Reshape(Shape shape)
    {
        if (!shape.IsFullyDefined || shape.NumElements != Size)
            throw new ArgumentException($"NDArray.Reshape: cannot reshape an array of shape {Shape} ({Size} elements) to {shape}.", nameof(shape));
        return new NDArray(_data, shape, DType);
    }

    /// <summary>Converts the elements to another dtype (a copy).</summary>
    public NDArray AsType(DType dtype)
    {
        if (dtype == DType) return new NDArray((Array)_data.Clone(), Shape, DType);
        var r = Empty(Shape, dtype);
        for (int i = 0; i < Size; i++)
        {
            double v = GetDouble(i);
            switch (r._data)
            {
                case float[] f: f[i] = (float)v; break;
                case double[] d: d[i] = v; break;
                case int[] n: n[i] = (int)v; break;
                case long[] l: l[i] = (long)v; break;
                case bool[] b: b[i] = v != 0; break;
            }
        }
        return r;
    }

    /// <summary>numpy-style text, as <c>print(array)</c> shows it.</summary>
    public override string ToString() => NDArrayFormatter.Format(this);

    /// <summary>Implicit conversion from a float scalar.</summary>
    public static implicit operator NDArray(float value) => Scalar(value);

    /// <summary>Implicit conversion from a double scalar.</summary>
    public static implicit operator NDArray(double value) => Scalar(value);

    /// <summary>Implicit conversion from an int scalar.</summary>
    public static implicit operator NDArray(int value) => Scalar(value);

    /// <summary>Implicit conversion from a float vector.</summary>
    public static implicit operator NDArray(float[] value) => new(value);

    /// <summary>Implicit conversion from a double vector.</summary>
    public static implicit operator NDArray(double[] value) => new(value);

    /// <summary>Implicit conversion from an int vector.</summary>
    public static implicit operator NDArray(int[] value) => new(value);

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowTypeMismatch(Type requested) =>
        throw new InvalidOperationException($"NDArray: the elements are {DType} ({DType.ClrType().Name}), but {requested.Name} was requested.");
}
