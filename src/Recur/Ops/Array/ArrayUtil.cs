using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Recur;

/// <summary>
/// Shared helpers of the array ops: axis normalisation, shape arithmetic, constant folding of small integer
/// tensors for static shape inference, and dtype-agnostic element copies. Every array op moves elements without
/// looking at them, so kernels work on the raw bytes through spans of 1-, 4- or 8-byte elements (bool, int/float,
/// long/double): one implementation serves every <see cref="DType"/>.
/// </summary>
internal static class ArrayUtil
{
    /// <summary>Rejects dtypes without element storage (Variant handles).</summary>
    public static void RequireData(string op, Tensor x, string paramName)
    {
        ArgumentNullException.ThrowIfNull(x, paramName);
        if (x.DType == DType.Variant)
            throw new ArgumentException($"{op}: '{x.Name}' has dtype Variant, which this op does not support.", paramName);
    }

    /// <summary>Checks that an index tensor is Int32 or Int64.</summary>
    public static void RequireIndex(string op, Tensor t, string paramName, bool allowInt64 = true)
    {
        ArgumentNullException.ThrowIfNull(t, paramName);
        if (t.DType != DType.Int32 && !(allowInt64 && t.DType == DType.Int64))
            throw new ArgumentException(
                $"{op}: {paramName} must have dtype Int32{(allowInt64 ? " or Int64" : "")}, but '{t.Name}' has dtype {t.DType}.", paramName);
    }

    /// <summary>Maps <paramref name="axis"/> in [-rank, rank) to [0, rank), or throws naming the op.</summary>
    public static int NormalizeAxis(string op, int axis, int rank, string paramName = "axis")
    {
        if (axis < -rank || axis >= rank)
            throw new ArgumentException($"{op}: {paramName} {axis} is out of range for a tensor of rank {rank}; expected a value in [{-rank}, {rank}).", paramName);
        return axis < 0 ? axis + rank : axis;
    }

    /// <summary>Formats a list of ints as <c>[1, 2, 3]</c> for messages.</summary>
    public static string Format(ReadOnlySpan<int> values)
    {
        var parts = new string[values.Length];
        for (int i = 0; i < values.Length; i++) parts[i] = values[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
        return "[" + string.Join(", ", parts) + "]";
    }

    /// <summary>Product of dims [start, end) of a concrete shape.</summary>
    public static int Product(ReadOnlySpan<int> dims, int start = 0, int end = -1)
    {
        if (end < 0) end = dims.Length;
        long p = 1;
        for (int i = start; i < end; i++) p *= dims[i];
        return checked((int)p);
    }

    /// <summary>Row-major element strides of a concrete shape.</summary>
    public static int[] Strides(ReadOnlySpan<int> dims)
    {
        var s = new int[dims.Length];
        int acc = 1;
        for (int i = dims.Length - 1; i >= 0; i--)
        {
            s[i] = acc;
            acc *= dims[i];
        }
        return s;
    }

    /// <summary>Adds two static dimensions (-1 when either is unknown).</summary>
    public static int AddDims(int a, int b) => a < 0 || b < 0 ? -1 : a + b;

    /// <summary>Multiplies two static dimensions (-1 when either is unknown, unless one is 0).</summary>
    public static int MulDims(int a, int b) => a == 0 || b == 0 ? 0 : a < 0 || b < 0 ? -1 : a * b;

    /// <summary>
    /// The value of a small integer tensor when it is known at build time: a constant, or the <c>Shape</c> of a
    /// tensor whose static shape is fully defined. Null otherwise.
    /// </summary>
    public static int[]? TryConstantInts(Tensor t)
    {
        if (t.DType is not (DType.Int32 or DType.Int64)) return null;
        var op = t.Op;
        if (op.Type == "Const")
        {
            var v = op.GetAttr<NDArray>("value");
            if (v.Rank > 2) return null;
            return ToInts(v);
        }
        if (op.Type == "Shape" && op.Inputs[0].Shape.IsFullyDefined) return op.Inputs[0].Shape.ToArray();
        return null;
    }

    /// <summary>A partial shape from a rank-1 shape tensor: its constant value, or its length with unknown dims.</summary>
    public static Shape ShapeFromTensor(Tensor dims)
    {
        if (TryConstantInts(dims) is { } v)
        {
            var d = new int[v.Length];
            for (int i = 0; i < v.Length; i++) d[i] = v[i] < 0 ? -1 : v[i];
            return new Shape(d);
        }
        if (PartialConstantInts(dims) is { } partial) return new Shape(partial);
        if (dims.Shape.IsRankKnown && dims.Shape.Rank == 1 && dims.Shape[0] >= 0) return Shape.UnknownOfRank(dims.Shape[0]);
        return Shape.Unknown;
    }

    /// <summary>
    /// TF's <c>constant_value_as_shape</c> for a vector built by ConcatV2 (axis 0) or Pack (axis 0) of parts that are
    /// constant or of known length: the known values, −1 where a part is not constant (e.g. the batch size in
    /// <c>concat([reshape(batch, [1]), [units]], 0)</c> gives (−1, units)); null when the length is unknown.
    /// </summary>
    private static int[]? PartialConstantInts(Tensor t)
    {
        if (t.DType is not (DType.Int32 or DType.Int64)) return null;
        var op = t.Op;
        if (op.Type == "Pack" && op.GetAttr<int>("axis") is 0 or -1)
        {
            var r = new int[op.Inputs.Count];
            for (int i = 0; i < r.Length; i++)
                r[i] = TryConstantInts(op.Inputs[i]) is { Length: 1 } v && v[0] >= 0 ? v[0] : -1;
            return r;
        }
        if (op.Type == "ConcatV2" && op.GetAttr<int>("axis") is 0 or -1)
        {
            var r = new List<int>();
            foreach (var part in op.Inputs)
            {
                if (TryConstantInts(part) is { } c)
                {
                    if (c.Length != (part.Shape.IsRankKnown && part.Shape.Rank == 1 ? part.Shape[0] : -2)) return null;
                    foreach (int v in c) r.Add(v < 0 ? -1 : v);
                }
                else if (PartialConstantInts(part) is { } p)
                {
                    r.AddRange(p);
                }
                else if (part.Shape.IsRankKnown && part.Shape.Rank == 1 && part.Shape[0] >= 0)
                {
                    for (int i = 0; i < part.Shape[0]; i++) r.Add(-1);
                }
                else
                {
                    return null;
                }
            }
            return r.ToArray();
        }
        return null;
    }

    /// <summary>The elements of an Int32 or Int64 array as ints (no copy for Int32).</summary>
    public static int[] ToInts(NDArray a)
    {
        switch (a.DType)
        {
            case DType.Int32:
                return a.Data<int>();
            case DType.Int64:
            {
                var l = a.Data<long>();
                var r = new int[l.Length];
                for (int i = 0; i < l.Length; i++) r[i] = checked((int)l[i]);
                return r;
            }
            default:
                throw new InvalidOperationException($"ArrayUtil: expected an Int32 or Int64 array, but got {a.DType}.");
        }
    }

    /// <summary>Reads a rank-1 integer input of a kernel, failing with the op's name when it is not a vector.</summary>
    public static int[] ReadIntVector(OpContext ctx, int input, string what)
    {
        var a = ctx.Input(input);
        if (a.Rank != 1) ctx.FailArgument($"{what} must be a vector, but has shape {a.Shape}.");
        return ToInts(a);
    }

    /// <summary>The raw bytes of an array's storage.</summary>
    public static Span<byte> Bytes(NDArray a)
    {
        var data = a.RawData;
        return MemoryMarshal.CreateSpan(ref MemoryMarshal.GetArrayDataReference(data), data.Length * a.DType.Size());
    }

    /// <summary>The storage viewed as elements of the same width as the dtype (byte, int or long).</summary>
    public static Span<T> Elements<T>(NDArray a) where T : unmanaged => MemoryMarshal.Cast<byte, T>(Bytes(a));

    /// <summary>
    /// dst[k] = src[offset + Σ coord_i·strides_i] for every row-major coordinate of <paramref name="dims"/>:
    /// the one copy loop behind transpose, slice, strided slice, reverse, tile and broadcast (stride 0).
    /// </summary>
    public static void StridedCopy(NDArray src, NDArray dst, int offset, ReadOnlySpan<int> dims, ReadOnlySpan<int> strides)
    {
        switch (src.DType.Size())
        {
            case 1: StridedCopy(Elements<byte>(src), Elements<byte>(dst), offset, dims, strides); break;
            case 4: StridedCopy(Elements<int>(src), Elements<int>(dst), offset, dims, strides); break;
            case 8: StridedCopy(Elements<long>(src), Elements<long>(dst), offset, dims, strides); break;
            default: throw new InvalidOperationException($"ArrayUtil: dtype {src.DType} has no element storage.");
        }
    }

    /// <summary>The typed strided copy (see the untyped overload).</summary>
    public static void StridedCopy<T>(ReadOnlySpan<T> src, Span<T> dst, int offset, ReadOnlySpan<int> dims, ReadOnlySpan<int> strides)
        where T : unmanaged
    {
        int rank = dims.Length;
        long total = 1;
        for (int i = 0; i < rank; i++) total *= dims[i];
        if (total == 0) return;
        if (rank == 0)
        {
            dst[0] = src[offset];
            return;
        }
        int inner = dims[rank - 1];
        int innerStride = strides[rank - 1];
        long rows = total / inner;
        Span<int> coord = rank <= 16 ? stackalloc int[rank] : new int[rank];
        coord.Clear();
        int srcBase = offset;
        int d = 0;
        for (long r = 0; r < rows; r++)
        {
            var row = dst.Slice(d, inner);
            if (innerStride == 1) src.Slice(srcBase, inner).CopyTo(row);
            else if (innerStride == 0) row.Fill(src[srcBase]);
            else CopyStrided(src, row, srcBase, innerStride);
            d += inner;
            for (int ax = rank - 2; ax >= 0; ax--)
            {
                srcBase += strides[ax];
                if (++coord[ax] < dims[ax]) break;
                srcBase -= strides[ax] * dims[ax];
                coord[ax] = 0;
            }
        }
    }

    /// <summary>
    /// The inverse of <see cref="StridedCopy(NDArray, NDArray, int, ReadOnlySpan{int}, ReadOnlySpan{int})"/>:
    /// dst[offset + Σ coord_i·strides_i] = src[k] (slice gradients and padding write a dense block into a larger array).
    /// </summary>
    public static void StridedScatter(NDArray src, NDArray dst, int offset, ReadOnlySpan<int> dims, ReadOnlySpan<int> strides)
    {
        switch (src.DType.Size())
        {
            case 1: StridedScatter(Elements<byte>(src), Elements<byte>(dst), offset, dims, strides); break;
            case 4: StridedScatter(Elements<int>(src), Elements<int>(dst), offset, dims, strides); break;
            case 8: StridedScatter(Elements<long>(src), Elements<long>(dst), offset, dims, strides); break;
            default: throw new InvalidOperationException($"ArrayUtil: dtype {src.DType} has no element storage.");
        }
    }

    private static void StridedScatter<T>(ReadOnlySpan<T> src, Span<T> dst, int offset, ReadOnlySpan<int> dims, ReadOnlySpan<int> strides)
        where T : unmanaged
    {
        int rank = dims.Length;
        long total = 1;
        for (int i = 0; i < rank; i++) total *= dims[i];
        if (total == 0) return;
        if (rank == 0)
        {
            dst[offset] = src[0];
            return;
        }
        int inner = dims[rank - 1];
        int innerStride = strides[rank - 1];
        long rows = total / inner;
        Span<int> coord = rank <= 16 ? stackalloc int[rank] : new int[rank];
        coord.Clear();
        int dstBase = offset;
        int s = 0;
        for (long r = 0; r < rows; r++)
        {
            if (innerStride == 1)
            {
                src.Slice(s, inner).CopyTo(dst.Slice(dstBase, inner));
            }
            else
            {
                int d = dstBase;
                for (int k = 0; k < inner; k++)
                {
                    dst[d] = src[s + k];
                    d += innerStride;
                }
            }
            s += inner;
            for (int ax = rank - 2; ax >= 0; ax--)
            {
                dstBase += strides[ax];
                if (++coord[ax] < dims[ax]) break;
                dstBase -= strides[ax] * dims[ax];
                coord[ax] = 0;
            }
        }
    }

    /// <summary>
    /// For each element of a strided view (see <see cref="StridedCopy(NDArray, NDArray, int, ReadOnlySpan{int}, ReadOnlySpan{int})"/>),
    /// the flat index it reads from the source: the map that gradient kernels accumulate through.
    /// </summary>
    public static int[] SourceIndexMap(int sourceSize, int offset, ReadOnlySpan<int> dims, ReadOnlySpan<int> strides)
    {
        var iota = new int[sourceSize];
        for (int i = 0; i < iota.Length; i++) iota[i] = i;
        var map = new int[Product(dims)];
        StridedCopy<int>(iota, map, offset, dims, strides);
        return map;
    }

    /// <summary>dst[map[k]] += src[k] for a numeric dtype (gradients of ops that read an element more than once).</summary>
    public static void AccumulateByMap(NDArray src, NDArray dst, int[] map)
    {
        switch (src.DType)
        {
            case DType.Float32: Accumulate(src.Data<float>(), dst.Data<float>(), map); break;
            case DType.Float64: Accumulate(src.Data<double>(), dst.Data<double>(), map); break;
            case DType.Int32: Accumulate(src.Data<int>(), dst.Data<int>(), map); break;
            case DType.Int64: Accumulate(src.Data<long>(), dst.Data<long>(), map); break;
            default: throw new InvalidOperationException($"ArrayUtil: cannot accumulate gradients of dtype {src.DType}.");
        }
    }

    private static void Accumulate<T>(T[] src, T[] dst, int[] map) where T : System.Numerics.INumber<T>
    {
        for (int k = 0; k < map.Length; k++) dst[map[k]] += src[k];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyStrided<T>(ReadOnlySpan<T> src, Span<T> row, int start, int stride) where T : unmanaged
    {
        int s = start;
        for (int k = 0; k < row.Length; k++)
        {
            row[k] = src[s];
            s += stride;
        }
    }

    /// <summary>The numpy broadcast of two static shapes, or null when incompatible (unknown dims stay unknown).</summary>
    public static Shape? BroadcastStatic(Shape a, Shape b)
    {
        if (!a.IsRankKnown || !b.IsRankKnown) return Shape.Unknown;
        int r = Math.Max(a.Rank, b.Rank);
        var d = new int[r];
        for (int i = 0; i < r; i++)
        {
            int ia = i - (r - a.Rank), ib = i - (r - b.Rank);
            int x = ia >= 0 ? a[ia] : 1, y = ib >= 0 ? b[ib] : 1;
            if (x == 1) d[i] = y;
            else if (y == 1) d[i] = x;
            else if (x < 0) d[i] = y;
            else if (y < 0) d[i] = x;
            else if (x == y) d[i] = x;
            else return null;
        }
        return new Shape(d);
    }

    /// <summary>The numpy broadcast of two concrete shapes, or null when incompatible.</summary>
    public static int[]? BroadcastDims(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        int r = Math.Max(a.Length, b.Length);
        var d = new int[r];
        for (int i = 0; i < r; i++)
        {
            int ia = i - (r - a.Length), ib = i - (r - b.Length);
            int x = ia >= 0 ? a[ia] : 1, y = ib >= 0 ? b[ib] : 1;
            if (x == y || y == 1) d[i] = x;
            else if (x == 1) d[i] = y;
            else return null;
        }
        return d;
    }

    /// <summary>Element strides that read an array of shape <paramref name="from"/> broadcast to <paramref name="to"/> (0 on broadcast dims).</summary>
    public static int[] BroadcastStrides(ReadOnlySpan<int> from, ReadOnlySpan<int> to)
    {
        var s = Strides(from);
        var r = new int[to.Length];
        int off = to.Length - from.Length;
        for (int i = 0; i < from.Length; i++) r[i + off] = from[i] == 1 && to[i + off] != 1 ? 0 : s[i];
        return r;
    }

    /// <summary>Broadcasts a concrete array to <paramref name="dims"/> (returns the input when the shape already matches).</summary>
    public static NDArray BroadcastTo(NDArray a, int[] dims)
    {
        if (a.Shape.Dims.SequenceEqual(dims)) return a;
        var r = NDArray.Empty(new Shape(dims), a.DType);
        StridedCopy(a, r, 0, dims, BroadcastStrides(a.Shape.Dims, dims));
        return r;
    }

    /// <summary>A constant int32 vector (the shape, begin and size operands built from int arrays).</summary>
    public static Tensor IntConst(int[] values, string name) => StateOps.Const(new NDArray((int[])values.Clone(), new Shape(values.Length)), name);
}
