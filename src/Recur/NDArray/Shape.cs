using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Recur;

/// <summary>
/// An immutable, possibly partial, tensor shape. TF equivalent: <c>tf.TensorShape</c>.
/// A dimension of <c>-1</c> is unknown (TF's <c>None</c>); <see cref="Unknown"/> has unknown rank.
/// </summary>
/// <example><code>var s = new Shape(-1, 10, 8); // (?, 10, 8)
/// int rank = s.Rank;   // 3
/// int t = s[1];        // 10</code></example>
public readonly struct Shape : IEquatable<Shape>
{
    private readonly int[]? _dims;
    private readonly bool _known;

    /// <summary>The rank-0 (scalar) shape <c>()</c>; <c>default(Shape)</c> is <see cref="Unknown"/> instead.</summary>
    public Shape() : this(Array.Empty<int>()) { }

    /// <summary>A shape of known rank with the given dimensions (-1 for an unknown dimension).</summary>
    /// <exception cref="ArgumentException">A dimension is below -1.</exception>
    public Shape(params int[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        for (int i = 0; i < dims.Length; i++)
        {
            if (dims[i] < -1)
                throw new ArgumentException($"Shape: dimension {i} must be >= 0 or -1 (unknown), but got {dims[i]}.", nameof(dims));
        }
        _dims = (int[])dims.Clone();
        _known = true;
    }

    /// <summary>A shape of known rank from a span of dimensions.</summary>
    public Shape(ReadOnlySpan<int> dims) : this(dims.ToArray()) { }

    private Shape(int[] dims, bool noCopy)
    {
        _ = noCopy;
        _dims = dims;
        _known = true;
    }

    internal static Shape FromOwned(int[] dims) => new(dims, true);

    /// <summary>A shape of unknown rank (TF: <c>TensorShape(None)</c>).</summary>
    public static Shape Unknown => default;

    /// <summary>The rank-0 shape <c>()</c>.</summary>
    public static Shape Scalar { get; } = new(Array.Empty<int>(), true);

    /// <summary>A shape of known rank whose dimensions are all unknown.</summary>
    public static Shape UnknownOfRank(int rank)
    {
        var d = new int[rank];
        Array.Fill(d, -1);
        return new Shape(d, true);
    }

    /// <summary>True when the rank is known.</summary>
    public bool IsRankKnown => _known;

    /// <summary>The rank, or -1 when unknown.</summary>
    public int Rank => _known ? _dims!.Length : -1;

    /// <summary>True when the rank and every dimension are known.</summary>
    public bool IsFullyDefined
    {
        get
        {
            if (!_known) return false;
            foreach (int d in _dims!) if (d < 0) return false;
            return true;
        }
    }

    /// <summary>Dimension <paramref name="index"/> (-1 if unknown); negative indices count from the end.</summary>
    /// <exception cref="InvalidOperationException">The rank is unknown.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The index is outside the rank.</exception>
    public int this[int index]
    {
        get
        {
            if (!_known) throw new InvalidOperationException("Shape: cannot index a shape of unknown rank.");
            int r = _dims!.Length;
            int i = index < 0 ? index + r : index;
            if ((uint)i >= (uint)r)
                throw new ArgumentOutOfRangeException(nameof(index), $"Shape: index {index} is out of range for shape {this} of rank {r}.");
            return _dims[i];
        }
    }

    /// <summary>The dimensions (empty for unknown rank; check <see cref="IsRankKnown"/>).</summary>
    public ReadOnlySpan<int> Dims => _known ? _dims : ReadOnlySpan<int>.Empty;

    /// <summary>A copy of the dimensions.</summary>
    /// <exception cref="InvalidOperationException">The rank is unknown.</exception>
    public int[] ToArray()
    {
        if (!_known) throw new InvalidOperationException("Shape: the rank is unknown.");
        return (int[])_dims!.Clone();
    }

    /// <summary>Number of elements; requires a fully defined shape.</summary>
    /// <exception cref="InvalidOperationException">The shape is not fully defined.</exception>
    public long NumElements
    {
        get
        {
            if (!IsFullyDefined) throw new InvalidOperationException($"Shape: {this} is not fully defined, so its number of elements is unknown.");
            long n = 1;
            foreach (int d in _dims!) n *= d;
            return n;
        }
    }

    /// <summary>True when the two shapes could describe the same tensor (TF's <c>is_compatible_with</c>).</summary>
    public bool IsCompatibleWith(Shape other)
    {
        if (!_known || !other._known) return true;
        if (_dims!.Length != other._dims!.Length) return false;
        for (int i = 0; i < _dims.Length; i++)
        {
            int a = _dims[i], b = other._dims[i];
            if (a >= 0 && b >= 0 && a != b) return false;
        }
        return true;
    }

    /// <summary>The most specific shape compatible with both (TF's <c>merge_with</c>).</summary>
    /// <exception cref="ArgumentException">The shapes are incompatible.</exception>
    public Shape MergeWith(Shape other)
    {
        if (!_known) return other;
        if (!other._known) return this;
        if (!IsCompatibleWith(other))
            throw new ArgumentException($"Shape: shapes {this} and {other} are not compatible.");
        var d = new int[_dims!.Length];
        for (int i = 0; i < d.Length; i++) d[i] = _dims[i] >= 0 ? _dims[i] : other._dims![i];
        return new Shape(d, true);
    }

    /// <summary>The shape with every dimension that differs from <paramref name="other"/> made unknown (TF's <c>most_specific_compatible_shape</c>).</summary>
    public Shape MostSpecificCompatible(Shape other)
    {
        if (!_known || !other._known || _dims!.Length != other._dims!.Length) return Unknown;
        var d = new int[_dims.Length];
        for (int i = 0; i < d.Length; i++) d[i] = _dims[i] == other._dims[i] ? _dims[i] : -1;
        return new Shape(d, true);
    }

    /// <summary>This shape followed by <paramref name="other"/>'s dimensions.</summary>
    public Shape Concatenate(Shape other)
    {
        if (!_known || !other._known) return Unknown;
        var d = new int[_dims!.Length + other._dims!.Length];
        _dims.CopyTo(d, 0);
        other._dims.CopyTo(d, _dims.Length);
        return new Shape(d, true);
    }

    /// <summary>Dimensions [start, end) as a shape (unknown rank stays unknown).</summary>
    public Shape Slice(int start, int? end = null)
    {
        if (!_known) return Unknown;
        int e = end ?? _dims!.Length;
        return new Shape(_dims.AsSpan(start, e - start).ToArray(), true);
    }

    /// <summary>The same shape with dimension <paramref name="index"/> replaced.</summary>
    public Shape WithDim(int index, int value)
    {
        if (!_known) throw new InvalidOperationException("Shape: cannot set a dimension of a shape of unknown rank.");
        var d = (int[])_dims!.Clone();
        d[index < 0 ? index + d.Length : index] = value;
        return new Shape(d, true);
    }

    /// <inheritdoc/>
    public bool Equals(Shape other)
    {
        if (_known != other._known) return false;
        if (!_known) return true;
        return _dims.AsSpan().SequenceEqual(other._dims);
    }

    /// <inheritdoc/>
    public override bool Equals([NotNullWhen(true)] object? obj) => obj is Shape s && Equals(s);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        if (!_known) return -1;
        var h = new HashCode();
        foreach (int d in _dims!) h.Add(d);
        return h.ToHashCode();
    }

    /// <summary>Equality of rank and dimensions (unknown equals unknown).</summary>
    public static bool operator ==(Shape left, Shape right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(Shape left, Shape right) => !left.Equals(right);

    /// <summary>Formats as <c>(2, ?, 3)</c>, <c>()</c> for a scalar, <c>&lt;unknown&gt;</c> for unknown rank.</summary>
    public override string ToString()
    {
        if (!_known) return "<unknown>";
        var sb = new StringBuilder("(");
        for (int i = 0; i < _dims!.Length; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(_dims[i] < 0 ? "?" : _dims[i].ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        if (_dims.Length == 1) sb.Append(',');
        return sb.Append(')').ToString();
    }

    /// <summary>Implicit conversion from an array of dimensions.</summary>
    public static implicit operator Shape(int[] dims) => new(dims);
}
